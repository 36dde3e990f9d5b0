"""The pytest plugin changes nothing a test run did not ask for.

Installing the library registers the plugin (``pytest11``) in every pytest run of that
environment. Each case here runs pytest in a subprocess, in a directory of its own, with the
variables the plugin knows unset, and reads back what the inner tests saw.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.timeout(120)

VARIABLES = ("KONNEKT_STRICT", "KONNEKT_ARCADE_LAN", "ARCADE_HEADLESS")
OPTED_IN = {"KONNEKT_STRICT": "1", "KONNEKT_ARCADE_LAN": "off", "ARCADE_HEADLESS": "1"}
UNCHANGED = dict.fromkeys(VARIABLES)

RECORDER = '''
import json, os
from pathlib import Path

def record(name, request):
    plugins = request.config.pluginmanager.get_plugins()
    loaded = any(getattr(p, "__name__", "") == "konnekt_arcade.testing._plugin" for p in plugins)
    seen = {{v: os.environ.get(v) for v in {variables!r}}}
    Path(name + ".json").write_text(json.dumps({{"plugin": loaded, "env": seen}}))
'''


def run_pytest(tmp_path: Path, tests: str, *args: str, ini: str = "", conftest: str = "",
               autoload: bool = True) -> dict[str, dict[str, object]]:
    (tmp_path / "pytest.ini").write_text("[pytest]\n" + ini)
    (tmp_path / "recorder.py").write_text(RECORDER.format(variables=VARIABLES))
    (tmp_path / "test_inner.py").write_text("from recorder import record\n" + tests)
    if conftest:
        (tmp_path / "conftest.py").write_text(conftest)
    env = {k: v for k, v in os.environ.items()
           if k not in (*VARIABLES, "DISPLAY", "WAYLAND_DISPLAY", "PYTEST_ADDOPTS",
                        "PYTEST_DISABLE_PLUGIN_AUTOLOAD")}
    if not autoload:
        env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
         *args, "test_inner.py"], cwd=tmp_path, env=env, capture_output=True, text=True,
        timeout=100, check=False)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return {p.stem: json.loads(p.read_text()) for p in tmp_path.glob("*.json")}


PLAIN_TEST = '''
def test_unrelated(request):
    record("plain", request)
'''


def test_an_unrelated_run_sees_no_changed_variable(tmp_path: Path) -> None:
    seen = run_pytest(tmp_path, PLAIN_TEST)
    assert seen["plain"] == {"plugin": True, "env": UNCHANGED}


def test_the_ini_option_opts_in(tmp_path: Path) -> None:
    seen = run_pytest(tmp_path, PLAIN_TEST, ini="konnekt_arcade = true\n")
    assert seen["plain"]["env"] == OPTED_IN


def test_dash_p_opts_in(tmp_path: Path) -> None:
    seen = run_pytest(tmp_path, PLAIN_TEST, "-p", "konnekt_arcade.testing")
    assert seen["plain"] == {"plugin": True, "env": OPTED_IN}


def test_dash_p_brings_the_fixtures_without_entry_points(tmp_path: Path) -> None:
    tests = """
def test_fixture(memory_sessions, request):
    assert memory_sessions.guest.local_participant_id() is not None
    record("fixture", request)
"""
    seen = run_pytest(tmp_path, tests, "-p", "konnekt_arcade.testing", autoload=False)
    assert seen["fixture"] == {"plugin": True, "env": OPTED_IN}


def test_using_a_fixture_applies_the_defaults_from_then_on(tmp_path: Path) -> None:
    tests = PLAIN_TEST + '''
def test_fixture(memory_sessions, request):
    record("fixture", request)
'''
    seen = run_pytest(tmp_path, tests)
    assert seen["plain"]["env"] == UNCHANGED  # runs first: nothing asked for yet
    env = seen["fixture"]["env"]
    assert env["KONNEKT_STRICT"] == "1" and env["KONNEKT_ARCADE_LAN"] == "off"


def test_a_set_variable_is_left_alone(tmp_path: Path) -> None:
    seen = run_pytest(tmp_path, PLAIN_TEST, ini="konnekt_arcade = true\n",
                      conftest='import os\nos.environ["KONNEKT_ARCADE_LAN"] = "on"\n')
    assert seen["plain"]["env"] == dict(OPTED_IN, KONNEKT_ARCADE_LAN="on")


def test_pytest_plugins_in_a_conftest_opts_in(tmp_path: Path) -> None:
    (entry,) = [e for e in importlib.metadata.entry_points(group="pytest11")
                if e.name == "konnekt_arcade"]
    if entry.value != "konnekt_arcade.testing._plugin":
        pytest.skip("optional: the installed metadata predates the plugin module "
                    f"({entry.value}); pip install -e . (./run-tests does)")
    seen = run_pytest(tmp_path, PLAIN_TEST,
                      conftest='pytest_plugins = ["konnekt_arcade.testing"]\n')
    assert seen["plain"] == {"plugin": True, "env": OPTED_IN}


def test_the_helpers_import_without_pytest(tmp_path: Path) -> None:
    code = '''
import sys
sys.modules["pytest"] = None  # as if pytest were not installed
from konnekt_arcade.testing import MockWindow, SessionGroup, memory_builder, wait_until
group = SessionGroup(memory_builder(), "memory://")
try:
    group.guest
except LookupError as exc:
    assert "add_guest()" in str(exc), exc
guest = group.add_guest("Bob")
wait_until(group.converged, 10, *group.all)
group.close()
try:
    from konnekt_arcade.testing import mock_window
except ImportError:
    print("fixtures need pytest")
'''
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                            text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip() == "fixtures need pytest"
