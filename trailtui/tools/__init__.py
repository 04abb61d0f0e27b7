"""Tools around the engine that the product ships but the engine does not need: the sample generator
(``trailtui generate``, also used by tests and benchmarks)."""
