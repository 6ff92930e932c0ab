"""Stock pyshacl's verdicts for the differential test, kept in a committed file.

The reference verdict (tests/passport/reference.py) is a pure function of the mutant's bytes,
the profile's shapes, the JSON-LD contexts pyld reads it with, the reference code itself and
the versions of pyshacl, rdflib and pyld. Computing it costs ~0.25 CPU-s per passport, ~150 CPU-s
for the ~600 mutants the node accepts: most of the differential test's cost. So the verdicts are
memoised under a key that covers all of those inputs:

    key = SHA-256(environment digest || mutant bytes)

where the environment digest hashes the shape files, the accepted context files, the source of
reference.py and of the one patch it installs, and the three versions. A change to any of them
(or to a mutant) gives new keys: the old verdicts are never looked up again, each missing one is
computed afresh with stock pyshacl, and the test then fails until the file is refreshed
(``make differential-memo``), so a stale memo is neither trusted nor silently slow. The node's
verdicts are never memoised.

tests/profile/test_validation.py keeps stock pyshacl's verdicts on its few graphs the same way,
in its own file: its code part is the script it runs pyshacl with, its key's body the N-Triples
pyshacl reads, and each value the (conforms, result count) pair that script prints.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import inspect
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import orjson

from resolver import jsonld
from resolver.profile import PROFILE_ROOT
from resolver.validation import worker_patches
from tests.passport import reference

__all__ = ["MEMO", "REFRESH", "environment", "key", "load", "load_values", "save"]

MEMO = Path(__file__).resolve().parent / "data" / "pyshacl-verdicts.json"
# Set (to anything but "") to rewrite the memo with the verdicts this run used.
REFRESH = "PASSPORT_REFRESH_PYSHACL_MEMO"
_PACKAGES = ("pyshacl", "rdflib", "PyLD")


def environment(code: Sequence[object] | None = None) -> dict[str, str]:
    """What the reference verdict depends on besides the document, each as a version or digest.
    ``code``: the functions or modules (or source texts) that ask pyshacl, by default reference.py
    and the one patch it installs."""
    shapes = hashlib.sha256()
    for path in sorted((PROFILE_ROOT / "shapes" / "eu-battery").glob("*.ttl")):
        shapes.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    contexts = hashlib.sha256()
    for url, path in sorted(jsonld.ACCEPTED_CONTEXTS.items()):
        contexts.update(url.encode() + b"\0" + path.read_bytes() + b"\0")
    code_digest = hashlib.sha256()
    for part in (reference, worker_patches._cache_sparql_queries) if code is None else code:
        code_digest.update(_source(part).encode())
    found = {name.lower(): importlib.metadata.version(name) for name in _PACKAGES}
    return {
        **found,
        "shapes": shapes.hexdigest(),
        "contexts": contexts.hexdigest(),
        "reference": code_digest.hexdigest(),
    }


def _source(part: object) -> str:
    if isinstance(part, str):
        return part
    assert inspect.ismodule(part) or inspect.isfunction(part), part
    return inspect.getsource(part)


def _digest(env: dict[str, str]) -> bytes:
    return hashlib.sha256(orjson.dumps(env, option=orjson.OPT_SORT_KEYS)).digest()


def key(env: dict[str, str], body: bytes) -> str:
    """The memo's key for the reference verdict on ``body`` in environment ``env``."""
    return hashlib.sha256(_digest(env) + body).hexdigest()


def load() -> dict[str, bool]:
    """The memoised verdicts by key (empty when there is no file)."""
    verdicts = load_values(MEMO)
    assert all(isinstance(v, bool) for v in verdicts.values())
    return verdicts


def load_values(path: Path) -> dict[str, Any]:
    """The values memoised in ``path`` by key (empty when there is no file)."""
    if not path.exists():
        return {}
    verdicts = orjson.loads(path.read_bytes())["verdicts"]
    assert isinstance(verdicts, dict)
    return verdicts


_ABOUT = (
    "Stock pyshacl's verdicts for tests/passport/test_differential.py, keyed by "
    "SHA-256(environment digest || mutant bytes); see tests/passport/pyshacl_memo.py. "
    "Regenerate with `make differential-memo`."
)


def save(env: dict[str, str], verdicts: dict[str, Any], path: Path = MEMO, about: str = _ABOUT) -> None:
    """Write the memo: the environment it was made in (for a reader) and the verdicts by key."""
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {"about": about, "environment": env, "verdicts": dict(sorted(verdicts.items()))}
    path.write_bytes(orjson.dumps(document, option=orjson.OPT_INDENT_2) + b"\n")


def refreshing() -> bool:
    """Whether this run rewrites the memo (``make differential-memo``)."""
    return bool(os.environ.get(REFRESH))
