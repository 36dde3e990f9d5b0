"""``python -m childproc ROLE [ARG...]``: run one role (see the package docstring)."""

from __future__ import annotations

import importlib
import logging
import os
import sys
from collections.abc import Callable
from typing import Any

from ._serve import serve

#: Short names for the roles in this package.
ROLES = {
    "session": "childproc.session:SessionRole",
    "transport": "childproc.transport:TransportRole",
    "lan": "childproc.lan:LanRole",
}


def resolve(role: str) -> Callable[..., Any]:
    """``session`` / ``transport`` / ``lan``, or any ``package.module:Class``."""
    module, _, attr = ROLES.get(role, role).partition(":")
    if not attr:
        raise SystemExit(f"unknown role {role!r}: use {sorted(ROLES)} or package.module:Class")
    return getattr(importlib.import_module(module), attr)  # type: ignore[no-any-return]


def main(argv: list[str]) -> None:
    # KONNEKT_CHILD_LOG=INFO (or DEBUG) when a test's failure needs the children's story
    level = os.environ.get("KONNEKT_CHILD_LOG", "WARNING").upper()
    logging.basicConfig(level=getattr(logging, level, logging.WARNING), stream=sys.stderr,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    if not argv:
        raise SystemExit(__doc__)
    role, *args = argv
    serve(resolve(role), args)


if __name__ == "__main__":
    main(sys.argv[1:])
