"""Multi-process measurements: join-to-synced time and scaling with 1..15 guests.

The host runs in its own process (``bench._procs:HostRole``), as does every guest in the
scaling runs: a blocking ``build_session_guest`` would otherwise stop the host from polling,
and real players do not share an interpreter. The join bench runs the joining guest in this
process so its clock starts exactly at the ``build_session_guest`` call.
"""

from __future__ import annotations

import time
from typing import Any

from childproc import ChildProcess, stop_all
from konnekt_arcade.net.loop_thread import NetworkThread
from konnekt_arcade.session import P2PLoopBuilder

from ._procs import PATIENCE, start
from ._raw import raw_connect_times
from ._stats import summary

JOIN_DEADLINE = 40.0


def bench_join(url: str, joins: int) -> dict[str, Any]:
    """Start of ``build_session_guest`` to ``get_lobby() is not None``, ``joins`` times
    against one host (plus one warm-up join that is not counted).

    One guest (another process) stays in the lobby throughout, as a lobby usually has
    someone in it: a host left with no peer at all re-registers with the signalling server
    (to be found again after a network loss), and a join during that gap waits for it.
    """
    host = start("host")
    anchor = start("guest", "anchor")
    try:
        session_id = host.request("ready", 30.0, cmd="host", url=url)["session"]
        anchor.wait("started", 60.0)
        anchor.request("welcomed", JOIN_DEADLINE, cmd="join", url=url, session=session_id,
                       name="Anchor")
        times: list[float] = []
        failures: list[str] = []
        for i in range(joins + 1):
            t0 = time.perf_counter()
            try:
                guest, _ = P2PLoopBuilder().build_session_guest(url, session_id, [])
            except Exception as exc:  # a failed join is a result, not a crash of the bench
                failures.append(f"{type(exc).__name__}: {exc}")
                continue
            elapsed = time.perf_counter() - t0
            ok = guest.get_lobby() is not None
            guest.close()
            if not ok:
                failures.append("synced without a lobby")
            elif i > 0:
                times.append(elapsed)
        net = NetworkThread("bench-raw")
        try:
            raw = raw_connect_times(net, max(3, min(joins, 10)))
        finally:
            net.stop()
        return {
            "joins": len(times),
            "failures": failures,
            "ours_ms": summary(times, 1e3, 1),
            "raw_pc_connect_ms": summary(raw, 1e3, 1),
            "lobby": "host + 1 guest (another process) present during every join",
            "note": "raw = one bare pc pair until its channel opens (no signalling, no "
                    "snapshot): the WebRTC floor inside our join",
        }
    finally:
        stop_all([anchor, host], check=False)


def _cpu(host: ChildProcess) -> tuple[float, float]:
    answer = host.request("cpu", 10.0, cmd="cpu")
    return answer["process_time"], answer["monotonic"]


def _converge(procs: list[ChildProcess], timeout: float) -> tuple[bool, float, list[Any]]:
    t0 = time.monotonic()
    states: list[Any] = []
    while time.monotonic() - t0 < timeout:
        marks = [p.command(cmd="state") for p in procs]
        states = [p.wait("state", 20.0, m) for p, m in zip(procs, marks, strict=True)]
        if len({(s["hash"], s["sequence"]) for s in states}) == 1:
            return True, time.monotonic() - t0, states
        time.sleep(0.2)
    return False, time.monotonic() - t0, states


def scale_once(url: str, host: ChildProcess, guests: int, chats: int, chat_interval: float,
               idle_s: float) -> dict[str, Any]:
    """One lobby with ``guests`` guest processes joining one after another."""
    session_id = host.request("ready", 30.0, cmd="host", url=url)["session"]
    procs = [start("guest", f"guest{i}") for i in range(guests)]
    try:
        for p in procs:
            p.wait("started", 90.0)
        cpu0, wall0 = _cpu(host)
        joins: list[float] = []
        for i, p in enumerate(procs):
            mark = p.command(cmd="join", url=url, session=session_id, name=f"Guest {i + 1}")
            joins.append(p.wait("synced", JOIN_DEADLINE, mark)["join_s"])
            p.wait("welcomed", 20.0, mark)
        cpu1, wall1 = _cpu(host)
        time.sleep(idle_s)
        cpu2, wall2 = _cpu(host)
        mark = host.command(cmd="chat", count=chats, interval=chat_interval)
        done = host.wait("chat_done", chats * chat_interval + 60.0, mark)
        converged, converge_s, states = _converge([host, *procs], 30.0 * PATIENCE)
        latencies: list[float] = []
        for p in procs:
            latencies += p.request("report", 20.0, cmd="report")["latencies"]
        return {
            "guests": guests,
            "join_ms": summary(joins, 1e3, 1),
            "latency_ms": summary(latencies, 1e3, 3),
            "latency_samples_expected": chats * guests,
            "host_cpu_join_pct": round(100 * (cpu1 - cpu0) / (wall1 - wall0), 1),
            "host_cpu_idle_pct": round(100 * (cpu2 - cpu1) / (wall2 - wall1), 1),
            "host_cpu_chat_pct": round(100 * done["cpu_s"] / done["wall_s"], 1),
            "converged": converged,
            "converge_s": round(converge_s, 2),
            "participants": states[0]["participants"] if states else 0,
            "sequence": states[0]["sequence"] if states else 0,
        }
    finally:
        stop_all(procs, check=False)


def bench_scaling(url: str, counts: list[int], chats: int, chat_interval: float = 0.05,
                  idle_s: float = 1.0) -> dict[str, Any]:
    """Join time, event latency and host CPU for each lobby size in ``counts``."""
    host = start("host")
    runs: list[dict[str, Any]] = []
    try:
        for n in counts:
            failures: list[str] = []
            for _ in range(2):  # one retry with fresh processes: a busy box can stall a join
                try:
                    run = scale_once(url, host, n, chats, chat_interval, idle_s)
                except Exception as exc:  # record and go on
                    failures.append(f"{type(exc).__name__}: {exc}"[:800])
                    continue
                if failures:
                    run["retried_after"] = failures
                runs.append(run)
                break
            else:
                runs.append({"guests": n, "error": failures[-1], "attempts": failures,
                             "converged": False})
    finally:
        host.stop()
    return {"chats": chats, "chat_interval_s": chat_interval,
            "poll_interval_s": 0.001, "runs": runs}
