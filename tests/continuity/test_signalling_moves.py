"""Signalling moves with the host (issue 23): a host that ran the lobby's built-in signalling
server goes — crashed or closed — and the survivors' new host starts its own server, everyone
registers there under the same session id, links between survivors are kept, the invite
follows, and a newcomer joins by the new invite and meshes with everyone.

Real aiortc peers in one process on loopback, real ``SignallingServer``s. A crash here is a
host whose game stops (never polled again: no heartbeat, no hand-over) while its server stops
under everyone: what the survivors see of a killed process, short of the dead links (those
time out by ICE consent later and change nothing here). The multi-process SIGKILL version is
``test_signalling_moves_procs``.

Each test prints its hand-over times; the assertion bounds are deadlines against a hang on a
busy machine.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from konnekt_arcade import ConnectionStage, DomainCommand, P2PLoopBuilder, SessionLoop
from konnekt_arcade.net import SignallingServer
from konnekt_arcade.testing import wait_until

pytestmark = [pytest.mark.network, pytest.mark.timeout(180)]

#: Deadline for each step on a busy 2-core machine (the printed figures are the measurement).
STEP = 45.0
NAMES = ["Gus", "Gia"]


class Servers:
    """The server factory handed to ``embedded_signalling``: it records what it made, so the
    test can stop the host's server under everyone (the crash) and stop them all at the end."""

    def __init__(self) -> None:
        self.made: list[SignallingServer] = []

    def __call__(self, lan: bool) -> SignallingServer:
        server = SignallingServer(host="127.0.0.1", port=0)
        self.made.append(server)
        return server


@pytest.fixture
def servers() -> Iterator[Servers]:
    made = Servers()
    yield made
    for server in made.made:
        server.stop()


def chat(session: SessionLoop, text: str) -> None:
    lobby = session.get_lobby()
    assert lobby is not None
    session.submit_command(DomainCommand.SendChat(
        lobby_id=lobby.id, participant_id=session.local_participant_id(), text=text))


def chat_lines(session: SessionLoop, text: str) -> int:
    lobby = session.get_lobby()
    return sum(m.text == text for m in lobby.chat) if lobby is not None else 0


def join(builder: P2PLoopBuilder, invite: str, name: str,
         others: list[SessionLoop]) -> SessionLoop:
    guest = builder.start_session_guest(invite, ice_servers=[])
    wait_until(lambda: guest.stage is ConnectionStage.SYNCED, STEP, guest, *others,
               what=f"{name} to sync")
    guest.submit_command(DomainCommand.JoinLobby(lobby_id=guest.lobby_id(), guest_name=name))
    wait_until(lambda: guest.local_participant_id() is not None, STEP, guest, *others,
               what=f"{name} to be welcomed")
    return guest


def party(builder: P2PLoopBuilder, guests: int) -> tuple[SessionLoop, list[SessionLoop]]:
    host, _ = builder.build_session_host(None, [], "Moving", "Hana")
    joined: list[SessionLoop] = []
    for name in NAMES[:guests]:
        joined.append(join(builder, host.invite, name, [host, *joined]))
    everyone = [host, *joined]
    wait_until(lambda: len({s.state_hash() for s in everyone}) == 1, STEP, *everyone,
               what="one lobby")
    return host, joined


def moved(survivors: list[SessionLoop], old_url: str) -> SessionLoop | None:
    """The new host, once every survivor is registered on its server; else None."""
    hosts = [s for s in survivors if s.is_host()]
    if len(hosts) != 1 or any(s.stage is not ConnectionStage.SYNCED for s in survivors):
        return None
    url = hosts[0].signalling_url
    if url == old_url or any(s.signalling_url.rsplit(":", 1)[-1] != url.rsplit(":", 1)[-1]
                             for s in survivors):
        return None
    return hosts[0]


