"""``python -m bench._readme bench/results/<date>.json``: the README's Performance table for a
results file, so the numbers in the README are copied by a program, not by hand."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from ._report import HOST_FLOOR, LATENCY_P50, LATENCY_P99, POLL_FLOOR, REPLICA_FLOOR, THROUGHPUT


def _v(goals: dict[str, Any], name: str) -> str:
    g = goals.get(name)
    if not g:
        return ""
    return {"met": "✅ met", "missed": "❌ missed", "n/a": "n/a"}[g["verdict"]]


def _missing(r: dict[str, Any]) -> list[tuple[str, ...]]:
    """A row per section that could not measure, with its reason (never silently absent)."""
    rows = []
    for name, section in r.items():
        if isinstance(section, dict) and "error" in section:
            rows.append((f"{name}: not measured", "", "", "", section["error"][:120]))
    return rows


def table(report: dict[str, Any]) -> str:
    r = report["results"]
    goals = {g["name"]: g for g in report["goals"]}
    rows = [("Metric", "konnekt-arcade", "floor (same run)", "Goal", "Verdict"),
            ("---", "---", "---", "---", "---")]
    rows += _missing(r)
    if ok(r, "latency"):
        lat = r["latency"]
        rows.append(("Event latency host → guest, p50",
                     f"{lat['ours_ms']['p50']:.2f} ms", f"{lat['raw_ms']['p50']:.2f} ms raw",
                     f"≤ {LATENCY_P50:g}× raw (is {lat['ratio_p50']:.2f}×)",
                     _v(goals, "latency p50 vs raw")))
        rows.append(("Event latency host → guest, p99", f"{lat['ours_ms']['p99']:.2f} ms",
                     f"{lat['raw_ms']['p99']:.2f} ms raw",
                     f"≤ {LATENCY_P99:g}× raw (is {lat['ratio_p99']:.2f}×)",
                     _v(goals, "latency p99 vs raw")))
    if ok(r, "trace"):
        rows.append(_trace_row(r["trace"]))
    if ok(r, "throughput"):
        t = r["throughput"]
        rows.append((f"Sequenced events to {t['guests']} guests",
                     f"{t['ours_events_per_s']['p50']:,.0f} /s",
                     f"{t['raw_events_per_s']['p50']:,.0f} /s raw",
                     f"≥ {100 * THROUGHPUT:.0f}% of raw (is {100 * t['ratio_p50']:.0f}%)",
                     _v(goals, "throughput to 4 guests vs raw")))
    if ok(r, "core"):
        tp = r["core"]["throughput"]
        rows.append(("A replica applies one event (decode, order, fold, log)",
                     f"{tp['replica_us_per_event']:.1f} µs",
                     f"{tp['json_loads_replica_us_per_event']:.1f} µs json.loads",
                     f"≤ {REPLICA_FLOOR:g}× json.loads (is {tp['replica_vs_json_loads']:.1f}×)",
                     _v(goals, "replica apply vs json.loads")))
        rows.append(("The host sequences one event (decide, fold, encode for 16 peers)",
                     f"{tp['host_us_per_event']:.1f} µs",
                     f"{tp['json_loads_host_us_per_event']:.1f} µs json.loads",
                     f"≤ {HOST_FLOOR:g}× json.loads (is {tp['host_vs_json_loads']:.1f}×)",
                     _v(goals, "host sequencing vs json.loads")))
    if ok(r, "poll"):
        p = r["poll"]
        rows.append(("`poll()` draining 100 pending events",
                     f"{p['pending_total_us']['p50']:,.0f} µs "
                     f"({100 * p['frame_share_pending']:.1f}% of a 60 fps frame)",
                     f"{p['pending_json_loads_us']['p50']:,.0f} µs 100 × json.loads",
                     f"≤ {POLL_FLOOR:g}× (is {p['pending_vs_json_loads']:.1f}×)",
                     _v(goals, "poll() 100 pending vs json.loads")))
        rows.append(("`poll()` idle, host / guest",
                     f"{p['idle_host_us']['p50']:.1f} / {p['idle_guest_us']['p50']:.1f} µs", "",
                     "≤ 10 µs", _v(goals, "poll() idle (µs)")))
        rows.append(("`poll()` idle, once per frame (cold caches)",
                     f"{p['cold_host_us']['p50']:.1f} / {p['cold_guest_us']['p50']:.1f} µs",
                     f"{p['cold_floor_us']['p50']:.1f} µs (empty deque)", "", ""))
    if ok(r, "join"):
        j = r["join"]
        rows.append((f"Join to synced lobby, p50 / p90 ({j['joins']} joins)",
                     f"{j['ours_ms']['p50']:.0f} / {j['ours_ms']['p90']:.0f} ms",
                     f"{j['raw_pc_connect_ms']['p50']:.0f} ms (pc pair only)", "p50 ≤ 250 ms",
                     _v(goals, "join-to-synced p50 (ms)")))
    for run in (r.get("scaling") or {}).get("runs", []):
        if "error" in run:
            rows.append((f"{run['guests']} guests (own processes): not measured", "", "", "",
                         run["error"][:120]))
            continue
        last = run["guests"] == 15
        rows.append((f"{run['guests']} guests (own processes): join p50, latency p50, "
                     "host CPU at 20 events/s",
                     f"{run['join_ms']['p50']:.0f} ms, {run['latency_ms']['p50']:.1f} ms, "
                     f"{run['host_cpu_chat_pct']:.0f}%", "",
                     "converge" if last else "",
                     _v(goals, "15 guests converge") if last else
                     ("converged" if run["converged"] else "did not converge")))
    if ok(r, "core"):
        s, m = r["core"]["snapshot"], r["core"]["memory"]
        rows.append((f"Core: snapshot of {s['participants']} players after {s['events']:,} "
                     "events", f"{s['bytes'] / 1024:.0f} KiB, encode {s['encode_ms']['p50']:.2f}"
                     f" / decode {s['decode_ms']['p50']:.2f} ms", "", "", ""))
        rows.append((f"Memory after {m['events_small']:,} → {m['events_large']:,} events",
                     f"{m['bytes_small'] / 2**20:.1f} → {m['bytes_large'] / 2**20:.1f} MiB", "",
                     "bounded", _v(goals, "memory bounded (1k vs 10k events)")))
    return "\n".join("| " + " | ".join(row) + " |" for row in rows)


def ok(r: dict[str, Any], name: str) -> bool:
    return isinstance(r.get(name), dict) and "error" not in r[name]


def _trace_row(t: dict[str, Any]) -> tuple[str, ...]:
    """Where one event's time goes (p50 of each step), ours beside raw."""
    ours = t["ours"]["stages"]
    raw = t["raw"]["stages"]

    def span(stages: dict[str, Any], first: str, last: str) -> float:
        keys = list(stages)
        if first not in keys or last not in keys:
            return float("nan")
        return sum(stages[k]["p50_us"] for k in keys[keys.index(first):keys.index(last) + 1])

    host = ours.get("handed_off", {}).get("p50_us", float("nan"))
    wake = ours.get("net_send", {}).get("p50_us", float("nan"))
    wire = span(ours, "to_aiortc", "queued")
    guest = span(ours, "polled", "drained")
    raw_wake = raw.get("net_send", {}).get("p50_us", float("nan"))
    raw_wire = span(raw, "to_aiortc", "queued")
    raw_read = raw.get("drained", {}).get("p50_us", float("nan"))
    return ("  where it goes, p50 of each step",
            f"host {host:.0f} + wake-up {wake:.0f} + aiortc {wire:.0f} + guest {guest:.0f} µs",
            f"wake-up {raw_wake:.0f} + aiortc {raw_wire:.0f} + read {raw_read:.0f} µs", "",
            "")


def main() -> None:
    path = Path(sys.argv[1])
    report = json.loads(path.read_text())
    m = report["machine"]
    load = report["load"]
    print(f"Measured {report['date']} ({report['mode']} run, {report['duration_s']:.0f} s) on "
          f"{m['cpu_count']} × {m['cpu_model']}, Python {m['python']}, aiortc {m['aiortc']}; "
          f"load average {load['before'][0] if load['before'] else '?'} before, "
          f"{load['after'][0] if load['after'] else '?'} after (`{path.as_posix()}`).\n")
    print(table(report))


if __name__ == "__main__":
    main()
