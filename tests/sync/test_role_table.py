"""The role machine's table: the README shows exactly the table the code enforces, every
cause leads to one role, and a move the table does not list is refused (raises when strict)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from konnekt_arcade.sync import HostChanged, LobbySync, Role
from konnekt_arcade.sync._role import (
    TRANSITIONS,
    Cause,
    IllegalMove,
    next_role,
    role_table_markdown,
)

README = Path(__file__).resolve().parents[2] / "README.md"
START, END = "<!-- role-table:", "<!-- /role-table -->"


def readme_table() -> str:
    text = README.read_text()
    body = text.split(START, 1)[1].split(END, 1)[0]
    return body.split("\n", 1)[1]  # past the marker line


def test_readme_shows_the_table_the_code_enforces():
    """Regenerate with ``KONNEKT_WRITE_README=1 pytest tests/sync/test_role_table.py``."""
    want = role_table_markdown()
    if os.environ.get("KONNEKT_WRITE_README") == "1":
        text = README.read_text()
        head, rest = text.split(START, 1)
        marker, tail = rest.split("\n", 1)
        README.write_text(head + START + marker + "\n" + want + END + tail.split(END, 1)[1])
    assert readme_table() == want


def test_every_cause_leads_to_one_role_and_every_role_is_reachable():
    for cause in Cause:
        targets = {to for (_, c), to in TRANSITIONS.items() if c is cause}
        assert len(targets) == 1, cause
    assert {to for to in TRANSITIONS.values()} == set(Role)


def test_the_moves_the_issue_found_missing_are_listed():
    assert next_role(Role.COLLECTING, Cause.COLLECTED_REMOVED_US) is Role.ELECTING
    assert next_role(Role.COLLECTING, Cause.OWN_HOST_CLAIM_NAMES_US) is Role.HOST
    assert next_role(Role.HOST, Cause.HOST_LOST) is None


def test_a_move_not_in_the_table_raises_when_strict():
    host = LobbySync.create_host("h", "L", "Hana", 0.0, strict=True)
    with pytest.raises(IllegalMove):
        host._transition(Cause.SUCCESSOR_IS_US, "h", host.epoch, 1.0)
    assert host.role is Role.HOST


def test_a_move_not_in_the_table_is_refused_and_counted_otherwise():
    host = LobbySync.create_host("h", "L", "Hana", 0.0, strict=False)
    host.drain_events()
    assert host._transition(Cause.HOST_LOST, "x", host.epoch, 1.0) is False
    assert host.role is Role.HOST and host.host_peer == "h"
    assert host.stats["illegal_move"] == 1
    assert not [e for e in host.drain_events() if isinstance(e, HostChanged)]
