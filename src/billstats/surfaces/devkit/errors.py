"""How the devkit-compatible surface renders errors (its vendor's shape)."""

from __future__ import annotations

from billstats.web.errors import ErrorFormat, render_native

# Replaced by the vendor's error shape when the surface is built.
FORMAT = ErrorFormat(prefixes=("/api/v1/payments/", "/api/v1/auth/"), render=render_native)
