"""Identifier parsing, normalisation and prefix claims, table-driven."""

from __future__ import annotations

import pytest

from resolver.errors import InvalidIdentifier
from resolver.identifiers import (
    MAX_INPUT,
    MAX_SUFFIX,
    claims,
    gs1_check_digit,
    longest_claim,
    parse_identifier,
)

HANDLE_KEY = "88.100.1/BAT-000123"
HANDLE_IRI = "https://hdl.handle.net/88.100.1/BAT-000123"


@pytest.mark.parametrize(
    "text",
    [
        "88.100.1/BAT-000123",
        "  88.100.1/BAT-000123\n",
        "hdl:88.100.1/BAT-000123",
        "HDL:88.100.1/BAT-000123",
        "88.100.1%2FBAT-000123",
        "88.100.1%2fBAT%2D000123",
        "https://node.example/88.100.1/BAT-000123",
        "http://node.example:8080/88.100.1/BAT-000123",
        "https://node.example/resolver/v1/88.100.1/BAT-000123",
        "https://hdl.handle.net/88.100.1/BAT-000123",
        "https://node.example/api/handles/88.100.1/BAT-000123",
        "https://node.example/88.100.1/BAT%2D000123?locatt=view:json#top",
    ],
)
def test_every_handle_form_gives_the_same_key_and_iri(text: str) -> None:
    ident = parse_identifier(text)
    assert (ident.key, ident.prefix, ident.suffix, ident.kind) == (
        HANDLE_KEY,
        "88.100.1",
        "BAT-000123",
        "handle",
    )
    assert ident.iri == HANDLE_IRI


@pytest.mark.parametrize(
    ("text", "key", "iri"),
    [
        ("88.100.1/bat-000123", "88.100.1/BAT-000123", "https://hdl.handle.net/88.100.1/bat-000123"),
        ("88.100.1/Bat-ä-1", "88.100.1/BAT-ä-1", "https://hdl.handle.net/88.100.1/Bat-ä-1"),
        ("20.500.12345/x/y/z", "20.500.12345/X/Y/Z", "https://hdl.handle.net/20.500.12345/x/y/z"),
        ("88.100.1/a%2Fb", "88.100.1/A/B", "https://hdl.handle.net/88.100.1/a/b"),
        ("21.11101/ß", "21.11101/ß", "https://hdl.handle.net/21.11101/ß"),
    ],
)
def test_keys_upper_case_ascii_only_and_the_iri_keeps_the_case_written(text: str, key: str, iri: str) -> None:
    ident = parse_identifier(text)
    assert (ident.key, ident.iri) == (key, iri)


def test_case_sensitive_mode_keeps_the_suffix_as_written() -> None:
    ident = parse_identifier("88.100.1/bat-000123", case_sensitive=True)
    assert ident.key == "88.100.1/bat-000123" and ident.suffix == "bat-000123"


def test_a_node_base_url_is_stripped_exactly() -> None:
    ident = parse_identifier(
        "https://NODE.example/resolver/88.100.1/BAT-000123", node_base_urls=["https://node.example/resolver/"]
    )
    assert ident.key == HANDLE_KEY
    # Under the base, the rest must be prefix/suffix: no searching further along the path.
    with pytest.raises(InvalidIdentifier, match="dotted digits"):
        parse_identifier(
            "https://node.example/resolver/x/88.100.1/B", node_base_urls=["https://node.example/resolver"]
        )


GS1_KEY = "01/09521234010012/21/EV-2025-000142"
GS1_IRI = "https://id.gs1.org/01/09521234010012/21/EV-2025-000142"


@pytest.mark.parametrize(
    "text",
    [
        "https://id.gs1.org/01/09521234010012/21/EV-2025-000142",
        "https://id.gs1.org/01/9521234010012/21/EV-2025-000142",
        "https://brand.example/01/09521234010012/21/EV-2025-000142",
        "https://brand.example/dl/01/09521234010012/21/EV-2025-000142?17=261231&linkType=gs1:pip",
        "https://id.gs1.org/01/09521234010012/10/LOT7/21/EV-2025-000142",
        "https://id.gs1.org/01/09521234010012/22/V1/10/LOT7/21/EV-2025-000142",
        "01/09521234010012/21/EV-2025-000142",
        "01%2F09521234010012%2F21%2FEV-2025-000142",
    ],
)
def test_gs1_digital_links_give_gtin14_plus_serial(text: str) -> None:
    ident = parse_identifier(text)
    assert (ident.key, ident.iri, ident.kind) == (GS1_KEY, GS1_IRI, "gs1")
    assert (ident.prefix, ident.suffix) == ("01/09521234010012", "21/EV-2025-000142")
    assert ident.qualifiers["21"] == "EV-2025-000142"


def test_gs1_qualifiers_are_reported_and_serial_case_is_kept() -> None:
    ident = parse_identifier("https://id.gs1.org/01/09521234010012/10/Lot7/21/ev-1")
    assert dict(ident.qualifiers) == {"10": "Lot7", "21": "ev-1"}
    assert ident.key == "01/09521234010012/21/ev-1"


@pytest.mark.parametrize(
    ("gtin", "gtin14"),
    [
        ("96385074", "00000096385074"),
        ("614141000036", "00614141000036"),
        ("09521234010012", "09521234010012"),
    ],
)
def test_gtin_8_12_13_14_are_padded_to_14(gtin: str, gtin14: str) -> None:
    assert parse_identifier(f"https://id.gs1.org/01/{gtin}/21/S1").prefix == f"01/{gtin14}"


