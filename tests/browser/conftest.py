"""Fixtures for the browser tests: one Chromium per session, and a server for each front
end, JupyterLab and then Notebook 7 (labdriver.FRONT_ENDS).

Every test that uses ``server`` (or a fixture built on it: ``open_page``,
``run_notebook``) runs once per front end, with ids ``[jupyterlab]`` and ``[notebook7]``;
pytest runs all of one front end's tests before starting the next one's server, and
stops the first (its kernels too) in between, so the two never share the machine.
Each server serves copies of notebooks/*.ipynb and notebooks/results from a temporary
folder (the files in the repository are never opened, and autosave is off besides).
Screenshots go to artifacts/screenshots/FRONT_END/ (git-ignored). Where Chromium,
Playwright or a front end is missing the tests skip and say why; with CI=true they fail
instead, since CI must run them.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from ci import IN_CI

import labdriver
from labdriver import NOTEBOOKS, REPO

SCREENSHOTS = REPO / "artifacts" / "screenshots"


def unavailable(reason: str):
    """Skip with ``reason`` here; under CI=true fail with it, since CI must run these."""
    if IN_CI:
        pytest.fail(f"browser tests cannot run in CI: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless, driven by Playwright."""
    if os.environ.get("NNLIB_BROWSER") == "0":
        unavailable("NNLIB_BROWSER=0 turns the browser tests off")
    reason = labdriver.browser_missing()
    if reason:
        unavailable(reason)
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    chromium = labdriver.launch_chromium(playwright)
    yield chromium
    chromium.close()
    playwright.stop()


@pytest.fixture(scope="session", params=labdriver.FRONT_ENDS, ids=lambda f: f.name)
def front_end(request) -> labdriver.FrontEnd:
    """JupyterLab, then Notebook 7: the front end of this run of the test."""
    reason = request.param.missing()
    if reason:
        unavailable(reason)
    return request.param


@pytest.fixture(scope="session")
def start_server(browser, front_end, tmp_path_factory):
    """``start_server(name, **kwargs)``: a LabServer for ``front_end`` in a fresh temporary
    folder ``name``, serving every notebook; each is stopped (sessions, kernels,
    process) when the front end's tests are done."""
    servers = []

    def start(name: str, **kwargs) -> labdriver.LabServer:
        server = labdriver.LabServer(tmp_path_factory.mktemp(name), front_end, **kwargs)
        servers.append(server)
        server.start().add_notebooks(NOTEBOOKS)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture(scope="session")
def server(start_server, front_end):
    """The front end's server."""
    return start_server(front_end.name)


@pytest.fixture(scope="session")
def open_page(browser, server):
    """``open_page(name, server=server)``: notebook ``name`` open, kernel ready.

    In JupyterLab each server gets one browser page and its notebooks open as tabs; in
    Notebook 7 each notebook gets a page of its own.
    """
    pages = {}

    def open_(name: str, server: labdriver.LabServer = server) -> labdriver.NotebookPage:
        key = server if server.front_end.tabs else (server, name)
        if key not in pages:
            pages[key] = browser.new_page(viewport={"width": 1280, "height": 900})
        return labdriver.NotebookPage(pages[key], server).open(name)

    yield open_
    for page in pages.values():
        page.close()


@pytest.fixture(scope="session")
def run_notebook(open_page, front_end):
    """``run_notebook(name)``: notebook ``name`` run once per front end; ``(page, problems)``.

    The first call opens every notebook and starts them all running side by side; each
    call then waits for its own. ``problems`` are what ``NotebookPage.wait_for_widgets``
    found after Run All; a screenshot goes to artifacts/screenshots/FRONT_END/. Later
    tests interact with the same page.
    """
    running, done = {}, {}

    def run(name: str):
        if name not in done:
            if not (REPO / "notebooks" / name).exists():
                unavailable(f"notebooks/{name} does not exist (yet)")
            for path in NOTEBOOKS:
                if path.name not in running:
                    running[path.name] = open_page(path.name).start_run_all()
            page = running[name]
            page.wait_run_all()
            problems = page.wait_for_widgets()
            page.screenshot(SCREENSHOTS / front_end.name / f"{Path(name).stem}.png")
            done[name] = (page, problems)
        return done[name]

    return run
