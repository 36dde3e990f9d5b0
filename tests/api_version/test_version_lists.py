"""Lobbies of another protocol in the LAN list and the directory: shown as such, no Join.

Announcements and listings carry the host's lobby protocol; one without it (a release before
the field) speaks version 1; a malformed one is dropped like any malformed field.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import arcade
import pytest

from konnekt_arcade import LanLobby, LobbyView
from konnekt_arcade.engine._directory_ui import Browser
from konnekt_arcade.engine._lan_list import LanList, version_note
from konnekt_arcade.lan._protocol import Announce, DropReason, decode, encode
from konnekt_arcade.lan._registry import Registry
from konnekt_arcade.net.directory import DirectoryRequestError, ListedLobby, LobbyFields
from konnekt_arcade.net.directory._html import render_page
from konnekt_arcade.net.directory._model import LobbyRecord
from konnekt_arcade.sync import PROTOCOL_VERSION
from konnekt_arcade.testing import memory_builder, run_views_until

NEW = PROTOCOL_VERSION
SID = "123e4567-e89b-12d3-a456-426614174000"
INVITE = f"ws://10.1.2.3:3536/{SID}"


def announce(protocol: int, host_id: str = "0123456789abcdef") -> Announce:
    return Announce("party", host_id, "Ann's lobby", "Ann", 2, 8, False, INVITE, protocol)


# --- LAN ---------------------------------------------------------------------------------------


def test_an_announce_carries_the_protocol_and_lists_it() -> None:
    registry = Registry()
    for i, protocol in enumerate((NEW, NEW + 1, NEW - 1)):
        packet = decode(encode(announce(protocol, f"{i:016x}")), "party")
        assert packet == announce(protocol, f"{i:016x}")
        assert registry.offer(packet, "10.1.2.3", 0.0)  # type: ignore[arg-type]
    by_protocol = {lobby.protocol: lobby for lobby in registry.lobbies(0.0)}
    assert {p: LanList.note(lobby) for p, lobby in by_protocol.items()} == {
        NEW: None, NEW + 1: "needs a newer version", NEW - 1: "host has an older version"}


def test_an_announce_without_the_field_is_version_1_and_a_bad_one_is_dropped() -> None:
    raw = json.loads(encode(announce(NEW)))
    del raw["proto"]  # what a release before the field sends
    old = decode(json.dumps(raw).encode(), "party")
    assert isinstance(old, Announce) and old.protocol == 1
    assert version_note(old.protocol) == "host has an older version"
    for bad in ("2", 0, -1, 2.0, True, None, 10**9):
        with pytest.raises(DropReason) as caught:
            decode(json.dumps({**raw, "proto": bad}).encode(), "party")
        assert caught.value.kind == "malformed"


def test_the_start_screen_offers_join_only_for_our_protocol(window: arcade.Window) -> None:
    view = LobbyView(builder=memory_builder(), ice_servers=[], signalling_url="memory://")
    window.show_view(view)
    base = LanLobby("Same", "Ann", 1, 8, False, INVITE, SID, view.game, 0.0,
                    "0123456789abcdef", NEW)
    lobbies = [base, dataclasses.replace(base, name="Newer", host_id="1" * 16,
                                         protocol=NEW + 1),
               dataclasses.replace(base, name="Older", host_id="2" * 16, protocol=NEW - 1)]
    view.lan_list.browser = _FakeBrowser(lobbies)
    run_views_until(lambda: "lan_join:0" in view.screen.widgets, view, timeout=10,
                    what="the LAN list", delta_time=1 / 60)
    widgets = view.screen.widgets
    assert "lan_join:1" not in widgets and "lan_join:2" not in widgets
    labels = [getattr(w, "text", "") for w in _walk(view.screen.root)]
    assert any(t.startswith("Newer") and t.endswith("(needs a newer version)") for t in labels)
    assert any(t.startswith("Older") and t.endswith("(host has an older version)")
               for t in labels)
    view.close()


class _FakeBrowser:
    def __init__(self, lobbies: list[LanLobby]) -> None:
        self.lobbies = lobbies

    def poll(self) -> list[LanLobby]:
        return list(self.lobbies)

    def close(self) -> None:
        pass


def _walk(widget: Any) -> list[Any]:
    out = [widget]
    for child in getattr(widget, "children", []):
        out.extend(_walk(child))
    return out


# --- directory ---------------------------------------------------------------------------------


def fields(**changes: Any) -> dict[str, Any]:
    return {"session_id": SID, "signalling_url": "ws://127.0.0.1:1", "name": "L",
            "host_name": "Ann", "players": 1, "max_players": 4, "has_password": False,
            "game": "demo", "version": "1.0", **changes}


def test_a_listing_carries_the_protocol_a_missing_one_is_1() -> None:
    assert LobbyFields.parse(fields()).protocol == 1  # a host of a release before the field
    lobby = LobbyFields.parse(fields(protocol=NEW + 1))
    record = LobbyRecord(**dataclasses.asdict(lobby), code="K7RXB", created_at=1.0,
                         updated_at=1.0, owner_hash="x", client="10.0.0.1")
    row = record.listing()
    assert row["protocol"] == NEW + 1
    listed = ListedLobby.parse(row)
    assert listed.protocol == NEW + 1 and Browser.note(listed) == "needs a newer version"
    assert ListedLobby.parse({k: v for k, v in row.items() if k != "protocol"}).protocol == 1
    assert LobbyRecord.from_json(record.to_json()) == record
    assert f"(protocol {NEW + 1})" in render_page([record])
    for bad in ("2", 0, True, 10**9):
        with pytest.raises(DirectoryRequestError):
            LobbyFields.parse(fields(protocol=bad))
