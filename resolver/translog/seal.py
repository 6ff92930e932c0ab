"""What the write path calls for one new version: each tier view signed, and the log entry
that names each view's canonical N-Quads. Pure and synchronous (CPU only); the log append is
the caller's next step: ``index = await log.append(sealed.entry)``."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import orjson

from resolver.integrity.canon import canonical_nquads, document_quads
from resolver.integrity.signer import ViewSigner
from resolver.tiers import Tier
from resolver.translog.entry import LogEntry

__all__ = ["SealedVersion", "seal_version"]


@dataclasses.dataclass(frozen=True, slots=True)
class SealedVersion:
    views: dict[Tier, bytes]  # each view with its proof, compact JSON-LD bytes
    entry: LogEntry  # for the transparency log


def seal_version(
    signer: ViewSigner,
    *,
    identifier: str,
    version: int,
    time: str,
    views: Mapping[Tier, bytes | dict[str, object]],
    nquads: Mapping[Tier, bytes] | None = None,
) -> SealedVersion:
    """Sign every tier view of a version and make its log entry.

    ``views``: tier -> the view as a JSON-LD document (dict) or its bytes. ``nquads``: tier ->
    the view's canonical N-Quads (RDFC-1.0, sorted lines) when the caller has them; otherwise
    each view is read here (some milliseconds per view).
    """
    signed: dict[Tier, bytes] = {}
    held: dict[str, bytes] = {}
    for tier, view in views.items():
        document = orjson.loads(view) if isinstance(view, bytes | bytearray | memoryview) else view
        data = nquads[tier] if nquads is not None else canonical_nquads(document_quads(document))
        signed[tier] = orjson.dumps(signer.sign(document, nquads=data))
        held[tier.label] = data
    return SealedVersion(signed, LogEntry.of_views(identifier, version, time, held))
