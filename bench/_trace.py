"""Where one event's latency goes: timestamps at every hand-off, ours beside raw.

``python -m bench._trace [samples]`` (or the ``trace`` section of ``python -m bench``) sends
single chat events host -> guest in this process and records, per event, the moment it
passes each stage:

====================  =============================================================
``submit``            ``submit_command`` called on the game thread
``handed_off``        the transport's ``send`` enqueues it for the network thread
                      (so ``submit -> handed_off`` = decide + fold + encode + flush)
``net_send``          the network thread takes it from the outbox (the wake-up)
``to_aiortc``         ``RTCDataChannel.send`` returned (queued in aiortc's SCTP)
``on_wire``           the DTLS record went to the ICE socket (aiortc's send path)
``sctp_in``           the guest's SCTP transport got the packet (UDP + DTLS decrypt)
``queued``            the guest transport put it in its receive queue
``polled``            the guest's ``poll()`` took it from the queue (the game thread's
                      check interval and GIL hand-over sit here)
``applied``           the guest's sync engine decoded and folded it
``drained``           ``domain().drain_events()`` returned it
====================  =============================================================

The raw pair records ``submit``, ``net_send``, ``to_aiortc``, ``on_wire``, ``sctp_in``,
``queued`` and ``drained`` the same way. The hooks wrap methods of these objects only
(instance attributes), so nothing outside this run is touched; they cost well under a
microsecond each, on both sides alike.
"""

from __future__ import annotations

import functools
import itertools
import sys
import time
from collections.abc import Callable
from typing import Any

from ._inproc import SPIN_SLEEP, InProcessLobby, _chat_count, alternate, ours_and_raw
from ._raw import RawFanout
from ._stats import summary

OURS_STAGES = ("submit", "handed_off", "net_send", "to_aiortc", "on_wire", "sctp_in", "queued",
               "polled", "applied", "drained")
RAW_STAGES = ("submit", "net_send", "to_aiortc", "on_wire", "sctp_in", "queued", "drained")
SAMPLE_DEADLINE = 10.0

Marks = dict[str, float]


class _Recorder:
    """The stage timestamps of the one event in flight (first time each stage is seen)."""

    def __init__(self) -> None:
        self.marks: Marks | None = None
        #: Stages whose hook point does not exist (the code moved): reported, not fatal.
        self.missing: list[str] = []

    def start(self) -> Marks:
        self.marks = {"submit": time.perf_counter()}
        return self.marks

    def mark(self, stage: str) -> None:
        marks = self.marks
        if marks is not None and stage not in marks:
            marks[stage] = time.perf_counter()

    def check(self, stage: str, when: Callable[..., bool] | None, *args: Any) -> bool:
        """``when(*args)``, where a hook that no longer fits the code (say a changed
        signature) counts as "no" and is noted once: the instrumented code runs on."""
        if when is None:
            return True
        try:
            return bool(when(*args))
        except Exception as exc:
            note = f"{stage} ({type(exc).__name__}: {exc})"[:200]
            if note not in self.missing:
                self.missing.append(note)
            return False


def _hook(obj: Any, name: str, rec: _Recorder, stage: str) -> Any:
    """The attribute to wrap, or None (and the stage noted as missing) if it is gone."""
    original = getattr(obj, name, None)
    if original is None:
        rec.missing.append(f"{stage} ({type(obj).__name__}.{name})")
    return original


def _wrap(obj: Any, name: str, rec: _Recorder, stage: str, when: Callable[..., bool] | None,
          after: bool) -> None:
    """Wrap ``obj.name`` to mark ``stage`` before the call (``when(*args)``) or after it
    (``when(result, *args)``)."""
    original = _hook(obj, name, rec, stage)
    if original is None:
        return

    @functools.wraps(original)
    def wrapper(*args: Any, **kw: Any) -> Any:
        if not after and rec.check(stage, when, *args):
            rec.mark(stage)
        result = original(*args, **kw)
        if after and rec.check(stage, when, result, *args):
            rec.mark(stage)
        return result

    setattr(obj, name, wrapper)


