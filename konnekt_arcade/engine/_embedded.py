"""A process-wide built-in signalling server (one per process and kind), for compatibility.

``LobbyView`` no longer uses it to host: with no signalling URL it hosts with
``P2PLoopBuilder().embedded_signalling()``, a server of the session's own that moves with the
host when the host leaves (issue 23). Joining by a bare session id without a URL still looks
on this machine's server (``embedded_signalling_url()``)."""

from __future__ import annotations

import atexit
import threading
from typing import Any

_lock = threading.Lock()
#: Keyed by "lan" (listens on every interface) or "local" (loopback only).
_servers: dict[str, Any] = {}


def embedded_signalling_url(lan: bool = False) -> str:
    """Start the embedded Matchbox-compatible server on a free port (once) and return the
    ``ws://127.0.0.1:<port>`` URL this process uses. It stops when the process exits.

    ``lan=True`` makes it listen on every interface, so friends on the LAN can reach it: a
    host that advertises its lobby needs that (LAN discovery tells each friend the address
    of this machine on their side). Without it, only this machine can connect."""
    from ..net import SignallingServer

    with _lock:
        server = _servers.get("lan") or (None if lan else _servers.get("local"))
        if server is None:
            server = SignallingServer(host="0.0.0.0" if lan else "127.0.0.1", port=0)
            server.start()
            atexit.register(server.stop)
            _servers["lan" if lan else "local"] = server
        return f"ws://127.0.0.1:{server.port}"
