"""Signalling moves with the host, in memory (issue 23): the in-memory network models the same
steps as the wire (``test_signalling_moves``) — who learns what, and when — so a game's test
of "the host left, a friend joins later" in memory predicts the real thing.

The host runs the lobby's server (``embedded_signalling`` with the network's
``signalling_server``); it crashes with it, or closes. The survivors see the server go, the
new host starts one, every survivor registers there (``SignallingRestored`` with its URL),
``signalling_url`` and ``invite`` follow, and a newcomer joins by the new invite and chats.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from konnekt_arcade import ConnectionStage, DomainCommand, P2PLoopBuilder, SessionLoop
from konnekt_arcade.net import InMemoryNetwork
from konnekt_arcade.session import TransportNotice
from konnekt_arcade.testing import memory_builder, wait_until

NAMES = ["Gus", "Gia"]


def builder() -> tuple[P2PLoopBuilder, InMemoryNetwork]:
    base = memory_builder()
    network: InMemoryNetwork = base.network  # type: ignore[attr-defined]
    return base.embedded_signalling(server=network.signalling_server), network


def join(b: P2PLoopBuilder, invite: str, name: str, others: list[SessionLoop]) -> SessionLoop:
    guest = b.start_session_guest(invite, ice_servers=[])
    wait_until(lambda: guest.stage is ConnectionStage.SYNCED, 10, guest, *others)
    guest.submit_command(DomainCommand.JoinLobby(lobby_id=guest.lobby_id(), guest_name=name))
    wait_until(lambda: guest.local_participant_id() is not None, 10, guest, *others)
    return guest


def kinds(notices: list[Any]) -> list[str]:
    return [n.kind for n in notices if isinstance(n, TransportNotice)]


@pytest.mark.parametrize("how", ["crash", "close"])
@pytest.mark.parametrize("guests", [1, 2])
def test_signalling_follows_the_new_host_in_memory(how: str, guests: int) -> None:
    b, network = builder()
    host, _ = b.build_session_host(None, [], "Moving", "Hana")
    assert host.signalling_url.startswith("memory://signal-")
    survivors: list[SessionLoop] = []
    for name in NAMES[:guests]:
        survivors.append(join(b, host.invite, name, [host, *survivors]))
    for s in survivors:
        s.drain_notices()
    old_url, old_invite = host.signalling_url, host.invite
    if how == "crash":
        network.crash(host.local_peer_id(), signalling=True)  # type: ignore[arg-type]
    else:
        host.close()
    seen: dict[int, list[Any]] = {i: [] for i in range(guests)}

    def moved() -> bool:
        for i, s in enumerate(survivors):
            seen[i].extend(s.drain_notices())
        hosts = [s for s in survivors if s.is_host()]
        return (len(hosts) == 1 and all(s.stage is ConnectionStage.SYNCED for s in survivors)
                and all(s.signalling_url == hosts[0].signalling_url != old_url
                        for s in survivors))

    wait_until(moved, 20, *survivors, what="every survivor on the new host's server")
    new_host = next(s for s in survivors if s.is_host())
    assert new_host.invite != old_invite
    for i, s in enumerate(survivors):
        if s is not new_host:  # learned it over the data channel, then registered there
            assert kinds(seen[i])[-1:] == ["SignallingRestored"], seen[i]
        if how == "crash":
            assert "SignallingLost" in kinds(seen[i])
    newcomer = join(b, new_host.invite, "Nia", survivors)
    everyone = [*survivors, newcomer]
    lobby = newcomer.get_lobby()
    assert lobby is not None
    newcomer.submit_command(DomainCommand.SendChat(
        lobby_id=lobby.id, participant_id=newcomer.local_participant_id(), text="hi"))

    def arrived() -> bool:
        lobbies = [s.get_lobby() for s in everyone]
        return all(x is not None and any(m.text == "hi" for m in x.chat) for x in lobbies)

    wait_until(arrived, 10, *everyone, what="the newcomer's line everywhere")
    wait_until(lambda: len({s.state_hash() for s in everyone}) == 1, 10, *everyone)
    for s in everyone:
        lobby = s.get_lobby()
        assert lobby is not None and [m.text for m in lobby.chat].count("hi") == 1
        s.close()
    host.close()


def test_only_the_host_moves_signalling_and_bad_messages_are_counted() -> None:
    """A guest cannot send the lobby elsewhere: "my server is here" counts only from the peer
    the lobby calls host; a malformed session message is dropped and counted."""
    b, network = builder()
    host, _ = b.build_session_host(None, [], "Moving", "Hana")
    gus = join(b, host.invite, "Gus", [host])
    gia = join(b, host.invite, "Gia", [host, gus])
    everyone = [host, gus, gia]
    url = gus.signalling_url
    elsewhere = network.signalling_server().start()  # a live server Gia would lure Gus to
    transport = gia.p2p().transport
    assert transport is not None
    here = b"\x05" + json.dumps({"signalling": {"port": elsewhere.port,
                                                "urls": [elsewhere.url]}}).encode()
    for data in (here, b"\x05{not json", b'\x05{"signalling": {"port": 0, "urls": []}}'):
        transport.send(gus.local_peer_id(), 0, data)  # type: ignore[arg-type]
    wait_until(lambda: gus.stats["dropped:bad_session_message"] == 2, 10, *everyone,
               what="the two bad messages counted")
    for _ in range(50):  # a few more ticks: a move would show by now
        wait_until(lambda: True, 1, *everyone)
    assert gus.signalling_url == url and gus.stage is ConnectionStage.SYNCED
    for s in everyone:
        s.close()
