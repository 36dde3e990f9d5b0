"""Every DTLS handshake datagram sent twice, on one link at a time.

The DTLS 1.2 handshake that opens a WebRTC link is four flights, each one to three datagrams.
When one datagram of a flight is lost, nothing happens until OpenSSL's retransmission timer
fires: 1 s, then 2 s, 4 s, ... (pyOpenSSL offers no way to shorten it). On a network that drops
10% of packets each way a handshake loses a flight in about half the joins, and at 20% the
handshake alone took 2 s at the median and 5 s at p95 (bench ``loss`` section, issue 27).

Sending each handshake datagram twice turns a lost flight from probability p into about p²
(0.1 -> 0.01) for a few extra kilobytes once per link. The copies are harmless: DTLS numbers
its handshake messages and drops what it has already seen. Once the handshake is done
(``RTCDtlsTransport.state`` leaves "connecting") nothing is doubled: SCTP carries the data and
retransmits by itself (``_sctp``).

This wraps the ``_send`` of the ICE transport under one DTLS transport (an instance attribute;
nothing global), a private aiortc method, so it is installed only on the aiortc version it was
checked against (``SUPPORTED_AIORTC``); elsewhere it does nothing.
"""

from __future__ import annotations

from typing import Any

import aiortc
from aiortc import RTCDtlsTransport

#: aiortc versions (major.minor) whose ``RTCIceTransport._send`` this wraps.
SUPPORTED_AIORTC = ("1.16",)
#: Copies of each handshake datagram (1 = aiortc's behaviour).
HANDSHAKE_COPIES = 2


def supported() -> bool:
    return ".".join(aiortc.__version__.split(".")[:2]) in SUPPORTED_AIORTC


def double_handshake(dtls: RTCDtlsTransport | None, copies: int = HANDSHAKE_COPIES) -> bool:
    """Send each of ``dtls``'s handshake datagrams ``copies`` times. Call before the
    handshake starts (right after the first ``createDataChannel``). False when not installed."""
    if dtls is None or copies < 2 or not supported():
        return False
    ice: Any = dtls.transport
    send = getattr(ice, "_send", None)  # aiortc sets it per instance: the aioice send
    if send is None:
        return False

    async def _send(data: bytes) -> None:
        await send(data)
        if dtls.state == "connecting":  # the handshake: a lost flight costs >= 1 s
            for _ in range(copies - 1):
                await send(data)

    ice._send = _send
    return True


__all__ = ["HANDSHAKE_COPIES", "double_handshake", "supported"]
