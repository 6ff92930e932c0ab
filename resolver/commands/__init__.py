"""Subcommands of ``passport-node``; see ``resolver.cli``."""
