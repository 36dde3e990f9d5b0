"""The mini-games' seeded rounds and scoring: same seed, same round, on every peer."""

from __future__ import annotations

import random
import uuid

import pytest

from demo_game.brains import BallBrain, CoinsBrain, EchoBrain, Skill, TargetsBrain
from demo_game.rules import (
    BALL_RADIUS,
    BLUE,
    COINS_DURATION_MS,
    ECHO_LIMIT_MS,
    PHRASES,
    PITCH_WIDTH,
    PLAYER_RADIUS,
    RED,
    TARGET_COUNT,
    BallState,
    EchoModel,
    TargetsModel,
    ball_start,
    ball_step,
    coin_schedule,
    coin_touched,
    echo_phrase,
    echo_score,
    edit_distance,
    goal_x,
    move,
    seed_for,
    target_layout,
    targets_score,
    team_of,
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


def test_moving_stays_in_the_arena_and_touching_picks_up_a_coin() -> None:
    x, y = move(0.5, 0.5, 3, 4, 0.05)  # any input length: never faster than the speed
    assert abs((x - 0.5) ** 2 + (y - 0.5) ** 2 - 0.02 ** 2) < 1e-9
    assert move(0.99, 0.5, 1, 0, 0.1) == (1 - PLAYER_RADIUS, 0.5)
    assert move(1.58, 0.5, 1, 0, 0.1, width=PITCH_WIDTH)[0] == PITCH_WIDTH - PLAYER_RADIUS
    coin = coin_schedule(5)[0]
    assert coin_touched(coin.x + 0.05, coin.y, coin.x, coin.y)
    assert not coin_touched(coin.x + 0.1, coin.y, coin.x, coin.y)


def test_the_ball_is_bumped_bounces_and_goals_count_for_the_attacking_team() -> None:
    ball = BallState(0.8, 0.5)
    bumper, goal = ball_step(ball, {"p": (0.8 - PLAYER_RADIUS, 0.5)}, 0.016)
    assert bumper == "p" and goal is None and ball.vx > 0.5  # pushed away from the player
    ball = BallState(0.8, 1 - BALL_RADIUS - 0.001, 0.0, 1.0)
    ball_step(ball, {}, 0.016)
    assert ball.vy < 0  # off the side wall
    ball = BallState(PITCH_WIDTH - 0.01, 0.9, 1.0, 0.0)  # beside the goal: the end wall
    assert ball_step(ball, {}, 0.05) == (None, None) and ball.vx < 0
    ball = BallState(PITCH_WIDTH - 0.01, 0.5, 1.0, 0.0)  # in the mouth: red scores
    assert ball_step(ball, {}, 0.05) == (None, RED)
    assert (ball.x, ball.y, ball.vx, ball.vy) == (PITCH_WIDTH / 2, 0.5, 0.0, 0.0)
    assert ball_step(BallState(0.01, 0.5, -1.0, 0.0), {}, 0.05)[1] == BLUE
    assert team_of(0) == RED and team_of(1) == BLUE and goal_x(RED) == PITCH_WIDTH


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
        return _coins(seed, CoinsBrain(rng, Skill(skill)))
    return model.result()


def _coins(seed: int, brain: CoinsBrain) -> tuple:
    """One player alone in the arena, picking up what the host would hand out."""
    schedule, taken, points = coin_schedule(seed), set(), 0
    x, y = 0.5, 0.5
    for t in range(0, COINS_DURATION_MS, 16):
        coins = [(c.id, c.x, c.y, c.points) for c in schedule
                 if c.appears_ms <= t < c.expires_ms and c.id not in taken]
        x, y = move(x, y, *brain.direction((x, y), coins, t), 0.016)
        for cid, cx, cy, value in coins:
            if coin_touched(x, y, cx, cy):
                taken.add(cid)
                points += value
    return points, {"coins": len(taken)}, COINS_DURATION_MS


def _ball(seed: int, players: int = 4) -> list[int]:
    """Goals a match of bots scores in 20 s (the host's physics, no network)."""
    rng = random.Random(seed)
    pos = [ball_start(i, players) for i in range(players)]
    brains = [BallBrain(random.Random(seed * 10 + i), Skill.random(rng)) for i in range(players)]
    ball, goals = BallState(), [0, 0]
    for t in range(0, 20_000, 16):
        for i in range(players):
            goal = (goal_x(team_of(i)), 0.5)
            pos[i] = move(*pos[i], *brains[i].direction(pos[i], (ball.x, ball.y), goal, t),
                          0.016, width=PITCH_WIDTH)
        _, scored = ball_step(ball, {str(i): p for i, p in enumerate(pos)}, 0.016)
        if scored is not None:
            goals[scored] += 1
    return goals


def test_ball_bots_score_goals() -> None:
    assert _ball(3) == _ball(3)  # deterministic
    assert sum(sum(_ball(seed)) for seed in range(5)) >= 5  # they do score, for both sides


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
