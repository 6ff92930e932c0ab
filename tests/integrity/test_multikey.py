"""Base58btc as the multibase draft (draft-msporny-base58) gives it, leading zero bytes included."""

from __future__ import annotations

import os

import pytest

from resolver.integrity.multikey import b58decode, b58encode


@pytest.mark.parametrize(
    ("data", "text"),
    [
        (b"Hello World!", "2NEpo7TZRRrLZSi2U"),
        (
            b"The quick brown fox jumps over the lazy dog.",
            "USm3fpXnKG5EUBx2ndxBDMPVciP5hGey2Jh4NDv6gmeo1LkMeiKrLJUUBk6Z",
        ),
        (bytes.fromhex("0000287fb4cd"), "11233QC4"),
        (b"", ""),
        (b"\0", "1"),
        (bytes([57]), "z"),
        (bytes([58]), "21"),
    ],
)
def test_base58_matches_the_published_examples(data: bytes, text: str) -> None:
    assert b58encode(data) == text
    assert b58decode(text) == data


def test_base58_round_trips_signatures_and_keys() -> None:
    for size in (32, 34, 64):
        for _ in range(200):
            data = os.urandom(size)
            assert b58decode(b58encode(data)) == data
