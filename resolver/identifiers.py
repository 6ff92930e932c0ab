"""Identifiers the node resolves: Handle-style ``prefix/suffix`` and GS1 Digital Link URIs.

Pure functions (no I/O): parse any accepted form to one normalised store key, and match keys
against the prefixes a node or a peer claims.

Accepted forms::

    88.100.1/BAT-000123                      bare handle
    hdl:88.100.1/BAT-000123                  handle URI scheme
    88.100.1%2FBAT-000123                    percent-encoded (decoded once)
    https://node.example/88.100.1/BAT-1      any http(s) URL whose path ends in /prefix/suffix
    https://hdl.handle.net/88.100.1/BAT-1    (a base path before the prefix is allowed)
    https://id.gs1.org/01/09521234010012/21/EV-2025-000142   GS1 Digital Link, any host

Handle prefixes are dotted digit segments (``88.100.1``, ``20.500.12345``); the ``0.*``
namespace (prefix handles such as ``0.NA/88.100``) is not served by a passport node and is
refused. Like the Handle.Net server's default, names are case-insensitive for ASCII: the key
upper-cases ASCII letters only, while ``iri`` keeps the case as written. Keys are in Unicode
NFC (``iri`` keeps the form written), and look-alikes are refused (resolver/lookalikes.py).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal
from urllib.parse import quote, unquote, urlsplit

from resolver.errors import InvalidIdentifier
from resolver.frozen import quick_init
from resolver.lookalikes import check_lookalikes

__all__ = [
    "MAX_INPUT",
    "MAX_PREFIX",
    "MAX_SUFFIX",
    "Identifier",
    "claims",
    "gs1_check_digit",
    "longest_claim",
    "parse_identifier",
    "parse_plain_handle",
]

MAX_INPUT = 2048  # characters of input looked at; anything longer is refused before parsing
MAX_PREFIX = 64
MAX_SUFFIX = 256

Kind = Literal["handle", "gs1"]

_PREFIX_RE = re.compile(r"[0-9]+(?:\.[0-9]+)*")
_GTIN_RE = re.compile(r"[0-9]{8}|[0-9]{12,14}")
_PERCENT_RE = re.compile(r"%(?![0-9A-Fa-f]{2})")
# GS1 AI encodable character set 82 (GS1 General Specifications, figure 7.11-1).
_CSET82_RE = re.compile(r"[!\"%&'()*+,\-./0-9:;<=>?A-Z_a-z]{1,20}")
# The common form: a dotted-digits prefix, "/", one segment of printable ASCII with no "%" and
# no "/" (nothing to decode, normalise or check for look-alikes).
_PLAIN_RE = re.compile(r"([0-9]+(?:\.[0-9]+)*)/([!-$&-.0-~]{1,256})")  # 256: MAX_SUFFIX
_NO_QUALIFIERS: Mapping[str, str] = MappingProxyType({})  # a handle's (read-only: shared)
_ASCII_UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")

# Key qualifiers of AI 01 in the order GS1 Digital Link requires (22 CPV, 10 batch/lot, 21 serial).
_GS1_QUALIFIERS = ("22", "10", "21")
_GS1_QUALIFIER_NAMES = {"22": "consumer product variant", "10": "batch/lot", "21": "serial number"}


@quick_init
@dataclass(frozen=True, slots=True)
class Identifier:
    """A parsed identifier.

    ``key`` is the normalised store key; ``prefix`` the part peers claim (a handle prefix, or
    ``01/{gtin14}``); ``suffix`` the rest of the key; ``iri`` the location-independent ``@id``
    of the passport; ``qualifiers`` the GS1 key qualifiers as given (AI -> value).
    """

    key: str
    prefix: str
    suffix: str
    iri: str
    kind: Kind
    qualifiers: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    def __str__(self) -> str:
        return self.key

    @property
    def written(self) -> str:
        """``prefix/suffix`` as written (case and Unicode form kept): the path that matches the @id."""
        return self.iri.split("/", 3)[3]


def parse_identifier(
    text: str,
    *,
    case_sensitive: bool = False,
    node_base_urls: Iterable[str] = (),
    mixed_script_prefixes: Iterable[str] = (),
) -> Identifier:
    """Parse ``text`` in any accepted form; raise InvalidIdentifier with the reason otherwise.

    ``node_base_urls``: this node's public base URLs (``https://node.example/resolver``); a URL
    under one of them must be exactly ``{base}/{prefix}/{suffix}``. Other http(s) URLs are
    searched for the first path segment that is a handle prefix, or for a GS1 ``/01/{gtin}``.
    Handle suffixes are normalised to NFC; one that mixes look-alike scripts or holds
    compatibility forms (fullwidth letters) is refused, except under ``mixed_script_prefixes``.
    """
    if not isinstance(text, str):
        raise InvalidIdentifier("an identifier must be text")
    return _parse(text, case_sensitive, tuple(node_base_urls), tuple(mixed_script_prefixes))


def parse_plain_handle(text: str, *, case_sensitive: bool = False) -> Identifier | None:
    """``parse_identifier(text)`` for the common form of a handle, ``88.100.1/BAT-000123`` (one
    suffix segment of printable ASCII without "%"), with none of the general parse's steps;
    None for any other text (valid or not: ``parse_identifier`` says which)."""
    found = _PLAIN_RE.fullmatch(text)
    if found is None:
        return None
    prefix, suffix = found.groups()
    if len(prefix) > MAX_PREFIX or prefix == "0" or prefix.startswith("0.") or prefix == "01":
        return None  # too long, the 0.* namespace, or a GS1 Digital Link: the general parse
    if suffix == "." or suffix == "..":
        return None
    key_suffix = suffix if case_sensitive else suffix.upper()  # ASCII: the same as _ASCII_UPPER
    return Identifier(
        key=f"{prefix}/{key_suffix}",
        prefix=prefix,
        suffix=key_suffix,
        iri=f"https://hdl.handle.net/{prefix}/{suffix}",
        kind="handle",
        qualifiers=_NO_QUALIFIERS,
    )


def _parse(
    text: str, case_sensitive: bool, node_base_urls: tuple[str, ...], mixed: tuple[str, ...]
) -> Identifier:
    if len(text) > MAX_INPUT:
        raise InvalidIdentifier(f"identifier longer than {MAX_INPUT} characters")
    text = text.strip()
    if not text:
        raise InvalidIdentifier("empty identifier")
    lowered = text[:8].lower()
    if lowered.startswith(("http://", "https://")):
        return _parse_url(text, case_sensitive=case_sensitive, node_base_urls=node_base_urls, mixed=mixed)
    if lowered.startswith("hdl:"):
        text = text[4:]
    if "/" not in text:
        text = _decode(text)  # the whole identifier percent-encoded, '/' as %2F
    if text.startswith("01/") and _looks_gs1(text):
        return _parse_gs1([_decode(s) for s in text.split("/")], query="")
    return _parse_handle(_decode(text), case_sensitive=case_sensitive, mixed=mixed)


def claims(prefix: str, key: str) -> bool:
    """Whether the claimed ``prefix`` covers the store ``key``.

    Handle prefixes match by whole dotted segments (``88.100`` covers ``88.100.1/X`` and
    ``88.100/X``, not ``88.1000/X``); GS1 claims (``01/...``) match by string prefix.
    """
    if not prefix:
        return False
    if prefix.startswith("01/"):
        return key.startswith(prefix)
    slash = key.find("/")
    if slash < 0:
        return False
    head = key[:slash]
    return head == prefix or (head.startswith(prefix) and head[len(prefix)] == ".")


def longest_claim(prefixes: Iterable[str], key: str) -> str | None:
    """The longest of ``prefixes`` that covers ``key`` (the most specific claim), or None."""
    best: str | None = None
    for prefix in prefixes:
        if claims(prefix, key) and (best is None or len(prefix) > len(best)):
            best = prefix
    return best


def gs1_check_digit(payload: str) -> int:
    """The GS1 mod-10 check digit for ``payload`` (all digits, the check digit excluded)."""
    total = 0
    # Weights 3,1,3,... from the right-most digit of the payload.
    for i, ch in enumerate(reversed(payload)):
        total += (ord(ch) - 48) * (3 if i % 2 == 0 else 1)
    return (10 - total % 10) % 10


# -- handles ----------------------------------------------------------------------------------


def _parse_handle(path: str, *, case_sensitive: bool, mixed: tuple[str, ...] = ()) -> Identifier:
    prefix, sep, suffix = path.partition("/")
    if not sep:
        raise InvalidIdentifier(f"{_show(path)} is not prefix/suffix: no '/'")
    _check_prefix(prefix)
    # One name per spelling: SEC-CAFÉ typed (NFC) or pasted from a decomposed source (NFD) is
    # one key; ``iri`` keeps the form written, as it keeps the case, to match the @id.
    normal = suffix if suffix.isascii() else unicodedata.normalize("NFC", suffix)
    _check_suffix(normal)
    if not normal.isascii() and not any(claims(p, f"{prefix}/") for p in mixed):
        check_lookalikes(normal)
    key_suffix = normal if case_sensitive else normal.translate(_ASCII_UPPER)
    return Identifier(
        key=f"{prefix}/{key_suffix}",
        prefix=prefix,
        suffix=key_suffix,
        iri=f"https://hdl.handle.net/{prefix}/{suffix}",
        kind="handle",
    )


def _check_prefix(prefix: str) -> None:
    if not prefix:
        raise InvalidIdentifier("empty handle prefix")
    if len(prefix) > MAX_PREFIX:
        raise InvalidIdentifier(f"handle prefix longer than {MAX_PREFIX} characters")
    if prefix == "0" or prefix.startswith("0."):
        raise InvalidIdentifier("the 0.* namespace holds prefix handles, which this node does not serve")
    if not _PREFIX_RE.fullmatch(prefix) or not prefix.isascii():
        raise InvalidIdentifier(f"handle prefix {_show(prefix)} is not dotted digits such as 88.100.1")


def _check_suffix(suffix: str) -> None:
    if not suffix:
        raise InvalidIdentifier("empty handle suffix")
    if len(suffix) > MAX_SUFFIX:
        raise InvalidIdentifier(f"handle suffix longer than {MAX_SUFFIX} characters")
    for ch in suffix:
        if ch.isspace() or unicodedata.category(ch)[0] == "C":
            raise InvalidIdentifier(f"handle suffix contains a control or space character (U+{ord(ch):04X})")
    # A '.' or '..' segment would be rewritten by URL normalisation on the way to the node.
    if any(seg in (".", "..") for seg in suffix.split("/")):
        raise InvalidIdentifier("handle suffix contains a '.' or '..' path segment")
    if suffix.startswith("/") or suffix.endswith("/") or "//" in suffix:
        raise InvalidIdentifier("handle suffix contains an empty path segment")


# -- URLs -------------------------------------------------------------------------------------


def _parse_url(
    text: str, *, case_sensitive: bool, node_base_urls: tuple[str, ...], mixed: tuple[str, ...]
) -> Identifier:
    try:
        parts = urlsplit(text)
    except ValueError as err:
        raise InvalidIdentifier(f"unreadable URL: {err}") from err
    if not parts.netloc:
        raise InvalidIdentifier("URL without a host")
    raw_path = parts.path
    for base in node_base_urls:
        base_parts = urlsplit(base)
        if base_parts.netloc.lower() == parts.netloc.lower():
            base_path = base_parts.path.rstrip("/")
            if raw_path.startswith(base_path + "/"):
                rest = _decode(raw_path[len(base_path) + 1 :])
                return _parse_handle(rest, case_sensitive=case_sensitive, mixed=mixed)
    # Segments are split before decoding, so an encoded '/' (%2F) inside a suffix stays in it.
    raw_segments = raw_path.split("/")[1:]
    for i, seg in enumerate(raw_segments):
        if seg == "01" and i + 1 < len(raw_segments) and _GTIN_RE.fullmatch(raw_segments[i + 1]):
            return _parse_gs1([_decode(s) for s in raw_segments[i:]], query=parts.query)
    for i, seg in enumerate(raw_segments):
        if _PREFIX_RE.fullmatch(seg) and i + 1 < len(raw_segments):
            rest = "/".join(raw_segments[i:])
            return _parse_handle(_decode(rest), case_sensitive=case_sensitive, mixed=mixed)
    raise InvalidIdentifier("URL path holds neither a handle prefix/suffix nor a GS1 /01/{gtin}")


def _decode(text: str) -> str:
    if "%" not in text:
        return text
    if _PERCENT_RE.search(text):
        raise InvalidIdentifier("malformed percent-encoding ('%' not followed by two hex digits)")
    try:
        return unquote(text, errors="strict")
    except UnicodeDecodeError as err:
        raise InvalidIdentifier("percent-encoding does not decode to UTF-8") from err


# -- GS1 Digital Link ------------------------------------------------------------------------


def _looks_gs1(path: str) -> bool:
    segments = path.split("/")
    return len(segments) >= 2 and bool(_GTIN_RE.fullmatch(segments[1]))


def _parse_gs1(segments: list[str], *, query: str) -> Identifier:
    # segments: ["01", gtin, ai, value, ai, value, ...]; the query string (data attributes,
    # linkType) does not identify the item and is ignored.
    del query
    gtin = segments[1]
    if not _GTIN_RE.fullmatch(gtin):
        raise InvalidIdentifier("a GTIN has 8, 12, 13 or 14 digits")
    expected = gs1_check_digit(gtin[:-1])
    if int(gtin[-1]) != expected:
        raise InvalidIdentifier(f"GTIN {gtin} has a wrong check digit: expected {expected}, got {gtin[-1]}")
    gtin14 = gtin.rjust(14, "0")
    rest = segments[2:]
    if len(rest) % 2:
        raise InvalidIdentifier(f"GS1 Digital Link path has an AI without a value: {rest[-1]!r}")
    qualifiers: dict[str, str] = {}
    order = -1
    for ai, value in zip(rest[::2], rest[1::2], strict=True):
        if ai not in _GS1_QUALIFIERS:
            raise InvalidIdentifier(f"AI {_show(ai)} is not a key qualifier of a GTIN (22, 10, 21)")
        position = _GS1_QUALIFIERS.index(ai)
        if position <= order:
            raise InvalidIdentifier("GS1 key qualifiers must appear once each, in the order 22, 10, 21")
        order = position
        if not _CSET82_RE.fullmatch(value):
            raise InvalidIdentifier(
                f"{_GS1_QUALIFIER_NAMES[ai]} (AI {ai}) must be 1 to 20 characters of GS1 character set 82"
            )
        qualifiers[ai] = value
    # A battery is identified by GTIN + serial; a batch-level passport by GTIN + lot. The key
    # is the path of the canonical URI, values percent-encoded, so it parses back to itself.
    if "21" in qualifiers:
        suffix = f"21/{quote(qualifiers['21'], safe='')}"
    elif "10" in qualifiers:
        suffix = f"10/{quote(qualifiers['10'], safe='')}"
    else:
        raise InvalidIdentifier("a GS1 Digital Link for a passport needs a serial (21) or batch (10)")
    prefix = f"01/{gtin14}"
    return Identifier(
        key=f"{prefix}/{suffix}",
        prefix=prefix,
        suffix=suffix,
        iri=f"https://id.gs1.org/{prefix}/{suffix}",
        kind="gs1",
        qualifiers=MappingProxyType(qualifiers),
    )


def _show(text: str) -> str:
    """Quote a piece of bad input for an error message, bounded and without control characters."""
    clipped = text if len(text) <= 40 else text[:40] + "…"
    return repr("".join(ch if ch.isprintable() else "?" for ch in clipped))
