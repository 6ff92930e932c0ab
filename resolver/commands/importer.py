"""``passport-node import``: load many passports, validated in parallel, into a store or a node.

Sources are files (one document, a JSON array, or JSON Lines), directories (every ``*.jsonld``,
``*.json``, ``*.jsonl`` under them) or ``-`` (stdin). Safe to run again after an interruption:
a passport whose stored version has the same content is counted as unchanged, not rewritten.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import resource
import signal
import sys
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, TypeVar

import orjson

from resolver.commands import Subparsers
from resolver.commands.serve import config_from_args
from resolver.config import ConfigError, NodeConfig
from resolver.errors import InvalidIdentifier, PreconditionFailed, ResolverError
from resolver.identifiers import claims, parse_identifier
from resolver.jsontypes import JSONObject
from resolver.profile import PROFILES
from resolver.write import Import, WriteOutcome, import_prepared_many

if TYPE_CHECKING:  # types only: the validation package is imported where the import runs
    from resolver.commands.import_proofs import NodeKeys
    from resolver.parts.integrity import Integrity
    from resolver.stores.base import Store
    from resolver.tiers import Tier
    from resolver.translog.entry import LogEntry
    from resolver.validation import Validator
    from resolver.validation.report import PreparedPassport, ValidationReport

__all__ = ["Item", "Summary", "add_parser", "read_sources", "run"]

_SUFFIXES = (".jsonld", ".json", ".jsonl", ".ndjson")
# Passports per worker task: amortises the pool's per-task cost (pickling, queues, wake-ups)
# while keeping the progress bar and the store writes flowing.
_BATCH = 32
_T = TypeVar("_T")


def add_parser(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "import",
        help="load passports in bulk (validated) into the store or a running node",
        description=(
            "Validate and store many passports. Into the configured store directly (default), or "
            "into a running node with --node URL --token T (one PUT per passport)."
        ),
    )
    parser.add_argument("sources", nargs="+", metavar="FILE|DIR|-", help="what to import ('-' is stdin)")
    parser.add_argument("--config", type=Path, help="the node's configuration (store, prefixes)")
    parser.add_argument("--store", help="store URL, overriding the configuration")
    parser.add_argument("--node", help="base URL of a running node to PUT into, instead of a store")
    parser.add_argument("--token", help="operator token for --node")
    parser.add_argument("--workers", type=int, help="validator worker processes (default: one per CPU)")
    parser.add_argument("--concurrency", type=int, default=16, help="PUTs in flight with --node (default 16)")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.add_argument(
        "--format",
        default="jsonld",
        help="input format: auto (told per document), jsonld (default), "
        "catenax (BatteryPass 5.0.0/6.0.0/6.1.0), openepcis, "
        "untp (UNTP DPP credential 0.5.0+), batterypass (Battery Pass consortium 1.2/1.3, UTF-8 or UTF-16), "
        "aas (IDTA-02035-1 battery nameplate submodel, AAS 3.0 JSON), "
        "pact (PACT ProductFootprint 2.x/3.x: feeds the carbon footprint of the passports it names)",
    )
    parser.add_argument(
        "--id",
        dest="passport_id",
        metavar="IDENTIFIER",
        help="for --format batterypass: the stored passport the aspects are for (handle, GS1 Digital "
        "Link, GB/T 34014 code or IRI), which they are merged into; needed for an aspect without "
        "GeneralProductInformation (docs/adapters.md, Battery Pass)",
    )
    parser.add_argument(
        "--kwh-per-kg",
        type=float,
        help="for --format pact: kWh of battery energy per kg of the supplier's product, to convert "
        "a footprint declared per kilogram (docs/adapters.md, PACT)",
    )
    parser.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="progress bar on stderr (default: when stderr is a terminal)",
    )
    # ``validator``: a started Validator the import validates on and leaves open, instead of
    # starting its own pool (~1 CPU-s of a spawned worker's imports). Not an option: only a
    # caller in the same process (a test, through resolver.cli's parser) can hand one over.
    parser.set_defaults(run=run, validator=None)


@dataclass(frozen=True, slots=True)
class Item:
    """One passport to import: where it came from (file, file:line, stdin:N), its bytes, and
    the operator proofs taken off them (checked and kept by the write path, as on PUT)."""

    source: str
    body: bytes
    proofs: tuple[JSONObject, ...] = ()
    readings: tuple[JSONObject, ...] = ()  # dynamic data for the lifecycle events (operational files)


@dataclass
class Summary:
    """Counts and reasons, filled as the import runs."""

    created: int = 0
    replaced: int = 0
    unchanged: int = 0
    rejections: list[dict[str, str]] = field(default_factory=list)
    unmapped: dict[str, list[str]] = field(default_factory=dict)  # source -> fields not mapped
    issuers: dict[str, dict[str, str]] = field(default_factory=dict)  # source -> its issuer
    readings: int = 0  # readings of dynamic data stored as lifecycle events
    readings_refused: dict[str, str] = field(default_factory=dict)  # source -> why (passport kept)
    started: float = field(default_factory=time.monotonic)

    @property
    def accepted(self) -> int:
        return self.created + self.replaced + self.unchanged

    @property
    def done(self) -> int:
        return self.accepted + len(self.rejections)

    def reject(self, item: Item, reason: str, handle: str = "") -> None:
        self.rejections.append({"source": item.source, "handle": handle, "reason": reason})

    def to_json(self) -> dict[str, Any]:
        seconds = time.monotonic() - self.started
        return {
            "accepted": self.accepted,
            "created": self.created,
            "replaced": self.replaced,
            "unchanged": self.unchanged,
            "rejected": len(self.rejections),
            "rejections": sorted(self.rejections, key=lambda r: r["source"]),
            "seconds": round(seconds, 3),
            "per_second": round(self.done / seconds, 1) if seconds > 0 else None,
            "cpu_seconds": _cpu_seconds(),
            **({"unmapped": self.unmapped} if self.unmapped else {}),
            **({"issuers": self.issuers} if self.issuers else {}),
            **({"readings_to_events": self.readings} if self.readings else {}),
            **({"readings_refused": self.readings_refused} if self.readings_refused else {}),
        }


def _cpu_seconds() -> dict[str, float]:
    """CPU time (user + system) of this process and of its children that have ended (the
    validator workers, once the pool is shut down): on a shared machine, a steadier figure of
    the import's cost than its wall time."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "importer": round(own.ru_utime + own.ru_stime, 3),
        "workers": round(children.ru_utime + children.ru_stime, 3),
    }


