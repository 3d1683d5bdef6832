#!/usr/bin/env python3
"""Add the cells of a new exercise to a notebook, marked so that the tests find them.

    .venv/bin/python tools/new_exercise.py notebooks/02-softmax.ipynb KEY \\
        --kind Problem --title "inverting the softmax layer" --argument --before CELL_ID

The notebooks are the only copy of an exercise's text. Each exercise is four cells
(three without ``--argument``), each marked with the cell metadata
``{"nnlib": {"exercise": KEY, "part": PART}}``:

* ``prompt``    markdown, "#### Exercise: title" (or "Problem") and what to do;
* ``stub``      code the reader fills in, ending with the ``check(KEY, ...)`` line;
* ``argument``  markdown, where the reader writes a proof (``--argument``);
* ``solution``  markdown, the steps and one ```python block, the complete solution
                cell, inside a collapsed ``<details>`` block.

This tool writes those cells with placeholder text, before the cell whose id is
``--before`` (else at the end). Write the checker first: ``check_KEY`` in
``nnlib/notebook/exercises.py``, registered in ``CHECKERS`` in notebook order; the
check line passes the checker's parameters by name. Then fill in the cells in
JupyterLab, add KEY to ``EXERCISES`` in ``tests/test_exercises.py`` (which runs the
solution and the stub through the checker), and re-execute the notebook.
"""
from __future__ import annotations

import argparse
import inspect
import sys

import nbformat

from nnlib.notebook.exercises import CHECKERS

KINDS = ("Exercise", "Problem", "Warm-up")   # as the book labels them; a warm-up is ours


def answer_names(key: str) -> list:
    """The names of the answers to exercise ``key``: its checker's parameters."""
    if key not in CHECKERS:
        raise ValueError(f"no checker for {key!r}: write check_{key} in "
                         f"nnlib/notebook/exercises.py and add it to CHECKERS first; "
                         f"the keys with a checker are {list(CHECKERS)}")
    return list(inspect.signature(CHECKERS[key]).parameters)


def exercise_cells(key: str, kind: str, title: str, argument: bool) -> list:
    """The marked cells of exercise ``key``, with placeholder text to replace."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}; got {kind!r}")
    answers = answer_names(key)
    code = ("import numpy as np\nfrom nnlib.notebook.exercises import check\n\n"
            + "".join(f"{name} = None   # TODO\n" for name in answers)
            + f'\ncheck("{key}", {", ".join(answers)})')

    def marked(part):
        return {"id": f"ex-{key}-{part}".replace("_", "-"),
                "metadata": {"nnlib": {"exercise": key, "part": part}}}
    cells = [nbformat.v4.new_markdown_cell(f"#### {kind}: {title}\n\nTODO: what to do.",
                                           **marked("prompt")),
             nbformat.v4.new_code_cell(code, **marked("stub"))]
    if argument:
        cells.append(nbformat.v4.new_markdown_cell(
            "**Your argument.** TODO: what to show.\n\n*(Double-click this cell and write "
            "your argument here.)*", **marked("argument")))
    cells.append(nbformat.v4.new_markdown_cell(
        "<details>\n<summary><b>Worked solution</b> (open it after trying)</summary>\n\n"
        f"TODO: the steps, with the array shapes.\n\n```python\n{code}\n```\n\n</details>",
        **marked("solution")))
    return cells


def add_exercise(nb, cells: list, before: str | None = None):
    """Insert ``cells`` (one exercise's) into notebook ``nb`` before the cell with id
    ``before``, or at the end; return ``nb``. Refuses, changing nothing, an exercise
    that ``nb`` already has or an id it does not."""
    key = cells[0].metadata["nnlib"]["exercise"]
    if any(c.metadata.get("nnlib", {}).get("exercise") == key for c in nb.cells):
        raise ValueError(f"the notebook already has cells of exercise {key!r}: edit them "
                         "in JupyterLab instead")
    ids = [c.get("id") for c in nb.cells]
    if before is not None and before not in ids:
        raise ValueError(f"no cell with id {before!r} in the notebook; its ids are {ids}")
    at = len(nb.cells) if before is None else ids.index(before)
    nb.cells[at:at] = cells
    return nb


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebook", help="the .ipynb file to add the exercise to")
    parser.add_argument("key", help="the exercise's key in CHECKERS, e.g. softmax_c")
    parser.add_argument("--kind", choices=KINDS, default="Exercise")
    parser.add_argument("--title", required=True)
    parser.add_argument("--argument", action="store_true",
                        help="add a cell for the reader's written argument (a proof)")
    parser.add_argument("--before", metavar="CELL_ID",
                        help="insert before this cell (default: at the end)")
    args = parser.parse_args(argv)
    nb = nbformat.read(args.notebook, as_version=4)
    try:
        cells = exercise_cells(args.key, args.kind, args.title, args.argument)
        add_exercise(nb, cells, args.before)
    except ValueError as err:
        parser.error(str(err))
    nbformat.validate(nb)
    nbformat.write(nb, args.notebook)
    print(f"added {len(cells)} cells of {args.key!r} to {args.notebook}; fill them in, "
          "add the key to tests/test_exercises.py, and re-execute the notebook")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
