"""The layers of the code, as the README's map draws them: each package imports only downwards.

ui (Streamlit pages) → services (what the web app does) → worker (kinds of job, RQ edge)
→ storage (settings, Redis, the file store) and pdf / sheets (pure document operations)
→ core (errors, safe file writing, progress; imports nothing of ours)
"""

from __future__ import annotations

import ast
import inspect
import json
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import pytest

import core.errors
from tests.conftest import ROOT

# What each package of ours may import (besides itself). Read from the bottom up.
ALLOWED = {
    "core": set(),
    "pdf": {"core"},
    "sheets": {"core"},
    "documents": {"core", "pdf"},
    "printers": {"core"},
    "storage": {"core"},
    "worker": {"core", "pdf", "sheets", "documents", "printers", "storage"},
    "services": {"core", "pdf", "sheets", "documents", "printers", "storage", "worker"},
    "ui": {"core", "pdf", "sheets", "documents", "printers", "storage", "worker", "services"},
}
PURE = ("core", "pdf", "sheets", "documents", "printers")
# Nothing of these may be loaded by running a pure document operation.
NOT_IN_PURE = ("streamlit", "rq", "redis", "storage", "services", "worker", "ui")


def imports_of(path: Path) -> set[str]:
    """The top-level names of every absolute import in a file, at any depth (lazy ones too)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
    return found


def test_every_package_imports_only_downwards():
    wrong = []
    for package, allowed in ALLOWED.items():
        for path in sorted((ROOT / package).rglob("*.py")):
            for name in imports_of(path) & set(ALLOWED) - {package} - allowed:
                wrong.append(f"{path.relative_to(ROOT)} imports {name}")
    assert not wrong, "\n".join(wrong)


def test_the_map_lists_every_package():
    """A new top-level package of ours must be given its place in ALLOWED (and the README)."""
    packages = {p.parent.name for p in ROOT.glob("*/__init__.py")} - {"tests", "bench"}
    assert packages == set(ALLOWED)
    readme = (ROOT / "README.md").read_text()
    assert all(f"`{package}/`" in readme for package in ALLOWED)


def pure_modules() -> list[str]:
    names = []
    for package in PURE:
        names.append(package)
        names.extend(f"{package}.{m.name}" for m in pkgutil.iter_modules([str(ROOT / package)]))
    return names


def test_pure_operations_load_nothing_of_the_web_the_queue_or_storage():
    """Each document-operation module, imported alone in a fresh interpreter, loads none of them."""
    probe = (
        "import importlib, json, sys\n"
        f"forbidden = {NOT_IN_PURE!r}\n"
        "found = {}\n"
        f"for name in {pure_modules()!r}:\n"
        "    before = set(sys.modules)\n"
        "    importlib.import_module(name)\n"
        "    new = {m.split('.')[0] for m in set(sys.modules) - before}\n"
        "    bad = sorted(new.intersection(forbidden))\n"
        "    if bad: found[name] = bad\n"
        "print(json.dumps(found))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True, timeout=120
    )
    assert json.loads(result.stdout) == {}


# What opens, renders or converts files: the workers load these, the web process never.
FILE_LIBRARIES = (
    "pandas",
    "pyarrow",
    "pypdf",
    "pypdfium2",
    "pikepdf",
    "fpdf",
    "openpyxl",
    "python_calamine",
    "fontTools",
    "PIL",
)


def web_modules() -> list[str]:
    """Every module the web app imports (its pages draw when imported: their imports are read from source)."""
    names = [f"services.{m.name}" for m in pkgutil.iter_modules([str(ROOT / "services")])]
    names += [f"ui.{m.name}" for m in pkgutil.iter_modules([str(ROOT / "ui")]) if m.name.startswith("_")]
    names.append("ui.tools")
    for page in (ROOT / "ui").glob("[!_]*.py"):
        names += sorted(imports_of_modules(page))
    return sorted(set(names))


def imports_of_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    found |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    return {name for name in found if name.split(".")[0] in ALLOWED or name.split(".")[0] in FILE_LIBRARIES}


def test_the_web_app_loads_no_library_that_opens_files():
    """The pages only ask the workers: imported together, the web side loads no PDF or spreadsheet library."""
    probe = (
        "import importlib, json, sys\n"
        f"for name in {web_modules()!r}:\n"
        "    importlib.import_module(name)\n"
        f"print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & set({FILE_LIBRARIES!r}))))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True, timeout=120
    )
    assert json.loads(result.stdout) == []


def error_classes() -> list[type[core.errors.TeacherPrinterError]]:
    found, todo = [], [core.errors.TeacherPrinterError]
    while todo:
        for sub in todo.pop().__subclasses__():
            found.append(sub)
            todo.append(sub)
    return found


def test_every_error_lives_in_the_one_errors_module():
    # Import everything that might define one, so that none hides from the walk.
    for package in ALLOWED:
        if package == "ui":
            continue  # pages draw when imported; they define no errors (checked below by source)
        for module in pkgutil.walk_packages([str(ROOT / package)], prefix=f"{package}."):
            if not module.name.endswith("__main__"):
                __import__(module.name)
    outside = [c.__qualname__ for c in error_classes() if c.__module__ != "core.errors"]
    assert not outside, outside
    pages = [
        p.name
        for p in (ROOT / "ui").glob("*.py")
        if re.search(r"^class \w+\(\w*Error\)", p.read_text(), re.M)
    ]
    assert not pages


@pytest.mark.parametrize("error", error_classes(), ids=lambda c: c.__name__)
def test_every_error_has_its_own_key_and_says_what_to_do(error):
    keys = [c.key for c in error_classes()]
    assert error.key != core.errors.TeacherPrinterError.key
    assert keys.count(error.key) == 1, f"{error.key} is used by more than one error"
    assert error.default_hint.strip(), f"{error.__name__} has no hint"
    assert error.default_hint.rstrip()[-1] in ".!?", error.default_hint
    assert inspect.getmodule(error) is core.errors
