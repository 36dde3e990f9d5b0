"""Suite-wide rules (see ``tests/_strict_skips.py``) and teardown on SIGTERM
(``tests/_sigterm.py``)."""

from tests._sigterm import pytest_configure
from tests._strict_skips import pytest_runtest_makereport

__all__ = ["pytest_configure", "pytest_runtest_makereport"]
