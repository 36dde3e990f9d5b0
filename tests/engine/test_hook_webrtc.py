"""SessionHook over real WebRTC (aiortc on loopback) with the embedded signalling server."""

from __future__ import annotations

from typing import Any

import pytest

from konnekt_arcade import ConnectionStage, P2PLoopBuilder, SessionHook
from konnekt_arcade.testing import MockWindow, SessionGroup

pytestmark = [pytest.mark.network, pytest.mark.timeout(240)]


def test_hook_over_webrtc(webrtc_sessions: SessionGroup) -> None:
    window = MockWindow()
    host = SessionHook(webrtc_sessions.host).attach(window)
    guest = SessionHook(webrtc_sessions.guest).attach(window)
    chats: list[str] = []
    data: list[bytes] = []
    joined: list[str] = []
    guest.push_handlers(on_chat=lambda m: chats.append(m.text))
    guest.push_handlers(on_game_data=lambda d: data.append(d.data))
    host.push_handlers(on_guest_joined=lambda p: joined.append(p.name))

    host.chat("welcome")
    webrtc_sessions.host.send_game_data(b"tick", reliable=True)
    window.run_until(lambda: chats and data and joined, timeout=60, what="chat + data")
    assert chats == ["welcome"] and data == [b"tick"] and joined == ["Guest 1"]


def test_non_blocking_guest_stages_through_the_hook(signalling_server: Any) -> None:
    builder = P2PLoopBuilder()
    host_session, sid = builder.start_session_host(signalling_server.url, [], "Room", "Alice")
    guest_session = builder.start_session_guest(signalling_server.url, sid, [])
    window = MockWindow()
    stages: list[ConnectionStage] = []
    host = SessionHook(host_session).attach(window)
    guest = SessionHook(guest_session).attach(window)
    guest.push_handlers(on_connection_stage=lambda stage, error: stages.append(stage))
    synced: list[str] = []
    guest.push_handlers(on_lobby_synced=lambda lobby: synced.append(lobby.name))
    try:
        window.run_until(lambda: synced, timeout=60, what="guest synced")
        assert stages == [ConnectionStage.SIGNALLING, ConnectionStage.PEER_ID,
                          ConnectionStage.CONNECTED, ConnectionStage.SYNCED]
        assert synced == ["Room"] and host.is_host()
    finally:
        guest_session.close()
        host_session.close()
