"""The directory's hand-over rules (``takeover``/``rotate``), driven directly with an injected
clock: only the member key takes a code over, the takeover voids the old owner token and the
old key, a removed or expired entry is taken back from its tombstone, and an outsider who knows
the code and the session id is refused and counted (issue 23)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from konnekt_arcade.net.directory import DirectoryService, LobbyRecord
from konnekt_arcade.net.directory._limits import CODE_GRACE, DEFAULT_TTL, MAX_BODY_BYTES
from konnekt_arcade.session._publish import listing_text, parse_listing

from ._helpers import Clock, lobby
from .test_service import get, make, owner, register


def take_over(service: DirectoryService, code: str, key: object, session_id: str,
              client: str = "10.0.0.2", **fields: Any) -> dict[str, Any]:
    return owner(service, {"op": "takeover", "code": code, "key": key,
                           "lobby": lobby(session_id=session_id, **{"host_name": "Bob",
                                                                     **fields})},
                 client)


def published(service: DirectoryService) -> tuple[dict[str, Any], str]:
    """A registered lobby: the register reply and its session id."""
    reply = register(service, host_name="Alice")
    return reply, reply["lobby"]["session_id"]


def test_register_hands_out_a_member_key_apart_from_the_owner_token() -> None:
    service = make(Clock())
    reply, _ = published(service)
    key = reply["member_key"]
    assert isinstance(key, str) and len(key) >= 32 and key != reply["token"]
    assert key not in json.dumps(reply["lobby"])  # never shown by a lookup
    _, found = get(service, f"/lobbies/{reply['code']}")
    assert key not in json.dumps(found) and reply["token"] not in json.dumps(found)


def test_member_takes_over_with_the_key_and_the_old_token_stops_working() -> None:
    service = make(Clock())
    reply, sid = published(service)
    code, token, key = reply["code"], reply["token"], reply["member_key"]

    took = take_over(service, code, key, sid)
    assert took["ok"] and took["op"] == "taken_over" and took["code"] == code
    assert took["token"] != token and took["member_key"] == key  # members keep their key
    status, body = get(service, "/lobbies")
    assert status == 200 and [(x["code"], x["host_name"]) for x in body["lobbies"]] == [
        (code, "Bob")]

    # The old host's token no longer heartbeats or removes the entry.
    stale = owner(service, {"op": "update", "code": code, "token": token,
                            "lobby": lobby(session_id=sid, host_name="Alice")})
    assert not stale["ok"] and stale["status"] == 404
    assert not owner(service, {"op": "remove", "code": code, "token": token})["ok"]
    # The new owner heartbeats as usual.
    assert owner(service, {"op": "update", "code": code, "token": took["token"],
                           "lobby": lobby(session_id=sid, host_name="Bob")})["ok"]
    # The role moves on (or flaps back): the next host takes over with the same key.
    back = take_over(service, code, key, sid, client="10.0.0.1", host_name="Alice")
    assert back["ok"] and back["code"] == code
    assert not owner(service, {"op": "update", "code": code, "token": took["token"],
                               "lobby": lobby(session_id=sid)})["ok"]


def test_outsider_with_code_and_session_id_is_refused_counted_and_changes_nothing() -> None:
    service = make(Clock())
    reply, sid = published(service)
    code = reply["code"]
    other = register(service, client="10.9.9.9")  # a real key, of another lobby
    before = get(service, f"/lobbies/{code}")
    for key in ("guess", other["member_key"], reply["token"], "x" * 129, None, 7, ""):
        refused = take_over(service, code, key, sid, client="10.9.9.9")
        assert not refused["ok"] and refused["status"] in (400, 403), (key, refused)
    assert service.stats["takeover_refused"] == 3  # well-formed guesses; 4 malformed
    assert service.stats["refused"] == 7
    assert get(service, f"/lobbies/{code}") == before  # host name, URL, everything kept
    # Registering the code with a made-up token gives the outsider another code.
    mine = owner(service, {"op": "register", "code": code, "token": "made.up",
                           "lobby": lobby(session_id=sid)}, "10.9.9.9")
    assert mine["ok"] and mine["code"] != code


def test_takeover_cannot_move_the_code_to_another_session() -> None:
    service = make(Clock())
    reply, _ = published(service)
    moved = take_over(service, reply["code"], reply["member_key"],
                      "00000000-0000-4000-8000-000000000000")
    assert not moved["ok"] and service.stats["takeover_refused"] == 1


@pytest.mark.parametrize("gone", ["removed by its host", "expired"])
def test_code_taken_back_from_its_tombstone(gone: str) -> None:
    """A host that quits removes its entry; one that crashed lets it expire. Either way the
    member that hosts next gets the same code back within the grace."""
    clock = Clock()
    service = make(clock)
    reply, sid = published(service)
    code = reply["code"]
    if gone == "expired":
        clock.advance(DEFAULT_TTL + 1)
    else:
        assert owner(service, {"op": "remove", "code": code, "token": reply["token"]})["ok"]
    assert get(service, f"/lobbies/{code}")[0] == 404
    clock.advance(CODE_GRACE / 2)
    took = take_over(service, code, reply["member_key"], sid)
    assert took["ok"] and took["code"] == code
    status, found = get(service, f"/lobbies/{code}")
    assert status == 200 and found["host_name"] == "Bob" and found["session_id"] == sid


def test_no_takeover_after_the_grace() -> None:
    clock = Clock()
    service = make(clock)
    reply, sid = published(service)
    clock.advance(DEFAULT_TTL + CODE_GRACE + 1)
    assert not take_over(service, reply["code"], reply["member_key"], sid)["ok"]


def test_rotate_voids_the_old_key_for_the_owner_only() -> None:
    """The host rotates when someone leaves or is kicked: the ex-member's key is void."""
    service = make(Clock())
    reply, sid = published(service)
    code, token, key = reply["code"], reply["token"], reply["member_key"]
    assert not owner(service, {"op": "rotate", "code": code, "token": "made.up"})["ok"]
    rotated = owner(service, {"op": "rotate", "code": code, "token": token})
    assert rotated["ok"] and rotated["member_key"] != key
    assert not take_over(service, code, key, sid)["ok"]  # the kicked member's copy
    assert take_over(service, code, rotated["member_key"], sid)["ok"]
    assert service.stats["rotated"] == 1


