"""Matchbox rooms as plain data (sans-I/O): where a new peer goes, what a cap refuses, what a
leaving peer frees. The server (``signalling_server.py``) only moves frames between sockets.

A placement changes nothing until ``enter`` commits it, so a refused upgrade leaves no trace
(the issue: refused ``?next=N`` upgrades used to leave a group entry each, forever).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Generic, TypeVar
from urllib.parse import urlsplit

from ._server_limits import AddressCounts, ServerLimits

Socket = TypeVar("Socket")


@dataclass
class Room(Generic[Socket]):
    key: str
    creator: str  # the address it counts against (``max_rooms_per_address``)
    peers: dict[str, Socket] = field(default_factory=dict)
    addresses: dict[str, str] = field(default_factory=dict)  # peer id -> client address
    per_address: AddressCounts = field(default_factory=AddressCounts)
    waiting_key: tuple[str, int] | None = None  # its ?next=N group, while it fills up


@dataclass(frozen=True)
class Placement(Generic[Socket]):
    key: str
    room: Room[Socket] | None  # None: a new room
    group: tuple[str, int] | None  # (name, N) of a new ?next=N group


@dataclass(frozen=True)
class Refusal:
    cause: str  # the metrics label
    reason: str  # the close reason the peer reads


def next_count(query: str) -> int:
    """``next=N`` of a query string (ASCII digits only, as matchbox parses it); 0 when absent."""
    count = 0
    for pair in query.split("&"):
        key, _, value = pair.partition("=")
        if key == "next" and value.isascii() and value.isdigit():
            count = int(value[:6])
    return count


class RoomTable(Generic[Socket]):
    def __init__(self, limits: ServerLimits) -> None:
        self.limits = limits
        self.rooms: dict[str, Room[Socket]] = {}
        self.rooms_by_address = AddressCounts()
        self._waiting: dict[tuple[str, int], str] = {}  # ?next=N group still filling up
        self._group_seq = itertools.count(1)

    def place(self, path: str, client: str) -> Placement[Socket] | Refusal:
        limits = self.limits
        if len(path) > limits.max_room_path:
            return Refusal("room_path", f"room path over {limits.max_room_path} characters")
        parts = urlsplit(path)
        name, next_n = parts.path.strip("/"), next_count(parts.query)
        if next_n > limits.max_peers_per_room:
            return Refusal("room_full", f"next={next_n} is over {limits.max_peers_per_room} "
                           "peers per room")
        key, group = name, None
        if next_n > 0:
            key = self._waiting.get((name, next_n), "")
            filling = self.rooms.get(key)
            if filling is None or len(filling.peers) >= next_n:
                key, group = f"{name}?next={next_n}#{next(self._group_seq)}", (name, next_n)
        room = self.rooms.get(key)
        if room is None:
            if len(self.rooms) >= limits.max_rooms:
                return Refusal("rooms", f"too many rooms ({limits.max_rooms}; room limit)")
            if self.rooms_by_address.get(client) >= limits.max_rooms_per_address:
                return Refusal("rooms_per_address", "too many rooms from your address "
                               f"({limits.max_rooms_per_address})")
        elif len(room.peers) >= limits.max_peers_per_room:
            return Refusal("room_full", f"room full ({limits.max_peers_per_room} peers per room)")
        elif room.per_address.get(client) >= limits.max_peers_per_address_in_room:
            return Refusal("peers_per_address", "room full for your address "
                           f"({limits.max_peers_per_address_in_room} peers per address)")
        return Placement(key, room, group)

    def enter(self, placement: Placement[Socket], client: str, peer_id: str,
              socket: Socket) -> Room[Socket]:
        """Commit an accepted placement: only now are a room and its ``?next=N`` group kept."""
        room = placement.room
        if room is None:
            room = self.rooms[placement.key] = Room(placement.key, client)
            self.rooms_by_address.try_add(client, self.limits.max_rooms_per_address)
            if placement.group is not None:
                room.waiting_key = placement.group
                self._waiting[placement.group] = placement.key
        room.peers[peer_id] = socket
        room.addresses[peer_id] = client
        room.per_address.try_add(client, self.limits.max_peers_per_address_in_room)
        if room.waiting_key and len(room.peers) >= room.waiting_key[1]:
            self._waiting.pop(room.waiting_key, None)  # the group is complete
            room.waiting_key = None
        return room

    def leave(self, peer_id: str, key: str) -> list[Socket]:
        """Remove a peer; returns the sockets still in its room (to tell them)."""
        room = self.rooms.get(key)
        if room is None or room.peers.pop(peer_id, None) is None:
            return []
        room.per_address.remove(room.addresses.pop(peer_id, "?"))
        if room.peers:
            return list(room.peers.values())
        del self.rooms[key]
        self.rooms_by_address.remove(room.creator)
        if room.waiting_key and self._waiting.get(room.waiting_key) == key:
            del self._waiting[room.waiting_key]
        return []

    def waiting_groups(self) -> int:
        return len(self._waiting)
