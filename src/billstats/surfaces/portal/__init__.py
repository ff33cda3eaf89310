"""portal-compatible surface."""
