"""The one write path: every way a passport gets into a store ends in :func:`store_prepared`.

PUT, PATCH and the Handle API's PUT call :func:`write_passport`; ``import`` (into a store) calls
:func:`import_prepared` after validating in batches; the demo loader calls :func:`store_prepared`
for a handle that has no record; ``import`` into a node PUTs. What is stored is always the
worker's framing of the validated graph (the tier views, the authority view being the canonical
document) and its RDFC-1.0 digest, never the input bytes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from resolver.errors import InvalidPassport, PreconditionFailed, ResolverError
from resolver.integrity import operator
from resolver.integrity.errors import ProofError
from resolver.integrity.proofs import KeyResolver
from resolver.integrity.signer import did_key_resolver
from resolver.jsontypes import JSONObject
from resolver.stores.base import Record, Store
from resolver.tiers import Tier

if TYPE_CHECKING:  # types only: the write path is handed these values, it never makes them
    from resolver.translog.entry import LogEntry
    from resolver.validation.report import PreparedPassport, ValidationReport

__all__ = [
    "Admit",
    "BatchStore",
    "Import",
    "Preparer",
    "Sealer",
    "WriteOutcome",
    "import_prepared",
    "import_prepared_many",
    "invalid_passport",
    "store_prepared",
    "with_operator_proofs",
    "write_passport",
]


# Called with a conforming passport and the record it replaces, before it is stored.
Admit = Callable[["PreparedPassport", Record | None], Awaitable[None]]


class Preparer(Protocol):
    """What the write path needs of the validator (resolver.validation.Validator)."""

    async def prepare(
        self, body: bytes, *, expected_iri: str | None = None, media_type: str = ..., profile: str = ...
    ) -> PreparedPassport: ...


class Sealer(Protocol):
    """What the write path needs to make a version tamper-evident (resolver.parts.integrity)."""

    def sign_views(
        self, views: Mapping[Tier, bytes], nquads: Mapping[Tier, bytes] | None
    ) -> tuple[dict[Tier, bytes], Callable[[str, int, float], LogEntry]]: ...

    async def log_version(self, entry: LogEntry) -> int | None: ...


@dataclass(frozen=True, slots=True)
class WriteOutcome:
    """What a write did: the record now current, whether it created or changed anything, and
    the version's transparency-log index (None: stored unsigned, or unchanged)."""

    record: Record
    created: bool
    changed: bool
    log_index: int | None = None


def invalid_passport(report: ValidationReport, key: str, profile: str = "eu-battery") -> InvalidPassport:
    """The 422 for a passport that fails the profile, with the report as the ``report`` member."""
    violations = [r for r in report.results if r.severity == "Violation"] or list(report.results)
    first = violations[0] if violations else None
    detail = f"the passport for {key} does not conform to the {profile} profile"
    if first is not None:
        points = ", ".join(str(p) for p in first.data_points)
        where = f" (data point {points})" if points else ""
        detail += f": {len(violations)} violation(s); first: {first.message}{where}"
    return InvalidPassport(detail, report=report.to_json())


async def store_prepared(
    store: Store,
    key: str,
    prepared: PreparedPassport,
    *,
    current: Record | None,
    expected_version: int | None,
    sealer: Sealer | None = None,
    refresh: bool = False,
    profile: str = "eu-battery",
) -> WriteOutcome:
    """Store a prepared passport as a new version of ``key`` (``current`` is the record the
    caller read, for the "unchanged" check), or refuse it: InvalidPassport if it does not
    conform, PreconditionFailed if ``expected_version`` does not hold. An identical passport
    (same graph, same views) writes nothing.

    With a ``sealer`` every tier view is signed before it is stored (the stored bytes are the
    signed view), and the version is appended to the transparency log once the store has
    numbered it: a log entry is only ever made for a version that exists. (Logging first would
    leave an entry for a version a failed or raced store write never made, and that entry's
    (identifier, version) would then refuse the real one.) If the append fails after the store
    write, the version stays unlogged (the sealer logs and counts it; its answers carry no
    ``Passport-Log-Index``) and the write still answers as stored.

    ``refresh``: store a new version even if the graph is unchanged (an operator's proof that
    the current version does not carry yet). ``profile``: the one the node's configuration
    chooses for the key's prefix; a passport prepared in another is refused (InvalidPassport).
    """
    _require_storable(prepared, key, profile)
    live = current is not None and not current.deleted
    if live and current is not None and not refresh and _same(current, prepared, signed=sealer is not None):
        return WriteOutcome(current, created=False, changed=False)
    if sealer is None:
        digest = prepared.digest
        record = await store.put(key, prepared.views, expected_version=expected_version, digest=digest)
        return WriteOutcome(record, created=not live, changed=True)
    views, entry = sealer.sign_views(prepared.views, prepared.nquads or None)
    record = await store.put(key, views, expected_version=expected_version, digest=prepared.digest)
    index = await sealer.log_version(entry(record.handle, record.version, record.modified))
    return WriteOutcome(record, created=not live, changed=True, log_index=index)


