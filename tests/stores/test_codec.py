"""The stored byte format of tier views: round trip, format byte, frozen dictionary."""

from __future__ import annotations

import hashlib
import zlib

import pytest

from resolver.stores._codec import compress, decompress, pack_views, unpack_views
from resolver.stores._zdict import ZDICT_1
from resolver.tiers import Tier

VIEWS = {
    Tier.PUBLIC: b'{"@context":"https://w3id.org/battery-passport/eu-battery/v1","id":"x","type":"BatteryPassport"}',
    Tier.AUTHORITY: b'{"id":"x","\xc3\xa4":' + bytes(range(256)) + b"}",
}


def test_views_round_trip_byte_for_byte() -> None:
    assert unpack_views(pack_views(VIEWS)) == VIEWS
    assert unpack_views(b"") == {}


def test_the_dictionary_makes_passport_text_smaller_than_plain_zlib() -> None:
    text = VIEWS[Tier.PUBLIC] * 3
    assert len(compress(text)) < len(zlib.compress(text, 6))
    assert decompress(compress(text)) == text


def test_data_in_an_unknown_format_is_refused_not_guessed() -> None:
    with pytest.raises(ValueError, match="unknown format"):
        decompress(zlib.compress(b"plain zlib, no format byte"))


def test_the_stored_dictionary_never_changes() -> None:
    # Versions already stored need exactly these bytes to be read back; a new dictionary is a new format.
    assert (
        hashlib.sha256(ZDICT_1).hexdigest()
        == "e43f3274a6c6af74476873995e359ad48afc4fb4aeb2278a6a57ae61a758fbfb"
    )
