"""Native metrics: native_usage (registered in the metric registry on import)."""
