"""Thresholds of the health rating and the warning rules, each named after where it comes from.

Node-wide defaults; ``LifecycleSettings.from_mapping`` reads a ``[lifecycle]`` table with the
same names (unknown keys are refused). docs/health.md explains each one.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from resolver.errors import ConfigError

__all__ = ["RULE_SETTINGS", "LifecycleSettings"]

# What an operator may set for its prefixes (the warning rules); the rating keeps the node's.
RULE_SETTINGS = (
    "warn_soh_below",
    "fade_anomaly_factor",
    "default_min_temperature",
    "default_max_temperature",
    "silence_days",
)


@dataclass(frozen=True, slots=True)
class LifecycleSettings:
    # UN GTR No. 22 (in-vehicle battery durability): minimum state of certified energy of
    # 80 % at 5 years / 100,000 km and 70 % at 8 years / 160,000 km.
    gtr22_soce_5_years: float = 80.0
    gtr22_soce_8_years: float = 70.0
    # The floor below which the issue (and common second-life practice) sees no further use.
    second_life_floor_soh: float = 60.0
    # Warning rule: state of health below this raises a warning; below the floor, critical.
    warn_soh_below: float = 80.0
    # Warning rule: observed fade faster than this multiple of the fade the passport's own
    # expected lifetime implies (dp 31/59 cycles to dp 33 exhaustion threshold).
    fade_anomaly_factor: float = 1.5
    # The fade rule runs again for a passport once its readings move on this many days.
    fade_check_interval_days: float = 7.0
    # Exhaustion threshold when the passport gives none (dp 33): GTR 22's 8-year minimum.
    default_exhaustion_soh: float = 70.0
    # Operating temperature limits when the passport gives none (dp 34 is the idle range).
    default_min_temperature: float = -20.0
    default_max_temperature: float = 55.0
    # Warning rule: no reading for this many days.
    silence_days: float = 30.0
    silence_sweep_seconds: float = 3600.0
    # Health: fewer state-of-health readings than this, or a shorter span, is "not enough data".
    min_readings: int = 5
    min_span_days: float = 7.0
    # Health: at most this many points enter the Theil-Sen fit (medians of equal-count bins).
    max_fit_points: int = 200
    # Readings may be dated this many seconds ahead of the node's clock (device clock drift).
    clock_skew_seconds: float = 300.0
    # Webhook delivery: attempts before a dead letter, first backoff (doubling), its cap.
    delivery_attempts: int = 5
    delivery_backoff_seconds: float = 1.0
    delivery_backoff_max_seconds: float = 300.0
    delivery_timeout_seconds: float = 5.0
    # Warnings a process claimed this long ago and never finished (it died) are taken over;
    # keep it above the longest a delivery can take (every attempt's timeout and backoff).
    delivery_reclaim_seconds: float = 600.0
    # Webhook targets: hosts (names or addresses; ".example.com" for its subdomains) that
    # subscriptions may deliver to. Empty: any host whose addresses are all public. A listed
    # host is allowed even on a private or loopback address (the operator said so).
    allowed_webhook_hosts: tuple[str, ...] = ()

    def with_rules(self, overrides: Mapping[str, float]) -> LifecycleSettings:
        """These settings with an operator's rule settings for a prefix applied."""
        known: dict[str, Any] = {k: float(v) for k, v in overrides.items() if k in RULE_SETTINGS}
        return dataclasses.replace(self, **known) if known else self

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any]) -> LifecycleSettings:
        """The ``[lifecycle]`` table; a key it does not know or a wrong type is refused by name."""
        fields = {f.name: f for f in dataclasses.fields(cls)}
        values: dict[str, Any] = {}
        for key, value in raw.items():
            if key not in fields:
                raise ConfigError(f"unknown configuration key 'lifecycle.{key}'")
            if key == "allowed_webhook_hosts":
                if not isinstance(value, list | tuple) or not all(isinstance(v, str) and v for v in value):
                    raise ConfigError("'lifecycle.allowed_webhook_hosts' must be a list of host names")
                values[key] = tuple(v.lower().strip("[]") for v in value)
                continue
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ConfigError(f"'lifecycle.{key}' must be a number")
            if value < 0 and "temperature" not in key:
                raise ConfigError(f"'lifecycle.{key}' must not be negative")
            if fields[key].type in (int, "int"):
                if not isinstance(value, int):
                    raise ConfigError(f"'lifecycle.{key}' must be a whole number")
                values[key] = value
            else:
                values[key] = float(value)
        settings = cls(**values)
        if settings.delivery_attempts < 1:
            raise ConfigError("'lifecycle.delivery_attempts' must be at least 1")
        return settings
