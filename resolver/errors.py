"""The node's one exception tree, and the HTTP status each error maps to.

    ResolverError                       500  every error the node raises on purpose
    ├── InputError                      400  a request or document the node cannot use
    │   ├── InvalidIdentifier           400  not a handle or GS1 Digital Link URI (reason given)
    │   ├── PayloadTooLarge             413  body over the size limit
    │   ├── UnsupportedMediaType        415  a body in a media type the node does not take
    │   ├── NotAcceptable               406  no representation the client accepts
    │   ├── DocumentError               400  JSON or JSON-LD that cannot be read (bad JSON,
    │   │   └── ContextRefused          400    too deep, too large, a context the node will not load)
    │   └── LostValue                   422  a term or value that would not survive into the RDF graph
    ├── InvalidPassport                 422  the passport fails the profile's shapes (carries the report)
    ├── AuthError                       401  missing or wrong credentials
    │   └── Forbidden                   403  valid credentials, not allowed for this
    ├── NotFound                        404  no such passport (authoritative)
    │   └── Gone                        410  deleted: a tombstone stands
    ├── Conflict                        409  the write races another
    │   └── PreconditionFailed          412  If-Match / expected version does not hold
    ├── TooManyRequests                 429  over the caller's rate limit (Retry-After given)
    ├── StoreUnavailable                503  the store cannot be reached
    ├── ServiceStarting                 503  the node answers reads but cannot validate yet
    └── FederationError                 502  a peer failed (carries per-peer errors)
        ├── PeerTimeout                 504  the deadline ran out waiting for a peer
        ├── LoopDetected                508  the lookup came back to a node it passed through
        └── BadPeerAnswer               502  a peer answered for another identifier, or invalid data

    ConfigError (a ValueError)               the configuration cannot be used: refused at start-up,
    └── FederationConfigError                  never an HTTP answer; the message names the key

Third-party errors are translated where they are caught (``raise ... from err``). Each error
renders itself as an RFC 9457 problem document; the HTTP layer chooses nothing on its own.
"""

from __future__ import annotations

from typing import ClassVar

__all__ = [
    "PROBLEM_BASE",
    "AuthError",
    "BadPeerAnswer",
    "ConfigError",
    "Conflict",
    "ContextRefused",
    "DocumentError",
    "FederationConfigError",
    "FederationError",
    "Forbidden",
    "Gone",
    "InputError",
    "InvalidIdentifier",
    "InvalidPassport",
    "LoopDetected",
    "LostValue",
    "NotAcceptable",
    "NotFound",
    "PayloadTooLarge",
    "PeerTimeout",
    "PreconditionFailed",
    "ResolverError",
    "ServiceStarting",
    "StoreUnavailable",
    "TooManyRequests",
    "UnsupportedMediaType",
]

PROBLEM_BASE = "https://w3id.org/battery-passport/problems/"


class ResolverError(Exception):
    """Base of every error the node raises on purpose."""

    status: ClassVar[int] = 500
    slug: ClassVar[str] = "internal"
    title: ClassVar[str] = "Internal error"

    def __init__(self, detail: str, **extensions: object) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extensions = extensions

    def problem(self, instance: str | None = None) -> dict[str, object]:
        """The RFC 9457 problem document for this error."""
        doc: dict[str, object] = {
            "type": PROBLEM_BASE + self.slug,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if instance is not None:
            doc["instance"] = instance
        doc.update(self.extensions)
        return doc


class InputError(ResolverError):
    status = 400
    slug = "bad-request"
    title = "Bad request"


class InvalidIdentifier(InputError):
    slug = "invalid-identifier"
    title = "Invalid identifier"


class PayloadTooLarge(InputError):
    status = 413
    slug = "payload-too-large"
    title = "Payload too large"


class UnsupportedMediaType(InputError):
    status = 415
    slug = "unsupported-media-type"
    title = "Unsupported media type"


class NotAcceptable(InputError):
    status = 406
    slug = "not-acceptable"
    title = "Not acceptable"


class DocumentError(InputError):
    slug = "unreadable-document"
    title = "Unreadable document"


class ContextRefused(DocumentError):
    slug = "context-refused"
    title = "JSON-LD context refused"


class InvalidPassport(ResolverError):
    """The passport fails the profile's shapes; ``report`` is the structured SHACL report."""

    status = 422
    slug = "invalid-passport"
    title = "Passport does not conform to the profile"


class LostValue(InputError):
    """A term or value the RDF graph would not hold (unknown term, value outside a controlled
    list, a string where an IRI is required, a non-finite number): refused, not dropped."""

    status = 422
    slug = "value-not-in-graph"
    title = "A value of the passport would be lost"


class AuthError(ResolverError):
    status = 401
    slug = "unauthorized"
    title = "Authentication required"


class Forbidden(AuthError):
    status = 403
    slug = "forbidden"
    title = "Forbidden"


class NotFound(ResolverError):
    status = 404
    slug = "not-found"
    title = "Not found"


class Gone(NotFound):
    status = 410
    slug = "gone"
    title = "Gone"


class Conflict(ResolverError):
    status = 409
    slug = "conflict"
    title = "Conflict"


class PreconditionFailed(Conflict):
    status = 412
    slug = "precondition-failed"
    title = "Precondition failed"


class TooManyRequests(ResolverError):
    """Over the caller's rate limit; ``retry_after`` (whole seconds) goes out as Retry-After."""

    status = 429
    slug = "too-many-requests"
    title = "Too many requests"


class StoreUnavailable(ResolverError):
    status = 503
    slug = "store-unavailable"
    title = "Store unavailable"


class ServiceStarting(ResolverError):
    """From /healthz while the validator workers load the profile (or failed to start)."""

    status = 503
    slug = "starting"
    title = "Node starting"


class FederationError(ResolverError):
    status = 502
    slug = "federation-failed"
    title = "Federated lookup failed"


class PeerTimeout(FederationError):
    status = 504
    slug = "peer-timeout"
    title = "Peer did not answer in time"


class LoopDetected(FederationError):
    status = 508
    slug = "loop-detected"
    title = "Resolution loop detected"


class BadPeerAnswer(FederationError):
    slug = "bad-peer-answer"
    title = "Peer gave an unusable answer"


class ConfigError(ValueError):
    """The configuration cannot be used; the message names the key (and the file, once read)."""


class FederationConfigError(ConfigError):
    """The ``[federation]`` table cannot be used; the message names the key at fault."""
