"""The GS1 Digital Link resolver in the OpenAPI document: ``/01/...``, ``/gtin/...``, QR codes,
``/compare`` and ``/.well-known/gs1resolver`` (resolver/http/digital_link.py)."""

from __future__ import annotations

from resolver.openapi.native import HANDLE_DESC, passport_ok
from resolver.openapi.parts import (
    COMMON,
    READ,
    SECURITY,
    WRITE_SECURITY,
    header,
    json_ok,
    path_param,
    query,
    ref,
    responses,
)

__all__ = ["ROUTES", "SCHEMAS", "gs1_paths"]

ROUTES: dict[str, str] = {
    "/01/{tail}": "/01/{tail}",
    "/gtin/{tail}": "/gtin/{tail}",
    "/01/{suffix}/qr": "/01/{suffix}/qr",
    "/gtin/{suffix}/qr": "/gtin/{suffix}/qr",
    "/{prefix}/{suffix}/qr": "/{prefix}/{suffix}/qr",
    "/compare": "/compare",
    "/.well-known/gs1resolver": "/.well-known/gs1resolver",
    "/gs1/links/{tail}": "/gs1/links/{tail}",
    "/{compressed}": "/{compressed}",
}

_REDIRECT = {
    "description": (
        "To the link asked for (linkType=gs1:...), the default link, the model's example "
        "passport, or the peer node that holds the passport: Location says where; Link names "
        "the linkset."
    ),
    "headers": {"Location": {"schema": {"type": "string"}}},
}


def _resolver(alpha: bool) -> dict[str, object]:
    key = "gtin" if alpha else "01"
    ok = passport_ok()
    ok["description"] = "The linkset (linkType=all, or Accept of it), or the passport itself."
    content = ok["content"]
    assert isinstance(content, dict)
    ok["content"] = {"application/linkset+json": {"schema": ref("Linkset")}, **content}
    return {
        "parameters": [
            path_param(
                "tail",
                "The GTIN, then optionally /10/{lot} and /21/{serial} (GS1 Digital Link "
                "1.2 path); ending in /history lists the item's versions.",
                "09521234010012",
            )
        ],
        "get": {
            "operationId": "resolveDigitalLink" + ("Alpha" if alpha else ""),
            "summary": f"Resolve a GS1 Digital Link /{key}/... (GS1 resolver standard 1.2)",
            "security": SECURITY,
            "parameters": [
                query("linkType", "all (the linkset) or a GS1 link type such as gs1:pip."),
                query("format", "jsonld, json, ttl, nt or html: the passport itself."),
                query("version", "A version number of the passport."),
                query("at", "An RFC 3339 date-time: the version current then."),
                header("Accept", "application/linkset+json, a passport format, or anything (a redirect)."),
                header("Accept-Language", "The language of the link to redirect to."),
            ],
            "responses": responses(
                {"200": ok, "304": {"description": "Not modified."}, "307": _REDIRECT}, READ
            ),
        },
    }


def _qr(operation: str, params: list[dict[str, object]]) -> dict[str, object]:
    return {
        "parameters": params,
        "get": {
            "operationId": operation,
            "summary": "The QR code of a passport (its Digital Link or its IRI)",
            "security": SECURITY,
            "parameters": [
                query("format", "svg (the default) or png.", {"type": "string", "enum": ["svg", "png"]}),
                query("scale", "PNG pixels per module, 1 to 32 (8 unless given)."),
                header("Accept", "image/svg+xml or image/png."),
            ],
            "responses": responses(
                {
                    "200": {
                        "description": "The QR code; the QR-Content header holds what it encodes.",
                        "content": {
                            "image/svg+xml": {"schema": {"type": "string"}},
                            "image/png": {"schema": {"type": "string", "contentMediaType": "image/png"}},
                        },
                    },
                    "307": _REDIRECT,
                },
                READ,
            ),
        },
    }


def _compare() -> dict[str, object]:
    return {
        "get": {
            "operationId": "compare",
            "summary": "Two to four passports side by side, each in the caller's tier view",
            "security": SECURITY,
            "parameters": [
                {
                    **query(
                        "ids",
                        "2 to 4 passport identifiers, separated by commas.",
                        example="88.100.1/BAT-EV-000001,88.100.1/BAT-EV-000002",
                    ),
                    "required": True,
                },
                query("lang", "The page's language (else Accept-Language)."),
                header("Accept", "application/json for data; anything else gives the page."),
            ],
            "responses": responses(
                {
                    "200": {
                        "description": "The comparison, as a page or as data.",
                        "content": {
                            "text/html": {"schema": {"type": "string"}},
                            "application/json": {"schema": ref("Comparison")},
                        },
                    }
                },
                READ,
            ),
        }
    }


def _compressed() -> dict[str, object]:
    """``/{compressed}``: a compressed Digital Link, answered as its uncompressed form."""
    answer = _resolver(alpha=False)
    answer["parameters"] = [
        path_param(
            "compressed",
            "A compressed GS1 Digital Link (GS1 Digital Link 1.1, section 9) of a GTIN with 22, 10, 21.",
            "AQnYUc1gmiCNV4JG",
        )
    ]
    get = answer["get"]
    assert isinstance(get, dict)
    answer["get"] = {
        **get,
        "operationId": "resolveCompressedDigitalLink",
        "summary": "Resolve a compressed GS1 Digital Link (as its uncompressed path)",
    }
    return answer