def _wrap_after(obj: Any, name: str, rec: _Recorder, stage: str,
                when: Callable[..., bool] | None = None) -> None:
    _wrap(obj, name, rec, stage, when, after=True)


def _wrap_before(obj: Any, name: str, rec: _Recorder, stage: str,
                 when: Callable[..., bool] | None = None) -> None:
    _wrap(obj, name, rec, stage, when, after=False)


def _wrap_async_after(obj: Any, name: str, rec: _Recorder, stage: str) -> None:
    original = _hook(obj, name, rec, stage)
    if original is None:
        return

    async def wrapper(*args: Any, **kw: Any) -> Any:
        result = await original(*args, **kw)
        rec.mark(stage)
        return result

    setattr(obj, name, wrapper)


def _is_data(data: Any) -> bool:
    """An SCTP packet that carries a DATA chunk (type 0 right after the 12-byte header)."""
    return isinstance(data, bytes | bytearray) and len(data) > 12 and data[12] == 0


def _instrument_ours(lobby: InProcessLobby, rec: _Recorder) -> None:
    host_t = lobby.host.p2p().transport
    guest_t = lobby.guests[0].p2p().transport
    guest_sync = lobby.guests[0].p2p().sync
    assert host_t is not None and guest_t is not None and guest_sync is not None
    _wrap_before(host_t, "_enqueue_send", rec, "handed_off",
                 lambda peers, channel, data: channel == 0)
    _wrap_before(host_t, "_drain_outbox", rec, "net_send")
    _wrap_after(host_t, "_send_counted", rec, "to_aiortc",
                lambda result, peer, channel, *rest: channel == 0)
    for link in host_t.peer_links():  # bench-only instrumentation
        _wrap_async_after(link.pc.sctp.transport, "_send_data", rec, "on_wire")
    for link in guest_t.peer_links():
        sctp = link.pc.sctp
        original = sctp._handle_data

        async def handle(data: bytes, _orig: Any = original) -> None:
            if _is_data(data):
                rec.mark("sctp_in")
            await _orig(data)

        sctp._handle_data = handle
    # PeerLink holds the bound ``_on_message``, so mark where it ends: the inbox's put.
    _wrap_after(guest_t._inbox, "put", rec, "queued",
                lambda result, event, now: type(event).__name__ == "Message"
                and event.channel == 0)
    _wrap_after(guest_t, "poll", rec, "polled",
                lambda result, *a: any(type(e).__name__ == "Message" and e.channel == 0
                                       for e in result))
    _wrap_after(guest_sync, "receive", rec, "applied",
                lambda result, peer, data, now: data.startswith(b'{"v":') and b"ChatPosted"
                in data)


def _instrument_raw(fan: RawFanout, rec: _Recorder) -> None:
    send = fan.send_channels[0]
    _wrap_before(send, "send", rec, "net_send")
    _wrap_after(send, "send", rec, "to_aiortc")
    sender_pc, receiver_pc = fan.pcs[0], fan.pcs[1]
    _wrap_async_after(sender_pc.sctp.transport, "_send_data", rec, "on_wire")
    original = receiver_pc.sctp._handle_data

    async def handle(data: bytes) -> None:
        if _is_data(data):
            rec.mark("sctp_in")
        await original(data)

    receiver_pc.sctp._handle_data = handle
    # A second listener runs right after the inbox's own (pyee calls them in order).
    receiver_pc.sctp._data_channels[0].on("message", lambda data: rec.mark("queued"))


def _ours_once(lobby: InProcessLobby, rec: _Recorder) -> Marks:
    guest = lobby.guests[0]
    text = lobby.next_text()
    marks = rec.start()
    lobby.chat(text)
    deadline = marks["submit"] + SAMPLE_DEADLINE
    while True:
        guest.poll()
        if _chat_count(guest, {text}):
            rec.mark("drained")
            rec.marks = None
            return marks
        if time.perf_counter() > deadline:
            rec.marks = None
            raise TimeoutError("traced event never reached the guest")
        time.sleep(SPIN_SLEEP)


