"""The version gate of the sync core (``sync/_versions.py``), driven by hand with ``now``.

Another version's bytes are made by restamping our own envelope's ``"v"``: the decoder only
reads the version-independent parts of such a message, which is what a peer of another
release sends us.
"""

from __future__ import annotations

import re
from uuid import uuid4

import pytest

import konnekt_arcade.sync._wire as wire
from konnekt_arcade.sync import PROTOCOL_VERSION, IncompatibleLobby, IncompatiblePeer, LobbySync
from konnekt_arcade.sync._versions import VERSION_GRACE
from konnekt_arcade.sync._wire import AuthRequired, RequestFullSync, WireError, decode, encode
from tests.sync.simnet import SimNet

NEW, OTHER = PROTOCOL_VERSION, PROTOCOL_VERSION - 1
HELLO = RequestFullSync(lobby_id=None, last_known_sequence=0)


def restamp(data: bytes, version: int) -> bytes:
    """``data`` (one of our envelopes) as a peer speaking ``version`` would send it."""
    return re.sub(rb'^\{"v":\d+,', b'{"v":%d,' % version, data)


def refusal_of_us(lobby_version: int) -> bytes:
    """What a host of ``lobby_version`` sends a peer of our version it refuses."""
    return b'{"v":%d,"msg":{"type":"VersionRefused","heard":%d}}' % (lobby_version, NEW)


def notices(node: LobbySync, kind: type) -> list[object]:
    return [e for e in node.drain_events() if isinstance(e, kind)]


def test_the_wire_was_bumped_for_the_digest_and_the_batch_frames() -> None:
    assert PROTOCOL_VERSION == 2
    assert encode(HELLO).startswith(b'{"v":2,')


def test_decode_names_the_version_and_a_refusal() -> None:
    with pytest.raises(WireError) as caught:
        decode(restamp(encode(HELLO), OTHER))
    assert (caught.value.reason, caught.value.version, caught.value.refused) == (
        "bad_version", OTHER, False)
    with pytest.raises(WireError) as caught:
        decode(refusal_of_us(OTHER))
    assert (caught.value.version, caught.value.refused) == (OTHER, True)
    # a refusal of some other version is not a refusal of us
    with pytest.raises(WireError) as caught:
        decode(b'{"v":7,"msg":{"type":"VersionRefused","heard":%d}}' % (NEW + 3))
    assert (caught.value.version, caught.value.refused) == (7, False)
    for absurd in (0, -1, 10**12):  # counted, but no version to act on
        with pytest.raises(WireError) as caught:
            decode(b'{"v":%d,"msg":{}}' % absurd)
        assert (caught.value.reason, caught.value.version) == ("bad_version", None)
    with pytest.raises(WireError) as caught:
        decode(b'{"v":true,"msg":{}}')
    assert caught.value.reason == "malformed"


def test_our_refusal_reads_as_one_in_the_refused_peers_version(
        monkeypatch: pytest.MonkeyPatch) -> None:
    data = wire.refusal(OTHER)
    monkeypatch.setattr(wire, "PROTOCOL_VERSION", OTHER)  # the refused peer's process
    with pytest.raises(WireError) as caught:
        decode(data)
    assert (caught.value.version, caught.value.refused) == (NEW, True)


def test_host_refuses_a_stranger_of_another_version_once_and_stops_talking_to_it() -> None:
    host = LobbySync.create_host("host", "Lobby", "Ann", 0.0)
    host.peer_connected("old", 0.0)
    host.data_to_send()
    for i in range(5):  # an older release keeps asking: dropped and counted every time
        host.receive("old", restamp(encode(HELLO), OTHER), 0.1 * i)
    out = host.data_to_send()
    assert [(o.peer, o.data) for o in out] == [("old", wire.refusal(OTHER))]
    assert notices(host, IncompatiblePeer) == [IncompatiblePeer("old", OTHER, NEW)]
    assert host.stats["version_refused"] == 1
    assert host.stats["dropped:bad_version"] == 5
    host.tick(5.0)  # heartbeats go out, not to the refused peer
    assert not [o for o in host.data_to_send() if o.peer == "old"]
    assert host.lobby is not None and len(host.lobby.participants) == 1


def test_a_participant_of_another_version_is_only_dropped() -> None:
    net = SimNet(1)
    host = net.add_host()
    net.join("a", "Ann")
    host.receive("a", restamp(encode(HELLO), OTHER), net.now)
    assert host.stats["dropped:bad_version"] == 1 and host.stats["version_refused"] == 0
    assert not notices(host, IncompatiblePeer)
    net.advance(1.0)
    assert net.converged()


def test_a_joining_guest_fails_at_once_on_the_hosts_refusal() -> None:
    guest = LobbySync.create_guest("g")
    guest.peer_connected("host", 0.0)
    guest.receive("host", refusal_of_us(OTHER), 0.01)
    assert notices(guest, IncompatibleLobby) == [IncompatibleLobby("host", OTHER, NEW)]
    guest.receive("host", refusal_of_us(OTHER), 0.02)
    guest.tick(5.0)
    assert not notices(guest, IncompatibleLobby)  # told once


def test_a_joining_guest_tells_the_host_its_version_and_gives_up_after_the_grace() -> None:
    guest = LobbySync.create_guest("g")
    guest.peer_connected("host", 0.0)
    greeting = restamp(encode(AuthRequired(lobby_id=uuid4())), OTHER)
    guest.receive("host", greeting, 0.01)
    guest.receive("host", greeting, 0.02)
    hello = [o for o in guest.data_to_send() if o.peer == "host"]
    assert len(hello) == 1 and decode(hello[0].data) == HELLO  # once, in our version
    guest.tick(0.01 + VERSION_GRACE / 2)
    assert not notices(guest, IncompatibleLobby)  # a host without refusals: wait a little
    guest.tick(0.01 + VERSION_GRACE)
    assert notices(guest, IncompatibleLobby) == [IncompatibleLobby(None, OTHER, NEW)]


def test_a_stray_joiner_of_another_version_does_not_fail_a_join_the_host_answers() -> None:
    net = SimNet(2)
    net.add_host()
    guest = net.add_guest("g")  # connected to the host; its snapshot is on the way
    guest.receive("stray", restamp(encode(HELLO), OTHER), net.now)
    net.advance(3.0)
    assert guest.lobby is not None
    assert not notices(guest, IncompatibleLobby)


def test_a_synced_guest_only_drops_another_version() -> None:
    net = SimNet(3)
    net.add_host()
    a = net.join("a", "Ann")
    a.data_to_send()
    a.receive("stray", restamp(encode(HELLO), OTHER), net.now)
    a.receive("stray", refusal_of_us(OTHER), net.now)
    assert not [o for o in a.data_to_send() if o.peer == "stray"]
    assert not notices(a, IncompatibleLobby)
    assert a.stats["dropped:bad_version"] == 2
