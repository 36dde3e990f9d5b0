"""Invites (``ws://host:port/<session id>``) as the guest builder takes them."""

from __future__ import annotations

import pytest

from konnekt_arcade import InvalidSessionId, SessionId
from konnekt_arcade.session._invite import make_invite, parse_invite, resolve_target

SID = "123e4567-e89b-12d3-a456-426614174000"


def test_invite_round_trip() -> None:
    for url in ("ws://10.0.0.2:3536", "wss://lobby.example/signal", "memory://"):
        assert parse_invite(make_invite(url, SID)) == (url, SessionId.parse(SID))


def test_resolve_every_way_of_naming_a_lobby() -> None:
    want = ("ws://10.0.0.2:3536", SessionId.parse(SID))
    invite = f"ws://10.0.0.2:3536/{SID}"
    assert resolve_target(invite, None) == want
    assert resolve_target(invite, SID) == want
    assert resolve_target("ws://10.0.0.2:3536", SID) == want
    assert resolve_target("ws://127.0.0.1:1", f"  {invite} ") == want  # pasted in the id field
    assert resolve_target("wss://x/signal", SID) == ("wss://x/signal", SessionId.parse(SID))


@pytest.mark.parametrize(("url", "sid"), [
    ("ws://10.0.0.2:3536", None),
    ("ws://10.0.0.2:3536/nope", None),
    ("http://10.0.0.2/" + SID, None),
    (f"ws://10.0.0.2:3536/{SID}", "00000000-0000-0000-0000-000000000001"),
    ("ws://10.0.0.2:3536", "not-an-id"),
])
def test_bad_targets_raise_invalid_session_id(url: str, sid: str | None) -> None:
    with pytest.raises(InvalidSessionId):
        resolve_target(url, sid)


def test_the_guest_builder_takes_an_invite_or_url_and_id() -> None:
    from konnekt_arcade.testing import memory_builder, wait_until

    builder = memory_builder()
    host, sid = builder.build_session_host("memory://", [], "Lobby", "Ann")
    invite = make_invite("memory://", sid)
    guests = [builder.start_session_guest(invite, []),  # the invite form
              builder.start_session_guest(invite, ice_servers=[]),
              builder.start_session_guest("memory://", str(sid), [])]  # url + session id
    wait_until(lambda: all(g.is_ready for g in guests), 10, host, *guests, what="synced")
    assert {g.lobby_id() for g in guests} == {sid.uuid}
    for session in (*guests, host):
        session.close()
