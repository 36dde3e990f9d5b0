"""Scenario 5, strict NAT: two peers that cannot reach each other connect through a TURN relay.

Three network namespaces created by the test: A (10.91.1.2) and B (10.91.2.2) each linked by a
veth pair to T (10.91.1.1 / 10.91.2.1), their default route via T, and T not forwarding. So A
and B reach T (coturn, the signalling server) but never each other. A host session runs in A,
a guest session in B (real konnekt_arcade sessions in processes started with
``ip netns exec``); the test checks that each side's selected ICE candidate pair goes through
the relay and that the lobby syncs. Topology and commands: ../shared/NETWORK_FACTS.md.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from childproc import REPO, ChildProcess, converge, stop_all

from .._coturn import Coturn, turnserver

pytestmark = [pytest.mark.network, pytest.mark.slow, pytest.mark.timeout(240)]

#: Unique per test process: other suites create namespaces (``kaloss-*``) at the same time.
PREFIX = f"kanat-{os.getpid()}-"
TURN_PORT = 3478
SIGNAL_PORT = 3536
USER, PASSWORD = "kanat", "relay-secret"
#: Setting up, reaching coturn and the signalling server: generous for a loaded machine.
READY_TIMEOUT = 30

# Run inside a peer's namespace: wait for coturn and the signalling server, then prove the
# other peer is unreachable (a refused connection would mean a route to it exists).
_READY_SCRIPT = """
import socket, sys, time
from tests._coturn import stun_answers
server, turn_port, sig_port, other = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
deadline = time.monotonic() + float(sys.argv[5])
while not stun_answers((server, turn_port)):
    if time.monotonic() > deadline:
        sys.exit(f"coturn at {server}:{turn_port} does not answer")
    time.sleep(0.05)
while True:
    try:
        socket.create_connection((server, sig_port), timeout=0.5).close()
        break
    except OSError:
        if time.monotonic() > deadline:
            sys.exit(f"signalling server at {server}:{sig_port} unreachable")
        time.sleep(0.05)
try:
    socket.create_connection((other, 9), timeout=1.0).close()
except ConnectionRefusedError:
    sys.exit(f"reached the other peer {other} directly")
except OSError:
    pass
else:
    sys.exit(f"reached the other peer {other} directly")
