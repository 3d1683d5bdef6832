"""The one setup line every notebook runs: ``rng = nnlib.notebook.setup()``.

It fixes the plot style and numpy's print precision, and returns a seeded random
generator, so that a notebook run from a fresh kernel prints and draws the same things
every time (nbval compares the saved outputs with a fresh run's).
"""
from __future__ import annotations

import os

import matplotlib as mpl
import numpy as np

#: True when NNLIB_QUICK is set (the test command sets it): slow notebooks then run the
#: same code on less data or fewer epochs, and say so.
QUICK = os.environ.get("NNLIB_QUICK", "") not in ("", "0")

STYLE = {
    "figure.figsize": (6.4, 3.6),
    "figure.dpi": 90,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.frameon": False,
    "svg.hashsalt": "nnlib",
}


def setup(seed: int = 0) -> np.random.Generator:
    """Apply the companion's plot style and print options; return ``default_rng(seed)``.

    The seed makes every random draw in the notebook (initial weights, shuffles, sample
    digits) the same on every run, which is what lets CI compare outputs.
    """
    mpl.rcParams.update(STYLE)
    np.set_printoptions(precision=4, suppress=True)
    return np.random.default_rng(seed)


def mode() -> str:
    """A sentence saying which mode (quick or full) produced a notebook's outputs."""
    if QUICK:
        return "Quick mode (NNLIB_QUICK=1): less data and fewer epochs, as in CI."
    return "Full mode: the complete experiment."
