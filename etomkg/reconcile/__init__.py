"""Reconciliation: matching people's process names to eTOM (:mod:`.matcher`) and the W3C Reconciliation API
on top of it (:mod:`.service`), both Flask-free; ``etomkg serve`` mounts the service at ``/reconcile``."""
