"""The common form's parse: the general parse's very identifier, or no answer."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from resolver.errors import InvalidIdentifier
from resolver.identifiers import Identifier, parse_identifier, parse_plain_handle

# Text near the common form: digits and dots, a slash or two, ASCII of every kind, a few others.
_ALPHABET = st.sampled_from(
    [*"0123456789....//%%abcXYZ-_.~!$&'()*+,;=:@ \t\n\x7f\x00", "é", "\uff21", "%2F", "%41", "01/", "0."]
)
_NEAR = st.lists(_ALPHABET, max_size=30).map("".join)


def _general(text: str, case_sensitive: bool) -> Identifier | None:
    try:
        return parse_identifier(text, case_sensitive=case_sensitive)
    except InvalidIdentifier:
        return None


@settings(max_examples=1000, deadline=None)
@given(_NEAR, st.booleans())
def test_a_plain_parse_is_the_general_parse(text: str, case_sensitive: bool) -> None:
    plain = parse_plain_handle(text, case_sensitive=case_sensitive)
    if plain is not None:
        assert plain == _general(text, case_sensitive)


@pytest.mark.parametrize(
    "text",
    ["88.100.9/BENCH-0000001", "88.100.9/bench-1", "20.500.12345/a.b~c!$&'()*+,;=:@_", "00.1/X", "88/x"],
)
def test_the_common_forms_are_parsed_plainly(text: str) -> None:
    for case_sensitive in (False, True):
        plain = parse_plain_handle(text, case_sensitive=case_sensitive)
        assert plain is not None
        assert plain == parse_identifier(text, case_sensitive=case_sensitive)


@pytest.mark.parametrize(
    "text",
    [
        "0/X",
        "0.NA/88.100",
        "01/09521234010012",
        "88.100.9/A/B",
        "88.100.9/A%2FB",
        "88.100.9/.",
        "88.100.9/..",
        " 88.100.9/X",
        "hdl:88.100.9/X",
        "https://n.example/88.100.9/X",
        "88.100.9/CAFÉ",
        "1" * 65 + "/X",
        "88.100.9/" + "X" * 257,
        "88.100.9/",
    ],
)
def test_other_forms_go_to_the_general_parse(text: str) -> None:
    assert parse_plain_handle(text) is None