"""


def _skip_reason() -> str | None:
    if os.geteuid() != 0:
        return "needs root to create network namespaces (CI runs it as root)"
    if shutil.which("ip") is None:
        return "iproute2 (ip) is not installed; scripts/install-system-deps adds it"
    if turnserver() is None:
        return "coturn (turnserver) is not installed; scripts/install-system-deps adds it"
    return None


def _run(*args: str) -> None:
    result = subprocess.run(args, capture_output=True, text=True, timeout=30)
    if result.returncode != 0:
        raise AssertionError(f"{' '.join(args)}: {result.stderr.strip()}")


def _in(ns: str) -> list[str]:
    return ["ip", "netns", "exec", ns]


@dataclass
class StrictNat:
    a: str
    b: str
    t: str
    # Each peer reaches T (coturn, signalling) at the address on its own link.
    a_server: str = "10.91.1.1"
    b_server: str = "10.91.2.1"


@pytest.fixture(scope="module")
def strict_nat(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StrictNat]:
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    net = StrictNat(f"{PREFIX}a", f"{PREFIX}b", f"{PREFIX}t")
    workdir = tmp_path_factory.mktemp("strict-nat")
    created: list[str] = []
    coturn: Coturn | None = None
    signalling: subprocess.Popen[bytes] | None = None
    try:
        for ns in (net.t, net.a, net.b):
            _run("ip", "netns", "add", ns)
            created.append(ns)
            _run("ip", "-n", ns, "link", "set", "lo", "up")
        for peer, dev, peer_dev, server_ip, peer_ip in (
                (net.a, "ta", "at", net.a_server, "10.91.1.2"),
                (net.b, "tb", "bt", net.b_server, "10.91.2.2")):
            _run("ip", "-n", net.t, "link", "add", dev, "type", "veth", "peer", "name", peer_dev,
                 "netns", peer)
            _run("ip", "-n", net.t, "addr", "add", f"{server_ip}/24", "dev", dev)
            _run("ip", "-n", net.t, "link", "set", dev, "up")
            _run("ip", "-n", peer, "addr", "add", f"{peer_ip}/24", "dev", peer_dev)
            _run("ip", "-n", peer, "link", "set", peer_dev, "up")
            _run("ip", "-n", peer, "route", "add", "default", "via", server_ip)
        # T routes for nobody: A and B reach T's own addresses only.
        # (/proc/sys/net is per namespace; no dependency on procps' sysctl.)
        _run(*_in(net.t), "sh", "-c", "echo 0 > /proc/sys/net/ipv4/ip_forward")
        coturn = Coturn(workdir, [net.a_server, net.b_server], TURN_PORT,
                        [f"{USER}:{PASSWORD}"], prefix=_in(net.t))
        with open(workdir / "signalling.log", "wb") as log:
            signalling = subprocess.Popen(
                [*_in(net.t), sys.executable, "-m", "konnekt_arcade.net.cli", "--host",
                 "0.0.0.0", "--port", str(SIGNAL_PORT)],  # inside T only
                stdin=subprocess.DEVNULL, stdout=log, stderr=log, cwd=REPO,
                env=dict(os.environ, PYTHONPATH=str(REPO)))
        env = dict(os.environ, PYTHONPATH=str(REPO))
        checks = [subprocess.Popen([*_in(ns), sys.executable, "-c", _READY_SCRIPT, server,
                                    str(TURN_PORT), str(SIGNAL_PORT), other,
                                    str(READY_TIMEOUT)],
                                   cwd=REPO, env=env, stderr=subprocess.PIPE, text=True)
                  for ns, server, other in ((net.a, net.a_server, "10.91.2.2"),
                                            (net.b, net.b_server, "10.91.1.2"))]
        for check in checks:
            _, err = check.communicate(timeout=READY_TIMEOUT + 30)
            assert check.returncode == 0, f"strict-NAT setup: {err.strip()}"
        yield net
    finally:
        if signalling is not None and signalling.poll() is None:
            signalling.terminate()
            try:
                signalling.wait(5)
            except subprocess.TimeoutExpired:
                signalling.kill()
                signalling.wait(5)
        if coturn is not None:
            coturn.stop()
        for ns in created:
            subprocess.run(["ip", "netns", "del", ns], capture_output=True, timeout=30)


@pytest.fixture
def peers(strict_nat: StrictNat) -> Iterator[tuple[ChildProcess, ChildProcess]]:
    started: list[ChildProcess] = []
    try:
        for ns in (strict_nat.a, strict_nat.b):
            started.append(ChildProcess("session", prefix=_in(ns)))
            started[-1].wait_for(lambda e: e["event"] == "started", timeout=60)
        yield started[0], started[1]
    finally:
        stop_all(started)


def _pairs(proc: ChildProcess) -> dict[str, dict[str, object]]:
    mark = proc.mark()
    proc.command(cmd="pairs")
    return proc.wait_for(lambda e: e["event"] == "pairs", after=mark)["pairs"]  # type: ignore[return-value]


def _connect_through_relay(net: StrictNat, host: ChildProcess, guest: ChildProcess,
                           host_ice: list[list[str]], guest_ice: list[list[str]]) -> None:
    # A probe budget above the 0.3 s default: the machine may be loaded, and an unanswered
    # probe would leave the peers with no TURN server at all.
    host.command(cmd="host", url=f"ws://{net.a_server}:{SIGNAL_PORT}", lobby="Relay",
                 name="Hana", ice=host_ice, probe_timeout=2.0)
    session = host.wait_for(lambda e: e["event"] == "ready", timeout=30)["session"]
    guest.command(cmd="guest", url=f"ws://{net.b_server}:{SIGNAL_PORT}", session=session,
                  ice=guest_ice, probe_timeout=2.0)
    guest.wait_for(lambda e: e["event"] == "ready", timeout=60)
    guest.command(cmd="join", name="Bea")
    guest.notice("Welcomed", timeout=30)
    guest.command(cmd="chat", text="via-relay", count=3)

    host_pairs, guest_pairs = _pairs(host), _pairs(guest)
    assert len(host_pairs) == 1 and len(guest_pairs) == 1, (host_pairs, guest_pairs)
    (hp,), (gp,) = host_pairs.values(), guest_pairs.values()
    # The only way between A and B is coturn: each side's pair has a relay candidate, and
    # the two sides see the same pair from opposite ends.
    assert "relay" in (hp["local_type"], hp["remote_type"]), hp
    assert "relay" in (gp["local_type"], gp["remote_type"]), gp
    # Every relay end is on coturn. (The two sides may nominate different pairs — A's host
    # candidate to B's relay on one side, B's host candidate to A's relay on the other — when
    # their checks race on a loaded machine; both still go through the relay.)
    for pair in (hp, gp):
        for end in ("local", "remote"):
            if pair[f"{end}_type"] == "relay":
                assert pair[f"{end}_address"][0] in (net.a_server, net.b_server), pair

    # The guest's chat goes host-ward through the relay and back: wait for it everywhere.
    chat = ["via-relay0", "via-relay1", "via-relay2"]
    deadline = time.monotonic() + 30
    while True:
        states = converge([host, guest], timeout=30)
        if all(s["chat"] == chat for s in states):
            break
        assert time.monotonic() < deadline, states
        time.sleep(0.1)
    assert len(states[0]["participants"]) == 2  # type: ignore[arg-type]


def test_strict_nat_peers_connect_only_through_turn(
        strict_nat: StrictNat, peers: tuple[ChildProcess, ChildProcess]) -> None:
    host, guest = peers
    _connect_through_relay(strict_nat, host, guest,
                           [[f"turn:{strict_nat.a_server}:{TURN_PORT}", USER, PASSWORD]],
                           [[f"turn:{strict_nat.b_server}:{TURN_PORT}", USER, PASSWORD]])


def test_strict_nat_relays_through_second_turn_server_when_first_refuses(
        strict_nat: StrictNat, peers: tuple[ChildProcess, ChildProcess]) -> None:
    """Both peers list a TURN server with a wrong password first. aiortc alone would use only
    that one and never connect; every configured server is used, so the second relays."""
    host, guest = peers
    _connect_through_relay(
        strict_nat, host, guest,
        [[f"turn:{strict_nat.a_server}:{TURN_PORT}", USER, "wrong"],
         [f"turn:{strict_nat.a_server}:{TURN_PORT}", USER, PASSWORD]],
        [[f"turn:{strict_nat.b_server}:{TURN_PORT}", USER, "wrong"],
         [f"turn:{strict_nat.b_server}:{TURN_PORT}", USER, PASSWORD]])
