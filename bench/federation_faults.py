"""``federation-faults``: the fault scenarios of issue 12, measured on real nodes (127.0.0.1).

Four nodes in this process, each on its own socket and SQLite store: ``ent`` (owner of
88.100.1), ``cn`` (relay for 88.100), ``eu`` (knows cn, and ent as a node it may learn) and
``eu2`` (knows only cn, with ent's key pinned on that link: ent is no peer of eu2, so eu2 could
not learn it, and refuses answers it cannot check). The links to ent and to cn pass through TCP
gates that can freeze (accept, never answer) or die (refuse); the nodes are not told. Each row
is one scenario: the status eu answered, the time it took, and what eu's cache held. The 404
flood compares the legitimate lookups' success rate and median time with the same lookups
measured just before, without the flood (the baseline of the same run). The legitimate clients
share one credential and are paced at 40 lookups/s in all, under eu's limit of 50/s per client,
in both phases: the figure is what the flood costs a client that keeps within its own limit.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import itertools
import secrets
import statistics
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import orjson

from bench.result import make_result
from bench.workloads import Options, _register
from resolver.app import RunningNode, start_node
from resolver.config import Credential, default_config
from resolver.identifiers import parse_identifier
from resolver.integrity.signer import key_url
from resolver.tiers import Role
from resolver.write import store_prepared

__all__ = ["federation_faults"]

_EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "valid" / "ev-nmc811.jsonld"
_OPERATOR, _READER, _EU, _CN = "bench-operator", "bench-reader", "eu-token", "cn-token"
_PASSPORTS = 400  # on ent: 88.100.1/FF-000 ...
_LIMITS = {"per_second": 50, "burst": 100}  # eu's [federation.limits], per client
_LEGITIMATE = 3  # clients making legitimate lookups at once, with one credential
# Their lookups per second in all, under their credential's limit on eu: a client over its own
# limit would measure its own 429s, not what the flood costs it.
_LEGITIMATE_RATE = 40.0


def _sha(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Gate:
    """A TCP relay in front of a node: open (pass bytes), frozen (hold them), or dead (refuse)."""

    def __init__(self, target_port: int) -> None:
        self._target = target_port
        self._thawed = asyncio.Event()
        self._thawed.set()
        self._server: asyncio.Server | None = None
        self._links: set[asyncio.StreamWriter] = set()
        self.port = 0

    def freeze(self, frozen: bool = True) -> None:
        """Hold every byte from now on (``frozen``), or let them pass again."""
        if frozen:
            self._thawed.clear()
        else:
            self._thawed.set()

    async def open(self) -> None:
        self.freeze(False)
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def kill(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        for writer in list(self._links):
            writer.transport.abort()  # keep-alive connections die with the node
        self._links.clear()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._links.add(writer)
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self._target)
        except OSError:
            writer.transport.abort()
            return
        self._links.add(up_writer)
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, asyncio.IncompleteReadError):
            while chunk := await reader.read(65536):
                await self._thawed.wait()  # held, as by a node that stopped answering
                writer.write(chunk)
                await writer.drain()
        writer.transport.abort()
        self._links.discard(writer)


class _Clock:
    """eu's wall clock, moved forward to expire its copies without waiting (time.time + shift)."""

    def __init__(self) -> None:
        self.shift = 0.0

    def __call__(self) -> float:
        return time.time() + self.shift


@contextlib.asynccontextmanager
async def _node(
    tmp: Path,
    node_id: str,
    prefixes: list[str],
    federation: dict[str, Any],
    clock: Callable[[], float] = time.time,
    **extra: Any,
) -> AsyncIterator[RunningNode]:
    settings: dict[str, Any] = {
        "node_id": node_id,
        "prefixes": tuple(prefixes),
        "store": f"sqlite:///{tmp}/{node_id}.sqlite3",
        "workers": 1,
        "federation": federation,
        "data_dir": f"{tmp}/{node_id}-data",
    }
    settings.update(extra)
    running = await start_node(default_config(**settings), host="127.0.0.1", port=0, clock=clock)
    try:
        yield running
    finally:
        await running.stop()


async def _load(ent: RunningNode, handles: list[str]) -> None:
    ctx = ent.node
    template = orjson.loads(_EXAMPLE.read_bytes())
    for handle in handles:
        iri = f"https://hdl.handle.net/{handle}"
        prepared = await ctx.validator.prepare(
            orjson.dumps({**template, "id": iri, "passportIdentifier": iri})
        )
        key = parse_identifier(handle).key
        await store_prepared(
            ctx.store, key, prepared, current=None, expected_version=None, sealer=ctx.integrity
        )


def _peer(node_id: str, port: int, prefixes: list[str], **extra: Any) -> dict[str, Any]:
    return {
        "id": node_id,
        "base_urls": [f"http://127.0.0.1:{port}"],
        "prefixes": prefixes,
        "insecure": True,
        **extra,
    }


