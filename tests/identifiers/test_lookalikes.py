"""Look-alike handle suffixes: one key per Unicode spelling, mixed look-alike scripts refused."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from resolver.errors import InvalidIdentifier
from resolver.identifiers import parse_identifier


def test_nfc_and_nfd_spellings_give_one_key_and_keep_the_written_iri() -> None:
    nfc = parse_identifier("88.100.1/SEC-CAF\u00c9")
    nfd = parse_identifier("88.100.1/SEC-CAFE\u0301")
    assert nfc.key == nfd.key == "88.100.1/SEC-CAF\u00c9"
    assert nfd.iri.endswith("SEC-CAFE\u0301") and nfd.written == "88.100.1/SEC-CAFE\u0301"


@pytest.mark.parametrize(
    ("suffix", "message"),
    [
        ("B\u0410T-EV-000001", "CYRILLIC CAPITAL LETTER A"),
        ("BAT-\u0395V-000001", "GREEK CAPITAL LETTER EPSILON"),
        ("\uff22\uff21\uff34-EV-000001", "write 'BAT-EV-000001' instead"),
        ("BAT-EV-00000\u00b2", "SUPERSCRIPT TWO"),
    ],
)
def test_a_suffix_that_prints_like_another_is_refused_naming_the_character(suffix: str, message: str) -> None:
    with pytest.raises(InvalidIdentifier, match=message):
        parse_identifier(f"88.100.1/{suffix}")


@pytest.mark.parametrize(
    "suffix", ["\u0416\u0423\u041a-1", "\u0391\u0392\u0393-123", "\u6570\u636e-001", "caf\u00e9-\u00fc"]
)
def test_a_suffix_in_one_script_is_accepted(suffix: str) -> None:
    assert parse_identifier(f"88.100.1/{suffix}").key.startswith("88.100.1/")


def test_prefixes_configured_for_mixed_scripts_take_them() -> None:
    ident = parse_identifier("88.100.7/B\u0410T-1", mixed_script_prefixes=["88.100.7"])
    assert ident.key == "88.100.7/B\u0410T-1"
    with pytest.raises(InvalidIdentifier):
        parse_identifier("88.100.1/B\u0410T-1", mixed_script_prefixes=["88.100.7"])


_IDENTIFIER_LIKE = st.one_of(
    st.text(max_size=300),
    st.builds(
        lambda p, s: f"{p}/{s}", st.sampled_from(["88.100.1", "01", "0.NA", "hdl:88.100", ""]), st.text()
    ),
    st.builds(
        lambda host, path: f"https://{host}/{path}",
        st.text(alphabet="abc.:[]@%0123456789", max_size=20),
        st.text(max_size=80),
    ),
    st.builds(lambda t: "01/" + t, st.text(alphabet="0123456789/%21ABCa-", max_size=60)),
)


@settings(max_examples=600, deadline=None)
@given(_IDENTIFIER_LIKE, st.booleans())
def test_the_parser_raises_nothing_but_invalid_identifier(text: str, case_sensitive: bool) -> None:
    try:
        ident = parse_identifier(text, case_sensitive=case_sensitive, node_base_urls=["http://n.example/r"])
    except InvalidIdentifier as err:
        assert err.status == 400 and err.detail
        return
    assert ident.key == f"{ident.prefix}/{ident.suffix}"
    assert unicodedata.is_normalized("NFC", ident.key)
