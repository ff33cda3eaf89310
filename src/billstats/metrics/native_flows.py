"""Native metrics: native_flows (registered in the metric registry on import)."""