def _signing_keys(owner: RunningNode) -> dict[str, str]:
    """``owner``'s signing key as a peer entry pins it (verification method URL -> multibase)."""
    integrity = owner.node.integrity
    if integrity is None:
        raise RuntimeError(f"{owner.config.node_id} does not sign its passports")
    active = integrity.keyring.active
    return {key_url(owner.url, active.name): active.public_key_multibase}


def _accept(node_id: str, token: str, grant: str = "public") -> dict[str, Any]:
    return {"id": node_id, "base_urls": [f"https://{node_id}.invalid"], "accept_token": token, "grant": grant}


async def _timed(session: aiohttp.ClientSession, url: str, token: str | None = None) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    started = time.monotonic()
    async with session.get(url, headers=headers, allow_redirects=False) as resp:
        await resp.read()
        return {
            "status": resp.status,
            "ms": round((time.monotonic() - started) * 1000, 1),
            "source": resp.headers.get("Passport-Source", ""),
            "stale": "Warning" in resp.headers,
            "retry_after": resp.headers.get("Retry-After", ""),
        }


async def _until(check: Callable[[], Awaitable[bool]], bound: float) -> float | None:
    """Seconds until ``check`` holds (polled every 20 ms), None if it did not within ``bound``."""
    started = time.monotonic()
    while time.monotonic() - started < bound:
        if await check():
            return time.monotonic() - started
        await asyncio.sleep(0.02)
    return None


class _Federation:
    """The four nodes, the two gates and a client session (see the module docstring)."""

    def __init__(self, stack: contextlib.AsyncExitStack, tmp: Path) -> None:
        self.stack, self.tmp = stack, tmp
        self.clock = _Clock()
        self.handles = [f"88.100.1/FF-{i:03d}" for i in range(_PASSPORTS)]

    async def start(self) -> None:
        stack, tmp = self.stack, self.tmp
        self.session = await stack.enter_async_context(aiohttp.ClientSession())
        operator = Credential("operator", Role.OPERATOR, _sha(_OPERATOR), ("88.100.1",))
        ent_peers = [_accept("cn", _CN), _accept("eu", _EU), _accept("eu2", _EU)]
        self.ent = await stack.enter_async_context(
            _node(tmp, "ent", ["88.100.1"], {"peers": ent_peers}, credentials=(operator,), workers=2)
        )
        await _load(self.ent, self.handles)
        self.gate_ent = Gate(int(self.ent.url.rsplit(":", 1)[1]))
        await self.gate_ent.open()
        stack.push_async_callback(self.gate_ent.kill)
        cn_peers = [_peer("ent", self.gate_ent.port, ["88.100.1"], token=_CN, verify="identity")]
        cn_peers += [_accept("eu", _EU), _accept("eu2", _EU)]
        fast = {"failures": 2, "cooldown": 30, "probe_interval": 0.2}
        self.cn = await stack.enter_async_context(
            _node(tmp, "cn", ["88.100"], {"peers": cn_peers, "breaker": fast})
        )
        self.gate_cn = Gate(int(self.cn.url.rsplit(":", 1)[1]))
        await self.gate_cn.open()
        stack.push_async_callback(self.gate_cn.kill)
        reader = Credential("reader", Role.LEGITIMATE_INTEREST, _sha(_READER))
        eu_peers = [
            _peer("cn", self.gate_cn.port, ["88.100"], token=_EU),
            _peer("ent", self.gate_ent.port, [], learned=True, token=_EU),
        ]
        self.eu = await stack.enter_async_context(
            _node(
                tmp,
                "eu",
                ["21.11101"],
                {"peers": eu_peers, "breaker": fast, "limits": _LIMITS},
                clock=self.clock,
                credentials=(reader,),
            )
        )
        # ent is no peer of eu2, so eu2 cannot learn ent's key: it is pinned on the link that
        # reaches ent's passports (docs/integrity.md), else eu2 refuses them (unpinned-owner).
        relayed = {"owner": "ent", "keys": _signing_keys(self.ent)}
        eu2_peers = [_peer("cn", self.gate_cn.port, ["88.100.1"], token=_EU, verify="identity", **relayed)]
        self.eu2 = await stack.enter_async_context(_node(tmp, "eu2", ["21.11102"], {"peers": eu2_peers}))

    def url(self, handle: str) -> str:
        return f"{self.eu.url}/{handle}"

    async def patch_seen(self, node: RunningNode, handle: str) -> float | None:
        """Seconds from a PATCH of ``handle`` on ent until ``node`` serves the new version."""
        url = f"{node.url}/{handle}"
        async with self.session.get(url) as resp:
            before = resp.headers.get("ETag", "")
        body = orjson.dumps({"cycleCount": secrets.randbelow(1000) + 1})
        headers = {"Content-Type": "application/merge-patch+json", "Authorization": f"Bearer {_OPERATOR}"}
        async with self.session.patch(f"{self.ent.url}/{handle}", data=body, headers=headers) as resp:
            if resp.status != 200:
                raise RuntimeError(f"PATCH on ent answered {resp.status}: {await resp.text()}")

        async def changed() -> bool:
            async with self.session.get(url) as resp:
                return resp.headers.get("ETag", before) != before

        return await _until(changed, 10.0)


