"""Once per process: import what the pages use, then move those long-lived objects out of the garbage collector.

Streamlit runs a full garbage collection after every script run (`runner.postScriptGC`), which walks every
tracked object of the process. For the portal that is mostly what never becomes garbage — modules, classes,
SQLAlchemy's mappers, pandas — and it was three quarters of a rerun's server CPU (bench load, README "Load").
`gc.freeze()` after the imports keeps those objects out of every later collection; what sessions create is
still collected after each run, as Streamlit intends.
"""

from __future__ import annotations

import ast
import gc
import importlib
from pathlib import Path

import streamlit as st
from sqlalchemy.orm import configure_mappers

PAGES = Path(__file__).resolve().parents[1]


def page_imports() -> list[str]:
    """Every module imported by a file under pages/ (read from their source, not executed)."""
    names: set[str] = set()
    for path in sorted(PAGES.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module)
                names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return sorted(names)


@st.cache_resource(show_spinner=False)
def freeze_long_lived_objects() -> int:
    """Import the pages' modules, then freeze the heap; returns how many objects are frozen."""
    for name in page_imports():
        if name == "__future__":
            continue
        try:
            importlib.import_module(name)
        except ImportError:  # `from package import function`: the name is not a module
            continue
    configure_mappers()
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
