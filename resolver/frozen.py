"""A quicker ``__init__`` for the frozen, slotted dataclasses made once or more per request.

A frozen dataclass's generated ``__init__`` sets each field with ``object.__setattr__(self,
name, value)``: a generic attribute lookup per field. A ``Lookup`` or an ``Answer`` (a dozen
fields) then cost several microseconds each, on every read that misses the in-process caches.
``quick_init`` gives the class an ``__init__`` of the same signature (the same parameters, in
the same order, with the same defaults) that sets each slot through its own descriptor: the
same object, the same frozen ``__setattr__`` afterwards, ``replace``, equality, hashing and
pickling unchanged.
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

__all__ = ["quick_init"]

C = TypeVar("C", bound=type)


class _Factory:
    """Stands for a field's default_factory in the signature (shown as dataclasses shows it)."""

    def __repr__(self) -> str:
        return "<factory>"


_NO_VALUE = _Factory()


def quick_init(cls: C) -> C:
    """Give ``cls`` (a ``@dataclass(frozen=True, slots=True)`` with plain fields) the quick
    ``__init__``. Refuses a class it cannot do that for (no slots, ``__post_init__``,
    ``init=False`` or keyword-only fields)."""
    if not dataclasses.is_dataclass(cls) or "__slots__" not in cls.__dict__:
        raise TypeError(f"{cls.__name__} is not a slotted dataclass")
    if hasattr(cls, "__post_init__"):
        raise TypeError(f"{cls.__name__} has a __post_init__")
    namespace: dict[str, Any] = {"_NO_VALUE": _NO_VALUE}
    params: list[str] = []
    body: list[str] = []
    for number, item in enumerate(dataclasses.fields(cls)):
        if not item.init or item.kw_only:
            raise TypeError(f"{cls.__name__}.{item.name}: only plain fields are supported")
        name = item.name
        namespace[f"_set{number}"] = cls.__dict__[name].__set__
        if item.default is not dataclasses.MISSING:
            namespace[f"_default{number}"] = item.default
            params.append(f"{name}=_default{number}")
        elif item.default_factory is not dataclasses.MISSING:
            namespace[f"_factory{number}"] = item.default_factory
            params.append(f"{name}=_NO_VALUE")
            body.append(f"    if {name} is _NO_VALUE: {name} = _factory{number}()")
        else:
            params.append(name)
        body.append(f"    _set{number}(self, {name})")
    source = f"def __init__(self, {', '.join(params)}):\n" + "\n".join(body or ["    pass"]) + "\n"
    exec(source, namespace)  # made from the field names alone, as dataclasses does
    init = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__annotations__ = {**cls.__init__.__annotations__}
    init.__doc__ = cls.__init__.__doc__
    setattr(cls, "__init__", init)  # noqa: B010 (mypy refuses assigning to a method)
    return cls
