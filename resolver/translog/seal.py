"""What the write path calls for one new version: each tier view signed, and the log entry
that names each view's canonical N-Quads. Pure and synchronous (CPU only); the log append is
the caller's next step: ``index = await log.append(sealed.entry)``."""

from __future__ import annotations

import dataclasses
import hashlib
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

    ``views``: tier -> the view as a JSON-LD document (dict) or its bytes as ``orjson.dumps``
    writes them (with ``nquads`` given, the proof is spliced into them). ``nquads``: tier ->
    the view's canonical N-Quads (RDFC-1.0, sorted lines) when the caller has them; otherwise
    each view is read here (some milliseconds per view).
    """
    tiers = list(views)
    if nquads is not None:
        given = [(view, nquads[tier]) for tier in tiers if isinstance(view := views[tier], bytes)]
        if len(given) == len(tiers):  # the write path: views as bytes, their N-Quads at hand
            digests = [hashlib.sha256(data).digest() for _, data in given]
            signed_json = signer.sign_json(
                [(*pair, digest) for pair, digest in zip(given, digests, strict=True)]
            )
            hexes = {tier.label: digest.hex() for tier, digest in zip(tiers, digests, strict=True)}
            return SealedVersion(
                dict(zip(tiers, signed_json, strict=True)), LogEntry(identifier, version, time, hexes)
            )
    documents: list[tuple[dict[str, object], bytes]] = []
    for tier in tiers:
        view = views[tier]
        document = orjson.loads(view) if isinstance(view, bytes | bytearray | memoryview) else view
        data = nquads[tier] if nquads is not None else canonical_nquads(document_quads(document))
        documents.append((document, data))
    proofs = signer.sign_all(documents)  # one key and one time for the version's views
    signed = {tier: orjson.dumps(document) for tier, document in zip(tiers, proofs, strict=True)}
    held = {tier.label: data for tier, (_, data) in zip(tiers, documents, strict=True)}
    return SealedVersion(signed, LogEntry.of_views(identifier, version, time, held))