def _operator_links() -> dict[str, object]:
    """``/gs1/links/{tail}``: an operator's own links of a GTIN, batch or item."""
    answer = json_ok("The level's key and its operator links.", ref("OperatorLinks"))
    return {
        "parameters": [
            path_param(
                "tail",
                "01/{gtin}, 01/{gtin}/10/{lot} or 01/{gtin}/21/{serial} (convenience alphas too).",
                "01/09521234010012",
            )
        ],
        "get": {
            "operationId": "getOperatorLinks",
            "summary": "The operator's own links of a GTIN, batch or item",
            "responses": responses({"200": answer}, (*COMMON, "404")),
        },
        "put": {
            "operationId": "putOperatorLinks",
            "summary": "Replace the operator's own links of a GTIN, batch or item (in its linkset)",
            "security": WRITE_SECURITY,
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": ref("OperatorLinks")}},
            },
            "responses": responses({"200": answer}, (*COMMON, "401", "403", "415")),
        },
        "delete": {
            "operationId": "deleteOperatorLinks",
            "summary": "Remove the operator's own links of a GTIN, batch or item",
            "security": WRITE_SECURITY,
            "responses": responses({"204": {"description": "Removed."}}, (*COMMON, "401", "403", "404")),
        },
    }


def gs1_paths() -> dict[str, object]:
    gs1_suffix = path_param(
        "suffix", "The Digital Link path after the primary key (GTIN, lot, serial).", "09521234010012"
    )
    return {
        "/01/{tail}": _resolver(alpha=False),
        "/gtin/{tail}": _resolver(alpha=True),
        "/01/{suffix}/qr": _qr("qrDigitalLink", [gs1_suffix]),
        "/gtin/{suffix}/qr": _qr("qrDigitalLinkAlpha", [gs1_suffix]),
        "/{prefix}/{suffix}/qr": _qr(
            "qrPassport",
            [
                path_param("prefix", HANDLE_DESC, "88.100.1"),
                path_param("suffix", "The rest of the identifier.", "BAT-EV-000002"),
            ],
        ),
        "/compare": _compare(),
        "/gs1/links/{tail}": _operator_links(),
        "/{compressed}": _compressed(),
        "/.well-known/gs1resolver": {
            "get": {
                "operationId": "describeResolver",
                "summary": "The GS1 resolver description (GS1 resolver standard 1.2)",
                "responses": responses(
                    {"200": json_ok("The description.", ref("ResolverDescription"))},
                    ("405", "408", "429", "431", "500"),
                ),
            }
        },
    }


SCHEMAS: dict[str, object] = {
    "OperatorLinks": {
        "type": "object",
        "required": ["links"],
        "properties": {
            "key": {"type": "string", "readOnly": True},
            "links": {
                "type": "array",
                "maxItems": 64,
                "items": {
                    "type": "object",
                    "required": ["linkType", "href", "title", "type"],
                    "additionalProperties": False,
                    "properties": {
                        "linkType": {"type": "string", "example": "gs1:instructions"},
                        "href": {"type": "string", "maxLength": 2048},
                        "title": {"type": "string", "maxLength": 200},
                        "type": {"type": "string", "example": "application/pdf"},
                        "hreflang": {
                            "type": "array",
                            "items": {"type": "string"},
                            "minItems": 1,
                            "maxItems": 8,
                        },
                    },
                },
            },
        },
    },
    "Linkset": {
        "type": "object",
        "required": ["linkset"],
        "properties": {
            "linkset": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["anchor"],
                    "properties": {"anchor": {"type": "string"}, "itemDescription": {"type": "string"}},
                    "additionalProperties": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["href"],
                            "properties": {
                                "href": {"type": "string"},
                                "title": {"type": "string"},
                                "type": {"type": "string"},
                                "hreflang": {"type": "array", "items": {"type": "string"}},
                            },
                        },
                    },
                },
            }
        },
    },
    "Comparison": {
        "type": "object",
        "required": ["batteries", "figures"],
        "properties": {
            "batteries": {"type": "array", "items": {"type": "string"}},
            "figures": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["figure", "values"],
                    "properties": {
                        "figure": {"type": "string"},
                        "unit": {"type": "string"},
                        "higherIsBetter": {"type": "boolean"},
                        "values": {"type": "array"},
                    },
                },
            },
        },
    },
    "ResolverDescription": {
        "type": "object",
        "required": ["name", "resolverRoot", "supportedPrimaryKeys"],
        "properties": {
            "name": {"type": "string"},
            "resolverRoot": {"type": "string"},
            "supportedPrimaryKeys": {"type": "array", "items": {"type": "string"}},
            "supportedLinkType": {"type": "array", "items": {"type": "object"}},
            "linkTypeDefaultCanBeLinkset": {"type": "boolean"},
        },
    },
}
