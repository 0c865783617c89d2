"""The import layers in pyproject.toml are a checked contract: import-linter passes on the
package as it is, and fails on an upward import or a circle injected into a copy of it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--config", str(root / "pyproject.toml")],
        cwd=root,
        env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    shutil.copy(REPO / "pyproject.toml", tmp_path)
    shutil.copytree(
        REPO / "builder", tmp_path / "builder", ignore=shutil.ignore_patterns("__pycache__")
    )
    return tmp_path


def test_the_package_keeps_its_layers(copy: Path) -> None:
    result = lint(copy)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 kept, 0 broken" in result.stdout


def test_an_upward_import_breaks_the_layers(copy: Path) -> None:
    with (copy / "builder" / "core" / "urls.py").open("a", encoding="utf-8") as module:
        module.write("\nfrom builder.pipeline import executors  # injected\n")
    result = lint(copy)
    assert result.returncode == 1
    assert "builder.core is not allowed to import builder.pipeline" in result.stdout


def test_a_circle_inside_a_package_breaks_the_contract(copy: Path) -> None:
    # tasks imports partitions; partitions importing tasks closes a circle inside one layer
    with (copy / "builder" / "pipeline" / "partitions.py").open("a", encoding="utf-8") as module:
        module.write("\nfrom builder.pipeline import tasks  # injected\n")
    result = lint(copy)
    assert result.returncode == 1
    assert "No cycles are allowed in builder.pipeline" in result.stdout
