"""The layout of the tests: folders mirror the package, and test modules share only helpers."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from helpers import REPO

TESTS = REPO / "tests"
PACKAGE = REPO / "plugins" / "postmortem_kb"
CROSS_LAYER = {"e2e"}
"""Folders of whole-product tests that cross layers (no subpackage of their own)."""
SHARED = {"helpers"}
"""The only module of tests/ that test modules import (fixtures come through conftest.py)."""


def python_files() -> list[Path]:
    """Every Python file of tests/."""
    return sorted(path for path in TESTS.rglob("*.py") if "__pycache__" not in path.parts)


def local_modules() -> set[str]:
    """Names under which a file of tests/ could be imported (top-level or dotted)."""
    names = {"tests", "conftest"}
    for path in python_files():
        relative = path.relative_to(TESTS).with_suffix("")
        names.add(relative.parts[-1])
        names.add(".".join(relative.parts))
    return names - {"__init__"}


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """Every module ``path`` imports, anywhere in the file (relative imports start with '.')."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            found.append((node.lineno, "." * node.level + (node.module or "")))
    return found


@pytest.mark.parametrize(
    "path", python_files(), ids=lambda path: path.relative_to(TESTS).as_posix()
)
def test_no_test_module_imports_another(path: Path) -> None:
    local = local_modules() - SHARED
    wrong = [
        f"{path.relative_to(REPO)}:{line}: import {module}"
        for line, module in imported_modules(path)
        if module.startswith(".")
        or module in local
        or module.split(".")[0] in {"tests", "conftest"}
        or module.split(".")[0].startswith("test_")
    ]
    assert wrong == [], "share through tests/helpers.py (or a fixture in conftest.py) instead"


def test_conftest_holds_only_fixtures() -> None:
    tree = ast.parse((TESTS / "conftest.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            decorators = [ast.unparse(d) for d in getattr(node, "decorator_list", [])]
            assert any(d.startswith("pytest.fixture") for d in decorators), node.name
        else:
            assert isinstance(node, (ast.Import, ast.ImportFrom, ast.Expr)), ast.unparse(node)


DATA = "data"  # test data (vectors, evaluation corpora): no code, no package


def test_folders_mirror_the_subpackages() -> None:
    folders = {
        path.relative_to(TESTS)
        for path in TESTS.rglob("*")
        if path.is_dir()
        and "__pycache__" not in path.parts
        and not path.name.startswith(".")
        and path.relative_to(TESTS).parts[0] != DATA
    }
    for folder in sorted(folders):
        assert (TESTS / folder / "__init__.py").is_file(), f"tests/{folder} needs __init__.py"
        if folder.parts[0] in CROSS_LAYER:
            continue
        assert (PACKAGE / folder / "__init__.py").is_file(), (
            f"tests/{folder.as_posix()} mirrors no subpackage of postmortem_kb"
        )
    subpackages = {
        path.parent.relative_to(PACKAGE)
        for path in PACKAGE.rglob("__init__.py")
        if path.parent != PACKAGE and "__pycache__" not in path.parts
    }
    assert sorted(subpackages - folders) == [], "every subpackage has a test folder"


def test_test_modules_live_in_folders() -> None:
    top = sorted(p.name for p in TESTS.glob("test_*.py"))
    assert top == ["test_layout.py"], "put test modules in the folder of the layer they test"


# --- the package's layers -------------------------------------------------------------------

MAY_IMPORT = {
    "model": {"model"},
    "source": {"model", "source"},
    "check": {"model", "source", "check"},
    "archive": {"model", "source", "check", "archive"},
    "site": {"model", "source", "check", "archive", "site"},
    "cli": {"model", "source", "check", "archive", "cli"},
}
"""Data flows one way: each layer imports only the layers before it (and itself)."""
RENDERS_PAGES = {"cli/generate.py"}
"""`postmortem generate` writes the site's pages: it imports site/ (when it runs, so that
`postmortem check` starts without MkDocs)."""

GENERATOR_PACKAGES = {"mkdocs", "material", "properdocs"}
"""The generator and its theme (MaterialX installs as ``material`` too): site/ only."""


def package_modules() -> list[Path]:
    """Every module of the package, below its layer folders."""
    return sorted(
        path
        for path in PACKAGE.rglob("*.py")
        if "__pycache__" not in path.parts and len(path.relative_to(PACKAGE).parts) > 1
    )


def _module_path(path: Path) -> str:
    return path.relative_to(PACKAGE).as_posix()


def test_the_layers_are_the_package_folders() -> None:
    folders = {p.name for p in PACKAGE.iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert folders == set(MAY_IMPORT)


@pytest.mark.parametrize(
    "path", package_modules(), ids=lambda path: path.relative_to(PACKAGE).as_posix()
)
def test_each_layer_imports_only_the_layers_before_it(path: Path) -> None:
    layer = path.relative_to(PACKAGE).parts[0]
    allowed = MAY_IMPORT[layer] | ({"site"} if _module_path(path) in RENDERS_PAGES else set())
    wrong = []
    for line, module in imported_modules(path):
        parts = module.split(".")
        if parts[0] in GENERATOR_PACKAGES and layer != "site":
            wrong.append(f"{line}: import {module} (only site/ imports the generator)")
        if parts[0] == "postmortem_kb" and len(parts) > 1 and parts[1] not in allowed:
            wrong.append(f"{line}: import {module}")
    assert wrong == [], f"{path.relative_to(REPO)} ({layer}/) may import {sorted(allowed)}"
