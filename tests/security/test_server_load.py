"""An honest client's latency while konnekt-signal is flooded (issue 26, "Tests": the load test).

The server runs in its own process under ``ulimit -n 1024`` (a common default); each flood of
issue 26 runs in another process from another address (``_raw.py``), one at a time. From
127.0.0.1 an honest client joins a room (until ``IdAssigned``) and lists the directory, paced
to stay inside the per-address read rate. The figures (median and max, ms) are printed, kept
as ``record_property`` entries (JUnit XML) and recorded in docs/security.md.

Only hang guards are asserted, derived from the unflooded baseline of the same run (timing on
a shared machine is noise): every honest request succeeds, and its median and max stay within
``GUARD`` times the baseline or a generous floor. That the flood really hit is checked on
``/metrics`` (the counter of the cap that held), which also tests scraping under load.
"""

from __future__ import annotations

import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from websockets.sync.client import connect

from konnekt_arcade import LobbyDirectory

from ..directory._helpers import Owner

pytestmark = [pytest.mark.network, pytest.mark.timeout(600)]

RAW = Path(__file__).with_name("_raw.py")
REPO = Path(__file__).resolve().parents[2]
#: Honest samples of each kind per phase, one every ``PACE`` s: 4 listings a second stay
#: inside the per-address read rate (5/s, burst 20), so a 429 would be the flood's doing.
SAMPLES = 12
PACE = 0.25
#: Hang guards: flooded figures may be this many times the baseline, or up to the floor.
GUARD = 10.0
MEDIAN_FLOOR = 2.0
MAX_FLOOR = 10.0
#: Deadlines of waits (flood visible on /metrics, connections back to normal).
HANG = 60.0

#: Each flood and the /metrics counters that show it hit a cap.
FLOODS: dict[str, tuple[str, ...]] = {
    "sockets": ('konnekt_signal_refusals_total{cause="connections_per_address"}',
                'konnekt_signal_refusals_total{cause="rooms_per_address"}',
                'konnekt_signal_refusals_total{cause="directory_sockets_per_address"}'),
    "half_open": ('konnekt_signal_refusals_total{cause="handshakes_per_address"}',
                  'konnekt_signal_refusals_total{cause="connections_per_address"}'),
    "relay": ('konnekt_signal_frames_dropped_total{cause="relay_limited"}',),
    "owner_ops": ('konnekt_directory_requests_total{result="refused"}',
                  'konnekt_directory_requests_total{result="rate_limited"}'),
    "listing": ('konnekt_directory_requests_total{result="rate_limited"}',),
}


def _limit_fds() -> None:
    resource.setrlimit(resource.RLIMIT_NOFILE, (1024, 1024))


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """``konnekt-signal`` on loopback under ``ulimit -n 1024``; entries outlive the test."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "konnekt_arcade.net.cli", "--host", "127.0.0.1", "--port", "0",
         "--lobby-ttl", "3600", "--owner-idle-timeout", "3600"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=REPO,
        preexec_fn=_limit_fds)
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()  # bounded by the test timeout
        assert url.startswith("ws://"), url
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=HANG)


def metrics(url: str) -> dict[str, float]:
    text = urllib.request.urlopen(url.replace("ws://", "http://") + "/metrics",
                                  timeout=HANG).read().decode()
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    return {name: float(value) for name, _, value in (x.rpartition(" ") for x in lines)}


def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + HANG
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


@dataclass
class Figures:
    join: list[float]
    listing: list[float]

    def row(self) -> tuple[float, float, float, float]:
        return (statistics.median(self.join) * 1000, max(self.join) * 1000,
                statistics.median(self.listing) * 1000, max(self.listing) * 1000)


def honest(url: str, phase: str) -> Figures:
    """``SAMPLES`` joins and listings from 127.0.0.1, alternating, one every ``PACE`` s."""
    directory = LobbyDirectory(url, timeout=HANG)
    figures = Figures([], [])
    for i in range(SAMPLES):
        start = time.monotonic()
        with connect(f"{url}/honest-{phase}-{i}", open_timeout=HANG) as ws:
            assert "IdAssigned" in json.loads(ws.recv(timeout=HANG))
        figures.join.append(time.monotonic() - start)
        time.sleep(PACE / 2)  # pacing for the rate limit, not a wait for a condition
        start = time.monotonic()
        assert len(directory.list(game="load")) == 3
        figures.listing.append(time.monotonic() - start)
        time.sleep(PACE / 2)
    return figures


def flooded(url: str, kind: str) -> Figures:
    """The honest figures while ``kind`` floods; the flood is seen on /metrics first."""
    port = url.rsplit(":", 1)[1]
    watched = FLOODS[kind]
    before = metrics(url)
    quiet = before["konnekt_signal_connections"]
    with tempfile.TemporaryFile(mode="w+") as err:
        proc = subprocess.Popen([sys.executable, str(RAW), kind, port],
                                stdout=subprocess.PIPE, stderr=err, text=True, cwd=REPO)

        def seen() -> bool:
            if proc.poll() is not None:  # a flooder that died cannot show: say why at once
                err.seek(0)
                raise AssertionError(f"the {kind} flooder exited ({proc.returncode}): "
                                     f"{err.read()[-2000:]}")
            return sum(metrics(url).get(k, 0) - before.get(k, 0) for k in watched) > 0

        try:
            assert proc.stdout is not None and proc.stdout.readline().strip() == "flooding"
            wait_for(seen, f"the {kind} flood to show on /metrics")
            figures = honest(url, kind)
            after = metrics(url)
            hits = sum(after.get(k, 0) - before.get(k, 0) for k in watched)
            print(f"{kind}: {hits:.0f} refusals/drops during the phase")
            assert hits > 0
        finally:
            proc.terminate()
            proc.wait(timeout=HANG)
    wait_for(lambda: metrics(url)["konnekt_signal_connections"] <= quiet + 2,
             f"the {kind} flood's connections to close")
    return figures


def test_honest_latency_under_each_flood(server: str,
                                         record_property: Callable[[str, object], None]
                                         ) -> None:
    owner = Owner(server)
    try:
        for i in range(3):
            owner.register(game="load", name=f"Load {i}")
    finally:
        owner.close()
    results = {"none": honest(server, "baseline")}
    for kind in FLOODS:
        results[kind] = flooded(server, kind)
    lines = ["flood      join median/max ms   listing median/max ms"]
    for kind, figures in results.items():
        jm, jx, lm, lx = figures.row()
        lines.append(f"{kind:<10} {jm:8.0f} {jx:8.0f}   {lm:10.0f} {lx:8.0f}")
        record_property(f"load_{kind}_ms", {"join_median": round(jm), "join_max": round(jx),
                                            "listing_median": round(lm),
                                            "listing_max": round(lx)})
    print("\n" + "\n".join(lines))
    base = results["none"]
    for kind, figures in results.items():
        for name, values, base_values in (("join", figures.join, base.join),
                                          ("listing", figures.listing, base.listing)):
            median_guard = max(GUARD * statistics.median(base_values), MEDIAN_FLOOR)
            max_guard = max(GUARD * max(base_values), MAX_FLOOR)
            assert statistics.median(values) <= median_guard, (kind, name, lines)
            assert max(values) <= max_guard, (kind, name, lines)