def _row(scenario: str, seen: dict[str, Any], cached: str) -> dict[str, Any]:
    return {"scenario": scenario, **seen, "cached": cached}


async def _scenarios(fed: _Federation) -> list[dict[str, Any]]:
    """Every row but the flood, in an order where each starts from what the last left."""
    h, rows = fed.handles, []
    first = await _timed(fed.session, fed.url(h[0]))
    rows.append(_row("first lookup through the relay (cn)", first, "copy kept; owner ent learned"))
    rows.append(_row("next lookup: owner learned", await _timed(fed.session, fed.url(h[1])), "copy kept"))
    for node, name in ((fed.eu, "eu, follows ent"), (fed.eu2, "eu2, through relay cn")):
        handle = h[6] if node is fed.eu else h[7]
        scenario = f"PATCH on ent seen on {name}"
        missing = await _copy_missing(fed.session, f"{node.url}/{handle}")
        if missing is not None:  # nothing to invalidate: the row says why, not a time
            rows.append(_row(scenario, missing, "no copy kept"))
            continue
        await _feeds_connected(node)
        took = await fed.patch_seen(node, handle)
        seen = {"status": 200 if took is not None else None, "ms": round(took * 1000, 1) if took else None}
        rows.append(_row(scenario, seen, "copy dropped by the feed"))
    fed.clock.shift += 301  # eu's copies of h[0], h[1] expire (max-age 300), stale window 300 s
    fed.gate_ent.freeze()
    rows.append(
        _row("peer frozen, cached copy", await _timed(fed.session, fed.url(h[0])), "stale copy served")
    )
    rows.append(_row("peer frozen, no copy", await _timed(fed.session, fed.url(h[2])), "nothing"))
    fed.gate_ent.freeze(False)
    await fed.gate_ent.kill()
    rows.append(
        _row("peer killed, cached copy", await _timed(fed.session, fed.url(h[1])), "stale copy served")
    )
    rows.append(_row("peer killed, no copy", await _timed(fed.session, fed.url(h[3])), "nothing"))
    await fed.gate_ent.open()
    back: dict[str, Any] = {}

    async def answered() -> bool:
        back.update(await _timed(fed.session, fed.url(h[4])))
        return bool(back["status"] == 200)

    took = await _until(answered, 15.0)
    back["ms"] = round(took * 1000, 1) if took is not None else None
    rows.append(_row("peer back: first 200 after it listens again", back, "copy kept"))
    # That 200 may have come through cn while eu's circuit to ent was still open; the next row
    # is about reaching ent itself, so eu's probes (every 0.2 s) get time to close it first.
    await asyncio.sleep(0.5)
    await fed.gate_cn.kill()
    rows.append(_row("relay down, owner up", await _timed(fed.session, fed.url(h[5])), "copy kept"))
    await fed.gate_cn.open()
    return rows


async def _copy_missing(session: aiohttp.ClientSession, url: str) -> dict[str, Any] | None:
    """None when the node keeps a copy of ``url`` (the lookup after the first is a cache hit);
    else that answer and why: a PATCH row must time a kept copy dropped, not a miss."""
    await _timed(session, url)  # the miss that keeps a copy
    async with session.get(url) as resp:
        body, source = await resp.read(), resp.headers.get("Passport-Source", "")
        if resp.status == 200 and source == "cache":
            return None
        why = f"no copy kept (source {source or 'none'})"
        if resp.status != 200 and body.startswith(b"{"):
            why = f"no copy kept: {orjson.loads(body).get('detail', '')}"
        return {"status": resp.status, "ms": None, "problem": why}


async def _feeds_connected(node: RunningNode) -> None:
    followers = node.node.followers
    if followers is None:
        raise RuntimeError(f"{node.config.node_id} follows no change feed")
    for follower in followers.followers.values():
        await asyncio.wait_for(follower.connected.wait(), 10)


