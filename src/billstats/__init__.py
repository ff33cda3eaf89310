"""billstats: an open-source billing analytics engine."""

__version__ = "0.1.0"
