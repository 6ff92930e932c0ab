"""``passport-node export``: every current passport of the store, as JSON Lines or one file each.

Reads the configured store directly: the public view by default; ``--tier`` raises it for a
caller whose ``--token`` is a configured credential allowed that tier. The authority view
(every property) can be imported again.
"""

from __future__ import annotations

import argparse
import dataclasses
import re
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import orjson

from resolver.commands import Subparsers
from resolver.config import ConfigError, NodeConfig, default_config, load_config
from resolver.errors import ResolverError
from resolver.tiers import Tier

if TYPE_CHECKING:
    from resolver.adapters.formats import Exported
    from resolver.lifecycle.eventstore import EventStore
    from resolver.lifecycle.feed import WarningFeed

__all__ = ["ExportNotes", "add_parser", "file_name", "run"]

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")
_PAGE = 500
_JSONLD_FORMATS = ("jsonld", "openepcis")


def add_parser(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "export",
        help="write the stored passports out",
        description="Export current passports (tombstones skipped) from the configured store.",
    )
    parser.add_argument("--prefix", default="", help="only handles under this prefix (88.100.1, 01/0952123)")
    parser.add_argument(
        "--out", default="-", help="a directory (one .jsonld per passport) or - for JSON Lines"
    )
    parser.add_argument(
        "--tier",
        default=Tier.PUBLIC.label,
        choices=[t.label for t in Tier],
        help="which view (default: public; a higher tier needs --token)",
    )
    parser.add_argument("--token", help="a credential of the configuration that may see --tier")
    parser.add_argument(
        "--format",
        default="jsonld",
        choices=_export_formats(),
        help="jsonld (default: the stored view, with its proof), untp (a UNTP DPP credential, "
        "enveloped as vc+jwt and signed with the node's key when it signs), aas (the IDTA-02035 "
        "battery passport submodels Part 1 nameplate, 3 carbon footprint, 4 technical data, 6 "
        "material composition and 7 circularity, AAS 3.0 JSON), catenax "
        "(BatteryPass 6.1.0) or pact (a PACT 2.3 ProductFootprint of the cradle-to-gate carbon "
        "footprint; passports without one are skipped), openepcis (an OpenEPCIS battery passport) or "
        "batterypass (the Battery Pass GeneralProductInformation aspect); the view's proof is "
        "carried over only by jsonld",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help="print the summary as JSON (what each passport's format could not hold): on stdout "
        "with --out DIR, on stderr when the passports go to stdout",
    )
    parser.add_argument("--config", type=Path, help="the node's configuration (its store)")
    parser.add_argument("--store", help="store URL, overriding the configuration")
    parser.set_defaults(run=run)


def _export_formats() -> list[str]:
    from resolver.adapters.formats import EXPORTS

    return list(EXPORTS)


def file_name(key: str, suffix: str = ".jsonld") -> str:
    """A file name for a passport key: unsafe characters become '_', and the key stays readable."""
    return _UNSAFE.sub("_", key) + suffix


def run(args: argparse.Namespace) -> int:
    try:
        config = load_config(args.config) if args.config else default_config()
        if args.store:
            config = dataclasses.replace(config, store=args.store)
        tier = _allowed_tier(config, Tier.from_label(args.tier), args.token)
    except ConfigError as err:
        print(f"passport-node export: {err}", file=sys.stderr)
        return 2
    import uvloop

    fmt = getattr(args, "format", "jsonld")
    notes = ExportNotes()
    try:
        count = uvloop.run(_export(config, args.prefix, args.out, tier, fmt, notes=notes))
    except BrokenPipeError:
        _quiet_stdout()  # the reader (head, a pager) has had enough
        return 0
    except (ResolverError, OSError) as err:
        detail = err.detail if isinstance(err, ResolverError) else str(err)
        print(f"passport-node export: {detail}", file=sys.stderr)
        return 1
    if getattr(args, "json", False):
        summary = orjson.dumps(notes.to_json(fmt, count), option=orjson.OPT_INDENT_2).decode()
        print(summary, file=sys.stderr if args.out == "-" else sys.stdout)
        return 0
    print(f"exported {count} passport(s)", file=sys.stderr)
    for said, counted in (
        (f"not written in {fmt}", notes.not_written),
        (f"written under our own IRI in {fmt} (no term of the format)", notes.own_iri),
    ):
        if counted:
            terms = ", ".join(f"{term} ({n})" for term, n in sorted(counted.items()))
            print(f"{said} (passports): {terms}", file=sys.stderr)
    return 0


@dataclasses.dataclass
class ExportNotes:
    """What an export could not carry: per term, how many passports had it (``not_written``: left
    out; ``own_iri``: written under our IRI, which the format does not define), and per passport
    key, its terms."""

    not_written: Counter[str] = dataclasses.field(default_factory=Counter)
    own_iri: Counter[str] = dataclasses.field(default_factory=Counter)
    passports: dict[str, dict[str, list[str]]] = dataclasses.field(default_factory=dict)

    def add(self, key: str, exported: Exported) -> None:
        self.not_written.update(exported.not_written)
        self.own_iri.update(exported.own_iri)
        entry = {"not_written": list(exported.not_written), "own_iri": list(exported.own_iri)}
        if exported.not_written or exported.own_iri:
            self.passports[key] = {name: terms for name, terms in entry.items() if terms}

    def to_json(self, fmt: str, count: int) -> dict[str, object]:
        return {
            "format": fmt,
            "exported": count,
            "not_written": dict(sorted(self.not_written.items())),
            "own_iri": dict(sorted(self.own_iri.items())),
            "passports": self.passports,
        }


