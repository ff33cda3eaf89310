"""Ingest: validated, idempotent writes of a tenant's billing data (single, bulk, CLI)."""
