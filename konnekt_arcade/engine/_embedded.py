"""The built-in signalling server ``LobbyView`` starts on demand (one per process)."""

from __future__ import annotations

import atexit
import threading
from typing import Any

_lock = threading.Lock()
_server: Any = None


def embedded_signalling_url() -> str:
    """Start the embedded Matchbox-compatible server on a free loopback port (once) and
    return its ``ws://`` URL. It stops when the process exits."""
    global _server
    with _lock:
        if _server is None:
            from ..net import SignallingServer

            server = SignallingServer(port=0)
            server.start()
            atexit.register(server.stop)
            _server = server
        return str(_server.url)
