"""nnlib.notebook.envcheck: each check on a healthy setup and on the problems it must catch."""
from __future__ import annotations

import gzip
import json
import sys
from importlib import metadata
from pathlib import Path

import numpy as np
import pytest

from nnlib.notebook import envcheck
from nnlib.notebook.envcheck import Finding

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10: the same parser, from PyPI (a test dependency there)
    import tomli as tomllib

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"
EXT = envcheck.WIDGET_EXTENSION


def test_finding_prints_status_detail_and_fix():
    assert str(Finding("numpy", True, "2.0")) == "ok       numpy: 2.0"
    assert str(Finding("x", False, "missing", "install it")) == (
        "PROBLEM  x: missing\n         fix: install it")


def test_report_ends_with_a_verdict():
    fine = [Finding("a", True, "fine")]
    assert envcheck.report(fine).endswith("\n\nEverything checked is fine.")
    mixed = fine + [Finding("b", False, "bad", "fix b"), Finding("c", False, "bad", "fix c")]
    assert envcheck.report(mixed).endswith("\n\n2 problem(s): b, c")


# -- the widget extension ------------------------------------------------------------------
def labextensions(tmp_path, with_extension=True):
    folder = tmp_path / "labextensions"
    if with_extension:
        (folder / EXT).mkdir(parents=True)
        (folder / EXT / "package.json").write_text("{}")
    folder.mkdir(exist_ok=True)
    return [folder]


def config_with(tmp_path, disabled):
    folder = tmp_path / "config"
    (folder / "labconfig").mkdir(parents=True)
    (folder / "labconfig" / "page_config.json").write_text(json.dumps({"disabledExtensions": disabled}))
    return [folder]


def test_widget_extension_of_this_environment_is_found():
    finding = envcheck.check_widget_extension()
    assert finding.ok, finding


def test_widget_extension_installed_and_enabled(tmp_path):
    finding = envcheck.check_widget_extension(labextensions(tmp_path), config_with(tmp_path, {}))
    assert finding.ok and "installed and enabled" in finding.detail


def test_widget_extension_missing_from_every_labextensions_folder(tmp_path):
    finding = envcheck.check_widget_extension(labextensions(tmp_path, False), [])
    assert not finding.ok and "is in none of" in finding.detail
    assert finding.fix.startswith("pip install --force-reinstall jupyterlab_widgets")


@pytest.mark.parametrize("disabled", [{EXT: True}, [EXT], {f"{EXT}:plugin": True}])
def test_widget_extension_disabled(tmp_path, disabled):
    config = config_with(tmp_path, disabled)
    finding = envcheck.check_widget_extension(labextensions(tmp_path), config)
    assert not finding.ok
    assert finding.detail == (f"{EXT} is disabled by {config[0] / 'labconfig' / 'page_config.json'}"
                              ", so sliders and live figures will show as plain text")
    assert finding.fix.startswith(f"jupyter labextension enable {EXT}")


@pytest.mark.parametrize("disabled", [{EXT: False}, {"@jupyter-widgets/jupyterlab-manager-x": True}])
def test_widget_extension_not_disabled_by_other_entries(tmp_path, disabled):
    config = config_with(tmp_path, disabled)
    assert envcheck.check_widget_extension(labextensions(tmp_path), config).ok


@pytest.mark.parametrize("disabled", [None, "everything", 3])
def test_malformed_disabled_extensions_disable_nothing(tmp_path, disabled):
    config = config_with(tmp_path, disabled)
    assert envcheck.check_widget_extension(labextensions(tmp_path), config).ok


def test_unreadable_page_config_is_ignored(tmp_path):
    folder = tmp_path / "config"
    (folder / "labconfig").mkdir(parents=True)
    (folder / "labconfig" / "page_config.json").write_text("{not json")
    assert envcheck.check_widget_extension(labextensions(tmp_path), [folder]).ok


def package_missing(monkeypatch, package):
    """metadata.version raises PackageNotFoundError for ``package``, as if uninstalled."""
    real_version = metadata.version

    def version(name):
        if name == package:
            raise metadata.PackageNotFoundError(name)
        return real_version(name)

    monkeypatch.setattr(envcheck.metadata, "version", version)


