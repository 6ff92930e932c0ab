"""Developer tools, run from a checkout and not installed: the example generator and the docs generator."""
