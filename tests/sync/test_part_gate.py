"""``PasswordGate`` alone: the host's gate and the guest's proof, with a plain view."""

from __future__ import annotations

from uuid import UUID

from konnekt_arcade.sync import AccessDenied, Role
from konnekt_arcade.sync._gate import PasswordGate
from konnekt_arcade.sync._outbox import Outbox
from konnekt_arcade.sync._wire import Authenticate, AuthFailed, AuthRequired, password_proof

from .parts_kit import View, lobby_of, sent


def host_gate(password: str | None = "pw"):
    lobby, roster, _ = lobby_of("h", "member")
    view = View(local_peer="h", lobby=lobby, roster=roster, role=Role.HOST, host_peer="h")
    shown: list[str] = []
    out = Outbox()
    return view, out, PasswordGate(view, out, password, shown.append), shown


def test_only_provers_and_members_are_let_in_and_guessing_is_capped():
    view, out, gate, shown = host_gate()
    assert gate.authorized("member") and not gate.authorized("x")
    wrong = Authenticate(lobby_id=view.lobby.id, proof="0" * 64)
    for _ in range(view.config.max_auth_attempts + 2):
        gate.on_authenticate("x", wrong, 0.0)
    assert [k for _, k in sent(out)] == ["AuthFailed"] * view.config.max_auth_attempts
    assert out.stats["dropped:auth_attempts"] == 2 and shown == []
    right = Authenticate(lobby_id=view.lobby.id,
                         proof=password_proof("pw", view.lobby.id, "h", "y"))
    gate.on_authenticate("y", right, 0.0)
    assert gate.authorized("y") and gate.verified_peers == {"y"} and shown == ["y"]
    gate.forget("y")
    assert not gate.authorized("y")


def test_without_a_password_everyone_is_let_in():
    _, _, gate, _ = host_gate(password=None)
    assert gate.authorized("anyone")


def test_a_guest_proves_once_and_reports_a_refusal():
    out = Outbox()
    gate = PasswordGate(View(local_peer="g", host_peer=None, role=Role.UNSYNCED), out, "pw",
                        lambda peer: None)
    lobby = UUID(int=9)
    gate.on_auth_required("h", AuthRequired(lobby_id=lobby), 0.0)
    gate.on_auth_required("h", AuthRequired(lobby_id=lobby), 0.1)
    assert sent(out) == [("h", "Authenticate")]  # the same proof would not be different
    gate.on_auth_failed("h", AuthFailed(reason="wrong password"), 0.2)
    gate.on_auth_failed("other", AuthFailed(reason="forged"), 0.2)
    assert out.take_events() == [AccessDenied("h", "wrong password")]
    assert out.stats["dropped:unsolicited"] == 1
    no_password = Outbox()
    PasswordGate(View(local_peer="g2", role=Role.UNSYNCED), no_password, None,
                 lambda peer: None).on_auth_required("h", AuthRequired(lobby_id=lobby), 0.0)
    assert isinstance(no_password.take_events()[0], AccessDenied)
