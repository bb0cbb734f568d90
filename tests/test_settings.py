"""Every setting says why it has its value: a ``#:`` comment right above each field of each
settings dataclass, and the README's limits table names every field of ``Limits``."""

from __future__ import annotations

import ast
import dataclasses
import inspect
from pathlib import Path

import pytest

from incidex import settings

SOURCE = inspect.getsource(settings)
LINES = SOURCE.splitlines()
README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
CLASSES = [obj for obj in vars(settings).values() if inspect.isclass(obj) and dataclasses.is_dataclass(obj)]


def _fields() -> list[tuple[str, str, int]]:
    """(class, field, line number) of every annotated field of a settings dataclass."""
    names = {c.__name__ for c in CLASSES}
    out = []
    for node in ast.walk(ast.parse(SOURCE)):
        if isinstance(node, ast.ClassDef) and node.name in names:
            for stmt in node.body:
                if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
                    out.append((node.name, stmt.target.id, stmt.lineno))
    return out


FIELDS = _fields()


def test_settings_are_found() -> None:
    assert ("Limits", "doc_seconds") in {(c, f) for c, f, _ in FIELDS}


@pytest.mark.parametrize(("cls", "name", "line"), FIELDS, ids=[f"{c}.{f}" for c, f, _ in FIELDS])
def test_every_setting_has_its_reason(cls: str, name: str, line: int) -> None:
    above = LINES[line - 2].strip()  # ast lines are 1-based
    assert above.startswith("#: "), f"{cls}.{name}: put a '#: why this value' comment above it"


@pytest.mark.parametrize("name", [f.name for f in dataclasses.fields(settings.Limits)])
def test_every_limit_is_in_the_readme(name: str) -> None:
    assert f"`{name}`" in README, f"README.md's limits table does not name Limits.{name}"


def test_settings_are_frozen() -> None:
    for cls in CLASSES:
        assert cls.__dataclass_params__.frozen, f"{cls.__name__} must be frozen"  # type: ignore[attr-defined]
