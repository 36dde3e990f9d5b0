"""Machine description, goals and verdicts, the printed table, the JSON file and its schema."""

from __future__ import annotations

import datetime as dt
import functools
import json
import math
import os
import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

from . import SCHEMA_VERSION

RESULTS_DIR = Path(__file__).resolve().parent / "results"
FRAME_MS = 1000 / 60


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _git_commit() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                             text=True, timeout=5, cwd=RESULTS_DIR.parent)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def load_average() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def machine() -> dict[str, Any]:
    mem = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = int(line.split()[1]) // 1024
    except OSError:
        pass
    return {
        "cpu_count": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "memory_mb": mem,
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "aiortc": _version("aiortc"),
        "aioice": _version("aioice"),
        "pydantic": _version("pydantic"),
        "websockets": _version("websockets"),
        "konnekt_arcade": _version("konnekt-arcade"),
        "git_commit": _git_commit(),
    }


# --- goals ----------------------------------------------------------------------------------


def _get(results: dict[str, Any], *path: str) -> Any:
    node: Any = results
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


#: The issue's goals: (name, section it comes from, target text, limit, "<=" or ">=").
LATENCY_P50, LATENCY_P99, THROUGHPUT = 1.3, 1.5, 0.7
REPLICA_FLOOR, HOST_FLOOR, POLL_FLOOR = 1.5, 2.5, 1.5


def _goal(name: str, target: str, value: Any, ok: bool | None, detail: str = "") -> dict[str, Any]:
    verdict = "n/a" if ok is None or value is None else ("met" if ok else "missed")
    return {"name": name, "goal": target, "value": value, "verdict": verdict, "detail": detail}


def _why_missing(results: dict[str, Any], section: str, mode: str) -> str:
    """Why a goal has no value: the section's error, or that it was not run."""
    node = results.get(section)
    if isinstance(node, dict) and "error" in node:
        return f"not measured: {node['error']}"[:300]
    if node is None:
        return f"not measured: section {section!r} was not run ({mode} run)"
    return "not measured: the section returned no value for it"


def _ratio_goal(results: dict[str, Any], mode: str, name: str, section: str,
                path: tuple[str, ...], limit: float, at_most: bool, unit: str,
                detail: str) -> dict[str, Any]:
    value = _get(results, section, *path)
    target = f"{'<=' if at_most else '>='} {limit:g}x {unit}"
    if value is None:
        return _goal(name, target, None, None, _why_missing(results, section, mode))
    return _goal(name, target, value, value <= limit if at_most else value >= limit, detail)


