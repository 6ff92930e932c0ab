"""The client TLS context: made once per set of files in a process, made again when a file
changes (a rotated certificate is presented from the next node start on)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import trustme

from resolver.config.federation import TlsConfig
from resolver.federation.tls import client_context


def _files(tmp: Path, ca: trustme.CA, name: str) -> TlsConfig:
    leaf = ca.issue_cert("127.0.0.1", common_name=name)
    cert, key, ca_file = tmp / "node.crt", tmp / "node.key", tmp / "ca.pem"
    leaf.cert_chain_pems[0].write_to_path(str(cert))
    leaf.private_key_pem.write_to_path(str(key))
    ca.cert_pem.write_to_path(str(ca_file))
    return TlsConfig(cert_file=str(cert), key_file=str(key), ca_file=str(ca_file))


def test_nodes_with_the_system_cas_share_one_context() -> None:
    assert client_context(TlsConfig()) is client_context(TlsConfig())


def test_the_same_files_give_the_same_context_and_a_rotated_one_a_new_one(tmp_path: Path) -> None:
    ca = trustme.CA()
    tls = _files(tmp_path, ca, "first")
    first = client_context(tls)
    assert client_context(tls) is first
    assert first is not client_context(TlsConfig())
    before = os.stat(tls.cert_file or "").st_mtime_ns
    rotated = _files(tmp_path, ca, "second")  # the same paths, new certificate and key
    os.utime(rotated.cert_file or "", ns=(before + 10**9, before + 10**9))
    assert client_context(rotated) is not first


def test_a_missing_file_fails_as_before(tmp_path: Path) -> None:
    missing = TlsConfig(ca_file=str(tmp_path / "absent.pem"))
    with pytest.raises(FileNotFoundError):
        client_context(missing)
