"""How a signed view is served in the RDF forms that cannot hold its proof (Turtle, N-Triples,
the HTML page): rendered from the view without its proof, the proof travelling in the
``Passport-Proof`` response header (``{"@context": ..., "proof": ...}`` as compact JSON).

A ``Link`` to the JSON-LD answer would also do, but would cost the client a second request
and could meet a newer version by then; the header is checked against the graph the client
holds (``resolver.integrity.proofs.with_proof_header``).
"""

from __future__ import annotations

import orjson

from resolver import jsonld
from resolver.integrity.proofs import DATA_INTEGRITY_V2, PROOF_HEADER, proof_header

__all__ = ["LOG_INDEX_HEADER", "PROOF_HEADER", "SIGNED_CONTEXT", "UNVERIFIED_HEADER", "split_signed"]

# The transparency-log index of the version answered (this node's own versions only).
LOG_INDEX_HEADER = "Passport-Log-Index"
# On a peer's answer whose proof was not checked against a pinned key of its owner: why.
UNVERIFIED_HEADER = "Passport-Unverified"

# The @context of a view the node signed: ours, then the Data Integrity context.
SIGNED_CONTEXT = [jsonld.CONTEXT_URL, DATA_INTEGRITY_V2]


def split_signed(body: bytes) -> tuple[bytes, str | None]:
    """A stored view's bytes without its proof (what is rendered), and its ``Passport-Proof``
    header (None: an unsigned view, returned as it is)."""
    if b'"proof"' not in body:
        return body, None
    document: object = orjson.loads(body)
    if not isinstance(document, dict) or "proof" not in document:
        return body, None
    header = proof_header(document)
    unsigned = {key: value for key, value in document.items() if key != "proof"}
    if unsigned.get("@context") == SIGNED_CONTEXT:
        # The appended context defines only the proof terms: the graph is the same in ours alone.
        unsigned["@context"] = jsonld.CONTEXT_URL
    return orjson.dumps(unsigned), header
