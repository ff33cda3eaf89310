"""Native metrics: native_mrr (registered in the metric registry on import)."""
