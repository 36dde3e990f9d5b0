"""The directory entry declared once (issue 22): the server's record, the registration payload
and the client's ``ListedLobby`` share one set of fields and checks, so a client facing a
broken or hostile directory gets the same guarantees as the server's page (issue 26 item 3)."""

from __future__ import annotations

import http.server
import json
import threading
import uuid
from collections.abc import Iterator
from dataclasses import fields
from typing import Any

import pytest

from konnekt_arcade import DirectoryUnavailable, ListedLobby, LobbyDirectory
from konnekt_arcade.net.directory import LobbyCard, LobbyFields, LobbyRecord

from ._helpers import lobby

pytestmark = pytest.mark.network

GOOD = {"code": "K7RXB", "name": "Zoë's 日本 lobby", "host_name": "Ann", "players": 1,
        "max_players": 4, "has_password": False, "game": "demo", "version": "1.0",
        "created_at": 5.0, "updated_at": 6.0}

#: Rows a hostile directory may send; each must be dropped, none may reach the game.
BAD_ROWS: list[Any] = [
    {**GOOD, "name": "\ud800"},                 # lone surrogate: print() raised
    {**GOOD, "host_name": "\x1b[2Jowned"},      # terminal escape
    {**GOOD, "name": "a\u202eb"},               # bidi override
    {**GOOD, "name": "\ue000"},                 # private use
    {**GOOD, "name": "x" * 33},                 # over MAX_NAME_LENGTH
    {**GOOD, "players": 9},                     # more players than places
    {**GOOD, "players": True},                  # a bool is not a count
    {**GOOD, "code": "<script>"},               # not a join code
    {**GOOD, "game": "a b"},
    {**GOOD, "created_at": float("nan")},
    {**GOOD, "signalling_url": "ws://a\u0007b"},
    {k: v for k, v in GOOD.items() if k != "name"},
    "not an object",
    None,
]


def record(**changes: Any) -> LobbyRecord:
    return LobbyRecord(code="K7RXB", created_at=1.0, updated_at=2.0, owner_hash="0" * 64,
                       client="10.0.0.1", **LobbyFields.parse(lobby(**changes)).__dict__)


def test_each_field_is_declared_once() -> None:
    card = {f.name for f in fields(LobbyCard)}
    own = {cls: {f.name for f in fields(cls)} - card for cls in (LobbyFields, ListedLobby)}
    assert own[LobbyFields] == {"session_id", "signalling_url", "public"}
    assert own[ListedLobby] == {"code", "session_id", "signalling_url", "created_at",
                                "updated_at"}
    assert issubclass(LobbyRecord, LobbyFields) and issubclass(ListedLobby, LobbyCard)


def test_the_client_reads_exactly_what_the_server_writes() -> None:
    entry = record(name=" Zoë ", version="2")
    listed = ListedLobby.parse(entry.listing())
    assert "session_id" not in entry.listing() and listed.session_id is None
    assert (listed.code, listed.name, listed.version, listed.updated_at) == ("K7RXB", "Zoë",
                                                                             "2", 2.0)
    resolved = ListedLobby.parse(entry.resolved())
    assert (resolved.session_id, resolved.signalling_url) == (entry.session_id,
                                                               entry.signalling_url)
    assert not ListedLobby.parse({**entry.listing(), "players": 4}).has_slots


@pytest.mark.parametrize("row", BAD_ROWS, ids=range(len(BAD_ROWS)))
def test_a_bad_row_is_refused_with_a_value_error(row: Any) -> None:
    with pytest.raises(ValueError):
        ListedLobby.from_json(row)


#: What the hostile directory answers: request path (no query) -> JSON.
Answers = dict[str, Any]


class _Hostile(http.server.BaseHTTPRequestHandler):
    """A directory that answers whatever the test put in its server's ``answers``."""

    def do_GET(self) -> None:
        answers: Answers = self.server.answers  # type: ignore[attr-defined]
        body = json.dumps(answers[self.path.split("?")[0]]).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def hostile() -> Iterator[tuple[str, Answers]]:
    """A hostile directory on loopback: its URL and the answers dict the test fills."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Hostile)
    answers: Answers = {}
    server.answers = answers  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"ws://127.0.0.1:{server.server_address[1]}", answers
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


def test_a_hostile_directory_cannot_crash_a_game_that_prints_names(
        hostile: tuple[str, Answers]) -> None:
    """Before: ``ListedLobby`` took any value, so ``print(lobby.name)`` raised
    UnicodeEncodeError for "\\ud800" and escape sequences reached the terminal."""
    url, answers = hostile
    answers["/lobbies"] = {"lobbies": [GOOD, *BAD_ROWS, {**GOOD, "code": "ABCDE"}]}
    directory = LobbyDirectory(url)
    listed = directory.list()
    assert [x.code for x in listed] == ["K7RXB", "ABCDE"]
    assert directory.dropped_rows == len(BAD_ROWS)
    for x in listed:  # the docs' loop, on a strict UTF-8 stream
        f"{x.name} {x.host_name} {x.game} {x.version}".encode("utf-8", "strict")
        assert x.name.isprintable() and x.host_name.isprintable()


@pytest.mark.parametrize("answer", [
    {**GOOD, "session_id": str(uuid.uuid4()), "signalling_url": "ws://a b"},
    {**GOOD, "session_id": "not-a-uuid", "signalling_url": "ws://host:1"},
    {**GOOD, "session_id": str(uuid.uuid4()), "signalling_url": "http://host"},
    {**GOOD, "name": "\ud800", "session_id": str(uuid.uuid4()), "signalling_url": "ws://h"},
])
def test_a_hostile_resolve_is_unavailable_not_a_bad_url(hostile: tuple[str, Answers],
                                                        answer: dict[str, Any]) -> None:
    url, answers = hostile
    answers["/lobbies/K7RXB"] = answer
    with pytest.raises(DirectoryUnavailable, match="unexpected answer"):
        LobbyDirectory(url).resolve("k7rxb")


def test_a_hostile_listing_shape_is_unavailable(hostile: tuple[str, Answers]) -> None:
    url, answers = hostile
    for answer in ({"lobbies": "x"}, ["x"], {"nope": []}):
        answers["/lobbies"] = answer
        with pytest.raises(DirectoryUnavailable, match="unexpected answer"):
            LobbyDirectory(url).list()


def test_a_resolve_answering_another_code_is_unavailable(hostile: tuple[str, Answers]) -> None:
    url, answers = hostile
    answers["/lobbies/ABCDE"] = {**GOOD, "session_id": str(uuid.uuid4()),
                                 "signalling_url": "ws://h"}
    with pytest.raises(DirectoryUnavailable, match="got K7RXB"):
        LobbyDirectory(url).resolve("abcde")
