"""Charts the browser draws: a slider move sends a few KB of SVG, not a PNG.

The live charts of the demos (the softmax bars and Jacobian, the neuron's learning
curves) are SVG text shown by an ``ipywidgets.HTML``, whose view puts its value into the
page as it is (ipywidgets sanitizes descriptions, not an HTML widget's value), in
JupyterLab, Notebook 7 and VS Code alike. Building the text takes about a millisecond
and the browser paints it in the next frame, where drawing a PNG with matplotlib took
tens of milliseconds per move (README, Benchmarks).

A drag never queues stale frames: the ipywidgets front end keeps at most one message per
widget in flight and merges the changes made meanwhile into one, so the kernel only ever
handles the latest value (ipywidgets' message throttle, ``_pending_msgs``).

The static figures (and the PNG a demo carries for pages without widgets) stay
matplotlib's; the pieces here draw the same data on the same fixed axes.

``Panel`` maps one plot area's data ranges to pixels and writes its frame, ticks and
labels; ``document`` wraps the parts into one ``<svg>``; ``chart_widget`` makes the
HTML widget that shows it.
"""
from __future__ import annotations

from html import escape

import ipywidgets as widgets
import numpy as np
from matplotlib.colors import to_hex
from matplotlib.ticker import MaxNLocator

#: Font and line styles shared by every chart (the page's own sans-serif font).
STYLE = ("<style>text{font-family:sans-serif;font-size:11px;fill:#222}"
         ".nnlib-axis{stroke:#444;fill:none}.nnlib-grid{stroke:#ddd}</style>")


def color(i: int) -> str:
    """matplotlib's i-th cycle colour ("C0", "C1", ...) as '#rrggbb', so the live chart
    and the static figure give each curve the same colour."""
    return to_hex(f"C{i}")


def number(v: float) -> str:
    """A pixel coordinate to 0.1 px: short text, no visible rounding."""
    return f"{v:.1f}"


def text(x: float, y: float, content: str, *, anchor: str = "middle", css_class: str = "",
         extra: str = "") -> str:
    """An SVG ``<text>`` at (x, y) px; ``content`` is escaped."""
    cls = f' class="{css_class}"' if css_class else ""
    return (f'<text x="{number(x)}" y="{number(y)}" text-anchor="{anchor}"{cls}{extra}>'
            f"{escape(content)}</text>")


def ticks(low: float, high: float, count: int = 5) -> np.ndarray:
    """Round tick values between ``low`` and ``high``, as matplotlib would choose them."""
    values = MaxNLocator(count).tick_values(low, high)
    return values[(values >= low - 1e-9) & (values <= high + 1e-9)]


class Panel:
    """One plot area ``width`` x ``height`` px with its top left at (left, top), showing
    data x in ``xlim`` and y in ``ylim`` (y grows upwards, as on paper)."""

    def __init__(self, left, top, width, height, xlim, ylim):
        self.left, self.top, self.width, self.height = left, top, width, height
        self.xlim, self.ylim = tuple(map(float, xlim)), tuple(map(float, ylim))

    def x(self, v):
        """Pixel column of data x (a number or an array)."""
        x0, x1 = self.xlim
        return self.left + (np.asarray(v, dtype=float) - x0) / (x1 - x0) * self.width

    def y(self, v):
        """Pixel row of data y (a number or an array)."""
        y0, y1 = self.ylim
        return self.top + (y1 - np.asarray(v, dtype=float)) / (y1 - y0) * self.height

    def frame(self, *, xticks=(), xlabels=None, yticks=(), ylabel_format="{:g}",
              xlabel="", ylabel="", title="") -> list[str]:
        """The axes: a box, y grid lines at ``yticks`` with their values, x ticks (labelled
        by ``xlabels`` or their values), the axis labels and a title above."""
        bottom, right = self.top + self.height, self.left + self.width
        parts = []
        for v in yticks:
            y = number(self.y(v))
            parts.append(f'<line class="nnlib-grid" x1="{number(self.left)}" y1="{y}" '
                         f'x2="{number(right)}" y2="{y}"/>')
            parts.append(text(self.left - 4, self.y(v) + 4, ylabel_format.format(v), anchor="end"))
        labels = xlabels if xlabels is not None else [f"{v:g}" for v in xticks]
        for v, label in zip(xticks, labels):
            x = number(self.x(v))
            parts.append(f'<line class="nnlib-axis" x1="{x}" y1="{number(bottom)}" '
                         f'x2="{x}" y2="{number(bottom + 4)}"/>')
            parts.append(text(self.x(v), bottom + 15, label))
        parts.append(f'<rect class="nnlib-axis" x="{number(self.left)}" y="{number(self.top)}" '
                     f'width="{number(self.width)}" height="{number(self.height)}"/>')
        if xlabel:
            parts.append(text(self.left + self.width / 2, bottom + 30, xlabel))
        if ylabel:
            middle = self.top + self.height / 2
            parts.append(text(self.left - 36, middle, ylabel,
                              extra=f' transform="rotate(-90 {number(self.left - 36)} {number(middle)})"'))
        if title:
            parts.append(text(self.left + self.width / 2, self.top - 8, title))
        return parts

    def polyline(self, xs, ys, stroke: str, *, opacity: float = 1.0, css_class: str = "") -> str:
        """A line through the points (xs, ys), at most one point per two pixel columns
        (finer than the eye sees at 1.8 px wide; it keeps the text and its time small)."""
        xs, ys = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
        most = max(2, int(self.width) // 2)
        if xs.size > most:
            keep = np.unique(np.linspace(0, xs.size - 1, most).round().astype(int))
            xs, ys = xs[keep], ys[keep]
        pixels = np.column_stack([self.x(xs), self.y(ys)]).ravel()
        points = ("%.1f,%.1f " * xs.size % tuple(pixels)).rstrip()
        cls = f' class="{css_class}"' if css_class else ""
        return (f'<polyline{cls} points="{points}" fill="none" stroke="{stroke}" '
                f'stroke-width="1.8" stroke-opacity="{opacity:g}"/>')

    def dot(self, x: float, y: float, fill: str) -> str:
        """A dot at data (x, y)."""
        return f'<circle cx="{number(self.x(x))}" cy="{number(self.y(y))}" r="4" fill="{fill}"/>'


def document(width: int, height: int, parts, label: str) -> str:
    """One ``<svg>`` of ``width`` x ``height`` px holding ``parts``; ``label`` is what a
    screen reader says of it."""
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(label)}">'
            f'{STYLE}{"".join(parts)}</svg>')


def chart_widget(css_class: str) -> widgets.HTML:
    """The widget a live chart is shown in: an ``ipywidgets.HTML`` with ``css_class``
    (the browser tests find the chart by it); set its ``value`` to a ``document``."""
    chart = widgets.HTML()
    chart.add_class(css_class)
    return chart
