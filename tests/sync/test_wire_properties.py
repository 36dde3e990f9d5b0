"""Wire properties: every message round-trips; arbitrary bytes never raise."""

from __future__ import annotations

import json
import subprocess
import sys
from uuid import UUID

from hypothesis import given, settings
from hypothesis import strategies as st

from konnekt_arcade.domain import DomainCommand
from konnekt_arcade.sync import PROTOCOL_VERSION, LobbySync
from konnekt_arcade.sync._wire import (
    Command,
    CommandRejected,
    EventBroadcast,
    Heartbeat,
    RequestFullSync,
    RequestMissingEvents,
    WireError,
    decode,
    encode,
)

from .simnet import SimNet

uuids = st.uuids()
small = st.integers(0, 2**40)
text = st.text(max_size=40)


def messages():
    return st.one_of(
        st.builds(Heartbeat, lobby_id=uuids, epoch=small, sequence=small, last_epoch=small,
                  host_peer=st.none() | text),
        st.builds(RequestMissingEvents, lobby_id=uuids, from_sequence=st.integers(1, 2**40),
                  to_sequence=st.integers(1, 2**40)),
        st.builds(RequestFullSync, lobby_id=st.none() | uuids, last_known_sequence=small),
        st.builds(CommandRejected, request_id=small, command_type=text, reason=text),
        st.builds(Command, request_id=small, command=st.one_of(
            st.builds(DomainCommand.JoinLobby, lobby_id=uuids, guest_name=text),
            st.builds(DomainCommand.SendChat, lobby_id=uuids, participant_id=uuids, text=text),
            st.builds(DomainCommand.SubmitResult, lobby_id=uuids, run_id=uuids,
                      participant_id=uuids, score=st.integers(-(2**31), 2**31),
                      data=st.dictionaries(text, st.integers() | text, max_size=3)),
        )),
    )


@given(messages())
def test_every_message_round_trips(msg):
    assert decode(encode(msg)) == msg


def test_real_events_and_snapshots_round_trip():
    net = SimNet(11)
    host = net.add_host()
    net.join("a", "Ann")
    snap = host.snapshot()
    from konnekt_arcade.sync._wire import FullSyncResponse

    full = FullSyncResponse(snapshot=snap, events=[host.event_at(1)])
    assert decode(encode(full)) == full
    for seq in range(1, host.sequence + 1):
        msg = EventBroadcast(event=host.event_at(seq))
        assert decode(encode(msg)) == msg


_host = SimNet(12).add_host()


@settings(max_examples=300)
@given(st.binary(max_size=600) | st.text(max_size=300).map(str.encode))
def test_arbitrary_bytes_never_raise(data):
    before = _host.sequence
    _host.receive("stranger", data, 1.0)
    _host.data_to_send()
    assert _host.sequence == before
    try:
        decode(data)
    except WireError as exc:
        assert exc.reason in {"too_large", "bad_version", "malformed"}


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                 max_size=3),
    max_leaves=10,
)


@settings(max_examples=300)
@given(st.sampled_from(["EventBroadcast", "Command", "FullSyncResponse", "Heartbeat",
                        "Rejoin", "MissingEventsResponse", "Welcome", "RosterUpdate"]),
       st.dictionaries(st.text(max_size=12), json_values, max_size=5))
def test_structured_garbage_never_raises(kind, fields):
    guest = LobbySync.create_guest("g")
    for node in (_host, guest):
        envelope = {"v": PROTOCOL_VERSION, "msg": {"type": kind, **fields}}
        node.receive("stranger", json.dumps(envelope).encode(), 2.0)
        node.tick(2.0)
    assert guest.lobby is None


def test_pure_layers_import_no_io_or_engine_modules():
    code = (
        "import sys, konnekt_arcade.domain, konnekt_arcade.sync\n"
        "bad = [m for m in ('asyncio', 'aiortc', 'aioice', 'websockets', 'pyglet', 'arcade',"
        " 'threading_unused') if m in sys.modules]\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=60)
    assert out.stdout.strip() == "", f"pure layers loaded: {out.stdout.strip()}"


def test_uuid_identity_is_stable_across_the_wire():
    pid = UUID(int=5)
    msg = Command(request_id=1, command=DomainCommand.LeaveLobby(lobby_id=pid, participant_id=pid))
    assert decode(encode(msg)).command.participant_id == pid
