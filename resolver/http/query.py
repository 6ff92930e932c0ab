"""Reading numbers from query strings: ASCII digits only, within bounds, or a 400 that says so."""

from __future__ import annotations

from resolver.errors import InputError

__all__ = ["MAX_QUERY_NUMBER", "whole_number"]

# Stores keep versions and offsets in signed 64-bit integers; nothing real comes near 2**53.
MAX_QUERY_NUMBER = 2**53


def whole_number(text: str, name: str, *, low: int = 0, high: int = MAX_QUERY_NUMBER) -> int:
    """``text`` as an int from ``low`` to ``high``; InputError (400) for anything else.

    ``str.isdigit`` alone would let ``²`` or Arabic-Indic digits through to ``int()``.
    """
    if not (text.isascii() and text.isdigit()) or len(text) > 20:
        raise InputError(f"{name}={text[:30]!r} must be a whole number from {low} to {high}")
    number = int(text)
    if not low <= number <= high:
        raise InputError(f"{name}={text[:30]!r} must be a whole number from {low} to {high}")
    return number