def evaluate(results: dict[str, Any], mode: str) -> list[dict[str, Any]]:
    """The issue's goals against this run's numbers: every network figure is a ratio to raw
    aiortc and every CPU figure a ratio to json.loads of the same bytes, both measured in
    this run, so the goals hold on any machine."""
    lat = functools.partial(_get, results, "latency")
    tp = functools.partial(_get, results, "throughput")
    core = functools.partial(_get, results, "core", "throughput")
    poll = functools.partial(_get, results, "poll")
    goals = [
        _ratio_goal(results, mode, "latency p50 vs raw", "latency", ("ratio_p50",),
                    LATENCY_P50, True, "raw",
                    f"ours {lat('ours_ms', 'p50')} ms, raw {lat('raw_ms', 'p50')} ms"),
        _ratio_goal(results, mode, "latency p99 vs raw", "latency", ("ratio_p99",),
                    LATENCY_P99, True, "raw",
                    f"ours {lat('ours_ms', 'p99')} ms, raw {lat('raw_ms', 'p99')} ms; "
                    f"{lat('ours_ms', 'n')} samples each, lost {lat('lost')}"),
        _ratio_goal(results, mode, "throughput to 4 guests vs raw", "throughput",
                    ("ratio_p50",), THROUGHPUT, False, "raw",
                    f"ours {tp('ours_events_per_s', 'p50')} ev/s, raw "
                    f"{tp('raw_events_per_s', 'p50')} msg/s"),
        _ratio_goal(results, mode, "replica apply vs json.loads", "core",
                    ("throughput", "replica_vs_json_loads"), REPLICA_FLOOR, True,
                    "json.loads",
                    f"{core('replica_us_per_event')} µs vs "
                    f"{core('json_loads_replica_us_per_event')} µs per event (of which wire "
                    f"decode {core('decode_us_per_msg')} µs = "
                    f"{core('decode_vs_json_loads')}x json.loads alone, domain fold "
                    f"{core('fold_us_per_event')} µs); cold, one call after a sleep: "
                    f"{core('cold_replica_us')} µs vs {core('cold_json_loads_us')} µs = "
                    f"{core('cold_replica_vs_json_loads')}x"),
        _ratio_goal(results, mode, "host sequencing vs json.loads", "core",
                    ("throughput", "host_vs_json_loads"), HOST_FLOOR, True, "json.loads",
                    f"{core('host_us_per_event')} µs vs {core('json_loads_host_us_per_event')}"
                    " µs per event (16 linked peers)"),
        _ratio_goal(results, mode, "poll() 100 pending vs json.loads", "poll",
                    ("pending_vs_json_loads",), POLL_FLOOR, True, "100 x json.loads",
                    f"{poll('pending_total_us', 'p50')} µs vs "
                    f"{poll('pending_json_loads_us', 'p50')} µs; with gc.freeze(): "
                    f"{poll('frozen_total_us', 'p50')} µs"),
    ]
    host = poll("idle_host_us", "p50")
    guest = poll("idle_guest_us", "p50")
    idle = None if host is None or guest is None else max(host, guest)
    goals.append(_goal("poll() idle (µs)", "<= 10 µs", idle, None if idle is None else idle <= 10,
                       "back-to-back calls; after a 1 ms sleep (cold caches): host "
                       f"{poll('cold_host_us', 'p50')} µs, guest "
                       f"{poll('cold_guest_us', 'p50')} µs" if idle is not None
                       else _why_missing(results, "poll", mode)))
    join = _get(results, "join", "ours_ms", "p50")
    goals.append(_goal("join-to-synced p50 (ms)", "<= 250 ms", join,
                       None if join is None else join <= 250,
                       f"p90 {_get(results, 'join', 'ours_ms', 'p90')} ms over "
                       f"{_get(results, 'join', 'joins')} joins" if join is not None
                       else _why_missing(results, "join", mode)))
    runs = _get(results, "scaling", "runs") or []
    fifteen = [r for r in runs if r.get("guests") == 15]
    if fifteen:
        goals.append(_goal("15 guests converge", "same state hash everywhere",
                           fifteen[0].get("converged"), bool(fifteen[0].get("converged")),
                           fifteen[0].get("error", "")))
    else:
        largest = max(runs, key=lambda r: r.get("guests", 0)) if runs else None
        goals.append(_goal("15 guests converge", "same state hash everywhere", None, None,
                           f"not measured: {mode} run; largest lobby {largest.get('guests')} "
                           f"guests, converged {largest.get('converged')}" if largest
                           else _why_missing(results, "scaling", mode)))
    from ._world import goals as world_goals

    goals += world_goals(results, mode, _ratio_goal)
    bounded = _get(results, "core", "memory", "bounded")
    large = _get(results, "core", "memory", "events_large")
    goals.append(_goal("memory bounded (1k vs 10k events)", "<= 1.25x (+64 KiB)",
                       _get(results, "core", "memory", "growth_ratio"), bounded,
                       f"tracemalloc after {_get(results, 'core', 'memory', 'events_small')} "
                       f"and {large} events" if bounded is not None
                       else _why_missing(results, "core", mode)))
    if isinstance(results.get("interp"), dict) and "error" not in results["interp"]:
        from ._interp import report_goals  # (issue 24's interpolation goals)

        goals.extend(_goal(*g) for g in report_goals(results["interp"]))
    return goals


# --- table ----------------------------------------------------------------------------------


def _fmt(v: Any) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        if math.isnan(v):
            return "-"
        return f"{v:,.3g}" if abs(v) < 100 else f"{v:,.0f}"
    return str(v)


NETWORK_SECTIONS = ("poll", "latency", "trace", "join", "throughput", "scaling")