def test_widget_package_missing(monkeypatch, tmp_path):
    package_missing(monkeypatch, envcheck.WIDGET_PACKAGE)
    finding = envcheck.check_widget_extension(labextensions(tmp_path), [])
    assert not finding.ok and "jupyterlab_widgets is not installed" in finding.detail


# -- anywidget's extension (the live charts that follow a slider in the browser) ----------
ANY = envcheck.ANYWIDGET_EXTENSION


def test_anywidget_extension_of_this_environment_is_found_and_reported():
    finding = envcheck.check_anywidget_extension()
    assert finding.ok, finding
    assert finding.name in [f.name for f in envcheck.run_checks()]


def test_anywidget_extension_present_and_enabled(tmp_path):
    folder = tmp_path / "labextensions"
    (folder / ANY).mkdir(parents=True)
    (folder / ANY / "package.json").write_text("{}")
    finding = envcheck.check_anywidget_extension([folder], [])
    assert finding.ok and finding.detail == "anywidget (from anywidget) is installed and enabled"


@pytest.mark.parametrize("where", ["nowhere", "the widget manager's only", "folder, no package.json"])
def test_anywidget_extension_missing(tmp_path, where):
    """Missing from every labextensions folder, including when only ipywidgets' own
    extension is there, or its folder lacks the package.json JupyterLab reads."""
    folder = tmp_path / "labextensions"
    folder.mkdir()
    if where == "the widget manager's only":
        labextensions(tmp_path)
    elif where == "folder, no package.json":
        (folder / ANY).mkdir()
    finding = envcheck.check_anywidget_extension([folder], [])
    assert not finding.ok
    assert f"its JupyterLab extension anywidget is in none of ['{folder}']" in finding.detail
    assert "live charts (softmax bars, the neuron's curves) will show 'Error displaying" in finding.detail
    assert finding.fix == "pip install --force-reinstall anywidget, then restart JupyterLab"
    assert "PROBLEM  anywidget extension" in envcheck.report([finding])


def test_anywidget_extension_disabled(tmp_path):
    folder = tmp_path / "labextensions"
    (folder / ANY).mkdir(parents=True)
    (folder / ANY / "package.json").write_text("{}")
    config = config_with(tmp_path, {ANY: True})
    finding = envcheck.check_anywidget_extension([folder], config)
    assert not finding.ok and finding.detail.startswith("anywidget is disabled by ")
    assert finding.fix.startswith("jupyter labextension enable anywidget")
    # disabling ipywidgets' manager is not disabling anywidget, nor the other way round
    assert envcheck.check_anywidget_extension([folder], config_with(tmp_path / "x", {EXT: True})).ok


def test_anywidget_package_missing(monkeypatch, tmp_path):
    package_missing(monkeypatch, envcheck.ANYWIDGET_PACKAGE)
    folders = labextensions(tmp_path)
    finding = envcheck.check_anywidget_extension(folders, [])
    assert not finding.ok and "the package anywidget is not installed" in finding.detail
    assert finding.fix.startswith("pip install anywidget")
    assert envcheck.check_widget_extension(folders, []).ok  # the other one still is


# -- versions -------------------------------------------------------------------------------
def test_minimums_are_the_ones_in_pyproject():
    from packaging.requirements import Requirement

    declared = tomllib.loads(PYPROJECT.read_text())["project"]["dependencies"]
    expected = {r.name: next(s.version for s in r.specifier if s.operator == ">=")
                for r in map(Requirement, declared)}
    minimums = envcheck._minimums()  # from the installed metadata (dev.py reinstalls on change)
    assert {p: minimums[p] for p in envcheck.KEY_PACKAGES} == {p: expected[p] for p in envcheck.KEY_PACKAGES}


def test_versions_of_this_environment_are_fine():
    findings = envcheck.check_versions()
    assert [f.name for f in findings] == list(envcheck.KEY_PACKAGES)
    assert all(f.ok for f in findings), findings


