"""examples/host.py and examples/guest.py, run as the README's Quick start runs them."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from konnekt_arcade.net import SignallingServer

pytestmark = [pytest.mark.network, pytest.mark.timeout(60)]

REPO = Path(__file__).resolve().parents[2]
GUEST_LOGS = [
    "🎯 Joining session...",
    "✅ Joined session: {sid}",
    "⏳ Waiting for peer ID...",
    "✅ Peer ID assigned",
    "⏳ Waiting for peer connection...",
    "✅ Connected to 1 peer(s)",
    "⏳ Waiting for lobby sync from host...",
    "📥 GUEST: Received lobby snapshot via P2P: My Lobby",
    "✅ Lobby 'My Lobby' synced!",
]
HOST_LOGS = [
    "🎯 Creating host session...",
    "✅ Session created: {sid}",
    "🟢 HOST: Peer {guest} connected - auto-sending full sync",
    "✅ Sent full sync to {guest}",
    "📥 Guest 'Bob' joining via P2P",
    "📤 Broadcasting GuestJoined: Bob",
]


def in_order(lines: list[str], text: str) -> bool:
    pos = 0
    for line in lines:
        pos = text.find(line, pos)
        if pos < 0:
            return False
    return True


def test_quick_start_examples(signalling: SignallingServer) -> None:
    env = dict(os.environ, PYTHONPATH=str(REPO), PYTHONUNBUFFERED="1")
    host = subprocess.Popen(
        [sys.executable, "examples/host.py", signalling.url, "--once", "--exit-after", "40"],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert host.stdout is not None
        first = host.stdout.readline()
        match = re.match(r"Session ID: (\S+)", first)
        assert match, first
        sid = match.group(1)
        guest = subprocess.run(
            [sys.executable, "examples/guest.py", sid, signalling.url, "--once",
             "--exit-after", "30"],
            cwd=REPO, env=env, capture_output=True, text=True, timeout=45)
        assert guest.returncode == 0, guest.stderr
        assert "Lobby synced!" in guest.stdout and "Joined as" in guest.stdout
        assert in_order([line.format(sid=sid) for line in GUEST_LOGS], guest.stderr), guest.stderr
        out, err = host.communicate(timeout=30)
        assert host.returncode == 0, err
        assert "Welcome Bob!" in out
        guest_peer = re.search(r"🟢 HOST: Peer (\S+) connected", err)
        assert guest_peer, err
        expected = [line.format(sid=sid, guest=guest_peer.group(1)) for line in HOST_LOGS]
        assert in_order(expected, err), err
    finally:
        if host.poll() is None:
            host.kill()
            host.communicate(timeout=5)
