"""devkit-compatible surface."""
