"""Byte framing of a session's traffic: which bytes are lobby sync, which are game data.

Three kinds of message share a peer's two data channels, told apart by their first byte:

- ``{`` (``SYNC_FRAME``): a lobby sync envelope (JSON). Which sync message travels on which
  channel is the sync engine's call (``sync.Channel``); framing only recognises them.
- ``GAME_DATA_PREFIX`` (0x00) + payload: game data from ``send_game_data``, on the unreliable
  channel (1) or on the reliable one (0, ordered with the lobby traffic). It never reaches the
  sync decoder, whatever the payload looks like.
- ``SESSION_PREFIX`` (0x05) + JSON: a message between the sessions themselves, beside the
  lobby (where signalling moved to, ``_signal_move``), on the reliable channel only.
- ``FRAGMENT_PREFIX`` (0x01) + header + bytes: one part of a message over ``PART_SIZE`` (a big
  snapshot), on the reliable channel; see ``_fragments``.
- ``MESSAGE_PREFIX`` (0x02) + kind + body: a message to the host or to one player, a host
  request or its reply (``_messages`` reads the body; framing checks only its size).
- ``WORLD_PREFIX`` (0x03) + payload: the shared world's messages (``konnekt_arcade.world``)
  on either channel, for ``_world_link``; over ``MAX_GAME_DATA`` is dropped
  (``dropped:world_too_large``).

Bad input from a peer is dropped and counted, never raised: game data over ``MAX_GAME_DATA``
(``dropped:game_data_too_large``; only a peer that skipped ``send_game_data``'s check sends
it), messages over ``MAX_MESSAGE_FRAME`` (``dropped:message_too_large``), anything on the
unreliable channel that is neither game data nor a sync envelope (``dropped:bad_game_data``),
and broken parts (``dropped:fragment_*``). Anything else on the reliable channel goes to the
sync decoder, which counts what it cannot read.

Pure: no clock, no I/O; ``P2PLoop`` moves the bytes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from enum import Enum
from typing import TYPE_CHECKING

from ..net import CHANNEL_RELIABLE
from ._fragments import FRAGMENT_PREFIX, PART_SIZE, Reassembly, split

if TYPE_CHECKING:
    from ..sync import Outgoing

#: First byte of game data (a JSON envelope never starts with it).
GAME_DATA_PREFIX = b"\x00"
#: Largest game-data payload accepted by ``send_game_data``.
MAX_GAME_DATA = 64 * 1024
#: First byte of the shared world's messages (``_world_link``).
WORLD_PREFIX = b"\x03"
#: Lobby sync messages are JSON envelopes: this is their first byte.
SYNC_FRAME = b"{"
#: First byte of a session-to-session message (``_signal_move``); reliable channel only.
SESSION_PREFIX = b"\x05"

# --- messages and host requests (``_messages``) ----------------------------------------------
#: First byte of a message, request or reply (``_messages`` owns what follows it).
MESSAGE_PREFIX = b"\x02"
#: Largest payload of one message, request or reply: the game-data limit, for the same reason
#: (one data-channel message each; aiortc refuses larger ones).
MAX_MESSAGE_DATA = MAX_GAME_DATA
#: A message's bytes after its prefix: its header (at most 13 bytes, ``_message_wire``) and
#: the payload.
MAX_MESSAGE_FRAME = 13 + MAX_MESSAGE_DATA


class Frame(Enum):
    """What an unwrapped message is for."""

    SYNC = "sync"
    GAME_DATA = "game data"
    MESSAGE = "message"  # to the host or a player, a request or a reply (``_messages``)
    WORLD = "world"
    SESSION = "session"


def game_data_frame(payload: bytes | bytearray | memoryview) -> bytes:
    """``payload`` as it goes on the wire (the caller checked its size)."""
    return GAME_DATA_PREFIX + bytes(payload)


def world_frame(payload: bytes) -> bytes:
    """A world message as it goes on the wire."""
    return WORLD_PREFIX + payload


class Framer:
    """Both directions for one session: lobby messages into parts when they are large, and
    received bytes back into (kind, bytes), reassembling parts per peer.

    ``stats`` is the session's counter; drops are counted in it by reason.
    """

    def __init__(self, max_message: int, stats: Counter[str]) -> None:
        self.stats = stats
        self._reassembly = Reassembly(max_message, stats)
        self._number = 0

    def plan(self, outgoing: Sequence[Outgoing]) -> Iterator[tuple[Sequence[str], int, bytes]]:
        """The sync engine's messages as hand-offs to the transport ``(peers, channel,
        bytes)``, in order. A run of the same bytes to several peers (a broadcast) is one
        hand-off, for ``send_many``: one lock and one queue entry instead of one per peer, on
        every lobby event the host sequences. A message too large for one goes in parts on
        the reliable channel, peer by peer."""
        i, n = 0, len(outgoing)
        while i < n:
            peer, channel, data = outgoing[i]
            j = i + 1
            while j < n and outgoing[j].data is data and outgoing[j].channel == channel:
                j += 1
            if len(data) > PART_SIZE:  # rare (a big snapshot)
                for k in range(i, j):
                    yield from self.parts(outgoing[k].peer, int(channel), data)
            elif j == i + 1:
                yield (peer,), int(channel), data
            else:
                yield [out.peer for out in outgoing[i:j]], int(channel), data
            i = j

    def parts(self, peer: str, channel: int, data: bytes) -> list[tuple[Sequence[str], int,
                                                                        bytes]]:
        """One lobby message to ``peer`` as hand-offs: itself on ``channel``, or numbered
        parts on the reliable channel (the only one that keeps them in order)."""
        parts = split(data, self._number)
        if len(parts) == 1:
            return [((peer,), channel, data)]
        self._number += 1
        self.stats["fragmented_out"] += 1
        return [((peer,), CHANNEL_RELIABLE, part) for part in parts]

    def unwrap(self, peer: str, data: bytes, reliable: bool) -> tuple[Frame, bytes] | None:
        """What ``data`` from ``peer`` carries: ``(Frame.SYNC, envelope)``,
        ``(Frame.GAME_DATA, payload)``, ``(Frame.MESSAGE, body)``, ``(Frame.WORLD, payload)``,
        or None (a part of a
        message still incomplete, or dropped and counted)."""
        head = data[:1]
        if head == SYNC_FRAME:
            return Frame.SYNC, data
        if head == FRAGMENT_PREFIX:
            whole = self._reassembly.feed(peer, data, reliable=reliable)
            if whole is None:
                return None
            data, head = whole, whole[:1]
        if head == WORLD_PREFIX:
            if len(data) - 1 > MAX_GAME_DATA:
                self.stats["dropped:world_too_large"] += 1
                return None
            return Frame.WORLD, data[1:]
        if head == GAME_DATA_PREFIX:
            if len(data) - 1 > MAX_GAME_DATA:
                self.stats["dropped:game_data_too_large"] += 1
                return None
            return Frame.GAME_DATA, data[1:]
        if head == MESSAGE_PREFIX:
            if len(data) - 1 > MAX_MESSAGE_FRAME:
                self.stats["dropped:message_too_large"] += 1
                return None
            return Frame.MESSAGE, data[1:]
        if head == SESSION_PREFIX and reliable:
            return Frame.SESSION, data[1:]
        if not reliable and head != SYNC_FRAME:
            self.stats["dropped:bad_game_data"] += 1
            return None
        return Frame.SYNC, data

    def forget(self, peer: str) -> None:
        """``peer`` is gone: drop what it had half sent."""
        self._reassembly.forget(peer)

    def pending_bytes(self, peer: str) -> int:
        """Bytes of an unfinished message ``peer`` has sent (bounded by ``max_message``)."""
        return self._reassembly.pending_bytes(peer)
