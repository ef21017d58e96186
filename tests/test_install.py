"""scripts/install.sh is enough on a pristine Debian: every library the browser tests' Playwright
driver loads comes from a package it installs, a package a fresh debootstrap already has, or the
pristine set the README starts from (python3, venv, pip, make, git, curl), with dependencies."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.integration

PRISTINE = ("python3", "python3-venv", "python3-pip", "make", "git", "curl")


def _install_sh_packages() -> set[str]:
    text = (ROOT / "scripts" / "install.sh").read_text(encoding="utf-8")
    found: set[str] = set()
    for name in ("APT_PACKAGES", "BROWSER_PACKAGES"):
        m = re.search(rf"^{name}=\(([^)]*)\)", text, re.MULTILINE)
        assert m, f"{name} not found in install.sh"
        found |= set(m.group(1).split())
    return found


def _base_packages() -> set[str]:
    """What debootstrap installs by default: the required and important priorities."""
    out = subprocess.run(
        ["dpkg-query", "-W", "-f", "${Package} ${Priority}\n"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {
        line.split()[0]
        for line in out.splitlines()
        if line.split()[1:] and line.split()[1] in ("required", "important")
    }


def _closure(packages: set[str]) -> set[str]:
    """The packages with everything they depend on (apt's own metadata, no recommends)."""
    out = subprocess.run(
        [
            "apt-cache",
            "depends",
            "--recurse",
            "--no-recommends",
            "--no-suggests",
            "--no-conflicts",
            "--no-breaks",
            "--no-replaces",
            "--no-enhances",
            *sorted(packages),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    names = {line.strip() for line in out.splitlines() if line and not line[0].isspace()}
    return {n.split(":")[0] for n in names if not n.startswith("<")}


def _owner(library: Path) -> str:
    for path in (
        library,
        Path("/usr") / library.relative_to("/")
        if not str(library).startswith("/usr/")
        else Path(str(library).removeprefix("/usr")),
    ):
        done = subprocess.run(["dpkg", "-S", str(path)], capture_output=True, text=True)
        if done.returncode == 0:
            return done.stdout.split(":")[0]
    raise AssertionError(f"no package owns {library}")


def test_install_script_brings_every_library_the_browser_driver_needs() -> None:
    import playwright

    node = Path(playwright.__file__).parent / "driver" / "node"
    if not node.is_file() or shutil.which("ldd") is None or shutil.which("dpkg") is None:
        pytest.skip("needs Playwright's driver, ldd and dpkg")
    ldd = subprocess.run(["ldd", str(node)], capture_output=True, text=True, check=True).stdout
    libraries = [Path(m).resolve() for m in re.findall(r"=> (/\S+)", ldd)]
    assert libraries, ldd
    available = _closure(_install_sh_packages() | _base_packages() | set(PRISTINE))
    missing = {str(lib): _owner(lib) for lib in libraries if _owner(lib) not in available}
    assert not missing, f"install.sh does not install: {missing}"
