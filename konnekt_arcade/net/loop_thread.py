"""The one asyncio loop per process that owns every socket of every transport.

arcade/OpenGL must stay on the game thread, and aiortc needs a running loop, so all networking
lives on a single daemon thread started lazily on first use. Several transports (tests and bots
run several peers in one process) share it; the game thread only hands it work through
``call_soon_threadsafe`` / ``run_coroutine_threadsafe`` and never awaits.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import os
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

logger = logging.getLogger(__name__)

T = TypeVar("T")


class NetworkThread:
    """A daemon thread running one event loop forever (until ``stop`` or process exit)."""

    def __init__(self, name: str = "konnekt-net") -> None:
        self.loop = asyncio.new_event_loop()
        self.loop.set_exception_handler(quiet_closed_links)
        self._started = threading.Event()
        self.thread = threading.Thread(target=self._main, name=name, daemon=True)
        self.thread.start()
        self._started.wait()

    def _main(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.call_soon(self._started.set)
        try:
            self.loop.run_forever()
        finally:
            self.loop.close()

    def is_current(self) -> bool:
        """True when called from the network thread itself (where blocking would deadlock)."""
        return threading.current_thread() is self.thread

    def call_soon(self, callback: Callable[..., Any], *args: Any) -> None:
        """Schedule a plain callback on the network loop; never blocks."""
        self.loop.call_soon_threadsafe(callback, *args)

    def submit(self, coro: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        """Run a coroutine on the network loop; callers wait on the future only with a deadline."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    def stop(self, timeout: float = 2.0) -> None:
        """Stop the loop (tests only; the shared instance normally lives until exit)."""
        if self.loop.is_closed():
            return
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout)


def quiet_closed_links(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """Loop exception handler: an aiortc task that failed only because its link was closed
    under it (a peer left mid-handshake, a close racing a retransmission) is logged at DEBUG.

    aiortc starts such tasks itself and never awaits them, so asyncio would print "Task
    exception was never retrieved" with a traceback, which reads like a crash to a player
    watching the console. Anything else goes to asyncio's default handler unchanged.
    """
    exc = context.get("exception")
    future = context.get("future")
    coro = future.get_coro() if isinstance(future, asyncio.Task) else None
    code = getattr(coro, "cr_code", None)
    if (isinstance(exc, ConnectionError) and "not connected" in str(exc) and code is not None
            and f"{os.sep}aiortc{os.sep}" in code.co_filename):
        logger.debug("aiortc task %s ended after its link closed: %s",
                     getattr(coro, "__qualname__", "?"), exc)
        return
    loop.default_exception_handler(context)


_lock = threading.Lock()
_shared: NetworkThread | None = None


def get_network_thread() -> NetworkThread:
    """Return the process-wide network thread, starting it on first use."""
    global _shared
    with _lock:
        if _shared is None or not _shared.thread.is_alive():
            _shared = NetworkThread()
            logger.debug("Started network thread %s", _shared.thread.name)
        return _shared
