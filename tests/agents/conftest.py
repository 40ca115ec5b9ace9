"""Agent and plugin-package fixtures: the example plugin installed outside the shared venv."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "copilot-plugin-example"


def _pip_install(src: Path, target: Path) -> subprocess.CompletedProcess:
    base = [sys.executable, "-m", "pip", "install", "--no-deps", "--quiet", "--target", str(target)]
    # without build isolation when the venv can build wheels itself (no index needed), else
    # with it: setuptools then comes from the configured index / find-links
    for extra in (["--no-build-isolation"], []):
        out = subprocess.run([*base, *extra, str(src)], capture_output=True, text=True, timeout=180)
        if out.returncode == 0:
            return out
    return out


@pytest.fixture(scope="session")
def example_site(tmp_path_factory) -> Path:
    """`pip install --target` of the example package: a site dir for PYTHONPATH, so the shared
    venv is never modified. Built from a copy, so no build/ or egg-info lands in the repo."""
    work = tmp_path_factory.mktemp("example-plugin")
    src = work / "src"
    shutil.copytree(EXAMPLE, src, ignore=shutil.ignore_patterns("build", "*.egg-info"))
    site = work / "site"
    out = _pip_install(src, site)
    assert out.returncode == 0, f"pip install failed:\n{out.stdout}\n{out.stderr}"
    assert list(site.glob("copilot_plugin_example-*.dist-info"))
    return site


def child_env(home: Path, *paths: Path, **extra: str) -> dict[str, str]:
    """The environment of a subprocess that sees plugins installed under `paths`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("COPILOT_")}
    env["PYTHONPATH"] = os.pathsep.join([*(str(p) for p in paths), str(ROOT)])
    env["COPILOT_HOME"] = str(home)
    env.update(extra)
    return env


def run_python(code: str, env: dict[str, str], timeout: float = 120) -> str:
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=timeout
    )
    assert out.returncode == 0, f"exit {out.returncode}\n{out.stdout}\n{out.stderr}"
    return out.stdout