def rows(report: dict[str, Any]) -> list[list[str]]:
    """metric | ours | raw | ratio | goal | verdict. A section that could not measure gets a
    row saying why, instead of silently missing."""
    r = report["results"]
    goals = {g["name"]: g for g in report["goals"]}

    def verdict(name: str) -> tuple[str, str]:
        g = goals.get(name)
        return (g["goal"], g["verdict"]) if g else ("", "")

    def ok(name: str) -> bool:
        return name in r and isinstance(r[name], dict) and "error" not in r[name]

    out: list[list[str]] = []
    for name in ("core", "world", *NETWORK_SECTIONS):
        if name in r and not ok(name):
            out.append([f"{name}: NOT MEASURED", "", "", "", "",
                        str(r[name].get("error", ""))[:100]])
    if ok("poll"):
        p = r["poll"]
        out.append(["poll() idle, host / guest (µs)",
                    f"{_fmt(p['idle_host_us']['p50'])} / {_fmt(p['idle_guest_us']['p50'])}",
                    "", "", *verdict("poll() idle (µs)")])
        out.append(["poll() idle after 1 ms sleep (µs)",
                    f"{_fmt(p['cold_host_us']['p50'])} / {_fmt(p['cold_guest_us']['p50'])}",
                    f"{_fmt(p['cold_floor_us']['p50'])}", "", "", "info"])
        out.append(["poll() 100 pending events (µs)", _fmt(p["pending_total_us"]["p50"]),
                    _fmt(p["pending_json_loads_us"]["p50"]), _fmt(p["pending_vs_json_loads"]),
                    *verdict("poll() 100 pending vs json.loads")])
        out.append(["  same with gc.freeze() (µs)", _fmt(p["frozen_total_us"].get("p50")), "", "",
                    "", "info"])
        out.append(["  share of a 16.7 ms frame", f"{100 * p['frame_share_pending']:.1f} %", "",
                    "", "", "info"])
    if ok("latency"):
        lat = r["latency"]
        out.append(["latency host->guest p50 (ms)", _fmt(lat["ours_ms"]["p50"]),
                    _fmt(lat["raw_ms"]["p50"]), _fmt(lat["ratio_p50"]),
                    *verdict("latency p50 vs raw")])
        out.append(["latency host->guest p99 (ms)", _fmt(lat["ours_ms"]["p99"]),
                    _fmt(lat["raw_ms"]["p99"]), _fmt(lat["ratio_p99"]),
                    *verdict("latency p99 vs raw")])
    if ok("trace"):
        t = r["trace"]
        if t.get("missing_hooks"):
            out.append(["  trace: hooks that no longer fit the code", "", "", "", "",
                        "; ".join(t["missing_hooks"])[:100]])
        raw = t["raw"]["stages"]
        for stage, o in t["ours"]["stages"].items():
            rs = raw.get(stage)
            out.append([f"  trace: {o['from']} -> {stage} p50 (µs)", _fmt(o["p50_us"]),
                        _fmt(rs["p50_us"]) if rs and rs["from"] == o["from"] else "", "", "",
                        "info"])
    if ok("join"):
        j = r["join"]
        out.append(["join-to-synced p50 (ms)", _fmt(j["ours_ms"].get("p50")),
                    _fmt(j["raw_pc_connect_ms"].get("p50")), "",
                    *verdict("join-to-synced p50 (ms)")])
        out.append(["join-to-synced p90 (ms)", _fmt(j["ours_ms"].get("p90")),
                    _fmt(j["raw_pc_connect_ms"].get("p90")), "", "", "info"])
    if ok("throughput"):
        t = r["throughput"]
        out.append(["throughput to 4 guests (events/s)", _fmt(t["ours_events_per_s"]["p50"]),
                    _fmt(t["raw_events_per_s"]["p50"]), _fmt(t["ratio_p50"]),
                    *verdict("throughput to 4 guests vs raw")])
    for run in (r.get("scaling") or {}).get("runs", []):
        n = run["guests"]
        if "error" in run:
            out.append([f"{n} guests: NOT MEASURED", "", "", "", "", run["error"][:100]])
            continue
        out.append([f"{n} guests: join p50 / latency p50 (ms)",
                    f"{_fmt(run['join_ms']['p50'])} / {_fmt(run['latency_ms']['p50'])}",
                    "", "", "", "info"])
        out.append([f"{n} guests: host CPU idle / 20 ev/s (%)",
                    f"{_fmt(run['host_cpu_idle_pct'])} / {_fmt(run['host_cpu_chat_pct'])}",
                    "", "", "converge" if n == 15 else "",
                    ("met" if run["converged"] else "missed") if n == 15
                    else f"converged={run['converged']}"])
    if ok("world"):
        from ._world import rows as world_rows

        out += world_rows(r["world"], verdict)
    if ok("core"):
        c = r["core"]
        tp = c["throughput"]
        out.append(["core: replica apply per event (µs)", _fmt(tp["replica_us_per_event"]),
                    _fmt(tp["json_loads_replica_us_per_event"]),
                    _fmt(tp["replica_vs_json_loads"]),
                    *verdict("replica apply vs json.loads")])
        out.append(["core: host sequencing per event (µs)", _fmt(tp["host_us_per_event"]),
                    _fmt(tp["json_loads_host_us_per_event"]), _fmt(tp["host_vs_json_loads"]),
                    *verdict("host sequencing vs json.loads")])
        out.append(["core: domain fold (events/s)", _fmt(tp["evolve_per_s"]),
                    "", "", "", "info"])
        s = c["snapshot"]
        out.append(["core: 16-player snapshot (KiB)", f"{s['bytes'] / 1024:.1f}", "", "", "",
                    "info"])
        out.append(["core: snapshot encode / decode (ms)",
                    f"{_fmt(s['encode_ms']['p50'])} / {_fmt(s['decode_ms']['p50'])}", "", "", "",
                    "info"])
        m = c["memory"]
        out.append([f"core: memory {m['events_small']} -> {m['events_large']} events (KiB)",
                    f"{m['bytes_small'] / 1024:,.0f} -> {m['bytes_large'] / 1024:,.0f}", "",
                    _fmt(m["growth_ratio"]), *verdict("memory bounded (1k vs 10k events)")])
    return out


