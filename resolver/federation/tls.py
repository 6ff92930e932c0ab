"""TLS between peers: the contexts a node serves with and asks its peers with.

Peers are verified against ``[federation.tls] ca_file`` (or the system's CAs) with host-name
checking; a node with a certificate presents it to its peers (mutual TLS) and asks its own
clients for one, optionally, so that a peer's certificate can be its credential.
"""

from __future__ import annotations

import hashlib
import os
import ssl

from resolver.config.federation import TlsConfig
from resolver.memo import Memo

__all__ = ["certificate_fingerprint", "client_context", "server_context"]


# Loading the system's CAs into a context costs ~40 ms of CPU, paid at every node start. A
# client context is not changed once made (connections only read it), so the nodes of one
# process that name the same files share one. The key holds each file's identity and mtime: a
# file replaced (a certificate rotated) makes a new context. Contexts with the system's CAs are
# a few hundred KB; a handful are kept.
_CONTEXT_BYTES = 500_000
_client_contexts: Memo[tuple[object, ...], ssl.SSLContext] = Memo(
    max_bytes=8 * _CONTEXT_BYTES, size=lambda key, context: _CONTEXT_BYTES
)


def client_context(tls: TlsConfig) -> ssl.SSLContext:
    """The context for requests to peers: verify their certificates, present ours if any."""
    key = _files_key(tls)
    context = _client_contexts.get(key) if key is not None else None
    if context is None:
        context = _new_client_context(tls)
        if key is not None:
            _client_contexts.put(key, context)
    return context


def _new_client_context(tls: TlsConfig) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=tls.ca_file)
    if tls.cert_file is not None and tls.key_file is not None:
        context.load_cert_chain(tls.cert_file, tls.key_file)
    return context


def _files_key(tls: TlsConfig) -> tuple[object, ...] | None:
    """What names a client context: each file's path, inode, size and mtime (None: a file
    cannot be read now, so the context is made, and fails, as without the memo)."""
    key: list[object] = []
    for path in (tls.ca_file, tls.cert_file, tls.key_file):
        if path is None:
            key.append(None)
            continue
        try:
            stat = os.stat(path)
        except OSError:
            return None
        key.append((path, stat.st_ino, stat.st_size, stat.st_mtime_ns))
    return tuple(key)


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
