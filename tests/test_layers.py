"""The layers point one way: a test walks every module's imports and names each wrong one.

core      settings, database, clock, formatting, escaping, errors: imports nothing of ours
models    Tortoise models and domain rules: imports core
sync      10000ft, Slack directory, runs: imports models and core
handlers  Slack listeners: import sync, models and core (never web or bot)
web       the admin site: imports sync, models and core (never handlers or bot)
bot       CLI, app assembly, lifespan, scheduler, emulators, demo: may import anything
No module outside tests/ imports tests (benchmarks included).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
OURS = {"core", "models", "sync", "handlers", "web", "bot", "migrations", "tests"}
ALLOWED: dict[str, set[str]] = {
    "core": {"core"},
    "models": {"core", "models"},
    "sync": {"core", "models", "sync"},
    "handlers": {"core", "models", "sync", "handlers"},
    "web": {"core", "models", "sync", "web"},
    "bot": {"core", "models", "sync", "handlers", "web", "bot", "migrations"},
    "migrations": {"migrations"},
    # Scripts, not a package: they may use the whole product, but never the test suite.
    "benchmarks": {"core", "models", "sync", "handlers", "web", "bot", "migrations"},
}


def imported_modules(tree: ast.AST, module: str) -> list[tuple[int, str]]:
    """(line, dotted name) of every import in the file, function-local ones included."""
    package = module.rsplit(".", 1)[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                name = ".".join([*base, node.module] if node.module else base)
            else:
                name = node.module or ""
            found.append((node.lineno, name))
    return found


def layer_violations(root: Path = ROOT) -> list[str]:
    problems = []
    for layer, allowed in ALLOWED.items():
        for path in sorted((root / layer).rglob("*.py")):
            relative = path.relative_to(root)
            module = ".".join(relative.with_suffix("").parts)
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(relative))
            for line, name in imported_modules(tree, module):
                top = name.split(".", 1)[0]
                if top in OURS and top not in allowed:
                    problems.append(f"{relative}:{line}: {layer} may not import {name}")
    return problems


def test_every_layer_imports_only_the_layers_below_it() -> None:
    problems = layer_violations()
    assert not problems, "imports against the layer direction:\n" + "\n".join(problems)


def test_the_check_catches_an_upward_import(tmp_path: Path) -> None:
    for layer in ALLOWED:
        (tmp_path / layer).mkdir()
    (tmp_path / "models" / "bad.py").write_text("import os\n\nfrom handlers.flex import x\n")
    (tmp_path / "web" / "page.py").write_text("def f():\n    from tests.support import y\n")
    (tmp_path / "core" / "clock.py").write_text("from . import settings\nfrom ..bot import z\n")
    assert layer_violations(tmp_path) == [
        "core/clock.py:2: core may not import bot",
        "models/bad.py:3: models may not import handlers.flex",
        "web/page.py:2: web may not import tests.support",
    ]


@pytest.mark.parametrize("layer", sorted(set(ALLOWED) - {"benchmarks"}))
def test_every_layer_folder_exists(layer: str) -> None:
    assert (ROOT / layer / "__init__.py").exists()
