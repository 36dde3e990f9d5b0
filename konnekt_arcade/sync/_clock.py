"""The lobby's clock: one session time every peer shares, estimated from the heartbeats.

Lobby time is the clock of the peer that created the lobby; every host stamps events, run
starts and deadlines in it, and every peer's ``time.monotonic()`` starts anywhere. A replica
estimates ``offset = lobby time - our clock`` NTP-style against its current host:

- its heartbeats carry ``clock`` (the sender's lobby time when sent, t1 for a replica); the
  host echoes the latest one back in its next heartbeat to that peer (``echo``) with how long
  it held it (``held``) and its own ``clock`` (t3). That bounds the offset to the interval
  ``[t3 - t4, t2 - t1]`` (``t2 = t3 - held``, t4 our receipt): each message took a
  non-negative time, so the truth lies inside, whatever the asymmetry; its width is the
  round trip. A live event or a heartbeat without echo gives the lower end alone.
- the estimate is the middle of the intersection of the samples of a window (newest first,
  stopping at the first that would make it empty: a clock that drifted or a reference that
  changed is outvoted by newer samples). Its error is at most half the narrowest interval,
  the minimum round trip of the window (the min-RTT filter of NTP, by construction).
- the clock the game reads moves towards the estimate by slewing (``MAX_SLEW``: lobby time
  then runs at 0.9x or 1.1x and never backwards); only the first estimate and a large forward
  error step (``STEP_FORWARD``).
- a host is the reference and freezes its offset: a successor goes on in the timeline it
  had as a replica (off by at most half its round trip), it never restarts it. Its replicas
  drop the old host's samples and slew onto the new one.

A leaf like the other parts: reads the :class:`SyncView`, takes ``now``, never a clock.
"""

from __future__ import annotations

import math
from collections import OrderedDict, deque
from collections.abc import Iterable
from dataclasses import dataclass

from ._view import SyncView
from ._wire import Heartbeat, Outgoing, channel_of, encode

#: Samples older than this are dropped (seconds). Long enough for ~20 round trips at the
#: 0.5 s heartbeat (the min-RTT filter needs a few to find an uncongested one), short enough
#: that two monotonic clocks drifting apart (50-100 ppm) move < 1 ms within it.
WINDOW = 10.0
#: At most this many samples (two per heartbeat interval fit ``WINDOW`` at any config).
MAX_SAMPLES = 64
#: How fast the game's lobby time may be pulled towards a new estimate (s per s): a
#: correction of RTT/2 (a few ms to tens of ms) takes well under a second, and time never
#: runs backwards, so a countdown or an interpolation buffer never sees it jump back.
MAX_SLEW = 0.1
#: A forward error larger than this steps at once (time skipping ahead a moment is harmless;
#: running 10% fast for seconds to catch up is a longer visible error).
STEP_FORWARD = 0.25
#: Our own pings (heartbeat ``clock`` values) remembered for their echo: a few heartbeat
#: intervals' worth, so an echo delayed by one lost heartbeat still matches.
MAX_PINGS = 8


@dataclass(frozen=True, slots=True)
class ClockSample:
    """What one heartbeat or event says about ``offset = lobby time - our clock``: it lies in
    ``[low, high]`` (``high`` is ``inf`` for a one-way sample). ``at``: our clock then."""

    at: float
    low: float
    high: float = math.inf

    @property
    def rtt(self) -> float:
        """The interval's width: the round trip it was measured over (inf: one-way)."""
        return self.high - self.low


def estimate(samples: Iterable[ClockSample]) -> tuple[float, float] | None:
    """``(offset, error bound)`` from ``samples`` given newest first, or None for none.

    Intersects the intervals while they agree; the middle of what remains is the estimate,
    half its width the bound. With only one-way samples the highest lower end is taken (off
    by the smallest one-way latency seen; bound ``inf``)."""
    low, high, any_ = -math.inf, math.inf, False
    for s in samples:
        lo, hi = max(low, s.low), min(high, s.high)
        if lo > hi:
            break  # an older sample that disagrees with the newer ones: drifted or stale
        low, high, any_ = lo, hi, True
    if not any_:
        return None
    if high == math.inf:
        return low, math.inf
    return (low + high) / 2, (high - low) / 2


