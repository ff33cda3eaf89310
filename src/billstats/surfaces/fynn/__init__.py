"""fynn-compatible surface."""
