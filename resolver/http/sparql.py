"""``/sparql`` per the SPARQL 1.1 Protocol: GET, POST form and POST direct; read-only.

The caller's credentials (``Authorization``, as everywhere on the node) give its tier, and the
tier the store it queries. ``GET /sparql`` without a query answers the service description.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from urllib.parse import parse_qsl

from aiohttp import web
from multidict import MultiDict, MultiMapping

from resolver.credentials import Principal
from resolver.errors import Forbidden, InputError, NotAcceptable, PayloadTooLarge, UnsupportedMediaType
from resolver.http.auth import Authenticator
from resolver.http.router import EdgeSlot, Routes
from resolver.sparql.description import service_description
from resolver.sparql.engine import Dataset, SparqlEngine
from resolver.sparql.errors import IndexNotReady, TooManyQueries
from resolver.sparql.federated import Federation, federated_select
from resolver.sparql.guard import QueryText, check_query
from resolver.sparql.results import JSON, choose
from resolver.tiers import Tier

__all__ = ["Federation", "ReadyCheck", "SparqlRoutes", "add_routes"]

ReadyCheck = Callable[[], str]  # "" when the index has caught up, else why not (the 503's detail)

FORM = "application/x-www-form-urlencoded"
DIRECT = "application/sparql-query"
UPDATE = "application/sparql-update"
_TRUE = ("true", "1", "yes")


class SparqlRoutes:
    """The ``/sparql`` handler. ``ready()`` tells whether the index has caught up (else 503)."""

    def __init__(
        self,
        engine: SparqlEngine,
        authenticator: Authenticator,
        *,
        ready: ReadyCheck,
        federation: Federation | None = None,
    ) -> None:
        self.engine = engine
        self.auth = authenticator
        self.ready = ready
        self.federation = federation
        self._running: Counter[str] = Counter()

    async def query(self, request: web.Request) -> web.Response:
        principal = self.auth.principal(request.headers.get("Authorization"))
        text, params = await self._read(request)
        if text is None:
            return _description(request, self.engine.history)
        checked = check_query(text, max_chars=self.engine.limits.max_query_chars)
        waiting = self.ready()
        if waiting:
            raise IndexNotReady(waiting)
        dataset = _dataset(params)
        history = params.get("history", "false").lower() in _TRUE
        tier = _capped(principal.tier, params.get("tier"))
        federated = params.get("federated", "false").lower() in _TRUE
        client = _client(principal, request)
        limit = self.engine.limits.per_client
        if self._running[client] >= limit:
            raise TooManyQueries(
                f"{client} already has {limit} queries running; the limit is {limit}", limit=limit
            )
        self._running[client] += 1
        try:
            if federated:
                return await self._federated(checked, tier, request.headers.get("Accept"), dataset)
            answer = await self.engine.answer(
                checked, tier, accept=request.headers.get("Accept"), dataset=dataset, history=history
            )
        finally:
            self._running[client] -= 1
            if not self._running[client]:
                del self._running[client]
        return _answer(answer.body, answer.media_type)

    async def _federated(
        self, query: QueryText, tier: Tier, accept: str | None, dataset: Dataset
    ) -> web.Response:
        if query.form != "SELECT":
            raise InputError(f"federated=true takes a SELECT query, not {query.form}")
        if choose(accept, graph=False) != JSON:
            raise NotAcceptable(f"a federated answer is SPARQL JSON ({JSON}) only", offered=[JSON])
        federation = self.federation or Federation("local", (), None)

        async def local() -> bytes:
            return (await self.engine.answer(query, tier, accept=JSON, dataset=dataset)).body

        body = await federated_select(
            local,
            federation.node_id,
            query.text,
            tier,
            peers=federation.peers if federation.session is not None else (),
            session=federation.session,
            within=self.engine.limits.timeout_for(tier),
        )
        return _answer(body, JSON)

    async def _read(self, request: web.Request) -> tuple[str | None, MultiMapping[str]]:
        """The query text (None: no query, the description is wanted) and the parameters."""
        params: MultiMapping[str] = request.query
        if request.method in ("GET", "HEAD"):
            if "update" in params:
                raise Forbidden("SPARQL Update is not allowed: this endpoint is read-only")
            return _one_query(params), params
        media_type = request.content_type
        if media_type == UPDATE:
            raise Forbidden("SPARQL Update is not allowed: this endpoint is read-only")
        body = await self._body(request)
        if media_type == DIRECT:
            return _decode(body), params
        if media_type == FORM:
            form = MultiDict(parse_qsl(_decode(body), keep_blank_values=True))
            if "update" in form:
                raise Forbidden("SPARQL Update is not allowed: this endpoint is read-only")
            query = _one_query(form)
            if query is None:
                raise InputError("a form POST needs a 'query' field")
            del form["query"]
            form.extend(request.query)
            return query, form
        raise UnsupportedMediaType(
            f"POST /sparql takes {DIRECT} or {FORM}, not {media_type or 'no Content-Type'}"
        )

    async def _body(self, request: web.Request) -> bytes:
        cap = self.engine.limits.max_query_chars * 4 + 4096  # UTF-8, and form encoding around it
        if request.content_length is not None and request.content_length > cap:
            raise PayloadTooLarge(f"the request body is over {cap} bytes", limit=cap)
        chunks: list[bytes] = []
        size = 0
        while chunk := await request.content.read(65_536):  # read(n) gives at most n, often less
            size += len(chunk)
            if size > cap:
                raise PayloadTooLarge(f"the request body is over {cap} bytes", limit=cap)
            chunks.append(chunk)
        return b"".join(chunks)


class NodeSparql:
    """``/sparql`` of a running node: the node's index (opened by the composition root) behind
    the edge's authenticator; 503 saying why when this process has no index open."""

    def __init__(self, slot: EdgeSlot) -> None:
        self._slot = slot
        self._routes: SparqlRoutes | None = None
        self._edge: object = None

    async def query(self, request: web.Request) -> web.Response:
        edge = self._slot.edge
        if self._routes is None or self._edge is not edge:
            sparql = edge.ctx.sparql
            if sparql is None:
                raise IndexNotReady(edge.ctx.sparql_unavailable)
            self._routes = SparqlRoutes(
                sparql.engine, edge.auth, ready=sparql.ready, federation=sparql.federation
            )
            self._edge = edge
        return await self._routes.query(request)


