"""The two install routes (pip via pyproject.toml, conda via environment.yml) agree; the
dependencies they declare are the ones nnlib imports; the wheel holds every module of
nnlib and installs into a fresh environment; the README's layout and dependency list match
the tree; and the test command CI runs is the README's."""
import ast
import fnmatch
import json
import os
import re
import shlex
import shutil
import site
import subprocess
import sys
import tempfile
import venv
import zipfile
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from ci import IN_CI

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10: the same parser, from PyPI (a test dependency there)
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]


def _names(requirements):
    return {re.split(r"[<>=!~ ;\[]", r.strip(), maxsplit=1)[0].lower() for r in requirements}


def _environment_yml():
    """(conda packages, pip packages) of environment.yml, read as the simple list it is."""
    conda, pip, in_pip = [], [], False
    text = (ROOT / "environment.yml").read_text()
    for line in text.split("\ndependencies:\n", 1)[1].splitlines():
        stripped = line.split("#")[0].rstrip()
        if re.match(r"^\s+- pip:$", stripped):
            in_pip = True
        elif m := re.match(r"^(\s+)- (\S.*)$", stripped):
            (pip if in_pip and len(m.group(1)) > 4 else conda).append(m.group(2))
    return conda, pip


def test_environment_yml_lists_the_same_dependencies_as_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = _names(project["dependencies"]) | _names(project["optional-dependencies"]["test"])
    conda, pip = _environment_yml()
    listed = _names(conda + [p for p in pip if not p.startswith("-e")]) - {"python", "pip"}
    assert listed == wanted, f"only in pyproject: {wanted - listed}; only in environment.yml: {listed - wanted}"
    assert "-e ." in pip, "environment.yml must install nnlib itself from the checkout"


def test_ci_runs_the_readmes_test_command():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    command = re.search(r"^exec (.+)$", ci, re.M).group(1)
    assert command == "python3 dev.py test"
    assert f"    {command}\n" in readme or f"`{command}`" in readme


def test_a_read_only_install_imports_and_trains():
    """A read-only container, or a system-wide install used by another account: neither
    the package folder nor the home folder is writable, where numba refused to cache the
    compiled epoch ("cannot cache function ...: no locator available") and importing
    nnlib.network failed. Both folders are mounted read-only (in a mount namespace of
    this test's own, with Linux's unshare): even root cannot write there then."""
    unshare = shutil.which("unshare")
    if not (sys.platform.startswith("linux") and unshare and os.geteuid() == 0):
        why = "read-only mounts need Linux's unshare and root"
        if IN_CI:
            pytest.fail(f"in CI (CI={os.environ['CI']!r}) but {why}")
        pytest.skip(why)
    top = Path(tempfile.mkdtemp(prefix="nnlib-read-only-"))
    try:
        site, home, tmp = top / "site", top / "home", top / "tmp"
        shutil.copytree(ROOT / "nnlib", site / "nnlib",
                        ignore=shutil.ignore_patterns("__pycache__"))
        home.mkdir()
        tmp.mkdir()
        code = ("import numpy as np, nnlib.network, nnlib.sgd_kernel as k\n"
                "net = nnlib.network.Network([3, 2], seed=0)\n"
                "net.SGD((np.zeros((4, 3)), np.array([0, 1, 0, 1])), 1, 2, 0.1, "
                "progress=False, verbose=False)\n"
                "print(nnlib.network.__file__, k._CACHE_DIR, net.engine_used)")
        mounts = " && ".join(f"mount --bind {d} {d} && mount -o remount,bind,ro {d} {d}"
                             for d in (site, home))
        script = (f"{mounts} && touch {site}/probe 2>/dev/null && exit 3; "
                  f"exec {shlex.quote(sys.executable)} -c {shlex.quote(code)}")
        env = {k: v for k, v in os.environ.items() if not k.startswith("NUMBA_")}
        env.update(HOME=str(home), TMPDIR=str(tmp), PYTHONPATH=str(site))
        done = subprocess.run([unshare, "-m", "sh", "-c", script], capture_output=True,
                              text=True, env=env, cwd=tmp, timeout=600)
        assert done.returncode != 3, "the package folder was still writable"
        assert done.returncode == 0, done.stderr[-3000:]
        module, cache, engine = done.stdout.split()
        assert module == str(site / "nnlib" / "network.py") and engine == "compiled"
        assert cache == str(tmp / f"nnlib-numba-cache-{os.getuid()}")
        assert any(Path(cache).rglob("*.nbi"))  # numba's index: the epoch was cached there
    finally:
        shutil.rmtree(top)


