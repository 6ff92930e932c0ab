"""Compressed GS1 Digital Links: the standard's test vectors, the optimisation codes and
character encodings, and links this resolver refuses with the reason."""

from __future__ import annotations

import pytest

from resolver.errors import InvalidIdentifier
from resolver.gs1.compression import decompress, is_compressed
from tests.support.gs1_compress import compress

# GS1 Digital Link 1.1 compression test vectors (compressed path -> uncompressed path).
VECTORS = [
    ("AQnYUc1gmg", "/01/05412345000013"),
    ("AQnYUc1gmiCNV4JG", "/01/05412345000013/10/ABC123"),
    ("AQnYUc1gmiCNV4JGQhcNT6K6c", "/01/05412345000013/10/ABC123/21/72292641703"),
    (
        "AQnYUc1gmiCNV4JGQhcNT6K6cibQCWN9Pee9tT-PQ",
        "/01/05412345000013/22/AJY3095721P49/10/ABC123/21/72292641703",
    ),
    ("AQnYUc1gmiCNV4JGRNoBLG-nvPe2p_Ho", "/01/05412345000013/22/AJY3095721P49/10/ABC123"),
]


@pytest.mark.parametrize(("compressed", "path"), VECTORS)
def test_the_standards_vectors(compressed: str, path: str) -> None:
    assert is_compressed(compressed)
    assert decompress(compressed) == path


@pytest.mark.parametrize(
    ("compressed", "reason"),
    [
        ("AN2yxDhfaiaw", "holds AI 00…, which this resolver does not decompress"),  # an SSCC (vector)
        ("AQnYUc1gmkax7ipGrOHDPC5YNI8hMz", "holds AI 23…"),  # GTIN with AI 235 (vector)
        ("AQnYUc1gmiCNV4", "ends inside a value"),  # a vector cut short
        ("gASXYNWjFkzaNWbdk5YQWjFNHkcODNm", "holds AI 80…"),  # AI 8004 (vector)
        ("0Q" + "A" * 10, "optimisation code D1"),  # bits 1101 0001: no such code
        ("short", "10 to 512 characters"),
    ],
)
def test_links_refused_with_the_reason(compressed: str, reason: str) -> None:
    with pytest.raises(InvalidIdentifier, match=reason):
        decompress(compressed)


@pytest.mark.parametrize("encoding", [0, 1, 2, 3, 4])
@pytest.mark.parametrize("optimise", [False, True])
def test_optimisation_codes_and_encodings(encoding: int, optimise: bool) -> None:
    value = {0: "0042", 1: "00ff", 2: "00FF", 3: "Ab-_09", 4: "LFP-2026/42"}[encoding]
    for qualifier in ("22", "10", "21"):
        pairs = [("01", "09521234010012"), (qualifier, value)]
        expected = "/01/09521234010012/" + qualifier + "/" + value.replace("/", "%2F")
        assert decompress(compress(pairs, encoding=encoding, optimise=optimise)) == expected
