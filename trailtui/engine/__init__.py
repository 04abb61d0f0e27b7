"""The engine: loading, the event store, the jq filter language, pivots and export.

Nothing under this package imports textual, rich or pyperclip, so the headless CLI, the tests and the
benchmarks use it directly (``tests/test_import_hygiene.py`` proves it).
"""
