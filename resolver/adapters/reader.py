"""Reading a third-party payload by path, remembering which paths were read.

An adapter reports every field it did not map; the paths read here are the ones it did.
"""

from __future__ import annotations

from resolver.errors import DocumentError

__all__ = ["PathReader"]


class PathReader:
    """Reads ``payload`` by key paths; ``read`` holds each path read (``"a.b.c"``)."""

    def __init__(self, payload: dict[str, object]) -> None:
        self.payload = payload
        self.read: set[str] = set()

    def value(self, *path: str) -> object:
        self.read.add(".".join(path))
        node: object = self.payload
        for key in path:
            if not isinstance(node, dict):
                return None
            node = node.get(key)
        return node

    def number(self, *path: str, integer: bool = False) -> int | float | None:
        """The number at ``path`` (None: absent); a value that is there but is not a number (or
        not a whole number, ``integer``) refuses the payload naming the field: an impossible
        value is never dropped silently."""
        found = self.value(*path)
        if found is None:
            return None
        if not isinstance(found, int | float) or isinstance(found, bool):
            raise DocumentError(f"{'.'.join(path)}: {found!r} is not a number")
        if integer and not float(found).is_integer():
            raise DocumentError(f"{'.'.join(path)}: {found!r} is not a whole number")
        return found

    def text(self, *path: str) -> str | None:
        """The text at ``path`` (None: absent or empty). A number is taken as its digits (a
        serial number given as 12345); any other value (an object, a list, true/false) refuses
        the payload naming the field, as ``number`` does: it is never dropped silently."""
        found = self.value(*path)
        if found is None or isinstance(found, str):
            return found or None
        if isinstance(found, int | float) and not isinstance(found, bool):
            return str(found)
        raise DocumentError(f"{'.'.join(path)}: {found!r} is not text")

    def list(self, *path: str) -> list[object]:
        found = self.value(*path)
        return found if isinstance(found, list) else []

    def table(self, *path: str) -> dict[str, object]:
        found = self.value(*path)
        return found if isinstance(found, dict) else {}

    def first(self, *path: str) -> object:
        items = self.list(*path)
        return items[0] if items else None

    def section(self, *path: str) -> dict[str, object]:
        """The object at ``path``, without counting it as read: its own fields are read one by
        one, and only those count."""
        node: object = self.payload
        for key in path:
            node = node.get(key) if isinstance(node, dict) else None
        return node if isinstance(node, dict) else {}