def read_sources(sources: list[str], stdin: Any = None) -> list[Item]:
    """Every passport in ``sources``, in order; unreadable inputs raise ValueError naming them."""
    items: list[Item] = []
    for source in sources:
        if source == "-":
            data = (stdin or sys.stdin.buffer).read()
            items.extend(_split("stdin", data))
            continue
        path = Path(source)
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in _SUFFIXES)
            for file in files:
                items.extend(_split(str(file), file.read_bytes(), lines=file.suffix in (".jsonl", ".ndjson")))
        elif path.is_file():
            items.extend(_split(str(path), path.read_bytes(), lines=path.suffix in (".jsonl", ".ndjson")))
        else:
            raise ValueError(f"{source}: no such file or directory")
    return items


def _split(label: str, data: bytes, *, lines: bool = False) -> Iterator[Item]:
    """One document, a JSON array of documents, or JSON Lines (UTF-8 or UTF-16, read as UTF-8)."""
    from resolver.adapters.formats import to_utf8

    try:
        data = to_utf8(data)
    except ResolverError:
        yield Item(label, data)  # refused later, the encoding named
        return
    stripped = data.lstrip()
    if not lines and stripped.startswith(b"["):
        try:
            documents = orjson.loads(data)
        except orjson.JSONDecodeError:
            yield Item(label, data)  # refused later with the parser's reason
            return
        for i, document in enumerate(documents, 1):
            yield Item(f"{label}[{i}]", orjson.dumps(document))
        return
    if not lines:
        try:
            orjson.loads(data)
        except orjson.JSONDecodeError:
            lines = stripped.count(b"\n") > 0 and stripped.startswith(b"{")
        if not lines:
            yield Item(label, data)
            return
    for number, line in enumerate(data.splitlines(), 1):
        if line.strip():
            yield Item(f"{label}:{number}", line)


