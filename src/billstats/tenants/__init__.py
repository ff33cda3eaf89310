"""Tenants: who owns the data, in which time zone and reporting currency."""
