"""A guest cut off from the lobby while its process is starved (a busy machine: no poll for
longer than the sync engine's heartbeat timeout) reconnects as itself; it must not elect
itself host of a lobby of one. The session's mesh check (``ReconnectPolicy.silence``, 2 s)
is meant to act before the engine's host timeout (2.5 s); when one late poll finds both
due, the mesh check still goes first (seen on a loaded CI machine: the guest hosted alone)."""

from __future__ import annotations

import time

from konnekt_arcade import ConnectionStage, DomainCommand
from konnekt_arcade.sync import HostChanged, SyncConfig
from konnekt_arcade.testing import memory_builder, wait_until

URL = "ws://memory.invalid/"


def test_a_starved_guest_that_lost_every_link_reconnects_instead_of_hosting() -> None:
    builder = memory_builder()
    host, sid = builder.build_session_host(URL, [], "Starved", "Hana")
    guests = [builder.start_session_guest(URL, sid, []) for _ in range(2)]
    everyone = [host, *guests]
    for guest, name in zip(guests, ("Ann", "Ben"), strict=True):
        wait_until(lambda g=guest: g.stage is ConnectionStage.SYNCED, 10, *everyone)
        guest.submit_command(DomainCommand.JoinLobby(lobby_id=guest.lobby_id(), guest_name=name))
        wait_until(lambda g=guest: g.local_participant_id() is not None, 10, *everyone)
    ann = guests[0]
    wait_until(lambda: len(host.get_lobby().participants) == 3, 10, *everyone)  # type: ignore[union-attr]
    ann.drain_notices()

    transport = ann.p2p().transport
    assert transport is not None
    transport.close()  # Ann's network is gone ...
    starved = SyncConfig().heartbeat_timeout + 1.0
    deadline = time.monotonic() + starved
    while time.monotonic() < deadline:  # ... and her process gets no time (the others run)
        host.poll()
        guests[1].poll()
        time.sleep(0.01)

    ann.poll()  # the first poll after the starvation finds every timer due at once
    wait_until(lambda: ann.stage in (ConnectionStage.RECONNECTING, ConnectionStage.SYNCED)
               and not ann.is_host(), 10, *everyone, what="Ann reconnecting as a guest")
    notices = ann.drain_notices()
    assert not any(isinstance(n, HostChanged) and n.is_local for n in notices), notices
    for session in everyone:
        session.close()
