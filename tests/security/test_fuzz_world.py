"""Fuzzing the shared world's receive path (``World.receive``) with hypothesis.

Inputs are raw bytes and genuine world messages of every kind (deltas, acks, intros,
despawns, reports, events, recorded from a little three-peer world with a host migration)
with bytes flipped, cut or added. Two properties:

- nothing a peer sends makes ``receive`` raise, and the world keeps working: its owner's next
  changes still reach it;
- a stranger (a connected peer that owns nothing here) changes nothing that is not its own:
  whatever it sends, the entities of the others keep their owners and values.

CI runs ``KONNEKT_FUZZ_EXAMPLES`` (default 200) per test, as ``test_fuzz.py`` does.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from konnekt_arcade.world import HOST, World
from tests.world.entities import Avatar, Ball, Pet
from tests.world.sim import Net

EXAMPLES = int(os.environ.get("KONNEKT_FUZZ_EXAMPLES", "200"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=bool(os.environ.get("CI")),
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
STRANGER = UUID(int=0xBAD)


@dataclass
class _RecordingNet(Net):
    """A sim network that keeps every world message it carries (kind byte -> messages)."""

    seen: dict[int, list[bytes]] = field(default_factory=dict)

    def carry(self, src: str, dst: str, reliable: bool, data: bytes) -> None:
        kept = self.seen.setdefault(data[0], [])
        if len(kept) < 8:
            kept.append(data)
        super().carry(src, dst, reliable, data)


def _three(net: Net | None = None) -> tuple[Net, Any, Any, Any]:
    """A host (owning a ball), a guest (an avatar) and the victim (a pet), all in sync. Seeded:
    every call makes the same participants, entity ids and ticks, so the corpus recorded
    from one such world speaks of the entities of the next."""
    net = net or Net(seed=5)
    host, guest, victim = net.join(), net.join(), net.join()
    host.world.spawn(Ball, owner=HOST, x=1.0)
    guest.world.spawn(Avatar, x=2.0, name="gus")
    victim.world.spawn(Pet, x=3.0)
    net.step(20)
    return net, host, guest, victim


def _corpus() -> list[bytes]:
    """Genuine messages of every kind from ``_three``'s world as it goes on: changes, an
    event, a spawn and despawn, then its host leaves (the survivors report its entities)."""
    net, host, guest, victim = _three(_RecordingNet(seed=5))
    (ball,), (avatar,), (pet,) = (host.world.entities(Ball), guest.world.entities(Avatar),
                                  victim.world.entities(Pet))
    for i in range(5):
        ball.x, avatar.y, pet.x = float(i), float(i) / 2, float(i % 90)
        net.step(3)
    guest.world.emit("hello", b"data")
    gone = guest.world.spawn(Avatar)
    net.step(5)
    guest.world.despawn(gone)
    net.step(5)
    net.leave(host.name)
    net.step(100)
    seen = net.seen  # type: ignore[attr-defined]
    corpus = [m for kind in sorted(seen) for m in seen[kind]]
    kinds = {m[0] for m in corpus}
    assert {1, 2, 3, 4, 5, 6} <= kinds, f"the corpus lacks kinds: {sorted(kinds)}"
    return corpus


CORPUS = _corpus()


@st.composite
def hostile(draw: st.DrawFn) -> bytes:
    """Raw bytes, or a genuine message with bytes flipped, cut or added."""
    if draw(st.booleans()):
        return draw(st.binary(max_size=300))
    data = bytearray(draw(st.sampled_from(CORPUS)))
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["flip", "cut", "add", "byte"]))
        if op == "flip" and data:
            i = draw(st.integers(0, len(data) - 1))
            data[i] ^= 1 << draw(st.integers(0, 7))
        elif op == "byte" and data:
            data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
        elif op == "cut" and data:
            del data[draw(st.integers(0, len(data) - 1)):]
        else:
            data += draw(st.binary(min_size=1, max_size=40))
    return bytes(data)


def _others(world: World) -> dict[str, tuple[object, dict[str, Any]]]:
    return {e.id: (e.owner, e.values()) for e in world.entities() if e.owner != STRANGER}


@FUZZ
@given(sender=st.sampled_from(["host", "guest"]), batch=st.lists(hostile(), max_size=12))
def test_nothing_a_peer_sends_raises_and_the_others_still_get_through(
        sender: str, batch: list[bytes]) -> None:
    """Whatever one peer sends (even about its own entities), ``receive`` never raises and
    the other peer's changes still reach the victim."""
    net, host, guest, victim = _three()
    bad, good = (host, guest) if sender == "host" else (guest, host)
    for data in batch:
        victim.world.receive(bad.name, data, net.now)
    (mine,) = (e for e in good.world.entities() if e.is_mine)
    field_name = "x" if mine.owner == HOST else "y"
    setattr(mine, field_name, 42.0)
    net.step(40)
    copy = victim.world.get(mine.id)
    assert copy is not None and getattr(copy, field_name) == 42.0


@FUZZ
@given(batch=st.lists(hostile(), max_size=12))
def test_a_stranger_changes_nothing_but_its_own(batch: list[bytes]) -> None:
    net, _host, _guest, victim = _three()
    victim.world.peer_joined("X", STRANGER, net.now)
    before = _others(victim.world)
    for data in batch:
        victim.world.receive("X", data, net.now)
    victim.world.tick(net.now)
    assert _others(victim.world) == before
