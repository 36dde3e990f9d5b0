"""Signalling moves with the host, on the LAN (issue 23): the new host's LAN announcement
names its own server at once — a changed signalling URL is news, like a changed player count
— so a friend browsing the network never waits a whole announce period for a working
invite. Sans-I/O: ``LanResponder`` is given the lobby info and says what it would send."""

from __future__ import annotations

from konnekt_arcade.lan._interfaces import Interface
from konnekt_arcade.lan._protocol import Announce, decode
from konnekt_arcade.lan._responder import LanResponder
from konnekt_arcade.session._announce import LobbyInfo

SID = "123e4567-e89b-12d3-a456-426614174000"
CARDS = [Interface("eth0", "192.168.1.23", 24)]


def info(url: str) -> LobbyInfo:
    return LobbyInfo(session_id=SID, signalling_url=url, lobby_name="Ann's lobby",
                     host_name="Bob", players=2, max_players=8, has_password=False,
                     is_host=True, ready=True)


def test_a_moved_server_is_announced_at_once() -> None:
    responder = LanResponder("party", "0123456789abcdef")
    responder.start(CARDS, 0.0)
    # Bob became host while the old host's server still ran (a hand-over): announced as is.
    assert responder.update(info("ws://192.168.1.5:3601"), CARDS, 0.0)
    moved = responder.update(info("ws://127.0.0.1:41234"), CARDS, 0.1)  # his own server
    invites = {p.invite for p in (decode(d.data) for d in moved) if isinstance(p, Announce)}
    assert invites == {f"ws://192.168.1.23:41234/{SID}"}