def test_two_members_taking_over_one_after_the_other_the_last_owns_it() -> None:
    """Two hosts at once (a partition) take turns; the heal rule leaves one host, and the
    other stops heartbeating. Whoever took it over last holds the only working token."""
    service = make(Clock())
    reply, sid = published(service)
    first = take_over(service, reply["code"], reply["member_key"], sid, client="10.0.0.2")
    second = take_over(service, reply["code"], reply["member_key"], sid, client="10.0.0.3")
    assert first["ok"] and second["ok"] and first["token"] != second["token"]
    for took, works in ((first, False), (second, True)):
        assert owner(service, {"op": "update", "code": reply["code"], "token": took["token"],
                               "lobby": lobby(session_id=sid)})["ok"] is works


def test_takeover_input_is_bounded() -> None:
    service = make(Clock())
    reply, sid = published(service)
    huge = json.dumps({"op": "takeover", "code": reply["code"], "key": "k" * MAX_BODY_BYTES,
                       "lobby": lobby(session_id=sid)})
    assert owner(service, huge)["status"] == 413
    for msg in ({"op": "takeover"}, {"op": "takeover", "code": "not a code", "key": "k"},
                {"op": "takeover", "code": reply["code"], "key": "k", "lobby": "x"},
                {"op": "rotate", "code": reply["code"], "token": ["x"]}):
        assert owner(service, msg)["status"] == 400


def test_records_stored_before_member_keys_still_load() -> None:
    """A Redis entry written by the previous version has no member hash: it loads, and
    nobody can take it over."""
    record = LobbyRecord(code="AAAAA", created_at=1.0, updated_at=1.0, owner_hash="h",
                         client="c", **{k: v for k, v in lobby().items()})
    old = json.loads(record.to_json())
    del old["member_hash"]
    assert LobbyRecord.from_json(json.dumps(old)).claim == "h"


def test_members_parse_the_shared_listing_strictly() -> None:
    assert parse_listing(listing_text("k7rxb", "abc")) == ("K7RXB", "abc")
    for bad in (None, 5, "", "K7RXB", "K7RXB ", "nocode key", "K7RXB a b", "K7RXB " + "k" * 129,
                "K7RXB é"):
        assert parse_listing(bad) is None, bad


def test_a_hostile_roster_listing_is_refused_before_it_reaches_the_publisher() -> None:
    """The credential rides in the roster a host sends: a listing longer than any real one is
    dropped by the wire check (counted by the sync layer as malformed), not parsed later."""
    from konnekt_arcade.sync._wire import (
        MAX_LISTING_LENGTH,
        Roster,
        RosterUpdate,
        WireError,
        decode,
        encode,
    )

    fine = RosterUpdate(epoch=1, roster=Roster(listing="K7RXB key"))
    assert decode(encode(fine)) == fine
    hostile = encode(fine).replace(b"K7RXB key", b"K" * (MAX_LISTING_LENGTH + 1))
    with pytest.raises(WireError):
        decode(hostile)
