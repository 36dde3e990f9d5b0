"""A peer that never completes WebRTC negotiation ends at our own deadline with a P2PError
(aiortc alone would wait ~64 s, or forever for a relay-only link with a bad TURN password)."""

from __future__ import annotations

import time

import pytest
from websockets.sync.client import connect

from konnekt_arcade import P2PLoopBuilder
from konnekt_arcade.net import SignallingServer
from konnekt_arcade.session import ConnectionStage, ConnectionTimeout, SessionId

pytestmark = [pytest.mark.network, pytest.mark.timeout(180)]


def test_silent_peer_ends_in_connection_timeout_naming_it(signalling: SignallingServer) -> None:
    sid = SessionId.new()
    session = (P2PLoopBuilder().connection_timeout(2.0).peer_connect_timeout(1.0)
               .start_session_guest(signalling.url, sid, []))
    try:
        deadline = time.monotonic() + 60  # a hang guard, not a speed claim
        while session.stage is ConnectionStage.SIGNALLING and time.monotonic() < deadline:
            session.poll()
            time.sleep(0.01)
        assert session.stage is ConnectionStage.PEER_ID
        # A peer that joins the room (so we offer to it) and never answers.
        with connect(f"{signalling.url}/{sid.room}", open_timeout=60):
            started = time.monotonic()
            while (session.stage is not ConnectionStage.FAILED
                   and time.monotonic() < started + 60):
                session.poll()
                time.sleep(0.01)
        assert isinstance(session.error, ConnectionTimeout)
        # Our 1 s deadline ended it (the message names it), not aiortc's ~64 s; how soon after
        # the deadline a busy machine noticed is not this test's business.
        assert "not connected within 1 s" in str(session.error)
    finally:
        session.close()
