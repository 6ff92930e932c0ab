"""Resolution as a chain of small stages (local store, cache, federation), in config order."""

from resolver.stages.base import Answer, Lookup, Next, Stage, build_chain

__all__ = ["Answer", "Lookup", "Next", "Stage", "build_chain"]
