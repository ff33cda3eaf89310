"""The web dashboard (``/dashboard``): static pages over the native metrics API."""