class LobbyClock:
    """The lobby time estimate of one peer (see the module docstring). Own state: the window
    of samples against ``reference`` (the host they came from), the offset applied now and
    the one it slews to, our pings awaiting their echo, and (as host) peers' pings to echo."""

    def __init__(self, view: SyncView) -> None:
        self.v = view
        self._samples: deque[ClockSample] = deque(maxlen=MAX_SAMPLES)
        #: The host the samples are against.
        self.reference: str | None = None
        self._applied = 0.0
        self._target: float | None = None
        self._at: float | None = None
        self._synced = False
        #: Our sent heartbeat clocks -> our clock when sent.
        self._pings: OrderedDict[float, float] = OrderedDict()
        #: As host: each peer's latest ping (its clock, our clock when it came).
        self._to_echo: dict[str, tuple[float, float]] = {}
        self.stats = {"samples": 0, "bad_echo": 0, "steps": 0}

    # --- reading --------------------------------------------------------------------------

    @property
    def synced(self) -> bool:
        """Whether the offset is known: a host is the reference; a replica after its first
        sample from its host."""
        return self._synced or self.v.is_host

    @property
    def offset(self) -> float:
        """Lobby time minus our clock, as applied now (0 before the first sample)."""
        return self._applied

    @property
    def rtt(self) -> float | None:
        """The narrowest round trip in the window (None: no round trip measured yet); the
        estimate's error is at most half of it."""
        best = min((s.rtt for s in self._samples), default=math.inf)
        return best if best != math.inf else None

    def lobby_time(self, now: float) -> float:
        """Lobby time at our clock's ``now``; moves the applied offset by its slew first."""
        self._advance(now)
        return now + self._applied

    # --- heartbeats -------------------------------------------------------------------------

    def stamp(self, now: float) -> float:
        """The ``clock`` for a heartbeat we send at ``now`` (a replica remembers it as a ping
        its host will echo)."""
        value = self.lobby_time(now)
        if not self.v.is_host:
            self._pings[value] = now
            while len(self._pings) > MAX_PINGS:
                self._pings.popitem(last=False)
        return value

    def echo_for(self, peer: str, now: float) -> tuple[float, float] | None:
        """As host: ``(echo, held)`` for our next heartbeat to ``peer`` (each ping once)."""
        ping = self._to_echo.pop(peer, None)
        if ping is None:
            return None
        return ping[0], max(0.0, now - ping[1])

    def heartbeats(self, hb: Heartbeat, peers: Iterable[str], now: float) -> list[Outgoing]:
        """As host: ``hb`` to each of ``peers``, with that peer's echo where it pinged us
        (encoded per peer only then: twice a second, cheap)."""
        out, plain = [], None
        for peer in peers:
            echo = self.echo_for(peer, now)
            if echo is None:
                plain = plain or encode(hb)
                out.append(Outgoing(peer, channel_of(hb), plain))
            else:
                mine = hb.model_copy(update={"echo": echo[0], "held": echo[1]})
                out.append(Outgoing(peer, channel_of(hb), encode(mine)))
        return out

    def heard(self, peer: str, clock: float | None, echo: float | None, held: float | None,
              now: float) -> None:
        """A heartbeat of our lobby from ``peer``: as host, keep its ping to echo; from our
        host, take a sample (a round trip when it echoes one of our pings)."""
        if clock is None or not math.isfinite(clock):
            return
        if self.v.is_host:
            self._to_echo[peer] = (clock, now)
            return
        if peer != self.v.host_peer:
            return
        sent = self._pings.pop(echo, None) if echo is not None else None
        if sent is not None and held is not None and 0.0 <= held <= now - sent:
            # t1 = sent (ours), t2 = clock - held, t3 = clock (the host's), t4 = now.
            self._add(peer, ClockSample(now, clock - now, clock - held - sent), now)
            return
        if echo is not None:
            self.stats["bad_echo"] += 1  # unknown, repeated or impossible: one-way only
        self._add(peer, ClockSample(now, clock - now), now)

    def event_stamp(self, peer: str, stamp: float, now: float) -> None:
        """A live event from our host stamped ``stamp`` in lobby time: a one-way sample."""
        if not self.v.is_host and peer == self.v.host_peer and math.isfinite(stamp):
            self._add(peer, ClockSample(now, stamp - now), now)

    def forget(self, peer: str) -> None:
        """``peer`` left: nothing of its to echo."""
        self._to_echo.pop(peer, None)

    # --- the estimate ------------------------------------------------------------------------

    def _add(self, peer: str, sample: ClockSample, now: float) -> None:
        if peer != self.reference:
            # Another host: its samples describe its own estimate of the same timeline; the
            # old host's would fight them. The applied offset stays and slews from here.
            self._samples.clear()
            self.reference = peer
        samples = self._samples
        samples.append(sample)
        while samples and now - samples[0].at > WINDOW:
            samples.popleft()
        self.stats["samples"] += 1
        found = estimate(reversed(samples))
        if found is None:
            return
        self._advance(now)
        target = found[0]
        self._target = target
        if not self._synced or target - self._applied > STEP_FORWARD:
            if self._synced:
                self.stats["steps"] += 1
            self._applied = target
            self._synced = True

    def _advance(self, now: float) -> None:
        last = self._at
        if last is not None and now <= last:
            return  # an older reading (the caller's clock is monotonic; this is not news)
        self._at = now
        target = self._target
        if self.v.is_host:
            self._target = None  # the reference: frozen where it stands
            self._synced = True  # (and still known should we follow another host later)
            return
        if target is None or last is None:
            return
        room = MAX_SLEW * (now - last)
        self._applied += max(-room, min(room, target - self._applied))