def test_a_batch_only_link_is_keyed_by_lot() -> None:
    ident = parse_identifier("https://id.gs1.org/01/09521234010012/10/LOT-7")
    assert (
        ident.key == "01/09521234010012/10/LOT-7"
        and ident.iri == "https://id.gs1.org/01/09521234010012/10/LOT-7"
    )


def test_a_serial_with_a_slash_round_trips_through_its_key() -> None:
    ident = parse_identifier("https://id.gs1.org/01/09521234010012/21/A%2FB")
    assert ident.qualifiers["21"] == "A/B" and ident.key == "01/09521234010012/21/A%2FB"
    assert parse_identifier(ident.key) == ident
    assert parse_identifier(ident.iri) == ident


def test_check_digit_matches_the_gs1_examples() -> None:
    assert gs1_check_digit("0952123401001") == 2
    assert gs1_check_digit("9638507") == 4
    assert gs1_check_digit("61414100003") == 6


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty identifier"),
        ("   ", "empty identifier"),
        ("88.100.1", "no '/'"),
        ("88.100.1/", "empty handle suffix"),
        ("/BAT-1", "empty handle prefix"),
        ("hdl:", "empty identifier|no '/'"),
        ("abc/BAT-1", "dotted digits"),
        ("88..1/BAT-1", "dotted digits"),
        ("88.100./BAT-1", "dotted digits"),
        ("\uff18\uff18.100/BAT-1", "dotted digits"),  # fullwidth digits
        ("0.NA/88.100", "0.\\* namespace"),
        ("0/X", "0.\\* namespace"),
        ("88.100.1/BAT\x00-1", "control"),
        ("88.100.1/BAT\x1b[31m", "control"),
        ("88.100.1/BAT\u200b1", "control"),
        ("88.100.1/BAT 1", "space"),
        ("88.100.1/BAT%0A1", "control"),
        ("88.100.1/../etc", "'..'"),
        ("88.100.1/a/./b", "'..'"),
        ("88.100.1/a//b", "empty path segment"),
        ("88.100.1/a/", "empty path segment"),
        ("88.100.1/" + "x" * (MAX_SUFFIX + 1), "longer than 256"),
        ("1" * 65 + "/x", "prefix longer"),
        ("88.100.1/" + "x" * MAX_INPUT, "longer than 2048"),
        ("88.100.1/BAT%zz", "percent-encoding"),
        ("88.100.1/BAT%", "percent-encoding"),
        ("88.100.1/%C3%28", "UTF-8"),
        ("https://", "without a host"),
        ("https://node.example/", "neither"),
        ("https://node.example/about/team", "neither"),
        ("https://id.gs1.org/01/09521234010013/21/X", "wrong check digit: expected 2, got 3"),
        ("01/09521234010013/21/X", "wrong check digit"),
        ("https://id.gs1.org/01/96385075/21/X", "wrong check digit"),
        ("https://id.gs1.org/01/09521234010012", "needs a serial"),
        ("https://id.gs1.org/01/09521234010012/21", "without a value"),
        ("https://id.gs1.org/01/09521234010012/21/", "character set 82"),
        ("https://id.gs1.org/01/09521234010012/21/" + "A" * 21, "1 to 20 characters"),
        ("https://id.gs1.org/01/09521234010012/21/A%20B", "character set 82"),
        ("https://id.gs1.org/01/09521234010012/21/%C3%A4", "character set 82"),
        ("https://id.gs1.org/01/09521234010012/17/261231", "not a key qualifier"),
        ("https://id.gs1.org/01/09521234010012/21/S/10/L", "in the order 22, 10, 21"),
        ("https://id.gs1.org/01/09521234010012/21/S/21/T", "in the order 22, 10, 21"),
    ],
)
def test_bad_identifiers_are_refused_with_the_reason(text: str, reason: str) -> None:
    with pytest.raises(InvalidIdentifier, match=reason) as caught:
        parse_identifier(text)
    problem = caught.value.problem()
    detail = problem["detail"]
    assert problem["status"] == 400 and isinstance(detail, str) and detail
    assert len(detail) < 200  # bad input is quoted clipped, never echoed whole


@pytest.mark.parametrize(
    ("prefix", "key", "covered"),
    [
        ("88.100", "88.100.1/X", True),
        ("88.100", "88.100/X", True),
        ("88.100", "88.1000/X", False),
        ("88.100.1", "88.100/X", False),
        ("88", "88.100.1/X", True),
        ("88.100.1", "88.100.1/X", True),
        ("", "88.100.1/X", False),
        ("88.100", "noslash", False),
        ("01/0952123", "01/09521234010012/21/X", True),
        ("01/09521234010012", "01/09521234010012/21/X", True),
        ("01/0952124", "01/09521234010012/21/X", False),
        ("01/0952123", "88.100.1/X", False),
    ],
)
def test_claims_match_handle_prefixes_by_segment_and_gs1_by_string(
    prefix: str, key: str, covered: bool
) -> None:
    assert claims(prefix, key) is covered


def test_the_longest_covering_claim_wins() -> None:
    prefixes = ["88", "88.100", "88.100.1", "88.1000", "01/0952123", "01/09521234"]
    assert longest_claim(prefixes, "88.100.1/X") == "88.100.1"
    assert longest_claim(prefixes, "88.100.2/X") == "88.100"
    assert longest_claim(prefixes, "88.7/X") == "88"
    assert longest_claim(prefixes, "21.11101/X") is None
    assert longest_claim(prefixes, "01/09521234010012/21/X") == "01/09521234"
    assert longest_claim([], "88.100.1/X") is None


def test_parsing_is_bounded_for_huge_input() -> None:
    with pytest.raises(InvalidIdentifier, match="longer than"):
        parse_identifier("8" * 10_000_000)
