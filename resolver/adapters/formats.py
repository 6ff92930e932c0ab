"""The input formats ``import --format F`` reads, each a pure function from the bytes given to
JSON-LD bytes in our context (fed to the node's usual write path), with the fields it could not
map listed.

Bytes are decoded first: UTF-8 (a byte-order mark is dropped) and UTF-16 with or without a
byte-order mark are read; anything else undecodable is refused, named as such.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import orjson

from resolver.errors import DocumentError
from resolver.jsontypes import JSONObject

if TYPE_CHECKING:
    from resolver.adapters.jws_check import KnownKeys

__all__ = [
    "EXPORTS",
    "FORMATS",
    "Converted",
    "Exported",
    "convert",
    "detect",
    "export",
    "for_media_type",
    "to_utf8",
]


@dataclass(frozen=True, slots=True)
class Converted:
    body: bytes  # JSON-LD, UTF-8
    unmapped: tuple[str, ...] = ()
    version: str | None = None  # the source format's version, when it has one
    issuer: tuple[tuple[str, str], ...] = ()  # who issued the source (a credential's issuer)
    # Dynamic data read as lifecycle readings (compact form, POST /{id}/events), not passport data.
    readings: tuple[JSONObject, ...] = ()


def to_utf8(data: bytes) -> bytes:
    """``data`` as UTF-8 without a byte-order mark; DocumentError says what it is otherwise.

    UTF-16 is told by its byte-order mark, or without one by the zero bytes of the JSON text's
    first (ASCII) character: ``{\\0`` is little-endian, ``\\0{`` big-endian."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _from_utf16(data, "utf-16", "byte-order mark")
    elif len(data) >= 2 and data[0] != 0 and data[1] == 0:
        return _from_utf16(data, "utf-16-le", "little-endian, no byte-order mark")
    elif len(data) >= 2 and data[0] == 0 and data[1] != 0:
        return _from_utf16(data, "utf-16-be", "big-endian, no byte-order mark")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise DocumentError(f"the input is not UTF-8 (nor UTF-16): byte {err.start}: {err.reason}") from None
    return data


def _from_utf16(data: bytes, codec: str, how: str) -> bytes:
    try:
        return data.decode(codec).encode("utf-8")
    except UnicodeDecodeError as err:
        raise DocumentError(
            f"the input is UTF-16 ({how}) but not valid UTF-16: byte {err.start}: {err.reason}"
        ) from None


def _json(data: bytes) -> object:
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as err:
        raise DocumentError(f"not JSON: {err}") from None


def _jsonld(data: bytes) -> Converted:
    """Our JSON-LD as given; a signed view (``export`` writes them) loses its proof, which
    import does not verify and which would otherwise be stored as passport data. The node
    signs what it stores with its own key; the proof is listed as not mapped."""
    if b'"proof"' not in data:
        return Converted(data)
    from resolver.integrity.served import split_signed

    try:
        unsigned, header = split_signed(data)
    except orjson.JSONDecodeError:
        return Converted(data)  # refused by the write path's parser, with its reason
    return Converted(unsigned, ("proof",) if header is not None else ())


def _catenax(data: bytes) -> Converted:
    from resolver.adapters import catenax

    converted = catenax.convert_with_notes(_json(data))
    return Converted(orjson.dumps(converted.document), converted.unmapped, converted.version)


def _openepcis(data: bytes) -> Converted:
    """An OpenEPCIS item, model or batch passport: JSON-LD in the OpenEPCIS contexts, or an
    EN 18223 body (elements, or the operational/BatteryPass-Ready shape)."""
    from resolver.adapters import en18223, openepcis

    doc = _json(data)
    left: list[str] = []  # what the move into our model leaves without a term (never dropped silently)
    if not en18223.is_en18223(doc):
        return Converted(orjson.dumps(openepcis.convert(doc, left)), tuple(left))
    is_elements = isinstance(doc, dict) and isinstance(doc.get("elements"), list)
    read = en18223.from_elements(doc) if is_elements else en18223.from_operational(doc)
    body = orjson.dumps(openepcis.from_expanded(read.expanded, left))
    return Converted(body, (*read.unmapped, *left), readings=read.readings)


def _batterypass(data: bytes) -> Converted:
    from resolver.adapters import batterypass

    read = batterypass.convert_with_notes(_json(data))
    return Converted(orjson.dumps(read.document), read.unmapped)


def _untp(data: bytes, known: KnownKeys | None = None) -> Converted:
    from resolver.adapters import untp

    read = untp.convert_with_notes(_json(data), known=known)
    return Converted(orjson.dumps(read.document), read.unmapped, read.version, tuple(read.issuer.items()))


def _aas(data: bytes) -> Converted:
    from resolver.adapters import aas

    read = aas.convert_with_notes(_json(data))
    return Converted(orjson.dumps(read.document), read.unmapped, readings=read.readings)


FORMATS: dict[str, Callable[[bytes], Converted]] = {
    "jsonld": _jsonld,
    "catenax": _catenax,
    "openepcis": _openepcis,
    "untp": _untp,
    "batterypass": _batterypass,
    "aas": _aas,
}


def convert(fmt: str, data: bytes, *, known: KnownKeys | None = None) -> Converted:
    """The passport in ``data`` (format ``fmt``, or ``auto``: told by ``detect``) as JSON-LD
    bytes in our context. ``known``: keys the caller holds (the node's own, its peers' pinned
    ones; resolver/commands/import_proofs.py), which check a UNTP credential's signature."""
    if fmt != "auto" and fmt not in FORMATS:
        raise DocumentError(f"unknown format {fmt!r}: auto or one of {', '.join(FORMATS)}")
    data = to_utf8(data)
    if fmt in ("auto", "untp") and _is_compact_jws(data):  # a .jwt file: a secured UNTP credential
        from resolver.adapters import envelope

        return _untp(orjson.dumps(envelope.wrap(data)), known)
    if fmt == "auto":
        fmt = detect(_json(data))
    if fmt == "untp":
        return _untp(data, known)
    return FORMATS[fmt](data)


def _is_compact_jws(data: bytes) -> bool:
    text = data.strip()
    return text.startswith(b"eyJ") and text.count(b".") == 2 and not any(c in text for c in b" \n{")


_OPENEPCIS_CONTEXT = b"ref.openepcis.io/extensions/"


def for_media_type(
    media_type: str, data: bytes, *, known: KnownKeys | None = None
) -> tuple[str, Converted] | None:
    """A PUT body of a third-party format, told by its media type, converted (None: the body is
    ours). ``application/vc`` and ``application/vc+ld+json``: a UNTP credential;
    ``application/vc+jwt``: a UNTP credential secured as a compact JWS (VC-JOSE-COSE); JSON-LD
    (``application/ld+json``) naming an OpenEPCIS context: an OpenEPCIS passport. A converted
    body is JSON-LD in our context. ``known``: the keys the node holds (its own, its peers'
    pinned ones), which check a credential's signature as ``convert`` does on import."""
    from resolver.adapters import envelope, untp

    if media_type in untp.MEDIA_TYPES:
        return "untp", convert("untp", data, known=known)
    if media_type == envelope.MEDIA_TYPE:
        return "untp", _untp(orjson.dumps(envelope.wrap(data)), known)
    if media_type == "application/ld+json" and _OPENEPCIS_CONTEXT in data:
        from resolver.adapters import openepcis

        if openepcis.is_openepcis(_json(to_utf8(data))):
            return "openepcis", convert("openepcis", data)
    return None


def detect(doc: object) -> str:
    """The format of a parsed document, by what each format must hold: Catena-X by
    ``specVersion`` or its aspects, UNTP by its context, OpenEPCIS by its contexts or the EN 18223
    header, AAS by ``submodels``, Battery Pass by its GeneralProductInformation; else ours."""
    from resolver.adapters import batterypass, catenax, en18223, openepcis, untp

    if catenax.is_catenax(doc):
        return "catenax"
    if untp.detect_version(doc) is not None:
        return "untp"
    if openepcis.is_openepcis(doc) or en18223.is_en18223(doc):
        return "openepcis"
    if isinstance(doc, dict) and (
        isinstance(doc.get("submodels"), list) or doc.get("modelType") == "Submodel"
    ):
        return "aas"
    if batterypass.is_batterypass(doc):
        return "batterypass"
    return "jsonld"


def _export_jsonld(body: bytes) -> Exported:
    return Exported(body)


def _export_untp(body: bytes) -> Exported:
    from resolver.adapters import untp

    return Exported(orjson.dumps(untp.to_credential(_json(body))))


def _export_aas(body: bytes) -> Exported:
    from resolver.adapters import aas

    environment = aas.to_environment(_json(body))
    return Exported(orjson.dumps(environment.document), environment.not_written)


def _export_catenax(body: bytes) -> Exported:
    from resolver.adapters import catenax_out

    payload = catenax_out.to_payload(_json(body))
    return Exported(orjson.dumps(payload.document), payload.not_written)


def _export_openepcis(body: bytes) -> Exported:
    from resolver.adapters import openepcis_out

    written = openepcis_out.to_passport(_json(body))
    return Exported(orjson.dumps(written.document), own_iri=written.not_mapped)


def _export_batterypass(body: bytes) -> Exported:
    from resolver.adapters import batterypass_out

    payload = batterypass_out.to_payload(_json(body))
    return Exported(orjson.dumps(payload.document), payload.not_written)


def _export_pact(body: bytes) -> Exported:
    import datetime

    from resolver.adapters import pact_out

    footprint = pact_out.to_footprint(_json(body), created=datetime.datetime.now(datetime.UTC))
    if footprint.document is None:  # no cradle-to-gate footprint: nothing to write
        return Exported(b"", footprint.not_written)
    return Exported(orjson.dumps(footprint.document), footprint.not_written)


@dataclass(frozen=True, slots=True)
class Exported:
    body: bytes  # empty: the passport has nothing this format holds (not_written says why)
    not_written: tuple[str, ...] = ()  # the passport's terms the format could not hold
    # Terms written under our own IRI, which the format does not define (JSON-LD formats hold
    # any IRI, so nothing is dropped, but a reader of that format does not know them).
    own_iri: tuple[str, ...] = ()


# The formats ``export --format F`` writes: each a function from a stored view's JSON-LD bytes
# (without its proof) to one document in that format, with the terms it could not write.
EXPORTS: dict[str, Callable[[bytes], Exported]] = {
    "jsonld": _export_jsonld,
    "untp": _export_untp,
    "aas": _export_aas,
    "catenax": _export_catenax,
    "openepcis": _export_openepcis,
    "batterypass": _export_batterypass,
    "pact": _export_pact,
}


def export(fmt: str, body: bytes) -> Exported:
    """One passport (JSON-LD bytes) in the format ``fmt``; DocumentError for an unknown one."""
    if fmt not in EXPORTS:
        raise DocumentError(f"unknown export format {fmt!r}: one of {', '.join(EXPORTS)}")
    return EXPORTS[fmt](body)
