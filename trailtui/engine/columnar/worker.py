"""Entry point of an ingest worker process: ``python -m trailtui.engine.columnar.worker`` (see ``ingest.py``)."""

from .ingest import worker_main

if __name__ == "__main__":
    worker_main()
