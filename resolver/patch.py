"""JSON merge patch (RFC 7396): the body of ``PATCH /{handle}``, applied to the stored document.

A patch object's members replace the target's, ``null`` removes a member, and anything that
is not an object replaces the target whole.
"""

from __future__ import annotations

__all__ = ["merge_patch"]


def merge_patch(target: object, patch: object) -> object:
    """The result of applying ``patch`` to ``target`` (neither argument is modified)."""
    if not isinstance(patch, dict):
        return patch
    result: dict[object, object] = dict(target) if isinstance(target, dict) else {}
    for name, value in patch.items():
        if value is None:
            result.pop(name, None)
        else:
            result[name] = merge_patch(result.get(name), value)
    return result