class Progress:
    """A one-line progress bar on stderr, redrawn at most ten times a second."""

    def __init__(self, total: int, summary: Summary, *, stream: TextIO, enabled: bool) -> None:
        self.total = total
        self.summary = summary
        self.stream = stream
        self.enabled = enabled
        self._last = 0.0

    def update(self, *, final: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if not final and now - self._last < 0.1:
            return
        self._last = now
        s = self.summary
        elapsed = max(now - s.started, 1e-6)
        width = 30
        filled = int(width * s.done / self.total) if self.total else width
        bar = "#" * filled + "." * (width - filled)
        line = (
            f"\rimport [{bar}] {s.done}/{self.total}  accepted {s.accepted}  rejected {len(s.rejections)}"
            f"  {s.done / elapsed:.0f}/s"
        )
        self.stream.write(line + ("\n" if final else ""))
        self.stream.flush()


def run(args: argparse.Namespace) -> int:
    from resolver.commands.import_proofs import node_keys

    try:
        config = config_from_args(args)
        items = read_sources(args.sources)
        keys = node_keys(config)  # signatures by this node's or a pinned peer's keys are checked
    except (ConfigError, ValueError, OSError) as err:
        print(f"passport-node import: {err}", file=sys.stderr)
        return 2
    if args.node and not args.token:
        print("passport-node import: --node needs --token (an operator's token)", file=sys.stderr)
        return 2
    summary = Summary()
    fmt = getattr(args, "format", "jsonld")
    passport_id = getattr(args, "passport_id", None)
    if passport_id is not None and fmt != "batterypass":
        print(
            "passport-node import: --id is for --format batterypass (aspects of a stored passport)",
            file=sys.stderr,
        )
        return 2
    import uvloop

    if fmt == "pact":  # footprints become the passports they feed, then imported as JSON-LD
        items, fmt = uvloop.run(_footprints(items, config, args, summary)), "jsonld"
    elif passport_id is not None:  # aspects merged into the passport they are for, then as JSON-LD
        items, fmt = uvloop.run(_aspects(items, passport_id, config, args, summary)), "jsonld"
    items = _converted(items, fmt, summary, own_methods=_own_methods(config, args), keys=keys)
    enabled = args.progress if args.progress is not None else sys.stderr.isatty()
    progress = Progress(len(items), summary, stream=sys.stderr, enabled=enabled)

    try:
        if args.node:
            uvloop.run(
                _into_node(items, args.node.rstrip("/"), args.token, args.concurrency, summary, progress)
            )
        else:
            uvloop.run(_into_store(items, config, summary, progress, args.validator))
    except (Interrupted, KeyboardInterrupt) as err:
        progress.update(final=True)
        how = f"after the passports in hand ({err})" if isinstance(err, Interrupted) else "at once"
        print(f"passport-node import: interrupted {how}; run it again to import the rest", file=sys.stderr)
        _print_summary(summary, as_json=args.json, total=len(items))
        return 130
    except ResolverError as err:
        progress.update(final=True)
        print(f"passport-node import: {err.detail}", file=sys.stderr)
        _print_summary(summary, as_json=args.json)
        return 1
    progress.update(final=True)
    _print_summary(summary, as_json=args.json)
    return 0 if not summary.rejections else 1


def _converted(
    items: list[Item],
    fmt: str,
    summary: Summary,
    *,
    own_methods: str | None,
    keys: NodeKeys | None = None,
) -> list[Item]:
    """Items converted from ``fmt`` to JSON-LD; those that cannot be are rejected with the
    reason, and the fields each conversion could not map are kept for the summary.

    A passport in our JSON-LD keeps its operator's proof: it is taken off the body here and
    checked by the write path (resolver.write.import_prepared), as a PUT checks it.
    ``own_methods``: this node's key URLs (None: into a node, which takes the proof off the
    body it is PUT, or unsigned); a proof by them is dropped, since the node signs anew.
    ``keys``: this node's and its pinned peers' keys: a proof or vc+jwt by one of them is
    checked first (resolver/commands/import_proofs.py), and what was found is kept for the
    summary (``issuers``); one that does not verify rejects the item.
    """
    from resolver.adapters.formats import convert, detect, to_utf8
    from resolver.commands.import_proofs import node_proofs
    from resolver.integrity.operator import carried_proofs

    out = []
    for item in items:
        proofs: tuple[JSONObject, ...] = ()
        try:
            body = item.body
            ours = fmt == "jsonld" or (fmt == "auto" and _detected(to_utf8(body), detect) == "jsonld")
            if ours:
                body = to_utf8(body)
                if keys is not None:
                    body, said = node_proofs(body, keys)
                    if said:
                        summary.issuers[item.source] = {"proof": "; ".join(said)}
                if own_methods is None:  # into a node: the body goes as it is, proof and all
                    out.append(Item(item.source, body))
                    continue
                body, proofs = carried_proofs(body, "application/ld+json", own_methods=own_methods)
            converted = convert(fmt, body, known=keys.known if keys is not None else None)
        except ResolverError as err:
            summary.reject(item, err.detail)
            continue
        if converted.unmapped:
            summary.unmapped[item.source] = list(converted.unmapped)
        if converted.issuer:
            summary.issuers[item.source] = dict(converted.issuer)
        out.append(Item(item.source, converted.body, proofs, converted.readings))
    return out


async def _footprints(
    items: list[Item], config: NodeConfig, args: argparse.Namespace, summary: Summary
) -> list[Item]:
    """PACT footprints: the passports they feed, each with the footprint in its carbon footprint."""
    from resolver.commands import import_footprints

    given = [(item.source, item.body) for item in items]
    kwh_per_kg = getattr(args, "kwh_per_kg", None)
    if args.node:
        fed = await import_footprints.from_node(
            given, args.node.rstrip("/"), args.token, kwh_per_kg=kwh_per_kg
        )
    else:
        fed = await import_footprints.from_store(given, config, kwh_per_kg=kwh_per_kg)
    for source, reason in fed.refused:
        summary.reject(Item(source, b""), reason)
    summary.unmapped.update(fed.unmapped)
    return [Item(source, body) for source, body in fed.passports]


async def _aspects(
    items: list[Item], identifier: str, config: NodeConfig, args: argparse.Namespace, summary: Summary
) -> list[Item]:
    """Battery Pass aspects: the stored passport ``identifier`` names, with them merged in."""
    from resolver.commands import import_aspects

    given = [(item.source, item.body) for item in items]
    if args.node:
        fed = await import_aspects.from_node(given, identifier, args.node.rstrip("/"), args.token)
    else:
        fed = await import_aspects.from_store(given, identifier, config)
    for source, reason in fed.refused:
        summary.reject(Item(source, b""), reason)
    summary.unmapped.update(fed.unmapped)
    return [Item(source, body) for source, body in fed.passports]


def _detected(body: bytes, detect: Callable[[object], str]) -> str | None:
    try:
        return detect(orjson.loads(body))
    except orjson.JSONDecodeError:
        return None  # not JSON: the conversion says so


def _own_methods(config: NodeConfig, args: argparse.Namespace) -> str | None:
    """The prefix of this node's verification methods when importing into its store ("" when it
    does not sign: no proof is its own), None when importing into a running node."""
    if args.node:
        return None
    if not config.integrity.sign:
        return ""
    from resolver.integrity.signer import key_url
    from resolver.parts.integrity import node_base_url

    return key_url(node_base_url(config), "")


def _print_summary(summary: Summary, *, as_json: bool, total: int | None = None) -> None:
    data = summary.to_json()
    if total is not None:  # interrupted: say how much was left
        data["interrupted"] = True
        data["not_done"] = total - summary.done
    if as_json:
        sys.stdout.write(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode() + "\n")
        return
    print(
        f"{summary.done} passport(s) in {data['seconds']} s: {summary.accepted} accepted "
        f"({summary.created} created, {summary.replaced} replaced, {summary.unchanged} unchanged), "
        f"{len(summary.rejections)} rejected"
    )
    for rejection in sorted(summary.rejections, key=lambda r: r["source"]):
        handle = f" {rejection['handle']}:" if rejection["handle"] else ""
        print(f"  rejected {rejection['source']}:{handle} {rejection['reason']}")
    for source, fields in sorted(summary.unmapped.items()):
        print(f"  not mapped from {source}: {', '.join(fields)}")
    for source, issuer in sorted(summary.issuers.items()):  # signatures: verified, or not checked
        for what in ("proof", "envelope"):
            if what in issuer:
                print(f"  signature of {source}: {issuer[what]}")
    if summary.readings:
        print(f"  {summary.readings} reading(s) of dynamic data went to the passports' lifecycle events")
    for source, reason in sorted(summary.readings_refused.items()):
        print(f"  readings of {source} not stored (its passport was): {reason}")


async def _run_all(items: list[_T], concurrency: int, work: Callable[[_T], Awaitable[None]]) -> None:
    """Run ``work`` over ``items`` with at most ``concurrency`` in flight, in input order.

    The first Ctrl-C (SIGINT) stops taking new items: those in hand are finished, and
    ``Interrupted`` is raised then. A second Ctrl-C interrupts at once (KeyboardInterrupt).
    """
    queue: asyncio.Queue[_T] = asyncio.Queue()
    for item in items:
        queue.put_nowait(item)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()

    def first_interrupt() -> None:
        stop.set()
        loop.remove_signal_handler(signal.SIGINT)  # the next Ctrl-C is the default one
        print("\npassport-node import: interrupted; finishing the passports in hand", file=sys.stderr)

    with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):  # no signals off the main thread
        loop.add_signal_handler(signal.SIGINT, first_interrupt)

    async def worker() -> None:
        while not stop.is_set():
            try:
                item = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            await work(item)

    try:
        async with asyncio.TaskGroup() as group:
            for _ in range(max(1, min(concurrency, len(items)))):
                group.create_task(worker())
    finally:
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.remove_signal_handler(signal.SIGINT)
    if stop.is_set() and not queue.empty():
        raise Interrupted(f"{queue.qsize()} not started")


