"""Developer benchmarks run from a checkout (``make bench``); not part of the installed package."""
