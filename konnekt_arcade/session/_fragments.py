"""Large lobby messages in parts: split before sending, reassemble per peer on arrival.

Why: a snapshot of a lobby at every maximum (64 participants, full chat, a full activity
queue, the kept finished runs) encodes to ~1.5 MB, and a data channel message that large
stalls every other message on the ordered channel behind it and is above what browsers
accept in one message (64 KiB is the interoperable SCTP message size). So a message over
``PART_SIZE`` travels as parts of at most ``PART_SIZE`` bytes on the reliable (ordered)
channel, which delivers them in order with nothing of the same peer in between.

A part is ``FRAGMENT_PREFIX`` (0x01, like game data's 0x00 it can never start a JSON
envelope) + an 8-byte header (``_HEADER``: message number, part index, part count) + the
bytes. Bad input from a peer (a part out of order, a count that changes,
more bytes than a message may have, parts on the unreliable channel) drops that peer's
partial message and is counted; nothing a peer sends can make us hold more than
``max_message`` bytes for it.

Pure: no clocks, no I/O.
"""

from __future__ import annotations

import struct
from collections import Counter
from dataclasses import dataclass

#: First byte of a part (sync envelopes start with ``{``, game data with 0x00).
FRAGMENT_PREFIX = b"\x01"
#: Largest part on the wire: the SCTP message size every WebRTC stack accepts.
PART_SIZE = 64 * 1024
#: message number, part index, part count
_HEADER = struct.Struct(">IHH")
_OVERHEAD = len(FRAGMENT_PREFIX) + _HEADER.size


def split(data: bytes, number: int, part_size: int = PART_SIZE) -> list[bytes]:
    """``data`` as it goes on the wire: itself if it fits in one part, else numbered parts
    (each at most ``part_size`` bytes including its header). ``number`` tells one message's
    parts from the next one's (any counter; it wraps at 2**32)."""
    if len(data) <= part_size:
        return [data]
    chunk = part_size - _OVERHEAD
    count = -(-len(data) // chunk)
    if count > 0xFFFF:
        raise ValueError(f"message of {len(data)} bytes needs more than 65535 parts")
    head = number & 0xFFFFFFFF
    return [FRAGMENT_PREFIX + _HEADER.pack(head, i, count) + data[i * chunk:(i + 1) * chunk]
            for i in range(count)]


@dataclass
class _Partial:
    number: int
    count: int
    parts: list[bytes]
    size: int


class Reassembly:
    """Per-peer reassembly of split messages, at most ``max_message`` bytes per peer.

    ``feed`` returns the whole message when its last part arrives, else None. Drops are
    counted in ``stats`` by reason (``fragment_*``)."""

    def __init__(self, max_message: int, stats: Counter[str] | None = None) -> None:
        self.max_message = max_message
        self.stats: Counter[str] = Counter() if stats is None else stats
        self._partial: dict[str, _Partial] = {}

    def feed(self, peer: str, part: bytes, *, reliable: bool = True) -> bytes | None:
        if not reliable:
            # Parts need the ordered, reliable channel; one on the other is not ours.
            return self._drop(peer, "fragment_unreliable")
        if len(part) < _OVERHEAD or part[:1] != FRAGMENT_PREFIX:
            return self._drop(peer, "fragment_malformed")
        number, index, count = _HEADER.unpack_from(part, len(FRAGMENT_PREFIX))
        body = part[_OVERHEAD:]
        partial = self._partial.get(peer)
        if index == 0:
            if partial is not None:  # the previous message never finished
                self._drop(peer, "fragment_incomplete")
            if count < 2 or not body:
                return self._drop(peer, "fragment_malformed")
            partial = self._partial[peer] = _Partial(number, count, [], 0)
        elif partial is None or (number, count) != (partial.number, partial.count) \
                or index != len(partial.parts):
            return self._drop(peer, "fragment_out_of_order")
        partial.parts.append(body)
        partial.size += len(body)
        if partial.size > self.max_message:
            return self._drop(peer, "fragment_too_large")
        if len(partial.parts) < partial.count:
            return None
        del self._partial[peer]
        self.stats["fragment_messages"] += 1
        return b"".join(partial.parts)

    def forget(self, peer: str) -> None:
        """The peer is gone: drop what it had half sent (not counted as bad input)."""
        self._partial.pop(peer, None)

    def pending_bytes(self, peer: str) -> int:
        partial = self._partial.get(peer)
        return partial.size if partial is not None else 0

    def _drop(self, peer: str, reason: str) -> bytes | None:
        """Forget ``peer``'s partial message and count why; None, so ``feed`` can return it."""
        self._partial.pop(peer, None)
        self.stats[f"dropped:{reason}"] += 1
        return None
