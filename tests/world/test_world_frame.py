"""The session's WORLD frame: the world's bytes reach the world on either channel."""

from __future__ import annotations

from collections import Counter

from konnekt_arcade.session._framing import MAX_GAME_DATA, Frame, Framer, world_frame


def test_world_frames_unwrap_on_both_channels() -> None:
    framer = Framer(1 << 20, Counter())
    for reliable in (True, False):
        assert framer.unwrap("p", world_frame(b"\x01abc"), reliable) == (Frame.WORLD, b"\x01abc")


def test_oversized_world_frame_is_dropped_and_counted() -> None:
    stats: Counter[str] = Counter()
    framer = Framer(1 << 20, stats)
    assert framer.unwrap("p", world_frame(b"x" * (MAX_GAME_DATA + 1)), False) is None
    assert stats["dropped:world_too_large"] == 1
