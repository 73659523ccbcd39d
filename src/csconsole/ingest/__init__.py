"""Ingest: everything that brings data into the cache.

The package, by part:

- :mod:`~csconsole.ingest.warehouse`: the warehouse contract (its streams and their
  queries), connecting to a source and the DDL of an empty warehouse;
- :mod:`~csconsole.ingest.sources`: the configured sources, their URLs and passwords;
- :mod:`~csconsole.ingest.sync`: the sync of a source, batch by batch (the
  :class:`~csconsole.ingest.sync.Syncer`), with its parts: :mod:`~csconsole.ingest.checks`
  (each row against the contract and the catalog), :mod:`~csconsole.ingest.writing`
  (upserts, the samples' staging table, bulk-write settings) and
  :mod:`~csconsole.ingest.runs` (progress, summary, the ``sync_runs`` record);
- :mod:`~csconsole.ingest.sync_lock`: one sync of a cache at a time;
- :mod:`~csconsole.ingest.sheets`: the import of a tracking sheet (.csv, .xlsx), with
  :mod:`~csconsole.ingest.sheet_cells` (its layout and cells) and
  :mod:`~csconsole.ingest.sheet_rows` (checking the whole sheet);
- :mod:`~csconsole.ingest.spreadsheets`: the .csv/.xlsx reader that the sheet import and
  the opportunities' import share;
- :mod:`~csconsole.ingest.demo`: the demo warehouse (its clients and contracts in
  :mod:`~csconsole.ingest.demo_clients`).

The package is named for what its modules have in common, bringing data in; ``sync`` is
one way of doing it (and already the name of its module and of a use case).
"""
