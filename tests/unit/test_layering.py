"""Handlers, the engine and storage never import a platform SDK (the neutral core stays neutral)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = ("slack_bolt", "slack_sdk", "nio", "aiohttp", "bot.slack", "bot.matrix", "bot.console")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("package", ["handlers", "redaction", "storage"])
def test_package_never_imports_a_platform_sdk(package: str) -> None:
    offenders = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for name in _imports(path):
            if any(name == f or name.startswith(f + ".") for f in FORBIDDEN):
                offenders.append(f"{path.relative_to(ROOT)} imports {name}")
    assert offenders == []


def test_the_layering_check_would_catch_an_sdk_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from slack_bolt import App\nimport nio\n")
    assert {"slack_bolt", "nio"} <= _imports(bad)
