"""GB/T 34014 codes: parse, explain, validate, handles; property-based over the code space."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from resolver.cn.gbt34014 import (
    BATTERY_TYPES,
    PRODUCT_TYPES,
    code_from_handle,
    encode_date,
    handle_for,
    looks_like_code,
    parse_code,
)
from resolver.errors import InvalidIdentifier

ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
EXAMPLE = "04QCE32A0001JBL7B0000123"  # CATL-style: cell, ternary, 2020-07-11, serial 123


def test_the_example_is_explained_field_by_field() -> None:
    code = parse_code(EXAMPLE)
    assert (code.maker, code.product_type, code.battery_type) == ("04Q", "C", "E")
    assert (code.specification, code.traceability, code.serial) == ("32", "A0001JB", "0000123")
    assert code.production_date == datetime.date(2020, 7, 11)
    assert code.chemistry == "NMC"
    fields = {f.name: f.to_json() for f in code.fields()}
    assert fields["productType"]["meaning"] == "cell"
    assert fields["productionDate"] == {
        "field": "productionDate",
        "positions": "15-17",
        "value": "L7B",
        "meaning": "2020-07-11",
    }


@pytest.mark.parametrize(
    ("code", "names"),
    [
        ("04QCE32A0001JB", "has 14"),
        ("04QXE32A0001JBL7B0000123", "position 4 (product type)"),
        ("04QCX32A0001JBL7B0000123", "position 5 (battery type)"),
        ("04QCE32A0001JBI7B0000123", "position 15 (production year)"),
        ("04QCE32A0001JBL0B0000123", "position 16 (production month)"),
        ("04QCE32A0001JBL7Z0000123", "position 17 (production day)"),
        ("04QCE32A0001JBL2Y0000123", "day 31 of 2020-02"),
        ("04QCE32A0001JBL7B00001A3", "positions 18-24 (serial)"),
        ("04QCE32A0001JBL7B0000000", "positions 18-24 (serial)"),
        ("04QCE32A-001JBL7B0000123", "position 9 is '-'"),
    ],
)
def test_bad_codes_name_the_field(code: str, names: str) -> None:
    with pytest.raises(InvalidIdentifier) as err:
        parse_code(code)
    assert names in err.value.detail


dates = st.dates(min_value=datetime.date(2010, 1, 1), max_value=datetime.date(2039, 12, 31))
codes = st.builds(
    lambda maker, product, battery, spec, trace, date, serial: (
        maker + product + battery + spec + trace + encode_date(date) + f"{serial:07d}"
    ),
    st.text(ALNUM, min_size=3, max_size=3),
    st.sampled_from(sorted(PRODUCT_TYPES)),
    st.sampled_from(sorted(BATTERY_TYPES)),
    st.text(ALNUM, min_size=2, max_size=2),
    st.text(ALNUM, min_size=7, max_size=7),
    dates,
    st.integers(1, 9_999_999),
)


@given(codes)
def test_every_well_formed_code_parses_back_to_its_fields(text: str) -> None:
    code = parse_code(text)
    assert code.code == text
    assert "".join(f.value for f in code.fields()) == text
    assert encode_date(code.production_date) == text[14:17]
    assert looks_like_code(text)


@given(dates)
def test_dates_round_trip(date: datetime.date) -> None:
    assert parse_code("04QCE32A0001JB" + encode_date(date) + "0000001").production_date == date


@given(codes, st.sampled_from(["88.100.1", "20.500.12345"]))
def test_handles_round_trip(text: str, prefix: str) -> None:
    handle = handle_for(text.lower(), prefix)
    assert handle == f"{prefix}/{text}"
    found = code_from_handle(handle)
    assert found is not None and found.code == text


@given(st.text(min_size=0, max_size=30))
def test_any_text_parses_or_is_refused_with_a_reason(text: str) -> None:
    try:
        code = parse_code(text)
    except InvalidIdentifier as err:
        assert "GB/T 34014" in err.detail or "24 characters" in err.detail
        return
    assert len(code.code) == 24


def test_a_handle_whose_suffix_is_not_a_code_has_none() -> None:
    assert code_from_handle("88.100.1/BAT-EV-000001") is None
    assert code_from_handle("88.100.1/04QCE32A0001JBL2Y0000123") is None  # 31 February


def test_years_outside_the_table_cannot_be_encoded() -> None:
    with pytest.raises(ValueError, match="2010 to 2039"):
        encode_date(datetime.date(2040, 1, 1))
