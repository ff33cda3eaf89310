"""vobiz-compatible surface."""
