"""Field paths of a JSON payload: every leaf that holds a value, and whether a mapping read it
(for the "not mapped" list that every adapter gives, so that nothing is dropped silently)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

__all__ = ["covered", "leaves", "unread"]


def leaves(node: object, path: str = "") -> Iterator[str]:
    """Every field path that holds a value (lists are one field: ``a.b``)."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from leaves(value, f"{path}.{key}" if path else str(key))
    elif isinstance(node, list):
        inner = sorted({leaf for item in node for leaf in leaves(item, path)})
        yield from inner if inner else ([path] if node else [])
    elif node is not None:
        yield path


def covered(path: str, read: Iterable[str]) -> bool:
    """Whether a read path is ``path`` or one of its ancestors."""
    parts = path.split(".")
    known = set(read)
    return any(".".join(parts[:n]) in known for n in range(1, len(parts) + 1))


def unread(payload: object, read: Iterable[str]) -> tuple[str, ...]:
    """The leaves of ``payload`` that no read path covers, in order."""
    known = set(read)
    return tuple(path for path in leaves(payload) if not covered(path, known))
