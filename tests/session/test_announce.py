"""The announcer hook that LAN discovery and the directory plug into (in-memory transport)."""

from __future__ import annotations

from konnekt_arcade import DomainCommand, P2PLoopBuilder, SessionLoop
from konnekt_arcade.session._announce import LobbyInfo

from .conftest import wait_until

URL = "memory://"


class Recorder:
    def __init__(self, session: SessionLoop) -> None:
        self.session = session
        self.infos: list[LobbyInfo] = []
        self.closed = 0

    def update(self, info: LobbyInfo, now: float) -> None:
        self.infos.append(info)

    def close(self) -> None:
        self.closed += 1


class Broken:
    def update(self, info: LobbyInfo, now: float) -> None:
        raise RuntimeError("boom")

    def close(self) -> None:
        raise RuntimeError("boom")


def test_announcers_follow_the_lobby_and_close_once(memory_builder: P2PLoopBuilder) -> None:
    made: list[Recorder] = []

    def factory(session: SessionLoop) -> Recorder:
        made.append(Recorder(session))
        return made[-1]

    builder = memory_builder._with_announcer(factory)._with_announcer(lambda s: Broken())
    host, sid = builder.password("pw").build_session_host(URL, [], "My Lobby", "Alice")
    assert len(made) == 1 and made[0].session is host
    wait_until(lambda: any(i.ready for i in made[0].infos), 30, host, what="first info")
    first = next(i for i in made[0].infos if i.ready)
    assert (first.session_id, first.lobby_name, first.host_name) == (str(sid), "My Lobby",
                                                                      "Alice")
    assert first.players == 1 and first.is_host and first.has_password
    assert first.max_players >= 2

    guest = memory_builder.password("pw").start_session_guest(URL, sid, [])
    wait_until(lambda: guest.is_ready, 30, host, guest, what="guest sync")
    guest.submit_command(DomainCommand.JoinLobby(lobby_id=guest.lobby_id(), guest_name="Bob"))
    wait_until(lambda: made[0].infos[-1].players == 2, 30, host, guest, what="player count")
    assert host.stats()["announce_errors"] >= 2  # the broken one is counted, not raised
    host.close()
    host.close()
    guest.close()
    assert made[0].closed == 1
