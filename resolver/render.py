"""Other renderings of a stored view: Turtle and N-Triples, made offline from the JSON-LD bytes.

Views in our own context are written directly from the compact JSON with a term table built once
from the context; anything the direct writer does not know goes through pyoxigraph's JSON-LD parser.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Callable
from typing import Any

import orjson
import pyoxigraph

from resolver import jsonld
from resolver.context_terms import Terms, absolute_iri
from resolver.errors import DocumentError, NotAcceptable
from resolver.jsontypes import JSON, JSONObject

__all__ = ["FORMATS", "MEDIA_TYPES", "render"]

FORMATS = {"turtle": pyoxigraph.RdfFormat.TURTLE, "ntriples": pyoxigraph.RdfFormat.N_TRIPLES}
MEDIA_TYPES = {"turtle": "text/turtle", "ntriples": "application/n-triples"}

_XSD = "http://www.w3.org/2001/XMLSchema#"
_XSD_INTEGER = _XSD + "integer"
_XSD_DOUBLE = _XSD + "double"
_XSD_BOOLEAN = _XSD + "boolean"
_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_RDF_TYPE = _RDF + "type"


# --- the reference path: pyoxigraph's JSON-LD parser -----------------------------------------------


@functools.cache
def _inline_context(url: str) -> JSON:
    document = jsonld.load_context(url)
    return document["@context"] if isinstance(document, dict) and "@context" in document else document


@functools.cache
def _prefixes() -> dict[str, str]:
    """Turtle prefixes: the context's prefix definitions, as the one context reader finds them."""
    terms = jsonld.context_terms()
    return dict(terms.prefixes) if terms is not None else {}


def _with_inline_contexts(value: JSON) -> JSON:
    """The document with every accepted context URL replaced by the context itself."""
    if isinstance(value, dict):
        out: JSONObject = {}
        for key, item in value.items():
            out[key] = _context_value(item) if key == "@context" else _with_inline_contexts(item)
        return out
    if isinstance(value, list):
        return [_with_inline_contexts(item) for item in value]
    return value


def _context_value(value: JSON) -> JSON:
    if isinstance(value, str):
        return _inline_context(value)  # ContextRefused for a URL we do not hold
    if isinstance(value, list):
        return [_context_value(item) for item in value]
    return value


def _reference(document: JSON, rdf_format: pyoxigraph.RdfFormat) -> bytes:
    """A JSON-LD document of any form through pyoxigraph (about 1 ms for a complete passport)."""
    try:
        inlined = orjson.dumps(_with_inline_contexts(document))
        triples = [quad.triple for quad in pyoxigraph.parse(inlined, rdf_format.JSON_LD)]
    except SyntaxError as err:
        raise DocumentError(f"the stored view is not usable JSON-LD: {err}") from err
    # Group by subject (in order of first appearance) so Turtle writes each node once.
    order: dict[pyoxigraph.NamedNode | pyoxigraph.BlankNode | pyoxigraph.Triple, int] = {}
    for triple in triples:
        order.setdefault(triple.subject, len(order))
    triples.sort(key=lambda triple: order[triple.subject])
    prefixes = _prefixes() if rdf_format is pyoxigraph.RdfFormat.TURTLE else None
    rendered: bytes = pyoxigraph.serialize(triples, format=rdf_format, prefixes=prefixes) or b""
    return rendered


def render(view: bytes, fmt: str) -> bytes:
    """Render a stored view (compact JSON-LD bytes) as ``fmt``: "turtle" or "ntriples"."""
    rdf_format = FORMATS.get(fmt)
    if rdf_format is None:
        raise NotAcceptable(f"no rendering {fmt!r}; one of {', '.join(FORMATS)}")
    try:
        document = orjson.loads(view)
    except orjson.JSONDecodeError as err:
        raise DocumentError(f"the stored view is not usable JSON-LD: {err}") from err
    direct = _direct(view, document, fmt == "turtle")
    return direct if direct is not None else _reference(document, rdf_format)


