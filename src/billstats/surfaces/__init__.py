"""The vendor-compatible dashboard APIs: thin adapters over billstats.metrics."""
