"""``python -m bench._readme bench/results/<date>.json``: the README's Performance table for a
results file, so the numbers in the README are copied by a program, not by hand."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def _v(goals: dict[str, Any], name: str) -> str:
    g = goals.get(name)
    if not g:
        return ""
    return {"met": "✅ met", "missed": "❌ missed", "n/a": "n/a"}[g["verdict"]]


def table(report: dict[str, Any]) -> str:
    r = report["results"]
    goals = {g["name"]: g for g in report["goals"]}
    rows = [("Metric", "konnekt-arcade", "raw aiortc", "Goal", "Verdict"),
            ("---", "---", "---", "---", "---")]
    if "latency" in r and "error" not in r["latency"]:
        lat = r["latency"]
        rows.append(("Event latency host → guest, p50",
                      f"{lat['ours_ms']['p50']:.2f} ms", f"{lat['raw_ms']['p50']:.2f} ms",
                      f"≤ 1.5× raw (is {lat['ratio_p50']:.2f}×)", _v(goals, "latency p50 vs raw")))
        rows.append(("Event latency host → guest, p99", f"{lat['ours_ms']['p99']:.2f} ms",
                     f"{lat['raw_ms']['p99']:.2f} ms", "", ""))
    if "throughput" in r and "error" not in r["throughput"]:
        t = r["throughput"]
        rows.append((f"Sequenced events to {t['guests']} guests",
                     f"{t['ours_events_per_s']['p50']:,.0f} /s",
                     f"{t['raw_events_per_s']['p50']:,.0f} /s",
                     f"≥ 50% of raw (is {100 * t['ratio_p50']:.0f}%)",
                     _v(goals, "throughput to 4 guests vs raw")))
    if "poll" in r and "error" not in r["poll"]:
        p = r["poll"]
        rows.append(("`poll()` idle, host / guest",
                     f"{p['idle_host_us']['p50']:.1f} / {p['idle_guest_us']['p50']:.1f} µs", "",
                     "≤ 10 µs", _v(goals, "poll() idle (µs)")))
        rows.append(("`poll()` idle, once per frame (cold caches)",
                     f"{p['cold_host_us']['p50']:.1f} / {p['cold_guest_us']['p50']:.1f} µs",
                     f"{p['cold_floor_us']['p50']:.1f} µs (empty deque)", "", ""))
        rows.append(("`poll()` with 100 pending events",
                     f"{p['pending_total_us']['p50']:,.0f} µs "
                     f"({100 * p['frame_share_pending']:.1f}% of a 60 fps frame)", "",
                     "≤ 1 ms", _v(goals, "poll() with 100 events (µs)")))
    if "join" in r and "error" not in r["join"]:
        j = r["join"]
        rows.append((f"Join to synced lobby, p50 / p90 ({j['joins']} joins)",
                     f"{j['ours_ms']['p50']:.0f} / {j['ours_ms']['p90']:.0f} ms",
                     f"{j['raw_pc_connect_ms']['p50']:.0f} ms (pc pair only)", "p50 ≤ 250 ms",
                     _v(goals, "join-to-synced p50 (ms)")))
    for run in (r.get("scaling") or {}).get("runs", []):
        if "error" in run:
            rows.append((f"{run['guests']} guests (own processes)", "error", "", "", ""))
            continue
        last = run["guests"] == 15
        rows.append((f"{run['guests']} guests (own processes): join p50, latency p50, "
                     "host CPU at 20 events/s",
                     f"{run['join_ms']['p50']:.0f} ms, {run['latency_ms']['p50']:.1f} ms, "
                     f"{run['host_cpu_chat_pct']:.0f}%", "",
                     "converge" if last else "",
                     _v(goals, "15 guests converge") if last else
                     ("converged" if run["converged"] else "did not converge")))
    if "core" in r and "error" not in r["core"]:
        c = r["core"]
        tp, s, m = c["throughput"], c["snapshot"], c["memory"]
        rows.append(("Core: events a replica applies / the host sequences",
                     f"{tp['replica_apply_per_s']:,.0f} / {tp['host_commit_per_s']:,.0f} /s",
                     "", "", ""))
        rows.append((f"Core: snapshot of {s['participants']} players after {s['events']:,} "
                     "events", f"{s['bytes'] / 1024:.0f} KiB, encode {s['encode_ms']['p50']:.2f}"
                     f" / decode {s['decode_ms']['p50']:.2f} ms", "", "", ""))
        rows.append((f"Memory after {m['events_small']:,} → {m['events_large']:,} events",
                     f"{m['bytes_small'] / 2**20:.1f} → {m['bytes_large'] / 2**20:.1f} MiB", "",
                     "bounded", _v(goals, "memory bounded (1k vs 10k events)")))
    return "\n".join("| " + " | ".join(row) + " |" for row in rows)


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
