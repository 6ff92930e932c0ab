"""quick_init: the same dataclass, constructed with fewer steps (resolver/frozen.py)."""

from __future__ import annotations

import dataclasses
import inspect
import pickle
from dataclasses import dataclass, field

import pytest

from resolver.frozen import quick_init
from resolver.identifiers import Identifier
from resolver.lookup import Answer, Lookup
from resolver.stores.base import Change, Record, View
from resolver.tiers import Tier


@quick_init
@dataclass(frozen=True, slots=True)
class _Sample:
    a: int
    b: str = "b"
    c: list[int] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Plain:
    a: int
    b: str = "b"
    c: list[int] = field(default_factory=list)


def test_same_signature_defaults_and_factories() -> None:
    assert str(inspect.signature(_Sample)) == str(inspect.signature(_Plain))
    one, two = _Sample(1), _Sample(1)
    assert (one.a, one.b, one.c) == (1, "b", [])
    assert one.c is not two.c  # a new list each time, as default_factory makes
    assert _Sample(1, c=[2]).c == [2]
    with pytest.raises(TypeError):
        _Sample()  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        _Sample(1, "b", [], 4)  # type: ignore[call-arg]


def test_still_frozen_equal_hashable_replaceable_picklable() -> None:
    lookup = Lookup("88.100.1/A", Tier.PUBLIC, 5.0, client="addr:x")
    with pytest.raises(dataclasses.FrozenInstanceError):
        lookup.handle = "other"  # type: ignore[misc]
    assert lookup == Lookup("88.100.1/A", Tier.PUBLIC, 5.0, (), False, client="addr:x")
    assert hash(lookup) == hash(Lookup("88.100.1/A", Tier.PUBLIC, 5.0, client="addr:x"))
    assert dataclasses.replace(lookup, client="").client == ""
    record = Record("88.100.1/A", 2, 3.0, views={Tier.PUBLIC: b"{}"})
    assert pickle.loads(pickle.dumps(record)) == record
    assert Record("h", 1, 1.0).views == {} and Record("h", 1, 1.0).views is not Record("h", 1, 1.0).views


@pytest.mark.parametrize("cls", [Lookup, Answer, View, Record, Change, Identifier])
def test_the_read_path_classes_use_it(cls: type) -> None:
    init = cls.__dict__["__init__"]
    assert init.__qualname__ == f"{cls.__qualname__}.__init__"
    assert "_set0" in init.__globals__


def test_refuses_what_it_cannot_do() -> None:
    @dataclass(frozen=True)
    class NoSlots:
        a: int

    @dataclass(frozen=True, slots=True)
    class PostInit:
        a: int

        def __post_init__(self) -> None:
            pass

    @dataclass(frozen=True, slots=True)
    class KeywordOnly:
        a: int = field(kw_only=True)

    for cls in (NoSlots, PostInit, KeywordOnly):
        with pytest.raises(TypeError):
            quick_init(cls)
