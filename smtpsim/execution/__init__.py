"""How a scenario run executes: its plan of chunks (``plan``), what a worker does with one
(``work``), where chunks run (``executors``: this process, a local pool, Dask), where their
records go (``sinks``: memory, one file, a resumable Parquet dataset), progress
(``progress``), ``--dry-run``'s estimate (``estimate``), and ``run``, which puts them
together. Above ``smtpsim.scenarios`` (it runs their cases) and below ``smtpsim.api``.
"""
