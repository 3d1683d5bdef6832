"""Plumbing for interactive figures: a figure that redraws in place when a slider moves.

A ``LiveFigure`` owns a matplotlib ``Figure`` that is never registered with pyplot (so no
figure leaks, however many times it is redrawn) and shows it as PNG bytes in an
``ipywidgets.Image``. Redrawing swaps the bytes of that one image: nothing is cleared,
so nothing flickers and nothing stacks up, in JupyterLab, Notebook 7 and VS Code alike.

Plot functions in nnlib draw onto an ``ax`` they are given; a notebook calls them once
with ``ax=None`` for the static figure (which GitHub and nbval see), then hands a
``LiveFigure``'s axes to the same function, or updates its artists, for the widget.
"""
from __future__ import annotations

import io

import ipywidgets as widgets
import matplotlib as mpl
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure


def axes_or_new(ax=None, ncols: int = 1, nrows: int = 1, figsize=None, **subplots_kw):
    """``ax`` itself when given; otherwise axes on a new pyplot figure, which the notebook
    shows inline (and closes) at the end of the cell. Only static figures come here:
    LiveFigures never touch pyplot. One row gives one axes, or a 1-D array of ``ncols``;
    more rows give an (nrows, ncols) array."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt  # imported here: the widgets never need pyplot

    axes = plt.figure(figsize=figsize, layout="constrained").subplots(
        nrows, ncols, squeeze=False, **subplots_kw)
    if nrows > 1:
        return axes
    return axes[0, 0] if ncols == 1 else axes[0]


def play_step(last: int, frames: int = 60) -> int:
    """Steps per frame of a Play control running from 0 to ``last``: the divisor of
    ``last`` giving closest to ``frames`` frames, so that Play lands exactly on ``last``
    (and can restart from there)."""
    divisors = [d for d in range(1, last + 1) if last % d == 0] or [1]
    return min(divisors, key=lambda d: abs(last / d - frames))


def figure_png(fig: Figure, dpi: float | None = None) -> bytes:
    """Render ``fig`` to PNG bytes with the Agg renderer."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


class LiveFigure:
    """A figure shown in a widget and redrawn in place by ``refresh()``.

    ``LiveFigure(nrows, ncols, figsize=...)`` makes the axes (``.axes``, or ``.ax`` when
    there is one); change what they show, then call ``refresh()``. ``css_class`` names
    the image in the page (the browser tests find figures by it).
    """

    def __init__(self, nrows: int = 1, ncols: int = 1, figsize=None, css_class: str | None = None,
                 **subplots_kw):
        self.figure = Figure(figsize=figsize, layout="constrained")
        FigureCanvasAgg(self.figure)
        self.axes = self.figure.subplots(nrows, ncols, squeeze=False, **subplots_kw).ravel()
        self.image = widgets.Image(format="png")
        if css_class:
            self.image.add_class(css_class)

    @property
    def ax(self):
        if len(self.axes) != 1:
            raise AttributeError(f"this LiveFigure has {len(self.axes)} axes; use .axes[i]")
        return self.axes[0]

    def refresh(self) -> None:
        """Redraw the figure and replace the widget's image with it.

        The first redraw lays the figure out; later ones keep that layout (a slider
        changes the data, not the axes), which about halves the time of a redraw."""
        self.image.value = figure_png(self.figure)
        if self.figure.get_layout_engine() is not None:
            # Drop the engine entirely: even the placeholder that set_layout_engine("none")
            # leaves makes savefig draw twice. The rc context stops matplotlib from
            # putting a default engine back.
            with mpl.rc_context({"figure.autolayout": False,
                                 "figure.constrained_layout.use": False}):
                self.figure.set_layout_engine(None)
