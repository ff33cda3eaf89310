"""Storage: tables, engine, and the one module that knows about database dialects."""
