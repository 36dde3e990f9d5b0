"""Suite-wide rules (see ``tests/_strict_skips.py``) and teardown on SIGTERM
(``tests/_sigterm.py``).

The suite opts in to the konnekt_arcade plugin's environment defaults (strict sync, LAN off,
headless arcade) with ``konnekt_arcade = true`` in pyproject's pytest options: an ini option
works however the plugin got loaded (``pytest_plugins`` here would clash with an older
editable install whose entry point names the package itself).
"""

from tests._sigterm import pytest_configure
from tests._strict_skips import pytest_runtest_makereport

__all__ = ["pytest_configure", "pytest_runtest_makereport"]
