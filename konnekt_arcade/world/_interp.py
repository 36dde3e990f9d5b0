"""Snapshot interpolation for one remote entity: a buffer of timed samples shown a little in
the past, so what a player sees moves smoothly although updates arrive 20 times a second,
late, out of order or not at all (Gaffer on Games, "Snapshot Interpolation"; Source's
``cl_interp``; Unity's NetworkTransform buffer).

Pure and sans-I/O: the caller passes every time in (``push(t, values, now)``,
``sample(now)``), in any one clock (the session's shared ``time()`` is the natural one; ``t``
is the sender's time of the values, ``now`` ours). Generic over named float fields; angle
fields go the short way round.

How far in the past: the render time is ``now - latency - delay``. ``latency`` is the
smallest ``now - t`` of the recent samples (the network's base one-way delay plus any clock
offset: it cancels, so clocks need not agree). ``delay`` is the buffering on top of it:
one tick (the gap between two updates) plus the 95th percentile of the jitter (``now - t -
latency`` of each sample), plus a margin of up to one more tick that grows while updates keep
arriving after the render time passed them (lost packets, bursts) and shrinks while they come
in time — so it never exceeds 2 ticks + p95 jitter. The render clock follows a new target by
time warp (at most ``WARP`` faster or slower), so the picture never stops or jumps because the
estimate moved.

When the render time passes the newest sample (late or lost updates) the last velocity is
extrapolated for at most ``max_extrapolation``, then the entity holds. A change larger than a
field's ``snap`` threshold between two samples is a teleport: shown as a step, never a glide
across the map.
"""

from __future__ import annotations

import bisect
import math
from collections import deque
from collections.abc import Collection, Mapping, Sequence

#: Samples kept for the latency and jitter statistics (10 s at 20 Hz: a 95th percentile of
#: 64 samples swung with every few reordered packets, and the delay with it; a route change
#: is still followed within seconds, as its first samples move the percentile).
STATS_WINDOW = 200
#: The percentile is recomputed every this many samples (a sort of the window: cheap, but
#: not for every entity at every frame).
STATS_EVERY = 4
#: The percentile the delay covers: 1 update in 20 may come too late and be extrapolated.
PERCENTILE = 0.95
#: How much faster or slower than real time the render clock may run while it follows a new
#: delay (10%: unnoticeable in motion, and a 50 ms change settles in half a second).
WARP = 0.1
#: Beyond this far from its target (in ticks) the render clock jumps instead of warping (a
#: stream that resumed after a long silence, a sender whose clock stepped).
JUMP_TICKS = 4.0
#: Samples kept in the buffer at most (a few seconds at any sane tick rate).
MAX_SAMPLES = 64
#: Sample times remembered to recognise one pushed again (after the buffer forgot it): more
#: than any list of received states a caller keeps for an entity.
SEEN = 256
#: The margin (in ticks) a late update adds, and an update in time takes away: it grows while
#: more than 1 update in 9 comes late (1/8 up against 8 x 1/64 down), so a 5% loss alone
#: leaves the delay at its nominal tick + jitter, and a burstier link earns more buffer.
MARGIN_UP = 1 / 8
MARGIN_DOWN = 1 / 64


