"""``GameData`` size limits on both channels: over real WebRTC the largest allowed payload
arrives intact on the reliable and on the unreliable channel, and one byte more is refused at
``send_game_data`` with a clear error; oversized game data from a peer that skips that check
is dropped and counted, never queued (in memory: aiortc refuses to send it at all)."""

from __future__ import annotations

import os

import pytest

from konnekt_arcade import P2PLoopBuilder, SendFailed
from konnekt_arcade.net import CHANNEL_RELIABLE, CHANNEL_UNRELIABLE
from konnekt_arcade.session import GAME_DATA_PREFIX, MAX_GAME_DATA
from konnekt_arcade.testing import SessionGroup, wait_until

pytestmark = [pytest.mark.network, pytest.mark.timeout(240)]

HANG = 60.0


@pytest.mark.parametrize("reliable", [True, False], ids=["reliable", "unreliable"])
def test_largest_game_data_arrives_and_one_byte_more_is_refused(
        webrtc_sessions: SessionGroup, reliable: bool) -> None:
    group = webrtc_sessions
    host, guest = group.host, group.guest
    payload = os.urandom(MAX_GAME_DATA)
    got = []

    def arrived() -> bool:
        got.extend(host.drain_game_data())
        return any(len(d.data) == MAX_GAME_DATA for d in got)

    # Unreliable means "may be lost": resend until one copy arrives (loopback loses none, but
    # the test does not depend on that). Each copy is checked whole.
    for _ in range(20):
        guest.send_game_data(payload, reliable=reliable)
        try:
            group.wait_until(arrived, HANG / 20, what="the largest game data")
            break
        except AssertionError:
            continue
    assert arrived(), (guest.stats, host.stats)
    full = [d for d in got if len(d.data) == MAX_GAME_DATA]
    assert all(d.data == payload and d.reliable is reliable for d in full)
    assert full[0].peer_id == guest.local_peer_id()
    assert full[0].participant_id == guest.local_participant_id()
    assert guest.stats["transport:dropped_outgoing"] == 0

    sent_before = guest.stats["game_data_out"]
    with pytest.raises(SendFailed, match=f"exceeds {MAX_GAME_DATA}"):
        guest.send_game_data(payload + b"x", reliable=reliable)
    assert guest.stats["game_data_out"] == sent_before  # nothing went out


def test_oversized_game_data_from_a_peer_is_dropped_and_counted(
        memory_builder: P2PLoopBuilder) -> None:
    """A peer that bypasses ``send_game_data`` (its own client, or a hostile one) and writes
    to its transport directly. In memory: aiortc's own sender-side size check would stop it
    over WebRTC before it reaches the receiver's check, which is what this tests (the framing
    alone: ``test_framing.py``)."""
    host, sid = memory_builder.build_session_host("memory://", [], "Lobby", "Alice")
    guest = memory_builder.start_session_guest("memory://", sid, [])
    wait_until(lambda: guest.is_ready, HANG, host, guest, what="sync")
    transport = guest.p2p().transport
    assert transport is not None
    huge = GAME_DATA_PREFIX + b"y" * (MAX_GAME_DATA + 1)
    for channel in (CHANNEL_RELIABLE, CHANNEL_UNRELIABLE):
        transport.send(host.local_peer_id(), channel, huge)  # type: ignore[arg-type]
    transport.send(host.local_peer_id(), CHANNEL_RELIABLE,  # type: ignore[arg-type]
                   GAME_DATA_PREFIX + b"fine")
    wait_until(lambda: host.stats["game_data_in"] >= 1, HANG, host, guest, what="game data")
    assert host.stats["dropped:game_data_too_large"] == 2
    assert [d.data for d in host.drain_game_data()] == [b"fine"]
    assert host.stats["game_data_in"] == 1
    host.close()
    guest.close()
