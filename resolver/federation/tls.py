"""TLS between peers: the contexts a node serves with and asks its peers with.

Peers are verified against ``[federation.tls] ca_file`` (or the system's CAs) with host-name
checking; a node with a certificate presents it to its peers (mutual TLS) and asks its own
clients for one, optionally, so that a peer's certificate can be its credential.
"""

from __future__ import annotations

import hashlib
import ssl

from resolver.federation.config import TlsConfig

__all__ = ["certificate_fingerprint", "client_context", "server_context"]


def client_context(tls: TlsConfig) -> ssl.SSLContext:
    """The context for requests to peers: verify their certificates, present ours if any."""
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=tls.ca_file)
    if tls.cert_file is not None and tls.key_file is not None:
        context.load_cert_chain(tls.cert_file, tls.key_file)
    return context


def server_context(tls: TlsConfig) -> ssl.SSLContext | None:
    """The context to serve HTTPS with, or None when the node has no certificate.

    A client certificate is asked for but not required (ordinary clients have none); one that
    is sent must chain to ``ca_file``.
    """
    if tls.cert_file is None or tls.key_file is None:
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=tls.ca_file)
    context.load_cert_chain(tls.cert_file, tls.key_file)
    context.verify_mode = ssl.CERT_OPTIONAL
    return context


def certificate_fingerprint(ssl_object: object) -> str | None:
    """The SHA-256 fingerprint (hex) of the verified client certificate on a TLS connection."""
    if not isinstance(ssl_object, ssl.SSLObject | ssl.SSLSocket):
        return None
    der = ssl_object.getpeercert(binary_form=True)
    return hashlib.sha256(der).hexdigest() if der else None