def _require_storable(prepared: PreparedPassport, key: str, profile: str) -> None:
    """InvalidPassport unless ``prepared`` conforms, judged in ``profile`` (the key prefix's)."""
    if prepared.profile != profile:  # every write path: judged in the profile of the key's prefix
        raise InvalidPassport(
            f"the passport for {key} was judged by the {prepared.profile} profile, but the node "
            f"writes {profile} passports under its prefix"
        )
    if not prepared.report.conforms or not prepared.views:
        raise invalid_passport(prepared.report, key, profile)


def _same(current: Record, prepared: PreparedPassport, *, signed: bool) -> bool:
    # Signed views differ from the prepared ones by their proof: the graph's digest decides
    # (the views are framed from that graph).
    if current.digest != prepared.digest:
        return False
    return signed or dict(current.views) == prepared.views


async def write_passport(
    store: Store,
    validator: Preparer,
    key: str,
    body: bytes,
    *,
    iri: str,
    media_type: str,
    expected: Callable[[Record | None], int | None],
    sealer: Sealer | None = None,
    operator_keys: KeyResolver = did_key_resolver,
    own_methods: str | None = None,
    admit: Admit | None = None,
    profile: str = "eu-battery",
) -> WriteOutcome:
    """Validate ``body`` as the passport ``iri`` (stored under ``key``) in ``profile`` (the one
    the node's configuration chooses for the key's prefix) and store it.

    ``expected`` turns the current record into the version the store must find (the request's
    preconditions); it runs before validation, so a failed precondition costs no worker time.
    An operator's proof in the body is checked against the validated graph and kept with the
    version, or refused (resolver.integrity.operator; ``operator_keys`` resolves its key).
    Proofs by the node's own keys (verification methods under ``own_methods``) are dropped.
    ``admit`` sees a conforming passport before it is stored (with the record it replaces)
    and may refuse it by raising (the lineage's predecessor check).
    """
    current = await store.get(key)
    expected_version = expected(current)
    body, proofs = operator.carried_proofs(body, media_type, own_methods=own_methods)
    prepared = await validator.prepare(body, expected_iri=iri, media_type=media_type, profile=profile)
    prepared = with_operator_proofs(prepared, proofs, operator_keys)
    refresh = _proofs_to_keep(current, proofs)
    if admit is not None and prepared.report.conforms and prepared.views:
        await admit(prepared, current)
    return await store_prepared(
        store,
        key,
        prepared,
        current=current,
        expected_version=expected_version,
        sealer=sealer,
        refresh=refresh,
        profile=profile,
    )


def with_operator_proofs(
    prepared: PreparedPassport, proofs: tuple[JSONObject, ...], operator_keys: KeyResolver = did_key_resolver
) -> PreparedPassport:
    """``prepared`` with the operator's ``proofs`` joined to its authority view once each has
    verified against the validated graph (ProofError, 422, naming the first that does not);
    unchanged when there are none, or when the passport does not conform (refused anyway)."""
    if not proofs or not prepared.report.conforms or not prepared.views:
        return prepared
    return operator.attach(prepared, proofs, resolve_key=operator_keys)[0]


def _proofs_to_keep(current: Record | None, proofs: tuple[JSONObject, ...]) -> bool:
    """Whether operator ``proofs`` make a new version even of an unchanged graph: the current
    version does not carry every one of them yet."""
    if not proofs:
        return False
    kept = current.views.get(max(Tier)) if current is not None and not current.deleted else None
    return kept is None or not operator.kept_in(kept, proofs)


