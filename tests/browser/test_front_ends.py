"""labdriver.FrontEnd.missing says why a front end cannot be started here: its package is
absent, or older than the page the tests drive (Notebook 6 is not Notebook 7). The
browser fixtures skip with that reason, or fail with it under CI=true."""
from dataclasses import replace
from importlib import metadata

from labdriver import NOTEBOOK7


def test_a_front_end_whose_package_is_absent_is_missing():
    absent = replace(NOTEBOOK7, package="nnlib-no-such-package")
    assert absent.missing() == (
        "Notebook 7 needs the Python package nnlib-no-such-package>=7, which is not "
        "installed here: pip install -e . in this checkout")


def test_a_front_end_whose_package_is_too_old_is_missing():
    too_old = replace(NOTEBOOK7, min_version="9999")
    installed = metadata.version(NOTEBOOK7.package)
    assert f"package notebook>=9999, which is {installed} here" in too_old.missing()
    at_least = replace(NOTEBOOK7, min_version=installed)
    assert at_least.missing() is None
