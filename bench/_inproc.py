"""Network measurements with every peer in this process: poll cost, latency, throughput.

Our side: a host ``SessionLoop`` and guest ``SessionLoop`` s over real WebRTC on loopback
(the library's one network thread). The baseline: ``RawFanout`` pairs on their own network
thread, sent to and read from this thread the same way. Samples of the two are taken in
alternating blocks, so a burst of load from other processes hits both alike.
"""

from __future__ import annotations

import collections
import contextlib
import gc
import json
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from konnekt_arcade import DomainCommand, DomainEvent, P2PLoopBuilder, SessionLoop
from konnekt_arcade.net.loop_thread import NetworkThread
from konnekt_arcade.session import ConnectionStage
from konnekt_arcade.sync._wire import EventBroadcast, LobbyEvent, encode

from ._raw import RawFanout
from ._stats import percentile, summary

#: Sleep of a waiting receiver between checks, for ours and raw alike (releases the GIL).
SPIN_SLEEP = 0.0001
FRAME_US = 1e6 / 60
#: Deadlines sized for a slow, loaded box: the bench waits on conditions, these only bound it.
SYNC_DEADLINE = 90.0
SAMPLE_DEADLINE = 20.0
#: How long the guest's receive counter must stand still before a batch counts as arrived.
QUIET = 0.005
#: A throughput round that has not finished after this long is recorded as stalled.
STALL_DEADLINE = 120.0

T = TypeVar("T")


class InProcessLobby:
    """A host and ``guests`` guests in this process, all synced."""

    def __init__(self, url: str, guests: int) -> None:
        builder = P2PLoopBuilder()
        self.host, sid = builder.start_session_host(url, [], "Bench", "Host")
        self.guests: list[SessionLoop] = []
        try:
            self.guests = [builder.start_session_guest(url, sid, []) for _ in range(guests)]
            deadline = time.monotonic() + SYNC_DEADLINE
            while not all(s.stage is ConnectionStage.SYNCED for s in self.sessions):
                if time.monotonic() > deadline:
                    raise TimeoutError(f"lobby not synced: {[str(s.stage) for s in self.sessions]}")
                for s in self.sessions:
                    if s.stage is ConnectionStage.FAILED:
                        raise RuntimeError(f"session failed: {s.error}")
                self.poll_all()
                time.sleep(0.002)
            # Let the full mesh (guest <-> guest links) finish too, so later samples are quiet.
            while any(len(s.connected_peers()) < guests for s in self.sessions):
                if time.monotonic() > deadline:
                    raise TimeoutError("mesh not complete")
                self.poll_all()
                time.sleep(0.002)
        except BaseException:
            self.close()
            raise
        lobby = self.host.get_lobby()
        assert lobby is not None
        self.lobby_id = lobby.id
        self.host_pid = self.host.local_participant_id()
        self._n = 0

    @property
    def sessions(self) -> list[SessionLoop]:
        return [self.host, *self.guests]

    def poll_all(self) -> None:
        for s in self.sessions:
            s.poll()
            s.domain().drain_events()
            s.drain_notices()

    def chat(self, text: str) -> None:
        self.host.submit_command(DomainCommand.SendChat(
            lobby_id=self.lobby_id, participant_id=self.host_pid, text=text))

    def next_text(self) -> str:
        self._n += 1
        return f"bench line {self._n}"

    def sample_payload(self) -> bytes:
        """Bytes of one of our chat events on the wire, so the raw channel carries as much."""
        event = DomainEvent.ChatPosted(participant_id=self.host_pid, text="bench line 1000",
                                       at=time.monotonic())
        le = LobbyEvent(sequence=1000, epoch=0, lobby_id=self.lobby_id,
                        timestamp=time.monotonic(), event=event)
        return encode(EventBroadcast(event=le))

    def close(self) -> None:
        for s in self.sessions:
            s.close()


def _chat_count(session: SessionLoop, texts: set[str] | None = None) -> int:
    n = 0
    for event in session.domain().drain_events():
        if isinstance(event, DomainEvent.ChatPosted) and (texts is None or event.text in texts):
            n += 1
    return n


# --- poll cost --------------------------------------------------------------------------------


def _idle_warm(session: SessionLoop, batches: int, per_batch: int = 100) -> list[float]:
    """Per-call µs of ``per_batch`` back-to-back polls, one value per batch: the CPU cost."""
    out = []
    for _ in range(batches):
        t0 = time.perf_counter_ns()
        for _ in range(per_batch):
            session.poll()
        out.append((time.perf_counter_ns() - t0) / per_batch / 1e3)
        session.domain().drain_events()
        session.drain_notices()
        time.sleep(0.001)
    return out


