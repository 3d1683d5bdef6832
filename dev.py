#!/usr/bin/env python3
"""The project's two commands, needing nothing but Python 3.10+.

    python3 dev.py lab     open JupyterLab on notebooks/ (the main job)
    python3 dev.py test    run the whole test suite (unit tests, notebooks under nbval,
                           browser tests)

Each creates ``.venv`` (with pip, from PyPI) when it is missing, and reinstalls the
project into it when ``pyproject.toml`` has changed since the last install. Anything
after the command is passed on: to ``jupyter lab`` or to ``pytest``.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
STAMP = VENV / ".nnlib-installed"
# The shared copy of MNIST's four files, when this checkout sits beside it.
SHARED_MNIST = ROOT.parent / "shared" / "data" / "mnist"
CHROMIUM = Path("/usr/bin/chromium")


def venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def ensure_env() -> Path:
    """Create .venv and install nnlib with its test extras, unless already current."""
    if sys.version_info < (3, 10):
        sys.exit(f"Python 3.10 or newer is needed; this is {sys.version.split()[0]}.")
    if not venv_python().exists():
        print(f"Creating {VENV} ...", flush=True)
        venv.create(VENV, with_pip=True)
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if not STAMP.exists() or STAMP.read_text().strip() != wanted:
        print("Installing nnlib and its dependencies into .venv ...", flush=True)
        pip = [str(venv_python()), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
        subprocess.run(pip + ["-e", f"{ROOT}[test]"], check=True)
        STAMP.write_text(wanted + "\n")
    return venv_python()


def ensure_chromium() -> None:
    """Install Debian's Chromium for the browser tests where this machine allows it.

    Where it can't be installed, tests/browser reports itself skipped and why; under
    CI=true it fails instead of skipping.
    """
    if CHROMIUM.exists() or os.environ.get("NNLIB_BROWSER") == "0":
        return
    can_apt = shutil.which("apt-get") and hasattr(os, "geteuid") and os.geteuid() == 0
    if not can_apt:
        print("Chromium not found and apt-get is not usable here: browser tests will skip.")
        return
    print("Installing Debian's chromium for the browser tests ...", flush=True)
    quiet = {"stdout": subprocess.DEVNULL}
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-q"], check=False, env=env, **quiet)
    subprocess.run(["apt-get", "install", "-y", "-q", "chromium"], check=False, env=env, **quiet)


def test_env() -> dict[str, str]:
    """The environment every test run uses, so saved notebook outputs are reproducible."""
    env = dict(os.environ)
    env["PYTHONHASHSEED"] = "0"  # nbval compares text outputs; hashing must not vary
    env.setdefault("NNLIB_QUICK", "1")  # slow notebooks run their quick mode
    if "NNLIB_DATA_DIR" not in env and SHARED_MNIST.is_dir():
        env["NNLIB_DATA_DIR"] = str(SHARED_MNIST)
    return env


def lab(args: list[str]) -> int:
    python = ensure_env()
    cmd = [str(python), "-m", "jupyter", "lab", f"--ServerApp.root_dir={ROOT / 'notebooks'}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0 and "--allow-root" not in args:
        cmd.append("--allow-root")
    env = dict(os.environ)
    if "NNLIB_DATA_DIR" not in env and SHARED_MNIST.is_dir():
        env["NNLIB_DATA_DIR"] = str(SHARED_MNIST)
    return subprocess.call(cmd + args, env=env)


def test(args: list[str]) -> int:
    python = ensure_env()
    ensure_chromium()
    cmd = [str(python), "-m", "pytest", "--nbval", "--nbval-current-env", "-p", "no:cacheprovider"]
    return subprocess.call(cmd + (args or ["tests", "notebooks"]), cwd=ROOT, env=test_env())


def main(argv: list[str]) -> int:
    commands = {"lab": lab, "test": test}
    if not argv or argv[0] not in commands:
        print(__doc__)
        return 2
    return commands[argv[0]](argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