async def _legitimate(fed: _Federation, handles: list[str], seconds: float) -> list[dict[str, Any]]:
    """Lookups of distinct passports (each a miss that reaches ent) by ``_LEGITIMATE`` clients
    for ``seconds`` or until ``handles`` are used up. No lookup starts before its slot (the n-th
    at n / ``_LEGITIMATE_RATE`` s): never more than that rate counted from the start, so their
    credential's bucket on eu (``_LIMITS``) never runs dry."""
    seen: list[dict[str, Any]] = []
    started = time.monotonic()
    stop = started + seconds
    queue = list(reversed(handles))
    slots = itertools.count()

    async def client() -> None:
        while queue and time.monotonic() < stop:
            due = started + next(slots) / _LEGITIMATE_RATE
            await asyncio.sleep(max(0.0, due - time.monotonic()))
            if not queue or time.monotonic() >= stop:
                return
            seen.append(await _timed(fed.session, fed.url(queue.pop()), token=_READER))

    await asyncio.gather(*(client() for _ in range(_LEGITIMATE)))
    return seen


async def _flood(fed: _Federation, stop: asyncio.Event, counts: dict[int, int]) -> None:
    async def one_client() -> None:
        while not stop.is_set():
            url = fed.url(f"88.100.1/FLOOD-{secrets.token_hex(8)}")
            with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                async with fed.session.get(url) as resp:
                    await resp.read()
                    counts[resp.status] = counts.get(resp.status, 0) + 1

    await asyncio.gather(*(one_client() for _ in range(16)))


def _summary(seen: list[dict[str, Any]]) -> dict[str, Any]:
    ok = sum(1 for s in seen if s["status"] == 200)
    times = [s["ms"] for s in seen]
    return {
        "lookups": len(seen),
        "ok": ok,
        "success": round(ok / len(seen), 4) if seen else None,
        "median_ms": round(statistics.median(times), 1) if times else None,
        "statuses": sorted({s["status"] for s in seen}),
    }


async def _flood_rows(fed: _Federation, seconds: float) -> dict[str, Any]:
    """The legitimate lookups alone (baseline), then with an anonymous 404 flood alongside."""
    pool = fed.handles[20:]
    half = len(pool) // 3  # the flood slows lookups down: the flooded run gets the larger share
    alone = _summary(await _legitimate(fed, pool[:half], seconds))
    stop, counts = asyncio.Event(), dict[int, int]()
    flood = asyncio.get_running_loop().create_task(_flood(fed, stop, counts))
    await asyncio.sleep(0.2)  # the flood is under way before the first legitimate lookup
    flooded = _summary(await _legitimate(fed, pool[half:], seconds))
    stop.set()
    await flood
    return {
        "legitimate_per_second": _LEGITIMATE_RATE,
        "alone": alone,
        "flooded": flooded,
        "flood_statuses": {str(k): v for k, v in sorted(counts.items())},
    }


async def _measure(seconds: float) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    with tempfile.TemporaryDirectory() as tmp:
        async with contextlib.AsyncExitStack() as stack:
            fed = _Federation(stack, Path(tmp))
            await fed.start()
            rows = await _scenarios(fed)
            flood = await _flood_rows(fed, seconds)
            return rows, flood


def federation_faults(options: Options) -> dict[str, Any]:
    rows, flood = asyncio.run(_measure(min(options.seconds, 10.0)))
    success = flood["flooded"]["success"]
    baseline = flood["alone"]["success"]
    ratio = success / baseline if success is not None and baseline else None
    notes = [
        f"{r['scenario']}: HTTP {r['status']} in {r['ms']} ms"
        + (f" (source {r['source']})" if r.get("source") else "")
        + (" stale" if r.get("stale") else "")
        + (f", Retry-After {r['retry_after']}" if r.get("retry_after") else "")
        + (f" ({r['problem']})" if r.get("problem") else "")
        for r in rows
    ]
    a, f = flood["alone"], flood["flooded"]
    notes.append(
        f"404 flood: legitimate lookups ({_LEGITIMATE} clients, one credential, paced at "
        f"{_LEGITIMATE_RATE:g}/s in all; eu's limit {_LIMITS['per_second']}/s) "
        f"{f['ok']}/{f['lookups']} ok ({f['success']}), "
        f"median {f['median_ms']} ms; "
        f"without the flood {a['ok']}/{a['lookups']} ({a['success']}), median {a['median_ms']} ms; "
        f"flood answers {flood['flood_statuses']}"
    )
    return make_result(
        "federation-faults",
        value=success,
        unit="share of legitimate lookups answered during a 404 flood",
        baseline=baseline,
        ratio=ratio,
        target=">= 0.99 of legitimate lookups succeed during the flood",
        met=None if success is None else success >= 0.99,
        details={"rows": rows, "flood": flood},
        commands=[f"python -m bench federation-faults --seconds {options.seconds:g}"],
        notes=notes,
    )


_register(
    "federation-faults",
    "share of legitimate lookups answered during a 404 flood",
    ">= 0.99 of legitimate lookups succeed during the flood",
    federation_faults,
)