def format_table(report: dict[str, Any]) -> str:
    header = ["metric", "ours", "raw", "ratio", "goal", "verdict"]
    body = rows(report)
    widths = [max(len(str(row[i])) for row in [header, *body]) for i in range(len(header))]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(header, widths, strict=True)),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True))
              for row in body]
    lines += ["", "goals (raw = a bare aiortc channel; json.loads of the same bytes; same run):"]
    lines += [f"  {g['verdict']:<7} {g['name']}: {_fmt(g['value'])} (goal {g['goal']}) "
              f"{g['detail']}" for g in report["goals"]]
    return "\n".join(lines)


# --- JSON -----------------------------------------------------------------------------------


def build_report(results: dict[str, Any], mode: str, started: dt.datetime, seconds: float,
                 load_before: list[float] | None, errors: dict[str, str],
                 params: dict[str, Any]) -> dict[str, Any]:
    return {
        "schema": SCHEMA_VERSION,
        "date": started.date().isoformat(),
        "started": started.isoformat(timespec="seconds"),
        "mode": mode,
        "duration_s": round(seconds, 1),
        "machine": machine(),
        "load": {"before": load_before, "after": load_average()},
        "params": params,
        "results": results,
        "goals": evaluate(results, mode),
        "errors": errors,
    }


def result_path(out_dir: Path, date: str, mode: str) -> Path:
    """Full runs own ``<date>.json``; quick and core-only runs get a suffix so they never
    overwrite the committed full result."""
    suffix = "" if mode == "full" else f"-{mode}"
    return out_dir / f"{date}{suffix}.json"


