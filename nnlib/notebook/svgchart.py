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
``CurveLookup`` does the same for learning curves (the neuron explorer's): the browser
draws them, from pixel rows the kernel computed for every value of each slider, and
moves along them with the epoch slider or Play without the kernel at all.
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


#: The browser half of ``CurveLookup``. ``paint`` draws one chart state: the kernel's
#: frame (axes, ticks, labels: an ``<svg>`` from ``document``), each run's curves (faint
#: whole, solid up to the epoch, a dot there; at most one point per two pixel columns),
#: the legend and the readout table at the epoch. Which state: the kernel's (any epoch;
#: the epoch slider and Play never wait for the kernel), or, when exactly one lookup
#: slider has moved since (and the epoch has not), that slider's table row under its
#: value. Several moved: the kernel's next state is awaited. One paint per message or
#: move, in the same task (so in the frame of the move), and none when nothing would change.
_CURVE_LOOKUP_ESM = """
const esc = s => String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
async function render({ model, el }) {
  const get = ref => model.widget_manager.get_model(ref.replace("IPY_MODEL_", ""));
  const sliders = await Promise.all(model.get("sliders").map(get));
  const epochSlider = await get(model.get("epoch_slider"));
  el.innerHTML = '<div style="display:flex;flex-flow:row wrap;align-items:center">' +
    '<div class="nnlib-curves"></div><div class="' + model.get("readout_class") + '"></div></div>';
  const chart = el.querySelector(".nnlib-curves"), readout = chart.nextSibling;
  const pixels = view => new Int16Array(view.buffer, view.byteOffset, view.byteLength / 2);
  const polyline = (x, ys, start, count, color, opacity, width) => {
    const most = Math.max(2, Math.floor(width / 2)), kept = [];
    if (count > most) {
      for (let k = 0; k < most; k++) {
        const i = Math.round(k * (count - 1) / (most - 1));
        if (kept[kept.length - 1] !== i) kept.push(i);
      }
    } else for (let i = 0; i < count; i++) kept.push(i);
    const points = kept.map(i => x(i) + "," + (ys[start + i] / 10).toFixed(1)).join(" ");
    return '<polyline points="' + points + '" fill="none" stroke="' + color +
           '" stroke-width="1.8" stroke-opacity="' + opacity + '"/>';
  };
  const paint = (state, ys, offset, epoch, rows) => {
    const g = model.get("geometry"), n = g.epochs, e = Math.min(epoch, n);
    const [x0, x1] = g.xlim, parts = [];
    state.labels.forEach((label, r) => {
      const color = g.colors[r];
      g.panels.forEach(([left, top, width], p) => {
        const x = i => (left + (i - x0) / (x1 - x0) * width).toFixed(1);
        const start = offset + (r * g.panels.length + p) * (n + 1);
        parts.push(polyline(x, ys, start, n + 1, color, 0.25, width),
                   polyline(x, ys, start, e + 1, color, 1, width),
                   '<circle cx="' + x(e) + '" cy="' + (ys[start + e] / 10).toFixed(1) +
                   '" r="4" fill="' + color + '"/>');
      });
      const [lx, ly] = g.legend[r];
      parts.push('<line x1="' + lx + '" y1="' + ly + '" x2="' + (lx + 24) + '" y2="' + ly +
                 '" stroke="' + color + '" stroke-width="2"/>',
                 '<text x="' + (lx + 30) + '" y="' + (ly + 4) + '" text-anchor="start">' +
                 esc(label) + '</text>');
    });
    const svg = model.get("frames")[state.frame].replace("</svg>", parts.join("") + "</svg>");
    const cells = rows(e);
    const html = "<b>" + esc(g.readout_title) + " " + e + "</b><table><tr>" +
      g.readout_head.map(h => "<th>" + esc(h) + "</th>").join("") + "</tr>" +
      cells.map(row => "<tr>" + row.split("\t").map(c => "<td>" + esc(c) + "</td>").join("") +
                       "</tr>").join("") +
      "</table><small>" + esc(g.readout_note) + "</small>";
    if (svg !== shown.svg) chart.innerHTML = shown.svg = svg;
    if (html !== shown.html) readout.innerHTML = shown.html = html;
  };
  const shown = { svg: null, html: null };
  const show = () => {
    const base = model.get("base"), epoch = epochSlider.get("value");
    const moved = sliders.map((s, j) => Math.abs(s.get("value") - base[j]) > 1e-9 ? j : -1)
                         .filter(j => j >= 0);
    if (moved.length === 0) {
      const state = model.get("state");
      return paint(state, pixels(model.get("curves")), 0, epoch, e => state.readout[e]);
    }
    if (moved.length > 1 || epoch !== model.get("base_epoch")) return;  // wait for the kernel
    const j = moved[0], table = model.get("tables")[j];
    const row = table.rows[Math.round((sliders[j].get("value") - table.min) / table.step)];
    if (row) paint(row, pixels(model.get("table_curves")), row.offset, epoch, () => row.readout);
  };
  let pending = false;
  const schedule = () => {  // once, straight after the changes of one message or move
    if (!pending) { pending = true; queueMicrotask(() => { pending = false; show(); }); }
  };
  show();
  model.send({ want: "tables" });  // the kernel computes them only for a view that draws
  model.on("change", schedule);
  [...sliders, epochSlider].forEach(s => s.on("change:value", schedule));
  return () => [...sliders, epochSlider].forEach(s => s.off("change:value", schedule));
}
export default { render };
"""


class CurveLookup(anywidget.AnyWidget):
    """Learning curves against epoch that the browser draws and moves along by itself.

    The kernel sends the chart's ``state`` (its frame, a key of ``frames``; a legend
    label per run; the readout's rows at every epoch, a row one string with a tab
    between its cells) with its ``curves`` (int16 pixel
    rows, tenths of a px: run by run, panel by panel, one value per epoch), and, for
    each slider of ``sliders``, a table with the same for every value that slider can
    take while the others stay put (``tables``: rows whose readout is at ``base_epoch``,
    pixels in ``table_curves`` from each row's ``offset``). The browser shows the epoch
    slider's epoch of the kernel's state, or the row of the one slider that has moved,
    in the frame of the move; the kernel's next state follows. ``geometry`` places the
    panels, the legend and the readout (see ``_CURVE_LOOKUP_ESM``). Made by
    ``NeuronExplorer``; ``css_class`` names it in the page, ``readout_class`` its readout.
    A view sends ``{"want": "tables"}`` when it renders: the tables are for views only.
    """

    _esm = _CURVE_LOOKUP_ESM
    sliders = traitlets.List(traitlets.Instance(widgets.Widget)).tag(
        sync=True, **widgets.widget_serialization)
    epoch_slider = traitlets.Instance(widgets.Widget).tag(sync=True, **widgets.widget_serialization)
    readout_class = traitlets.Unicode("").tag(sync=True)
    geometry = traitlets.Dict().tag(sync=True)
    frames = traitlets.Dict().tag(sync=True)
    state = traitlets.Dict().tag(sync=True)
    curves = traitlets.Bytes(b"").tag(sync=True)
    base = traitlets.List(traitlets.Float()).tag(sync=True)
    base_epoch = traitlets.Int(0).tag(sync=True)
    tables = traitlets.List(traitlets.Dict()).tag(sync=True)
    table_curves = traitlets.Bytes(b"").tag(sync=True)

    def __init__(self, css_class: str, **kwargs):
        super().__init__(**kwargs)
        self.add_class(css_class)


def pixel_rows(values, ylim, panel: Panel) -> np.ndarray:
    """Pixel rows of ``values`` (any shape) in ``panel`` with y limits ``ylim`` (one pair,
    or arrays of low and high limits that broadcast against ``values``), in tenths of a
    pixel as int16: what ``CurveLookup`` draws."""
    y0, y1 = (np.asarray(v, dtype=float) for v in ylim)
    rows = panel.top + (y1 - np.asarray(values, dtype=float)) / (y1 - y0) * panel.height
    return np.clip(np.round(rows * 10), -32768, 32767).astype(np.int16)
