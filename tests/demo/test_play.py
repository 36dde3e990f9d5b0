"""``Round``: game data between peers — positions, progress, collected coins, bad input."""

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
    for kind in ("echo", "targets", "coins"):
        a, b, _ = pair(kind)
        assert a.seed == b.seed == 4
        if kind == "echo":
            assert a.model.phrase == b.model.phrase
        elif kind == "targets":
            assert a.model.targets == b.model.targets
        else:
            assert a.model.coins == b.model.coins
            assert (a.model.x, a.model.y) != (b.model.x, b.model.y)  # spread start


def test_coin_positions_and_pickups_reach_the_other_peer() -> None:
    a, b, clock = pair("coins")
    coin = a.model.visible(0)[0]
    a.model.x, a.model.y = coin.x, coin.y
    got = a.step_coins(0, 0, 0.016)
    assert [c.id for c in got] == [coin.id]
    out = a.outgoing()
    assert [r for _, r in out] == [True, False]  # pickup reliable, position unreliable
    for data, _ in out:
        b.receive(data)
    assert coin.id in b.model.taken
    assert b.others["a"].x == round(coin.x, 4) and b.others["a"].score == coin.points
    assert a.outgoing() == []  # positions are rate-limited
    clock.now += 0.1
    assert deliver(a, b) == 1


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
    a, b, _ = pair("coins")
    other_run = encode("got", "deadbeef", "a", c=0)
    b.receive(other_run)
    assert b.model.taken == set()
    for junk in (b"", b"\xff\xfe", b"[]", b'{"t":1}', b"{" * 5000,
                 encode("pos", b.run, "a", x="far", y=None),
                 encode("got", b.run, "a", c="zero"), encode("got", b.run, "a", c=True)):
        b.receive(junk)
    assert b.model.taken == set()
    assert 0 <= b.others["a"].x <= 1
    b.receive(encode("pos", b.run, "a", x=5.0, y=-3.0))
    assert (b.others["a"].x, b.others["a"].y) == (1.0, 0.0)  # clamped to the arena
    assert decode(b"not json") is None


def test_spectator_sends_nothing_and_bad_duration_falls_back() -> None:
    run = uuid.uuid4()
    watcher = Round("coins", {"seed": 1, "duration_ms": 10**9}, run, "c", ["a", "b"], False)
    assert watcher.model.duration_ms == 20_000
    assert watcher.step_coins(1, 0, 0.1) == []
    assert watcher.outgoing() == []
    assert set(watcher.others) == {"a", "b"}
