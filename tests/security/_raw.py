"""Raw sockets from a chosen loopback address (127.x.y.z are all ours): many half-open or
upgraded connections at once, as an attacker would open them, with bounded waits."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import sys
from collections.abc import Awaitable, Callable


async def upgrade(port: int, path: str, source: str, timeout: float = 10.0
                  ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter, bytes] | None:
    """A websocket upgrade by hand; returns (reader, writer, status line) or None if the
    server dropped the connection first."""
    try:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection("127.0.0.1", port, local_addr=(source, 0)), timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        writer.write((f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
                      f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                      "Sec-WebSocket-Version: 13\r\n\r\n").encode())
        status = await asyncio.wait_for(reader.readline(), timeout)
    except (OSError, TimeoutError):
        return None
    if not status:
        writer.close()
        return None
    return reader, writer, status


async def half_open(port: int, source: str) -> asyncio.StreamWriter | None:
    """A TCP connection that never sends its request."""
    try:
        _, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=(source, 0))
    except OSError:
        return None
    return writer


# --- floods that run until killed (the load test runs one at a time in its own process) -------
#
# ``python tests/security/_raw.py KIND PORT``: prints "flooding" once started, then floods
# 127.0.0.1:PORT from ``ATTACKER`` until terminated. Each kind is one attack of issue 26.

#: The attacking address (the honest client is 127.0.0.1).
ATTACKER = "127.0.0.2"
#: Pause of one flooding task after the server refused or closed it: 1,100 tasks still try
#: ~20,000 times a second, far above any cap, without a busy loop on a shared machine.
RETRY = 0.05


async def _hold_upgrades(port: int, source: str) -> None:
    """1,100 websockets to distinct rooms (every tenth an owner socket), each reopened when
    the server refuses or closes it."""
    counter = iter(range(10**9))

    async def one() -> None:
        while True:
            n = next(counter)
            got = await upgrade(port, "/_directory" if n % 10 == 0 else f"/flood-{n}", source)
            if got is not None:
                reader, writer, status = got
                if b" 101 " in status:
                    with contextlib.suppress(OSError):
                        await reader.read()  # held until the server closes it
                writer.close()
            await asyncio.sleep(RETRY)

    await asyncio.gather(*(one() for _ in range(1100)))


async def _half_open(port: int, source: str) -> None:
    """1,100 TCP connections that never send a request, reopened when the server drops them."""
    async def one() -> None:
        while True:
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", port,
                                                               local_addr=(source, 0))
                with contextlib.suppress(OSError):
                    await reader.read()
                writer.close()
            except OSError:
                pass
            await asyncio.sleep(RETRY)

    await asyncio.gather(*(one() for _ in range(1100)))


async def _relay(port: int, source: str) -> None:
    """Two peers of one room; one sends the other 60 KB signals as fast as the socket goes."""
    from websockets.asyncio.client import connect

    url = f"ws://127.0.0.1:{port}/relay-flood"
    async with connect(url, local_addr=(source, 0), max_size=None) as a, \
            connect(url, local_addr=(source, 0), max_size=None) as b:
        await a.recv()
        receiver = json.loads(await b.recv())["IdAssigned"]
        frame = json.dumps({"Signal": {"receiver": receiver, "data": {"Offer": "x" * 60_000}}})

        async def drain() -> None:
            async for _ in b:
                pass

        drained = asyncio.ensure_future(drain())
        try:
            while True:
                await a.send(frame)
        finally:
            drained.cancel()


async def _owner_ops(port: int, source: str) -> None:
    """Eight owner sockets looping malformed directory operations (each refused)."""
    from websockets.asyncio.client import connect

    async def one() -> None:
        async with connect(f"ws://127.0.0.1:{port}/_directory", local_addr=(source, 0)) as ws:
            while True:
                for _ in range(50):
                    await ws.send("{not json")
                for _ in range(50):
                    await ws.recv()

    await asyncio.gather(*(one() for _ in range(8)))


async def _listing(port: int, source: str) -> None:
    """32 clients asking ``GET /lobbies`` back to back (rate-limited after the burst)."""
    request = (f"GET /lobbies?game=load HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
               "Connection: close\r\n\r\n").encode()

    async def one() -> None:
        while True:
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", port,
                                                               local_addr=(source, 0))
                writer.write(request)
                await reader.read()
                writer.close()
            except OSError:
                await asyncio.sleep(RETRY)

    await asyncio.gather(*(one() for _ in range(32)))


FLOODS: dict[str, Callable[[int, str], Awaitable[None]]] = {
    "sockets": _hold_upgrades, "half_open": _half_open, "relay": _relay,
    "owner_ops": _owner_ops, "listing": _listing}


if __name__ == "__main__":
    kind, port = sys.argv[1], int(sys.argv[2])
    print("flooding", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(FLOODS[kind](port, ATTACKER))
