"""The package's shape: stages import only the stages before them, modules stay small.

Read from the source with :mod:`ast`, imports inside functions included, so that a cycle
hidden in a function body is found as surely as one at the top of a module.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "cakupan"

#: Layers from the ground up: a module may import its own layer and those before it.
LAYERS = [
    {"errors", "columns", "codes", "_text", "_processes", "_gdal", "_public", "crs", "config",
     "labels", "_labels_id", "_labels_en", "formats"},
    {"read"},
    {"sample", "normalise"},
    {"assign"},
    {"detect"},
    {"measure"},
    {"_flow"},
    {"render"},
    {"scale"},
    {"_validate", "api"},
    {"cli", "__main__", "__init__"},
]
MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 80


def modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def imports(name: str, path: Path, known: set[str]) -> set[str]:
    """Return the cakupan modules ``name`` imports anywhere in its source."""
    found = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[:len(parts) - node.level + 1] + ([base] if base else []))
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return {module for module in found if module in known and module != name}


def layer(module: str) -> int:
    parts = module.split(".")
    top = parts[1] if len(parts) > 1 else "__init__"
    return next(number for number, names in enumerate(LAYERS) if top in names)


def test_no_import_cycle():
    found = modules()
    graph = {name: imports(name, path, set(found)) for name, path in found.items()}
    # a module's own package __init__ is imported with it: ignore that edge
    graph = {name: {m for m in targets if not name.startswith(m + ".")}
             for name, targets in graph.items()}
    state, cycles = {}, []

    def visit(node, trail):
        state[node] = "open"
        for target in sorted(graph[node]):
            if state.get(target) == "open":
                cycles.append(trail[trail.index(target):] + [target])
            elif target not in state:
                visit(target, [*trail, target])
        state[node] = "done"

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert not cycles, "\n".join(" -> ".join(cycle) for cycle in cycles)


def test_stages_import_only_what_comes_before_them():
    found = modules()
    wrong = [f"{name} imports {target}"
             for name, path in found.items() if name != "cakupan"
             for target in imports(name, path, set(found))
             if target != "cakupan" and layer(target) > layer(name)]
    assert not wrong, "\n".join(sorted(wrong))


def test_modules_and_functions_stay_small():
    long = []
    for name, path in modules().items():
        text = path.read_text(encoding="utf-8")
        if len(text.splitlines()) > MAX_MODULE_LINES:
            long.append(f"{name}: {len(text.splitlines())} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                size = node.end_lineno - node.lineno + 1
                rules = "\n    Rules\n    -----" in (ast.get_docstring(node, clean=False) or "")
                if size > MAX_FUNCTION_LINES and not rules:
                    long.append(f"{name}.{node.name}: {size} lines")
    assert not long, "\n".join(long)


def test_no_module_keeps_state_in_globals():
    # a ``global`` statement is the mark of a module that changes its own state
    changing = [f"{name}: global {', '.join(node.names)}"
                for name, path in modules().items()
                for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
                if isinstance(node, ast.Global)]
    assert not changing, "\n".join(changing)


@pytest.mark.slow
def test_importing_changes_nothing_in_the_process():
    # every module imported in a fresh interpreter: environment and GDAL options as before
    names = [name for name in modules() if name != "cakupan.__main__"]
    script = f"""
import json, os, sys
import pyogrio
keys = ["OGR_CURRENT_DATE", "OGR_GEOJSON_MAX_OBJ_SIZE", "GDAL_NUM_THREADS"]
before = dict(os.environ), pyogrio.get_gdal_config_option("OGR_CURRENT_DATE")
for name in {names!r}:
    __import__(name)
after = dict(os.environ), pyogrio.get_gdal_config_option("OGR_CURRENT_DATE")
print(json.dumps(before == after))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          cwd=ROOT, check=True)
    assert json.loads(done.stdout.strip().splitlines()[-1]) is True
