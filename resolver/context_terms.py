"""The one reader of the profile's JSON-LD context: what each term, prefix and coercion means.

``render`` (direct Turtle/N-Triples writer), ``jsonld`` (fast expansion, strict input check) and
the passport framer all read the context through :func:`read_terms`, so they agree on what a
prefix is (JSON-LD 1.1: a simple term whose IRI ends in a gen-delim character) and on what a key
or a vocabulary-relative value expands to.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping

import pyoxigraph

__all__ = ["Terms", "absolute_iri", "read_terms"]

# Term definition keys and context keys this reader understands; any other makes the context
# "not simple" (read_terms returns None) and every caller falls back to pyld.
_KNOWN_TERM_KEYS = frozenset({"@id", "@type"})
_KNOWN_CONTEXT_KEYS = frozenset({"@version", "@protected"})
_GEN_DELIMS = (":", "/", "?", "#", "[", "]", "@")
# Characters an N-Triples/Turtle IRIREF cannot hold; oxiri refuses them as well.
_NOT_IN_IRIREF = re.compile(r'[\x00-\x20<>"{}|^`\\]')


def absolute_iri(iri: str) -> str | None:
    """``iri`` if it is an absolute IRI as oxigraph reads one, else None."""
    if _NOT_IN_IRIREF.search(iri):
        return None
    try:
        pyoxigraph.NamedNode(iri)
    except ValueError:
        return None
    return iri if ":" in iri else None


@dataclasses.dataclass(frozen=True, slots=True)
class Terms:
    """Our context as tables."""

    terms: Mapping[str, str]  # term -> absolute IRI, or a keyword for an alias ("id" -> "@id")
    prefixes: Mapping[str, str]  # prefix -> namespace (the terms compact IRIs may use)
    coercions: Mapping[str, str]  # term -> "@id" | "@vocab" | absolute datatype IRI
    order: Mapping[str, int]  # term -> its position in the context (the framer's key order)
    by_iri: Mapping[str, tuple[str, ...]]  # IRI -> the terms naming it, in context order

    def expand_compact(self, value: str) -> str:
        """A compact IRI expanded with our prefixes; anything else unchanged."""
        prefix, colon, suffix = value.partition(":")
        if colon and not suffix.startswith("//"):
            namespace = self.prefixes.get(prefix)
            if namespace is not None:
                return namespace + suffix
        return value

    def key_iri(self, key: str) -> str | None:
        """What a node key means: an IRI or keyword; None when it would be dropped (unknown)."""
        found = self.terms.get(key)
        if found is not None:
            return found
        if key.startswith("@"):
            return key
        if key.startswith("_:"):
            return None
        expanded = self.expand_compact(key)
        return absolute_iri(expanded)

    def vocab_iri(self, value: str) -> str | None:
        """A vocabulary-relative value (types, ``@vocab`` values): a term, compact or absolute
        IRI; None when it would not become an IRI."""
        found = self.terms.get(value)
        if found is not None:
            return None if found.startswith("@") else found
        if value.startswith("_:"):
            return None
        return absolute_iri(self.expand_compact(value))

    def id_iri(self, value: str) -> str | None:
        """A document-relative value (``@id``, ``@id`` coercion): blank node id, compact or
        absolute IRI; None when it would not become one (a relative IRI: there is no base)."""
        if value.startswith("_:"):
            return value if len(value) > 2 else None
        return absolute_iri(self.expand_compact(value))


def read_terms(document: object) -> Terms | None:
    """The tables of a context document (``{"@context": {...}}``), or None if it uses a feature
    beyond plain terms, prefixes and type coercion."""
    context = document.get("@context") if isinstance(document, dict) else None
    if not isinstance(context, dict) or context.get("@version") != 1.1:
        return None
    raw: dict[str, str] = {}
    types: dict[str, str] = {}
    prefixes: dict[str, str] = {}
    for term, definition in context.items():
        if term.startswith("@"):
            if term not in _KNOWN_CONTEXT_KEYS:
                return None
            continue
        if ":" in term or "/" in term:
            return None  # a term that looks like an IRI changes how IRIs expand
        if isinstance(definition, str):
            raw[term] = definition
            if not definition.startswith("@") and definition.endswith(_GEN_DELIMS):
                prefixes[term] = definition
        elif isinstance(definition, dict) and set(definition) <= _KNOWN_TERM_KEYS:
            iri = definition.get("@id")
            coercion = definition.get("@type")
            if not isinstance(iri, str) or not (coercion is None or isinstance(coercion, str)):
                return None
            raw[term] = iri
            if coercion is not None:
                types[term] = coercion
        else:
            return None
    return _tables(raw, types, prefixes)


def _tables(raw: dict[str, str], types: dict[str, str], prefixes: dict[str, str]) -> Terms | None:
    def expand(value: str) -> str:
        if value.startswith("@"):
            return value
        prefix, colon, suffix = value.partition(":")
        if colon and not suffix.startswith("//") and prefix in prefixes:
            return prefixes[prefix] + suffix
        return value

    terms = {term: expand(iri) for term, iri in raw.items()}
    for iri in terms.values():
        if iri.startswith("@") and iri not in ("@id", "@type"):
            return None
        if not iri.startswith("@") and absolute_iri(iri) is None:
            return None
    coercions: dict[str, str] = {}
    for term, coercion in types.items():
        if coercion in ("@id", "@vocab"):
            coercions[term] = coercion
            continue
        datatype = expand(coercion)
        if datatype.startswith("@") or absolute_iri(datatype) is None:
            return None  # @json, @none: beyond this reader
        coercions[term] = datatype
    by_iri: dict[str, list[str]] = {}
    for term, iri in terms.items():
        if term not in prefixes:
            by_iri.setdefault(iri, []).append(term)
    return Terms(
        terms=terms,
        prefixes=prefixes,
        coercions=coercions,
        order={term: i for i, term in enumerate(terms)},
        by_iri={iri: tuple(names) for iri, names in by_iri.items()},
    )
