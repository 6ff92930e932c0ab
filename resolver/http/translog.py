"""HTTP routes of the transparency log (JSON answers, errors as problem documents):

    GET /log/sth                                      the signed tree head of the current tree
    GET /log/entries?start=&end=                      entries start..end inclusive, exact leaf bytes
    GET /log/proof/inclusion?id=&version=&tree_size=  a passport version's inclusion proof
    GET /log/proof/consistency?first=&second=         that tree ``second`` extends tree ``first``

Hashes and leaf bytes are base64. Register each :class:`~resolver.http.keys.Route`
before the app's catch-all passport route.

An inclusion proof in a given tree size never changes (the log is append-only): the answers'
bytes are kept in a memo bounded in bytes, keyed by the query as asked and the tree size, and a
request naming a tree size the log has reached is answered from there without a log read.
"""

from __future__ import annotations

from binascii import b2a_base64
from urllib.parse import unquote_plus

from aiohttp import web
from multidict import CIMultiDict, CIMultiDictProxy

from resolver.errors import InputError, NotFound, ResolverError
from resolver.http.keys import Route, answer_problems, json_answer
from resolver.identifiers import parse_identifier
from resolver.memo import Memo, text_size
from resolver.translog.log import InclusionProof, TransparencyLog

__all__ = ["PROOF_MEMO_BYTES", "log_routes"]

# Encoded inclusion proofs kept (about 1.4 KB each with 20 hashes: ~11,000 of them).
PROOF_MEMO_BYTES = 16 * 1024 * 1024
_JSON_HEADERS = CIMultiDictProxy(
    CIMultiDict({"Content-Type": "application/json", "Cache-Control": "no-cache"})
)


def _b64(data: bytes) -> str:
    return b2a_base64(data, newline=False).decode()


def _params(request: web.Request) -> dict[str, str]:
    """The query's parameters (the first of each name), as ``request.query`` gives them; a plain
    query (no escapes) is split here, which costs a fraction of building the MultiDict."""
    raw = request.rel_url.raw_query_string
    found: dict[str, str] = {}
    plain = "%" not in raw and "+" not in raw
    for pair in raw.split("&"):
        if not pair:
            continue
        name, _, value = pair.partition("=")
        if not plain:
            name, value = unquote_plus(name), unquote_plus(value)
        found.setdefault(name, value)
    return found


def _optional_int(query: dict[str, str], name: str) -> int | None:
    text = query.get(name, "")
    if text == "":
        return None
    if not text.isdigit() or len(text) > 18:
        raise InputError(f"the query parameter {name!r} must be a non-negative integer, not {text[:40]!r}")
    return int(text)


def _int(query: dict[str, str], name: str) -> int:
    value = _optional_int(query, name)
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


# A leaf's inclusion path, in a tree where the leaf's aligned subtree of 2^8 leaves is complete,
# is the 8 siblings inside that subtree, then the path of the subtree's root: the same for every
# leaf of the subtree at that tree size (RFC 9162 2.1.3.1), so its encoding is kept by (subtree,
# tree size); a log of 1,000,000 entries has 3,907 such subtrees (about 600 bytes each).
_SUBTREE_LEVELS = 8
TAIL_MEMO_BYTES = 4 * 1024 * 1024
Tails = Memo[tuple[int, int], bytes]


def _encoded(hashes: list[bytes]) -> bytes:
    return b'","'.join([b2a_base64(h, newline=False) for h in hashes])


def _path_json(proof: InclusionProof, tails: Tails | None) -> bytes:
    """The inclusion path's hashes as the inside of a JSON list of base64 strings."""
    path = proof.path
    if not path:
        return b""
    subtree = proof.leaf_index >> _SUBTREE_LEVELS
    if tails is None or len(path) <= _SUBTREE_LEVELS or (subtree + 1) << _SUBTREE_LEVELS > proof.tree_size:
        return b'"' + _encoded(path) + b'"'
    key = (subtree, proof.tree_size)
    tail = tails.get(key)
    if tail is None:
        tail = _encoded(path[_SUBTREE_LEVELS:])
        tails.put(key, tail)
    return b'"' + _encoded(path[:_SUBTREE_LEVELS]) + b'","' + tail + b'"'


def _inclusion_json(proof: InclusionProof, tails: Tails | None = None) -> bytes:
    """The proof's JSON answer, byte for byte what ``orjson.dumps`` makes of it (base64 needs no
    escaping in JSON), written directly; ``tails``: kept encodings of paths' upper parts."""
    return b'{"leaf_index":%d,"tree_size":%d,"leaf":"%s","inclusion_path":[%s]}' % (
        proof.leaf_index,
        proof.tree_size,
        b2a_base64(proof.leaf, newline=False),
        _path_json(proof, tails),
    )


def _json_bytes(body: bytes) -> web.Response:
    return web.Response(body=body, headers=_JSON_HEADERS)


def log_routes(log: TransparencyLog, *, proof_memo_bytes: int = PROOF_MEMO_BYTES) -> list[Route]:
    proofs: Memo[tuple[str, int, int], bytes] = Memo(proof_memo_bytes, text_size)
    tails: Tails = Memo(TAIL_MEMO_BYTES, text_size)

    async def sth(request: web.Request) -> web.StreamResponse:
        return json_answer((await log.head()).to_json())

    async def entries(request: web.Request) -> web.StreamResponse:
        query = _params(request)
        start, end = _int(query, "start"), _int(query, "end")
        leaves = await log.entries(start, end)
        return json_answer(
            {"entries": [{"leaf_index": start + i, "leaf": _b64(leaf)} for i, leaf in enumerate(leaves)]}
        )

    async def inclusion(request: web.Request) -> web.StreamResponse:
        query = _params(request)
        identifier = query.get("id")
        if not identifier:
            raise InputError("the query parameter 'id' is required")
        version = _int(query, "version")
        tree_size = _optional_int(query, "tree_size")
        if tree_size is not None and log.reached(tree_size):
            kept = proofs.get((identifier, version, tree_size))
            if kept is not None:
                return _json_bytes(kept)
        try:  # a handle key as the log holds it (parsing one gives it back unchanged)
            proof = await log.inclusion(identifier, version, tree_size)
        except NotFound:
            key = _key(identifier)
            if key == identifier:
                raise
            proof = await log.inclusion(key, version, tree_size)
        body = _inclusion_json(proof, tails)
        if proof_memo_bytes:
            proofs.put((identifier, version, proof.tree_size), body)
        return _json_bytes(body)

    async def consistency(request: web.Request) -> web.StreamResponse:
        query = _params(request)
        first, second = _int(query, "first"), _int(query, "second")
        proof = await log.consistency(first, second)
        return json_answer({"first": first, "second": second, "consistency_path": [_b64(h) for h in proof]})

    return [
        Route("/log/sth", "log-sth", answer_problems(sth)),
        Route("/log/entries", "log-entries", answer_problems(entries)),
        Route("/log/proof/inclusion", "log-inclusion", answer_problems(inclusion)),
        Route("/log/proof/consistency", "log-consistency", answer_problems(consistency)),
    ]