def write_report(report: dict[str, Any], out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    path = result_path(out_dir, report["date"], report["mode"])
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    return path


# --- schema ---------------------------------------------------------------------------------

_NUM = (int, float)
_SUMMARY = {"n": int, "p50": _NUM, "p90": _NUM, "p99": _NUM, "mean": _NUM, "min": _NUM,
            "max": _NUM}
_MIGRATION = {"max_ms": _NUM, "p50_ms": _NUM, "stuck": int, "max_vs_goal": _NUM}
_SECTIONS: dict[str, dict[str, Any]] = {
    "core": {
        "throughput": {"events": int, "evolve_per_s": _NUM, "decode_msgs_per_s": _NUM,
                       "replica_apply_per_s": _NUM, "host_commit_per_s": _NUM,
                       "replica_us_per_event": _NUM, "host_us_per_event": _NUM,
                       "json_loads_replica_us_per_event": _NUM,
                       "json_loads_host_us_per_event": _NUM, "replica_vs_json_loads": _NUM,
                       "host_vs_json_loads": _NUM, "converged": bool},
        "snapshot": {"participants": int, "events": int, "bytes": int, "encode_ms": _SUMMARY,
                     "decode_ms": _SUMMARY},
        "memory": {"events_small": int, "events_large": int, "bytes_small": int,
                   "bytes_large": int, "growth_ratio": _NUM, "bounded": bool},
    },
    "frame": {"flood_frame_ms": _SUMMARY, "idle_frame_ms": _SUMMARY, "flood_vs_idle_p50": _NUM},
    "poll": {"idle_host_us": _SUMMARY, "idle_guest_us": _SUMMARY, "cold_host_us": _SUMMARY,
             "cold_guest_us": _SUMMARY, "cold_floor_us": _SUMMARY,
             "pending_total_us": _SUMMARY, "frozen_total_us": dict,
             "pending_json_loads_us": _SUMMARY, "pending_vs_json_loads": _NUM,
             "pending_us_per_event": _NUM, "frame_share_pending": _NUM},
    "latency": {"ours_ms": _SUMMARY, "raw_ms": _SUMMARY, "ratio_p50": _NUM, "ratio_p99": _NUM,
                "payload_bytes": int, "lost": dict},
    "trace": {"ours": {"stages": dict, "total_us": dict}, "raw": {"stages": dict,
                                                                   "total_us": dict}},
    "join": {"joins": int, "ours_ms": dict, "raw_pc_connect_ms": dict, "failures": list},
    "throughput": {"ours_events_per_s": _SUMMARY, "raw_events_per_s": _SUMMARY,
                   "ratio_p50": _NUM, "guests": int},
    "scaling": {"runs": list, "chats": int},
    "interp": {"worst": dict, "goals": dict, "runs": list, "net": dict},
    "world": {"bytes_60_float32": _NUM, "bytes_60_precision": _NUM, "colyseus_60": int,
              "host_tick_200x8": {"ours_us": _NUM, "bare_us": _NUM, "ratio": _NUM},
              "receiver_apply_200": {"ours_us": _NUM, "bare_us": _NUM, "ratio": _NUM},
              "migration": {"goal_ms": _NUM, "seeds": int, "leave": _MIGRATION,
                            "crash": _MIGRATION}},
    "loss": {},  # either {"skipped": reason} or {"rates": {...}}: see bench/_loss.py
}
_TOP = {"schema": int, "date": str, "mode": str, "duration_s": _NUM, "machine": dict,
        "load": dict, "results": dict, "goals": list, "errors": dict}
_MACHINE = {"cpu_count": int, "cpu_model": str, "python": str, "aiortc": str}


def _check(node: Any, spec: Any, where: str, problems: list[str]) -> None:
    if isinstance(spec, dict):
        if not isinstance(node, dict):
            problems.append(f"{where}: expected an object")
            return
        for key, sub in spec.items():
            if key not in node:
                problems.append(f"{where}.{key}: missing")
            else:
                _check(node[key], sub, f"{where}.{key}", problems)
    elif spec is dict or spec is list:
        if not isinstance(node, spec):
            problems.append(f"{where}: expected {spec.__name__}")
    else:
        types = spec if isinstance(spec, tuple) else (spec,)
        if isinstance(node, bool) and bool not in types:
            problems.append(f"{where}: expected a number, got a bool")
        elif not isinstance(node, types):
            problems.append(f"{where}: expected {types}, got {type(node).__name__}")


def validate(report: dict[str, Any]) -> list[str]:
    """Problems with the report's layout ([] when it is valid). Sections that were not run
    are absent; a section that failed carries only ``error`` and is listed in ``errors``."""
    problems: list[str] = []
    _check(report, _TOP, "report", problems)
    if problems:
        return problems
    _check(report["machine"], _MACHINE, "machine", problems)
    if report["schema"] != SCHEMA_VERSION:
        problems.append(f"schema {report['schema']} != {SCHEMA_VERSION}")
    for name, section in report["results"].items():
        if name not in _SECTIONS:
            problems.append(f"results.{name}: unknown section")
        elif isinstance(section, dict) and "error" in section:
            if name not in report["errors"]:
                problems.append(f"results.{name}: error not listed in errors")
        else:
            _check(section, _SECTIONS[name], f"results.{name}", problems)
    for i, goal in enumerate(report["goals"]):
        _check(goal, {"name": str, "goal": str, "verdict": str}, f"goals[{i}]", problems)
        if isinstance(goal, dict) and "value" not in goal:
            problems.append(f"goals[{i}].value: missing")
        if isinstance(goal, dict) and goal.get("verdict") not in ("met", "missed", "n/a"):
            problems.append(f"goals[{i}].verdict: {goal.get('verdict')!r}")
    return problems