def _allowed_tier(config: NodeConfig, tier: Tier, token: str | None) -> Tier:
    """``tier`` if the caller may see it (public: anyone; above: a credential allowed it)."""
    if tier is Tier.PUBLIC:
        return tier
    if not token:
        raise ConfigError(
            f"--tier {tier.label} needs --token, a credential in the configuration whose role may see it"
        )
    from resolver.errors import AuthError
    from resolver.http.auth import Authenticator

    try:
        principal = Authenticator(config.credentials).principal(f"Bearer {token}")
    except AuthError as err:
        raise ConfigError(f"--token: {err.detail}") from err
    if principal.tier < tier:
        raise ConfigError(
            f"credential {principal.name!r} ({principal.role.value}) may see up to the "
            f"{principal.tier.label} tier, not {tier.label}"
        )
    return tier


async def _export(
    config: NodeConfig,
    prefix: str,
    out: str,
    tier: Tier,
    fmt: str = "jsonld",
    not_written: Counter[str] | None = None,
    *,
    notes: ExportNotes | None = None,
) -> int:
    """Write the passports out; ``not_written`` counts, per term, the passports whose term the
    format could not hold; ``notes`` gathers that per passport too."""
    from resolver.stores import open_store

    written = _writer(fmt, config)
    missed: Counter[str] = Counter() if not_written is None else not_written
    noted = ExportNotes() if notes is None else notes

    # A handle prefix lists its own handles (88.100 does not include 88.100.1/...).
    key_prefix = prefix if not prefix or prefix.startswith("01/") or "/" in prefix else prefix + "/"
    directory = None if out == "-" else Path(out)
    if directory is not None:
        directory.mkdir(parents=True, exist_ok=True)
    stream: BinaryIO = sys.stdout.buffer
    store = await open_store(config.store)
    condition = await _condition(config, fmt, tier)  # AAS Part 5: the readings beside the passports
    count = 0
    try:
        offset = 0
        while True:
            _, keys = await store.handles(prefix=key_prefix, offset=offset, limit=_PAGE)
            if not keys:
                break
            offset += len(keys)
            for key in keys:
                record = await store.get(key)
                if record is None or record.deleted:
                    continue  # deleted since the page was read
                body = record.views.get(tier)
                if body is None:
                    continue
                exported = written(body)
                body = exported.body
                if condition is not None and body:
                    body = await condition(body, key)
                missed.update(exported.not_written)
                noted.add(key, exported)
                if not body:  # nothing this format holds (a PACT export of a passport without a footprint)
                    continue
                if directory is None:
                    stream.write(body.rstrip(b"\n") + b"\n")
                else:
                    (
                        directory / file_name(key, ".jsonld" if fmt in _JSONLD_FORMATS else ".json")
                    ).write_bytes(body)
                count += 1
    finally:
        await store.aclose()
        if condition is not None:
            await condition.aclose()
        if directory is None:
            stream.flush()
    return count


class _Condition:
    """Adds AAS Part 5 (Product Condition) from the event store beside the passport store."""

    def __init__(self, config: NodeConfig, tier: Tier, events: EventStore, feed: WarningFeed) -> None:
        self._config, self._tier, self._events, self._feed = config, tier, events, feed

    async def __call__(self, body: bytes, key: str) -> bytes:
        from resolver.commands.export_condition import with_condition

        return await with_condition(body, key, self._events, self._tier, self._config)

    async def aclose(self) -> None:
        await self._feed.aclose()
        await self._events.aclose()


async def _condition(config: NodeConfig, fmt: str, tier: Tier) -> _Condition | None:
    if fmt != "aas":
        return None
    from resolver.lifecycle.part import open_stores

    events, feed = await open_stores(config.store)
    return _Condition(config, tier, events, feed)


def _quiet_stdout() -> None:
    import os

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def _writer(fmt: str, config: NodeConfig) -> Callable[[bytes], Exported]:
    """The stored view in ``fmt``: as stored for jsonld, else converted without the proof; a
    UNTP credential is enveloped (vc+jwt) and signed with the node's key when the node signs."""
    from resolver.adapters.formats import Exported, export

    if fmt == "jsonld":
        return Exported
    from resolver.integrity.served import split_signed

    def convert(body: bytes) -> Exported:
        return export(fmt, split_signed(body)[0])

    from resolver.parts.integrity import node_signer

    signer = node_signer(config) if fmt == "untp" else None
    if signer is None:
        return convert
    from resolver.adapters.envelope import envelop
    from resolver.integrity.keyring import time_text, utc_now

    def signed(body: bytes) -> Exported:
        exported = convert(body)
        kid = signer.verification_method

        def sign(data: bytes) -> bytes:
            method, signature = signer.sign_bytes(data)
            if method != kid:  # `keys rotate` ran between the two reads
                raise ResolverError("the node's key changed while signing; run the export again")
            return signature

        credential = orjson.loads(exported.body)
        # When it was signed, in the signed payload: what a reader checks a key's validity
        # period against (a retired key verifies what it signed before it was retired).
        credential["validFrom"] = time_text(utc_now())
        enveloped = envelop(credential, kid=kid, sign=sign)
        return Exported(orjson.dumps(enveloped), exported.not_written)

    return signed
