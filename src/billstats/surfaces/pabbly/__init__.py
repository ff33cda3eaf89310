"""pabbly-compatible surface."""
