"""The native metrics API (``/v1/metrics``): the registry's metrics over calendar buckets."""
