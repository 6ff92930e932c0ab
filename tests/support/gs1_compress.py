"""A small compressor for tests: builds compressed GS1 Digital Links bit by bit as GS1 Digital
Link 1.1 section 9 lays them out, so tests can make links the standard's vectors do not cover
(optimisation codes, every character encoding, a passport's own GTIN and serial)."""

from __future__ import annotations

import math

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
OPTIMISED = {("01", "22"): "0A", ("01", "10"): "0B", ("01", "21"): "0C"}


def _bits(value: int, width: int) -> str:
    return format(value, f"0{width}b") if width else ""


def _value_bits(digits: int) -> int:
    return math.ceil(digits * math.log2(10) + 0.01)


def _variable(value: str, encoding: int) -> str:
    head = _bits(encoding, 3) + _bits(len(value), 5)  # maximum 20 characters: 5 length bits
    if encoding == 0:
        return head + _bits(int(value), _value_bits(len(value)))
    if encoding in (1, 2):
        return head + "".join(_bits(int(c, 16), 4) for c in value)
    if encoding == 3:
        return head + "".join(_bits(ALPHABET.index(c), 6) for c in value)
    return head + "".join(_bits(ord(c), 7) for c in value)


def compress(pairs: list[tuple[str, str]], *, encoding: int = 4, optimise: bool = False) -> str:
    """``pairs`` (AI, value) of 01 and its qualifiers 22, 10, 21 as a compressed path segment."""
    bits = ""
    rest = list(pairs)
    if optimise and len(rest) >= 2 and (rest[0][0], rest[1][0]) in OPTIMISED:
        code = OPTIMISED[(rest[0][0], rest[1][0])]
        bits += _bits(int(code, 16), 8)
        bits += _bits(int(rest[0][1]), _value_bits(14)) + _variable(rest[1][1], encoding)
        rest = rest[2:]
    for ai, value in rest:
        bits += _bits(int(ai[0]), 4) + _bits(int(ai[1]), 4)
        bits += _bits(int(value), _value_bits(14)) if ai == "01" else _variable(value, encoding)
    bits += "0" * (-len(bits) % 6)
    return "".join(ALPHABET[int(bits[i : i + 6], 2)] for i in range(0, len(bits), 6))
