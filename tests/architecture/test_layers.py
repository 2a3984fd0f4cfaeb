"""The import rules of the layout (README, "Layout"), checked on the source: each test fails on a violation.

- portal/core imports nothing from portal (outside core) or db: it is the kernel everything else may use;
- db imports only portal.core from portal; migrations import nothing from portal at all;
- nothing in portal imports streamlit, pages or tools (tools/ may import portal: it is a development tool);
- no module in portal is longer than 600 lines.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MAX_LINES = 600


def _modules(folder: str) -> list[Path]:
    return sorted(p for p in (ROOT / folder).rglob("*.py") if ".venv" not in p.parts)


def imported_names(path: Path) -> list[tuple[int, str]]:
    """Every module name `path` imports (top level and inside functions), with its line."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append((node.lineno, node.module))
            # `from portal import x` imports the module portal.x
            names.extend((node.lineno, f"{node.module}.{alias.name}") for alias in node.names)
    return names


def _starts(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def _violations(folder: str, forbidden) -> list[str]:
    found = []
    for path in _modules(folder):
        for line, name in imported_names(path):
            if forbidden(name):
                found.append(f"{path.relative_to(ROOT)}:{line} imports {name}")
    return found


def test_the_checker_sees_imports_inside_functions(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from portal.unit import roster\n    import streamlit as st\n")
    assert [name for _, name in imported_names(sample)] == ["portal.unit", "portal.unit.roster", "streamlit"]


def test_core_imports_nothing_from_portal_or_db():
    def forbidden(name: str) -> bool:
        return (_starts(name, "portal") and not _starts(name, "portal.core") and name != "portal") or _starts(
            name, "db"
        )

    assert _violations("portal/core", forbidden) == []


def test_db_imports_only_portal_core():
    def forbidden(name: str) -> bool:
        return _starts(name, "portal") and not _starts(name, "portal.core") and name != "portal"

    assert _violations("db", forbidden) == []


def test_migrations_import_nothing_from_portal():
    assert _violations("db/migrations", lambda name: _starts(name, "portal")) == []


@pytest.mark.parametrize("package", ["streamlit", "pages", "tools", "streamlit_app"])
def test_portal_does_not_import(package):
    assert _violations("portal", lambda name: _starts(name, package)) == []


def test_no_portal_module_over_600_lines():
    long = {
        str(path.relative_to(ROOT)): count
        for path in _modules("portal")
        if (count := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}


def domain_graph() -> dict[str, set[str]]:
    """portal's packages (unit, declaration, …) and the packages each imports at module level."""
    graph: dict[str, set[str]] = {}
    for path in _modules("portal"):
        parts = path.relative_to(ROOT / "portal").parts
        if len(parts) < 2:
            continue
        domain = parts[0]
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:  # module level only: a deferred import inside a function breaks no cycle at import
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
            for name in names:
                bits = name.split(".")
                if bits[0] == "portal" and len(bits) > 1 and bits[1] != domain and (ROOT / "portal" / bits[1]).is_dir():
                    graph.setdefault(domain, set()).add(bits[1])
        graph.setdefault(domain, set())
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt) :] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_the_cycle_finder_finds_a_cycle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycles_between_portal_packages():
    assert _cycle(domain_graph()) is None
