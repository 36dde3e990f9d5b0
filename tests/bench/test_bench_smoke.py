"""The benchmark's sans-I/O part on tiny sizes, so bench/ cannot rot unnoticed.

The full bench (real WebRTC, many processes, minutes) never runs in the test suite; this
runs the core-only mode in a few seconds and checks the JSON it writes against the schema
that ``python -m bench`` promises (``bench._report.validate``).
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench import SCHEMA_VERSION, _core, _report

REPO = Path(__file__).resolve().parents[2]
#: Every goal of the performance issue must appear in every report, measured or not.
ISSUE_GOALS = {"latency p50 vs raw", "latency p99 vs raw", "throughput to 4 guests vs raw",
               "replica apply vs json.loads", "host sequencing vs json.loads",
               "poll() 100 pending vs json.loads"}


@pytest.fixture(scope="module")
def core_report() -> dict:
    results = {"core": _core.run_core(tiny=True)}
    return _report.build_report(results, "core", dt.datetime.now().astimezone(), 1.0,
                                _report.load_average(), {}, {"tiny": True})


def test_core_numbers_are_real(core_report: dict) -> None:
    core = core_report["results"]["core"]
    tp = core["throughput"]
    assert tp["converged"], "replica and fold must end in the host's state"
    assert tp["events"] >= 200
    for key in ("evolve_per_s", "decode_msgs_per_s", "replica_apply_per_s", "host_commit_per_s"):
        assert tp[key] > 100, key
    snap = core["snapshot"]
    assert snap["participants"] == _core.SNAPSHOT_PARTICIPANTS
    assert snap["bytes"] > 1000
    assert 0 < snap["encode_ms"]["p50"] < 1000
    mem = core["memory"]
    assert mem["bytes_large"] > 0 and mem["bytes_small"] > 0


def test_workload_reaches_its_event_count_without_rejections() -> None:
    mesh, ids = _core.build_lobby(4)
    start = mesh.host.sequence
    produced = _core.run_workload(mesh, ids, 150)
    assert produced >= 150
    assert mesh.host.sequence - start == produced
    rejected = {k: v for k, v in mesh.host.stats.items() if k.startswith("rejected")}
    assert not rejected, f"the workload broke a rule or a rate limit: {rejected}"
    hashes = {node.lobby.model_dump_json() for node in mesh.nodes.values()}
    assert len(hashes) == 1, "every replica must converge"


def test_report_matches_schema(core_report: dict, tmp_path: Path) -> None:
    assert _report.validate(core_report) == []
    path = _report.write_report(core_report, tmp_path)
    assert path.name.endswith("-core.json")
    loaded = json.loads(path.read_text())
    assert loaded["schema"] == SCHEMA_VERSION
    assert _report.validate(loaded) == []
    machine = loaded["machine"]
    assert machine["cpu_count"] >= 1 and machine["python"] and machine["aiortc"]
    names = {g["name"] for g in loaded["goals"]}
    assert names >= ISSUE_GOALS
    for goal in loaded["goals"]:
        assert {"name", "goal", "value", "verdict"} <= goal.keys()
    assert "core: replica apply per event" in _report.format_table(loaded)


def test_core_ratios_to_json_loads_are_measured(core_report: dict) -> None:
    tp = core_report["results"]["core"]["throughput"]
    for key in ("json_loads_replica_us_per_event", "json_loads_host_us_per_event"):
        assert tp[key] > 0, key
    assert tp["replica_vs_json_loads"] == pytest.approx(
        tp["replica_us_per_event"] / tp["json_loads_replica_us_per_event"], rel=0.05)
    goals = {g["name"]: g for g in core_report["goals"]}
    for name in ("replica apply vs json.loads", "host sequencing vs json.loads"):
        assert goals[name]["verdict"] in ("met", "missed")
        assert goals[name]["value"] is not None


def test_a_section_that_cannot_measure_says_why(core_report: dict) -> None:
    report = copy.deepcopy(core_report)
    report["results"]["latency"] = {"error": "TimeoutError: lobby not synced"}
    report["errors"]["latency"] = report["results"]["latency"]["error"]
    report["goals"] = _report.evaluate(report["results"], "quick")
    goals = {g["name"]: g for g in report["goals"]}
    for name in ("latency p50 vs raw", "latency p99 vs raw"):
        assert goals[name]["verdict"] == "n/a"
        assert "lobby not synced" in goals[name]["detail"]
    assert "not run" in goals["throughput to 4 guests vs raw"]["detail"]
    table = _report.format_table(report)
    assert "latency: NOT MEASURED" in table and "lobby not synced" in table
    assert _report.validate(report) == []


def test_validate_catches_broken_reports(core_report: dict) -> None:
    broken = copy.deepcopy(core_report)
    del broken["results"]["core"]["snapshot"]["bytes"]
    broken["results"]["core"]["throughput"]["evolve_per_s"] = "fast"
    broken["goals"][0]["verdict"] = "great"
    problems = _report.validate(broken)
    assert any("snapshot.bytes" in p for p in problems)
    assert any("evolve_per_s" in p for p in problems)
    assert any("verdict" in p for p in problems)
    failed = copy.deepcopy(core_report)
    failed["results"]["latency"] = {"error": "boom"}
    assert any("errors" in p for p in _report.validate(failed))


def test_cli_core_only_writes_json(tmp_path: Path) -> None:
    out = subprocess.run([sys.executable, "-m", "bench", "--core-only", "--tiny", "--no-plots",
                          "--out", str(tmp_path)], cwd=REPO, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    files = list(tmp_path.glob("*-core.json"))
    assert len(files) == 1
    assert _report.validate(json.loads(files[0].read_text())) == []
    assert "verdict" in out.stdout


def test_trace_profile_steps_and_hooks_that_no_longer_fit() -> None:
    from bench import _trace

    samples = [{"submit": 0.0, "handed_off": 1e-4, "net_send": 2e-4, "drained": 5e-4}
               for _ in range(20)]
    samples[0].pop("net_send")  # one sample missed a stage: it is left out of the steps
    prof = _trace._profile(samples, ("submit", "handed_off", "net_send", "polled", "drained"))
    assert prof["left_out"] == ["polled"], "a stage seen in no sample is reported, not fatal"
    assert prof["complete"] == 19
    assert prof["stages"]["net_send"]["p50_us"] == pytest.approx(100.0)
    assert prof["stages"]["drained"]["from"] == "net_send"
    assert prof["total_us"]["p50"] == pytest.approx(500.0)


def test_a_trace_hook_that_no_longer_fits_is_noted_not_raised() -> None:
    from bench import _trace

    class Target:
        def send(self, a: int) -> int:
            return a + 1

    rec = _trace._Recorder()
    target = Target()
    _trace._wrap_after(target, "send", rec, "sent", lambda result, x, y: True)  # wrong arity
    _trace._wrap_after(target, "gone", rec, "gone")
    rec.start()
    assert target.send(1) == 2, "the instrumented code must run on"
    assert "sent" not in (rec.marks or {})
    assert any(m.startswith("sent (TypeError") for m in rec.missing)
    assert any(m.startswith("gone (Target.gone)") for m in rec.missing)


def test_readme_table_shows_goals_and_sections_that_could_not_measure(
        core_report: dict) -> None:
    from bench import _readme

    report = copy.deepcopy(core_report)
    report["results"]["throughput"] = {"error": "RuntimeError: every throughput round stalled"}
    report["errors"]["throughput"] = report["results"]["throughput"]["error"]
    report["goals"] = _report.evaluate(report["results"], "full")
    table = _readme.table(report)
    assert "throughput: not measured" in table and "stalled" in table
    assert "json.loads" in table and "A replica applies one event" in table


def test_the_committed_full_run_renders() -> None:
    """The newest full result in bench/results (the README's source) matches the schema,
    carries every goal of the issue, and renders as the table and the README rows."""
    from bench import _readme

    full = sorted(p for p in (REPO / "bench" / "results").glob("*.json")
                  if p.stem.count("-") == 2)
    report = json.loads(full[-1].read_text())
    assert report["schema"] == SCHEMA_VERSION, f"{full[-1].name}: re-run python -m bench"
    assert _report.validate(report) == []
    assert {g["name"] for g in report["goals"]} >= ISSUE_GOALS
    assert not report["errors"], "a full run must not have a failed section"
    assert "latency host->guest p50" in _report.format_table(report)
    assert "where it goes" in _readme.table(report)
