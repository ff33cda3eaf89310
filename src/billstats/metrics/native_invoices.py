"""Native metrics: native_invoices (registered in the metric registry on import)."""