# --- the direct path: our context's compact JSON written as triples ----------------------------------


class _Unsupported(Exception):
    """The view uses something the direct writer does not handle: pyoxigraph renders it."""


# Our context as tables, from the one context reader (resolver/context_terms.py).
_Context = Terms


def _read_context() -> _Context | None:
    """Our context as tables, or None if it uses a feature the direct writer does not know."""
    return jsonld.context_terms()


def _absolute(iri: str) -> str | None:
    """``iri`` if it is an absolute IRI as oxigraph reads one (the parser would refuse it otherwise)."""
    return absolute_iri(iri)


def _language(tag: str) -> str | None:
    """The language tag as oxigraph keeps it, or None if it is not a well-formed BCP 47 tag."""
    try:
        return pyoxigraph.Literal("", language=tag).language
    except ValueError:
        return None


_ESCAPES = {
    ord("\\"): "\\\\",
    ord('"'): '\\"',
    ord("\n"): "\\n",
    ord("\r"): "\\r",
    ord("\t"): "\\t",
    ord("\b"): "\\b",
    ord("\f"): "\\f",
}
for _code in (*range(0x20), 0x7F):
    _ESCAPES.setdefault(_code, f"\\u{_code:04X}")
_NEEDS_ESCAPE = re.compile(r'[\x00-\x1f\x7f"\\]')


def _quoted(text: str) -> str:
    """A STRING_LITERAL_QUOTE of N-Triples and Turtle (the same grammar in both)."""
    if _NEEDS_ESCAPE.search(text) is None:
        return '"' + text + '"'
    return '"' + text.translate(_ESCAPES) + '"'


def _double(number: float) -> str:
    """The canonical xsd:double lexical form (JSON-LD's), from the shortest repr: 4.865E2, 0.0E0."""
    text = repr(number)
    sign = ""
    if text.startswith("-"):
        sign, text = "-", text[1:]
    mantissa, _, exp_text = text.partition("e")
    exponent = int(exp_text) if exp_text else 0
    whole, _, fraction = mantissa.partition(".")
    every = whole + fraction
    digits = every.lstrip("0")
    if not digits:
        return sign + "0.0E0"
    # Scientific notation puts the point after the first significant digit.
    exponent += len(whole) - 1 - (len(every) - len(digits))
    digits = digits.rstrip("0")
    return f"{sign}{digits[0]}.{digits[1:] or '0'}E{exponent}"


# How a term's string values are written (its coercion in the context).
_PLAIN, _TYPED, _ID, _VOCAB = range(4)

# key -> (predicate as written, _PLAIN | _TYPED | _ID | _VOCAB, "^^datatype" as written,
#         the datatype IRI ("" when the term coerces none) for booleans and numbers,
#         floats as written, shared by the keys of one datatype: measurements repeat)
_Spec = tuple[str, int, str, str, dict[float, str]]
_FLOAT_MEMO = 16384  # per datatype
_IRI_MEMO = 16384  # per format: IRIs as written (every id and link of a passport passes here)

# Prefixed names only for plain local names; anything else is written as <IRI>.
_LOCAL_NAME = re.compile(r"(?:[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_-])?)?")


