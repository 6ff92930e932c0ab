"""Resolution as a chain of small stages (local store, cache, federation), in config order."""

from resolver.stages.base import build_chain

__all__ = ["build_chain"]
