"""LobbyView's start screen with the LAN list, invites and passwords (in-memory transport;
the LAN list is fed by a stand-in browser — the namespace tests cover the real one)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, ClassVar

import arcade

from konnekt_arcade import LanLobby, LobbyView
from konnekt_arcade.sync import PROTOCOL_VERSION
from konnekt_arcade.testing import click, memory_builder, run_views_until, type_text

SID = "123e4567-e89b-12d3-a456-426614174000"


class FakeBrowser:
    def __init__(self) -> None:
        self.lobbies: list[LanLobby] = []
        self.closed = False

    def poll(self) -> list[LanLobby]:
        return list(self.lobbies)

    def close(self) -> None:
        self.closed = True


def pump(condition: Any, *views: LobbyView, what: str = "condition") -> None:
    run_views_until(condition, *views, timeout=10, what=what, delta_time=1 / 60)


def view(window: arcade.Window, builder: Any, name: str, **kwargs: Any) -> LobbyView:
    kwargs.setdefault("signalling_url", "memory://")
    v = LobbyView(builder=builder, ice_servers=[], **kwargs)
    window.show_view(v)
    type_text(window, v.screen.widgets["name"], name)
    return v


def listed(host: LobbyView) -> LanLobby:
    """What LAN discovery would list for ``host`` (the namespace tests check it really does)."""
    session = host.hook.session
    lobby = session.get_lobby()
    return LanLobby(lobby.name, lobby.host.name, len(lobby.participants),
                    lobby.max_participants, session.has_password, host.invite_text(),
                    str(session.session_id), host.game, 0.0, "0123456789abcdef",
                    PROTOCOL_VERSION)


def shot(window: arcade.Window, v: LobbyView, path: Path) -> None:
    window.show_view(v)
    v.ui.execute_layout()
    v.on_draw()
    arcade.get_image().save(path)


def test_lan_list_join_with_password_retry(window: arcade.Window, tmp_path: Path) -> None:
    builder = memory_builder()
    alice = view(window, builder, "Alice")
    type_text(window, alice.screen.widgets["password"], "sesame")
    click(window, alice.screen.widgets["host"])
    pump(lambda: alice.screen.name == "lobby", alice, what="Alice hosting")
    assert alice.hook.session.has_password

    bob = view(window, builder, "Bob")
    fake = FakeBrowser()
    bob.lan_list.browser = fake
    open_lobby = dataclasses.replace(listed(alice), name="Open", has_password=False,
                                     host_id="feedfeedfeedfeed", players=3)
    fake.lobbies = [listed(alice), open_lobby]
    pump(lambda: "lan_join:1" in bob.screen.widgets, bob, what="the LAN list")
    shot(window, bob, tmp_path / "start_with_lan_list.png")
    labels = [getattr(c, "text", "") for c in _walk(bob.screen.root)]
    assert "[locked] Alice's lobby — Alice · 1/16" in labels

    click(window, bob.screen.widgets["lan_join:0"])
    assert bob.screen.name == "password" and "needs a password" in bob.message
    type_text(window, bob.screen.widgets["join_password"], "wrong")
    click(window, bob.screen.widgets["join_with_password"])
    pump(lambda: bob.screen.name == "password" and "isn't right" in bob.message, bob, alice,
         what="wrong password refused")
    assert bob.hook.session is None
    type_text(window, bob.screen.widgets["join_password"], "sesame")
    click(window, bob.screen.widgets["join_with_password"])
    pump(lambda: bob.screen.name == "lobby", bob, alice, what="Bob in with the password")
    pump(lambda: len(alice.hook.lobby.participants) == 2, alice, bob)
    assert fake.closed  # the LAN list stops once a lobby is chosen
    bob.close()
    alice.close()


def test_invite_in_the_join_field_asks_for_the_missing_password(window: arcade.Window) -> None:
    builder = memory_builder()
    alice = view(window, builder, "Alice")
    type_text(window, alice.screen.widgets["password"], "pw")
    click(window, alice.screen.widgets["host"])
    pump(lambda: alice.screen.name == "lobby", alice)
    click(window, alice.screen.widgets["copy"])
    invite = LobbyView.clipboard
    assert invite == f"memory:///{alice.hook.session.session_id}"

    carol = view(window, builder, "Carol", signalling_url="ws://127.0.0.1:9")  # not used
    type_text(window, carol.screen.widgets["session_id"], invite)
    click(window, carol.screen.widgets["join"])
    pump(lambda: carol.screen.name == "password", carol, alice, what="asked for the password")
    assert "needs a password" in carol.message
    type_text(window, carol.screen.widgets["join_password"], "pw")
    click(window, carol.screen.widgets["join_with_password"])
    pump(lambda: carol.screen.name == "lobby", carol, alice, what="Carol in")
    carol.close()
    alice.close()


def test_the_join_field_routes_codes_invites_and_ids(window: arcade.Window) -> None:
    class Recording(LobbyView):
        seen: ClassVar[list[tuple[str, str]]] = []

        def join_code(self, code: str) -> None:
            self.seen.append(("code", code))

        def join_target(self, target: str, password: str | None = None) -> None:
            self.seen.append(("target", target))

    v = Recording(builder=memory_builder(), signalling_url="memory://", ice_servers=[])
    window.show_view(v)
    for text in (" K7Q2X ", f"ws://10.0.0.2:3536/{SID}", SID):
        type_text(window, v.screen.widgets["session_id"], text)
        click(window, v.screen.widgets["join"])
    assert Recording.seen == [("code", "K7Q2X"), ("target", f"ws://10.0.0.2:3536/{SID}"),
                              ("target", SID)]


def test_advertising_and_the_lan_list_can_be_turned_off(window: arcade.Window) -> None:
    v = LobbyView(builder=memory_builder(), signalling_url="memory://", ice_servers=[],
                  browse_lan=False, advertise_lan=False, title="My Game!")
    window.show_view(v)
    assert v.lan_list.browser is None and v.game == "My-Game"
    assert not any("lan" in key for key in v.screen.widgets)


def _walk(widget: Any) -> list[Any]:
    out = [widget]
    for child in getattr(widget, "children", []):
        out.extend(_walk(child))
    return out
