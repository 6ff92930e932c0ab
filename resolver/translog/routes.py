"""HTTP routes of the transparency log (JSON answers, errors as problem documents):

    GET /log/sth                                      the signed tree head of the current tree
    GET /log/entries?start=&end=                      entries start..end inclusive, exact leaf bytes
    GET /log/proof/inclusion?id=&version=&tree_size=  a passport version's inclusion proof
    GET /log/proof/consistency?first=&second=         that tree ``second`` extends tree ``first``

Hashes and leaf bytes are base64. Register each :class:`~resolver.integrity.routes.Route`
before the app's catch-all passport route.
"""

from __future__ import annotations

from binascii import b2a_base64

from aiohttp import web

from resolver.errors import InputError, NotFound, ResolverError
from resolver.identifiers import parse_identifier
from resolver.integrity.routes import Route, answer_problems, json_answer
from resolver.translog.log import TransparencyLog

__all__ = ["log_routes"]


def _b64(data: bytes) -> str:
    return b2a_base64(data, newline=False).decode()


def _optional_int(request: web.Request, name: str) -> int | None:
    text = request.query.get(name, "")
    if text == "":
        return None
    if not text.isdigit() or len(text) > 18:
        raise InputError(f"the query parameter {name!r} must be a non-negative integer, not {text[:40]!r}")
    return int(text)


def _int(request: web.Request, name: str) -> int:
    value = _optional_int(request, name)
    if value is None:
        raise InputError(f"the query parameter {name!r} is required")
    return value


def _key(identifier: str) -> str:
    """The log names a passport by its handle key; a caller may name it in any form the node
    reads (its IRI ``https://hdl.handle.net/...``, ``hdl:``, a GS1 Digital Link)."""
    try:
        return parse_identifier(identifier).key
    except ResolverError:
        return identifier  # not an identifier the node parses: looked up as given (a 404)


def log_routes(log: TransparencyLog) -> list[Route]:
    async def sth(request: web.Request) -> web.StreamResponse:
        return json_answer((await log.head()).to_json())

    async def entries(request: web.Request) -> web.StreamResponse:
        start, end = _int(request, "start"), _int(request, "end")
        leaves = await log.entries(start, end)
        return json_answer(
            {"entries": [{"leaf_index": start + i, "leaf": _b64(leaf)} for i, leaf in enumerate(leaves)]}
        )

    async def inclusion(request: web.Request) -> web.StreamResponse:
        identifier = request.query.get("id")
        if not identifier:
            raise InputError("the query parameter 'id' is required")
        version = _int(request, "version")
        tree_size = _optional_int(request, "tree_size")
        try:  # a handle key as the log holds it (parsing one gives it back unchanged)
            proof = await log.inclusion(identifier, version, tree_size)
        except NotFound:
            key = _key(identifier)
            if key == identifier:
                raise
            proof = await log.inclusion(key, version, tree_size)
        return json_answer(
            {
                "leaf_index": proof.leaf_index,
                "tree_size": proof.tree_size,
                "leaf": _b64(proof.leaf),
                "inclusion_path": [b2a_base64(h, newline=False).decode() for h in proof.path],
            }
        )

    async def consistency(request: web.Request) -> web.StreamResponse:
        first, second = _int(request, "first"), _int(request, "second")
        proof = await log.consistency(first, second)
        return json_answer({"first": first, "second": second, "consistency_path": [_b64(h) for h in proof]})

    return [
        Route("/log/sth", "log-sth", answer_problems(sth)),
        Route("/log/entries", "log-entries", answer_problems(entries)),
        Route("/log/proof/inclusion", "log-inclusion", answer_problems(inclusion)),
        Route("/log/proof/consistency", "log-consistency", answer_problems(consistency)),
    ]