def _body(item: Item) -> bytes:
    return item.body


class Interrupted(Exception):
    """The import was stopped by Ctrl-C after finishing what it had in hand."""


def _reasons(report: ValidationReport) -> str:
    results = [r for r in report.results if r.severity == "Violation"] or list(report.results)
    shown = "; ".join(r.message for r in results[:3])
    more = f" (+{len(results) - 3} more)" if len(results) > 3 else ""
    return f"does not conform: {shown}{more}"


async def _into_store(
    items: list[Item],
    config: NodeConfig,
    summary: Summary,
    progress: Progress,
    shared: Validator | None = None,
) -> None:
    from resolver.linked.imports import LinkedImport, phases
    from resolver.parts.integrity import open_integrity
    from resolver.stores import open_store
    from resolver.validation import Validator

    store = await open_store(config.store)
    validator = shared if shared is not None else Validator(workers=config.workers)
    sealing = contextlib.AsyncExitStack()  # closed in the finally below, entered or not
    try:
        sealer = await sealing.enter_async_context(open_integrity(config))
        record = None
        if any(item.readings for item in items):
            from resolver.commands.import_readings import into_store

            record = await sealing.enter_async_context(into_store(config, store))
        await validator.start()
        writer = _StoreWriter(store, config, summary, progress, sealer, record)

        async def batch(part: tuple[str, list[Item]]) -> None:
            profile, chunk = part
            outcomes = await validator.prepare_batch([item.body for item in chunk], profile=profile)
            await writer.batch(list(zip(chunk, outcomes, strict=True)))

        # Passports go to the workers in batches (one task and one result message per batch,
        # not per passport); enough batches in flight to keep every worker busy while the
        # parent writes to the store.
        parts = phases(items, _body)  # linked passports last (resolver/linked/imports.py)
        await _run_all(_chunks(parts.plain, config), validator.workers * 3, batch)
        linked = LinkedImport(validator, store, case_sensitive=config.case_sensitive)

        async def single(item: Item) -> None:  # a model or batch, then the items that name them
            await writer.one(item, await linked.prepare(item.body, profile=_profile_of(item.body, config)))

        for part in (parts.shared, parts.linked):
            if part:
                await _run_all(part, validator.workers * 3, single)
    finally:
        if validator is not shared:
            with contextlib.suppress(Exception):
                await validator.aclose()
        await sealing.aclose()
        await store.aclose()


