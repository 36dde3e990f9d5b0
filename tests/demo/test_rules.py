"""The mini-games' seeded rounds and scoring: same seed, same round, on every peer."""

from __future__ import annotations

import random
import uuid

import pytest

from demo_game.brains import CoinsBrain, EchoBrain, Skill, TargetsBrain
from demo_game.rules import (
    COINS_DURATION_MS,
    ECHO_LIMIT_MS,
    PHRASES,
    TARGET_COUNT,
    CoinsModel,
    EchoModel,
    TargetsModel,
    coin_schedule,
    echo_phrase,
    echo_score,
    edit_distance,
    seed_for,
    target_layout,
    targets_score,
)


def test_seed_comes_from_config_else_from_the_run_id() -> None:
    run_id = uuid.UUID("12345678-0000-4000-8000-000000000000")
    assert seed_for({"seed": 42}, run_id) == 42
    assert seed_for({}, run_id) == 0x12345678
    assert seed_for({"seed": "x"}, run_id) == 0x12345678  # bad config: fall back, don't crash
    assert seed_for({"seed": True}, run_id) == 0x12345678
    assert seed_for({"seed": 2**40 + 5}, run_id) == (2**40 + 5) % 2**31


def test_same_seed_same_round_and_seeds_differ() -> None:
    assert echo_phrase(7) == echo_phrase(7)
    assert target_layout(7) == target_layout(7)
    assert coin_schedule(7) == coin_schedule(7)
    assert len({echo_phrase(s) for s in range(50)}) > len(PHRASES) // 2
    assert target_layout(7) != target_layout(8)
    assert coin_schedule(7) != coin_schedule(8)


def test_echo_scoring() -> None:
    assert edit_distance("kitten", "sitting") == 3
    phrase = "ready player two"
    perfect_fast = echo_score(phrase, phrase, 0)
    assert perfect_fast == 200
    assert echo_score(phrase, phrase.upper() + "  ", 0) == 200  # case and spaces don't count
    assert echo_score(phrase, phrase, ECHO_LIMIT_MS) == 100
    slower = echo_score(phrase, phrase, 8000)
    assert 100 < slower < perfect_fast
    one_typo = echo_score(phrase, "ready plyer two", 8000)
    assert one_typo < slower
    assert echo_score(phrase, "", 1000) == 0
    assert echo_score(phrase, "zzzz", 100) < 30  # no speed bonus for rubbish


def test_echo_model_round() -> None:
    model = EchoModel(seed=3)
    model.type(model.phrase[:5] + "X")
    assert model.progress == pytest.approx(5 / len(model.phrase))
    model.backspace()
    model.type(model.phrase[5:])
    model.submit(4000)
    assert model.done and model.typed == model.phrase
    model.type("more")  # ignored after Enter
    score, data, ms = model.result()
    assert (score, ms) == (echo_score(model.phrase, model.phrase, 4000), 4000)
    assert data == {"typed": model.phrase, "phrase": model.phrase}
    late = EchoModel(seed=3)
    late.tick(ECHO_LIMIT_MS + 1)
    assert late.done and late.result()[0] == 0


def test_targets_layout_is_valid() -> None:
    for seed in range(30):
        targets = target_layout(seed)
        assert len(targets) == TARGET_COUNT
        for t in targets:
            assert t.r < t.x < 1 - t.r and t.r < t.y < 1 - t.r


def test_targets_scoring_and_model() -> None:
    assert targets_score(TARGET_COUNT, 0, 0) == 20 * TARGET_COUNT + 100
    assert targets_score(3, 2, 5000) == 50  # unfinished: no time bonus
    assert targets_score(0, 10, 0) == 0  # never negative
    model = TargetsModel(seed=11)
    assert not model.click(0.0, 0.0, 100) and model.misses == 1
    for i, t in enumerate(model.targets):
        assert model.click(t.x, t.y + t.r * 0.9, 1000 * (i + 1))
    assert model.done and model.finished_ms == 1000 * TARGET_COUNT
    assert not model.click(0.5, 0.5, 9000)  # nothing left to hit
    assert model.result() == (targets_score(TARGET_COUNT, 1, 1000 * TARGET_COUNT),
                              {"hits": TARGET_COUNT, "misses": 1}, 1000 * TARGET_COUNT)


def test_coins_model_collects_and_shares() -> None:
    model = CoinsModel(seed=5)
    coin = model.visible(0)[0]
    model.x, model.y = coin.x, coin.y
    got = model.step(0, 0, 0.016, 10)
    assert coin in got and model.score() >= coin.points
    assert coin.id not in {c.id for c in model.visible(20)}
    other = model.visible(20)[0]
    model.take_remote(other.id)  # someone else was quicker
    assert other.id not in {c.id for c in model.visible(30)}
    model.step(1, 0, 1.0, 40)
    assert model.x <= 1  # stays in the arena
    model.tick(COINS_DURATION_MS)
    assert model.done and model.step(1, 1, 0.1, COINS_DURATION_MS + 5) == []


def _play(kind: str, seed: int, skill: float) -> tuple:
    rng = random.Random(99)
    if kind == "echo":
        model, brain = EchoModel(seed), EchoBrain(rng, Skill(skill))
        for t in range(0, ECHO_LIMIT_MS + 16, 16):
            brain.actions(model, t)
            model.tick(t)
            if model.done:
                break
    elif kind == "targets":
        model, brain = TargetsModel(seed), TargetsBrain(rng, Skill(skill))
        for t in range(0, 30_000, 16):
            for x, y in brain.clicks(model, t):
                model.click(x, y, t)
            model.tick(t)
            if model.done:
                break
    else:
        model, brain = CoinsModel(seed), CoinsBrain(rng, Skill(skill))
        for t in range(0, COINS_DURATION_MS + 32, 16):
            dx, dy = brain.direction(model, t)
            model.step(dx, dy, 0.016, t)
    return model.result()


@pytest.mark.parametrize("kind", ["echo", "targets", "coins"])
def test_bots_play_deterministically_and_like_people(kind: str) -> None:
    first = _play(kind, 21, 0.7)
    assert first == _play(kind, 21, 0.7)  # same seed, same brain RNG: same game
    score, data, ms = first
    assert score > 0
    if kind == "echo":
        assert 1500 < ms < ECHO_LIMIT_MS  # not instant, not hopeless
    if kind == "targets":
        assert data["hits"] == TARGET_COUNT and 1500 < ms < 20_000
    if kind == "coins":
        assert data["coins"] >= 3


def test_bots_make_mistakes_sometimes() -> None:
    """Across many rounds a clumsy bot mistypes or misclicks at least once."""
    typos = sum(_play("echo", s, 0.3)[1]["typed"] != echo_phrase(s) or
                _play("targets", s, 0.3)[1]["misses"] > 0 for s in range(10))
    assert typos >= 1
