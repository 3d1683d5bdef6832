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
HTML widget that shows it. Even so, each move waits for the kernel's answer (tens of ms
on a busy machine); ``BarLookup`` (an anywidget) takes the kernel out of that path for
a bar chart: with each chart the kernel sends the chart for every value each slider can
take from there, and the browser shows the one under the moved slider in the same frame.
"""
from __future__ import annotations

from html import escape

import anywidget
import ipywidgets as widgets
import numpy as np
import traitlets
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
            parts.append(text(self.left + self.width / 2, self.top - 8, title,
                              css_class="nnlib-chart-title"))
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


#: The browser half of ``BarLookup``: shows the kernel's SVG and, when one slider has moved
#: since, the row of that slider's table under its new value (bar heights, printed
#: values, title), in the same frame as the move. Two or more sliders moved (the kernel
#: is behind): it waits for the kernel's next chart.
_BAR_LOOKUP_ESM = """
async function render({ model, el }) {
  const sliders = await Promise.all(model.get("sliders").map(
    ref => model.widget_manager.get_model(ref.replace("IPY_MODEL_", ""))));
  const paint = (row) => {
    const { bottom, scale, gap } = model.get("geometry");
    const title = el.querySelector(".nnlib-chart-title");
    if (title) title.textContent = row[0];
    const bars = el.querySelectorAll(".nnlib-bar"), texts = el.querySelectorAll(".nnlib-bar-value");
    row.slice(1).forEach((label, i) => {
      const h = parseFloat(label) * scale;
      bars[i].setAttribute("y", (bottom - h).toFixed(1));
      bars[i].setAttribute("height", h.toFixed(1));
      texts[i].setAttribute("y", (bottom - h - gap).toFixed(1));
      texts[i].textContent = label;
    });
  };
  const show = () => {
    const base = model.get("base"), tables = model.get("tables");
    const moved = sliders.map((s, j) => Math.abs(s.get("value") - base[j]) > 1e-9 ? j : -1)
                         .filter(j => j >= 0);
    if (moved.length !== 1) return;   // none: the kernel's chart is right; several: wait
    const j = moved[0], t = tables[j], v = sliders[j].get("value");
    const row = t.rows[Math.round(((t.log ? Math.log10(v) : v) - t.min) / t.step)];
    if (row) paint(row);
  };
  const draw = () => { el.innerHTML = model.get("svg"); show(); };
  draw();
  model.on("change:svg", draw);
  sliders.forEach(s => s.on("change:value", show));
  return () => sliders.forEach(s => s.off("change:value", show));
}
export default { render };
"""


class BarLookup(anywidget.AnyWidget):
    """A bar chart (SVG from the kernel) that follows its sliders in the browser itself.

    With each chart the kernel sends, for every slider, the chart's bar values (as the
    printed text) and title for every value that slider can take while the others stay
    put (``tables``). The browser then shows a move of one slider in the same frame,
    without waiting for the kernel, from numbers the kernel computed; the kernel's next
    chart, and tables, follow. Made by ``SoftmaxDemo``; ``css_class`` names it in the page.

    The SVG must hold bars of class ``nnlib-bar``, texts of class ``nnlib-bar-value``,
    and a ``nnlib-chart-title``; ``geometry`` says where a value's bar ends: the bottom
    of the axis (px), px per unit, and the gap between a bar and its printed value.
    """

    _esm = _BAR_LOOKUP_ESM
    svg = traitlets.Unicode("").tag(sync=True)
    sliders = traitlets.List(traitlets.Instance(widgets.Widget)).tag(
        sync=True, **widgets.widget_serialization)
    base = traitlets.List(traitlets.Float()).tag(sync=True)
    tables = traitlets.List(traitlets.Dict()).tag(sync=True)
    geometry = traitlets.Dict().tag(sync=True)

    def __init__(self, css_class: str, **kwargs):
        super().__init__(**kwargs)
        self.add_class(css_class)


def slider_table(grid, rows, *, log: bool = False) -> dict:
    """One slider's table for ``BarLookup``: its values ``grid`` (evenly spaced; for a
    log slider, evenly spaced exponents of 10) and a row of texts for each."""
    grid = np.asarray(grid, dtype=float)
    return {"min": float(grid[0]), "step": float(grid[1] - grid[0]), "log": log,
            "rows": [list(row) for row in rows]}
