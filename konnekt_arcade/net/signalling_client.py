"""Asyncio client for the Matchbox signalling protocol (runs on the network thread).

It hides the websocket: callers get ``IdAssigned`` once from ``connect()`` and then iterate the
server's messages; a keep-alive task stops proxies from closing an idle socket (matchbox does
the same with its "KeepAlive" message).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from .signalling_messages import (
    IdAssignedMessage,
    KeepAliveMessage,
    PeerSignal,
    ServerMessage,
    SignallingProtocolError,
    SignalToPeer,
    decode_server_message,
    encode,
)

logger = logging.getLogger(__name__)


class SignallingError(Exception):
    """The signalling server could not be reached or broke the protocol."""


class SignallingTimeout(SignallingError):
    """No ``IdAssigned`` arrived in time."""


class SignallingClient:
    """One websocket to ``url`` (``ws://host:port/<room>``)."""

    def __init__(
        self,
        url: str,
        *,
        id_timeout: float = 5.0,
        keepalive_interval: float = 10.0,
        max_message_size: int = 1024 * 1024,
    ) -> None:
        self.url = url
        self.id_timeout = id_timeout
        self.keepalive_interval = keepalive_interval
        self.max_message_size = max_message_size
        self.peer_id: str | None = None
        self.malformed = 0
        self._ws: ClientConnection | None = None
        self._keepalive: asyncio.Task[None] | None = None

    async def connect(self) -> str:
        """Open the socket and wait for ``IdAssigned``; returns our peer id."""
        try:
            async with asyncio.timeout(self.id_timeout):
                self._ws = await connect(
                    self.url,
                    open_timeout=None,
                    max_size=self.max_message_size,
                    close_timeout=1.0,
                )
                while True:
                    message = self._decode(await self._ws.recv())
                    if isinstance(message, IdAssignedMessage):
                        break
                    if message is not None:
                        raise SignallingError(f"{self.url}: got {message!r} before IdAssigned")
        except TimeoutError:
            await self.close()
            raise SignallingTimeout(
                f"no IdAssigned from signalling server {self.url} within {self.id_timeout} s"
            ) from None
        except (OSError, ConnectionClosed) as exc:
            await self.close()
            raise SignallingError(f"cannot connect to signalling server {self.url}: {exc}") from exc
        except Exception as exc:
            await self.close()
            if isinstance(exc, SignallingError):
                raise
            raise SignallingError(f"signalling server {self.url} refused us: {exc}") from exc
        self.peer_id = message.peer_id
        self._keepalive = asyncio.create_task(self._keepalive_loop())
        return self.peer_id

    def _decode(self, frame: str | bytes) -> ServerMessage | None:
        try:
            return decode_server_message(frame)
        except SignallingProtocolError as exc:
            self.malformed += 1
            logger.warning("Ignoring malformed signalling message from %s: %s", self.url, exc)
            return None

    async def messages(self) -> AsyncIterator[ServerMessage]:
        """Yield NewPeer/PeerLeft/Signal messages until the socket closes."""
        assert self._ws is not None, "connect() first"
        with contextlib.suppress(ConnectionClosed):
            async for frame in self._ws:
                message = self._decode(frame)
                if message is not None:
                    yield message

    @property
    def close_reason(self) -> str:
        ws = self._ws
        if ws is None or ws.close_code is None:
            return "signalling connection closed"
        return f"signalling connection closed (code {ws.close_code} {ws.close_reason or ''})"

    async def send_signal(self, receiver: str, data: PeerSignal) -> bool:
        """Send a signal; returns False (and logs) if the socket is gone."""
        return await self._send(encode(SignalToPeer(receiver, data)))

    async def _send(self, text: str) -> bool:
        if self._ws is None:
            return False
        try:
            await self._ws.send(text)
        except ConnectionClosed:
            logger.debug("Signalling send to %s failed: socket closed", self.url)
            return False
        return True

    async def _keepalive_loop(self) -> None:
        keepalive = encode(KeepAliveMessage())
        while True:
            await asyncio.sleep(self.keepalive_interval)
            if not await self._send(keepalive):
                return

    async def close(self) -> None:
        """Close the socket (bounded by the websocket close timeout)."""
        if self._keepalive is not None:
            self._keepalive.cancel()
            self._keepalive = None
        ws, self._ws = self._ws, None
        if ws is not None:
            with contextlib.suppress(Exception):
                await ws.close()
