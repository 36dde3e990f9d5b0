"""Interpolation in the simulator (issue 24's goals), no network, no window.

One remote entity runs a smooth curvy path (speed ~200 px/s, heading wraps round 360°); its
owner sends it at 20 Hz; the network adds a base latency, ±20 ms of jitter, 5% loss and some
reordering; the receiver draws at 60 Hz (frame times jittered) through ``Interpolator``, its
clock offset from the sender's by a constant. Measured per frame against the truth at the
render time the interpolator chose:

- p99 of |shown - true position| — goal: at most one tick of movement (speed x tick);
- the longest a moving entity stood still on screen — goal: at most one tick interval;
- the render delay (beyond the base latency) — goal: at most 2 ticks + p95 of the jitter.
"""

from __future__ import annotations

import heapq
import math
import random
from dataclasses import dataclass
from typing import Any

from konnekt_arcade.world._interp import Interpolator

TICK = 1 / 20
FRAME = 1 / 60


@dataclass(frozen=True)
class Net:
    """The simulated link: ``latency`` + uniform(-jitter, +jitter), ``loss``, and a share
    ``reorder`` of packets held one tick longer (so they arrive after the next)."""

    latency: float = 0.05
    jitter: float = 0.02
    loss: float = 0.05
    reorder: float = 0.02


def path(t: float) -> tuple[float, float, float]:
    """The true ``(x, y, angle)`` at sender time ``t``: a Lissajous figure (turns both ways,
    speed 120-280 px/s), heading in degrees in [0, 360)."""
    x = 400 * math.sin(0.5 * t) + 60 * math.sin(1.7 * t)
    y = 300 * math.sin(0.7 * t + 0.4)
    dx = 200 * math.cos(0.5 * t) + 102 * math.cos(1.7 * t)
    dy = 210 * math.cos(0.7 * t + 0.4)
    return x, y, math.degrees(math.atan2(dy, dx)) % 360


def speed(t: float) -> float:
    dx = 200 * math.cos(0.5 * t) + 102 * math.cos(1.7 * t)
    dy = 210 * math.cos(0.7 * t + 0.4)
    return math.hypot(dx, dy)


def simulate(seconds: float = 60.0, seed: int = 0, net: Net | None = None,
             warmup: float = 2.0, *, raw: bool = False) -> dict[str, Any]:
    """Run one entity for ``seconds``; returns the measurements (see the module docstring).
    ``raw``: show the newest sample as it arrives instead (what a game without a buffer
    does), measured against the truth at ``now - latency``: the comparison's baseline."""
    net = net or Net()
    rng = random.Random(seed)
    offset = rng.uniform(-1000, 1000)  # the receiver's clock minus the sender's
    interp = Interpolator(("x", "y", "angle"), tick=TICK)
    flights: list[tuple[float, int, float]] = []  # (arrival in sender time, n, sent t)
    delays: list[float] = []
    n = 0
    for k in range(int(seconds / TICK)):
        t = k * TICK
        if rng.random() < net.loss:
            continue
        d = net.latency + rng.uniform(-net.jitter, net.jitter)
        if rng.random() < net.reorder:
            d += TICK
        delays.append(d)
        n += 1
        heapq.heappush(flights, (t + d, n, t))
    errors: list[float] = []
    frame_delays: list[float] = []
    still, longest_still, moved_per_tick = 0.0, 0.0, []
    last: tuple[float, float] | None = None
    now_s = 0.0  # sender time of this frame
    while now_s < seconds:
        now_s += FRAME * rng.uniform(0.8, 1.2)
        while flights and flights[0][0] <= now_s:
            _, _, t = heapq.heappop(flights)
            x, y, a = path(t)
            interp.push(t, {"x": x, "y": y, "angle": a}, now_s + offset)
        shown = interp.latest() if raw else interp.sample(now_s + offset)
        if not shown or now_s < warmup:
            continue
        rt = now_s + offset - interp.latency if raw else interp.shown_at
        tx, ty, _ = path(rt)
        errors.append(math.hypot(shown["x"] - tx, shown["y"] - ty))
        moved_per_tick.append(speed(rt) * TICK)
        frame_delays.append(interp.delay)
        pos = (shown["x"], shown["y"])
        if last is not None and pos == last:
            still += FRAME
            longest_still = max(longest_still, still)
        else:
            still = 0.0
        last = pos
    low = min(delays)
    jitter_p95 = _pct([d - low for d in delays], 0.95)
    return {
        "frames": len(errors),
        "error_p99_px": _pct(errors, 0.99),
        "error_max_px": max(errors),
        "tick_movement_px": min(moved_per_tick),  # the goal holds even at the slowest
        "tick_movement_mean_px": sum(moved_per_tick) / len(moved_per_tick),
        "longest_still_s": longest_still,
        "delay_max_s": max(frame_delays),
        "delay_mean_s": sum(frame_delays) / len(frame_delays),
        "jitter_p95_s": jitter_p95,
        "delay_cap_s": 2 * TICK + jitter_p95,
        "tick_s": TICK,
        "extrapolated_frames": interp.stats["extrapolated"],
        "held_frames": interp.stats["held"],
    }


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def goals(result: dict[str, Any]) -> dict[str, bool]:
    """Each of issue 24's three interpolation goals: met or not."""
    return {
        "error_p99_within_one_tick_of_movement":
            result["error_p99_px"] <= result["tick_movement_px"],
        "never_still_longer_than_a_tick": result["longest_still_s"] <= result["tick_s"],
        "delay_within_2_ticks_plus_p95_jitter": result["delay_max_s"] <= result["delay_cap_s"],
    }


