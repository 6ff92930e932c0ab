"""What the GS1 resolver's tests share: the identifiers of the test node's passports, its
tokens and public base, and the GS1 schemas the answers are checked against."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema

REPO = Path(__file__).resolve().parents[2]
BASE = "https://id.example.org"
GTIN = "09521234010012"
SERIAL = "LFP-2026-000042"
LOT = "LOT-A"
ITEM = f"/01/{GTIN}/21/{SERIAL}"
BATCH = f"/01/{GTIN}/10/{LOT}"
MODEL = f"/01/{GTIN}"
OPERATOR = "gs1-operator"
REPAIRER = "gs1-repairer"
AUTHORITY = "gs1-authority"
ITEM_IRI = f"https://id.gs1.org{ITEM}"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def schema(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((REPO / "vocab" / "gs1" / name).read_text(encoding="utf-8"))
    return loaded


def check_linkset(document: Any) -> None:
    """``document`` is valid against the GS1 linkset schema (a failure names the path)."""
    jsonschema.validate(document, schema("linkset-schema.json"))
