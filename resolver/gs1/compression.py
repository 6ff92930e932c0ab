"""Compressed GS1 Digital Links (GS1 Digital Link 1.1, section 9): decompression of the keys
this resolver serves.

A compressed link's path is one segment of GS1's URI-safe base64 (``/AQnYUc1gmiCNV4JG``). Its
bits are a sequence of element strings: an AI as two to four 4-bit digits (the first two say
how many, GS1's table P), or one 8-bit optimisation code standing for a sequence of AIs; then
the AI's value, per its format: fixed-length digits as one binary number, variable-length
characters as a 3-bit encoding (digits, lower- or upper-case hex, URI-safe base64, 7-bit
ASCII), a length and the characters. Trailing bits (fewer than 9) are padding.

Decoded here: the GTIN (AI 01, 14 digits) and its key qualifiers 22, 10 and 21 (up to 20
characters each), written alone or through the optimisation codes 0A, 0B and 0C. A link that
holds any other AI (another primary key such as an SSCC, a data attribute, a non-GS1 key) is
refused with the AI named, as the resolver does not serve it. No Python library that is kept
up implements the algorithm (docs/gs1-resolver.md), so this module is the node's own.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from urllib.parse import quote

from resolver.errors import InvalidIdentifier

__all__ = ["decompress", "is_compressed"]

_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_INDEX = {c: i for i, c in enumerate(_ALPHABET)}
_HEX = "0123456789ABCDEF"
_COMPRESSED_RE = re.compile(r"[A-Za-z0-9_-]{10,512}")
# The AIs decoded: (fixed length of digits, or 0) and (maximum length of characters, or 0).
_FIXED_DIGITS = {"01": 14}
_VARIABLE_CHARS = {"22": 20, "10": 20, "21": 20}
_OPTIMISED = {"0A": ("01", "22"), "0B": ("01", "10"), "0C": ("01", "21")}
_ORDER = ("01", "22", "10", "21")  # the uncompressed path's order


def is_compressed(segment: str) -> bool:
    """Whether one path segment has the shape of a compressed Digital Link."""
    return _COMPRESSED_RE.fullmatch(segment) is not None


class _Bits:
    """A bit string read from left to right; reading past its end is an invalid link."""

    def __init__(self, text: str) -> None:
        self._bits = "".join(format(_INDEX[c], "06b") for c in text)
        self.at = 0

    @property
    def left(self) -> int:
        return len(self._bits) - self.at

    def take(self, count: int) -> int:
        if count > self.left:
            raise InvalidIdentifier("compressed Digital Link ends inside a value")
        chunk = self._bits[self.at : self.at + count]
        self.at += count
        return int(chunk, 2) if chunk else 0


def _value_bits(digits: int) -> int:
    """Bits of a number of ``digits`` decimal digits: ceil(digits x log2(10))."""
    return math.ceil(digits * math.log2(10) + 0.01) if digits else 0


def _length_bits(maximum: int) -> int:
    return math.ceil(math.log2(maximum) + 0.01)


def _chars(bits: _Bits, count: int, width: int, char: Callable[[int], str]) -> str:
    return "".join(char(bits.take(width)) for _ in range(count))


def _ascii(code: int) -> str:
    if not 0x20 <= code < 0x7F:
        raise InvalidIdentifier(f"compressed Digital Link holds a control character (code {code})")
    return chr(code)


def _variable(bits: _Bits, maximum: int) -> str:
    encoding = bits.take(3)
    count = bits.take(_length_bits(maximum))
    if encoding == 0:  # digits, as one binary number
        return str(bits.take(_value_bits(count))).rjust(count, "0")
    if encoding == 1:
        return _chars(bits, count, 4, lambda i: _HEX[i].lower())
    if encoding == 2:
        return _chars(bits, count, 4, lambda i: _HEX[i])
    if encoding == 3:
        return _chars(bits, count, 6, lambda i: _ALPHABET[i])
    if encoding == 4:
        return _chars(bits, count, 7, _ascii)
    raise InvalidIdentifier(f"compressed Digital Link uses an unknown character encoding ({encoding})")


def _value(bits: _Bits, ai: str) -> str:
    if ai in _FIXED_DIGITS:
        length = _FIXED_DIGITS[ai]
        number = bits.take(_value_bits(length))
        if number >= 10**length:
            raise InvalidIdentifier(f"compressed Digital Link: AI {ai} has more than {length} digits")
        return str(number).rjust(length, "0")
    if ai in _VARIABLE_CHARS:
        return _variable(bits, _VARIABLE_CHARS[ai])
    raise InvalidIdentifier(
        f"compressed Digital Link holds AI {ai}, which this resolver does not decompress "
        "(it serves GTINs: AIs 01, 22, 10, 21)"
    )


def _next_ais(bits: _Bits) -> tuple[str, ...]:
    """The AI (or the optimised sequence of AIs) that the next bits name."""
    h1, h2 = _HEX[bits.take(4)], _HEX[bits.take(4)]
    if h1.isdigit() and h2.isdigit():
        ai = h1 + h2
        if ai in _FIXED_DIGITS or ai in _VARIABLE_CHARS:
            return (ai,)
        raise InvalidIdentifier(
            f"compressed Digital Link holds AI {ai}…, which this resolver does not decompress "
            "(it serves GTINs: AIs 01, 22, 10, 21)"
        )
    if h1 + h2 in _OPTIMISED:
        return _OPTIMISED[h1 + h2]
    raise InvalidIdentifier(
        f"compressed Digital Link uses optimisation code {h1}{h2}, which this resolver does not decompress"
    )


def decompress(segment: str) -> str:
    """The uncompressed path (``/01/{gtin}[/22/…][/10/…][/21/…]``, values percent-encoded) of a
    compressed Digital Link path segment; InvalidIdentifier with the reason otherwise."""
    if not is_compressed(segment):
        raise InvalidIdentifier("a compressed Digital Link is 10 to 512 characters of URI-safe base64")
    bits = _Bits(segment)
    values: dict[str, str] = {}
    while bits.left > 8:
        for ai in _next_ais(bits):
            if ai in values:
                raise InvalidIdentifier(f"compressed Digital Link holds AI {ai} twice")
            values[ai] = _value(bits, ai)
    if "01" not in values:
        raise InvalidIdentifier("compressed Digital Link holds no GTIN (AI 01)")
    return "".join(f"/{ai}/{quote(values[ai], safe='')}" for ai in _ORDER if ai in values)
