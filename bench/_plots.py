"""PNG plots of a report (matplotlib is an optional extra: ``pip install -e '.[bench]'``)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from ._report import POLL_FLOOR, THROUGHPUT

log = logging.getLogger("bench")

OURS, RAW, GOAL = "#1f77b4", "#aaaaaa", "#d62728"


def draw(report: dict[str, Any], out_dir: Path) -> list[Path]:
    """Draw what the report has; returns the files written ([] without matplotlib)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        log.info("matplotlib is not installed: skipping plots (pip install -e '.[bench]')")
        return []
    r = report["results"]
    stem = report["date"] + ("" if report["mode"] == "full" else f"-{report['mode']}")
    written: list[Path] = []

    panels = [k for k in ("latency", "trace", "throughput", "poll", "join")
              if k in r and "error" not in r[k]]
    if panels:
        fig, axes = plt.subplots(1, len(panels), figsize=(4.2 * len(panels), 3.8))
        axes = [axes] if len(panels) == 1 else list(axes)
        for ax, name in zip(axes, panels, strict=True):
            globals()[f"_{name}"](ax, r[name])
        fig.suptitle(f"konnekt-arcade vs raw aiortc, {report['date']} ({report['mode']}, "
                     f"{report['machine']['cpu_count']} CPUs)", fontsize=10)
        fig.tight_layout()
        path = out_dir / f"{stem}-overview.png"
        fig.savefig(path, dpi=110)
        plt.close(fig)
        written.append(path)

    runs = [x for x in (r.get("scaling") or {}).get("runs", []) if "error" not in x]
    if runs:
        n = [x["guests"] for x in runs]
        fig, axes = plt.subplots(1, 3, figsize=(12.6, 3.8))
        axes[0].plot(n, [x["join_ms"]["p50"] for x in runs], "o-", color=OURS, label="p50")
        axes[0].plot(n, [x["join_ms"]["max"] for x in runs], "o--", color=OURS, alpha=0.5,
                     label="max")
        axes[0].axhline(250, color=GOAL, lw=1, ls=":", label="goal p50")
        axes[0].set(title="join-to-synced (guests join one by one)", xlabel="guests", ylabel="ms")
        axes[1].plot(n, [x["latency_ms"]["p50"] for x in runs], "o-", color=OURS, label="p50")
        axes[1].plot(n, [x["latency_ms"]["p99"] for x in runs], "o--", color=OURS, alpha=0.5,
                     label="p99")
        axes[1].set(title="host -> guest event latency", xlabel="guests", ylabel="ms")
        axes[2].plot(n, [x["host_cpu_idle_pct"] for x in runs], "o-", color=RAW, label="idle")
        axes[2].plot(n, [x["host_cpu_chat_pct"] for x in runs], "o-", color=OURS,
                     label="20 events/s")
        axes[2].set(title="host process CPU", xlabel="guests", ylabel="% of one core")
        for ax in axes:
            ax.legend(fontsize=8)
            ax.set_xticks(n)
            ax.grid(alpha=0.3)
        fig.suptitle(f"scaling, one process per guest ({report['date']})", fontsize=10)
        fig.tight_layout()
        path = out_dir / f"{stem}-scaling.png"
        fig.savefig(path, dpi=110)
        plt.close(fig)
        written.append(path)
    return written


def _bars(ax: Any, labels: list[str], ours: list[float], raw: list[float] | None) -> None:
    x = range(len(labels))
    width = 0.38 if raw is not None else 0.6
    ax.bar([i - (width / 2 if raw is not None else 0) for i in x], ours, width, color=OURS,
           label="konnekt-arcade")
    if raw is not None:
        ax.bar([i + width / 2 for i in x], raw, width, color=RAW, label="raw aiortc")
    ax.set_xticks(list(x), labels)
    ax.grid(axis="y", alpha=0.3)


def _latency(ax: Any, d: dict[str, Any]) -> None:
    _bars(ax, ["p50", "p90", "p99"], [d["ours_ms"][k] for k in ("p50", "p90", "p99")],
          [d["raw_ms"][k] for k in ("p50", "p90", "p99")])
    ax.set(title="host -> guest latency", ylabel="ms")
    ax.legend(fontsize=8)


def _trace(ax: Any, d: dict[str, Any]) -> None:
    """One event's path as stacked steps (p50 of each), ours above raw."""
    colours = plt_colours()
    order = list(d["ours"]["stages"])
    for row, who in enumerate(("raw", "ours")):
        left = 0.0
        for stage, step in d[who]["stages"].items():
            width = step["p50_us"] or 0.0
            i = order.index(stage) if stage in order else len(order)
            ax.barh(row, width, left=left, color=colours[i % len(colours)],
                    label=stage if who == "ours" else None, edgecolor="white", lw=0.5)
            left += width
    ax.set_yticks([0, 1], ["raw", "ours"])
    ax.set(title="where one event's time goes (p50 steps)", xlabel="µs")
    ax.legend(fontsize=6, ncol=2, loc="lower right")


def plt_colours() -> list[str]:
    return ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
            "#7f7f7f", "#bcbd22", "#17becf"]


def _throughput(ax: Any, d: dict[str, Any]) -> None:
    _bars(ax, [f"to {d['guests']} guests"], [d["ours_events_per_s"]["p50"]],
          [d["raw_events_per_s"]["p50"]])
    ax.axhline(d["raw_events_per_s"]["p50"] * THROUGHPUT, color=GOAL, lw=1, ls=":",
               label="goal")
    ax.set(title="sequenced events/s", ylabel="events/s")
    ax.legend(fontsize=8)


def _poll(ax: Any, d: dict[str, Any]) -> None:
    labels = ["idle\nhost", "idle\nguest", "100 ev", "100 ev\nfrozen", "100 x\nloads"]
    vals = [d["idle_host_us"]["p50"], d["idle_guest_us"]["p50"], d["pending_total_us"]["p50"],
            d["frozen_total_us"].get("p50", 0), d["pending_json_loads_us"]["p50"]]
    _bars(ax, labels, vals, None)
    ax.set_yscale("log")
    ax.axhline(10, color=GOAL, lw=1, ls=":")
    ax.axhline(d["pending_json_loads_us"]["p50"] * POLL_FLOOR, color=GOAL, lw=1, ls=":")
    ax.set(title="poll() cost (goals dotted)", ylabel="µs (log)")


def _join(ax: Any, d: dict[str, Any]) -> None:
    keys = ("p50", "p90", "max")
    _bars(ax, list(keys), [d["ours_ms"].get(k, 0) for k in keys],
          [d["raw_pc_connect_ms"].get(k, 0) for k in keys])
    ax.axhline(250, color=GOAL, lw=1, ls=":", label="goal p50")
    ax.set(title="join-to-synced (raw: pc pair)", ylabel="ms")
    ax.legend(fontsize=8)