def test_version_too_old_and_package_missing():
    old, missing = envcheck.check_versions(("numpy", "no-such-package-nnlib"),
                                           {"numpy": "999.0", "no-such-package-nnlib": "1.0"})
    assert not old.ok and "is older than nnlib needs (>= 999.0)" in old.detail
    assert old.fix == 'pip install "numpy>=999.0"'
    assert not missing.ok and missing.detail == "not installed (nnlib needs >= 1.0)"


def test_version_recent_enough():
    (finding,) = envcheck.check_versions(("numpy",), {"numpy": "1.0"})
    assert finding.ok and finding.detail == "installed, new enough (nnlib needs >= 1.0)"


# -- MNIST ----------------------------------------------------------------------------------
def write_idx(path: Path, magic: int, shape) -> None:
    """A gzipped IDX file of zeros: magic, the dimensions, then the bytes they promise."""
    header = b"".join(int(n).to_bytes(4, "big") for n in (magic, *shape))
    with gzip.open(path, "wb", compresslevel=1) as f:
        f.write(header + bytes(int(np.prod(shape))))


def test_mnist_test_set_found_training_set_missing(tmp_path):
    write_idx(tmp_path / "t10k-images-idx3-ubyte.gz", 2051, (10_000, 28, 28))
    write_idx(tmp_path / "t10k-labels-idx1-ubyte.gz", 2049, (10_000,))
    test, train = envcheck.check_mnist(tmp_path, cache_dir=tmp_path / "cache")
    assert test == Finding("MNIST test set", True, "10,000 digits, found")
    assert not train.ok and train.detail.startswith(f"not in the data folder ({tmp_path})")
    assert "train-images-idx3-ubyte.gz and train-labels-idx1-ubyte.gz" in train.fix


def test_mnist_damaged_file(tmp_path):
    write_idx(tmp_path / "t10k-images-idx3-ubyte.gz", 2051, (10_000, 28, 28))
    write_idx(tmp_path / "t10k-labels-idx1-ubyte.gz", 2051, (10_000,))  # wrong magic number
    test, _train = envcheck.check_mnist(tmp_path, cache_dir=tmp_path / "cache")
    assert not test.ok and "t10k-labels-idx1-ubyte.gz" in test.detail
    assert test.fix == "copy or download that file again"


def test_mnist_data_dir_that_is_not_a_folder(tmp_path):
    findings = envcheck.check_mnist(tmp_path / "nowhere", cache_dir=tmp_path / "cache")
    assert [f.ok for f in findings] == [False, False]
    assert "which is not a folder" in findings[0].detail


def test_mnist_nothing_anywhere(tmp_path, monkeypatch):
    monkeypatch.delenv("NNLIB_DATA_DIR", raising=False)
    test, _train = envcheck.check_mnist(cache_dir=tmp_path / "cache")
    assert not test.ok and "NNLIB_DATA_DIR is not set" in test.detail


# -- the probe ------------------------------------------------------------------------------
def test_widget_probe_text_stand_in_names_the_fix():
    probe = envcheck.widget_probe()
    bundle = probe._repr_mimebundle_()
    assert bundle["text/plain"] == envcheck.PROBE_TEXT  # ipywidgets cuts it at 110 characters
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert "pip install jupyterlab_widgets" in envcheck.PROBE_TEXT
    assert envcheck.PROBE_CLASS in probe._dom_classes


def test_the_saved_report_is_the_same_on_any_machine_with_the_data(real_mnist_dir, monkeypatch):
    """What 00-start-here saves: no path of the machine, no version that varies, and no
    PROBLEM for data that is present."""
    import os
    import re

    monkeypatch.setenv("NNLIB_DATA_DIR", str(real_mnist_dir))
    text = envcheck.report(envcheck.run_checks())
    assert "PROBLEM" not in text and text.endswith("Everything checked is fine.")
    assert "MNIST training set: 60,000 digits, found" in text
    for machine_path in (str(real_mnist_dir), os.path.expanduser("~"), sys.prefix):
        assert machine_path not in text
    assert not re.search(r"\d+\.\d+\.\d+", text), "a version number varies between machines"