class _StoreWriter:
    """Writes the import's prepared passports into the store through the one write path
    (resolver.write), counting each in the summary; one lock per key, so that the
    same passport given twice is written once, then found unchanged."""

    def __init__(
        self,
        store: Store,
        config: NodeConfig,
        summary: Summary,
        progress: Progress,
        sealer: Integrity | None,
        record: Callable[[str, Sequence[JSONObject]], Awaitable[int]] | None,
    ) -> None:
        self.store, self.config, self.summary, self.progress = store, config, summary, progress
        self.sealer, self.record = sealer, record
        self.locks: dict[str, asyncio.Lock] = {}

    def admit(self, item: Item, prepared: PreparedPassport | ResolverError) -> tuple[str, str] | None:
        """(key, profile of its prefix) of a passport to write; else it is rejected (None)."""
        summary, config = self.summary, self.config
        if isinstance(prepared, ResolverError):
            summary.reject(item, prepared.detail)
        elif not prepared.report.conforms or not prepared.views:
            summary.reject(item, _reasons(prepared.report), prepared.iri)
        else:
            try:
                key = parse_identifier(prepared.iri, case_sensitive=config.case_sensitive).key
            except InvalidIdentifier as err:
                summary.reject(
                    item, f"its @id is not an identifier this node serves: {err.detail}", prepared.iri
                )
                return None
            prefix = next((p for p in config.prefixes if claims(p, key)), None)
            if prefix is not None:
                return key, config.profile_for(prefix)
            summary.reject(item, f"not under this node's prefixes ({', '.join(config.prefixes)})", key)
        return None

    async def one(self, item: Item, prepared: PreparedPassport | ResolverError) -> None:
        """Write one passport (a linked import's model, batch or item)."""
        admitted = self.admit(item, prepared)
        if admitted is not None and not isinstance(prepared, ResolverError):
            key, profile = admitted
            async with self.locks.setdefault(key, asyncio.Lock()):
                one = Import(key, prepared, item.proofs, profile)
                [outcome] = await import_prepared_many(self.store, [one], sealer=self.sealer)
                await self.count(item, key, outcome)
        self.progress.update()

    async def batch(self, pairs: list[tuple[Item, PreparedPassport | ResolverError]]) -> None:
        """Write a worker's batch: the new passports in one store call (import_prepared_many),
        their log entries in one append once they are stored (_BatchSealer)."""
        admitted: list[tuple[Item, Import]] = []
        for item, prepared in pairs:
            found = self.admit(item, prepared)
            if found is None or isinstance(prepared, ResolverError):
                self.progress.update()
                continue
            admitted.append((item, Import(found[0], prepared, item.proofs, found[1])))
        batched = _BatchSealer(self.sealer) if self.sealer is not None else None
        try:
            async with contextlib.AsyncExitStack() as held:
                for key in sorted({one.key for _, one in admitted}):  # in order: no deadlock
                    await held.enter_async_context(self.locks.setdefault(key, asyncio.Lock()))
                outcomes = await import_prepared_many(
                    self.store, [one for _, one in admitted], sealer=batched
                )
                for (item, one), outcome in zip(admitted, outcomes, strict=True):
                    await self.count(item, one.key, outcome)
                    self.progress.update()
        finally:
            if batched is not None:
                await batched.flush()

    async def count(self, item: Item, key: str, outcome: WriteOutcome | ResolverError) -> None:
        """Count the outcome of one write (and store the item's readings once it is stored)."""
        summary = self.summary
        if isinstance(outcome, PreconditionFailed):
            summary.reject(item, "changed by another writer during the import; run it again", key)
            return
        if isinstance(outcome, ResolverError):  # a proof that does not verify, another profile
            summary.reject(item, outcome.detail, key)
            return
        if not outcome.changed:
            summary.unchanged += 1
        elif outcome.created:
            summary.created += 1
        else:
            summary.replaced += 1
        if self.record is not None and item.readings:
            await _record(summary, item, self.record(key, item.readings))


