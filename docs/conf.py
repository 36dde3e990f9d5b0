"""Sphinx configuration for konnekt-arcade's documentation site.

Sphinx (not MkDocs) because arcade, the engine our users already read, documents itself with
it: autodoc reads our docstrings as they are, MyST lets the guides stay Markdown that GitHub
renders too, and ``-W`` turns every broken reference into a failed build. Built offline by
``tests/docs/test_docs_build.py`` (no intersphinx: it would fetch inventories).
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.abspath(".."))
os.environ.setdefault("ARCADE_HEADLESS", "1")  # autodoc imports the engine package

project = "konnekt-arcade"
author = "konnekt-arcade contributors"
extensions = ["myst_parser", "sphinx.ext.autodoc", "sphinx.ext.napoleon"]
source_suffix = {".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "screenshots"]
myst_heading_anchors = 3
autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_default_options = {"members": True, "undoc-members": False, "show-inheritance": True,
                           "exclude-members": "type, model_config, model_fields"}
napoleon_google_docstring = True
napoleon_numpy_docstring = False
html_theme = "alabaster"
# An ambiguous annotation name (two public ``Role`` enums: the participant's and the sync
# engine's) is qualified where Python resolves it: see ``_qualify_annotations`` below.
suppress_warnings: list[str] = []  # none: every warning fails the build (-W)
autodoc_inherit_docstrings = False  # arcade's own docstrings link labels of its own site


def _qualify_annotations(app: object, doctree: object) -> None:
    """Resolve an unqualified name in an annotation where Python resolves it: in the module
    that defines the documented class. ``Participant.role: Role`` is documented under
    ``konnekt_arcade`` (which exports no ``Role``); Sphinx then searches every ``*.Role`` and
    finds two (the participant's, ``domain.Role``, and the sync engine's, ``sync.Role``).
    ``Participant``'s own module names exactly one of them."""
    import importlib

    from sphinx import addnodes

    for node in doctree.findall(addnodes.pending_xref):  # type: ignore[attr-defined]
        target, modname, clsname = node["reftarget"], node.get("py:module"), node.get("py:class")
        if node["refdomain"] != "py" or "." in target or not (modname and clsname):
            continue
        try:
            owner: object = importlib.import_module(modname)
            for part in clsname.split("."):
                owner = getattr(owner, part)
            found = getattr(sys.modules[owner.__module__], target)  # type: ignore[attr-defined]
        except (ImportError, AttributeError, KeyError):
            continue
        if isinstance(found, type):
            node["reftarget"] = f"{found.__module__}.{found.__qualname__}"


def setup(app: object) -> None:
    app.connect("doctree-read", _qualify_annotations)  # type: ignore[attr-defined]
