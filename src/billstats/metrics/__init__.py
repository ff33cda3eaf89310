"""The metrics layer: every number any surface shows is computed here, once.

Surfaces (the vendor-compatible APIs, the native metrics API, the dashboard) map these results
to their own shapes and never compute on their own.  Definitions: ``docs/metrics.md``.
"""
