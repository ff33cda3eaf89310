"""The ``billstats`` command line."""
