"""jobctl test suite; a package so workers can import ``tests.jobs`` by dotted path."""
