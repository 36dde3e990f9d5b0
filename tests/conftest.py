"""Suite-wide rules (see ``tests/_strict_skips.py``)."""

from tests._strict_skips import pytest_runtest_makereport

__all__ = ["pytest_runtest_makereport"]
