"""The data-provider role: prefixes required, readings only (never passports), public reads."""

from __future__ import annotations

import pytest

from resolver.config import ConfigError, default_config
from resolver.credentials import Principal
from resolver.tiers import Role, Tier
from tests.support.node import credential


def test_a_data_provider_needs_prefixes_and_reads_as_the_public() -> None:
    with pytest.raises(ConfigError, match="needs 'prefixes'"):
        default_config(credentials=[credential("gateway", Role.DATA_PROVIDER, "t")])
    config = default_config(credentials=[credential("gateway", Role.DATA_PROVIDER, "t", ["88.100.1"])])
    (gateway,) = config.credentials
    assert gateway.prefixes == ("88.100.1",) and Role.DATA_PROVIDER.tier is Tier.PUBLIC


def test_a_data_provider_may_not_write_passports() -> None:
    gateway = Principal(Role.DATA_PROVIDER, "gateway", ("88.100.1",))
    assert not gateway.may_write("88.100.1/BAT-1")