class _Writer:
    """The tables of one output format (N-Triples or Turtle), built once from our context."""

    def __init__(self, context: _Context, *, turtle: bool) -> None:
        self.context = context
        self.turtle = turtle
        namespaces = {namespace: prefix for prefix, namespace in context.prefixes.items()}
        # The longest namespace that starts an IRI, found in one match.
        longest_first = sorted(namespaces, key=len, reverse=True)
        self.namespace = re.compile("|".join(re.escape(namespace) for namespace in longest_first))
        self.namespaces = namespaces
        self.iri = functools.lru_cache(maxsize=_IRI_MEMO)(self._iri)
        self.native = functools.lru_cache(maxsize=_FLOAT_MEMO, typed=True)(self._native)
        self.floats: dict[str, dict[float, str]] = {}
        self.keys: dict[str, _Spec] = {}
        for term, iri in context.terms.items():
            if not iri.startswith("@"):  # the aliases id and type are handled by the node writer
                self.keys[term] = self._spec(iri, context.coercions.get(term))
        self.max_keys = len(self.keys) + 4096
        self.vocab_terms = {
            term: self.iri(iri) for term, iri in context.terms.items() if not iri.startswith("@")
        }
        self.rdf_type = "a" if turtle else self.iri(_RDF_TYPE)
        self.first = self.iri(_RDF + "first")
        self.rest = self.iri(_RDF + "rest")
        self.nil = self.iri(_RDF + "nil")
        prefixes = context.prefixes.items()
        self.header = "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in prefixes) if turtle else ""

    def _spec(self, iri: str, coercion: str | None) -> _Spec:
        untyped = self.floats.setdefault("", {})
        if coercion is None:
            return (self.iri(iri), _PLAIN, "", "", untyped)
        if coercion == "@id":
            return (self.iri(iri), _ID, "", "", untyped)
        if coercion == "@vocab":
            return (self.iri(iri), _VOCAB, "", "", untyped)
        floats = self.floats.setdefault(coercion, {})
        return (self.iri(iri), _TYPED, "^^" + self.iri(coercion), coercion, floats)

    def _iri(self, iri: str) -> str:
        """An absolute IRI as written in the format (Turtle: a prefixed name where one is safe)."""
        if _absolute(iri) is None:
            raise _Unsupported(f"not an absolute IRI: {iri!r}")
        if self.turtle:
            found = self.namespace.match(iri)
            if found is not None:
                local = iri[found.end() :]
                if _LOCAL_NAME.fullmatch(local):
                    return f"{self.namespaces[found.group()]}:{local}"
        return f"<{iri}>"

    def key(self, key: str) -> _Spec:
        """The spec of a node key: a term of ours, or a compact or absolute IRI (no coercion)."""
        found = self.keys.get(key)
        if found is None:
            if key.startswith(("@", "_:")) or ":" not in key:
                raise _Unsupported(f"key {key!r}")
            found = self._spec(self.compact_iri(key), None)
            if len(self.keys) < self.max_keys:  # keys come from documents: keep the table bounded
                self.keys[key] = found
        return found

    def compact_iri(self, value: str) -> str:
        """A compact IRI expanded with our prefixes; anything else unchanged (checked by iri())."""
        prefix, colon, suffix = value.partition(":")
        if colon and not suffix.startswith("//"):
            namespace = self.context.prefixes.get(prefix)
            if namespace is not None:
                return namespace + suffix
        return value

    def vocab_iri(self, value: str) -> str:
        """A vocabulary-relative IRI (types, @type: @vocab values): a term, compact or absolute IRI."""
        iri = self.context.terms.get(value)
        if iri is None:
            if value.startswith("_:"):
                raise _Unsupported("a blank node in a vocabulary position")
            return self.compact_iri(value)
        if iri.startswith("@"):
            raise _Unsupported(f"a keyword alias as a value: {value!r}")
        return iri

    def vocab(self, value: str) -> str:
        """A vocabulary-relative IRI as written; the terms of our context are looked up once."""
        found = self.vocab_terms.get(value)
        return found if found is not None else self.iri(self.vocab_iri(value))

    # The value is left untyped here and in _Render.one and .single: the hot path reads
    # type(value) once into a local and branches on it, which mypy cannot narrow through.
    def _native(self, value: Any, datatype: str) -> str:
        """A JSON boolean or number as JSON-LD writes it in RDF: typed ``datatype`` if given,
        else xsd:boolean, xsd:integer (integral below 1e21) or xsd:double (canonical form)."""
        kind = type(value)
        if kind is bool:
            lexical = "true" if value else "false"
            implied = _XSD_BOOLEAN
        elif kind is int or (kind is float and value.is_integer() and abs(value) < 1e21):
            if abs(value) >= 2**53:
                # JSON-LD says xsd:integer below 1e21; pyoxigraph writes a double beyond i64 and
                # pyld keeps every digit: the reference path decides.
                raise _Unsupported("an integral number beyond a double's exact range")
            if datatype == _XSD_DOUBLE:
                lexical, implied = _double(float(value)), _XSD_DOUBLE
            else:
                lexical, implied = str(int(value)), _XSD_INTEGER
        elif kind is float:
            lexical, implied = _double(value), _XSD_DOUBLE
        else:
            raise _Unsupported(f"a JSON value of type {kind.__name__}")
        if datatype and datatype != implied:
            return f'"{lexical}"^^{self.iri(datatype)}'
        # Turtle's own tokens for these three: the lexical forms made here always fit them.
        return lexical if self.turtle else f'"{lexical}"^^{self.iri(implied)}'


