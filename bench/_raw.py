"""The baseline: bare aiortc data channel pairs, driven exactly like our transport drives them.

One ``RTCPeerConnection`` pair per receiver, ``iceServers=[]`` (no STUN), one negotiated,
ordered, reliable channel (id 0, as matchbox's first channel). Like ``WebRtcTransport`` the
pcs live on a background asyncio thread; the main thread sends through
``call_soon_threadsafe`` and reads what arrived from a lock-protected deque. So the only
difference to our numbers is what our layers add: sync, JSON, pydantic, the session loop.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import threading
import time
from typing import Any

from aiortc import RTCConfiguration, RTCDataChannel, RTCPeerConnection

from konnekt_arcade.net.loop_thread import NetworkThread

CONNECT_TIMEOUT = 20.0


class _Inbox:
    """What one receiver got: a deque shared with the network thread, like our transport's."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.items: collections.deque[bytes] = collections.deque()

    def put(self, data: bytes | str) -> None:
        if isinstance(data, str):
            data = data.encode()
        with self.lock:
            self.items.append(data)

    def drain(self) -> list[bytes]:
        with self.lock:
            out = list(self.items)
            self.items.clear()
            return out

    def __len__(self) -> int:
        with self.lock:
            return len(self.items)


class RawFanout:
    """One sender connected to ``receivers`` receivers by separate pc pairs."""

    def __init__(self, net: NetworkThread, receivers: int) -> None:
        self.net = net
        self.receivers = receivers
        self.pcs: list[RTCPeerConnection] = []
        self.send_channels: list[RTCDataChannel] = []
        self.inboxes = [_Inbox() for _ in range(receivers)]
        self.connect_seconds: list[float] = []

    def connect(self) -> None:
        self.net.submit(self._connect_all()).result(CONNECT_TIMEOUT * 2)

    async def _connect_all(self) -> None:
        for inbox in self.inboxes:
            t0 = time.perf_counter()
            channel = await asyncio.wait_for(self._pair(inbox), CONNECT_TIMEOUT)
            self.connect_seconds.append(time.perf_counter() - t0)
            self.send_channels.append(channel)

    async def _pair(self, inbox: _Inbox) -> RTCDataChannel:
        config = RTCConfiguration(iceServers=[])
        a, b = RTCPeerConnection(config), RTCPeerConnection(config)
        self.pcs += [a, b]
        ca = a.createDataChannel("raw", negotiated=True, id=0, ordered=True)
        cb = b.createDataChannel("raw", negotiated=True, id=0, ordered=True)
        cb.on("message", inbox.put)
        opened = asyncio.Event()

        def check() -> None:
            if ca.readyState == "open" and cb.readyState == "open":
                opened.set()

        ca.on("open", check)
        cb.on("open", check)
        await a.setLocalDescription(await a.createOffer())
        await b.setRemoteDescription(a.localDescription)
        await b.setLocalDescription(await b.createAnswer())
        await a.setRemoteDescription(b.localDescription)
        await opened.wait()
        return ca

    def send(self, index: int, data: bytes) -> None:
        """Main thread: one hop to the network thread per receiver, as our transport does."""
        self.net.call_soon(self.send_channels[index].send, data)

    def send_all(self, data: bytes) -> None:
        for i in range(self.receivers):
            self.send(i, data)

    def close(self) -> None:
        async def close_all() -> None:
            await asyncio.wait([asyncio.ensure_future(pc.close()) for pc in self.pcs],
                               timeout=3.0)

        with contextlib.suppress(Exception):  # best effort; the loop is ours alone
            self.net.submit(close_all()).result(5.0)


def raw_connect_times(net: NetworkThread, count: int) -> list[float]:
    """Seconds to set up one pc pair until its channel is open (no signalling server)."""
    fan = RawFanout(net, count)
    try:
        fan.connect()
        return list(fan.connect_seconds)
    finally:
        fan.close()


def describe() -> dict[str, Any]:
    return {"ice_servers": [], "channel": "negotiated id 0, ordered, reliable",
            "threading": "pcs on a background asyncio thread; main thread sends via "
                         "call_soon_threadsafe and drains a locked deque"}