def test_the_fallback_cache_folder_is_not_one_another_user_could_fill(tmp_path, monkeypatch):
    """numba loads machine code from its cache, so a folder another user made (or can
    write to) in the shared temporary directory is not used: no cache instead."""
    from nnlib import sgd_kernel

    if not hasattr(os, "getuid"):
        pytest.skip("no user ids on this system")
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    folder = tmp_path / f"nnlib-numba-cache-{os.getuid()}"
    assert sgd_kernel._private_cache_dir() == folder  # made, mode 0700
    assert folder.stat().st_mode & 0o777 == 0o700
    folder.chmod(0o777)
    assert sgd_kernel._private_cache_dir() is None  # others could write to it
    if os.geteuid() == 0:
        folder.chmod(0o700)
        os.chown(folder, 65534, 65534)
        assert sgd_kernel._private_cache_dir() is None  # another user's


# -- the dependencies are what nnlib imports ------------------------------------------
def _project():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def _requirement(text):
    """A requirement as "name" or "name[extra,...]", the name in its canonical form."""
    req = Requirement(text)
    extras = f"[{','.join(sorted(req.extras))}]" if req.extras else ""
    return canonicalize_name(req.name) + extras


#: Runtime dependencies nnlib's code does not import, and why they are needed anyway.
NOT_IMPORTED = {"jupyterlab": "runs the notebooks", "notebook": "Notebook 7, the other front end"}


def _imported_distributions():
    """{distribution: files of nnlib that import it} for every module outside the
    standard library that nnlib imports, at the top of a file or inside a function."""
    distributions = packages_distributions()
    imported = {}
    for path in sorted((ROOT / "nnlib").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                modules = [node.module]
            else:
                continue
            for top in {module.split(".")[0] for module in modules}:
                if top in sys.stdlib_module_names or top == "nnlib":
                    continue
                for dist in distributions.get(top, [top]):
                    imported.setdefault(canonicalize_name(dist), set()).add(
                        path.relative_to(ROOT).as_posix())
    return imported


def test_nnlib_imports_only_what_pyproject_declares_and_uses_every_runtime_dependency():
    project = _project()
    runtime = {canonicalize_name(Requirement(r).name) for r in project["dependencies"]}
    cluster = {Requirement(r) for r in project["optional-dependencies"]["cluster"]}
    # dask[distributed]: the extra installs the package `distributed`, which nnlib imports
    optional = {canonicalize_name(name) for req in cluster for name in {req.name, *req.extras}}
    imported = _imported_distributions()
    undeclared = {dist: files for dist, files in imported.items()
                  if dist not in runtime | optional}
    assert not undeclared, f"imported by nnlib but not declared in pyproject.toml: {undeclared}"
    unused = runtime - set(imported) - set(NOT_IMPORTED)
    assert not unused, f"declared in pyproject.toml but imported nowhere in nnlib: {unused}"
    assert set(NOT_IMPORTED) <= runtime - set(imported)


# -- the wheel, and a non-editable install of it --------------------------------------
#: What .gitignore ignores does not go into the copy the wheel is built from.
_NOT_SOURCE = shutil.ignore_patterns(".git", *[
    line.strip().rstrip("/") for line in (ROOT / ".gitignore").read_text().splitlines()
    if line.strip() and not line.startswith("#")])


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    """nnlib's wheel, built by pip from a copy of this checkout; offline: no build
    isolation (setuptools, the build backend, is a test dependency) and no index."""
    top = tmp_path_factory.mktemp("wheel")
    shutil.copytree(ROOT, top / "source", ignore=_NOT_SOURCE)
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "--no-index", "--disable-pip-version-check", "-q", "-w", str(top / "dist"),
         str(top / "source")], capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stdout[-2000:] + built.stderr[-3000:]
    (path,) = (top / "dist").glob("nnlib-*.whl")
    return path


