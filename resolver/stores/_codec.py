"""Byte layouts shared by the stores: the packed, compressed tier views of one version.

All tiers of a version are compressed together: each view repeats most of the lower tier's
text, so one zlib stream over all three is about the size of the largest view compressed.
A first byte names the format: 1 = zlib with the preset dictionary ZDICT_1 (the profile's
term names), which takes another ~30 % off a passport's few kilobytes.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Mapping

from resolver.stores._zdict import ZDICT_1
from resolver.tiers import Tier

__all__ = [
    "LEVEL",
    "check_expected",
    "check_views",
    "compress",
    "decompress",
    "pack_views",
    "pick_view",
    "unpack_record",
    "unpack_views",
]

LEVEL = 6
_ITEM = struct.Struct("!BI")  # tier, length


def check_views(views: Mapping[Tier, bytes]) -> None:
    """Refuse a write the stores could not serve: the public view is the one every reader may get."""
    if Tier.PUBLIC not in views:
        raise ValueError("a passport version needs at least its public view")
    for tier, body in views.items():
        if not isinstance(tier, Tier) or not isinstance(body, bytes | bytearray | memoryview):
            raise TypeError("views map Tier to bytes")


_FORMAT_ZDICT_1 = b"\x01"


def compress(data: bytes) -> bytes:
    """Format byte + zlib (level 6) with the preset dictionary."""
    packer = zlib.compressobj(LEVEL, zdict=ZDICT_1)
    return _FORMAT_ZDICT_1 + packer.compress(data) + packer.flush()


def decompress(blob: bytes) -> bytes:
    """The inverse of ``compress``; a format this node does not know is an error, not a guess."""
    if blob[:1] != _FORMAT_ZDICT_1:
        raise ValueError(f"stored data in an unknown format {blob[:1]!r}")
    unpacker = zlib.decompressobj(zdict=ZDICT_1)
    return unpacker.decompress(blob[1:]) + unpacker.flush()


# The item code of a version's RDFC-1.0 digest, after the views (older blobs have none).
_DIGEST = 255


def pack_views(views: Mapping[Tier, bytes], digest: str = "") -> bytes:
    """``compress`` over (tier, length, bytes)* in tier order, then the digest if there is one."""
    parts: list[bytes] = []
    for tier in sorted(views):
        body = bytes(views[tier])
        parts.append(_ITEM.pack(int(tier), len(body)))
        parts.append(body)
    if digest:
        parts.append(_ITEM.pack(_DIGEST, len(digest)))
        parts.append(digest.encode("ascii"))
    return compress(b"".join(parts))


def unpack_record(blob: bytes) -> tuple[dict[Tier, bytes], str]:
    """The views and the digest ("" if none) of a ``pack_views`` blob."""
    if not blob:
        return {}, ""
    raw = decompress(blob)
    views: dict[Tier, bytes] = {}
    digest = ""
    pos = 0
    while pos < len(raw):
        code, length = _ITEM.unpack_from(raw, pos)
        pos += _ITEM.size
        if code == _DIGEST:
            digest = raw[pos : pos + length].decode("ascii")
        else:
            views[Tier(code)] = raw[pos : pos + length]
        pos += length
    return views, digest


def unpack_views(blob: bytes) -> dict[Tier, bytes]:
    """The inverse of ``pack_views``; an empty blob (a tombstone) has no views."""
    return unpack_record(blob)[0]


def check_expected(expected: int | None) -> None:
    if expected is not None and (isinstance(expected, bool) or not isinstance(expected, int) or expected < 0):
        raise ValueError("expected_version is None or a version number >= 0")


def pick_view(views: Mapping[Tier, bytes], tier: Tier) -> bytes:
    """The view for ``tier``, or the highest stored tier below it (never one above)."""
    for candidate in sorted(views, reverse=True):
        if candidate <= tier:
            return views[candidate]
    return b""
