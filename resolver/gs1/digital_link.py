"""GS1 Digital Link request paths: parse, check, and name the identification levels.

A path is ``/01/{gtin}`` optionally followed by key qualifiers ``22/{cpv}``, ``10/{lot}`` and
``21/{serial}`` in that order (GS1 Digital Link 1.2); the convenience alphas ``gtin``, ``cpv``,
``lot`` and ``ser`` stand for the numeric AIs. A trailing ``/`` is ignored. The levels run from the
most granular (the item) to the model (the GTIN): a resolver walks up them until one answers.

Compressed Digital Links are decompressed to such a path first (``resolver.gs1.compression``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import quote, unquote

from resolver.errors import InvalidIdentifier
from resolver.identifiers import gs1_check_digit

__all__ = ["ALPHAS", "DigitalLink", "Level", "parse_path"]

# Convenience alphas of the GTIN and its qualifiers (GS1 Digital Link 1.2, table 6-1).
ALPHAS = {"gtin": "01", "cpv": "22", "lot": "10", "ser": "21"}
_QUALIFIERS = ("22", "10", "21")
_NAMES = {"22": "consumer product variant", "10": "batch/lot", "21": "serial number"}
_GTIN_RE = re.compile(r"[0-9]{8}|[0-9]{12,14}")
# GS1 AI encodable character set 82 (GS1 General Specifications, figure 7.11-1).
_CSET82_RE = re.compile(r"[!\"%&'()*+,\-./0-9:;<=>?A-Z_a-z]{1,20}")
_PERCENT_RE = re.compile(r"%(?![0-9A-Fa-f]{2})")

LevelName = Literal["item", "lot", "model"]


@dataclass(frozen=True, slots=True)
class Level:
    """One identification level: its name, the store key that would answer it (None for the
    model, which is answered from the GTIN index), and its canonical path on the resolver."""

    name: LevelName
    key: str | None
    path: str


@dataclass(frozen=True, slots=True)
class DigitalLink:
    """A parsed Digital Link path: the GTIN (14 digits) and the qualifiers given."""

    gtin: str
    cpv: str | None = None
    lot: str | None = None
    serial: str | None = None

    @property
    def model_path(self) -> str:
        return f"/01/{self.gtin}"

    def levels(self) -> list[Level]:
        """The levels to try, most granular first: item (serial), lot, then model (GTIN)."""
        found: list[Level] = []
        if self.serial is not None:
            path = f"{self.model_path}/21/{_enc(self.serial)}"
            found.append(Level("item", path[1:], path))
        if self.lot is not None:
            path = f"{self.model_path}/10/{_enc(self.lot)}"
            found.append(Level("lot", path[1:], path))
        found.append(Level("model", None, self.model_path))
        return found


def parse_path(path: str) -> DigitalLink:
    """Parse the path of a Digital Link request (raw, percent-encoded); InvalidIdentifier with
    the reason when it is not a valid uncompressed GS1 Digital Link for a GTIN."""
    if len(path) > 2048:
        raise InvalidIdentifier("Digital Link path longer than 2048 characters")
    segments = path.strip("/").split("/") if path.strip("/") else []
    if not segments:
        raise InvalidIdentifier("a GS1 Digital Link path starts with /01/{gtin}")
    primary = ALPHAS.get(segments[0], segments[0])
    if primary != "01":
        raise InvalidIdentifier(
            f"primary key AI {_show(segments[0])} is not served here; this resolver serves 01 (GTIN)"
        )
    if len(segments) < 2:
        raise InvalidIdentifier("AI 01 (GTIN) without a value")
    gtin = _decode(segments[1])
    if not _GTIN_RE.fullmatch(gtin):
        raise InvalidIdentifier(f"GTIN {_show(gtin)} must have 8, 12, 13 or 14 digits")
    expected = gs1_check_digit(gtin[:-1])
    if int(gtin[-1]) != expected:
        raise InvalidIdentifier(f"GTIN {gtin} has a wrong check digit: expected {expected}, got {gtin[-1]}")
    rest = segments[2:]
    if len(rest) % 2:
        raise InvalidIdentifier(f"GS1 Digital Link path has an AI without a value: {_show(rest[-1])}")
    values: dict[str, str] = {}
    order = -1
    for alpha, raw in zip(rest[::2], rest[1::2], strict=True):
        ai = ALPHAS.get(alpha, alpha)
        if ai not in _QUALIFIERS:
            raise InvalidIdentifier(f"AI {_show(alpha)} is not a key qualifier of a GTIN (22, 10, 21)")
        position = _QUALIFIERS.index(ai)
        if position <= order:
            raise InvalidIdentifier("GS1 key qualifiers must appear once each, in the order 22, 10, 21")
        order = position
        value = _decode(raw)
        if not _CSET82_RE.fullmatch(value):
            raise InvalidIdentifier(
                f"{_NAMES[ai]} (AI {ai}) must be 1 to 20 characters of GS1 character set 82"
            )
        values[ai] = value
    return DigitalLink(gtin.rjust(14, "0"), values.get("22"), values.get("10"), values.get("21"))


def _enc(value: str) -> str:
    return quote(value, safe="")


def _decode(text: str) -> str:
    if "%" not in text:
        return text
    if _PERCENT_RE.search(text):
        raise InvalidIdentifier("malformed percent-encoding ('%' not followed by two hex digits)")
    try:
        return unquote(text, errors="strict")
    except UnicodeDecodeError as err:
        raise InvalidIdentifier("percent-encoding does not decode to UTF-8") from err


def _show(text: str) -> str:
    clipped = text if len(text) <= 40 else text[:40] + "…"
    return repr("".join(ch if ch.isprintable() else "?" for ch in clipped))
