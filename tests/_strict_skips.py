"""CI must not go green by skipping: where ``CI`` is set and we run as root, a test that
skips (coturn, iptables, network namespaces, redis, a browser or a display missing) FAILS.

Root in CI can install every system package (``scripts/install-system-deps``), so a skip
there means the setup is broken, and a green run would hide exactly the tests that matter
most. Elsewhere (a developer without root) skips stay skips, with their reasons.

A skip that is no missing package (a platform difference, an opt-in long run) says so by a
reason starting with ``optional:``; it stays a skip everywhere.
"""

from __future__ import annotations

import os
from collections.abc import Generator

import pytest

#: Reason prefix of a skip that stays a skip under CI (see the module docstring).
OPTIONAL = "optional:"


def strict() -> bool:
    """True where skips are failures: ``CI`` set (to anything but ``0``/``false``), as root."""
    ci = os.environ.get("CI", "").strip().lower()
    return ci not in ("", "0", "false", "no") and os.geteuid() == 0


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]
                              ) -> Generator[None, pytest.TestReport, None]:
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if not report.skipped or hasattr(report, "wasxfail") or not strict():
        return
    longrepr = report.longrepr
    reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
    if reason.removeprefix("Skipped: ").startswith(OPTIONAL):
        return
    report.outcome = "failed"
    report.longrepr = (f"{item.nodeid} skipped under CI as root: {reason}\n"
                       "CI runs as root and must have every system package; "
                       "fix scripts/install-system-deps instead of skipping.")
