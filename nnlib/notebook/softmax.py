"""The softmax slider demo of chapter 3 and the static figures around it (Eqs. 78, 79, 83).

Static figures come from plot functions that take ``ax=None`` (a new pyplot figure) or
an axes to draw on, and return the Figure, drawn by two pieces, ``SoftmaxBars`` and
``JacobianHeatmap``. The interactive ``SoftmaxDemo`` shows the same charts drawn by the
browser: each slider move sends a few KB of SVG (``bars_svg``, ``jacobian_svg``) that
replaces the chart in place, so nothing flickers, nothing stacks up, and a drag repaints
within a frame or two (README, Benchmarks). Its matplotlib twins are drawn only for the
picture that pages without widgets show.

The weighted inputs ``z`` here are one output layer's, a 1-D array of ``n`` numbers
(the book's four z^L_1..z^L_4); ``a = softmax(z)`` has the same shape ``(n,)``.
"""
from __future__ import annotations

import ipywidgets as widgets
import numpy as np
from matplotlib import colormaps
from matplotlib.colors import Normalize, to_hex

from .. import checks
from ..activations import sigmoid, softmax, softmax_jacobian
from .svgchart import BarLookup, Panel, chart_widget, color, document, number, slider_table, text
from .widgets import Demo, FloatLogSlider, FloatSlider, LiveFigure, axes_or_new

#: The book's starting weighted inputs; their softmax is (0.315, 0.009, 0.633, 0.043).
START_Z = (2.5, -1.0, 3.2, 0.5)
#: The z sliders' range and step, as in the book: -5 to 5 in steps of 0.1.
Z_MIN, Z_MAX, Z_STEP = -5.0, 5.0, 0.1
#: The c slider of Eq. (83) is logarithmic, from 10**C_LOG_MIN to 10**C_LOG_MAX.
C_LOG_MIN, C_LOG_MAX = -1.0, 2.0
#: The Jacobian entries a_j (delta_jk - a_k) all lie in [-1/4, 1/4]: a fixed colour scale.
JACOBIAN_LIMIT = 0.25