def add_routes(routes: Routes) -> None:
    """``/sparql``: GET and POST per the SPARQL 1.1 Protocol (GET also answers HEAD)."""
    sparql = NodeSparql(routes.slot)
    routes.resource("/sparql", "sparql", GET=(sparql.query, "sparql"), POST=(sparql.query, "sparql"))


def _answer(body: bytes, media_type: str) -> web.Response:
    return web.Response(
        body=body,
        headers={
            "Content-Type": _content_type(media_type),
            "Cache-Control": "no-store",
            "Vary": "Accept, Authorization",
        },
    )


def _one_query(params: MultiMapping[str]) -> str | None:
    """The one ``query`` (None: none); two are a malformed request (SPARQL 1.1 Protocol 2.1.4),
    not the first of them."""
    queries = params.getall("query", [])
    if len(queries) > 1:
        raise InputError(f"a request holds one query; this one holds {len(queries)}")
    return queries[0] if queries else None


def _capped(tier: Tier, asked: str | None) -> Tier:
    """The caller's tier, lowered (never raised) by ``tier=`` (how a node asks a peer for no
    more than its own caller may see)."""
    if asked is None:
        return tier
    try:
        return min(tier, Tier.from_label(asked))
    except ValueError as err:
        raise InputError(str(err)) from err


def _decode(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as err:
        raise InputError("the query is not UTF-8") from err


def _dataset(params: MultiMapping[str]) -> Dataset:
    defaults = tuple(params.getall("default-graph-uri", ()))
    named = tuple(params.getall("named-graph-uri", ()))
    for iri in (*defaults, *named):
        if ":" not in iri or any(c in iri for c in '<>" {}|\\^`'):
            raise InputError(f"not an absolute IRI for a graph: {iri[:200]!r}")
    return Dataset(defaults, named)


def _client(principal: Principal, request: web.Request) -> str:
    if principal.name != "public":
        return f"credential {principal.name}"
    return f"client {request.remote or 'unknown'}"


def _content_type(media_type: str) -> str:
    return media_type + ("; charset=utf-8" if media_type.startswith("text/") else "")


def _description(request: web.Request, history: bool) -> web.Response:
    endpoint = f"{request.scheme}://{request.host}{request.path}"
    return web.Response(
        body=service_description(endpoint, history=history),
        headers={"Content-Type": "text/turtle; charset=utf-8", "Cache-Control": "max-age=300"},
    )
