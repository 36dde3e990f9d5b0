"""Three WebRtcTransports in three separate processes, meshed through the embedded server."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from itertools import permutations
from pathlib import Path

import pytest

from konnekt_arcade.net import CHANNEL_RELIABLE, CHANNEL_UNRELIABLE, SignallingServer

pytestmark = [pytest.mark.network, pytest.mark.timeout(240)]

HELPER = Path(__file__).with_name("_peer_proc.py")
REPO = Path(__file__).resolve().parents[2]
Event = dict[str, object]


class PeerProcess:
    """One helper process; a reader thread collects its JSON-line events."""

    def __init__(self, url: str, room: str) -> None:
        env = dict(os.environ, PYTHONPATH=str(REPO), PYTHONUNBUFFERED="1")
        self.proc = subprocess.Popen(
            [sys.executable, str(HELPER), url, room],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
            cwd=REPO,
        )
        self.events: list[Event] = []
        self._cond = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.peer_id = str(self.wait_for(lambda e: e["event"] == "IdAssigned", 60)["peer_id"])

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            with self._cond:
                self.events.append(json.loads(line))
                self._cond.notify_all()

    def wait_for(self, predicate: Callable[[Event], bool], timeout: float) -> Event:
        """First event (already seen or future) matching ``predicate``, polled with a deadline."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for event in self.events:
                    if predicate(event):
                        return event
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"timed out; events so far: {self.events[-20:]}")
                self._cond.wait(remaining)

    def command(self, **cmd: object) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(cmd) + "\n")
        self.proc.stdin.flush()

    def received(self, sender: str, channel: int, data: str) -> Callable[[Event], bool]:
        def match(e: Event) -> bool:
            return (
                e["event"] == "Message"
                and e["peer_id"] == sender
                and e["channel"] == channel
                and e["data"] == data
            )

        return match

    def shutdown(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=10)
        self._reader.join(5)  # EOF after exit
        for pipe in (self.proc.stdin, self.proc.stdout):
            if pipe is not None:
                with contextlib.suppress(OSError):  # stdin may hold unflushed commands
                    pipe.close()


@pytest.fixture
def mesh(server: SignallingServer) -> Iterator[list[PeerProcess]]:
    peers: list[PeerProcess] = []
    try:
        for _ in range(3):
            peers.append(PeerProcess(server.url, "mesh"))
        for me in peers:
            for other in peers:
                if other is not me:
                    me.wait_for(
                        lambda e, o=other: (
                            e["event"] == "PeerConnected" and e["peer_id"] == o.peer_id
                        ),
                        60,
                    )
        yield peers
    finally:
        for peer in peers:
            peer.shutdown()


def exchange(peers: list[PeerProcess], tag: str) -> None:
    """Every ordered pair sends on both channels; reliable must arrive, unreliable at least once."""
    for sender, receiver in permutations(peers, 2):
        sender.command(cmd="send", peer=receiver.peer_id, channel=CHANNEL_RELIABLE, data=f"{tag}-r")
        for _ in range(5):  # unordered, no retransmits: allow loss, require one copy
            sender.command(
                cmd="send", peer=receiver.peer_id, channel=CHANNEL_UNRELIABLE, data=f"{tag}-u"
            )
    for sender, receiver in permutations(peers, 2):
        receiver.wait_for(receiver.received(sender.peer_id, CHANNEL_RELIABLE, f"{tag}-r"), 60)
        receiver.wait_for(receiver.received(sender.peer_id, CHANNEL_UNRELIABLE, f"{tag}-u"), 60)


def test_mesh_messages_and_killed_process_noticed(mesh: list[PeerProcess]) -> None:
    exchange(mesh, "hello")
    a, b, victim = mesh
    a.command(cmd="broadcast", channel=CHANNEL_RELIABLE, data="to-all")
    for peer in (b, victim):
        peer.wait_for(peer.received(a.peer_id, CHANNEL_RELIABLE, "to-all"), 60)

    victim.proc.send_signal(signal.SIGKILL)
    for survivor in (a, b):
        event = survivor.wait_for(
            lambda e: e["event"] == "PeerDisconnected" and e["peer_id"] == victim.peer_id, 60
        )
        assert event["reason"]
    exchange([a, b], "after-kill")


def test_traffic_survives_signalling_server_stop(
    server: SignallingServer, mesh: list[PeerProcess]
) -> None:
    server.stop()
    for peer in mesh:
        peer.wait_for(lambda e: e["event"] == "SignallingLost", 60)
    exchange(mesh, "no-server")
    assert not any(e["event"] == "PeerDisconnected" for p in mesh for e in p.events)

    for peer in mesh:
        peer.command(cmd="close")
    for peer in mesh:
        # close() is bounded by its own deadline (test_webrtc_transport proves that with a
        # hung shutdown); here: it returns and leaves no thread that would keep us alive.
        closed = peer.wait_for(lambda e: e["event"] == "closed", 60)
        assert closed["non_daemon_threads"] == []
        peer.command(cmd="exit")
        assert peer.proc.wait(timeout=10) == 0