def _idle_cold(poll: Any, samples: int) -> list[float]:
    """µs of one call right after a 1 ms sleep, as once per frame (caches gone cold)."""
    out = []
    for _ in range(samples):
        time.sleep(0.001)
        t0 = time.perf_counter_ns()
        poll()
        out.append((time.perf_counter_ns() - t0) / 1e3)
    return out


class _SentCapture:
    """Keeps the bytes of the chat events the host sends (its transport's ``send`` wrapped on
    this instance only), so the guest's cost can be set beside json.loads of the same bytes."""

    def __init__(self, session: SessionLoop) -> None:
        transport = session.p2p().transport
        assert transport is not None
        self.sent: list[bytes] = []
        original = transport.send

        def send(peer_id: str, channel: int, data: bytes) -> None:
            if b"ChatPosted" in data:
                self.sent.append(data)
            original(peer_id, channel, data)

        transport.send = send  # type: ignore[method-assign]


def _wait_arrived(stats: dict[str, int], target: int, deadline: float) -> bool:
    """Wait until the guest's transport counted ``target`` messages, then until its count
    stays put for a few ms (heartbeats share the counter, so reaching ``target`` alone does
    not prove every chat line is queued). False at the deadline."""
    while stats["messages_in"] < target:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.001)
    last, quiet_since = stats["messages_in"], time.monotonic()
    while time.monotonic() - quiet_since < QUIET:
        if time.monotonic() > deadline:
            return True
        time.sleep(0.001)
        if stats["messages_in"] != last:
            last, quiet_since = stats["messages_in"], time.monotonic()
    return True


def _pending(lobby: InProcessLobby, reps: int, pending: int, capture: _SentCapture
             ) -> dict[str, Any]:
    """Fill the guest's queue with ``pending`` events, then time the polls that drain them,
    each time beside json.loads of the same ``pending`` messages. A rep whose events do not
    all arrive or apply within the deadlines is counted, not fatal."""
    guest = lobby.guests[0]
    stats = guest.p2p().transport.stats  # type: ignore[union-attr]
    totals: list[float] = []
    floors: list[float] = []
    first_calls: list[float] = []
    most_calls, incomplete = 0, 0
    for _ in range(reps):
        lobby.poll_all()
        base = stats["messages_in"]
        capture.sent.clear()
        texts = set()
        for _ in range(pending):
            text = lobby.next_text()
            texts.add(text)
            lobby.chat(text)
        sent = list(capture.sent)
        _wait_arrived(stats, base + pending, time.monotonic() + SAMPLE_DEADLINE)
        # Heartbeats share the transport counter, so count the chat events themselves (a
        # heartbeat polled in place of a late chat line must not end the sample early).
        applied, calls = 0, []
        deadline = time.monotonic() + SAMPLE_DEADLINE
        while applied < pending and time.monotonic() < deadline:
            t0 = time.perf_counter_ns()
            handled = guest.poll()
            elapsed = (time.perf_counter_ns() - t0) / 1e3
            applied += _chat_count(guest, texts)
            if handled:
                calls.append(elapsed)
            elif applied < pending:  # a line still in flight: wait, untimed
                time.sleep(0.001)
        if applied != pending or len(sent) != pending:
            incomplete += 1
            lobby.poll_all()
            continue
        t0 = time.perf_counter_ns()
        for data in sent:
            json.loads(data)
        floors.append((time.perf_counter_ns() - t0) / 1e3)
        totals.append(sum(calls))
        first_calls.append(calls[0])
        most_calls = max(most_calls, len(calls))
    return {"totals": totals, "floors": floors, "first_calls": first_calls,
            "calls": most_calls, "incomplete": incomplete}