class _BatchSealer:
    """The node's sealer for one batch of an import: each version's views are signed as on any
    write; the batch's log entries are kept and appended together by :meth:`flush` once the
    batch is stored (Integrity.log_versions: one append instead of one per passport)."""

    def __init__(self, integrity: Integrity) -> None:
        self._integrity = integrity
        self._entries: list[LogEntry] = []

    def sign_views(
        self, views: Mapping[Tier, bytes], nquads: Mapping[Tier, bytes] | None
    ) -> tuple[dict[Tier, bytes], Callable[[str, int, float], LogEntry]]:
        return self._integrity.sign_views(views, nquads)

    async def log_version(self, entry: LogEntry) -> int | None:
        self._entries.append(entry)
        return None  # known at the flush; an import does not report it

    async def flush(self) -> None:
        entries, self._entries = self._entries, []
        await self._integrity.log_versions(entries)


def _chunks(items: list[Item], config: NodeConfig) -> list[tuple[str, list[Item]]]:
    """``items`` in batches for the workers, each batch of one profile: the one the node's
    configuration chooses for the prefix of its passports' @id (docs/cn-profile.md)."""
    by_profile: dict[str, list[Item]] = {}
    for item in items:
        by_profile.setdefault(_profile_of(item.body, config), []).append(item)
    return [
        (profile, part[i : i + _BATCH])
        for profile, part in by_profile.items()
        for i in range(0, len(part), _BATCH)
    ]


