"""The demo end to end: a headless match over real WebRTC with bot processes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.network, pytest.mark.slow, pytest.mark.timeout(240)]


def run_demo(args: list[str], *, deadline: float, env: dict[str, str] | None = None
             ) -> subprocess.CompletedProcess[str]:
    environment = dict(os.environ if env is None else env)
    environment.pop("ARCADE_HEADLESS", None)  # the game must decide this itself
    return subprocess.run([sys.executable, "-m", "demo_game", *args], cwd=ROOT,
                          env=environment, capture_output=True, text=True, timeout=deadline,
                          check=False)


def leaderboard(stdout: str) -> list[str]:
    lines = stdout.splitlines()
    start = lines.index("FINAL LEADERBOARD")
    return [line for line in lines[start + 2:] if line[:3].strip().rstrip(".").isdigit()]


def test_headless_match_with_two_bots(tmp_path: Path) -> None:
    """The default match (three rounds: Echo, then the live games Coins and Bumper ball)."""
    shots = tmp_path / "shots"
    result = run_demo(["--headless", "--bots", "2", "--bind", "127.0.0.1",
                       "--port", "0", "--seed", "5", "--screenshots", str(shots),
                       # shorter live rounds: the same code, 24 s less of the suite's 15 min
                       "--coins-seconds", "8", "--ball-seconds", "8"],
                      deadline=180)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    board = leaderboard(result.stdout)
    assert len(board) == 3, board
    for name in ("Alex", "Robo Rita", "Pixel Pete"):
        assert any(name in line for line in board), (name, board)
    assert all("(3 rounds)" in line for line in board), board  # everyone played all three
    assert "round 1: Echo completed" in output and "round 2: Coins completed" in output
    assert "round 3: Bumper ball completed" in output
    expected = ["start", "connecting", "lobby", "round1-echo", "round1-results",
                "round2-coins", "round2-results", "round3-ball", "round3-results",
                "leaderboard"]
    from PIL import Image

    for name in expected:
        path = shots / f"demo-{name}.png"
        assert path.exists(), f"missing {path.name}; have {sorted(p.name for p in shots.iterdir())}"
        colours = Image.open(path).convert("RGB").getcolors(maxcolors=1 << 20)
        assert colours is not None and len(colours) > 50, f"{name} is nearly blank"


def test_plain_command_without_display_plays_headless(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    result = run_demo(["--bots", "1", "--rounds", "1", "--bind", "127.0.0.1", "--port", "0",
                       "--screenshots", str(tmp_path)], deadline=120, env=env)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    assert "No display found" in output
    assert len(leaderboard(result.stdout)) == 2
    assert (tmp_path / "demo-leaderboard.png").exists()
