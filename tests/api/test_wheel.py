"""The library as a user gets it: build the wheel and sdist, install the wheel (not editable)
into a fresh venv, and run the examples and the demo's headless match against that install.

The fresh venv reuses this environment's already installed dependencies (a ``.pth`` file
naming their site-packages, which Python appends after the venv's own) and installs the wheel
with ``--no-deps --no-index``: nothing here needs a package index. Every child process runs
without ``PYTHONPATH`` and outside the checkout, and checks where ``konnekt_arcade`` came from,
so a pass cannot come from the repository's sources.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
#: Not copied into the build tree: local state, caches and earlier build output.
IGNORED = shutil.ignore_patterns(".git", ".venv", "__pycache__", "build", "dist", "*.egg-info",
                                 ".pytest_cache", ".ruff_cache", ".hypothesis",
                                 "demo_screenshots")

pytestmark = [pytest.mark.network, pytest.mark.slow, pytest.mark.timeout(240)]


@dataclass
class Install:
    wheel: Path
    sdist: Path
    python: Path  # the fresh venv's interpreter, with the wheel installed
    bin: Path
    env: dict[str, str]


def run(args: list[str | Path], *, cwd: Path, env: dict[str, str] | None = None,
        timeout: float = 120) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True,
                            text=True, timeout=timeout, check=False)
    assert result.returncode == 0, (args, result.stdout[-3000:], result.stderr[-3000:])
    return result


def dependency_paths() -> list[str]:
    """This environment's site-packages (where the wheel's dependencies are installed); never
    the checkout, so the fresh venv can only import ``konnekt_arcade`` from the wheel."""
    return [p for p in sys.path
            if Path(p).is_dir() and Path(p).name in ("site-packages", "dist-packages")]


@pytest.fixture(scope="module")
def install(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Install]:
    pytest.importorskip("build", reason="needs build and setuptools>=77: pip install -e '.[test]' "
                                     "(./run-tests does)")
    root = tmp_path_factory.mktemp("wheel")
    src, dist, venv = root / "src", root / "dist", root / "venv"
    # Build from a copy: the build writes build/ and *.egg-info next to pyproject.toml.
    shutil.copytree(REPO, src, ignore=IGNORED)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    run([sys.executable, "-m", "build", "--no-isolation", "--outdir", dist, src],
        cwd=root, env=env)
    (wheel,) = dist.glob("*.whl")
    (sdist,) = dist.glob("*.tar.gz")

    run([sys.executable, "-m", "venv", "--without-pip", venv], cwd=root, env=env)
    python = venv / "bin" / "python"
    purelib = run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                  cwd=root, env=env).stdout.strip()
    run([sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index",
         "--disable-pip-version-check", "--quiet", wheel], cwd=root, env=env)
    # After the install: seeing this environment's konnekt-arcade, pip would skip the wheel as
    # "already satisfied".
    Path(purelib, "zz_reuse_dependencies.pth").write_text("\n".join(dependency_paths()) + "\n")
    env = dict(env, PYTHONUNBUFFERED="1", KONNEKT_ARCADE_LAN="off")
    yield Install(wheel, sdist, python, venv / "bin", env)


def test_wheel_holds_the_library_only(install: Install) -> None:
    with zipfile.ZipFile(install.wheel) as wheel:
        names = wheel.namelist()
        (info,) = {n.split("/")[0] for n in names if ".dist-info/" in n}
        top_level = wheel.read(f"{info}/top_level.txt").decode().split()
        entry_points = wheel.read(f"{info}/entry_points.txt").decode()
        metadata = wheel.read(f"{info}/METADATA").decode()
    dist_info = {n.split("/")[0] for n in names if ".dist-info/" in n}
    assert len(dist_info) == 1, dist_info
    outside = [n for n in names if not n.startswith(("konnekt_arcade/", *dist_info))]
    assert outside == [], outside
    assert "konnekt_arcade/py.typed" in names
    assert "konnekt_arcade/testing/_plugin.py" in names
    assert not [n for n in names if "demo_game" in n or n.startswith("tests/")]
    assert top_level == ["konnekt_arcade"]
    assert "konnekt_arcade = konnekt_arcade.testing._plugin" in entry_points
    assert "konnekt-signal = konnekt_arcade.net.cli:main" in entry_points
    assert "Provides-Extra: testing" in metadata


def test_sdist_builds_the_same_library(install: Install) -> None:
    with tarfile.open(install.sdist) as sdist:
        names = sdist.getnames()
    top = names[0].split("/")[0]
    assert f"{top}/pyproject.toml" in names and f"{top}/konnekt_arcade/py.typed" in names
    assert not [n for n in names if "/demo_game/" in n]


def test_installed_copy_is_the_wheel(install: Install, tmp_path: Path) -> None:
    result = run([install.python, "-c", "import konnekt_arcade, konnekt_arcade.testing as t; "
                  "print(konnekt_arcade.__file__); print(t.MockWindow.__name__)"],
                 cwd=tmp_path, env=install.env)
    where, name = result.stdout.split()
    assert Path(where).is_relative_to(install.python.parent.parent), where
    assert name == "MockWindow"


def test_examples_run_from_the_installed_wheel(install: Install, tmp_path: Path) -> None:
    examples = tmp_path / "examples"
    shutil.copytree(REPO / "examples", examples)
    signal = subprocess.Popen([install.bin / "konnekt-signal", "--port", "0"], cwd=tmp_path,
                              env=install.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True)
    host = None
    try:
        assert signal.stdout is not None
        url = signal.stdout.readline().strip()
        assert url.startswith("ws://127.0.0.1:"), (url, signal.stderr)
        host = subprocess.Popen(
            [install.python, examples / "host.py", url, "--once", "--exit-after", "60"],
            cwd=tmp_path, env=install.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True)
        assert host.stdout is not None
        first = host.stdout.readline()
        match = re.match(r"Session ID: (\S+)", first)
        assert match, first
        guest = run([install.python, examples / "guest.py", match.group(1), url, "--once",
                     "--exit-after", "50"], cwd=tmp_path, env=install.env, timeout=60)
        assert "Lobby synced!" in guest.stdout and "Joined as" in guest.stdout, guest.stdout
        out, err = host.communicate(timeout=30)
        assert host.returncode == 0, err[-3000:]
        assert "Welcome Bob!" in out
    finally:
        for proc in (host, signal):
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.communicate(timeout=10)


def test_demo_plays_headless_against_the_installed_wheel(install: Install,
                                                          tmp_path: Path) -> None:
    # Only the demo on PYTHONPATH: konnekt_arcade must come from the wheel.
    game = tmp_path / "game"
    shutil.copytree(REPO / "demo_game", game / "demo_game", ignore=IGNORED)
    env = dict(install.env, PYTHONPATH=str(game))
    env.pop("ARCADE_HEADLESS", None)
    check = run([install.python, "-c", "import konnekt_arcade, demo_game; "
                 "print(konnekt_arcade.__file__)"], cwd=game, env=env)
    assert Path(check.stdout.strip()).is_relative_to(install.python.parent.parent)
    result = run([install.python, "-m", "demo_game", "--headless", "--bots", "1", "--rounds",
                  "1", "--bind", "127.0.0.1", "--port", "0", "--no-lan", "--screenshots",
                  tmp_path / "shots"], cwd=game, env=env, timeout=150)
    assert "FINAL LEADERBOARD" in result.stdout, result.stdout[-3000:]
    assert (tmp_path / "shots" / "demo-leaderboard.png").exists()