def as_weighted_inputs(z) -> np.ndarray:
    """``z`` as a 1-D float array of finite numbers, or a ValueError/TypeError saying why not."""
    try:
        arr = np.asarray(z, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(
            f"z should be a sequence of numbers, one weighted input per output neuron; "
            f"got {type(z).__name__} {z!r}. Pass e.g. z=(2.5, -1, 3.2, 0.5)."
        ) from None
    if arr.ndim != 1 or arr.size < 2:
        raise ValueError(
            f"z should be one layer's weighted inputs, a 1-D array of at least 2 numbers; "
            f"got shape {arr.shape}. Pass e.g. z=(2.5, -1, 3.2, 0.5), or z.ravel() for a column."
        )
    return checks.finite_array("z", arr)


def format_vector(v, decimals: int = 3) -> str:
    """Numbers in plain ASCII, by default to the book's three decimals: '(0.315, 0.009)'."""
    values = np.asarray(v, dtype=float).reshape(-1)
    return "(" + ", ".join(f"{x:.{decimals}f}" for x in values) + ")"


def significant(x: float, figures: int = 2) -> str:
    """``x`` to ``figures`` significant figures with its sign, '+0.23', '-0.20',
    '-0.00040' or '-3.1e-07'; '0' only for an exact 0. A fixed number of decimals would
    print a small nonzero entry as '-0.000', which reads as zero where nothing is."""
    return "0" if x == 0 else f"{x:+#.{figures}g}"


def readout_text(a) -> str:
    """The widget's readout line: 'a = (0.315, 0.009, 0.633, 0.043)   sum = 1.000' (Eq. 79)."""
    return f"a = {format_vector(a)}   sum = {float(np.sum(a)):.3f}"


class SoftmaxBars:
    """A bar chart of activations a_1..a_n on a fixed 0-1 axis, each value printed on top.

    Made by ``plot_softmax_bars``; ``show(z, c)`` moves the same bars and texts to the
    softmax of new weighted inputs, which is all a slider move changes.
    """

    def __init__(self, ax, n: int):
        self.ax = ax
        positions = np.arange(1, n + 1)
        self.bars = ax.bar(positions, np.zeros(n), width=0.6, color="tab:blue")
        self.labels = [ax.text(x, 0.0, "", ha="center", va="bottom") for x in positions]
        ax.set_xticks(positions, [f"$a_{j}$" for j in positions])
        ax.set_ylim(0, 1.1)  # fixed, so bars move and the axis does not
        ax.set_yticks(np.linspace(0, 1, 5))
        ax.set_ylabel("output activation $a^L_j$")
        ax.grid(axis="x", visible=False)

    def show(self, z, c: float = 1.0) -> np.ndarray:
        """Set bars, labels and title to a = softmax(z, c) (Eqs. 78, 83); return a, shape (n,)."""
        a = softmax(z, c)
        for bar, label, value in zip(self.bars, self.labels, a):
            bar.set_height(value)
            label.set_y(value + 0.01)
            label.set_text(f"{value:.3f}")
        self.ax.set_title(bars_title(z, a, c), fontsize="medium")
        return a


def bars_title(z, a, c: float = 1.0) -> str:
    """The bar chart's title: 'z = (2.5, -1.0, 3.2, 0.5)   sum of a = 1.000' (and c)."""
    c_part = "" if c == 1 else f", c = {c:.3g}"
    return f"z = {format_vector(z, 1)}{c_part}   sum of a = {float(np.sum(a)):.3f}"


def bars_panel(n: int) -> Panel:
    """Where ``bars_svg`` draws n bars: 310 x 190 px, values 0 to 1.1 upwards."""
    return Panel(56, 26, 310, 190, (0.4, n + 0.6), (0, 1.1))


def bars_svg(z, c: float = 1.0) -> str:
    """``SoftmaxBars`` as SVG for the browser to draw: the bars of a = softmax(z, c)
    (Eqs. 78, 83) on the same fixed 0-1.1 axis, each value printed on top (class
    ``nnlib-bar-value``, three decimals) and the same title."""
    a = softmax(z, c)
    n, fill = a.size, color(0)
    panel = bars_panel(n)
    parts = panel.frame(xticks=range(1, n + 1), xlabels=[f"a{j}" for j in range(1, n + 1)],
                        yticks=np.linspace(0, 1, 5), ylabel_format="{:.2f}",
                        ylabel="output activation aᴸⱼ", title=bars_title(z, a, c))
    for j, value in enumerate(a, start=1):
        left, right, top = panel.x(j - 0.3), panel.x(j + 0.3), panel.y(value)
        parts.append(f'<rect class="nnlib-bar" x="{number(left)}" y="{number(top)}" '
                     f'width="{number(right - left)}" height="{number(panel.y(0) - top)}" '
                     f'fill="{fill}"/>')
        parts.append(text(panel.x(j), top - 3, f"{value:.3f}", css_class="nnlib-bar-value"))
    return document(384, 256, parts, f"softmax bar chart, a = {format_vector(a)}")


def plot_softmax_bars(z=START_Z, c: float = 1.0, ax=None):
    """Bar chart of the softmax of ``z`` (Eq. 78; with ``c``, Eq. 83), values to 3 decimals.

    ``z`` has shape (n,). Returns the Figure.
    """
    z = as_weighted_inputs(z)
    bars = SoftmaxBars(axes_or_new(ax, figsize=(4.8, 3.2)), z.size)
    bars.show(z, c)
    return bars.ax.figure


class JacobianHeatmap:
    """The Jacobian da_j/dz_k of the softmax as a heat map, with each entry printed to two
    significant figures (``significant``: no entry is shown as a misleading 0).

    Rows j are the activations, columns k the weighted inputs; red is positive (the
    diagonal), blue negative (everything else). ``show(z)`` recolours it in place.
    """

    def __init__(self, ax, n: int):
        self.ax = ax
        limit = JACOBIAN_LIMIT
        self.image = ax.imshow(np.zeros((n, n)), cmap="RdBu_r", vmin=-limit, vmax=limit)
        self.labels = [[ax.text(k, j, "", ha="center", va="center", fontsize="small")
                        for k in range(n)] for j in range(n)]
        ticks = np.arange(n)
        ax.set_xticks(ticks, [f"$z_{k + 1}$" for k in ticks])
        ax.set_yticks(ticks, [f"$a_{j + 1}$" for j in ticks])
        ax.set_xlabel("weighted input changed, $z_k$")
        ax.set_ylabel("activation, $a_j$")
        ax.grid(False)
        ax.figure.colorbar(self.image, ax=ax, label=r"$\partial a_j / \partial z_k$")

    def show(self, z, c: float = 1.0) -> np.ndarray:
        """Show da/dz = c (diag(a) - a a^T) for a = softmax(z, c); return it, shape (n, n).

        With c != 1 (Eq. 83) the chain rule brings a factor c, and the colour scale
        stretches by c with it.
        """
        jac = c * softmax_jacobian(softmax(z, c))
        self.image.set_data(jac)
        self.image.set_clim(-c * JACOBIAN_LIMIT, c * JACOBIAN_LIMIT)
        for row, values in zip(self.labels, jac):
            for label, value in zip(row, values):
                label.set_text(significant(value))
        self.ax.set_title(r"Jacobian $\partial a_j / \partial z_k$", fontsize="medium")
        return jac


def jacobian_svg(z, c: float = 1.0) -> str:
    """``JacobianHeatmap`` as SVG for the browser to draw: c (diag(a) - a a^T) at
    a = softmax(z, c), coloured on the same fixed scale, each entry to two significant
    figures (``significant``)."""
    jac = c * softmax_jacobian(softmax(z, c))
    n = jac.shape[0]
    limit = c * JACOBIAN_LIMIT
    cmap, norm = colormaps["RdBu_r"], Normalize(-limit, limit)
    panel = Panel(56, 26, 200, 200, (-0.5, n - 0.5), (n - 0.5, -0.5))  # row 1 at the top
    parts = []
    fills = [[to_hex(rgba) for rgba in row] for row in cmap(norm(jac))]  # (n, n) colours
    for j, row in enumerate(jac):
        for k, value in enumerate(row):
            fill = fills[j][k]
            parts.append(f'<rect x="{number(panel.x(k - 0.5))}" y="{number(panel.y(j - 0.5))}" '
                         f'width="{number(panel.width / n)}" height="{number(panel.height / n)}" '
                         f'fill="{fill}"/>')
            parts.append(text(panel.x(k), panel.y(j) + 4, significant(value),
                              css_class="nnlib-jacobian-value"))
    parts += panel.frame(xticks=range(n), xlabels=[f"z{k}" for k in range(1, n + 1)],
                         xlabel="weighted input changed, zₖ",
                         title="Jacobian ∂aⱼ/∂zₖ")
    for j in range(n):
        parts.append(text(panel.left - 6, panel.y(j) + 4, f"a{j + 1}", anchor="end"))
    parts.append(text(panel.left + panel.width + 8, panel.top + 12,
                      f"red > 0, blue < 0; scale ±{limit:.3g}", anchor="start",
                      extra=f' transform="rotate(90 {number(panel.left + panel.width + 8)} '
                            f'{number(panel.top + 12)})"'))
    return document(300, 270, parts, "softmax Jacobian heat map")


def plot_softmax_jacobian(z=START_Z, ax=None):
    """Heat map of da_j/dz_k = a_j (delta_jk - a_k) at a = softmax(z) (exercise after Eq. 79).

    ``z`` has shape (n,). Returns the Figure.
    """
    z = as_weighted_inputs(z)
    heatmap = JacobianHeatmap(axes_or_new(ax, figsize=(4.8, 3.6)), z.size)
    heatmap.show(z)
    return heatmap.ax.figure


def plot_sigmoid_vs_softmax(z=START_Z, ax=None):
    """Side-by-side bars of sigma(z_j) and softmax(z)_j, with each layer's sum in the legend.

    The sigmoid layer's outputs are each in (0, 1) but their sum can be anything in
    (0, n); the softmax layer's always sum to 1 (Eq. 79). ``z`` has shape (n,).
    Returns the Figure.
    """
    z = as_weighted_inputs(z)
    ax = axes_or_new(ax, figsize=(5.6, 3.2))
    positions = np.arange(1, z.size + 1)
    for offset, name, values in ((-0.2, "sigmoid", sigmoid(z)), (0.2, "softmax", softmax(z))):
        ax.bar(positions + offset, values, width=0.4, label=f"{name}: sum = {values.sum():.3f}")
    ax.set_xticks(positions, [f"$a_{j}$" for j in positions])
    ax.set_ylim(0, 1.3)  # headroom for the legend above the bars
    ax.set_yticks(np.linspace(0, 1, 6))
    ax.set_ylabel("output activation $a^L_j$")
    ax.set_title(f"z = {format_vector(z, 1)}", fontsize="medium")
    ax.legend(loc="upper center", ncols=2)
    ax.grid(axis="x", visible=False)
    return ax.figure


def plot_softmax_vs_c(z=START_Z, c_values=None, ax=None):
    """Each a_j of the softmax with constant c (Eq. 83) against c, on a log axis.

    Small c flattens the activations towards the uniform 1/n (dotted line); large c
    sharpens them towards the one-hot of the largest z. ``c_values`` defaults to 200
    values from 0.01 to 100; ``z`` has shape (n,). Returns the Figure.
    """
    z = as_weighted_inputs(z)
    c_values = np.logspace(-2, 2, 200) if c_values is None else np.asarray(c_values, dtype=float)
    if c_values.ndim != 1 or c_values.size < 2 or not np.all(c_values > 0):
        raise ValueError(
            f"c_values should be a 1-D array of at least 2 positive constants (Eq. 83); "
            f"got {c_values!r}. Pass e.g. np.logspace(-2, 2, 200)."
        )
    ax = axes_or_new(ax, figsize=(5.6, 3.4))
    # One column per c: softmax along axis 0 of the (n, len(c_values)) array c * z.
    activations = softmax(z[:, None] * c_values[None, :])
    for j, row in enumerate(activations, start=1):
        ax.plot(c_values, row, label=f"$a_{j}$ ($z_{j}$ = {z[j - 1]:g})")
    ax.axhline(1 / z.size, color="gray", linestyle=":", label=f"uniform 1/{z.size}")
    ax.axvline(1.0, color="gray", linewidth=0.8, linestyle="--")  # c = 1: Eq. (78)
    ax.set_xscale("log")
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("constant $c$ (log scale; $c = 1$ is Eq. 78)")
    ax.set_ylabel("output activation $a^L_j$")
    ax.legend(loc="center left", bbox_to_anchor=(1, 0.5))
    return ax.figure


class SoftmaxDemo(Demo):
    """The book's softmax slider demo: sliders z1..zn drive a bar chart that moves in place.

    ``SoftmaxDemo()`` starts at the book's z = (2.5, -1, 3.2, 0.5). ``with_c=True`` adds
    a logarithmic slider "c" (0.1 to 100) for Eq. (83); ``with_jacobian=True`` adds the
    heat map of da_j/dz_k beside the bars. Display it by making it a cell's last line.

    Each slider move sends the browser a new SVG chart (``bars_svg``, ``jacobian_svg``;
    see ``nnlib.notebook.svgchart``); the matplotlib figures (``bars_figure``,
    ``jacobian_figure``) are drawn only for the picture a page without widgets shows.

    Hooks the browser tests rely on: FloatSliders described "z1".."zn" (and "c"); the bar
    chart is an HTML widget with css class ``nnlib-softmax-bars`` whose SVG prints each
    a_j in a text of class ``nnlib-bar-value``; the readout is a Label with class
    ``nnlib-softmax-readout`` showing ``readout_text(a)``.
    """

    def __init__(self, z=START_Z, *, with_c: bool = False, with_jacobian: bool = False):
        self.start = as_weighted_inputs(z)
        outside = (self.start < Z_MIN) | (self.start > Z_MAX)
        if outside.any():
            raise ValueError(
                f"the sliders run from {Z_MIN} to {Z_MAX}; got z = {self.start} "
                f"(outside at positions {np.flatnonzero(outside).tolist()}). "
                "Choose starting values inside that range."
            )
        self.z_sliders = [
            FloatSlider(value=value, min=Z_MIN, max=Z_MAX, step=Z_STEP,
                        description=f"z{j}", readout_format=".1f")
            for j, value in enumerate(self.start, start=1)
        ]
        self.c_slider = (
            FloatLogSlider(value=1.0, base=10, min=C_LOG_MIN, max=C_LOG_MAX, step=0.01,
                           description="c", readout_format=".3g")
            if with_c else None
        )
        self.reset_button = widgets.Button(description="Reset", icon="undo",
                                           tooltip="Back to the starting z (and c = 1)")
        self.readout = widgets.Label(style={"font_family": "monospace"})
        self.readout.add_class("nnlib-softmax-readout")

        self.bars_chart = BarLookup("nnlib-softmax-bars", sliders=self.sliders)
        panel = bars_panel(self.start.size)
        self.bars_chart.geometry = {"bottom": panel.y(0), "scale": panel.height / panel.ylim[1],
                                    "gap": 3}
        self.bars_figure = LiveFigure(figsize=(4.8, 3.2))
        self.bars = SoftmaxBars(self.bars_figure.ax, self.start.size)
        self.jacobian_chart = self.jacobian_figure = self.jacobian = None
        if with_jacobian:
            self.jacobian_chart = chart_widget("nnlib-softmax-jacobian")
            self.jacobian_figure = LiveFigure(figsize=(4.4, 3.2))
            self.jacobian = JacobianHeatmap(self.jacobian_figure.ax, self.start.size)

        self._resetting = False
        for slider in self.sliders:
            slider.observe(self.update, names="value")
        self.reset_button.on_click(self.reset)

        controls = widgets.VBox([*self.sliders, self.reset_button])
        charts = [c for c in (self.bars_chart, self.jacobian_chart) if c is not None]
        self.widget = widgets.VBox([widgets.HBox([controls, *charts]), self.readout])
        self.update()

    @property
    def live_figures(self) -> list:
        """The matplotlib figures of the picture: the bars, then the Jacobian if shown."""
        return [f for f in (self.bars_figure, self.jacobian_figure) if f is not None]

    @property
    def sliders(self) -> list:
        """Every slider: z1..zn, then c when there is one."""
        return self.z_sliders + ([self.c_slider] if self.c_slider is not None else [])

    @property
    def z(self) -> np.ndarray:
        """The weighted inputs the z sliders show, shape (n,)."""
        return np.array([s.value for s in self.z_sliders])

    @property
    def c(self) -> float:
        """The constant of Eq. (83): the c slider's value, or 1 (Eq. 78) without one."""
        return 1.0 if self.c_slider is None else float(self.c_slider.value)

    def show(self) -> np.ndarray:
        """Send the charts and the readout for the sliders' values: the work of one slider
        move (an SVG of a few KB per chart). Returns a = softmax(z, c), shape (n,)."""
        z, c = self.z, self.c
        a = softmax(z, c)
        with self.bars_chart.hold_sync():  # one message: the chart with its tables
            self.bars_chart.svg = bars_svg(z, c)
            self.bars_chart.base = [float(s.value) for s in self.sliders]
            self.bars_chart.tables = self.lookup_tables(z, c)
        self.readout.value = readout_text(a)
        if self.jacobian_chart is not None:
            self.jacobian_chart.value = jacobian_svg(z, c)
        return a

    def lookup_tables(self, z, c: float) -> list[dict]:
        """For each slider, the bar chart's title and printed values (``bars_title``,
        three decimals) at every value the slider can take while the others stay at
        (z, c): what the browser shows, without waiting for the kernel, when one slider
        moves (``svgchart.BarLookup``). About 30 KB for four z sliders and c."""
        tables = []
        for j, slider in enumerate(self.z_sliders):
            grid = np.round(np.arange(slider.min, slider.max + slider.step / 2, slider.step), 10)
            zs = np.repeat(z[:, None], grid.size, axis=1)  # (n, values): one z per column
            zs[j] = grid
            activations = softmax(zs, c)                    # column by column (Eq. 78/83)
            tables.append(slider_table(grid, (
                [bars_title(zk, ak, c), *(f"{x:.3f}" for x in ak)]
                for zk, ak in zip(zs.T, activations.T))))
        if self.c_slider is not None:
            s = self.c_slider
            exponents = np.round(np.arange(s.min, s.max + s.step / 2, s.step), 10)
            cs = 10.0 ** exponents
            activations = softmax(z[:, None] * cs)  # column k: softmax(z, c_k), Eq. (83)
            tables.append(slider_table(exponents, (
                [bars_title(z, ak, ck), *(f"{x:.3f}" for x in ak)]
                for ck, ak in zip(cs, activations.T)), log=True))
        return tables

    def update(self, change=None) -> None:
        """The sliders' callback: ``show()``, unless a reset is moving several sliders."""
        if not self._resetting:
            self.show()

    def reset(self, button=None) -> None:
        """Put every slider back at its start (c at 1), then redraw once rather than n times."""
        self._resetting = True
        try:
            for slider, value in zip(self.z_sliders, self.start):
                slider.value = value
            if self.c_slider is not None:
                self.c_slider.value = 1.0
        finally:
            self._resetting = False
        self.update()

    def picture(self) -> bytes:
        """The matplotlib figures at the sliders' values, as one PNG (``Demo.picture``)."""
        z, c = self.z, self.c
        self.bars.show(z, c)
        if self.jacobian is not None:
            self.jacobian.show(z, c)
        for live in self.live_figures:
            live.refresh()
        return super().picture()

    def summary(self) -> str:
        names = ", ".join(s.description for s in self.sliders)
        return f"Softmax demo: sliders {names} and a bar chart"
