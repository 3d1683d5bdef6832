"""Drive JupyterLab or Notebook 7 in Debian's Chromium: a private server, a browser, a
notebook page.

Used by the browser tests (conftest.py) and by benchmarks/bench_browser_latency.py.
Nothing here depends on pytest.

* :data:`FRONT_ENDS`: JupyterLab (``jupyter lab``) and Notebook 7 (``jupyter notebook``).
  Notebook 7 is built from JupyterLab's own components: its page holds the same
  application object, notebook panel, commands and output DOM, so everything below
  works in both. What differs is described by :class:`FrontEnd`: the module that
  starts the server, the class of its server extension (told to expose the app), and
  how a notebook is opened (a tab of one JupyterLab page; a page of its own,
  ``/notebooks/NAME``, in Notebook 7).
* :class:`LabServer` starts one of them (both are ``LabServerApp``s of jupyterlab_server)
  on 127.0.0.1 on a free port, with a token, in a folder of its own (root, settings,
  workspaces, Jupyter config and runtime files), with news pop-ups and autosave off,
  and on ``stop()`` deletes its sessions and kernels and ends the server process it
  started.
* :func:`launch_chromium` starts ``/usr/bin/chromium`` headless through Playwright
  (never a browser downloaded by Playwright).
* :class:`NotebookPage` opens a notebook, waits for its kernel, runs all cells and
  reports what a reader would see: error outputs, cells that never ran, widgets shown
  as text. It talks to the front end through ``window.jupyterapp`` (the server exposes
  it).
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from packaging.version import Version

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
#: User settings the test server starts with: no news or update pop-up over the page,
#: and no autosave, so nothing a test does is written back to a notebook.
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings":
        {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
}


@dataclass(frozen=True)
class FrontEnd:
    """A Jupyter front end the browser tests drive, and what differs between them."""

    name: str  #: the test id and screenshot folder
    title: str  #: as a reader knows it, for messages
    package: str  #: the distribution that provides it
    min_version: str  #: the oldest version of ``package`` with this page
    module: str  #: ``python -m MODULE`` starts its server
    app_class: str  #: its server extension's traitlets class (LabServerApp's subclass)
    #: Its notebooks open as tabs of one page (JupyterLab), or each on a page of its own
    #: at ``/notebooks/NAME`` (Notebook 7).
    tabs: bool

    def missing(self) -> str | None:
        """Why this front end cannot be started here (package absent or too old), or None."""
        try:
            installed = metadata.version(self.package)
        except metadata.PackageNotFoundError:
            installed = None
        if installed is not None and Version(installed) >= Version(self.min_version):
            return None
        found = "is not installed" if installed is None else f"is {installed}"
        return (f"{self.title} needs the Python package {self.package}>={self.min_version}, "
                f"which {found} here: pip install -e . in this checkout")


JUPYTERLAB = FrontEnd("jupyterlab", "JupyterLab", "jupyterlab", "4", "jupyterlab", "LabApp",
                      tabs=True)
NOTEBOOK7 = FrontEnd("notebook7", "Notebook 7", "notebook", "7", "notebook",
                     "JupyterNotebookApp", tabs=False)
FRONT_ENDS = (JUPYTERLAB, NOTEBOOK7)


def browser_missing() -> str | None:
    """Why the browser tests cannot run here (Chromium or Playwright missing), or None."""
    if not CHROMIUM.exists():
        return (f"{CHROMIUM} not found: install Debian's Chromium with "
                "`apt-get install chromium` (python3 dev.py test does this where it can)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the Python package playwright is not installed: pip install -e '.[test]'"
    return None


def launch_chromium(playwright):
    """Debian's Chromium, headless, via Playwright's ``chromium.launch``."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LabServer:
    """A server of our own for ``front_end`` (JupyterLab unless told) in ``base`` (a
    fresh, empty folder).

    The notebooks to serve go in ``self.root``. ``disabled_extensions`` are switched
    off through the server's own Jupyter config (tests use it to see what a page
    without the widget extension looks like). ``env`` adds environment variables for
    the server and its kernels.
    """

    def __init__(self, base: Path, front_end: FrontEnd = JUPYTERLAB, disabled_extensions=(),
                 env=None, startup_timeout=90.0):
        self.front_end = front_end
        self.base = Path(base)
        self.root = self.base / "root"
        self.log_path = self.base / "server.log"
        self.token = secrets.token_hex(16)
        self.port = None
        self.process = None
        self.disabled_extensions = tuple(disabled_extensions)
        self.extra_env = dict(env or {})
        self.startup_timeout = startup_timeout

    # -- files -----------------------------------------------------------------------
    def _write_config(self) -> None:
        for folder in ("root", "settings", "workspaces", "config/labconfig", "runtime"):
            (self.base / folder).mkdir(parents=True, exist_ok=True)
        for name, values in LAB_SETTINGS.items():
            path = self.base / "settings" / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(values))
        page_config = {"disabledExtensions": dict.fromkeys(self.disabled_extensions, True)}
        (self.base / "config/labconfig/page_config.json").write_text(json.dumps(page_config))

    def _env(self) -> dict[str, str]:
        env = dict(os.environ)
        # The kernelspec runs `python`: make it this interpreter's, as in `dev.py lab`.
        env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
        env["JUPYTER_CONFIG_DIR"] = str(self.base / "config")
        env["JUPYTER_RUNTIME_DIR"] = str(self.base / "runtime")
        env["PYTHONHASHSEED"] = "0"
        env.setdefault("NNLIB_QUICK", "1")
        env.update(self.extra_env)
        return env

    def _command(self) -> list[str]:
        # Settings and workspaces go to LabServerApp, the base class of both front ends'
        # apps: `jupyter notebook` loads JupyterLab's server extension too, and either
        # may be the one that answers /lab/api/settings.
        cmd = [
            sys.executable, "-m", self.front_end.module, "--no-browser", "--ip=127.0.0.1",
            f"--port={self.port}", "--ServerApp.port_retries=0",
            f"--ServerApp.root_dir={self.root}", f"--IdentityProvider.token={self.token}",
            f"--LabServerApp.user_settings_dir={self.base / 'settings'}",
            f"--LabServerApp.workspaces_dir={self.base / 'workspaces'}",
            f"--{self.front_end.app_class}.expose_app_in_browser=True",
        ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            cmd.append("--allow-root")
        return cmd

    # -- life cycle --------------------------------------------------------------------
    def start(self) -> "LabServer":
        """Start the server and return once ``/api/status`` answers (or raise with its log)."""
        self._write_config()
        for _attempt in range(3):  # a free port can be taken between probing and binding
            self.port = _free_port()
            with open(self.log_path, "ab") as log:
                self.process = subprocess.Popen(
                    self._command(), stdout=log, stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL, env=self._env(), cwd=self.base)
            if self._wait_ready():
                return self
        raise RuntimeError(f"{self.front_end.title} did not start; its log {self.log_path} "
                           "ends:\n" + self.log_path.read_text(errors="replace")[-3000:])

    def _wait_ready(self) -> bool:
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            try:
                self.api("GET", "status")
                return True
            except OSError:
                time.sleep(0.25)
        self._end_process()
        raise RuntimeError(f"{self.front_end.title} gave no answer within "
                           f"{self.startup_timeout:.0f} s; see {self.log_path}")

    def stop(self) -> None:
        """Delete every session and kernel, then end the server process."""
        if self.process is None or self.process.poll() is not None:
            return  # never started, or already ended
        try:
            for session in self.api("GET", "sessions"):
                self.api("DELETE", f"sessions/{session['id']}")
            for kernel in self.api("GET", "kernels"):
                self.api("DELETE", f"kernels/{kernel['id']}")
        finally:
            self._end_process()

    def _end_process(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=15)

    def __enter__(self) -> "LabServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- talking to it -----------------------------------------------------------------
    def url(self, path: str = "") -> str:
        return f"http://127.0.0.1:{self.port}/{path.lstrip('/')}"

    def api(self, method: str, path: str):
        """Call the REST API (``/api/<path>``); the parsed JSON answer, or None."""
        request = urllib.request.Request(self.url(f"api/{path}"), method=method,
                                         headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=10) as answer:
            body = answer.read()
        return json.loads(body) if body else None

    def add_notebooks(self, paths) -> list[str]:
        """Copy notebooks into the server's root (the originals are never opened), with
        the results folder beside them that 04 reads."""
        names = []
        for path in paths:
            shutil.copy2(path, self.root / Path(path).name)
            names.append(Path(path).name)
            results = Path(path).parent / "results"
            if results.is_dir() and not (self.root / "results").exists():
                shutil.copytree(results, self.root / "results")
        return names


# JavaScript run in the page (the same in JupyterLab and Notebook 7). `nb` is the notebook
# panel the page shows for a path.
_JS_PANEL = """
(path) => {
  const app = window.jupyterapp;
  if (!app) return null;
  return Array.from(app.shell.widgets('main')).find(
    w => w.context && w.context.path === path && w.content) || null;
}
"""
# JupyterLab only: open a notebook as another tab of the page.
_JS_OPEN = """
async (path) => {
  const app = window.jupyterapp;
  await app.restored;
  app.shell.collapseLeft();  // room for the notebook
  await app.commands.execute('docmanager:open', {path});
}
"""
_JS_ACTIVATE = "(path) => window.jupyterapp.shell.activateById((%s)(path).id)" % _JS_PANEL
_JS_WAIT_KERNEL = """
async (path) => {
  const nb = (%s)(path);
  await nb.context.ready;
  await nb.sessionContext.ready;
  const kernel = nb.sessionContext.session.kernel;
  await kernel.info;
  return kernel.name;
}
""" % _JS_PANEL
# Run All for one notebook, by its widget id (so its tab need not be the current one);
# the promise, settled when the last cell has run, is kept for _JS_WAIT_RUN_ALL.
_JS_START_RUN_ALL = """
(path) => {
  const nb = (%s)(path);
  window.nnlibRuns = window.nnlibRuns || {};
  window.nnlibRuns[path] = window.jupyterapp.commands.execute(
    'notebook:run-all-cells', {widgetId: nb.id, activate: false});
}
""" % _JS_PANEL
_JS_WAIT_RUN_ALL = """
async ([path, timeoutMs]) => {
  const timeout = new Promise((_, reject) =>
    setTimeout(() => reject(new Error(`Run All did not finish in ${timeoutMs} ms`)), timeoutMs));
  await Promise.race([window.nnlibRuns[path], timeout]);
}
"""
# One entry per code cell: its execution count, its outputs as saved in the notebook
# file, and for each output the MIME type the page chose to show, its text, and whether
# it is a widget view that failed (the widget manager's error box).
_JS_CELLS = """
(path) => {
  const nb = (%s)(path);
  return nb.content.widgets.filter(c => c.model.type === 'code').map((cell, index) => {
    const outputs = cell.model.toJSON().outputs;
    const shown = Array.from(cell.node.querySelectorAll(
      '.jp-OutputArea-child > .jp-OutputArea-output')).map(node => {
        // The widget renderer is a panel holding the view's node; other renderers
        // name the MIME type they show.
        const view = node.querySelector(':scope > .jupyter-widgets');
        return {mime: view ? '%s' : node.getAttribute('data-mime-type'),
                broken: node.querySelector('.jupyter-widgets-error-widget') !== null,
                text: node.textContent.slice(0, 300)};
      });
    return {index, source: cell.model.sharedModel.getSource().slice(0, 200),
            executionCount: cell.model.executionCount, outputs, shown};
  });
}
""" % (_JS_PANEL, WIDGET_MIME)


class NotebookPage:
    """A Playwright page showing one notebook of a :class:`LabServer`."""

    def __init__(self, page, server: LabServer):
        self.page = page
        self.server = server
        self.path = None

    def open(self, name: str, timeout: float = 60.0) -> "NotebookPage":
        """Open ``name`` and wait until its kernel is ready.

        In JupyterLab the first notebook opened in a page loads JupyterLab (in a fresh
        workspace); later ones open as more tabs of the same JupyterLab, which saves
        its start-up. Notebook 7 shows one notebook a page: the page goes to
        ``/notebooks/NAME`` (so give each notebook a page of its own).
        """
        self.path = name
        token = f"token={self.server.token}"
        if not self.server.front_end.tabs:
            url = self.server.url(f"notebooks/{urllib.parse.quote(name)}")
            if self.page.url.split("?")[0] != url:  # not already showing it
                self.page.goto(f"{url}?{token}")
        elif not self.page.url.startswith(self.server.url()):
            self.page.goto(self.server.url(f"lab?reset&{token}"))
        self.page.wait_for_function("() => window.jupyterapp !== undefined",
                                    timeout=timeout * 1000)
        if self.server.front_end.tabs:
            self.page.evaluate(_JS_OPEN, name)
        self.page.wait_for_function(f"({_JS_PANEL})({json.dumps(name)}) !== null",
                                    timeout=timeout * 1000)
        self.page.evaluate(_JS_WAIT_KERNEL, name)
        return self

    def user_settings(self, plugin: str) -> dict:
        """The user settings the page holds for ``plugin`` (an id such as
        ``@jupyterlab/docmanager-extension:plugin``), as the server sent them."""
        raw = self.page.evaluate(
            "async id => (await window.jupyterapp.serviceManager.settings.fetch(id)).raw",
            plugin)
        return json.loads(raw)

    def activate(self) -> "NotebookPage":
        """Bring this notebook's tab to the front (keys, mouse and screenshots need that)."""
        self.page.evaluate(_JS_ACTIVATE, self.path)
        return self

    def start_run_all(self) -> "NotebookPage":
        """Start running every cell and return at once (notebooks can run side by side)."""
        self.page.evaluate(_JS_START_RUN_ALL, self.path)
        return self

    def wait_run_all(self, timeout: float = 180.0) -> None:
        """Wait until the run ``start_run_all`` began has finished its last cell."""
        self.page.evaluate(_JS_WAIT_RUN_ALL, [self.path, int(timeout * 1000)])

    def run_all(self, timeout: float = 180.0) -> None:
        """Run every cell, returning when the last has finished."""
        self.start_run_all().wait_run_all(timeout)

    def cells(self) -> list[dict]:
        """The code cells as the page has them (see ``_JS_CELLS``)."""
        return self.page.evaluate(_JS_CELLS, self.path)

    def problems(self) -> list[str]:
        """What a reader would see go wrong, one line each; [] when all is well.

        A code cell that did not run; an error output; text on stderr (warnings);
        a widget output that the page shows as text instead of as a widget (or as the
        manager's "Error displaying widget"), or whose view failed to render.
        """
        problems = []
        for cell in self.cells():
            where = f"code cell {cell['index']} ({cell['source'][:60]!r})"
            if cell["executionCount"] is None and cell["source"].strip():
                problems.append(f"{where} did not run")
            for output in cell["outputs"]:
                if output["output_type"] == "error":
                    problems.append(f"{where} raised {output['ename']}: {output['evalue']}")
                elif output["output_type"] == "stream" and output["name"] == "stderr":
                    text = "".join(output["text"]) if isinstance(output["text"], list) else output["text"]
                    problems.append(f"{where} wrote to stderr: {text[:200]!r}")
            wanted = sum(WIDGET_MIME in output.get("data", {}) for output in cell["outputs"])
            as_widgets = [s for s in cell["shown"] if s["mime"] == WIDGET_MIME]
            if len(as_widgets) != wanted:
                text = [s["text"] for s in cell["shown"] if s["mime"] != WIDGET_MIME]
                problems.append(f"{where} has {wanted} widget output(s) but the page shows "
                                f"{len(as_widgets)} as widgets; shown instead: {text}")
            for shown in as_widgets:
                if shown["broken"]:
                    problems.append(f"{where}: a widget did not render: {shown['text']!r}")
        return problems

    def wait_for_widgets(self, timeout: float = 15.0) -> list[str]:
        """``problems()`` once the page has settled: widget views render a moment after
        their outputs arrive, so wait until there are no problems or ``timeout`` passes."""
        deadline = time.monotonic() + timeout
        while True:
            problems = self.problems()
            if not problems or time.monotonic() > deadline:
                return problems
            time.sleep(0.25)

    def screenshot(self, path: Path) -> Path:
        """Save the whole notebook as one PNG (the page is made tall enough to hold it)."""
        self.activate()
        height = self.page.evaluate(
            "() => Math.max(...Array.from(document.querySelectorAll("
            "'.jp-WindowedPanel-outer, .jp-Notebook'), e => e.scrollHeight))")
        size = self.page.viewport_size
        self.page.set_viewport_size({"width": size["width"], "height": min(int(height) + 200, 15000)})
        path.parent.mkdir(parents=True, exist_ok=True)
        self.page.wait_for_timeout(300)  # let the taller layout settle before painting
        self.page.evaluate("() => document.querySelectorAll('.jp-WindowedPanel-outer')"
                           ".forEach(e => { e.scrollTop = 0; })")
        self.page.screenshot(path=str(path))
        self.page.set_viewport_size(size)
        return path

    # -- widgets -------------------------------------------------------------------------
    def locator(self, selector: str, **kwargs):
        """The elements matching ``selector`` in this notebook, its tab brought to the front."""
        self.activate()
        panel_id = self.page.evaluate(f"path => ({_JS_PANEL})(path).id", self.path)
        return self.page.locator(f'[id="{panel_id}"]').locator(selector, **kwargs)

    def slider(self, description: str):
        """The handle (role=slider) of the first ipywidgets slider labelled ``description``."""
        label = self.page.locator(".widget-label", has_text=re.compile(f"^{re.escape(description)}$"))
        return self.locator(".widget-slider", has=label).first.locator(".noUi-handle[role=slider]")

    @staticmethod
    def slider_value(handle) -> float:
        """A slider's value, from ``aria-valuenow`` (its readout uses a Unicode minus)."""
        return float(handle.get_attribute("aria-valuenow"))

    @staticmethod
    def chart_digest(chart) -> str:
        """SHA-256 of what a live chart shows: the markup of the element (the ``<svg>``
        nnlib's demos draw their charts with), so a repaint that changes nothing keeps it."""
        markup = chart.evaluate("e => e.outerHTML")
        return hashlib.sha256(markup.encode()).hexdigest()


def wait_until(condition, timeout: float = 10.0, what: str = "the condition"):
    """Poll ``condition()`` until it returns something truthy (returned), or fail after
    ``timeout`` seconds with an AssertionError naming ``what`` and the last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout:.0f} s for {what}; last saw {value!r}")
        time.sleep(0.05)
