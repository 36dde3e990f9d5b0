"""Raw sockets from a chosen loopback address (127.x.y.z are all ours): many half-open or
upgraded connections at once, as an attacker would open them, with bounded waits."""

from __future__ import annotations

import asyncio
import base64
import os


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
