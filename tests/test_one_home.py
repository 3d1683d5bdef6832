"""Each idea of nnlib has one home: argument checks in nnlib.checks, quick mode read in
nnlib.notebook, and no module reaching into another's private names."""
import ast
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted((ROOT / "nnlib").rglob("*.py"))


def _tree(path):
    return ast.parse(path.read_text(), filename=str(path))


def _where(path, node):
    return f"{path.relative_to(ROOT)}:{node.lineno}"


def _nnlib_modules_imported(tree):
    """Names bound in a module to other nnlib modules (``from .. import data``,
    ``from . import widgets as guarded``, ``import nnlib.data``)."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "") == "nnlib"):
            names |= {alias.asname or alias.name for alias in node.names}
        elif isinstance(node, ast.Import):
            names |= {alias.asname or alias.name for alias in node.names
                      if alias.name.startswith("nnlib")}
    return names


def _private(name):
    return name.startswith("_") and not name.startswith("__")


def test_no_module_uses_another_modules_private_names():
    found = []
    for path in SOURCES:
        tree = _tree(path)
        modules = _nnlib_modules_imported(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.level or
                                                      (node.module or "").startswith("nnlib")):
                found += [f"{_where(path, node)} imports {a.name}" for a in node.names
                          if _private(a.name)]
            elif (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                  and node.value.id in modules and _private(node.attr)):
                found.append(f"{_where(path, node)} uses {node.value.id}.{node.attr}")
    assert not found, "make these public where they are defined, or move them: " + str(found)


def test_quick_mode_is_read_in_one_place():
    """NNLIB_QUICK is read by nnlib.notebook (its QUICK) and nowhere else: not by other
    modules, the benchmarks or a notebook's code."""
    readers = []
    for path in SOURCES + sorted((ROOT / "benchmarks").glob("*.py")):
        readers += [_where(path, node) for node in ast.walk(_tree(path))
                    if isinstance(node, ast.Constant) and node.value == "NNLIB_QUICK"]
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(path.read_text())["cells"]
        readers += [f"{path.name}, cell {i}" for i, cell in enumerate(cells)
                    if cell["cell_type"] == "code" and "NNLIB_QUICK" in "".join(cell["source"])]
    assert readers == ["nnlib/notebook/__init__.py:16"], readers


def _number_tests(function):
    """Whether ``function`` tests a value for being a number the way an argument check
    does: ``isinstance(x, numbers.Integral)`` or ``numbers.Real``, or ``isinstance(x,
    bool)`` (a bool is an int to Python, so a hand-made check of a number refuses it)."""
    for node in ast.walk(function):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "isinstance":
            kinds = node.args[1].elts if isinstance(node.args[1], ast.Tuple) else [node.args[1]]
            if any(getattr(k, "id", None) == "bool" or getattr(k, "attr", None) in
                   ("Integral", "Real") for k in kinds):
                return True
    return False


def test_argument_checks_are_the_ones_of_nnlib_checks():
    """Checks that an argument is an integer, a real number or a bool are nnlib.checks'
    (integer, real, flag). The other places that test for numbers are not argument checks: they check
    the entries of a saved network's JSON, and take softmax's c (Eq. 83) also as a 0-d array."""
    places = {(path.name, function.name) for path in SOURCES
              for function in ast.walk(_tree(path))
              if isinstance(function, ast.FunctionDef) and _number_tests(function)}
    assert places == {("checks.py", "integer"), ("checks.py", "real"), ("checks.py", "flag"),
                      ("network.py", "_nested_problem"),
                      ("activations.py", "_scaled")}, places