def newcomer_chats(builder: P2PLoopBuilder, new_host: SessionLoop,
                   survivors: list[SessionLoop]) -> SessionLoop:
    """A newcomer joins by the new host's invite, links to every survivor and chats: the
    line arrives exactly once everywhere."""
    newcomer = join(builder, new_host.invite, "Nia", survivors)
    everyone = [*survivors, newcomer]
    survivor_ids = {s.local_peer_id() for s in survivors}
    wait_until(lambda: survivor_ids <= set(newcomer.connected_peers()), STEP, *everyone,
               what="the newcomer to link to every survivor")
    chat(newcomer, "hello from Nia")
    wait_until(lambda: all(chat_lines(s, "hello from Nia") for s in everyone), STEP, *everyone,
               what="the newcomer's line everywhere")
    wait_until(lambda: len({s.state_hash() for s in everyone}) == 1, STEP, *everyone,
               what="one lobby with the newcomer")
    assert [chat_lines(s, "hello from Nia") for s in everyone] == [1] * len(everyone)
    return newcomer


def crash(host: SessionLoop, servers: Servers) -> float:
    """The host's game stops (never polled again) and its server with it."""
    crashed_at = time.monotonic()
    servers.made[0].stop()
    return crashed_at


def bury(host: SessionLoop) -> None:
    """Close a crashed host without letting it speak (no hand-over from the dead)."""
    host.p2p().close()
    host.close()


@pytest.mark.parametrize("guests", [1, 2])
def test_host_crash_moves_signalling(servers: Servers, guests: int) -> None:
    builder = P2PLoopBuilder().embedded_signalling(lan=False, server=servers)
    host, survivors = party(builder, guests)
    old_url, old_invite = host.signalling_url, survivors[0].invite
    peer_ids = [s.local_peer_id() for s in survivors]
    links_kept: list[bool] = []

    def done() -> SessionLoop | None:
        if guests == 2:  # the survivors' link to each other never drops
            links_kept.append(peer_ids[1] in survivors[0].connected_peers()
                              and peer_ids[0] in survivors[1].connected_peers())
        return moved(survivors, old_url)

    crashed_at = crash(host, servers)
    new_host: SessionLoop | None = None
    try:
        wait_until(lambda: any(s.is_host() for s in survivors), STEP, *survivors,
                   what="a new host")
        elected = time.monotonic() - crashed_at
        wait_until(done, STEP, *survivors, what="every survivor on the new server")
        took = time.monotonic() - crashed_at
        new_host = moved(survivors, old_url)
        assert new_host is not None
        print(f"crash, {guests + 1} players: new host after {elected:.2f} s, every survivor "
              f"on its server after {took:.2f} s")
        assert new_host.invite != old_invite
        assert new_host.invite.endswith(str(new_host.session_id))
        assert [s.local_peer_id() for s in survivors] == peer_ids
        if guests == 2:
            assert all(links_kept), "the survivors' link dropped during the move"
            for s in survivors:
                assert s.stats["transport:links_replaced"] == 0
        newcomer = newcomer_chats(builder, new_host, survivors)
        newcomer.close()
    finally:
        bury(host)
        for s in survivors:
            s.close()


@pytest.mark.parametrize("guests", [1, 2])
def test_host_close_moves_signalling(servers: Servers, guests: int) -> None:
    builder = P2PLoopBuilder().embedded_signalling(lan=False, server=servers)
    host, survivors = party(builder, guests)
    old_url, old_invite = host.signalling_url, survivors[0].invite
    closed = threading.Event()

    def leave() -> None:
        host.close()  # hands over; our main thread keeps polling the survivors meanwhile
        closed.set()

    started = time.monotonic()
    leaving = threading.Thread(target=leave, name="host-close")
    leaving.start()
    try:
        wait_until(lambda: moved(survivors, old_url) is not None, STEP, *survivors,
                   what="every survivor on the new server")
        took = time.monotonic() - started
        new_host = moved(survivors, old_url)
        assert new_host is not None
        print(f"close(), {guests + 1} players: every survivor on the new host's server "
              f"{took:.2f} s after close() began")
        assert new_host.invite != old_invite
        lobby = new_host.get_lobby()
        assert lobby is not None and len(lobby.participants) == guests  # the host left
        newcomer = newcomer_chats(builder, new_host, survivors)
        newcomer.close()
    finally:
        leaving.join(10)
        for s in survivors:
            s.close()
    assert closed.is_set()
