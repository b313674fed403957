"""The source keeps the house rules that a reviewer would otherwise have to remember.

docs/architecture.md: every ``select_for_update(`` names ``no_key=``; services, selectors and models
never import the HTTP package ``config.api``; ``core`` depends on nothing of ours.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOT_SOURCE = {"tests", "var", "site", "locale", "scripts", "docs", "requirements", "node_modules"}
DOMAIN_LAYERS = {"services", "selectors", "models"}


def source_packages() -> list[Path]:
    """Top-level packages of the project (apps, config, core, demo): not tests, not .venv."""
    return sorted(
        path
        for path in ROOT.iterdir()
        if path.is_dir()
        and not path.name.startswith(".")
        and path.name not in NOT_SOURCE
        and (path / "__init__.py").exists()
    )


def source_files() -> Iterator[Path]:
    for package in source_packages():
        yield from sorted(package.rglob("*.py"))


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _where(path: Path, node: ast.AST) -> str:
    return f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', 0)}"


def imported_modules(tree: ast.Module) -> Iterator[tuple[ast.AST, str]]:
    """Every absolute module an import statement names (``from a import b`` gives a and a.b)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node, node.module
            for alias in node.names:
                yield node, f"{node.module}.{alias.name}"


def is_domain_module(path: Path) -> bool:
    """An app's ``services``, ``selectors`` or ``models`` module, or a module of such a package."""
    relative = path.relative_to(ROOT).with_suffix("").parts
    return any(part in DOMAIN_LAYERS for part in relative[1:])


def test_the_walk_sees_the_apps():
    names = {package.name for package in source_packages()}

    assert {"accounts", "marketplace", "exchanges", "messaging", "config", "core", "demo"} <= names
    assert "tests" not in names


def test_every_select_for_update_names_no_key():
    # given: zulip's rule (docs/architecture.md, "Locks"): a plain FOR UPDATE blocks inserts of
    # rows that reference the locked one, so it is taken only where a key column changes.
    offenders = []
    for path in source_files():
        for node in ast.walk(_tree(path)):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "select_for_update"
                and not any(keyword.arg == "no_key" for keyword in node.keywords)
            ):
                offenders.append(_where(path, node))

    assert offenders == []


def test_services_selectors_and_models_never_import_the_http_package():
    offenders = [
        f"{_where(path, node)} imports {module}"
        for path in source_files()
        if is_domain_module(path)
        for node, module in imported_modules(_tree(path))
        if module == "config.api" or module.startswith("config.api.")
    ]

    assert offenders == []


@pytest.mark.parametrize(
    ("relative", "expected"),
    [
        ("marketplace/services.py", True),
        ("exchanges/services/swaps.py", True),
        ("messaging/selectors.py", True),
        ("rewards/models/ledger.py", True),
        ("marketplace/api/views.py", False),
        ("exchanges/consumers.py", False),
    ],
)
def test_domain_modules_are_recognised(relative, expected):
    assert is_domain_module(ROOT / relative) is expected


def test_core_depends_on_nothing_of_ours():
    ours = {package.name for package in source_packages()} - {"core"}
    offenders = [
        f"{_where(path, node)} imports {module}"
        for path in sorted((ROOT / "core").rglob("*.py"))
        for node, module in imported_modules(_tree(path))
        if module.split(".")[0] in ours
    ]

    assert offenders == []
