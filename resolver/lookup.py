"""The lookup model: what a read asks (``Lookup``) and what the chain gives back.

Below every stage, the federation and the HTTP edge; imports none of them. A lookup ends in an
``Answer`` (a view, a past record or a history), a ``Referral``, or one of the errors
``NotFound`` / ``Gone`` (re-exported here so a stage names every outcome from one module).
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from resolver.errors import Gone, NotFound
from resolver.frozen import quick_init
from resolver.stores.base import Record, View
from resolver.tiers import Tier

__all__ = [
    "BUDGET_HEADER",
    "HOPS_HEADER",
    "OWNER_HEADER",
    "TIER_HEADER",
    "Answer",
    "Gone",
    "Lookup",
    "Next",
    "NotFound",
    "Owner",
    "Read",
    "Referral",
    "Stage",
    "StageThatKeeps",
]

# Headers a node sets when it forwards a lookup to a peer.
HOPS_HEADER = "Passport-Hops"  # comma-separated node ids the lookup has passed through, in order
BUDGET_HEADER = "Passport-Budget-Ms"  # what is left of the original deadline, in milliseconds
TIER_HEADER = "Passport-Tier"  # the most the forwarding node asks for (its caller's tier)
# Set on a passport answer: the node authoritative for it and the prefix it holds it under.
OWNER_HEADER = "Passport-Owner"


class Read(enum.Enum):
    """What a lookup asks for: the current view, a past version, or the list of versions."""

    CURRENT = "current"
    VERSION = "version"  # ``Lookup.version``
    AT = "at"  # the version current at ``Lookup.at`` (seconds since the epoch)
    HISTORY = "history"


@quick_init
@dataclass(frozen=True, slots=True)
class Lookup:
    """One read: which passport, for which tier, by when, and the nodes it passed through.

    ``handle`` is the normalised identifier key (``resolver.identifiers``). ``deadline`` is
    an absolute ``time.monotonic()`` value; stages pass on what is left of it. ``read`` says
    whether the current view or the past is asked for; ``credentialed`` whether the caller
    presented credentials (the public sees no history of a deleted passport). ``budget_cut``:
    a peer forwarded the lookup with less than this node's own deadline, so a timeout on the
    way on is the sender's short budget, not a sign that the next peer is unwell.
    """

    handle: str
    tier: Tier
    deadline: float
    hops: tuple[str, ...] = ()
    referral: bool = False
    read: Read = Read.CURRENT
    version: int | None = None
    at: float | None = None
    credentialed: bool = False
    budget_cut: bool = False
    if_none_match: str | None = None  # the ETag of an expired cached copy, to revalidate it
    client: str = ""  # who asked, for the per-client limit on lookups that reach peers


@quick_init
@dataclass(frozen=True, slots=True)
class Referral:
    """Where the authoritative answer lives, for a client that asked not to recurse."""

    node_id: str
    base_urls: tuple[str, ...]
    prefix: str


@quick_init
@dataclass(frozen=True, slots=True)
class Owner:
    """The node authoritative for a passport and its prefix that covers it (``Passport-Owner``:
    ``node-id; prefix=88.100.1``), as learned from answers and referrals."""

    node_id: str
    prefix: str

    def header(self) -> str:
        return f"{self.node_id}; prefix={self.prefix}"

    @classmethod
    def parse(cls, text: str) -> Owner | None:
        """The owner a header names, or None when it is not of that form (a peer's text)."""
        node_id, _, rest = text.partition(";")
        name, _, prefix = rest.strip().partition("=")
        node_id, prefix = node_id.strip(), prefix.strip()
        if name != "prefix" or not node_id or not prefix or len(text) > 300:
            return None
        if not (node_id + prefix).isprintable() or any(ch in node_id + prefix for ch in " ,;="):
            return None
        return cls(node_id, prefix)


@quick_init
@dataclass(frozen=True, slots=True)
class Answer:
    """A stage's answer: the view (or a referral), where it came from and how long to keep it.

    ``source`` is "local", "cache" or "peer:<id>"; ``age`` is seconds since the
    authoritative node produced it; ``max_age`` is how long it may be kept from then.
    ``tier`` is the tier of ``view`` when it is below the lookup's (a peer granted this node
    less than the caller may see); ``None`` means the lookup's tier. The edge labels the
    response (``Passport-Tier``) with it. A history read answers with ``records`` (oldest
    first) and the head record as ``current``. ``owner``: the authoritative node, when a peer
    named it (``Passport-Owner``). ``unverified``: why a peer's answer was not checked
    against its owner's pinned key (the edge says it in ``Passport-Unverified``; such an
    answer has ``max_age`` 0, so no cache keeps it).
    """

    view: View | None
    source: str
    max_age: int
    age: int = 0
    referral: Referral | None = None
    stale: bool = False
    hops: tuple[str, ...] = field(default=())
    tier: Tier | None = None
    current: Record | None = None
    records: Sequence[Record] = ()
    owner: Owner | None = None
    unverified: str = ""


Next = Callable[[Lookup], Awaitable[Answer]]


class Stage(Protocol):
    """One link of the chain: answer ``lookup`` or return ``await next_stage(lookup)``."""

    name: str

    async def resolve(self, lookup: Lookup, next_stage: Next) -> Answer: ...

    async def aclose(self) -> None: ...


@runtime_checkable
class StageThatKeeps(Protocol):
    """A stage that keeps answers for keys this node is authoritative for: told when one changes."""

    def forget(self, key: str) -> None:
        """Drop what is kept of ``key`` (this process just wrote it, or tried to)."""
        ...
