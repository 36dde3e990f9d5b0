"""The world's messages on the wire (binary, ``struct``; first byte says which).

Unreliable channel (stale when late, never resent):

- ``DELTA``  tick u32, base u32 (0: none), stamp f64, records u16, then bit-packed records
  (``_bits``): the sender's owned entities that differ from its snapshot ``base``, which this
  receiver acknowledged. An entity the receiver has not acknowledged yet goes in full.
- ``ACK``    tick u32: the newest ``DELTA`` tick received from that sender.

Reliable channel (ordered with the lobby traffic):

- ``INTRO``  tick u32, count u16, then entries: an entity as its sender holds it (spawn, a
  late joiner's baseline, a new host adopting host-owned entities).
- ``DESPAWN`` count u16, then entity ids.
- ``REPORT`` a survivor's host-owned entities for the new host (entries as ``INTRO``'s, the
  ``handle`` slot holding the old host's tick of those values), then despawned ids.
- ``EVENT``  name length u8, name (UTF-8), then the data: a one-shot ``World.emit``.

An entity id on the wire is the creating participant's UUID (16 bytes) and its counter (u32);
in the game it is ``"<uuid>/<n>"``. Decoding raises ``ValueError``/``struct.error`` on bad
input; the world counts those and drops the packet.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from uuid import UUID

from ._schema import HOST, Owner

DELTA, ACK, INTRO, DESPAWN, REPORT, EVENT = 1, 2, 3, 4, 5, 6
#: Longest ``emit`` name (UTF-8 bytes) and data: an event says what happened ("coin 7 taken
#: by Ada"); state belongs in entities. Far below one data channel message.
MAX_EVENT_NAME = 64
MAX_EVENT_DATA = 8192

DELTA_HEAD = struct.Struct("<BIIdH")
ACK_MSG = struct.Struct("<BI")
_COUNTED = struct.Struct("<BIH")
_COUNT = struct.Struct("<H")
_ENTRY = struct.Struct("<I16sIB")  # handle, creator, counter, owner flag
_UUID_LEN = 16
_EID = struct.Struct("<16sI")
#: Entries per reliable message (keeps one far below the transport's message size).
ENTRIES_PER_MESSAGE = 128


def eid_to_wire(eid: str) -> bytes:
    creator, _, n = eid.partition("/")
    return _EID.pack(UUID(creator).bytes, int(n))


def eid_from_wire(raw: bytes) -> str:
    creator, n = _EID.unpack(raw)
    return f"{UUID(bytes=creator)}/{n}"


@dataclass(frozen=True, slots=True)
class Entry:
    """One entity in an ``INTRO`` or ``REPORT``: ``values`` are its bit-packed full record."""

    handle: int
    eid: str
    owner: Owner
    type_name: str
    values: bytes


def _put_entries(out: bytearray, entries: list[Entry]) -> None:
    for e in entries:
        creator, _, n = e.eid.partition("/")
        owner = e.owner  # HOST or a participant's UUID
        host = owner == HOST
        out += _ENTRY.pack(e.handle, UUID(creator).bytes, int(n), 0 if host else 1)
        if isinstance(owner, UUID):
            out += owner.bytes
        name = e.type_name.encode()
        out += bytes((len(name),)) + name
        out += _COUNT.pack(len(e.values)) + e.values


def _take_entries(data: bytes, at: int, count: int) -> tuple[list[Entry], int]:
    entries = []
    for _ in range(count):
        handle, creator, n, flag = _ENTRY.unpack_from(data, at)
        at += _ENTRY.size
        owner: Owner
        if flag == 0:
            owner = HOST
        elif flag == 1:
            owner = UUID(bytes=data[at:at + _UUID_LEN])
            at += _UUID_LEN
        else:
            raise ValueError("bad owner flag")
        size = data[at]
        name = data[at + 1:at + 1 + size].decode()
        at += 1 + size
        (vlen,) = _COUNT.unpack_from(data, at)
        at += 2
        values = data[at:at + vlen]
        if len(values) != vlen or len(name.encode()) != size:
            raise ValueError("truncated entry")
        at += vlen
        entries.append(Entry(handle, f"{UUID(bytes=creator)}/{n}", owner, name, values))
    return entries, at


def intro(tick: int, entries: list[Entry]) -> bytes:
    out = bytearray(_COUNTED.pack(INTRO, tick, len(entries)))
    _put_entries(out, entries)
    return bytes(out)


def read_intro(data: bytes) -> tuple[int, list[Entry]]:
    _, tick, count = _COUNTED.unpack_from(data)
    entries, at = _take_entries(data, _COUNTED.size, count)
    if at != len(data):
        raise ValueError("trailing bytes")
    return tick, entries


def despawn(eids: list[str]) -> bytes:
    return bytes((DESPAWN,)) + _COUNT.pack(len(eids)) + b"".join(map(eid_to_wire, eids))


def read_despawn(data: bytes) -> list[str]:
    (count,) = _COUNT.unpack_from(data, 1)
    if len(data) != 3 + count * _EID.size:
        raise ValueError("bad despawn length")
    return [eid_from_wire(data[3 + i * _EID.size:3 + (i + 1) * _EID.size])
            for i in range(count)]


def report(entries: list[Entry], gone: list[str]) -> bytes:
    out = bytearray(_COUNTED.pack(REPORT, 0, len(entries)))
    _put_entries(out, entries)
    out += _COUNT.pack(len(gone)) + b"".join(map(eid_to_wire, gone))
    return bytes(out)


def read_report(data: bytes) -> tuple[list[Entry], list[str]]:
    _, _, count = _COUNTED.unpack_from(data)
    entries, at = _take_entries(data, _COUNTED.size, count)
    (ngone,) = _COUNT.unpack_from(data, at)
    at += 2
    if len(data) != at + ngone * _EID.size:
        raise ValueError("bad report length")
    gone = [eid_from_wire(data[at + i * _EID.size:at + (i + 1) * _EID.size])
            for i in range(ngone)]
    return entries, gone


def event(name: str, data: bytes) -> bytes:
    raw = name.encode()
    return bytes((EVENT, len(raw))) + raw + data


def read_event(data: bytes) -> tuple[str, bytes]:
    size = data[1]
    name = data[2:2 + size].decode()
    body = data[2 + size:]
    if len(name.encode()) != size or not name or size > MAX_EVENT_NAME \
            or len(body) > MAX_EVENT_DATA:
        raise ValueError("bad event")
    return name, body


def ack(tick: int) -> bytes:
    return ACK_MSG.pack(ACK, tick)
