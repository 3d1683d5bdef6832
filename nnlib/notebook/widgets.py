"""Plumbing for interactive figures: a figure that redraws in place when a slider moves.

A ``LiveFigure`` owns a matplotlib ``Figure`` that is never registered with pyplot (so no
figure leaks, however many times it is redrawn) and shows it as PNG bytes in an
``ipywidgets.Image``. Redrawing swaps the bytes of that one image: nothing is cleared,
so nothing flickers and nothing stacks up, in JupyterLab, Notebook 7 and VS Code alike.

Plot functions in nnlib draw onto an ``ax`` they are given; a notebook calls them once
with ``ax=None`` for the static figure (which GitHub and nbval see), then hands a
``LiveFigure``'s axes to the same function, or updates its artists, for the widget.

Every demo (a slider explorer) is a ``Demo``: it shows as its widget where widgets run,
and carries for pages that cannot run them (GitHub, nbviewer, a JupyterLab without the
widget extension) a PNG of its figure as it first appears and a line of text.

The controls of nnlib's demos are the ipywidgets ones with a guard: ``FloatSlider``,
``FloatLogSlider``, ``IntSlider``, ``Play``, ``Dropdown`` and ``ToggleButtons`` here
refuse, with a ``ControlValueError`` that names the control, what was set and what it
holds, a value the demo behind them cannot show: nan or inf set from code (``demo.sliders[0].value =
float("nan")``; ipywidgets would pass nan through to the plot), a range moved outside the
one the demo was built for (``limits``; eta <= 0, a million epochs), a step that is not a
positive number, or new options for a menu. A finite value outside the range is clamped
to it, as ipywidgets does.
"""
from __future__ import annotations

import base64
import io
import math

import ipywidgets as widgets
import matplotlib as mpl
import matplotlib.image as mpimg
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from traitlets import TraitError, validate


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


class Demo:
    """Base of nnlib's demos: a widget with a picture and a text to stand in for it.

    A subclass sets ``self.widget`` (the box of controls and figures) and ``self.figure``
    (its LiveFigure; a demo with several overrides ``live_figures``), and defines
    ``summary()``. Displayed in a notebook, the demo's output holds three
    representations: the widget view, which JupyterLab, Notebook 7 and VS Code render
    (it ranks above the others); ``image/png``, the figures as they are at that moment,
    which a page that cannot run widgets shows instead (nbconvert, and so nbviewer and
    GitHub, skip a widget view whose state is not saved in the notebook); and
    ``text/plain``.
    """

    widget: widgets.Widget
    figure: LiveFigure

    @property
    def live_figures(self) -> list:
        """The demo's LiveFigures, in the order they are laid out."""
        return [self.figure]

    def summary(self) -> str:
        """What the demo holds, in a few words, e.g. "Softmax demo: sliders z1, z2"."""
        raise NotImplementedError

    def text(self) -> str:
        """The plain-text stand-in: the summary and what to do to use the demo."""
        return f"{self.summary()} (run the notebook to use them)"

    def picture(self) -> bytes:
        """The figures as they are now, as one PNG (side by side, tops aligned)."""
        pngs = [bytes(live.image.value) for live in self.live_figures]
        if len(pngs) == 1:
            return pngs[0]
        images = [mpimg.imread(io.BytesIO(png), format="png") for png in pngs]  # RGBA
        height = max(image.shape[0] for image in images)
        row = np.hstack([np.pad(image, ((0, height - image.shape[0]), (0, 0), (0, 0)),
                                constant_values=1.0) for image in images])  # white below
        buf = io.BytesIO()
        mpimg.imsave(buf, row, format="png")
        return buf.getvalue()

    def _repr_mimebundle_(self, **kwargs):
        bundle = self.widget._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = self.text()
        bundle["image/png"] = base64.b64encode(self.picture()).decode("ascii")
        return bundle


# -- controls that hold ---------------------------------------------------------------
class ControlValueError(TraitError, ValueError):
    """A control of a demo was set, from code, to something the demo cannot show."""


def _refuse(control, trait: str, value, why: str):
    name = control.description or type(control).__name__
    raise ControlValueError(f"{name}: {trait} = {value!r} refused: {why}; it stays at "
                            f"{getattr(control, trait)!r}")


def _finite(control, trait: str, value):
    """``value`` if it is finite (traitlets has already made it a float or an int)."""
    if not math.isfinite(value):
        _refuse(control, trait, value, "a slider holds a finite number, not nan or inf")
    return value


class _HeldRange:
    """Mixin for an ipywidgets slider: value, min, max and step are finite numbers (step
    positive, or None for any), and min and max stay inside ``limits`` (default: the range
    the slider was made with), the widest range the code behind the slider accepts."""

    def __init__(self, *, limits=None, **kwargs):
        self._limits = None   # no limits while the constructor sets the traits
        super().__init__(**kwargs)
        self._limits = (self.min, self.max) if limits is None else tuple(limits)

    @property
    def limits(self) -> tuple:
        """(lowest min, highest max) this slider may be given."""
        return self._limits

    def _inside(self, trait, value):
        if self._limits is not None and not self._limits[0] <= value <= self._limits[1]:
            _refuse(self, trait, value, f"this slider's range must stay inside "
                                        f"[{self._limits[0]}, {self._limits[1]}]")
        return value

    @validate("value")
    def _validate_value(self, proposal):
        _finite(self, "value", proposal["value"])
        return super()._validate_value(proposal)

    @validate("min")
    def _validate_min(self, proposal):
        self._inside("min", _finite(self, "min", proposal["value"]))
        return super()._validate_min(proposal)

    @validate("max")
    def _validate_max(self, proposal):
        self._inside("max", _finite(self, "max", proposal["value"]))
        return super()._validate_max(proposal)

    @validate("step")
    def _validate_step(self, proposal):
        step = proposal["value"]
        if step is not None and not _finite(self, "step", step) > 0:
            _refuse(self, "step", step, "the step must be positive")
        return step


class FloatSlider(_HeldRange, widgets.FloatSlider):
    """``ipywidgets.FloatSlider`` that refuses nan, inf and ranges outside ``limits``."""


class IntSlider(_HeldRange, widgets.IntSlider):
    """``ipywidgets.IntSlider`` whose range stays inside ``limits``."""


class Play(_HeldRange, widgets.Play):
    """``ipywidgets.Play`` whose range stays inside ``limits``."""


class FloatLogSlider(_HeldRange, widgets.FloatLogSlider):
    """``ipywidgets.FloatLogSlider`` that refuses nan and inf; min, max and ``limits`` are
    exponents of ``base``, which stays as it was made."""

    @validate("base")
    def _validate_base(self, proposal):
        if self._limits is not None:
            _refuse(self, "base", proposal["value"], "the base of a demo's slider is fixed")
        return proposal["value"]


class _FixedOptions:
    """Mixin for an ipywidgets selection: its options stay the ones it was made with
    (the demo behind it knows no others)."""

    def __init__(self, **kwargs):
        self._made = False
        super().__init__(**kwargs)
        self._made = True

    @validate("options")
    def _validate_options(self, proposal):
        if self._made:
            _refuse(self, "options", proposal["value"],
                    "the demo behind this control knows only its own options")
        return super()._validate_options(proposal)


class Dropdown(_FixedOptions, widgets.Dropdown):
    """``ipywidgets.Dropdown`` whose options are fixed once made."""


class ToggleButtons(_FixedOptions, widgets.ToggleButtons):
    """``ipywidgets.ToggleButtons`` whose options are fixed once made."""