def test_the_wheel_holds_every_module_of_nnlib_and_nothing_else(wheel):
    """Every nnlib/**/*.py of the source tree (subpackages too), and no tests, notebooks,
    benchmarks or tools."""
    modules = {p.relative_to(ROOT).as_posix() for p in (ROOT / "nnlib").rglob("*.py")}
    in_wheel = {name for name in zipfile.ZipFile(wheel).namelist()
                if not name.startswith("nnlib-")}   # but its nnlib-VERSION.dist-info
    assert "nnlib/notebook/exercises.py" in modules
    assert in_wheel == modules, (f"missing from the wheel: {sorted(modules - in_wheel)}; "
                                 f"in the wheel but not nnlib's: {sorted(in_wheel - modules)}")


def test_a_non_editable_install_in_a_fresh_environment_imports_and_checks(wheel, tmp_path):
    """The wheel installed (no -e) into a new virtual environment, whose dependencies come
    from this one's site-packages through a .pth file (so nothing is downloaded; a
    folder named in a .pth file is searched, but its own .pth files, this checkout's
    editable install among them, are not run), imports nnlib.notebook.exercises from
    the new environment and judges an answer."""
    fresh = tmp_path / "venv"
    venv.create(fresh, with_pip=False)
    python = fresh / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    where = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                           capture_output=True, text=True, check=True).stdout.strip()
    Path(where, "dependencies.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    installed = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
         "--no-index", "--disable-pip-version-check", "-q", str(wheel)],
        capture_output=True, text=True, timeout=600)
    assert installed.returncode == 0, installed.stdout[-2000:] + installed.stderr[-3000:]
    code = ("import nnlib.notebook.exercises as e\n"
            "print(e.__file__)\n"
            "print(e.check('errors_eliminated', lambda b, a: (a - b) / (100 - b)).status)")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run([python, "-c", code], capture_output=True, text=True, env=env,
                          cwd=tmp_path, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    module, status = done.stdout.split()
    assert Path(module) == Path(where, "nnlib", "notebook", "exercises.py")
    assert status == "correct"


# -- the README's layout and dependency list match the tree ---------------------------
def _readme_section(title):
    text = (ROOT / "README.md").read_text()
    return text.split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]


def test_the_readme_layout_names_every_module_and_folder():
    """Its indented block names each nnlib/**/*.py at the start of a line (and nothing
    that is not one), and every top-level folder of the tree, each existing."""
    block = [line for line in _readme_section("Layout and dependencies").splitlines()
             if line.startswith("    ")]
    top = [re.match(r"    (\S+)", line).group(1) for line in block
           if re.match(r"    \S", line)]
    end = next(i for i, line in enumerate(block[1:], 1) if re.match(r"    \S", line))
    assert block[0].startswith("    nnlib/")
    named = {m.group(1) for line in block[1:end] if (m := re.match(r"\s+(\S+\.py)\s", line))}
    modules = {p.name for p in (ROOT / "nnlib").rglob("*.py")}
    assert named == modules, (f"not in the README's layout: {sorted(modules - named)}; "
                              f"named there but not in nnlib/: {sorted(named - modules)}")
    ignored = [line.strip().rstrip("/") for line in (ROOT / ".gitignore").read_text().splitlines()]
    folders = {f"{d.name}/" for d in ROOT.iterdir() if d.is_dir()
               and not d.name.startswith(".")
               and not any(fnmatch.fnmatch(d.name, pattern) for pattern in ignored)}
    assert folders <= set(top), f"not in the README's layout: {sorted(folders - set(top))}"
    assert all((ROOT / entry).exists() for entry in top), top


