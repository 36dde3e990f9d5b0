"""Grace after migration: the old host is a participant like any other once it has lost the
role — removed when its grace ends — and a round in progress ends under the new host as its
rules say (issue 23: the old host stayed "offline" for good, and a run waiting for its
result stayed InProgress long after the grace)."""

from __future__ import annotations

import pytest

from konnekt_arcade import ConnectionStage, DomainCommand, DomainEvent, SessionLoop
from konnekt_arcade.sync import SyncConfig
from konnekt_arcade.testing import memory_builder, wait_until

URL = "ws://memory.invalid/"
GRACE = 0.5


def lobby_of_two() -> tuple[object, SessionLoop, SessionLoop]:
    plain = memory_builder()
    builder = plain.sync_config(SyncConfig(grace_period=GRACE))
    host, sid = builder.build_session_host(URL, [], "Grace", "Hana")
    guest = builder.start_session_guest(URL, sid, [])
    wait_until(lambda: guest.stage is ConnectionStage.SYNCED, 10, host, guest)
    guest.submit_command(DomainCommand.JoinLobby(lobby_id=guest.lobby_id(), guest_name="Gus"))
    wait_until(lambda: guest.local_participant_id() is not None, 10, host, guest)
    return plain.network, host, guest  # type: ignore[attr-defined]


@pytest.mark.parametrize("how", ["crash", "crash with its signalling server", "cut link"])
def test_old_host_removed_and_round_ends_after_the_grace(how: str) -> None:
    network, host, guest = lobby_of_two()
    lobby = host.get_lobby()
    assert lobby is not None
    me = host.local_participant_id()
    host.submit_command(DomainCommand.QueueActivity(lobby_id=lobby.id, host_id=me,
                                                    activity_type="quiz", name="Round"))
    host.submit_command(DomainCommand.StartNextRun(lobby_id=lobby.id, host_id=me))
    wait_until(lambda: guest.get_lobby().current_run is not None, 10, host, guest)
    run = guest.get_lobby().current_run
    guest.submit_command(DomainCommand.SubmitResult(
        lobby_id=lobby.id, run_id=run.id, participant_id=guest.local_participant_id(),
        score=5))
    wait_until(lambda: guest.sequence() == host.sequence(), 10, host, guest)
    guest.domain().drain_events()
    if how == "cut link":
        network.disconnect(host.local_peer_id(), guest.local_peer_id())
    else:
        network.crash(host.local_peer_id(), signalling=how != "crash")
    wait_until(lambda: guest.is_host(), 10, guest, what="take-over")
    events: list[object] = []

    def gone() -> bool:
        events.extend(guest.domain().drain_events())
        return any(isinstance(e, DomainEvent.GuestLeft) and e.participant_id == me
                   for e in events)

    wait_until(gone, 10, guest, what="the old host's removal after its grace")
    assert any(isinstance(e, DomainEvent.RunEnded) and e.run_id == run.id for e in events)
    assert guest.get_lobby().current_run is None
    assert [p.id for p in guest.get_lobby().participants] == [guest.local_participant_id()]
    assert guest.stage is ConnectionStage.SYNCED and guest.is_host()
    guest.close()
    host.close()
