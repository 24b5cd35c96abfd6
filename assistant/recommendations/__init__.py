"""The recommendations register: each recommendation in the corpus as a single item.

:mod:`~assistant.recommendations.extract` finds the items on a document's pages at ingest (pure functions over
pages; no model, no I/O). :mod:`~assistant.recommendations.register` lists them from the live index, grouped
where one restates another, or those on a topic. Import the submodule you need: ingest imports ``extract`` only.
"""