def bench_interp(quick: bool = True) -> dict[str, Any]:
    """Several seeds; the worst of each number is what is compared with the goal."""
    seeds, seconds = (range(3), 30.0) if quick else (range(10), 120.0)
    runs = [simulate(seconds, seed) for seed in seeds]
    worst = {
        "error_p99_px": max(r["error_p99_px"] for r in runs),
        "tick_movement_px": min(r["tick_movement_px"] for r in runs),
        "longest_still_s": max(r["longest_still_s"] for r in runs),
        "delay_max_s": max(r["delay_max_s"] for r in runs),
        "delay_cap_s": min(r["delay_cap_s"] for r in runs),
        "tick_s": TICK,
    }
    return {"net": Net().__dict__, "seconds": seconds, "seeds": len(runs), "worst": worst,
            "goals": goals(worst), "cost_us": cost_us(), "runs": runs}


def cost_us(n: int = 20000) -> dict[str, float]:
    """CPU per call for one entity of (x, y, angle): ``push`` (a received state) and
    ``sample`` (a frame), in µs (best of 3)."""
    import time

    best = {"push": math.inf, "sample": math.inf}
    for _ in range(3):
        interp = Interpolator(("x", "y", "angle"), tick=TICK)
        started = time.perf_counter()
        for k in range(n):
            interp.push(k * TICK, {"x": k, "y": k, "angle": k}, k * TICK + 0.03)
        pushed = time.perf_counter()
        now = n * TICK
        for k in range(n):
            interp.sample(now + k * 1e-5)
        done = time.perf_counter()
        best["push"] = min(best["push"], (pushed - started) / n * 1e6)
        best["sample"] = min(best["sample"], (done - pushed) / n * 1e6)
    return best


def report_goals(result: dict[str, Any]) -> list[tuple[str, str, float, bool, str]]:
    """The three goals as ``bench/_report`` rows: (name, target, value, met, detail)."""
    w, g = result["worst"], result["goals"]
    return [
        ("interp p99 error (px)", f"<= one tick of movement ({w['tick_movement_px']:.2f} px)",
         w["error_p99_px"], g["error_p99_within_one_tick_of_movement"],
         "20 Hz, 5% loss, ±20 ms jitter, reordering; worst seed"),
        ("interp longest stand-still (ms)", f"<= one tick ({w['tick_s'] * 1000:.0f} ms)",
         w["longest_still_s"] * 1000, g["never_still_longer_than_a_tick"], "worst seed"),
        ("interp render delay (ms)",
         f"<= 2 ticks + p95 jitter ({w['delay_cap_s'] * 1000:.1f} ms)",
         w["delay_max_s"] * 1000, g["delay_within_2_ticks_plus_p95_jitter"],
         "max over frames, worst seed"),
    ]


def format_interp(result: dict[str, Any]) -> str:
    w, g = result["worst"], result["goals"]

    def ok(key: str) -> str:
        return "met" if g[key] else "MISSED"

    net = result["net"]
    return "\n".join([
        f"\ninterpolation (simulated: 20 Hz, {net['loss']:.0%} loss, ±{net['jitter'] * 1000:.0f}"
        f" ms jitter, {net['reorder']:.0%} reordered; worst of {result['seeds']} x "
        f"{result['seconds']:.0f} s)",
        f"  p99 |shown - true|   {w['error_p99_px']:8.2f} px   goal <= one tick of movement "
        f"{w['tick_movement_px']:.1f} px: {ok('error_p99_within_one_tick_of_movement')}",
        f"  longest stand-still  {w['longest_still_s'] * 1000:8.1f} ms   goal <= one tick "
        f"{w['tick_s'] * 1000:.0f} ms: {ok('never_still_longer_than_a_tick')}",
        f"  render delay (max)   {w['delay_max_s'] * 1000:8.1f} ms   goal <= 2 ticks + p95 "
        f"jitter {w['delay_cap_s'] * 1000:.1f} ms: {ok('delay_within_2_ticks_plus_p95_jitter')}",
        f"  cost per entity      push {result['cost_us']['push']:.1f} µs, sample (a frame) "
        f"{result['cost_us']['sample']:.1f} µs",
    ])
