"""Fixtures for the browser tests: one JupyterLab server and one Chromium per session.

The server serves copies of notebooks/*.ipynb and notebooks/results from a temporary
folder (the files in the repository are never opened, and autosave is off besides). Screenshots go to
artifacts/screenshots/ (git-ignored). Where Chromium or Playwright is missing the
tests skip and say why; with CI=true they fail instead, since CI must run them.
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


@pytest.fixture(scope="session")
def start_lab(browser, tmp_path_factory):
    """``start_lab(name, **kwargs)``: a LabServer in a fresh temporary folder ``name``,
    serving every notebook; each is stopped (sessions, kernels, process) at the end."""
    servers = []

    def start(name: str, **kwargs) -> labdriver.LabServer:
        server = labdriver.LabServer(tmp_path_factory.mktemp(name), **kwargs)
        servers.append(server)
        server.start().add_notebooks(NOTEBOOKS)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture(scope="session")
def lab_server(start_lab):
    """The session's JupyterLab."""
    return start_lab("jupyterlab")


@pytest.fixture(scope="session")
def open_page(browser, lab_server):
    """``open_page(name, server=lab_server)``: notebook ``name`` open in a tab, kernel ready.

    Each server gets one browser page running JupyterLab; its notebooks open as tabs.
    """
    pages = {}

    def open_(name: str, server: labdriver.LabServer = lab_server) -> labdriver.NotebookPage:
        if server not in pages:
            pages[server] = browser.new_page(viewport={"width": 1280, "height": 900})
        return labdriver.NotebookPage(pages[server], server).open(name)

    yield open_
    for page in pages.values():
        page.close()


@pytest.fixture(scope="session")
def run_notebook(open_page):
    """``run_notebook(name)``: notebook ``name`` run once per session; ``(page, problems)``.

    The first call opens every notebook and starts them all running side by side; each
    call then waits for its own. ``problems`` are what ``NotebookPage.wait_for_widgets``
    found after Run All; a screenshot goes to artifacts/screenshots/. Later tests
    interact with the same page.
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
            page.screenshot(SCREENSHOTS / f"{Path(name).stem}.png")
            done[name] = (page, problems)
        return done[name]

    return run
