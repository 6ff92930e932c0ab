"""Routes about the node itself: health, metrics, its description, and its profile files."""

from __future__ import annotations

import os
import time
from pathlib import Path

import orjson
from aiohttp import web

from resolver import __version__
from resolver.config.federation import describe as describe_federation
from resolver.errors import NotFound, ServiceStarting
from resolver.http.keys import key_documents
from resolver.http.router import EdgeSlot, Routes

__all__ = ["PROFILES", "add_routes"]

PROFILES = ("eu-battery",)

# What a semantic tool needs to read our passports without the network: the JSON-LD context
# (its w3id.org URL is a name, not a place this node can rely on), the vocabulary, the shapes.
_REPO_ROOT = Path(__file__).resolve().parents[2]
_PROFILE_FILES: dict[tuple[str, str], tuple[Path, str]] = {
    ("eu-battery", "context.jsonld"): (_REPO_ROOT / "vocab/eu-battery/context.jsonld", "application/ld+json"),
    ("eu-battery", "vocab.ttl"): (_REPO_ROOT / "vocab/eu-battery/vocab.ttl", "text/turtle"),
    **{
        ("eu-battery", f"shapes-{shape.name}"): (shape, "text/turtle")
        for shape in sorted((_REPO_ROOT / "shapes/eu-battery").glob("*.ttl"))
    },
}


def _profile_paths() -> list[str]:
    return [f"/profiles/{profile}/{name}" for profile, name in _PROFILE_FILES]


def _json(body: object, cache_control: str) -> web.Response:
    return web.Response(
        body=orjson.dumps(body), content_type="application/json", headers={"Cache-Control": cache_control}
    )


class NodeInfoRoutes:
    def __init__(self, slot: EdgeSlot) -> None:
        self._slot = slot

    async def describe(self, request: web.Request) -> web.Response:
        edge = self._slot.edge
        config = edge.config
        base_url = config.base_url or f"{request.scheme}://{request.host}"
        body: dict[str, object] = {
            "id": config.node_id,
            "region": config.region,
            "base_url": base_url,
            "prefixes": list(config.prefixes),
            "profiles": list(PROFILES),
            "version": __version__,
            "chain": [stage.name for stage in edge.stages],
        }
        if config.sparql.enabled:
            body["sparql"] = base_url + "/sparql"
        integrity = edge.ctx.integrity
        if integrity is not None:  # the Multikey documents of the keys its proofs name
            body["keys"] = key_documents(integrity.keyring, integrity.base_url)
            body["log"] = base_url + "/log/sth"
        body.update(describe_federation(config.federation))
        return _json(body, "max-age=60")

    async def healthz(self, request: web.Request) -> web.Response:
        node = self._slot.edge.ctx
        starting = node.validator_starting
        if starting is not None and (
            not starting.done() or starting.cancelled() or starting.exception() is not None
        ):
            # Reads are served already; the node is ready once it can also validate (writes,
            # and passports fetched from peers).
            why = "loading the profile" if not starting.done() else "failed to start"
            raise ServiceStarting(f"the validator workers are {why}")
        started = time.perf_counter()
        count = await node.store.count()  # StoreUnavailable -> 503 problem
        body: dict[str, object] = {
            "status": "ok",
            "node": node.config.node_id,
            "passports": count,
            "store_ms": round((time.perf_counter() - started) * 1000, 2),
            "process": os.getpid(),  # which process answered (serve --processes N)
        }
        if node.heads is not None:  # the pinned peers' logs: a fork is reported, not a failure
            logs = node.heads.monitor.status()
            body["peer_logs"] = logs
            body["forked_peers"] = [peer for peer, state in logs.items() if state["forked"]]
        return _json(body, "no-store")

    async def metrics(self, request: web.Request) -> web.Response:
        return web.Response(
            body=self._slot.edge.metrics.render(),
            content_type="text/plain",
            charset="utf-8",
            headers={"Cache-Control": "no-store"},
        )

    async def profile_file(self, request: web.Request) -> web.Response:
        found = _PROFILE_FILES.get((request.match_info["profile"], request.match_info["name"]))
        if found is None:
            served = ", ".join(_profile_paths())
            raise NotFound(f"no profile file at {request.path}; the node serves {served}")
        path, media_type = found
        return web.Response(
            body=path.read_bytes(), content_type=media_type, headers={"Cache-Control": "public, max-age=3600"}
        )


def add_routes(routes: Routes) -> None:
    info = NodeInfoRoutes(routes.slot)
    routes.resource("/healthz", "healthz", GET=(info.healthz, "healthz"))
    routes.resource("/metrics", "metrics", GET=(info.metrics, "metrics"))
    routes.resource("/.well-known/passport-node", "describe", GET=(info.describe, "describe"))
    routes.resource("/profiles/{profile}/{name}", "profile-file", GET=(info.profile_file, "profile-file"))
