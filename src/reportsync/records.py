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
    namespace: dict[str, Any] = {"MISSING": MISSING, "FrozenInstanceError": FrozenInstanceError}
    exec(_methods(cls.__qualname__, fields, namespace), namespace)  # source made of field names only
    for method in ("__init__", "__repr__", "__eq__", "__hash__", "__setattr__", "__delattr__"):
        if method in cls.__dict__:
            continue  # written by hand in the class body: that one wins
        function = namespace[method]
        function.__qualname__ = f"{cls.__qualname__}.{method}"
        setattr(cls, method, function)
    cls.__record_fields__ = fields  # type: ignore[attr-defined]
    return cls


def _methods(qualname: str, fields: dict[str, Field], namespace: dict[str, Any]) -> str:
    params, body = [], []
    for name, spec in fields.items():
        if spec.default_factory is not None:
            namespace[f"_factory_{name}"] = spec.default_factory
            params.append(f"{name}=MISSING")
            body.append(f"    _set(self, {name!r}, _factory_{name}() if {name} is MISSING else {name})")
        elif spec.default is not MISSING:
            namespace[f"_default_{name}"] = spec.default
            params.append(f"{name}=_default_{name}")
            body.append(f"    _set(self, {name!r}, {name})")
        else:
            params.append(name)
            body.append(f"    _set(self, {name!r}, {name})")
    shown = ", ".join(f"{n}={{self.{n}!r}}" for n, s in fields.items() if s.repr)
    compared = "".join(f"self.{n}, " for n, s in fields.items() if s.compare)
    other = "".join(f"other.{n}, " for n, s in fields.items() if s.compare)
    hashed = "".join(f"self.{n}, " for n, s in fields.items() if s.hash)
    return "\n".join(
        [
            f"def __init__(self, {', '.join(params)}):",
            "    _set = object.__setattr__",
            *(body or ["    pass"]),
            "def __repr__(self):",
            f'    return f"{qualname}({shown})"',
            "def __eq__(self, other):",
            "    if other.__class__ is not self.__class__:",
            "        return NotImplemented",
            f"    return ({compared}) == ({other})",
            "def __hash__(self):",
            f"    return hash(({hashed}))",
            "def __setattr__(self, name, value):",
            "    raise FrozenInstanceError(f'cannot assign to field {name!r}')",
            "def __delattr__(self, name):",
            "    raise FrozenInstanceError(f'cannot delete field {name!r}')",
        ]
    )


def replace(obj: T, **changes: Any) -> T:
    """A copy of the record obj with some fields changed."""
    values = {name: getattr(obj, name) for name in obj.__record_fields__}  # type: ignore[attr-defined]
    return obj.__class__(**(values | changes))


def as_dict(obj: Any) -> dict[str, Any]:
    """The fields of the record obj as a dict (shallow: nested values are kept as they are)."""
    return {name: getattr(obj, name) for name in obj.__record_fields__}