def _percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class Interpolator:
    """The snapshot buffer of one remote entity.

    ``fields``: the float fields it carries (``("x", "y", "angle")``); ``tick``: the sender's
    update interval (s); ``angles``: fields in degrees that wrap at ``period``; ``snap``:
    per-field jump size that counts as a teleport; ``discrete``: fields shown as they were at
    the render time, never blended (a texture index, a team); ``max_extrapolation``: how far
    past the newest sample to keep moving (default two ticks).
    """

    def __init__(
        self,
        fields: Sequence[str],
        *,
        tick: float = 1 / 20,
        angles: Collection[str] = ("angle",),
        period: float = 360.0,
        discrete: Collection[str] = (),
        snap: Mapping[str, float] | None = None,
        max_extrapolation: float | None = None,
    ) -> None:
        if tick <= 0:
            raise ValueError("tick must be positive")
        self.fields = tuple(fields)
        self.tick = tick
        self._angle = tuple(name in angles for name in self.fields)
        self._discrete = tuple(name in discrete for name in self.fields)
        self._period = period
        self._snap = tuple((snap or {}).get(name, math.inf) for name in self.fields)
        self._snaps = any(limit != math.inf for limit in self._snap)
        self._special = self._snaps or any(self._angle) or any(self._discrete)
        self.max_extrapolation = 2 * tick if max_extrapolation is None else max_extrapolation
        self._times: list[float] = []
        self._values: list[tuple[float, ...]] = []
        self._transit: deque[float] = deque(maxlen=STATS_WINDOW)
        self._margin = 0.0
        self._latency = self._jitter = 0.0
        self._fresh = 0  # samples since the statistics were computed
        self._seen: set[float] = set()  # the times of the last SEEN samples pushed
        self._seen_order: deque[float] = deque()
        self._lag: float | None = None  # now - render time, as applied
        self._lag_at = 0.0
        #: The sender time the last ``sample()`` showed (what a test compares with truth).
        self.shown_at = -math.inf
        #: Samples refused (non-finite, missing a field, too old) or already held, teleports,
        #: and frames shown past the newest sample (extrapolated, or held beyond the cap).
        self.stats = {"dropped": 0, "duplicates": 0, "extrapolated": 0, "held": 0, "snaps": 0}

    # --- statistics -------------------------------------------------------------------------

    @property
    def latency(self) -> float:
        """The smallest ``now - t`` of the recent samples (0 before any)."""
        return self._latency

    @property
    def jitter(self) -> float:
        """95th percentile of how much later than the fastest one a sample arrived (s)."""
        return self._jitter

    @property
    def target_delay(self) -> float:
        """The buffering the statistics call for, beyond ``latency`` (see the module
        docstring): tick + jitter + margin, within ``[tick, 2 ticks + jitter]``."""
        return self.tick + self.jitter + self._margin

    @property
    def delay(self) -> float:
        """The buffering applied now, beyond ``latency`` (s)."""
        return (self._lag - self.latency) if self._lag is not None else self.target_delay

    # --- input ------------------------------------------------------------------------------

    def push(self, t: float, values: Mapping[str, float], now: float) -> bool:
        """A sample: the entity's ``values`` at the sender's time ``t``, received at our
        ``now``. Returns False for one it cannot use: a field missing or not finite, or older
        than what was shown (counted in ``stats["dropped"]``), or a time it already has
        (``stats["duplicates"]``: feeding the same samples again is harmless)."""
        try:
            row = tuple([float(values[name]) for name in self.fields])
        except (KeyError, TypeError, ValueError):
            self.stats["dropped"] += 1
            return False
        if not (math.isfinite(t) and all(map(math.isfinite, row))):
            self.stats["dropped"] += 1
            return False
        if t in self._seen:
            # A network duplicate, or the caller feeding a sample list again: nothing new,
            # and no arrival to measure (it would read as jitter).
            self.stats["duplicates"] += 1
            return False
        self._seen.add(t)
        self._seen_order.append(t)
        if len(self._seen_order) > SEEN:
            self._seen.discard(self._seen_order.popleft())
        times = self._times
        i = bisect.bisect_left(times, t)
        transit = now - t
        low = min(self._latency, transit) if self._transit else transit
        self._transit.append(transit)
        self._fresh += 1
        if self._fresh >= STATS_EVERY or len(self._transit) <= STATS_EVERY:
            self._fresh = 0
            low = self._latency = min(self._transit)
            self._jitter = _percentile(self._transit, PERCENTILE) - low
        elif low < self._latency:
            self._latency = low
        if times and t > times[-1] and self._lag is not None:
            # Had the render time passed the newest sample when this one came? (How old
            # that one had grown, past the base latency, against the delay applied.)
            late = now - low - times[-1] > self._lag - self._latency
            step = MARGIN_UP if late else -MARGIN_DOWN
            self._margin = max(0.0, min(self.tick, self._margin + step * self.tick))
        if i == 0 and times and self._lag is not None and t < now - self._lag - self.tick:
            self.stats["dropped"] += 1  # older than anything that can still be shown
            return False
        if i > 0 and self._snaps and self._jumps(self._values[i - 1], row):
            self.stats["snaps"] += 1
        times.insert(i, t)
        self._values.insert(i, row)
        if len(times) > MAX_SAMPLES:
            del times[0], self._values[0]
        return True

    # --- output -----------------------------------------------------------------------------

    def render_time(self, now: float) -> float:
        """The sender time shown at our ``now``; moves the render clock towards its target."""
        latency, jitter, tick = self._latency, self._jitter, self.tick
        target = latency + tick + jitter + self._margin
        lag = self._lag
        if lag is None or abs(target - lag) > JUMP_TICKS * tick:
            lag = target
        elif now > self._lag_at:
            room = WARP * (now - self._lag_at)
            lag += max(-room, min(room, target - lag))
        # Never more buffer than the cap, even while warping down to a lower target (the
        # latency or jitter estimate fell): skipping those milliseconds is the lesser harm.
        cap = latency + 2 * tick + jitter
        if lag > cap:
            lag = cap
        if now >= self._lag_at:
            self._lag, self._lag_at = lag, now
        return now - lag

    def sample(self, now: float) -> dict[str, float]:
        """The values to show at our ``now`` (empty before the first sample)."""
        times = self._times
        if not times:
            return {}
        rt = self.shown_at = self.render_time(now)
        self._forget_before(rt)
        values = self._values
        if rt <= times[0] or len(times) == 1:
            if rt > times[-1]:
                self.stats["held"] += 1
            return dict(zip(self.fields, values[0 if rt <= times[0] else -1], strict=True))
        i = bisect.bisect_right(times, rt)
        if i < len(times):
            return self._between(times[i - 1], values[i - 1], times[i], values[i], rt)
        # Past the newest: extrapolate the last velocity, for a while; then show the newest
        # (an entity that stopped sends nothing more: holding the overshoot would be wrong).
        if rt - times[-1] > self.max_extrapolation:
            self.stats["held"] += 1
            return dict(zip(self.fields, values[-1], strict=True))
        self.stats["extrapolated"] += 1
        t0, t1 = times[-2], times[-1]
        return self._between(t0, values[-2], t1, values[-1], rt)

    def latest(self) -> dict[str, float]:
        """The newest values received, undelayed (empty before the first)."""
        return dict(zip(self.fields, self._values[-1], strict=True)) if self._values else {}

    # --- helpers ----------------------------------------------------------------------------

    def _between(self, t0: float, a: tuple[float, ...], t1: float, b: tuple[float, ...],
                 at: float) -> dict[str, float]:
        u = (at - t0) / (t1 - t0)
        if not self._special:  # plain floats: the common case, kept lean
            return {name: x + (y - x) * u for name, x, y in zip(self.fields, a, b, strict=True)}
        step = b if u >= 1.0 else a
        if self._snaps and self._jumps(a, b):  # a teleport: the earlier values until the later
            return dict(zip(self.fields, step, strict=True))
        half = self._period / 2
        out: dict[str, float] = {}
        for name, x, y, is_angle, held, z in zip(self.fields, a, b, self._angle,
                                                 self._discrete, step, strict=True):
            if held:
                out[name] = z
            elif is_angle:
                out[name] = x + ((y - x + half) % (2 * half) - half) * u
            else:
                out[name] = x + (y - x) * u
        return out

    def _jumps(self, a: tuple[float, ...], b: tuple[float, ...]) -> bool:
        period = self._period
        for x, y, is_angle, held, limit in zip(a, b, self._angle, self._discrete, self._snap,
                                               strict=True):
            d = y - x
            if is_angle:
                d = (d + period / 2) % period - period / 2
            if abs(d) > limit and not held:
                return True
        return False

    def _forget_before(self, rt: float) -> None:
        """Drop samples no longer needed: all before the last one at or before ``rt``."""
        i = bisect.bisect_right(self._times, rt) - 2
        if i > 0:
            del self._times[:i], self._values[:i]