def test_the_readme_lists_every_dependency_with_a_reason():
    """Its three bullet lists, "- `name`: reason", are pyproject.toml's runtime
    dependencies, the cluster extra and the test extra, in that order."""
    lists, bullets = [], None
    for line in _readme_section("Layout and dependencies").splitlines():
        if m := re.match(r"- `([^`]+)`: (\S.*)", line):
            if bullets is None:
                bullets = []
                lists.append(bullets)
            bullets.append(_requirement(m.group(1)))
        elif not line.startswith("  "):   # a bullet's continuation lines are indented
            bullets = None
    project = _project()
    declared = [project["dependencies"], project["optional-dependencies"]["cluster"],
                project["optional-dependencies"]["test"]]
    assert [sorted(names) for names in lists] == [
        sorted(_requirement(r) for r in requirements) for requirements in declared]


#: A meta-path finder that makes numba and scipy unimportable, as they are where they are
#: not installed (or cannot be, as in a browser-based Python such as Pyodide): Python code
#: to run first in a subprocess.
_WITHOUT_NUMBA = """
import sys
class Uninstalled:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in ("numba", "scipy"):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
sys.meta_path.insert(0, Uninstalled())
"""


def test_without_numba_and_scipy_nnlib_imports_and_trains_in_numpy():
    """The compiled engine is optional: nnlib imports without numba and scipy, "auto"
    trains in numpy (saying why, once per call site) to the same numbers as
    engine="numpy" with numba present, and engine="compiled" says what to install."""
    import numpy as np

    from nnlib.network import Network

    X, labels = np.random.default_rng(0).random((12, 6)), np.arange(12) % 4
    code = _WITHOUT_NUMBA + """
import json, warnings
import numpy as np
import nnlib, nnlib.activations, nnlib.costs, nnlib.data, nnlib.gradcheck, nnlib.mnist_loader
import nnlib.network2
from nnlib.network import Network
X, labels = np.random.default_rng(0).random((12, 6)), np.arange(12) % 4
with warnings.catch_warnings(record=True) as seen:
    warnings.simplefilter("default")
    for _ in range(2):
        net = Network([6, 5, 4], seed=1)
        net.SGD((X, labels), 2, 4, 0.5, progress=False, verbose=False)
try:
    Network([6, 4]).SGD((X, labels), 1, 4, 0.5, progress=False, engine="compiled")
    refusal = "no error"
except Exception as e:
    refusal = f"{type(e).__name__}: {e}"
print(json.dumps({"engine": net.engine_used, "weights": [w.tolist() for w in net.weights],
                  "warnings": [str(w.message) for w in seen], "refusal": refusal,
                  "numba": "numba" in sys.modules}))
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout)
    assert result["engine"] == "numpy" and not result["numba"]
    assert result["warnings"] == ["training with the numpy engine, slower at small "
                                  "mini-batches: the compiled engine needs numba and scipy, "
                                  "which failed to import (No module named 'numba'). pip "
                                  "install numba scipy for speed, or pass engine='numpy' to "
                                  "choose numpy without this warning"]
    assert result["refusal"] == ("ImportError: engine='compiled': the compiled engine needs "
                                 "numba and scipy, which failed to import (No module named "
                                 "'numba'). Install them (pip install numba scipy) or train "
                                 "with engine='numpy'")
    here = Network([6, 5, 4], seed=1)
    here.SGD((X, labels), 2, 4, 0.5, progress=False, verbose=False, engine="numpy")
    assert all(np.array_equal(np.array(w), v) for w, v in zip(result["weights"], here.weights))


@pytest.mark.parametrize("module", ["nnlib", "nnlib.network", "nnlib.network2"])
def test_the_library_loads_no_notebook_packages_and_no_compiler(module):
    """The network is a library: importing it loads neither the notebooks' packages
    (matplotlib, ipywidgets, IPython, nbformat) nor, until the compiled engine first
    trains, numba and scipy (slow to import, and optional)."""
    heavy = ["matplotlib", "ipywidgets", "IPython", "nbformat", "numba", "scipy"]
    code = (f"import sys, {module}\n"
            f"print(' '.join(m for m in {heavy!r} if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, timeout=300)
    assert done.stdout.split() == []
