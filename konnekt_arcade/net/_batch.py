"""Several reliable-channel messages in one data-channel message, when they are queued together.

Why: aiortc sends every data-channel message as its own SCTP packet (it does not bundle
chunks), each with its own DTLS record, UDP datagram and SACK back, and that per-packet work
on the network thread is most of what a burst of small lobby events costs. When the network
thread wakes up to several messages for one peer, they travel as one *frame* instead; nothing
waits to be batched (no Nagle-like delay), so a lone event goes out exactly as before.

Order and reliability are the channel's own: frames only go on the ordered, reliable channel
and the receiver unpacks a frame into its messages in order before anyone sees them.

Wire: ``BATCH_MARK`` then, per message, a 4-byte big-endian length and the bytes.

The first byte of a reliable-channel message says what it is; this is the one list of them:

==========  ===============================================  ==================================
first byte  what                                             defined in
==========  ===============================================  ==================================
``{``       a sync envelope (JSON)                           ``sync._wire``
0x00        game data                                        ``session`` (``GAME_DATA_PREFIX``)
0x01        one part of a split large message                ``session._fragments``
0xFF        a frame of several messages (transport only)     here (``BATCH_MARK``)
==========  ===============================================  ==================================

The table and the frame format are the same in every lobby protocol version (they carry no
version; ``sync._wire`` has it): a peer of another version must still read our first sync
envelope to learn that, so changing either would need a new channel, not a version bump.

0xFF because no UTF-8 text starts with it (a browser peer's text message never looks like a
frame) and it is far from the small prefixes the session layer picks. It was 0x01 once, the
fragments' prefix: every 64 KiB part was then escaped to 65,541 bytes, over the 65,536 aiortc
sends to a remote that advertises no maximum, and dropped. A caller of the transport may still
send anything, so a lone message that does start with ``BATCH_MARK`` is sent as a frame of one
(with batching off too; 5 bytes more): on the reliable channel a leading ``BATCH_MARK`` always
means a frame. A frame that does not parse is handed up unchanged, where the layers above drop
and count it like any other malformed message.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator, Sequence

#: First byte of a frame (see the table above).
BATCH_MARK = b"\xff"
_LEN = struct.Struct("!I")
#: Frames stay within one SCTP chunk of aiortc (``USERDATA_MAX_LENGTH``), i.e. one packet:
#: a frame that needed several packets would only be delivered when the last one arrived.
DEFAULT_FRAME_BYTES = 1200


def frames(messages: Sequence[bytes], limit: int = DEFAULT_FRAME_BYTES) -> Iterator[
        tuple[bytes, int]]:
    """Yield ``(data, count)`` to send, in order: runs of messages packed into frames of at
    most ``limit`` bytes; a message that fits no frame alone goes out alone (unframed unless
    it starts with ``BATCH_MARK``)."""
    run: list[bytes] = []
    size = len(BATCH_MARK)
    for data in messages:
        need = _LEN.size + len(data)
        if run and size + need > limit:
            yield _close(run)
            run, size = [], len(BATCH_MARK)
        run.append(data)
        size += need
    if run:
        yield _close(run)


def _close(run: list[bytes]) -> tuple[bytes, int]:
    if len(run) == 1 and not run[0].startswith(BATCH_MARK):
        return run[0], 1
    parts = [BATCH_MARK]
    for data in run:
        parts += (_LEN.pack(len(data)), data)
    return b"".join(parts), len(run)


def frame_of_one(data: bytes) -> bytes:
    """``data`` as a frame of one message: how a lone reliable message that starts with
    ``BATCH_MARK`` must travel (even with batching off) so the receiver does not split it."""
    return BATCH_MARK + _LEN.pack(len(data)) + data


def unpack(frame: bytes) -> list[bytes] | None:
    """The messages of a frame in order, or None if it is not a well-formed frame."""
    if not frame.startswith(BATCH_MARK):
        return None
    out: list[bytes] = []
    pos, end = len(BATCH_MARK), len(frame)
    while pos < end:
        if end - pos < _LEN.size:
            return None
        (length,) = _LEN.unpack_from(frame, pos)
        pos += _LEN.size
        if length > end - pos:
            return None
        out.append(frame[pos:pos + length])
        pos += length
    return out or None