def _raw_once(fan: RawFanout, payload: bytes, rec: _Recorder) -> Marks:
    inbox = fan.inboxes[0]
    marks = rec.start()
    fan.send(0, payload)
    deadline = marks["submit"] + SAMPLE_DEADLINE
    while not len(inbox):
        if time.perf_counter() > deadline:
            rec.marks = None
            raise TimeoutError("traced raw message never arrived")
        time.sleep(SPIN_SLEEP)
    inbox.drain()
    rec.mark("drained")
    rec.marks = None
    return marks


def _profile(samples: list[Marks], stages: tuple[str, ...]) -> dict[str, Any]:
    """Per stage: µs since the previous stage (p50/p90/p99) and since submit (p50). Stages
    seen in under 90% of the samples (a hook that no longer fits the code) are left out."""
    seen = [s for s in stages if sum(s in m for m in samples) >= 0.9 * max(1, len(samples))]
    complete = [m for m in samples if all(s in m for s in seen)]
    out: dict[str, Any] = {"complete": len(complete), "samples": len(samples), "stages": {},
                           "left_out": [s for s in stages if s not in seen]}
    for prev, stage in itertools.pairwise(seen):
        deltas = [m[stage] - m[prev] for m in complete]
        since = [m[stage] - m["submit"] for m in complete]
        s = summary(deltas, 1e6, 1)
        out["stages"][stage] = {"from": prev, "p50_us": s.get("p50"), "p90_us": s.get("p90"),
                                "p99_us": s.get("p99"),
                                "since_submit_p50_us": summary(since, 1e6, 1).get("p50")}
    total = [m[seen[-1]] - m["submit"] for m in complete]
    out["total_us"] = summary(total, 1e6, 1)
    return out


def bench_trace(url: str, samples: int) -> dict[str, Any]:
    """Trace ``samples`` events each way, alternating ours and raw sample by sample (as
    ``bench_latency``); a sample that never arrives is counted as lost."""
    with ours_and_raw(url, 1) as (lobby, fan, payload):
        rec_ours, rec_raw = _Recorder(), _Recorder()
        _instrument_ours(lobby, rec_ours)
        _instrument_raw(fan, rec_raw)
        ours, raw, lost = alternate(lobby, lambda: _ours_once(lobby, rec_ours),
                                    lambda: _raw_once(fan, payload, rec_raw), samples)
        if not ours or not raw:
            raise RuntimeError(f"no traced event arrived (lost {lost})")
        return {"ours": _profile(ours, OURS_STAGES), "raw": _profile(raw, RAW_STAGES),
                "payload_bytes": len(payload), "lost": lost,
                "missing_hooks": rec_ours.missing + rec_raw.missing}


def format_trace(result: dict[str, Any]) -> str:
    """One line per stage: µs since the previous stage (p50/p99) and since submit (p50)."""
    lines = [f"{'stage':<11} {'ours: step p50':>14} {'p99':>8} {'since submit':>12}   "
             f"{'raw: step p50':>13} {'p99':>8} {'since submit':>12}  (µs)"]
    raw = result["raw"]["stages"]
    for stage, o in result["ours"]["stages"].items():
        r = raw.get(stage)
        rs = (f"{r['p50_us']:>13} {r['p99_us']:>8} {r['since_submit_p50_us']:>12}" if r
              else f"{'':>13} {'':>8} {'':>12}")
        lines.append(f"{stage:<11} {o['p50_us']:>14} {o['p99_us']:>8} "
                     f"{o['since_submit_p50_us']:>12}   {rs}")
    for who in ("ours", "raw"):
        t = result[who]["total_us"]
        lines.append(f"total {who}: p50 {t.get('p50')} p90 {t.get('p90')} p99 {t.get('p99')} µs"
                     f" ({result[who]['complete']}/{result[who]['samples']} complete)")
    return "\n".join(lines)


def main() -> None:
    import logging

    from ._procs import start_signalling

    logging.basicConfig(level=logging.WARNING)
    samples = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    signal, url = start_signalling()
    try:
        print(format_trace(bench_trace(url, samples)))
    finally:
        signal.stop()


if __name__ == "__main__":
    main()
