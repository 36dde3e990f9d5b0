"""Entity declarations: fields, checks, wire widths."""

from __future__ import annotations

import math
import uuid
import warnings

import pytest

from konnekt_arcade.world import HOST, Entity, field
from konnekt_arcade.world._schema import normalise_owner, type_named

from .entities import Avatar, Ball


def test_fields_in_declaration_order_with_widths() -> None:
    schema = Avatar.__schema__
    assert schema.names == ("x", "y", "angle", "frame", "name")
    bits = [c.bits for c in schema.codecs]
    assert bits == [21, 21, 32, 8, None]  # ±1e4 at 0.01 is 2e6 steps: 21 bits


def test_quantise_round_trip_within_half_a_step() -> None:
    codec = Avatar.__schema__.codecs[0]
    for v in (-1e4, -3.14159, 0.0, 0.004, 1234.5678, 1e4):
        assert abs(codec.value(codec.quantise(v)) - v) <= 0.005 + 1e-9


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, 1e39])
def test_non_finite_refused(bad: float) -> None:
    with pytest.raises(ValueError, match="finite"):
        Ball.__schema__.codecs[0].check(bad)


def test_range_type_and_length_refused() -> None:
    x, frame, name = (Avatar.__schema__.codecs[i] for i in (0, 3, 4))
    with pytest.raises(ValueError, match="range"):
        x.check(1e4 + 1)
    with pytest.raises(TypeError):
        frame.check(1.5)
    with pytest.raises(ValueError, match="range"):
        frame.check(256)
    with pytest.raises(ValueError, match="longer"):
        name.check("x" * 65)
    assert name.check(str(uuid.uuid4()))  # a participant id's string fits by default
    assert x.check(3) == 3.0 and type(x.check(3)) is float


def test_bad_declarations() -> None:
    with pytest.raises(TypeError, match="float, int, bool or str"):
        class Bad(Entity):
            items: list = None  # type: ignore[type-arg,assignment]
    with pytest.raises(ValueError, match="precision"):
        field(precision=0)
    with pytest.raises(ValueError, match="owner_leaves"):
        class Bad2(Entity, owner_leaves="keep"):  # type: ignore[arg-type]
            x: float = 0.0


def test_host_constant_and_string_agree() -> None:
    assert normalise_owner("host") == HOST == normalise_owner(HOST)
    with pytest.raises(ValueError):
        normalise_owner("nobody")


def test_a_second_shape_under_one_type_name_warns() -> None:
    """Peers find a type by its wire name: another shape under a name in use would decode
    the first one's records wrongly, so declaring it warns and names both classes."""

    class First(Entity, name="test_schema.Shared"):
        x: float = 0.0

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the same shape again (a re-import) is fine

        class Again(Entity, name="test_schema.Shared"):
            x: float = 0.0

    with pytest.warns(RuntimeWarning, match=r"'test_schema.Shared'.*Other.*replaces.*Again"):

        class Other(Entity, name="test_schema.Shared"):
            x: float = 0.0
            label: str = ""

    assert type_named("test_schema.Shared") is Other
    assert First.__schema__.names == ("x",)
