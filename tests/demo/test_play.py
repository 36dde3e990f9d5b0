"""``Round`` (Echo, Targets): progress between peers as game data, bad input. (The live games
have no messages of their own: tests/demo/test_arena.py.)"""

from __future__ import annotations

import uuid

from demo_game.play import Round, decode, encode


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def pair(kind: str, config: dict | None = None) -> tuple[Round, Round, Clock]:
    run = uuid.uuid4()
    clock = Clock()
    players = ["a", "b"]
    a = Round(kind, config or {"seed": 4}, run, "a", players, True, clock)
    b = Round(kind, config or {"seed": 4}, run, "b", players, True, clock)
    return a, b, clock


def deliver(src: Round, dst: Round) -> int:
    out = src.outgoing()
    for data, _reliable in out:
        dst.receive(data)
    return len(out)


def test_same_round_on_both_peers() -> None:
    for kind in ("echo", "targets"):
        a, b, _ = pair(kind)
        assert a.seed == b.seed == 4
        if kind == "echo":
            assert a.model.phrase == b.model.phrase
        else:
            assert a.model.targets == b.model.targets


def test_progress_updates_for_echo() -> None:
    a, b, clock = pair("echo")
    a.model.type(a.model.phrase[:4])
    deliver(a, b)
    assert b.others["a"].progress > 0 and not b.others["a"].done
    a.model.type(a.model.phrase[4:])
    a.model.submit(3000)
    clock.now += 1
    deliver(a, b)
    assert b.others["a"].done and b.others["a"].score == a.model.score()


def test_foreign_and_bad_data_is_ignored() -> None:
    a, b, _ = pair("targets")
    b.receive(encode("prog", "deadbeef", "a", v=0.5, s=10, d=True))  # another round's
    assert b.others["a"].progress == 0 and not b.others["a"].done
    for junk in (b"", b"\xff\xfe", b"[]", b'{"t":1}', b"{" * 5000,
                 encode("prog", b.run, "a", v="far", s=None, d="yes")):
        b.receive(junk)
    assert b.others["a"].progress == 0 and b.others["a"].score == 0
    assert not b.others["a"].done
    b.receive(encode("prog", b.run, "a", v=5.0, s=-3))
    assert (b.others["a"].progress, b.others["a"].score) == (1.0, 0)  # clamped
    assert decode(b"not json") is None


def test_spectator_sends_nothing() -> None:
    watcher = Round("echo", {"seed": 1}, uuid.uuid4(), "c", ["a", "b"], False)
    watcher.model.type("abc")
    assert watcher.outgoing() == []
    assert set(watcher.others) == {"a", "b"}