def bench_poll(url: str, idle_samples: int, pending_reps: int, pending: int = 100
               ) -> dict[str, Any]:
    """``poll()`` cost idle (host and guest) and with ``pending`` events waiting (guest).

    Idle is measured warm (back-to-back calls: what the code costs) and cold (one call after
    a 1 ms sleep: what a game pays once per frame on a busy machine), beside the cold cost of
    draining an empty locked deque, which is all a bare transport's poll would do.
    """
    lobby = InProcessLobby(url, 1)
    try:
        host, guest = lobby.host, lobby.guests[0]
        batches = max(10, idle_samples // 10)
        warm_host, warm_guest = _idle_warm(host, batches), _idle_warm(guest, batches)
        cold_host = _idle_cold(host.poll, idle_samples)
        cold_guest = _idle_cold(guest.poll, idle_samples)
        floor_lock, floor_deque = threading.Lock(), collections.deque[object]()

        def bare_poll() -> list[object]:
            with floor_lock:
                return [floor_deque.popleft() for _ in range(len(floor_deque))]

        cold_floor = _idle_cold(bare_poll, idle_samples)
        capture = _SentCapture(host)
        drained = _pending(lobby, pending_reps, pending, capture)
        # The same with every object alive now moved out of the collector's reach, as a game
        # can do after loading (gc.freeze()): shows how much of the cost is the cyclic GC.
        gc.collect()
        gc.freeze()
        try:
            frozen = _pending(lobby, pending_reps, pending, capture)
        finally:
            gc.unfreeze()
        totals = drained["totals"]
        if not totals:
            raise RuntimeError(f"none of {pending_reps} batches of {pending} events reached "
                               f"and applied at the guest within {SAMPLE_DEADLINE:g} s")
        p50_total = summary(totals)["p50"]
        p50_floor = summary(drained["floors"])["p50"]
        ratios = [t / f for t, f in zip(totals, drained["floors"], strict=True) if f > 0]
        return {
            "idle_host_us": summary(warm_host, digits=2),
            "idle_guest_us": summary(warm_guest, digits=2),
            "cold_host_us": summary(cold_host, digits=2),
            "cold_guest_us": summary(cold_guest, digits=2),
            "cold_floor_us": summary(cold_floor, digits=2),
            "pending_events": pending,
            "batch_size": guest.p2p().batch_size,
            "pending_total_us": summary(totals, digits=1),
            "pending_json_loads_us": summary(drained["floors"], digits=1),
            "pending_vs_json_loads": round(percentile(ratios, 50), 3),
            "pending_floor_p50_ratio": round(p50_total / p50_floor, 3) if p50_floor else None,
            "pending_first_call_us": summary(drained["first_calls"], digits=1),
            "pending_calls": drained["calls"],
            "pending_incomplete": drained["incomplete"] + frozen["incomplete"],
            "pending_us_per_event": round(p50_total / pending, 2),
            "frozen_total_us": summary(frozen["totals"], digits=1),
            "frame_share_idle": round(max(summary(warm_host)["p50"],
                                          summary(warm_guest)["p50"]) / FRAME_US, 5),
            "frame_share_pending": round(p50_total / FRAME_US, 4),
        }
    finally:
        lobby.close()


# --- latency ----------------------------------------------------------------------------------


def _ours_latency(lobby: InProcessLobby) -> float:
    guest = lobby.guests[0]
    text = lobby.next_text()
    t0 = time.perf_counter()
    lobby.chat(text)
    deadline = t0 + SAMPLE_DEADLINE
    while True:
        guest.poll()
        if _chat_count(guest, {text}):
            return time.perf_counter() - t0
        if time.perf_counter() > deadline:
            raise TimeoutError("event never reached the guest")
        time.sleep(SPIN_SLEEP)


def _raw_latency(fan: RawFanout, payload: bytes) -> float:
    inbox = fan.inboxes[0]
    t0 = time.perf_counter()
    fan.send(0, payload)
    deadline = t0 + SAMPLE_DEADLINE
    while not len(inbox):
        if time.perf_counter() > deadline:
            raise TimeoutError("raw message never arrived")
        time.sleep(SPIN_SLEEP)
    inbox.drain()
    return time.perf_counter() - t0


@contextlib.contextmanager
def ours_and_raw(url: str, guests: int) -> Iterator[tuple[InProcessLobby, RawFanout, bytes]]:
    """Our lobby (a host and ``guests`` guests) and the raw baseline (``guests`` pairs on
    their own network thread), connected, with the payload both send; all closed after."""
    net = NetworkThread("bench-raw")
    fan = RawFanout(net, guests)
    lobby = InProcessLobby(url, guests)
    try:
        fan.connect()
        yield lobby, fan, lobby.sample_payload()
    finally:
        lobby.close()
        fan.close()
        net.stop()


def alternate(lobby: InProcessLobby, ours_once: Callable[[], T], raw_once: Callable[[], T],
              samples: int) -> tuple[list[T], list[T], dict[str, int]]:
    """``samples`` of ours and of raw, one of each in turn 2 ms apart (after 3 of each to warm
    up), so a burst of load from other processes hits both alike. A sample that raises
    ``TimeoutError`` is counted as lost, not fatal; at most ``2 * samples`` turns."""
    ours: list[T] = []
    raw: list[T] = []
    lost = {"ours": 0, "raw": 0}
    for _ in range(3):  # warm-up
        raw_once()
        ours_once()
    attempts = 0
    while len(ours) < samples and attempts < samples * 2:
        attempts += 1
        lobby.poll_all()
        time.sleep(0.002)
        try:
            ours.append(ours_once())
        except TimeoutError:
            lost["ours"] += 1
        time.sleep(0.002)
        try:
            raw.append(raw_once())
        except TimeoutError:
            lost["raw"] += 1
    return ours, raw, lost


def bench_latency(url: str, samples: int) -> dict[str, Any]:
    """Host-to-guest latency of one event, ours vs raw, alternating sample by sample so a
    burst of load from other processes hits both alike. A sample that does not arrive within
    ``SAMPLE_DEADLINE`` is counted as lost (and reported), not fatal."""
    with ours_and_raw(url, 1) as (lobby, fan, payload):
        ours, raw, lost = alternate(lobby, lambda: _ours_latency(lobby),
                                    lambda: _raw_latency(fan, payload), samples)
        if not ours or not raw:
            raise RuntimeError(f"no latency sample arrived within {SAMPLE_DEADLINE:g} s "
                               f"(lost {lost})")
        o, r = summary(ours, 1e3, 4), summary(raw, 1e3, 4)
        return {
            "payload_bytes": len(payload),
            "ours_ms": o,
            "raw_ms": r,
            "ratio_p50": round(o["p50"] / r["p50"], 3),
            "ratio_p99": round(o["p99"] / r["p99"], 3),
            "lost": lost,
            "spin_sleep_s": SPIN_SLEEP,
            "order": "alternating ours/raw, one sample each, 2 ms apart",
        }


# --- throughput -------------------------------------------------------------------------------


def _ours_throughput(lobby: InProcessLobby, events: int, window: int) -> float:
    applied = [0] * len(lobby.guests)
    sent = 0
    deadline = time.monotonic() + STALL_DEADLINE
    t0 = time.perf_counter()
    while min(applied) < events:
        while sent < events and sent - min(applied) < window:
            lobby.chat(lobby.next_text())
            sent += 1
        lobby.host.poll()
        lobby.host.domain().drain_events()
        busy = False
        for i, g in enumerate(lobby.guests):
            if g.poll():
                busy = True
            applied[i] += _chat_count(g)
        if time.monotonic() > deadline:
            raise TimeoutError(f"throughput run stalled at {applied} of {events}")
        if not busy:
            time.sleep(SPIN_SLEEP)
    return events / (time.perf_counter() - t0)


def _settle(lobby: InProcessLobby, seconds: float = 2.0) -> None:
    """After a stalled round: poll everything for a while so the next round starts clean."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        lobby.poll_all()
        time.sleep(0.005)


def _raw_throughput(fan: RawFanout, payload: bytes, events: int, window: int) -> float:
    got = [0] * fan.receivers
    sent = 0
    deadline = time.monotonic() + STALL_DEADLINE
    t0 = time.perf_counter()
    while min(got) < events:
        while sent < events and sent - min(got) < window:
            fan.send_all(payload)
            sent += 1
        busy = False
        for i, inbox in enumerate(fan.inboxes):
            n = len(inbox.drain())
            got[i] += n
            busy = busy or n > 0
        if time.monotonic() > deadline:
            raise TimeoutError(f"raw throughput run stalled at {got} of {events}")
        if not busy:
            time.sleep(SPIN_SLEEP)
    return events / (time.perf_counter() - t0)


def bench_throughput(url: str, events: int, rounds: int, guests: int = 4,
                     window: int = 32) -> dict[str, Any]:
    """Sequenced events/s from the host to ``guests`` guests (each must apply every one),
    with at most ``window`` events in flight; raw: same-size messages, same window."""
    with ours_and_raw(url, guests) as (lobby, fan, payload):
        ours: list[float] = []
        raw: list[float] = []
        stalled: list[str] = []
        for _ in range(rounds):
            lobby.poll_all()
            try:
                ours.append(_ours_throughput(lobby, events, window))
                raw.append(_raw_throughput(fan, payload, events, window))
            except TimeoutError as exc:  # recorded; the other rounds still count
                stalled.append(str(exc))
                _settle(lobby)
                for inbox in fan.inboxes:
                    inbox.drain()
        if not ours or not raw:
            raise RuntimeError(f"every throughput round stalled: {stalled[:2]}")
        o, r = summary(ours, digits=1), summary(raw, digits=1)
        return {
            "guests": guests,
            "events_per_round": events,
            "window": window,
            "payload_bytes": len(payload),
            "ours_events_per_s": o,
            "raw_events_per_s": r,
            "ratio_p50": round(o["p50"] / r["p50"], 3),
            "stalled_rounds": stalled,
        }
