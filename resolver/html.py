"""A plain, readable HTML page of one passport view (what a person sees behind the QR code).

Built from the same tier view as every other format, so it never shows more than the caller
may see; every string from the document is escaped, and links are only made for http(s) IRIs.
"""

from __future__ import annotations

from html import escape

import orjson

__all__ = ["render_html"]

_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;"
    "color:#1b1b1b}dl{margin:0 0 0 1rem}dt{font-weight:600;margin-top:.4rem}dd{margin:0 0 0 1rem}"
    "header p{color:#555}code{font-size:.9em}"
)


def render_html(view: bytes, *, handle: str, tier_label: str, version: int) -> bytes:
    """The page for ``view`` (compact JSON-LD bytes) of passport ``handle``."""
    document = orjson.loads(view)
    title = f"Battery passport {handle}"
    parts = [
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">',
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>",
        f"<header><h1>{escape(title)}</h1>",
        f"<p>Version {version}, {escape(tier_label)} view. Other formats: JSON-LD, Turtle, "
        "N-Triples (by <code>Accept</code>).</p></header><main>",
    ]
    if isinstance(document, dict):
        body = {k: v for k, v in document.items() if k != "@context"}
        parts.append(_value(body, depth=0))
    else:
        parts.append(_value(document, depth=0))
    parts.append("</main></body></html>\n")
    return "".join(parts).encode("utf-8")


def _value(value: object, *, depth: int) -> str:
    if isinstance(value, dict):
        if not value:
            return "<em>(empty)</em>"
        if set(value) <= {"@value", "@type", "@language"} and "@value" in value:
            return _value(value["@value"], depth=depth)
        items = []
        for name, inner in value.items():
            items.append(f"<dt>{escape(_label(name))}</dt><dd>{_value(inner, depth=depth + 1)}</dd>")
        return "<dl>" + "".join(items) + "</dl>"
    if isinstance(value, list):
        if not value:
            return "<em>(none)</em>"
        return "<ul>" + "".join(f"<li>{_value(v, depth=depth + 1)}</li>" for v in value) + "</ul>"
    if value is None:
        return "<em>null</em>"
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = str(value)
    if text.startswith(("https://", "http://")) and not any(c in text for c in " \"'<>"):
        return f'<a href="{escape(text, quote=True)}">{escape(text)}</a>'
    return escape(text)


def _label(name: str) -> str:
    if name == "@id":
        return "identifier"
    if name == "@type":
        return "type"
    return name
