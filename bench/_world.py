"""The shared world's wire cost and CPU, each beside a bare baseline measured in the same run.

- bytes per tick per receiver for 60 entities each changing x and y: the world's delta with
  float32 fields and with a declared precision, against Colyseus Schema's documented cost for
  the same change (per entity: 1 byte switch + 1 byte refId + per changed field 1 byte index +
  a 4-byte float32 = 12 B, 720 B for 60);
- host tick: ``World.tick`` for 200 moving entities to 8 peers (quantise, snapshot, delta per
  acknowledged base) against a bare ``struct.pack`` of the same changed values (id, x, y per
  entity, joined: one packet, as a broadcast needs);
- receiver apply: ``World.receive`` of one such delta (decode, authority check, attribute
  sets, a sample kept) against ``struct.unpack_from`` of the bare packet plus the attribute
  sets on plain objects found by id;
- host migration: how soon a host-owned entity moves again once a new host is named, after the
  host leaves or crashes, against ``migration_wait + 1 tick`` (``bench/_world_migration``).

Pure Python, no sockets: ``python -m bench --quick --only world`` or ``python -m bench._world``.
"""

from __future__ import annotations

import json
import random
import struct
import sys
import time
from typing import Any
from uuid import UUID

from konnekt_arcade.world import HOST, Entity, World, WorldConfig, field
from konnekt_arcade.world._wire import ack

from ._stats import percentile
from ._world_migration import goals as migration_goals
from ._world_migration import rows as migration_rows
from ._world_migration import run_migration

COLYSEUS_60 = 720  # 60 x (1 + 1 + 2 x (1 + 4))
BOUND = 1e4


class BenchAvatar(Entity, name="bench.Avatar"):
    x: float = field(precision=0.01, range=(-BOUND, BOUND))
    y: float = field(precision=0.01, range=(-BOUND, BOUND))
    angle: float = 0.0
    frame: int = field(default=0, range=(0, 255))
    name: str = ""


class BenchAvatar32(Entity, name="bench.Avatar32"):
    x: float = 0.0
    y: float = 0.0
    angle: float = 0.0
    frame: int = field(default=0, range=(0, 255))
    name: str = ""


_CONFIG = WorldConfig(rate=1e9, burst=1e9, max_entities=4096, max_per_owner=4096)


class _Plain:
    __slots__ = ("x", "y")

    def __init__(self) -> None:
        self.x = self.y = 0.0


def _host(n_peers: int) -> World:
    world = World(_CONFIG)
    world.set_local(UUID(int=1))
    for i in range(n_peers):
        world.peer_joined(f"peer{i}", UUID(int=100 + i), 0.0)
    world.set_host("me", True, 0.0)
    world.data_to_send()
    return world


def _tick(world: World, now: float, peers: int) -> list[bytes]:
    """One network tick; the peers acknowledge it (outside what is timed)."""
    world.tick(now)
    deltas = [o.data for o in world.data_to_send() if not o.reliable]
    for i in range(peers):
        world.receive(f"peer{i}", ack(world.tick_number), now)
    return deltas


def _move(entities: list[Any], rng: random.Random) -> None:
    for e in entities:
        e.x = e.x + rng.uniform(-3.0, 3.0)
        e.y = e.y + rng.uniform(-3.0, 3.0)


def bytes_per_tick(cls: type[Entity], n: int = 60, ticks: int = 20) -> float:
    """Mean delta size per receiver when all ``n`` entities change x and y each tick."""
    world = _host(1)
    rng = random.Random(1)
    ents = [world.spawn(cls, owner=HOST, x=float(i), y=float(i)) for i in range(n)]
    _tick(world, 0.0, 1)  # the first delta carries them in full
    sizes = []
    for t in range(1, ticks + 1):
        _move(ents, rng)
        (delta,) = _tick(world, t * 0.05, 1)
        sizes.append(len(delta))
    return sum(sizes) / len(sizes)


