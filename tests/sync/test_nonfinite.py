"""NaN and ±inf in activity config and result data, through the sync engine.

JSON has no non-finite numbers: the wire encoder writes ``null`` for them, so a number the
host kept would arrive as ``null`` on every replica. The domain refuses them instead, with a
``CommandFailed`` that says why — for the host's own commands, and for a peer whose wire
message carries the ``NaN``/``Infinity`` tokens (a hand-written or non-Python client; our
JSON parser accepts them).
"""

from __future__ import annotations

import pytest

from konnekt_arcade.domain import ActivityRun, DomainCommand, DomainEvent, state_hash
from konnekt_arcade.sync import LobbySync

from .simnet import SimNet

C = DomainCommand
TOKENS = {"NaN": float("nan"), "Infinity": float("inf"), "-Infinity": float("-inf")}
REASON = "must not contain NaN or infinity (JSON has no such numbers)"


def failures(node: LobbySync) -> list[DomainEvent.CommandFailed]:
    return [e for e in node.drain_events() if isinstance(e, DomainEvent.CommandFailed)]


def a_run_in_progress(seed: int) -> tuple[SimNet, LobbySync, LobbySync, ActivityRun]:
    """A host and one guest with a run started and seen by both."""
    net = SimNet(seed)
    host = net.add_host()
    guest = net.join("g", "Gus")
    lid, hid = host.lobby.id, host.local_participant_id
    host.submit(C.QueueActivity(lobby_id=lid, host_id=hid, activity_type="t", name="T"), net.now)
    host.submit(C.StartNextRun(lobby_id=lid, host_id=hid), net.now)
    net.advance(0.5)
    run = host.lobby.current_run
    assert run is not None and guest.lobby.current_run == run
    guest.drain_events()
    return net, host, guest, run


@pytest.mark.parametrize("token", list(TOKENS))
def test_host_refuses_its_own_non_finite_config(token: str) -> None:
    net = SimNet(3)
    host = net.add_host()
    guest = net.join("g", "Gus")
    lid, hid = host.lobby.id, host.local_participant_id
    host.drain_events()
    before = state_hash(host.lobby)
    rid = host.submit(C.QueueActivity(lobby_id=lid, host_id=hid, activity_type="t", name="T",
                                      config={"speed": TOKENS[token]}), net.now)
    net.advance(0.5)
    (failed,) = failures(host)
    assert (failed.request_id, failed.command_type) == (rid, "QueueActivity")
    assert failed.reason == f"activity config {REASON}"
    assert state_hash(host.lobby) == before == state_hash(guest.lobby)
    assert host.lobby.activity_queue == ()


@pytest.mark.parametrize("token", list(TOKENS))
def test_a_peers_non_finite_result_comes_back_as_command_failed(token: str) -> None:
    net, host, guest, run = a_run_in_progress(4)
    lid = host.lobby.id
    # The guest's own encoder would write null; a client that writes the JSON token is
    # simulated by editing the bytes on their way to the host.
    rid = guest.submit(C.SubmitResult(lobby_id=lid, run_id=run.id,
                                      participant_id=guest.local_participant_id,
                                      data={"times": [1.0, 12345.5]}), net.now)
    sent = guest.data_to_send()
    forged = [(out.peer, out.data.replace(b"12345.5", token.encode())) for out in sent]
    assert any(token.encode() in data for _, data in forged)
    for peer, data in forged:
        assert peer == "host"
        host.receive("g", data, net.now)
    net.advance(0.5)
    (failed,) = failures(guest)
    assert (failed.request_id, failed.command_type) == (rid, "SubmitResult")
    assert failed.reason == f"result data {REASON}"
    assert host.lobby.current_run.results == () == guest.lobby.current_run.results
    assert net.converged()
    # the same result with finite numbers is accepted and replicated as sent
    guest.submit(C.SubmitResult(lobby_id=lid, run_id=run.id,
                                participant_id=guest.local_participant_id,
                                data={"times": [1.0, 12345.5]}), net.now)
    net.advance(0.5)
    (result,) = host.lobby.current_run.results
    assert result.data == {"times": [1.0, 12345.5]}
    assert net.converged()


@pytest.mark.parametrize("token", list(TOKENS))
def test_a_guests_own_non_finite_result_never_leaves(token: str) -> None:
    net, host, guest, run = a_run_in_progress(5)
    lid = host.lobby.id
    rid = guest.submit(C.SubmitResult(lobby_id=lid, run_id=run.id,
                                      participant_id=guest.local_participant_id,
                                      data={"times": [1.0, TOKENS[token]]}), net.now)
    assert guest.data_to_send() == []  # refused before the wire could write null
    (failed,) = failures(guest)
    assert (failed.request_id, failed.command_type) == (rid, "SubmitResult")
    assert failed.reason == f"result data {REASON}"
    net.advance(0.5)
    assert host.lobby.current_run.results == () == guest.lobby.current_run.results
