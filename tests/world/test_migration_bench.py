"""The bench's host-migration row (issue 24): it exists, its numbers are measured in simulated
time, and its verdict follows from them (a slower run misses the goal)."""

from __future__ import annotations

import copy
import datetime as dt

import pytest

from bench import _report, _world_migration
from konnekt_arcade.world import WorldConfig

NAMES = ("world: host leaves, host-owned entity moves again",
         "world: host crashes, host-owned entity moves again")


def _report_of(migration: dict) -> dict:
    world = {"bytes_60_float32": 500.0, "bytes_60_precision": 380.0, "colyseus_60": 720,
             "float32_vs_colyseus": 0.7, "precision_vs_colyseus": 0.53,
             "host_tick_200x8": {"ours_us": 1.0, "bare_us": 1.0, "ratio": 1.0},
             "receiver_apply_200": {"ours_us": 1.0, "bare_us": 1.0, "ratio": 1.0},
             "migration": migration}
    return _report.build_report({"world": world}, "quick", dt.datetime.now().astimezone(),
                                1.0, _report.load_average(), {}, {})


def test_the_row_is_measured_and_its_verdict_follows_the_numbers() -> None:
    m = _world_migration.run_migration(seeds=4)
    assert m["goal_ms"] == (WorldConfig().migration_wait + 1 / WorldConfig().tick_rate) * 1000
    for case in ("leave", "crash"):
        c = m[case]
        assert 0 < c["p50_ms"] <= c["max_ms"] < _world_migration.CAP * 1000, c
        assert c["stuck"] == 0
        assert c["max_vs_goal"] == round(c["max_ms"] / m["goal_ms"], 3)
    report = _report_of(m)
    assert _report.validate(report) == []
    goals = {g["name"]: g for g in report["goals"]}
    for name, case in zip(NAMES, ("leave", "crash"), strict=True):
        assert goals[name]["value"] == m[case]["max_vs_goal"]
        assert goals[name]["verdict"] == "met"
    table = _report.format_table(report)
    assert "world: host leaves, moves again (ms)" in table
    assert "world: host crashes, moves again (ms)" in table
    slow = copy.deepcopy(m)
    slow["crash"].update(max_ms=m["goal_ms"] * 2, max_vs_goal=2.0)
    goals = {g["name"]: g for g in _report_of(slow)["goals"]}
    assert goals[NAMES[1]]["verdict"] == "missed"
    assert goals[NAMES[0]]["verdict"] == "met"


def test_the_goal_is_reported_unmeasured_without_the_world_section() -> None:
    report = _report.build_report({}, "quick", dt.datetime.now().astimezone(), 1.0,
                                  _report.load_average(), {}, {})
    goals = {g["name"]: g for g in report["goals"]}
    assert all(goals[n]["verdict"] == "n/a" and goals[n]["value"] is None for n in NAMES)


def test_a_ball_the_new_host_does_not_move_counts_as_stuck(monkeypatch: pytest.MonkeyPatch) -> None:
    """The measure can fail: the hand-over alone (intros, reports, the old host's late
    deltas) is not counted as moving again."""
    monkeypatch.setattr(_world_migration, "STEP", 0.0)
    for crash in (False, True):
        assert _world_migration.one_run(1, crash, 2, WorldConfig()) == _world_migration.CAP
