"""The command line: flag checks and the display decision (no arcade import needed)."""

from __future__ import annotations

import pytest

from demo_game import cli
from demo_game.lan import invite, split_invite


def test_flags_are_checked() -> None:
    for bad in (["--rounds", "0"], ["--bots", "-1"], ["--bots", "99"],
                ["--coins-seconds", "1"]):
        with pytest.raises(SystemExit):
            cli.parse_args(bad)
    args = cli.parse_args(["--headless", "--bots", "2", "--rounds", "4"])
    assert (args.headless, args.bots, args.rounds, args.screenshots) == (True, 2, 4,
                                                                        "demo_screenshots")


def test_display_detection(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli.sys, "platform", "linux")
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    assert not cli.has_display()
    monkeypatch.setenv("WAYLAND_DISPLAY", "wayland-0")
    assert cli.has_display()


def test_invites() -> None:
    sid = "123e4567-e89b-12d3-a456-426614174000"
    text = invite("ws://192.168.1.5:3536/", sid)
    assert text == f"ws://192.168.1.5:3536/{sid}"
    assert split_invite(f"  {text} ") == ("ws://192.168.1.5:3536", sid)
    assert split_invite(sid) == ("", sid)
    assert split_invite("wss://signal.example.com") == ("wss://signal.example.com", "")
