"""ODA components and Open APIs on the eTOM graph.

TM Forum's ODA component specifications say which eTOM processes a component implements, which Open APIs it
exposes and needs, which events it publishes and subscribes to, which SID ABEs it owns and which Functional
Framework functions it provides. This package reads them into one canonical form (:mod:`.model`) — from the
bundled fact tables (:mod:`.tables`) or from a user's YAML specifications (:mod:`.spec`) — resolves their eTOM
references release by release along the version links (:mod:`.resolve`) and renders them as RDF
(:mod:`.rdf`) into the named graph ``{base}/oda`` (or an extension graph of a store).

>>> from etomkg.oda.tables import bundled_specs
>>> specs = bundled_specs()
>>> len(specs.components), specs.components[0].identifier
(35, 'TMFC001')
"""
