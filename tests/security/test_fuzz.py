"""Fuzzing the wire decoder and the LobbySync receive path with hypothesis.

CI runs a small profile (``KONNEKT_FUZZ_EXAMPLES``, default 200 per test). The
long run from docs/security.md feeds more than 100,000 inputs:

    KONNEKT_FUZZ_EXAMPLES=25000 .venv/bin/pytest tests/security/test_fuzz.py -q

Inputs are raw bytes, arbitrary JSON, and real messages of every type with one
field mutated (so they get past the envelope and into the handlers).
"""

from __future__ import annotations

import json
import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from konnekt_arcade.domain import DomainCommand, Lobby, state_hash
from konnekt_arcade.sync import LobbySync
from konnekt_arcade.sync._wire import Command, FullSyncResponse, WireError, decode, encode
from tests.sync.simnet import SimNet

EXAMPLES = int(os.environ.get("KONNEKT_FUZZ_EXAMPLES", "200"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=bool(os.environ.get("CI")),
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=True)
    | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=12), inner,
                                                               max_size=5),
    max_leaves=25,
)


class _RecordingNet(SimNet):
    """A SimNet that keeps one genuine message of every type it carries."""

    seen: dict[str, dict]

    def flush(self) -> None:
        for name in self.live():
            for _, _channel, data in self.nodes[name].outbox.out:  # peek before flush sends it
                msg = json.loads(data)
                self.seen.setdefault(msg["msg"]["type"], msg)
        super().flush()


def _corpus() -> list[dict]:
    """One genuine message of (nearly) every type, from a real little lobby."""
    net = _RecordingNet(11)
    net.seen = {}
    host = net.add_host()
    guest = net.join("g", "Gus")
    lid, hid = host.lobby.id, host.local_participant_id
    host.submit(DomainCommand.QueueActivity(lobby_id=lid, host_id=hid, activity_type="t",
                                            name="T"), net.now)
    guest.submit(DomainCommand.SetReady(lobby_id=lid, participant_id=guest.local_participant_id,
                                        ready=True), net.now)
    guest.submit(DomainCommand.KickGuest(lobby_id=lid, host_id=hid, guest_id=hid), net.now)
    net.flush()
    net.advance(1.0)
    return list(net.seen.values())


CORPUS = _corpus()


def _mutate(doc: object, path: list[int], value: object) -> object:
    """Replace the node reached by ``path`` (indices into keys/items) with ``value``."""
    if not path or not isinstance(doc, dict | list) or not doc:
        return value
    if isinstance(doc, dict):
        key = sorted(doc)[path[0] % len(doc)]
        return {**doc, key: _mutate(doc[key], path[1:], value)}
    i = path[0] % len(doc)
    return [*doc[:i], _mutate(doc[i], path[1:], value), *doc[i + 1:]]


mutated_messages = st.builds(
    lambda base, path, value: json.dumps(_mutate(base, path, value)).encode(),
    st.sampled_from(CORPUS), st.lists(st.integers(0, 50), min_size=1, max_size=6), json_values,
)
inputs = st.one_of(
    st.binary(max_size=300),
    json_values.map(lambda v: json.dumps(v).encode()),
    mutated_messages,
    st.sampled_from(CORPUS).map(lambda m: json.dumps(m).encode()),
)


@FUZZ
@given(data=inputs)
def test_decoder_raises_only_wire_errors(data: bytes) -> None:
    try:
        decode(data)
    except WireError as exc:
        assert exc.reason in {"too_large", "malformed", "bad_version"}


@FUZZ
@given(batch=st.lists(st.tuples(st.sampled_from(["g", "x", "host"]), inputs), max_size=8))
def test_receive_never_raises_and_strangers_change_nothing(batch) -> None:
    """Whatever arrives, from the lobby's guest or a stranger: no exception, no
    internal error, and nothing a stranger says changes the host's state."""
    host = LobbySync.create_host("host", "Lobby", "Host", 0.0)
    replica = LobbySync.create_guest("g")
    replica.receive("host", encode(_snapshot_msg(host)), 0.0)
    guest_before = state_hash(replica.lobby)
    host_before = host.lobby
    for i, (peer, data) in enumerate(batch):
        host.receive(peer, data, 1.0 + i)
        if peer != "host":
            replica.receive(peer, data, 1.0 + i)
        host.tick(1.0 + i)
        replica.tick(1.0 + i)
        host.data_to_send()
        replica.data_to_send()
    assert host.stats["internal_error"] == 0
    assert replica.stats["internal_error"] == 0
    if all(peer == "x" for peer, _ in batch):
        # "x" never joined: it may not change anyone's lobby (a lone unknown peer
        # cannot even become host of the replica)
        assert state_hash(replica.lobby) == guest_before
        assert host.is_host
        assert _unchanged_but_for_joins(host.lobby, host_before)


def _snapshot_msg(host: LobbySync) -> FullSyncResponse:
    return FullSyncResponse(snapshot=host.snapshot())


def _unchanged_but_for_joins(lobby: Lobby, before: Lobby) -> bool:
    """A stranger may join an open lobby (the corpus holds a genuine JoinLobby), which adds
    its participant and leaderboard entry; everything that was there before stays as it was."""
    known = {p.id for p in before.participants}
    trimmed = lobby.model_copy(update={
        "participants": tuple(p for p in lobby.participants if p.id in known),
        "leaderboard": tuple(e for e in lobby.leaderboard if e.participant_id in known),
    })
    return state_hash(trimmed) == state_hash(before)


def test_the_strangers_check_can_fail() -> None:
    """The check above really compares: a renamed lobby, a dropped participant or a changed
    ready flag of a known participant is caught; a stranger's join is not."""
    host = LobbySync.create_host("host", "Lobby", "Host", 0.0)
    before = host.lobby
    host.receive("x", encode(Command(request_id=1, command=DomainCommand.JoinLobby(
        lobby_id=before.id, guest_name="X"))), 1.0)
    assert len(host.lobby.participants) == 2
    assert _unchanged_but_for_joins(host.lobby, before)
    assert not _unchanged_but_for_joins(before.model_copy(update={"name": "Owned"}), before)
    assert not _unchanged_but_for_joins(before.model_copy(update={"participants": ()}), before)
    me = before.participants[0]
    ready = before.model_copy(update={"participants": (me.model_copy(
        update={"ready": not me.ready}),)})
    assert not _unchanged_but_for_joins(ready, before)


def test_corpus_covers_the_interesting_messages() -> None:
    kinds = {m["msg"]["type"] for m in CORPUS}
    assert {"FullSyncResponse", "EventBroadcast", "Command", "Heartbeat", "RosterUpdate",
            "Welcome", "CommandRejected", "CommandAccepted"} <= kinds, kinds
