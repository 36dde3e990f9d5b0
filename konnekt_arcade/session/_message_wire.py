"""The bytes of a message, request or reply (after ``MESSAGE_PREFIX``): pure, no state.

One kind byte, then by kind:

=============  ==============================================  =================================
kind           header after the kind byte                      what
=============  ==============================================  =================================
``TO_HOST``    id (4 bytes) + the sender's lobby sequence (8)  ``send_to_host``
``REQUEST``    id (4) + the sender's lobby sequence (8)        ``request_host``
``REPLY``      id (4)                                          ``reply``
``BOUNCE``     id (4)                                          "I am not your host": send it on
``TO_PLAYER``  none                                            ``send_to`` by a guest
``FROM_HOST``  none                                            ``send_to`` by the host
=============  ==============================================  =================================

then the payload. Ids are the sender's own numbers (big-endian, unsigned). The lobby sequence
lets a peer that is not host tell whether the sender's lobby is behind its own (the sender
has not seen the host move on: bounce it) or ahead (the event making us host is on its way:
hold it).
"""

from __future__ import annotations

from typing import NamedTuple

from ._framing import MESSAGE_PREFIX

TO_HOST, TO_PLAYER, REQUEST, REPLY, FROM_HOST, BOUNCE = 0, 1, 2, 3, 4, 5
#: Bytes from the kind byte to the payload, by kind.
HEADER = {TO_HOST: 13, REQUEST: 13, REPLY: 5, BOUNCE: 5, TO_PLAYER: 1, FROM_HOST: 1}
#: The longest header: ``_framing.MAX_MESSAGE_FRAME`` allows for it.
MAX_HEADER = 13


class Frame(NamedTuple):
    """One message as read off the wire."""

    kind: int
    id: int
    sequence: int
    payload: bytes


def frame(kind: int, payload: bytes = b"", id: int = 0, sequence: int = 0) -> bytes:
    """One message as it goes on the wire (with ``MESSAGE_PREFIX``)."""
    head = HEADER[kind]
    out = MESSAGE_PREFIX + bytes((kind,))
    if head >= 5:
        out += id.to_bytes(4, "big")
    if head >= 13:
        out += sequence.to_bytes(8, "big")
    return out + payload


def parse(body: bytes) -> Frame | None:
    """``body`` (the bytes after ``MESSAGE_PREFIX``) read, or None: empty, an unknown kind, or
    shorter than its kind's header."""
    head = HEADER.get(body[0]) if body else None
    if head is None or len(body) < head:
        return None
    return Frame(body[0], int.from_bytes(body[1:5], "big") if head >= 5 else 0,
                 int.from_bytes(body[5:13], "big") if head >= 13 else 0, body[head:])
