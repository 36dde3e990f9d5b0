"""Frames of several reliable messages (``konnekt_arcade.net._batch``): pure packing rules."""

from __future__ import annotations

import pytest

from konnekt_arcade.net._batch import BATCH_MARK, frame_of_one, frames, unpack
from konnekt_arcade.session._fragments import FRAGMENT_PREFIX, PART_SIZE, split


def test_a_lone_message_goes_out_unframed() -> None:
    assert list(frames([b'{"v":1}'])) == [(b'{"v":1}', 1)]


def test_messages_pack_in_order_within_the_limit() -> None:
    messages = [f'{{"n":{i}}}'.encode() * 20 for i in range(50)]
    out = list(frames(messages, limit=600))
    assert sum(count for _, count in out) == len(messages)
    assert all(len(data) <= 600 for data, count in out if count > 1)
    assert any(count > 1 for _, count in out), "nothing was batched"
    unpacked = [m for data, count in out for m in (unpack(data) if count > 1 else [data])]
    assert unpacked == messages


def test_a_message_larger_than_the_limit_travels_alone() -> None:
    big, small = b"{" + b"x" * 5000, b"{}"
    out = list(frames([small, big, small], limit=1200))
    assert [count for _, count in out] == [1, 1, 1]
    assert [data for data, _ in out] == [small, big, small]


@pytest.mark.parametrize("message", [BATCH_MARK, BATCH_MARK + b"payload", b""])
def test_a_lone_message_that_looks_like_a_frame_is_escaped(message: bytes) -> None:
    (data, count), = frames([message])
    assert count == 1
    if message.startswith(BATCH_MARK):
        assert data.startswith(BATCH_MARK) and unpack(data) == [message]
    else:
        assert data == message


@pytest.mark.parametrize("bad", [b"{}", BATCH_MARK, BATCH_MARK + b"\x00\x00",
                                 BATCH_MARK + b"\x00\x00\x00\x09short",
                                 BATCH_MARK + b"\x00\x00\x00\x01a" + b"\x00"])
def test_a_malformed_frame_is_refused_not_raised(bad: bytes) -> None:
    assert unpack(bad) is None


def test_empty_messages_survive_a_frame() -> None:
    (data, count), = frames([b"", b"{}", b""])
    assert count == 3 and unpack(data) == [b"", b"{}", b""]


def test_a_frame_of_one_unpacks_to_the_message() -> None:
    for data in (BATCH_MARK, BATCH_MARK + b"\x00\x00\x00\x01x", b"{}"):
        assert unpack(frame_of_one(data)) == [data]


def test_no_session_payload_is_taken_for_a_frame() -> None:
    """The first bytes the session layer sends (see the table in ``_batch``) are not the
    frame mark, so a full 64 KiB part of a split message goes out as it is: escaped as a
    frame of one it was 65,541 bytes, over the 65,536 aiortc sends to a remote that
    advertises no maximum, and was dropped."""
    parts = split(b"{" + b"x" * 200_000, number=7)
    assert max(map(len, parts)) == PART_SIZE
    for first in (FRAGMENT_PREFIX, b"\x00", b"{"):
        assert not first.startswith(BATCH_MARK)
    for part in parts:
        assert list(frames([part])) == [(part, 1)]
    assert [data for data, _ in frames(parts)] == parts  # several queued at once: the same