def _compile(writer: _Writer) -> Callable[[list[JSONObject], bool], str]:
    """The writer for one format: a render is a walk of the JSON (``_Render``) in which every
    key costs a dictionary lookup and one string; nothing is looked up twice."""
    header = writer.header

    def run(nodes: list[JSONObject], escapes: bool) -> str:
        render = _Render(writer, escapes)
        for top in nodes:
            render.node(top, 0)
        return header + "".join(render.lines)

    return run


class _Render:
    """One render: the writer's tables, bound once, and this run's output (N-Triples lines or
    Turtle blocks), blank node labels and counter."""

    __slots__ = (
        "compact_iri",
        "counter",
        "escapes",
        "iri",
        "keys_get",
        "labels",
        "lines",
        "native",
        "turtle",
        "vocab",
        "vocab_terms",
        "writer",
    )

    def __init__(self, writer: _Writer, escapes: bool) -> None:
        self.writer = writer
        self.escapes = escapes
        self.keys_get = writer.keys.get
        self.native = writer.native
        self.iri = writer.iri
        self.vocab = writer.vocab
        self.vocab_terms = writer.vocab_terms
        self.compact_iri = writer.compact_iri
        self.turtle = writer.turtle
        self.lines: list[str] = []
        self.labels: dict[str, str] = {}
        self.counter = itertools.count(1)

    def quoted(self, text: str) -> str:
        # JSON escapes every quote, backslash and control character: a view without a
        # backslash has no string that needs an escape in N-Triples or Turtle.
        return _quoted(text) if self.escapes else '"' + text + '"'

    def reference(self, value: str) -> str:
        """A document-relative IRI (a node's id, a value of an @id-typed term) or a blank node."""
        if value.startswith("_:"):
            label = self.labels.get(value)
            if label is None:
                label = self.labels[value] = f"_:b{next(self.counter)}"
            return label
        return self.iri(self.compact_iri(value))

    def one(self, spec: _Spec, value: Any, out: list[str], depth: int) -> None:
        """Append the RDF term(s) one JSON value (not an array) stands for; none for null."""
        kind = type(value)
        if kind is str:
            mode = spec[1]
            if mode == _PLAIN:
                out.append(self.quoted(value))
            elif mode == _TYPED:
                out.append(self.quoted(value) + spec[2])
            elif mode == _ID:
                out.append(self.reference(value))
            else:
                out.append(self.vocab(value))
        elif kind is dict:
            if "@value" in value:
                self.value_object(value, out)
            elif "@list" in value:
                out.append(self.list_object(spec, value, depth))
            elif "@set" in value:
                if not value.keys() <= {"@set", "@index"}:
                    raise _Unsupported("@set beside other keys")
                self.many(spec, value["@set"], out, depth)
            else:
                out.append(self.node(value, depth))
        elif kind is float or kind is int or kind is bool:
            out.append(self.native(value, spec[3]))
        elif value is not None:
            raise _Unsupported(f"a JSON value of type {kind.__name__}")

    def many(self, spec: _Spec, value: JSON, out: list[str], depth: int) -> None:
        if type(value) is list:
            for item in value:
                if type(item) is list:
                    raise _Unsupported("an array in an array")
                self.one(spec, item, out, depth)
        else:
            self.one(spec, value, out, depth)

    def value_object(self, value: JSONObject, out: list[str]) -> None:
        if not value.keys() <= {"@value", "@language", "@type", "type", "@index"}:
            raise _Unsupported("a value object with other keys")
        literal = value["@value"]
        language = value.get("@language")
        datatype = value.get("@type", value.get("type"))
        if ("@type" in value and "type" in value) or (language is not None and datatype is not None):
            raise _Unsupported("a value object with two types")
        if literal is None:
            return
        if not isinstance(literal, str | float | int):  # bool is an int
            raise _Unsupported("a value object whose value is not a string, number or boolean")
        if language is not None:
            tag = _language(language) if type(language) is str else None
            if tag is None or not isinstance(literal, str):
                raise _Unsupported("a language-tagged value that is not a string with a valid tag")
            out.append(self.quoted(literal) + "@" + tag)
        elif datatype is not None:
            if type(datatype) is not str or datatype.startswith("@"):
                raise _Unsupported("a value object typed by a keyword (@json) or a non-string")
            absolute = self.writer.vocab_iri(datatype)
            if isinstance(literal, str):
                out.append(self.quoted(literal) + "^^" + self.iri(absolute))
            else:
                out.append(self.native(literal, absolute))
        elif isinstance(literal, str):
            out.append(self.quoted(literal))
        else:
            out.append(self.native(literal, ""))

    def list_object(self, spec: _Spec, value: JSONObject, depth: int) -> str:
        if not value.keys() <= {"@list", "@index"}:
            raise _Unsupported("@list beside other keys")
        items = value["@list"]
        objects: list[str] = []
        for item in items if type(items) is list else [items]:
            if type(item) is list or (type(item) is dict and ("@list" in item or "@set" in item)):
                raise _Unsupported("a list in a list")
            self.one(spec, item, objects, depth)
        writer = self.writer
        if self.turtle:
            return "( " + " ".join(objects) + " )" if objects else writer.nil
        head = writer.nil
        for item in reversed(objects):
            cell = f"_:b{next(self.counter)}"
            self.lines.append(f"{cell} {writer.first} {item} .\n{cell} {writer.rest} {head} .\n")
            head = cell
        return head

    def types(self, obj: JSONObject, value: JSON) -> list[str]:
        if "type" in obj and "@type" in obj:
            raise _Unsupported("type and @type")
        objects = []
        for item in value if type(value) is list else [value]:
            if type(item) is not str:
                raise _Unsupported("a type that is not a string")
            objects.append(self.vocab(item))
        return objects

    def subject(self, obj: JSONObject) -> str:
        """The term that names a node: its IRI or blank node label, or "" for Turtle's [ ... ]."""
        identifier = obj.get("id")
        if identifier is None:
            identifier = obj.get("@id")
        elif "@id" in obj:
            raise _Unsupported("id and @id")
        if identifier is not None:
            if type(identifier) is not str:
                raise _Unsupported("an id that is not a string")
            return self.reference(identifier)
        return "" if self.turtle else f"_:b{next(self.counter)}"

    def node(self, obj: JSONObject, depth: int) -> str:
        """Write a node object's triples; the term that names it (IRI, blank node, [ ... ]).

        ``depth`` is 0 for a top-level node, else the Turtle indentation of the block holding it.
        """
        subject = self.subject(obj)
        turtle, lines, keys_get = self.turtle, self.lines, self.keys_get
        # Turtle: a named node gets a block of its own; a blank one is written in place.
        inner = depth + 1 if depth and not subject else 1
        slot = len(lines)  # Turtle: this node's block before those of the nodes nested in it
        parts: list[str] = []  # Turtle: "predicate object , object"
        objects: list[str]
        for key, value in obj.items():
            spec = keys_get(key)
            if spec is not None:
                single = self.single(spec, value, inner)
                if single is not None:
                    if turtle:
                        parts.append(spec[0] + " " + single)
                    else:
                        lines.append(f"{subject} {spec[0]} {single} .\n")
                    continue
                predicate, objects = spec[0], []
                self.many(spec, value, objects, inner)
            elif key == "type" or key == "@type":
                predicate, objects = self.writer.rdf_type, self.types(obj, value)
            elif key == "id" or key == "@id" or key == "@index":
                continue
            else:  # a compact or absolute IRI; _Unsupported for any other keyword
                spec = self.writer.key(key)
                predicate, objects = spec[0], []
                self.many(spec, value, objects, inner)
            if not objects:
                continue
            if turtle:
                parts.append(predicate + " " + " , ".join(objects))
            else:
                for item in objects:
                    lines.append(f"{subject} {predicate} {item} .\n")
        return self.block(subject, parts, depth, inner, slot) if turtle else subject

    def single(self, spec: _Spec, value: Any, inner: int) -> str | None:
        """The one RDF term of a value in the common shapes (inline: this is what a render
        costs); None for anything else (arrays, value, list and set objects, null)."""
        kind = type(value)
        if kind is str:
            mode = spec[1]
            if mode == _PLAIN:
                return '"' + value + '"' if not self.escapes else _quoted(value)
            if mode == _VOCAB:
                return self.vocab_terms.get(value) or self.vocab(value)
            if mode == _TYPED:
                return ('"' + value + '"' if not self.escapes else _quoted(value)) + spec[2]
            return self.reference(value)
        if kind is float:
            memo = spec[4]
            found = memo.get(value)
            if found is None:
                found = self.native(value, spec[3])
                # 0.0 and -0.0 are one key but two lexical forms of a double
                if value and len(memo) < _FLOAT_MEMO:
                    memo[value] = found
            return found
        if kind is dict and not ("@value" in value or "@list" in value or "@set" in value):
            return self.node(value, inner)
        if kind is int or kind is bool:
            return self.native(value, spec[3])
        return None

    def block(self, subject: str, parts: list[str], depth: int, inner: int, slot: int) -> str:
        """Turtle: a blank node nested in place as [ ... ], or the node's block at ``slot``."""
        if not parts:
            return subject or "[]"
        indent = "\n" + "\t" * inner
        body = (" ;" + indent).join(parts)
        if not subject and depth:
            return "[" + indent + body + "\n" + "\t" * (inner - 1) + "]"
        self.lines.insert(slot, f"{subject or '[]'} {body} .\n")
        return subject