async def import_prepared(
    store: Store,
    key: str,
    prepared: PreparedPassport,
    *,
    sealer: Sealer | None = None,
    proofs: tuple[JSONObject, ...] = (),
    operator_keys: KeyResolver = did_key_resolver,
    profile: str = "eu-battery",
) -> WriteOutcome:
    """Create ``key``, or replace its current version (bulk import: creating is the common case,
    so it is tried first, in one store call). ``prepared`` must have been judged in ``profile``,
    the one the configuration chooses for the key's prefix (as for :func:`write_passport`).

    ``proofs``: the operator's proofs the input carried (resolver.integrity.operator.carried_proofs),
    checked as a PUT checks them before anything is stored: kept with the version, or a
    ProofError (nothing written)."""
    prepared = with_operator_proofs(prepared, proofs, operator_keys)
    try:
        return await store_prepared(
            store, key, prepared, current=None, expected_version=0, sealer=sealer, profile=profile
        )
    except PreconditionFailed:
        pass
    current = await store.get(key)
    return await store_prepared(
        store,
        key,
        prepared,
        current=current,
        expected_version=current.version if current is not None else 0,
        sealer=sealer,
        refresh=_proofs_to_keep(current, proofs),
        profile=profile,
    )


@dataclass(frozen=True, slots=True)
class Import:
    """One passport of a bulk import: its key, as prepared, the operator's proofs its input
    carried, and the profile of its key's prefix (as for :func:`import_prepared`)."""

    key: str
    prepared: PreparedPassport
    proofs: tuple[JSONObject, ...] = ()
    profile: str = "eu-battery"


# What refuses one passport of a batch (the importer reports it and goes on); any other error
# (a store or log that cannot be reached) ends the import, as one by one.
_REFUSED = (PreconditionFailed, ProofError, InvalidPassport)


class BatchStore(Protocol):
    """A store that writes several new versions in one call (resolver.stores.sqlite.SQLiteStore):
    each write whole or absent, a refused one as its PreconditionFailed."""

    async def put_many(
        self, writes: Sequence[tuple[str, Mapping[Tier, bytes], int | None, str]]
    ) -> Sequence[Record | PreconditionFailed]: ...


async def import_prepared_many(
    store: Store,
    imports: Sequence[Import],
    *,
    sealer: Sealer | None = None,
    operator_keys: KeyResolver = did_key_resolver,
) -> list[WriteOutcome | ResolverError]:
    """:func:`import_prepared` of each, in order: its outcome, or the refusal it raises
    (PreconditionFailed, ProofError, InvalidPassport; other errors are raised).

    With a store that writes in batches (:class:`BatchStore`), the creations, each checked and
    signed as :func:`store_prepared` does, are written by one ``put_many``: one transaction and
    one commit for the batch, each passport whole or absent. A passport that exists already
    (its create refused) then goes :func:`import_prepared`'s own way, as one by one. Each stored
    version is logged by the sealer after the store wrote it, as on every write."""
    put_many = getattr(store, "put_many", None)
    if put_many is None or len(imports) < 2:
        return [await _import_one(store, one, sealer, operator_keys) for one in imports]
    out: list[WriteOutcome | ResolverError | None] = [None] * len(imports)
    ready: list[tuple[int, Callable[[str, int, float], LogEntry] | None]] = []
    writes: list[tuple[str, Mapping[Tier, bytes], int | None, str]] = []
    for i, one in enumerate(imports):
        try:
            prepared = with_operator_proofs(one.prepared, one.proofs, operator_keys)
            _require_storable(prepared, one.key, one.profile)
            views, entry = (
                sealer.sign_views(prepared.views, prepared.nquads or None)
                if sealer is not None
                else (prepared.views, None)
            )
        except _REFUSED as err:
            out[i] = err
            continue
        ready.append((i, entry))
        writes.append((one.key, views, 0, prepared.digest))
    written = await put_many(writes) if writes else []
    for (i, entry), record in zip(ready, written, strict=True):
        if isinstance(record, PreconditionFailed):
            out[i] = await _import_one(store, imports[i], sealer, operator_keys)
            continue
        index = (
            await sealer.log_version(entry(record.handle, record.version, record.modified))
            if (sealer is not None and entry is not None)
            else None
        )
        out[i] = WriteOutcome(record, created=True, changed=True, log_index=index)
    return [item for item in out if item is not None]


async def _import_one(
    store: Store, one: Import, sealer: Sealer | None, operator_keys: KeyResolver
) -> WriteOutcome | ResolverError:
    try:
        return await import_prepared(
            store,
            one.key,
            one.prepared,
            sealer=sealer,
            proofs=one.proofs,
            operator_keys=operator_keys,
            profile=one.profile,
        )
    except _REFUSED as err:
        return err
