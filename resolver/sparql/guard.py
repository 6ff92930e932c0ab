"""Checks on a query's text before it runs: its form, no SERVICE, no update, and its FROM clauses.

pyoxigraph would make real HTTP calls for ``SERVICE`` and run updates on a store it is
handed, so both are refused here, on the query's keywords: IRIs, strings and comments are
masked first, so a keyword inside them is not one and one outside them cannot hide.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from resolver.errors import Forbidden, InputError, PayloadTooLarge

__all__ = ["QueryText", "check_query"]

# IRIs (no spaces or '<' inside, so "?a < ?b" is not one), strings (long ones first), comments.
_MASKED = re.compile(
    r"""<[^<>"{}|^`\\\x00-\x20]*>"""
    r'''|"""(?:[^"\\]|\\.|"(?!""))*"""'''
    r"""|'''(?:[^'\\]|\\.|'(?!''))*'''"""
    r'''|"(?:[^"\\\n\r]|\\.)*"'''
    r"""|'(?:[^'\\\n\r]|\\.)*'"""
    r"""|\#[^\n\r]*""",
    re.DOTALL,
)
# A keyword is a bare word: not part of a prefixed name, a variable or a longer word.
_WORD = re.compile(r"(?<![\w:?$\-.])([A-Za-z]+)(?![\w:\-])")
_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_FORMS = {"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"}
_UPDATES = {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}


@dataclass(frozen=True, slots=True)
class QueryText:
    """A query that passed the checks: its form and whether it names a dataset (FROM)."""

    text: str
    form: str  # SELECT, ASK, CONSTRUCT or DESCRIBE
    has_from: bool


def unescape(text: str) -> str:
    """The query as the parser reads it: ``\\uXXXX`` and ``\\UXXXXXXXX`` escapes may stand for
    any character anywhere in a query (SPARQL 1.1, 19.2), keywords included."""
    return _ESCAPE.sub(_unescaped, text)


def _unescaped(match: re.Match[str]) -> str:
    try:
        return chr(int(match.group(1) or match.group(2), 16))
    except ValueError:  # beyond U+10FFFF: the parser refuses it
        return match.group(0)


def keywords(text: str) -> list[str]:
    """The bare words of a query, upper-cased, outside IRIs, strings and comments."""
    masked = _MASKED.sub(" ", unescape(text))
    return [word.upper() for word in _WORD.findall(masked)]


def check_query(text: str, *, max_chars: int) -> QueryText:
    """The query's form. PayloadTooLarge past ``max_chars``; Forbidden for SERVICE and for an
    update (the endpoint is read-only); InputError for text that is no query at all."""
    if len(text) > max_chars:
        raise PayloadTooLarge(
            f"the query is {len(text)} characters long; the limit is {max_chars}", limit=max_chars
        )
    words = keywords(text)
    if "SERVICE" in words:
        raise Forbidden("SERVICE is not allowed: this endpoint queries only this node's graphs")
    form = next((w for w in words if w in _FORMS), None)
    updates = sorted(_UPDATES.intersection(words))
    if form is None:
        if updates:
            raise Forbidden(f"SPARQL Update ({updates[0]}) is not allowed: this endpoint is read-only")
        raise InputError("not a SPARQL query: SELECT, ASK, CONSTRUCT or DESCRIBE expected")
    return QueryText(text, form, "FROM" in words)
