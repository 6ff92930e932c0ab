"""Types for parsed JSON documents, so that code reading them says what it holds instead of Any.

``JSON`` is any value ``orjson.loads`` can return; ``JSONObject`` is a JSON object. Code that
reads a value of these types narrows it with ``isinstance`` before using it.
"""

from __future__ import annotations

from typing import TypeAlias

__all__ = ["JSON", "JSONArray", "JSONObject"]

JSON: TypeAlias = "dict[str, JSON] | list[JSON] | str | int | float | bool | None"
JSONObject: TypeAlias = "dict[str, JSON]"
JSONArray: TypeAlias = "list[JSON]"
