"""Will the notebooks work here? Checks that 00-start-here runs and prints.

Each check returns a :class:`Finding`: what was checked, whether it is fine, what was
found, and, when it is not fine, the fix. The checks look at the Python environment
that runs this code (the notebook's kernel):

* the widget extension: the ``jupyterlab_widgets`` package and the JupyterLab extension
  ``@jupyter-widgets/jupyterlab-manager`` it installs, present and not disabled. Without
  it every slider and live figure of the companion shows as a line of plain text;
* anywidget's front end: the extension ``anywidget`` that the ``anywidget`` package
  installs for JupyterLab and Notebook 7, present and not disabled. Without it the live
  charts that follow a slider in the browser (the softmax bars, the neuron's curves)
  show "Error displaying widget" while the sliders around them render;
* the versions of numpy, matplotlib, ipywidgets and jupyterlab, against the minimums
  nnlib was installed with (its package metadata, i.e. ``pyproject.toml``);
* MNIST's test and training sets, where ``nnlib.data`` finds them (``NNLIB_DATA_DIR``,
  then its download cache).

When JupyterLab itself runs from another environment than the kernel, the kernel
cannot see that environment; :func:`widget_probe` is a widget whose plain-text fallback
states the problem and the fix, so the page itself shows which of the two you have.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

#: The JupyterLab extension that renders ipywidgets, and the pip package that ships it.
WIDGET_EXTENSION = "@jupyter-widgets/jupyterlab-manager"
WIDGET_PACKAGE = "jupyterlab_widgets"
#: The extension that renders anywidgets (``svgchart.BarLookup``, ``CurveLookup``), and
#: the pip package that ships it.
ANYWIDGET_EXTENSION = "anywidget"
ANYWIDGET_PACKAGE = "anywidget"
#: Packages whose versions are reported (each must meet nnlib's declared minimum).
KEY_PACKAGES = ("numpy", "matplotlib", "ipywidgets", "jupyterlab")


@dataclass(frozen=True)
class Finding:
    """The outcome of one check: ``ok``; ``detail`` says what was found; ``fix`` what to do."""

    name: str
    ok: bool
    detail: str
    fix: str = ""

    def __str__(self) -> str:
        line = f"{'ok     ' if self.ok else 'PROBLEM'}  {self.name}: {self.detail}"
        return line if self.ok else f"{line}\n         fix: {self.fix}"


def _disabled_in(config_dirs, name: str) -> Path | None:
    """The ``labconfig/page_config.json`` under ``config_dirs`` that disables ``name``, if any.

    ``jupyter labextension disable`` records ``{"disabledExtensions": {name: true}}``
    (older JupyterLab: a list of names); disabling one plugin ``name:plugin`` counts too.
    """
    for folder in config_dirs:
        page_config = Path(folder, "labconfig", "page_config.json")
        try:
            disabled = json.loads(page_config.read_text()).get("disabledExtensions", {})
        except (OSError, ValueError, AttributeError):
            continue
        if isinstance(disabled, list):
            disabled = dict.fromkeys(disabled, True)
        if not isinstance(disabled, dict):  # a malformed file disables nothing
            continue
        if any(value and (key == name or key.startswith(name + ":"))
               for key, value in disabled.items()):
            return page_config
    return None


def check_lab_extension(name: str, extension: str, package: str, without: str,
                        labextension_dirs=None, config_dirs=None) -> Finding:
    """Whether JupyterLab (and Notebook 7) run from this environment load the front-end
    ``extension`` that the pip ``package`` installs: the package installed, the
    extension's ``package.json`` in a ``labextensions`` folder, and not disabled.
    ``without`` says what the reader sees without it. ``labextension_dirs`` and
    ``config_dirs`` default to Jupyter's own search paths (``jupyter --paths``); tests
    pass folders of their own.
    """
    install = f"pip install {package} (or: pip install -e .), then restart JupyterLab"
    try:
        version = metadata.version(package)
    except metadata.PackageNotFoundError:
        return Finding(name, False, f"the package {package} is not installed, so {without}",
                       install)
    if labextension_dirs is None or config_dirs is None:
        from jupyter_core.paths import jupyter_config_path, jupyter_path
        labextension_dirs = jupyter_path("labextensions") if labextension_dirs is None else labextension_dirs
        config_dirs = jupyter_config_path() if config_dirs is None else config_dirs
    found = [Path(d, extension) for d in labextension_dirs
             if Path(d, extension, "package.json").is_file()]
    if not found:
        return Finding(name, False, f"{package} {version} is installed but its "
                       f"JupyterLab extension {extension} is in none of "
                       f"{[str(d) for d in labextension_dirs]}, so {without}",
                       f"pip install --force-reinstall {package}, then restart JupyterLab")
    page_config = _disabled_in(config_dirs, extension)
    if page_config is not None:
        return Finding(name, False, f"{extension} is disabled by {page_config}, so {without}",
                       f"jupyter labextension enable {extension}, then restart JupyterLab")
    # no version or path when all is well: the saved check reads the same on any machine
    return Finding(name, True, f"{extension} (from {package}) is installed and enabled")


def check_widget_extension(labextension_dirs=None, config_dirs=None) -> Finding:
    """Whether JupyterLab run from this environment will render widgets at all
    (``check_lab_extension`` of ipywidgets' extension)."""
    return check_lab_extension("widget extension", WIDGET_EXTENSION, WIDGET_PACKAGE,
                               "sliders and live figures will show as plain text",
                               labextension_dirs, config_dirs)


def check_anywidget_extension(labextension_dirs=None, config_dirs=None) -> Finding:
    """Whether JupyterLab and Notebook 7 run from this environment will render the live
    charts that follow their sliders in the browser (anywidgets; ``check_lab_extension``
    of anywidget's extension)."""
    return check_lab_extension("anywidget extension", ANYWIDGET_EXTENSION, ANYWIDGET_PACKAGE,
                               "the live charts (softmax bars, the neuron's curves) will "
                               "show 'Error displaying widget'", labextension_dirs, config_dirs)


def _minimums() -> dict[str, str]:
    """The lowest version of each runtime dependency nnlib was installed with, by name."""
    from packaging.requirements import Requirement

    minimums = {}
    for line in metadata.requires("nnlib") or ():
        requirement = Requirement(line)
        lows = [spec.version for spec in requirement.specifier if spec.operator == ">="]
        if requirement.marker is None and lows:
            minimums[requirement.name] = lows[0]
    return minimums


def check_versions(packages=KEY_PACKAGES, minimums=None) -> list[Finding]:
    """One finding per package: installed, and at least the version nnlib asks for.

    ``minimums`` maps package names to lowest versions; by default nnlib's own
    declared minimums (``pyproject.toml``, as installed).
    """
    from packaging.version import Version

    fix_install = "pip install -e . in this checkout (or: python3 dev.py lab, which does it)"
    if minimums is None:
        try:
            minimums = _minimums()
        except metadata.PackageNotFoundError:
            return [Finding("nnlib", False, "nnlib is importable but not installed, so its "
                            "dependencies were never checked", fix_install)]
    findings = []
    for package in packages:
        low = minimums.get(package)
        wanted = f">= {low}" if low else "any version"
        try:
            version = metadata.version(package)
        except metadata.PackageNotFoundError:
            findings.append(Finding(package, False, f"not installed (nnlib needs {wanted})",
                                    fix_install))
            continue
        if low and Version(version) < Version(low):
            findings.append(Finding(package, False, f"{version} is older than nnlib needs "
                                    f"({wanted})", f'pip install "{package}>={low}"'))
        else:  # the version itself varies from machine to machine: only whether it will do
            findings.append(Finding(package, True, f"installed, new enough (nnlib needs "
                                                   f"{wanted})"))
    return findings


def check_mnist(data_dir=None, cache_dir=None) -> list[Finding]:
    """One finding each for MNIST's test set (10,000 digits) and training set (60,000).

    Looks where ``nnlib.data`` looks (the data folder, ``NNLIB_DATA_DIR`` by default,
    then the download cache), never downloading, and reads each set found in full, so
    that a damaged or wrong file is reported as well as a missing one.
    """
    try:
        from nnlib import data
    except ImportError as error:
        return [Finding("MNIST", False, f"nnlib.data cannot be imported ({error})",
                        "pip install -e . in this checkout (or: python3 dev.py lab)")]
    findings = []
    for part, key in (("test set", "test"), ("training set", "train")):
        name, files = f"MNIST {part}", data.SETS[key]
        try:
            paths = data.locate(files, data_dir=data_dir, cache_dir=cache_dir,
                                download=False, progress=False)
            images, _labels = data.read_set(paths, files)
        except data.MnistUnavailableError:
            folder = data.resolve_data_dir(data_dir)
            findings.append(Finding(
                name, False, f"not in the data folder ({folder or 'NNLIB_DATA_DIR is not set'}) "
                f"nor in the download cache ({data.resolve_cache_dir(cache_dir)})",
                "with internet access, nothing: nnlib.data downloads the files the first time "
                f"a notebook needs them. Offline: put {' and '.join(f + '.gz' for f in files)} "
                "in a folder and set NNLIB_DATA_DIR to it before starting JupyterLab"))
        except data.MnistFormatError as damaged:
            findings.append(Finding(name, False, str(damaged),
                                    "copy or download that file again"))
        except (TypeError, ValueError) as error:  # NNLIB_DATA_DIR is not a folder
            findings.append(Finding(name, False, str(error),
                                    "set NNLIB_DATA_DIR to the folder holding the MNIST files"))
        else:
            # where they were found varies from reader to reader: not in the saved report
            findings.append(Finding(name, True, f"{len(images):,} digits, found"))
    return findings


def run_checks() -> list[Finding]:
    """Every check above, in the order 00-start-here prints them."""
    return [check_widget_extension(), check_anywidget_extension(), *check_versions(),
            *check_mnist()]


def report(findings) -> str:
    """The findings as lines of text, then a one-line verdict."""
    problems = [f for f in findings if not f.ok]
    verdict = (f"{len(problems)} problem(s): " + ", ".join(f.name for f in problems)
               if problems else "Everything checked is fine.")
    return "\n".join([*map(str, findings), "", verdict])


#: What the widget probe shows as text where widgets do not render (at most the 110
#: characters ipywidgets keeps of a widget's plain-text form).
PROBE_TEXT = (f"If you can read this, widgets don't render here. "
              f"Fix: pip install {WIDGET_PACKAGE}, restart JupyterLab.")
PROBE_CLASS = "nnlib-widget-probe"


def widget_probe():
    """A small widget that says it works where widgets render, and says the fix where not.

    A page without the widget extension shows a widget's plain-text form instead of the
    widget; this one's plain-text form is :data:`PROBE_TEXT`.
    """
    import ipywidgets as widgets

    class WidgetProbe(widgets.HTML):
        def __repr__(self):
            return PROBE_TEXT

    probe = WidgetProbe("<b>&#10004; Widgets render here.</b> Sliders and live figures will work.")
    probe.add_class(PROBE_CLASS)
    return probe
