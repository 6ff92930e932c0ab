"""The input formats ``import --format F`` reads, each a pure function from the bytes given to
JSON-LD bytes in our context (fed to the node's usual write path), with the fields it could not
map listed.

Bytes are decoded first: UTF-8 (a byte-order mark is dropped) and UTF-16 with a byte-order mark
are read; anything else undecodable is refused, named as such.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable
from dataclasses import dataclass

import orjson

from resolver.errors import DocumentError

__all__ = ["FORMATS", "Converted", "convert", "to_utf8"]


@dataclass(frozen=True, slots=True)
class Converted:
    body: bytes  # JSON-LD, UTF-8
    unmapped: tuple[str, ...] = ()
    version: str | None = None  # the source format's version, when it has one
    issuer: tuple[tuple[str, str], ...] = ()  # who issued the source (a credential's issuer)


def to_utf8(data: bytes) -> bytes:
    """``data`` as UTF-8 without a byte-order mark; DocumentError says what it is otherwise."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16").encode("utf-8")
        except UnicodeDecodeError as err:
            raise DocumentError(
                f"the input is UTF-16 (byte-order mark) but not valid UTF-16: {err.reason}"
            ) from None
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as err:
        hint = " (it looks like UTF-16 without a byte-order mark)" if b"\x00" in data[:64] else ""
        raise DocumentError(f"the input is not UTF-8{hint}: byte {err.start}: {err.reason}") from None
    return data


def _json(data: bytes) -> object:
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as err:
        raise DocumentError(f"not JSON: {err}") from None


def _jsonld(data: bytes) -> Converted:
    return Converted(data)


def _catenax(data: bytes) -> Converted:
    from resolver.adapters import catenax

    converted = catenax.convert_with_notes(_json(data))
    return Converted(orjson.dumps(converted.document), converted.unmapped, converted.version)


def _openepcis(data: bytes) -> Converted:
    from resolver.adapters import openepcis

    return Converted(orjson.dumps(openepcis.convert(_json(data))))


def _untp(data: bytes) -> Converted:
    from resolver.adapters import untp

    read = untp.convert_with_notes(_json(data))
    return Converted(orjson.dumps(read.document), read.unmapped, read.version, tuple(read.issuer.items()))


FORMATS: dict[str, Callable[[bytes], Converted]] = {
    "jsonld": _jsonld,
    "catenax": _catenax,
    "openepcis": _openepcis,
    "untp": _untp,
}


def convert(fmt: str, data: bytes) -> Converted:
    """The passport in ``data`` (format ``fmt``) as JSON-LD bytes in our context."""
    if fmt not in FORMATS:
        raise DocumentError(f"unknown format {fmt!r}: one of {', '.join(FORMATS)}")
    return FORMATS[fmt](to_utf8(data))
