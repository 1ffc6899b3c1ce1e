"""Frozen records: `@dataclass(frozen=True)` semantics, built without the dataclasses module.

Why not dataclasses: importing it imports inspect (and ast, dis, tokenize), ~12 ms, and each class costs
~0.5 ms more; `reportsync validate` runs in ~45 ms all told, so that alone broke its start-up budget
(bench/RESULTS.md). A record is what the package needs of a dataclass and no more: typed fields with
defaults or default factories, __init__, __repr__, __eq__, __hash__, and no assignment after __init__.
Type checkers see records as frozen dataclasses (PEP 681).
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing itself costs ~3 ms of start-up; mypy treats this name as True
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, TypeVar, dataclass_transform

    T = TypeVar("T")
else:

    def dataclass_transform(**_: object) -> object:
        return lambda function: function


class FrozenInstanceError(AttributeError):
    """Raised on an attempt to assign or delete a field of a record."""


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


class Field:
    """How one field behaves: its default (or factory) and whether it takes part in eq, hash and repr."""

    __slots__ = ("compare", "default", "default_factory", "hash", "name", "repr")

    def __init__(
        self,
        default: Any = MISSING,
        default_factory: Callable[[], Any] | None = None,
        compare: bool = True,
        repr: bool = True,
        hash: bool | None = None,
    ) -> None:
        self.name = ""
        self.default, self.default_factory = default, default_factory
        self.compare, self.repr, self.hash = compare, repr, compare if hash is None else hash


def field(
    *,
    default: Any = MISSING,
    default_factory: Callable[[], Any] | None = None,
    compare: bool = True,
    repr: bool = True,
    hash: bool | None = None,
) -> Any:
    """A field with a default, a default factory, or left out of comparison, hashing or repr."""
    return Field(default, default_factory, compare, repr, hash)


@dataclass_transform(frozen_default=True, field_specifiers=(field,))
def record(cls: type[T]) -> type[T]:
    """Make cls a frozen record of its annotated fields (in order; bases that are records come first)."""
    fields: dict[str, Field] = {}
    for base in reversed(cls.__mro__[1:]):
        fields.update(getattr(base, "__record_fields__", {}))
    # Read from the class itself: inspect.get_annotations would import inspect, the cost avoided here.
    for name in cls.__dict__.get("__annotations__", {}):  # noqa: RUF063
        spec = cls.__dict__.get(name, MISSING)
        spec = spec if isinstance(spec, Field) else Field(default=spec)
        spec.name = name
        fields[name] = spec  # a field redefined by a subclass keeps its place, as in dataclasses
        if spec.default is MISSING and name in cls.__dict__:
            delattr(cls, name)  # a Field or factory is not a class-level default
        elif spec.default is not MISSING:
            setattr(cls, name, spec.default)
    cls.__record_fields__ = fields  # type: ignore[attr-defined]
    cls.__record_repr__ = tuple(n for n, f in fields.items() if f.repr)  # type: ignore[attr-defined]
    cls.__record_compare__ = tuple(n for n, f in fields.items() if f.compare)  # type: ignore[attr-defined]
    cls.__record_hash__ = tuple(n for n, f in fields.items() if f.hash)  # type: ignore[attr-defined]
    methods = {"__init__": _init(fields), "__repr__": _repr, "__eq__": _eq, "__hash__": _hash}
    methods |= {"__setattr__": _setattr, "__delattr__": _delattr}
    for name, function in methods.items():
        if name not in cls.__dict__:  # one written by hand in the class body wins
            setattr(cls, name, function)
    return cls


def _init(fields: dict[str, Field]) -> Callable[..., None]:
    """__init__ is the one method made per class: it runs for every record, so it is plain code."""
    namespace: dict[str, Any] = {"MISSING": MISSING}
    params, body = [], []
    for name, spec in fields.items():
        value = name
        if spec.default_factory is not None:
            namespace[f"_factory_{name}"] = spec.default_factory
            params.append(f"{name}=MISSING")
            value = f"_factory_{name}() if {name} is MISSING else {name}"
        elif spec.default is not MISSING:
            namespace[f"_default_{name}"] = spec.default
            params.append(f"{name}=_default_{name}")
        else:
            params.append(name)
        body.append(f"    _set(self, {name!r}, {value})")
    lines = [f"def __init__(self, {', '.join(params)}):", "    _set = object.__setattr__", *body]
    exec("\n".join(lines), namespace)  # source made of field names only
    init: Callable[..., None] = namespace["__init__"]
    return init


def _repr(self: Any) -> str:
    shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__record_repr__)
    return f"{type(self).__qualname__}({shown})"


def _eq(self: Any, other: Any) -> Any:
    if other.__class__ is not self.__class__:
        return NotImplemented
    names = self.__record_compare__  # compared as tuples, as dataclasses do (so a NaN equals itself)
    return tuple(getattr(self, n) for n in names) == tuple(getattr(other, n) for n in names)


def _hash(self: Any) -> int:
    return hash(tuple(getattr(self, name) for name in self.__record_hash__))


def _setattr(self: Any, name: str, value: Any) -> None:
    raise FrozenInstanceError(f"cannot assign to field {name!r}")


def _delattr(self: Any, name: str) -> None:
    raise FrozenInstanceError(f"cannot delete field {name!r}")


def replace(obj: T, **changes: Any) -> T:
    """A copy of the record obj with some fields changed."""
    values = {name: getattr(obj, name) for name in obj.__record_fields__}  # type: ignore[attr-defined]
    return obj.__class__(**(values | changes))


def as_dict(obj: Any) -> dict[str, Any]:
    """The fields of the record obj as a dict (shallow: nested values are kept as they are)."""
    return {name: getattr(obj, name) for name in obj.__record_fields__}
