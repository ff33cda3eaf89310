"""Input schemas, one per kind of record."""
