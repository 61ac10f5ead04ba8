"""Parsers of external formats: pure functions from bytes to plain data, each with golden-file
tests (tests/bookkeeping/parsers/)."""
