"""``DropOldestQueue``: a batch ``extend`` keeps the same items, drops and counts as one
``put`` each, and ``drain`` returns the oldest first in whole or in part."""

from __future__ import annotations

import logging

from konnekt_arcade.session._queues import DropOldestQueue

log = logging.getLogger("test")


def test_extend_is_put_in_order() -> None:
    one_by_one: DropOldestQueue[int] = DropOldestQueue(5, "test", log)
    batched: DropOldestQueue[int] = DropOldestQueue(5, "test", log)
    batches = [[0, 1], [2, 3, 4], [5, 6, 7], [], list(range(8, 20))]
    for batch in batches:
        for item in batch:
            one_by_one.put(item)
        batched.extend(batch)
        assert len(batched) == len(one_by_one)
        assert batched.dropped == one_by_one.dropped
    assert batched.drain() == one_by_one.drain() == [15, 16, 17, 18, 19]
    assert batched.dropped == 15


def test_drain_in_part_and_whole() -> None:
    q: DropOldestQueue[int] = DropOldestQueue(10, "test", log)
    q.extend(list(range(6)))
    assert q.drain(0) == [] and q.drain(-1) == []
    assert q.drain(2) == [0, 1]
    assert q.drain(100) == [2, 3, 4, 5]
    assert q.drain() == [] and len(q) == 0
