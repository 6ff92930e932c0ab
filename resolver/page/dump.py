"""Every value of a view as nested definition lists: the page's last, folded section, so a viewer
sees all that the tier shows, also what the summary sections above do not chart."""

from __future__ import annotations

from html import escape

__all__ = ["dump"]


def dump(value: object) -> str:
    if isinstance(value, dict):
        if not value:
            return "<em>&#8211;</em>"
        if set(value) <= {"@value", "@type", "@language"} and "@value" in value:
            return dump(value["@value"])
        items = "".join(
            f"<dt>{escape(_label(name))}</dt><dd>{dump(inner)}</dd>"
            for name, inner in value.items()
            if name != "@context"
        )
        return f"<dl>{items}</dl>"
    if isinstance(value, list):
        if not value:
            return "<em>&#8211;</em>"
        return "<ul>" + "".join(f"<li>{dump(v)}</li>" for v in value) + "</ul>"
    if value is None:
        return "<em>&#8211;</em>"
    if isinstance(value, bool):
        return "✓" if value else "✗"
    text = str(value)
    if text.startswith(("https://", "http://")) and not any(c in text for c in " \"'<>"):
        return f'<a href="{escape(text, quote=True)}">{escape(text)}</a>'
    return escape(text)


def _label(name: str) -> str:
    return {"@id": "id", "@type": "type"}.get(name, name)
