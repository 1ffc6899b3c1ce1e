"""Records behave as frozen dataclasses do: the parts of that contract the package relies on."""

from __future__ import annotations

import pytest

from reportsync.records import FrozenInstanceError, as_dict, field, record, replace


@record
class Point:
    """A test record with every kind of field."""

    x: int
    y: int = 0
    tags: tuple[str, ...] = ()
    payload: dict[str, int] = field(default_factory=dict, hash=False)
    note: str = field(default="", compare=False, repr=False)


def test_init_takes_fields_in_order_with_defaults() -> None:
    point = Point(1, 2, ("a",), {"k": 1}, "hi")
    assert (point.x, point.y, point.tags, point.payload, point.note) == (1, 2, ("a",), {"k": 1}, "hi")
    assert Point(1) == Point(x=1, y=0, tags=(), payload={}, note="")


def test_a_required_field_is_required() -> None:
    with pytest.raises(TypeError):
        Point()  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Point(1, z=2)  # type: ignore[call-arg]


def test_default_factory_makes_a_new_value_each_time() -> None:
    first, second = Point(1), Point(2)
    assert first.payload == {} and first.payload is not second.payload


def test_assignment_and_deletion_are_refused() -> None:
    point = Point(1)
    with pytest.raises(FrozenInstanceError, match="cannot assign to field 'x'"):
        point.x = 2  # type: ignore[misc]
    with pytest.raises(AttributeError):
        del point.y  # type: ignore[misc]
    assert point.x == 1


def test_equality_uses_compared_fields_and_the_exact_class() -> None:
    assert Point(1, note="a") == Point(1, note="b")
    assert Point(1) != Point(2)
    assert Point(1, payload={"a": 1}) != Point(1)

    @record
    class Other:
        x: int
        y: int = 0
        tags: tuple[str, ...] = ()

    assert Point(1) != Other(1)
    assert Point(1) != (1, 0, ())


def test_hash_skips_unhashable_fields_marked_hash_false() -> None:
    assert hash(Point(1, payload={"a": 1})) == hash(Point(1))
    assert len({Point(1), Point(1), Point(2)}) == 2


def test_repr_shows_fields_not_marked_repr_false() -> None:
    assert repr(Point(1, note="secret")) == "Point(x=1, y=0, tags=(), payload={})"


def test_replace_and_as_dict() -> None:
    point = Point(1, tags=("a",))
    moved = replace(point, y=5)
    assert moved == Point(1, 5, ("a",)) and point.y == 0
    assert as_dict(moved) == {"x": 1, "y": 5, "tags": ("a",), "payload": {}, "note": ""}


def test_class_defaults_stay_readable_and_methods_written_by_hand_win() -> None:
    @record
    class Named:
        name: str
        size: int = 3

        def __repr__(self) -> str:
            return f"<{self.name}>"

    assert Named.size == 3
    assert repr(Named("n")) == "<n>"


def test_a_subclass_adds_fields_after_its_base() -> None:
    @record
    class Base:
        a: int

    @record
    class Child(Base):
        b: int = 2

    assert Child(1) == Child(a=1, b=2) and as_dict(Child(1)) == {"a": 1, "b": 2}
