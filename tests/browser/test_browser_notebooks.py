"""Every notebook, opened in Chromium and run top to bottom as a reader would, in JupyterLab
and in Notebook 7 (each test runs once per front end; see conftest.py).

For each notebook: every code cell runs, no cell shows an error or writes to stderr, and
every widget output is drawn as a widget (not as its plain-text stand-in). The checker
itself is tested on wrong answers, in each front end: a notebook that raises, and a
server whose widget extension is switched off.
"""
from __future__ import annotations

import nbformat
import pytest
from labdriver import LAB_SETTINGS, NOTEBOOKS

from nnlib.notebook import envcheck

pytestmark = pytest.mark.browser
START_HERE = "00-start-here.ipynb"


@pytest.mark.parametrize("name", [path.name for path in NOTEBOOKS])
def test_notebook_runs_cleanly_with_widgets(run_notebook, name):
    _page, problems = run_notebook(name)
    assert problems == [], f"{name}:\n" + "\n".join(problems)


def test_start_here_probe_says_widgets_render(run_notebook):
    page, _problems = run_notebook(START_HERE)
    probe = page.locator(f".{envcheck.PROBE_CLASS}")
    assert probe.count() == 1
    assert "Widgets render here" in probe.text_content()


def test_the_page_has_the_test_servers_settings(run_notebook):
    """No news pop-up over the page, no autosave: the server's own settings folder is the
    one the page reads (in Notebook 7 too, whose server runs JupyterLab's beside it)."""
    page, _problems = run_notebook(START_HERE)
    for file, values in LAB_SETTINGS.items():
        package, plugin = file.removesuffix(".jupyterlab-settings").rsplit("/", 1)
        assert page.user_settings(f"{package}:{plugin}") == values


def _broken_notebook(path):
    """A notebook with stderr output, an exception, and a cell the exception stops."""
    cells = ["import sys; print('careful', file=sys.stderr)", "1 / 0", "after = 1"]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)


def test_problems_are_reported_for_a_broken_notebook(server, open_page):
    _broken_notebook(server.root / "broken.ipynb")
    page = open_page("broken.ipynb")
    page.run_all()
    stderr, error, not_run = page.problems()
    assert stderr.startswith("code cell 0 ") and stderr.endswith("wrote to stderr: 'careful\\n'")
    assert error == "code cell 1 ('1 / 0') raised ZeroDivisionError: division by zero"
    assert not_run == "code cell 2 ('after = 1') did not run"


@pytest.fixture(scope="module")
def server_without_widgets(start_server, front_end):
    """A second server of the front end with the widget extension disabled: what readers
    without it see."""
    server = start_server(f"{front_end.name}-no-widgets",
                          disabled_extensions=[envcheck.WIDGET_EXTENSION])
    yield server
    server.stop()  # now, rather than when the front end's tests are done


def test_widgets_shown_as_text_are_reported(server_without_widgets, open_page):
    page = open_page(START_HERE, server_without_widgets)
    page.run_all()
    problems = "\n".join(page.problems())
    # The checker notices, and the notebook tells the reader both ways: the probe's
    # text stand-in and the environment report (its kernel sees the same config).
    assert "has 1 widget output(s) but the page shows 0 as widgets" in problems
    assert envcheck.PROBE_TEXT in problems
    report = page.locator(".jp-OutputArea-output", has_text="PROBLEM  widget extension")
    assert report.count() == 1 and "is disabled by" in report.text_content()