_Run = Callable[[list[JSONObject], bool], str]


@functools.cache
def _writers() -> tuple[_Run, _Run] | None:
    """The N-Triples and the Turtle writer, or None if our context is beyond the direct writer."""
    context = _read_context()
    if context is None:
        return None
    return _compile(_Writer(context, turtle=False)), _compile(_Writer(context, turtle=True))


def _direct(view: bytes, document: JSON, turtle: bool) -> bytes | None:
    """The rendering written directly, or None when the view needs the reference path."""
    writers = _writers()
    if writers is None or type(document) is not dict or document.get("@context") != jsonld.CONTEXT_URL:
        return None
    try:
        body = document.copy()  # the document itself stays whole for the reference path
        del body["@context"]
        if "@graph" in body:
            if len(body) != 1:
                return None
            nodes = body["@graph"]
            nodes = nodes if type(nodes) is list else [nodes]
        else:
            nodes = [body]
        objects: list[JSONObject] = []
        for node in nodes:
            if type(node) is not dict or "@value" in node or "@list" in node or "@set" in node:
                return None
            objects.append(node)
        text = writers[1](objects, b"\\" in view) if turtle else writers[0](objects, b"\\" in view)
        return text.encode()
    except (_Unsupported, UnicodeEncodeError, RecursionError):
        return None
