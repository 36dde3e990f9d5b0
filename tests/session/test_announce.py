"""The announcer hook that LAN discovery and the directory plug into (in-memory transport)."""

from __future__ import annotations

from konnekt_arcade import DomainCommand, P2PLoopBuilder, SessionLoop
from konnekt_arcade.session import SessionId
from konnekt_arcade.session._announce import ANNOUNCE_INTERVAL, Announcers, LobbyInfo

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
    assert host.stats["announce_errors"] >= 2  # the broken one is counted, not raised
    host.close()
    host.close()
    guest.close()
    assert made[0].closed == 1


class Coded(Recorder):
    join_code: str | None = None


class FakeSession:
    session_id = SessionId.new()
    signalling_url = URL


def info(players: int) -> LobbyInfo:
    return LobbyInfo(session_id="s", signalling_url=URL, lobby_name="L", host_name="A",
                     players=players, max_players=4, has_password=False, is_host=True,
                     ready=True)


def test_announcers_alone_pace_guard_and_close() -> None:
    """The group without a session: an unchanged info is handed on at most every
    ``ANNOUNCE_INTERVAL``, a change at once; failures are reported, never raised."""
    errors: list[int] = []
    made: list[Recorder] = []

    def coded(session: object) -> Coded:
        made.append(Coded(session))  # type: ignore[arg-type]
        return made[-1]  # type: ignore[return-value]

    def broken_factory(session: object) -> Broken:
        raise RuntimeError("cannot start")

    group = Announcers([coded, broken_factory, lambda s: Broken()], FakeSession(),
                       lambda: errors.append(1))
    assert group and len(errors) == 1 and made[0].session is not None
    group.update(lambda: info(1), 0.0)
    group.update(lambda: info(1), ANNOUNCE_INTERVAL / 2)  # unchanged and too soon
    group.update(lambda: info(2), ANNOUNCE_INTERVAL / 2)  # changed: at once
    group.update(lambda: info(2), ANNOUNCE_INTERVAL * 2)  # unchanged, but due again
    assert [i.players for i in made[0].infos] == [1, 2, 2]
    assert len(errors) == 1 + 3  # the broken one, once per update that went out
    assert group.join_code() is None
    made[0].join_code = "K7QXB"  # type: ignore[attr-defined]
    assert group.join_code() == "K7QXB"
    group.close()
    group.close()
    assert made[0].closed == 1 and len(errors) == 5 and not group
    assert group.join_code() is None


def test_no_announcers_compute_nothing() -> None:
    group = Announcers([], FakeSession(), lambda: None)

    def never() -> LobbyInfo:
        raise AssertionError("info computed without announcers")

    group.update(never, 0.0)
    assert not group
