"""``python -m bench [--quick | --core-only] [--out DIR] [--no-plots] [--only a,b]``."""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from . import _report

log = logging.getLogger("bench")

SECTIONS = ("core", "frame", "poll", "latency", "trace", "join", "throughput", "scaling",
            "loss", "interp", "world")
#: Sections that need no signalling server on loopback ("loss" runs its own in a namespace).
LOCAL_SECTIONS = ("core", "frame", "loss", "interp", "world")

#: Sizes of each mode. Quick stays under a minute on a 2-core machine.
PARAMS: dict[str, dict[str, Any]] = {
    "full": {"poll_idle": 500, "poll_reps": 15, "latency_samples": 1000, "trace_samples": 400,
             "joins": 30,
             "tp_events": 1000, "tp_rounds": 3, "scaling": [1, 2, 4, 8, 15], "chats": 60,
             "idle_s": 2.0, "loss_joins": 20, "loss_chats": 3},
    "quick": {"poll_idle": 200, "poll_reps": 5, "latency_samples": 600, "trace_samples": 100,
              "joins": 6,
              "tp_events": 300, "tp_rounds": 2, "scaling": [1, 2, 4], "chats": 20,
              "idle_s": 0.5, "loss_joins": 4, "loss_chats": 2},
}


def _sections(args: argparse.Namespace) -> list[str]:
    if args.core_only:
        return ["core"]
    if args.only:
        wanted = [s.strip() for s in args.only.split(",") if s.strip()]
        unknown = [s for s in wanted if s not in SECTIONS]
        if unknown:
            raise SystemExit(f"unknown section(s) {unknown}; choose from {SECTIONS}")
        return wanted
    return list(SECTIONS)


def run(args: argparse.Namespace) -> dict[str, Any]:
    mode = "core" if args.core_only else ("quick" if args.quick else "full")
    p = PARAMS["quick" if mode != "full" else "full"]
    sections = _sections(args)
    started = dt.datetime.now().astimezone()
    load_before = _report.load_average()
    t_start = time.monotonic()
    results: dict[str, Any] = {}
    errors: dict[str, str] = {}

    def measure(name: str, fn: Callable[[], Any], attempts: int = 2) -> None:
        """Run one section; a failed attempt (say a lobby that did not sync on a box busy
        with other work) is retried once with fresh peers, and its reason is kept."""
        if name not in sections:
            return
        log.info("running %s ...", name)
        t0 = time.monotonic()
        failures: list[str] = []
        for _ in range(attempts):
            try:
                results[name] = fn()
                break
            except Exception as exc:  # one broken section must not lose the others
                log.exception("section %s failed", name)
                failures.append(f"{type(exc).__name__}: {exc}"[:1000])
        else:
            errors[name] = failures[-1]
            results[name] = {"error": failures[-1], "attempts": failures}
        if failures and name not in errors:
            results[name]["retried_after"] = failures
        log.info("%s done in %.1f s", name, time.monotonic() - t0)

    from . import _core, _frame, _interp, _loss, _world

    measure("core", lambda: _core.run_core(quick=mode != "full", tiny=args.tiny), attempts=1)
    measure("frame", lambda: _frame.run_frame(quick=mode != "full"), attempts=1)
    measure("world", lambda: _world.run_world(quick=mode != "full"), attempts=1)
    measure("loss", lambda: _loss.bench_loss(args.loss_joins or p["loss_joins"],
                                             p["loss_chats"], _rates(args.loss_rates)),
            attempts=1)
    measure("interp", lambda: _interp.bench_interp(quick=mode != "full"), attempts=1)
    network = [s for s in sections if s not in LOCAL_SECTIONS]
    if network:
        from . import _inproc, _mesh, _trace
        from ._procs import start_signalling

        try:
            signal, url = start_signalling()
        except Exception as exc:  # every network section says why it has no numbers
            reason = f"the signalling server did not start: {type(exc).__name__}: {exc}"
            log.exception("%s", reason)
            for name in network:
                errors[name] = reason[:1000]
                results[name] = {"error": errors[name]}
        else:
            try:
                measure("poll", lambda: _inproc.bench_poll(url, p["poll_idle"], p["poll_reps"]))
                measure("latency", lambda: _inproc.bench_latency(url, p["latency_samples"]))
                measure("trace", lambda: _trace.bench_trace(url, p["trace_samples"]))
                measure("join", lambda: _mesh.bench_join(url, p["joins"]))
                measure("throughput", lambda: _inproc.bench_throughput(url, p["tp_events"],
                                                                       p["tp_rounds"]))
                measure("scaling", lambda: _mesh.bench_scaling(url, p["scaling"], p["chats"],
                                                               idle_s=p["idle_s"]))
            finally:
                signal.stop()
    params = {k: v for k, v in p.items()} if network or "loss" in sections \
        else {"tiny": args.tiny}
    params["sections"] = sections
    return _report.build_report(results, mode, started, time.monotonic() - t_start,
                                load_before, errors, params)


def _rates(text: str | None) -> tuple[float, ...]:
    """``--loss-rates 0,10,20`` (percent) -> (0.0, 0.1, 0.2); None: every rate."""
    from ._loss import RATES

    return tuple(float(x) / 100 for x in text.split(",")) if text else RATES


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller run, under 60 s")
    parser.add_argument("--core-only", action="store_true",
                        help="only the sans-I/O core (no network)")
    parser.add_argument("--tiny", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--only", help=f"comma-separated sections of {','.join(SECTIONS)}")
    parser.add_argument("--out", type=Path, default=_report.RESULTS_DIR,
                        help="directory for the JSON and PNG files (default bench/results)")
    parser.add_argument("--no-plots", action="store_true")
    parser.add_argument("--loss-rates", help="loss section: percent loss rates, e.g. 0,10,20")
    parser.add_argument("--loss-joins", type=int, help="loss section: joins per rate")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s",
                        datefmt="%H:%M:%S")
    logging.getLogger("konnekt_arcade").setLevel(logging.WARNING)
    logging.getLogger("aioice").setLevel(logging.WARNING)
    report = run(args)
    problems = _report.validate(report)
    if problems:
        log.error("report does not match its schema: %s", problems)
    path = _report.write_report(report, args.out)
    print(_report.format_table(report))
    if isinstance(report["results"].get("loss"), dict) and "error" not in report["results"]["loss"]:
        from ._loss import format_loss

        print(format_loss(report["results"]["loss"]))
    if isinstance(report["results"].get("interp"), dict) and \
            "error" not in report["results"]["interp"]:
        from ._interp import format_interp

        print(format_interp(report["results"]["interp"]))
    print(f"\nload average before {report['load']['before']} after {report['load']['after']}; "
          f"{report['duration_s']} s; wrote {path}")
    if not args.no_plots:
        from . import _plots

        try:
            for png in _plots.draw(report, args.out):
                print(f"wrote {png}")
        except Exception:  # the numbers are written; a plot is a nicety
            log.exception("could not draw the plots")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
