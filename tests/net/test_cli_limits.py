"""``konnekt-signal --max-peers-per-room``: the limit holds, and a refused player is told why
and what to do (real CLI process, real transports and sessions on loopback)."""

from __future__ import annotations

import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import pytest

from konnekt_arcade import ConnectionFailed, P2PLoopBuilder
from konnekt_arcade.net import IdAssigned, TransportError, TransportEvent, WebRtcTransport
from konnekt_arcade.testing import wait_until

pytestmark = [pytest.mark.network, pytest.mark.timeout(180)]

HANG = 60.0  # deadlines of waits: hang guards, not speed claims
LIMIT = 2


@pytest.fixture
def cli_server() -> Iterator[str]:
    """``python -m konnekt_arcade.net.cli --port 0 --max-peers-per-room 2``; yields its URL."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "konnekt_arcade.net.cli", "--port", "0",
         "--max-peers-per-room", str(LIMIT), "--log-level", "WARNING"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(x) for x in proc.stdout], daemon=True).start()
    try:
        url = lines.get(timeout=HANG).strip()
        assert url.startswith("ws://127.0.0.1:"), url
        yield url
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            assert proc.wait(timeout=HANG) == 0  # SIGTERM is a clean stop
        finally:
            if proc.poll() is None:
                proc.kill()


def first(transport: WebRtcTransport, kind: type, seen: list[TransportEvent]) -> object:
    deadline = time.monotonic() + HANG
    while True:
        seen.extend(transport.poll())
        found = [e for e in seen if isinstance(e, kind)]
        if found:
            return found[0]
        assert time.monotonic() < deadline, f"no {kind.__name__}: {seen}"
        time.sleep(0.01)


def test_the_room_limit_refuses_the_next_peer_and_says_why(cli_server: str) -> None:
    transports = [WebRtcTransport(cli_server, "full-room") for _ in range(LIMIT + 1)]
    try:
        for t in transports[:LIMIT]:
            t.start()
            first(t, IdAssigned, [])
        late = transports[LIMIT]
        late.start()
        seen: list[TransportEvent] = []
        error = first(late, TransportError, seen)
        assert isinstance(error, TransportError) and error.fatal and error.refused
        assert f"room full ({LIMIT} peers per room)" in error.message
        assert not any(isinstance(e, IdAssigned) for e in seen)
        # Another room on the same server is not affected.
        other = WebRtcTransport(cli_server, "another-room")
        transports.append(other)
        other.start()
        first(other, IdAssigned, [])
        # A place frees up when a peer leaves: the next one gets in.
        transports[0].close()
        again = WebRtcTransport(cli_server, "full-room")
        transports.append(again)
        deadline = time.monotonic() + HANG
        again.start()
        got: list[TransportEvent] = []
        while not any(isinstance(e, IdAssigned) for e in got):
            got.extend(again.poll())
            assert time.monotonic() < deadline, got
            time.sleep(0.01)
    finally:
        for t in transports:
            t.close()


def test_a_refused_player_is_told_the_lobby_is_full_and_what_to_do(cli_server: str) -> None:
    builder = P2PLoopBuilder()
    host, sid = builder.build_session_host(cli_server, [], "Full house", "Ann")
    guest = builder.start_session_guest(cli_server, sid, [])
    try:
        wait_until(lambda: guest.is_ready, HANG, host, guest, what="the first guest")
        with pytest.raises(ConnectionFailed) as info:
            builder.build_session_guest(cli_server, sid, [])
        text = str(info.value)
        assert f"room full ({LIMIT} peers per room)" in text, text
        assert "Check: this lobby is full" in text and "--max-peers-per-room" in text, text
        assert len(host.get_lobby().participants) == 1  # nothing changed for those inside
        assert host.connected_peers() == [guest.local_peer_id()]
    finally:
        guest.close()
        host.close()
