"""The two install routes (pip via pyproject.toml, conda via environment.yml) agree, and
the test command CI runs is the README's."""
import re
import sys
from pathlib import Path

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
