"""One skeleton for every notebook (issue 15, item 7), read from the saved .ipynb files.

Each notebook has a title, a Setup heading before its first code cell, its sections, a
Summary, then Exercises, and ends with links to the previous and the next notebook in
reading order (04 leads back to 00). Every link to a notebook names a file that exists;
engineering notes (compile times, float32, numba) live in the README, not in the prose;
00's account of which notebooks read MNIST matches the code of 03 and 04; and no exercise
answer takes the name of something its notebook imports.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import pytest

NOTEBOOK_DIR = Path(__file__).resolve().parent.parent / "notebooks"
ORDER = ["00-start-here", "01-cross-entropy", "02-softmax", "03-log-likelihood", "04-mnist"]
EXERCISES = re.compile(r"^## (\d+\. )?Exercises\b", re.M)


def cells(name):
    return nbformat.read(NOTEBOOK_DIR / f"{name}.ipynb", as_version=4).cells


def heading_cells(name, pattern):
    """Indices of the markdown cells with a line matching ``pattern``."""
    return [i for i, c in enumerate(cells(name))
            if c.cell_type == "markdown" and re.search(pattern, c.source, re.M)]


def test_the_reading_order_is_every_notebook():
    assert sorted(p.stem for p in NOTEBOOK_DIR.glob("*.ipynb")) == ORDER


@pytest.mark.parametrize("name", ORDER)
def test_title_setup_summary_exercises_in_that_order(name):
    nb = cells(name)
    assert nb[0].cell_type == "markdown" and nb[0].source.startswith("# "), name
    first_code = next(i for i, c in enumerate(nb) if c.cell_type == "code")
    setup = heading_cells(name, r"^## Setup$")
    assert len(setup) == 1 and setup[0] < first_code, (name, setup, first_code)
    summary = heading_cells(name, r"^## Summary$")
    exercises = heading_cells(name, EXERCISES.pattern)
    assert len(summary) == 1 and len(exercises) == 1, (name, summary, exercises)
    assert setup[0] < summary[0] <= exercises[0], name
    numbered = heading_cells(name, r"^## \d+\. (?!Exercises)")
    assert all(i < summary[0] for i in numbered), (name, numbered, summary)


@pytest.mark.parametrize("position, name", list(enumerate(ORDER)))
def test_the_last_cell_links_the_previous_and_the_next_notebook(position, name):
    footer = cells(name)[-1]
    assert footer.cell_type == "markdown" and footer.source.startswith("---"), name
    links = re.findall(r"(Previous|Next):[^\[]*\[([^\]]+)\]\(([^)]+)\)", footer.source)
    wanted = [("Next", ORDER[(position + 1) % len(ORDER)])]
    if position > 0:
        wanted.insert(0, ("Previous", ORDER[position - 1]))
    assert [(kind, target) for kind, text, target in links] == [
        (kind, f"{other}.ipynb") for kind, other in wanted], (name, links)
    assert all(text == target.removesuffix(".ipynb") for _, text, target in links), links


@pytest.mark.parametrize("name", ORDER)
def test_every_link_to_a_notebook_names_one_that_exists(name):
    for cell in cells(name):
        if cell.cell_type == "markdown":
            for target in re.findall(r"\]\(([\w-]+\.ipynb)(?:#[^)]*)?\)", cell.source):
                assert (NOTEBOOK_DIR / target).is_file(), (name, target)


@pytest.mark.parametrize("name", ORDER)
def test_engineering_notes_are_left_to_the_readme(name):
    for cell in cells(name):
        if cell.cell_type == "markdown":
            # float32 as a matter of precision is the chapter's business; for speed, not
            assert not re.search(r"compil|numba|float32[^.]*(fast|speed)|(fast|speed)[^.]*"
                                 r"float32", cell.source, re.I), (
                name, cell.get("id"), cell.source[:200])


def code_of(name):
    return "\n".join(c.source for c in cells(name) if c.cell_type == "code")


def test_00_says_which_notebooks_read_mnist_as_their_code_does():
    """00: 03 reads the test set (the small mode), 04 the training and test sets."""
    assert "data.load_small()" in code_of("03-log-likelihood")
    assert not re.search(r"load_data_wrapper|load_splits\(\"full\"\)|data\.load\(",
                         code_of("03-log-likelihood"))
    assert "mnist_loader.load_data_wrapper()" in code_of("04-mnist")
    start = "\n".join(c.source for c in cells("00-start-here") if c.cell_type == "markdown")
    assert "(03-log-likelihood reads the test set, 04-mnist both)" in start
    assert "03-log-likelihood needs the two test-set files (`t10k-*`), 04-mnist all four" in start
    for name in ORDER[:3]:   # 00-02 read no MNIST
        assert not re.search(r"load_small|load_data_wrapper|load_splits|data\.load\(",
                             code_of(name)), name


def imported_names(source):
    """The names a code cell binds by import (``import a.b`` binds ``a``)."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names |= {(alias.asname or alias.name).split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            names |= {alias.asname or alias.name for alias in node.names}
    return names


@pytest.mark.parametrize("name", ORDER)
def test_no_exercise_answer_shadows_a_name_the_notebook_imports(name):
    """A reader's answer must not take the name of something the notebook uses from nnlib:
    02's exercise once defined softmax_jacobian(z) over nnlib's softmax_jacobian(a), and
    the notebook's later cells then called the reader's function with a."""
    nb = cells(name)
    is_exercise = [bool(c.get("metadata", {}).get("nnlib")) for c in nb]
    imported = set().union(*(imported_names(c.source) for c, ex in zip(nb, is_exercise)
                             if c.cell_type == "code" and not ex))
    for cell, ex in zip(nb, is_exercise):
        if ex and cell.cell_type == "code":
            line = re.search(r'^check\("\w+", (.*)\)\s*$', cell.source, re.M)
            answers = {a.strip() for a in line.group(1).split(",")}
            assert not answers & imported, (name, answers & imported)