def host_tick(n: int = 200, peers: int = 8, reps: int = 60) -> dict[str, float]:
    """µs per tick: ``World.tick`` to ``peers`` vs a bare pack of the same values."""
    world = _host(peers)
    rng = random.Random(2)
    ents = [world.spawn(BenchAvatar, owner=HOST, x=float(i % 100), y=float(i // 100))
            for i in range(n)]
    _tick(world, 0.0, peers)
    pack = struct.Struct("<Hff").pack
    ours, bare = [], []
    for t in range(1, reps + 1):
        _move(ents, rng)
        t0 = time.perf_counter()
        world.tick(t * 0.05)
        t1 = time.perf_counter()
        b"".join([pack(i, e.x, e.y) for i, e in enumerate(ents)])
        t2 = time.perf_counter()
        ours.append(t1 - t0)
        bare.append(t2 - t1)
        sent = [o for o in world.data_to_send() if not o.reliable]
        assert len(sent) == 1 and len(sent[0].peers) == peers  # one encoding for all 8
        for i in range(peers):
            world.receive(f"peer{i}", ack(world.tick_number), t * 0.05)
    o, b = percentile(ours, 50) * 1e6, percentile(bare, 50) * 1e6
    return {"ours_us": round(o, 1), "bare_us": round(b, 1), "ratio": round(o / b, 2)}


def receiver_apply(n: int = 200, reps: int = 60) -> dict[str, float]:
    """µs per delta applied: ``World.receive`` vs ``struct.unpack_from`` + attribute sets."""
    host = _host(1)
    rng = random.Random(3)
    ents = [host.spawn(BenchAvatar, owner=HOST, x=float(i % 100), y=float(i // 100))
            for i in range(n)]
    receiver = World(_CONFIG)
    receiver.set_local(UUID(int=100))
    receiver.peer_joined("host", UUID(int=1), 0.0)
    receiver.set_host("host", False, 0.0)
    for out in host.data_to_send():  # the intros
        receiver.receive("host", out.data, 0.0)
    (first,) = _tick(host, 0.0, 1)
    receiver.receive("host", first, 0.0)
    deltas = []
    for t in range(1, reps + 1):
        _move(ents, rng)
        deltas.extend(_tick(host, t * 0.05, 1))
    pack, unpack = struct.Struct("<Hff").pack, struct.Struct("<Hff").unpack_from
    bare_packets = [b"".join([pack(i, e.x + k, e.y) for i, e in enumerate(ents)])
                    for k in range(reps)]
    plain = {i: _Plain() for i in range(n)}
    ours, bare = [], []
    for t, (delta, packet) in enumerate(zip(deltas, bare_packets, strict=True), start=1):
        t0 = time.perf_counter()
        receiver.receive("host", delta, t * 0.05)
        t1 = time.perf_counter()
        for off in range(0, len(packet), 10):
            i, x, y = unpack(packet, off)
            p = plain[i]
            p.x = x
            p.y = y
        t2 = time.perf_counter()
        ours.append(t1 - t0)
        bare.append(t2 - t1)
    got = {e.id: (e.x, e.y) for e in receiver.entities()}
    assert all(abs(got[e.id][0] - e.x) < 0.006 for e in ents), "the receiver fell behind"
    o, b = percentile(ours, 50) * 1e6, percentile(bare, 50) * 1e6
    return {"ours_us": round(o, 1), "bare_us": round(b, 1), "ratio": round(o / b, 2)}


def run_world(quick: bool = False) -> dict[str, Any]:
    reps = 30 if quick else 120
    b32 = bytes_per_tick(BenchAvatar32)
    bq = bytes_per_tick(BenchAvatar)
    return {
        "bytes_60_float32": round(b32, 1),
        "bytes_60_precision": round(bq, 1),
        "colyseus_60": COLYSEUS_60,
        "float32_vs_colyseus": round(b32 / COLYSEUS_60, 3),
        "precision_vs_colyseus": round(bq / COLYSEUS_60, 3),
        "host_tick_200x8": host_tick(reps=reps),
        "receiver_apply_200": receiver_apply(reps=reps),
        "migration": run_migration(quick=quick),
    }


#: The issue's goals: bytes at most Colyseus's (float32) and 0.6x it (declared precision);
#: CPU at most 3x the bare struct work.
BYTES_F32, BYTES_PRECISION, CPU = 1.0, 0.6, 3.0


def goals(results: dict[str, Any], mode: str, ratio_goal: Any) -> list[dict[str, Any]]:
    """This section's goals in the report's form (``_report._ratio_goal``)."""
    w = results.get("world") if isinstance(results.get("world"), dict) else {}
    host, apply = w.get("host_tick_200x8", {}), w.get("receiver_apply_200", {})  # type: ignore[union-attr]
    return [
        ratio_goal(results, mode, "world: 60 entities x,y float32 vs Colyseus", "world",
                   ("float32_vs_colyseus",), BYTES_F32, True, "720 B",
                   f"{w.get('bytes_60_float32')} B per tick per receiver"),  # type: ignore[union-attr]
        ratio_goal(results, mode, "world: 60 entities x,y with precision vs Colyseus", "world",
                   ("precision_vs_colyseus",), BYTES_PRECISION, True, "720 B",
                   f"{w.get('bytes_60_precision')} B (0.01 in ±1e4: 21 bits a value)"),  # type: ignore[union-attr]
        ratio_goal(results, mode, "world: host tick 200 entities to 8 peers vs struct.pack",
                   "world", ("host_tick_200x8", "ratio"), CPU, True, "struct.pack",
                   f"{host.get('ours_us')} µs vs {host.get('bare_us')} µs"),
        ratio_goal(results, mode, "world: receiver apply vs struct.unpack + sets", "world",
                   ("receiver_apply_200", "ratio"), CPU, True, "struct.unpack",
                   f"{apply.get('ours_us')} µs vs {apply.get('bare_us')} µs (200 entities)"),
        *migration_goals(results, mode, ratio_goal),
    ]


def rows(w: dict[str, Any], verdict: Any) -> list[list[str]]:
    """The printed table's rows: metric | ours | raw | ratio | goal | verdict."""
    host, apply = w["host_tick_200x8"], w["receiver_apply_200"]
    return [
        ["world: 60 x,y float32 (B/tick/receiver)", f"{w['bytes_60_float32']:.0f}",
         str(w["colyseus_60"]), f"{w['float32_vs_colyseus']:.2f}",
         *verdict("world: 60 entities x,y float32 vs Colyseus")],
        ["world: 60 x,y precision 0.01 (B/tick/rcv)", f"{w['bytes_60_precision']:.0f}",
         str(w["colyseus_60"]), f"{w['precision_vs_colyseus']:.2f}",
         *verdict("world: 60 entities x,y with precision vs Colyseus")],
        ["world: host tick 200 ents to 8 peers (µs)", f"{host['ours_us']}", f"{host['bare_us']}",
         f"{host['ratio']}", *verdict("world: host tick 200 entities to 8 peers vs struct.pack")],
        ["world: receiver apply 200 ents (µs)", f"{apply['ours_us']}", f"{apply['bare_us']}",
         f"{apply['ratio']}", *verdict("world: receiver apply vs struct.unpack + sets")],
        *migration_rows(w["migration"], verdict),
    ]


def main() -> None:
    print(json.dumps(run_world(quick="--quick" in sys.argv[1:])))


if __name__ == "__main__":
    main()
