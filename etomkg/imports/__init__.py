"""User files into a persistent store: TM Forum's GB921 workbook and operators' extensions.

:mod:`.importer` runs an import all or nothing; :mod:`.workbook` and :mod:`.extension` read the files
(within :mod:`.limits`), :mod:`.extension_check` checks and renders an extension, :mod:`.findings` says
what is wrong with it.
"""