def _profile_of(body: bytes, config: NodeConfig) -> str:
    """The profile the configuration gives the prefix of the passport's @id (NodeConfig.profile_of)."""
    if not config.profiles:
        return PROFILES[0]
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError:
        return PROFILES[0]  # refused when read
    return config.profile_of(
        (document.get("@id") or document.get("id")) if isinstance(document, dict) else None
    )


async def _record(summary: Summary, item: Item, recording: Awaitable[int]) -> None:
    """Count the readings stored as events, or keep why they were not (the passport stays)."""
    from resolver.commands.import_readings import ReadingsRefused

    try:
        summary.readings += await recording
    except ReadingsRefused as err:
        summary.readings_refused[item.source] = str(err)


async def _into_node(
    items: list[Item], node: str, token: str, concurrency: int, summary: Summary, progress: Progress
) -> None:
    import aiohttp

    from resolver.commands.import_readings import into_node
    from resolver.http.passports import location_path
    from resolver.linked.imports import phases

    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/ld+json"}
    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(timeout=timeout, headers=headers) as session:

        async def one(item: Item) -> None:
            handle = ""
            try:
                document = orjson.loads(item.body)
                iri = (document.get("@id") or document.get("id")) if isinstance(document, dict) else None
                if not isinstance(iri, str):
                    raise ValueError("the document has no @id")
                # The node compares the @id with the path as written: a lower-case suffix is
                # PUT as written, not as the (upper-cased) store key.
                handle = parse_identifier(iri).written
            except (orjson.JSONDecodeError, ValueError, InvalidIdentifier) as err:
                reason = err.detail if isinstance(err, ResolverError) else str(err)
                summary.reject(item, reason)
                progress.update()
                return
            try:
                async with session.put(node + location_path(handle), data=item.body) as response:
                    raw = await response.read()
                    answer = orjson.loads(raw) if raw else {}
                    if response.status in (200, 201) and item.readings:
                        url = node + location_path(handle) + "/events"
                        await _record(summary, item, into_node(session, url, item.readings))
                    if response.status == 201:
                        summary.created += 1
                    elif response.status == 200:
                        if answer.get("changed", True):
                            summary.replaced += 1
                        else:
                            summary.unchanged += 1
                    else:
                        detail = answer.get("detail") or response.reason or "refused"
                        summary.reject(item, f"{response.status}: {detail}", handle)
            except (aiohttp.ClientError, TimeoutError, orjson.JSONDecodeError) as err:
                summary.reject(item, f"the node did not answer usably: {err!r}", handle)
            progress.update()

        parts = phases(items, _body)  # an item after the model and batch it names
        for part in (parts.first(), parts.linked):
            if part:
                await _run_all(part, concurrency, one)
