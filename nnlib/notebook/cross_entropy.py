"""The single sigmoid neuron that opens chapter 3: training it, plotting it, a widget for it.

The toy problem: one neuron with one input ``x = 1`` and one weight ``w`` and bias ``b``,
taught to output ``y = 0``. Its output is ``a = sigma(z)`` with ``z = w x + b``. Each
epoch is one gradient-descent step on that single example:

    w <- w - eta dC/dw,    b <- b - eta dC/db,    dC/dw = x dC/dz,    dC/db = dC/dz,

where ``dC/dz`` is the cost's ``delta`` from :mod:`nnlib.costs`: ``(a - y) sigma'(z)``
for the quadratic cost (Eqs. 55-56, which slow down when the neuron saturates) and
``a - y`` for the cross-entropy (Eqs. 61-62, which do not). Nothing here re-derives a
cost: values come from the cost's ``fn``/``fn_z``, gradients from its ``delta`` (the one
exception, ``book_cross_entropy``, is the book's formula, kept to show how it fails).

``train`` returns a :class:`Trajectory` (every epoch's w, b, output, cost and gradient);
the plot functions draw onto an ``ax`` (a new inline figure when ``ax`` is None) and
return the Figure; ``animate_runs`` draws runs epoch by epoch as an animation that plays
on a static page; :class:`NeuronExplorer` is the interactive version, with sliders and
a Play control.

"Break it": three mistakes, each shown both ways. ``train(..., step="sigma' put back")``
puts sigma'(z) back into the cross-entropy's output error; ``book_cross_entropy`` is the
book's cost from ``a`` under ``nan_to_num``, against ``fn_z`` (``saturation_z``,
``plot_saturated_cost``); ``train_chain`` trains a two-neuron chain whose output or hidden
neuron starts saturated (``plot_chain``).
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass

import ipywidgets as widgets
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .. import checks
from ..activations import sigmoid, sigmoid_prime
from ..costs import CrossEntropyCost, QuadraticCost
from ..network import Network
from .animation import Animation, record
from .svgchart import CurveLookup, Panel, color, document, pixel_rows, ticks
from .widgets import (Demo, FloatSlider, IntSlider, LiveFigure, Play, ToggleButtons,
                      axes_or_new, play_step)

#: The two costs the toy neuron can learn with, by the names the widget shows.
COSTS = {"quadratic": QuadraticCost, "cross-entropy": CrossEntropyCost}

#: The book's two starting points (w, b): a neuron that starts fairly wrong (output
#: about 0.82) and one that starts badly wrong and saturated (output about 0.98).
DEMO_STARTS = ((0.6, 0.9), (2.0, 2.0))

#: How each epoch's step is taken. "gradient" is gradient descent on w and b
#: (Eqs. 55-56, 61-62). "dC/da" replays the book's web animation of the cross-entropy,
#: whose code stepped w and b by eta dC/da (Eq. 75) instead of by the gradient.
#: "sigma' put back" is the "fix" readers of network2.py keep proposing for the
#: cross-entropy's output error: (a - y) sigma'(z) instead of a - y (Eq. 66). It is the
#: quadratic cost's step (Eqs. 55-56), slowdown included.
STEPS = ("gradient", "dC/da", "sigma' put back")


def _cost_class(cost):
    """The cost class for a name in COSTS (or one of those classes itself)."""
    if cost in COSTS.values():
        return cost
    return COSTS[checks.choice("cost", cost, COSTS)]


def _cost_name(cost_class) -> str:
    return next(name for name, c in COSTS.items() if c is cost_class)


def _forward(z, cost, y):
    """a = sigma(z) and delta = dC/dz (the cost's ``delta``) for weighted inputs z."""
    a = sigmoid(z)
    return a, cost.delta(z, a, y)


def _costs(z, cost, y):
    """The cost of each entry of the 1-D array ``z``, each taken as one example."""
    return cost.fn_z(np.reshape(z, (1, -1)), y, axis=0)


def neuron_state(w, b, cost="quadratic", x=1.0, y=0.0):
    """One neuron's output, cost and gradient at weight ``w`` and bias ``b``.

    Returns ``(a, C, dC/dw, dC/db)`` as floats: ``a = sigma(w x + b)``; ``C`` from the
    cost's ``fn_z`` (Eq. 54 or Eq. 57 for one example, exact even when ``a`` rounds to 0
    or 1); the gradient from the cost's ``delta`` = dC/dz, times ``x`` for the weight
    (Eqs. 55-56 for the quadratic cost, Eqs. 61-62 for the cross-entropy).
    """
    cost = _cost_class(cost)
    x, y = checks.real("x", x), checks.real("y", y, minimum=0, maximum=1)
    z = np.array([checks.real("w", w) * x + checks.real("b", b)])  # (1,)
    a, delta = _forward(z, cost, y)
    return float(a[0]), float(_costs(z, cost, y)[0]), x * float(delta[0]), float(delta[0])


@dataclass(frozen=True)
class Trajectory:
    """Every epoch of one training run of the toy neuron, with the settings that made it.

    The arrays have ``epochs + 1`` entries: entry ``e`` is the state after ``e`` steps
    (entry 0 is the start). ``grad_w``/``grad_b`` are the true gradient at that state
    (Eqs. 55-56 or 61-62), whichever ``step`` rule moved the neuron.
    """

    cost: str        # "quadratic" (Eq. 54) or "cross-entropy" (Eq. 57)
    w0: float        # starting weight
    b0: float        # starting bias
    eta: float       # learning rate
    epochs: int      # number of steps (one example, so one step per epoch)
    x: float         # the input
    y: float         # the desired output
    step: str        # "gradient" or "dC/da" (the book's web animation), see STEPS
    w: np.ndarray    # (epochs + 1,) weight
    b: np.ndarray    # (epochs + 1,) bias
    a: np.ndarray    # (epochs + 1,) output sigma(w x + b)
    C: np.ndarray    # (epochs + 1,) cost
    grad_w: np.ndarray  # (epochs + 1,) dC/dw
    grad_b: np.ndarray  # (epochs + 1,) dC/db

    @property
    def label(self) -> str:
        """A legend entry naming the settings, e.g. 'quadratic, w=2, b=2, η=0.15'."""
        rule = {"gradient": "", "dC/da": ", step by dC/da", "sigma' put back": ", σ′ put back"}
        return f"{self.cost}, w={self.w0:g}, b={self.b0:g}, η={self.eta:g}{rule[self.step]}"

    @property
    def C_relative(self) -> np.ndarray:
        """The cost as a fraction of its start, C / C(0): costs of different scale (the
        cross-entropy from w = b = 2 starts at 4.0, the quadratic cost at 0.48) on one axis."""
        if self.C[0] == 0:
            raise ValueError("this run starts at zero cost (its output is its target), so "
                             "C / C(0) is undefined; plot quantity='cost' instead")
        return self.C / self.C[0]


def train(w=0.6, b=0.9, *, eta=0.15, epochs=300, cost="quadratic", x=1.0, y=0.0,
          step="gradient") -> Trajectory:
    """Train the toy neuron for ``epochs`` steps of size ``eta``; return its Trajectory.

    The defaults are the book's first demo (w = 0.6, b = 0.9, eta = 0.15, 300 epochs,
    quadratic cost, x = 1, y = 0). ``step="dC/da"`` moves w and b by ``eta x dC/da`` and
    ``eta dC/da`` (the cost's ``grad_a``, Eq. 75) as the book's animation did.
    """
    w, b = checks.real("w", w), checks.real("b", b)
    eta = checks.real("eta", eta, positive=True, detail=", e.g. eta=0.15")
    (run,) = train_many([w], [b], [eta], epochs=epochs, cost=cost, x=x, y=y, step=step)
    return run


def train_many(w, b, eta, *, epochs=300, cost="quadratic", x=1.0, y=0.0,
               step="gradient") -> list[Trajectory]:
    """``train`` for many starts at once: run i starts at ``w[i]``, ``b[i]`` and steps by
    ``eta[i]`` (three 1-D arrays of one length). Each epoch steps every run in one
    array operation, so a run comes out exactly as ``train`` gives it alone, and a
    hundred runs cost little more than one (the neuron explorer trains every value of
    a slider so).
    """
    w, b, eta = (np.array(v, dtype=float) for v in (w, b, eta))
    if not w.ndim == 1 or not w.shape == b.shape == eta.shape:
        raise ValueError(f"w, b and eta must be 1-D arrays of one length (one entry a run); "
                         f"got shapes {w.shape}, {b.shape} and {eta.shape}")
    if not (np.isfinite(w).all() and np.isfinite(b).all() and np.isfinite(eta).all()
            and (eta > 0).all()):
        raise ValueError("w and b must be finite and eta finite and > 0, e.g. eta=0.15")
    x, y = checks.real("x", x), checks.real("y", y, minimum=0, maximum=1)
    epochs = checks.integer("epochs", epochs, 0, 100_000)
    checks.choice("step", step, STEPS)
    cost_class = _cost_class(cost)
    if step == "sigma' put back" and cost_class is not CrossEntropyCost:
        raise ValueError("step=\"sigma' put back\" multiplies the cross-entropy's output error "
                         f"by sigma'(z); the {_cost_name(cost_class)} cost's already has it. "
                         "Use cost='cross-entropy'.")
    ws, bs, z = (np.empty((epochs + 1, w.size)) for _ in range(3))  # (epochs + 1, runs)
    for e in range(epochs + 1):
        ws[e], bs[e], z[e] = w, b, w * x + b
        a, delta = _forward(z[e], cost_class, y)
        if step == "dC/da" and (a * (1 - a) == 0).any():
            i = int(np.argmax(a * (1 - a) == 0))
            raise ValueError(f"the dC/da rule divides by a(1 - a), which is 0 once the output "
                             f"rounds to {float(a[i]):g} (epoch {e}, z = {z[e, i]:g}); start "
                             "from a less saturated w and b, or use step='gradient'")
        if step == "dC/da":
            move = cost_class.grad_a(a, y)
        elif step == "sigma' put back":
            move = delta * sigmoid_prime(z[e])
        else:
            move = delta
        w, b = w - eta * x * move, b - eta * move
    a, delta = _forward(z.T, cost_class, y)                       # (runs, epochs + 1)
    C = _costs(z.T, cost_class, y).reshape(a.shape)
    return [Trajectory(_cost_name(cost_class), float(ws[0, i]), float(bs[0, i]), float(eta[i]),
                       epochs, x, y, step, w=ws[:, i].copy(), b=bs[:, i].copy(), a=a[i],
                       C=C[i], grad_w=x * delta[i], grad_b=delta[i])
            for i in range(w.size)]


def integrate_dc_da(a, y, cost="cross-entropy"):
    """C(a) - C(a[0]) by integrating the cost's dC/da along the grid ``a`` (Eqs. 75-76).

    The cumulative trapezoid rule on the cost's ``grad_a``; ``a`` is an increasing 1-D
    grid inside (0, 1). Comparing the result with the closed form (``fn``) checks that
    integrating Eq. (75) gives back Eq. (76) up to a constant.
    """
    a = np.asarray(a, dtype=float)
    if a.ndim != 1 or a.size < 2 or not np.all(np.diff(a) > 0) or a[0] <= 0 or a[-1] >= 1:
        span = f" from {a.min():g} to {a.max():g}" if a.size else ""
        raise ValueError("a must be an increasing 1-D grid of at least 2 points inside (0, 1); "
                         f"got shape {a.shape}{span}.")
    slope = _cost_class(cost).grad_a(a, y)
    steps = np.diff(a) * (slope[1:] + slope[:-1]) / 2
    return np.concatenate([[0.0], np.cumsum(steps)])


def cost_curve(a, y, cost="cross-entropy"):
    """The cost of one example against output ``a``, point by point (its ``fn``)."""
    fn = _cost_class(cost).fn
    return np.array([fn(np.array(ai), y) for ai in np.asarray(a, dtype=float)])


# ---------------------------------------------------------------------------- plots

QUANTITIES = {"output": ("a", "output a"), "cost": ("C", "cost C"),
              "relative cost": ("C_relative", "cost relative to its start, C / C(0)")}


def cost_quantity(trajectories) -> str:
    """The cost to plot for these Trajectories: "cost" when they share one cost function,
    "relative cost" (C / C(0)) when they mix the quadratic cost and the cross-entropy,
    whose scales differ: on one axis the cross-entropy's 4.0 at w = b = 2 would flatten
    the quadratic cost's 0.48, plateau and all."""
    if isinstance(trajectories, Trajectory):
        return "cost"
    return "cost" if len({t.cost for t in trajectories}) <= 1 else "relative cost"


def plot_learning(trajectories, quantity="cost", ax=None, epoch=None):
    """Plot the output a or the cost C against epoch for one or more Trajectories.

    ``quantity`` is "output", "cost" or "relative cost" (C / C(0)). With ``epoch``,
    each curve is drawn faint, with its part up to that epoch solid and a dot on that
    epoch (a frame of the widget's animation; ``show_epoch`` moves it). Returns the Figure.
    """
    checks.choice("quantity", quantity, QUANTITIES)
    if isinstance(trajectories, Trajectory):
        trajectories = [trajectories]
    ax = axes_or_new(ax)
    field, ylabel = QUANTITIES[quantity]
    for i, t in enumerate(trajectories):
        ax.plot(np.arange(t.epochs + 1), getattr(t, field), color=f"C{i}", label=t.label,
                alpha=1.0 if epoch is None else 0.25)
        if epoch is not None:
            ax.plot([], [], color=f"C{i}", gid=PROGRESS)
            ax.plot([], [], "o", color=f"C{i}", gid=PROGRESS)
    if epoch is not None:
        show_epoch(ax, trajectories, quantity, epoch)
    ax.set_xlabel("epoch")
    ax.set_ylabel(ylabel)
    # From 0, and for the cost at least up to 0.5 (the quadratic cost's largest value for
    # y = 0), so that a small cost looks small rather than filling the panel.
    ax.set_ylim(0, max(ax.get_ylim()[1], 0.5 if quantity == "cost" else 0))
    for handle in ax.legend(fontsize="small").legend_handles:
        handle.set_alpha(1.0)
    return ax.figure


PROGRESS = "nnlib-neuron-progress"  # gid of the artists that show training up to an epoch


def show_epoch(ax, trajectories, quantity, epoch):
    """Move the solid part and the dot of each curve drawn by ``plot_learning(...,
    epoch=...)`` on ``ax`` to ``epoch`` (the widget then redraws just those artists)."""
    field = QUANTITIES[quantity][0]
    artists = [line for line in ax.lines if line.get_gid() == PROGRESS]
    for t, line, dot in zip(trajectories, artists[::2], artists[1::2]):
        e = min(int(epoch), t.epochs)
        values = getattr(t, field)
        line.set_data(np.arange(e + 1), values[: e + 1])
        dot.set_data([e], [values[e]])


def plot_demo(trajectories, axes=None, epoch=None):
    """Output (left) and cost (right) against epoch for the given Trajectories.

    The book's demos are ``plot_demo(train(0.6, 0.9))`` and ``plot_demo(train(2, 2))``.
    Runs of different costs share the right panel as C / C(0) (``cost_quantity``).
    ``axes`` is a pair of axes (new ones when None). Returns the Figure.
    """
    left, right = axes_or_new(axes, ncols=2, figsize=(9, 3.6))
    plot_learning(trajectories, "output", ax=left, epoch=epoch)
    plot_learning(trajectories, cost_quantity(trajectories), ax=right, epoch=epoch)
    left.set_ylim(0, 1)
    # One legend for both panels, below them, where it hides no curve.
    fig = left.figure
    for old in [*fig.legends, right.get_legend()]:
        old.remove()
    legend = left.get_legend()
    handles, labels = legend.legend_handles, [t.get_text() for t in legend.get_texts()]
    legend.remove()
    fig.legend(handles, labels, loc="outside lower center", ncols=min(2, len(labels)),
               fontsize="small")
    return fig


def plot_sigmoid_prime(starts=DEMO_STARTS, ax=None):
    """sigma(z) and sigma'(z) against z, marking z = w + b for each starting (w, b).

    sigma'(z) is the factor in Eqs. (55)-(56): about 0.15 at the first demo's start
    (z = 1.5) and about 0.018 at the second's (z = 4), eight times smaller.
    """
    ax = axes_or_new(ax)
    z = np.linspace(-8, 8, 401)
    ax.plot(z, sigmoid(z), color="0.6", ls="--", label="σ(z)")
    ax.plot(z, sigmoid_prime(z), color="C0", label="σ′(z)")
    for w, b in starts:
        slope = float(sigmoid_prime(np.array(w + b)))
        ax.plot([w + b], [slope], "o", color="C3")
        ax.annotate(f"w={w:g}, b={b:g}\nσ′({w + b:g}) = {slope:.3f}", (w + b, slope),
                    xytext=(8, 12), textcoords="offset points", fontsize="small")
    ax.set_xlabel("weighted input z = wx + b")
    ax.set_ylabel("σ(z), σ′(z)")
    ax.legend(loc="upper left")
    return ax.figure


def plot_cross_entropy_minimum(ys=(0.2, 0.5, 0.9), ax=None):
    """The cross-entropy of one example against a, for several targets y (Eqs. 57, 64).

    Each curve is lowest at a = y, where its value is the binary entropy of y (Eq. 64),
    drawn dashed through the minima. Returns the Figure.
    """
    ax = axes_or_new(ax)
    a = np.linspace(0.005, 0.995, 199)
    for i, y in enumerate(ys):
        ax.plot(a, cost_curve(a, y), color=f"C{i}", label=f"y = {y:g}")
        ax.plot([y], [cost_curve([y], y)[0]], "o", color=f"C{i}")
    ax.plot(a, [cost_curve([ai], ai)[0] for ai in a], "k--", lw=1,
            label="binary entropy (Eq. 64)")
    ax.set_ylim(0, 3)
    ax.set_xlabel("output a")
    ax.set_ylabel("cross-entropy C")
    ax.legend(loc="upper center", ncols=2, fontsize="small")
    return ax.figure


def plot_surprise(ax=None):
    """The cross-entropy as surprise: -ln a when y = 1 and -ln(1 - a) when y = 0."""
    ax = axes_or_new(ax)
    a = np.linspace(0.005, 0.995, 199)
    ax.plot(a, cost_curve(a, 1.0), label="y = 1: −ln a")
    ax.plot(a, cost_curve(a, 0.0), label="y = 0: −ln(1 − a)")
    ax.set_xlabel("output a (the neuron's probability that y = 1)")
    ax.set_ylabel("surprise (nats)")
    ax.legend()
    return ax.figure


def plot_integrated_cost(y=0.3, ax=None):
    """Integrating dC/da of Eq. (75) numerically, against the closed form of Eq. (76)."""
    ax = axes_or_new(ax)
    a = np.linspace(0.02, 0.98, 97)
    closed = cost_curve(a, y)
    ax.plot(a, closed - closed[0], lw=4, alpha=0.4, label="closed form, Eq. (76)")
    ax.plot(a, integrate_dc_da(a, y), "k:", label="∫ dC/da da, Eq. (75)")
    ax.set_xlabel("output a")
    ax.set_ylabel(f"C(a) − C({a[0]:g})   (y = {y:g})")
    ax.legend()
    return ax.figure


# ----------------------------------------------------------------------- animation

def animate_runs(trajectories, frames: int = 31, *, interval_ms: int = 200,
                 hold_ms: int = 3000) -> Animation:
    """The runs side by side, drawn epoch by epoch, as an animation that plays on a static
    page (an animated PNG, see :mod:`nnlib.notebook.animation`).

    One panel per Trajectory, two to a row, each with the output a and the cost as a
    fraction of its start, C / C(0) (so that both costs fill their panels), up to the
    frame's epoch, and that epoch's a and C written in. Frame i shows epoch
    round(i E / (frames - 1)), E the most epochs of any run. The book's four demos:
    ``animate_runs([train(w, b, cost=c) for w, b in DEMO_STARTS for c in COSTS])``.
    """
    if isinstance(trajectories, Trajectory):
        trajectories = [trajectories]
    if not trajectories or not all(isinstance(t, Trajectory) for t in trajectories):
        raise TypeError("trajectories must be one or more Trajectory objects from train(...)")
    checks.integer("frames", frames, minimum=2)
    last = max(t.epochs for t in trajectories)
    rows = (len(trajectories) + 1) // 2
    fig = Figure(figsize=(7.6, 1.2 + 2.0 * rows), dpi=80, layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(rows, 2, squeeze=False, sharex=True, sharey=True).ravel()
    panels = []
    for ax, t in zip(axes, trajectories):
        output, = ax.plot([], [], color="C0", label="output a")
        cost, = ax.plot([], [], color="C3", ls="--", label="cost C / C(0)")
        text = ax.text(0.97, 0.94, "", transform=ax.transAxes, ha="right", va="top",
                       fontsize="small", family="monospace")
        ax.set_title(f"{t.cost}, w = {t.w0:g}, b = {t.b0:g}, η = {t.eta:g}", fontsize="medium")
        panels.append((t, output, cost, text))
    for ax in axes[len(trajectories):]:
        ax.set_visible(False)
    axes[0].set_xlim(0, max(last, 1))
    axes[0].set_ylim(0, 1.05)
    for ax in axes[-2:]:
        ax.set_xlabel("epoch")
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncols=2,
               fontsize="small")

    def draw_frame(i):
        for t, output, cost, text in panels:
            e = min(round(i * last / (frames - 1)), t.epochs)
            output.set_data(np.arange(e + 1), t.a[: e + 1])
            cost.set_data(np.arange(e + 1), t.C_relative[: e + 1])
            text.set_text(f"epoch {e:3d}\na = {t.a[e]:.3f}\nC = {t.C[e]:.3f}")

    return record(fig, draw_frame, frames, artists=[a for p in panels for a in p[1:]],
                  interval_ms=interval_ms, hold_ms=hold_ms,
                  description=f"{len(trajectories)} runs of the neuron over {last} epochs")


# ------------------------------------------------------------------------ break it

def book_cross_entropy(a, y) -> float:
    """The cross-entropy as the book's network2.py computes it: Eq. (57) summed from the
    outputs ``a``, with ``np.nan_to_num`` turning an infinite term into the largest float,
    1.8e308. nnlib computes the cost from z instead (``CrossEntropyCost.fn_z``), which
    stays exact where a has rounded to 1 (see ``saturation_z``)."""
    a, y = np.asarray(a, dtype=float), np.asarray(y, dtype=float)
    if a.shape != y.shape:
        raise ValueError(f"a has shape {a.shape} but y has shape {y.shape}; they must match")
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.sum(np.nan_to_num(-y * np.log(a) - (1 - y) * np.log(1 - a))))


def saturation_z(dtype=np.float64) -> float:
    """The smallest z (to 1e-6) at which sigmoid(z) rounds to exactly 1.0 in ``dtype``:
    about 36.74 in float64 and 16.64 in float32. From there on 1 - a = 0, and a cost
    computed from a takes ln 0."""
    low, high = 0.0, 1000.0
    while high - low > 1e-6:
        middle = (low + high) / 2
        if sigmoid(np.array(middle, dtype=dtype)) == 1.0:
            high = middle
        else:
            low = middle
    return high


def plot_saturated_cost(z_max=45.0, ax=None):
    """The cross-entropy of one neuron that should output 0, against its weighted input z:
    computed from z (nnlib, ``fn_z``: about z) and from a = sigma(z) with nan_to_num (the
    book's, ``book_cross_entropy``), which is 1.8e308 from ``saturation_z()`` on, drawn
    along the top edge of the chart. Returns the Figure."""
    ax = axes_or_new(ax)
    z = np.linspace(0.0, z_max, 901)
    from_z = _costs(z, CrossEntropyCost, 0.0)
    from_a = np.array([book_cross_entropy(sigmoid(zi), 0.0) for zi in z])
    top = 1.2 * z_max
    ax.plot(z, from_z, lw=4, alpha=0.4, label="from z (nnlib's fn_z)")
    ax.plot(z, np.minimum(from_a, top), "k:", label="from a, with nan_to_num (the book's)")
    edge = saturation_z()
    ax.text(edge - 0.5, 0.97 * top, f"1.8e308 from z = {edge:.2f} on: off the chart",
            ha="right", va="top", fontsize="small")
    ax.axvline(saturation_z(np.float32), color="0.5", lw=1, ls="--")
    ax.text(saturation_z(np.float32) - 0.5, 0.97 * top, "in float32, a\nrounds to 1 here",
            ha="right", va="top", fontsize="small")
    ax.set_ylim(0, top)
    ax.set_xlabel("weighted input z (target y = 0)")
    ax.set_ylabel("cross-entropy C")
    ax.legend(loc="lower right")
    return ax.figure


#: Starting weights (w1, b1, w2, b2) of a chain x -> hidden sigmoid neuron -> output
#: sigmoid neuron, for ``train_chain``. "hidden saturated": z1 = 6 or 7, so the hidden
#: neuron outputs about 1 for both inputs; "output saturated": z2 about -5.5, an output
#: near 0 where x = 1 wants 1.
CHAIN_STARTS = {
    "healthy": (1.0, -0.5, 1.0, -0.5),
    "output saturated": (1.0, -0.5, 1.0, -6.0),
    "hidden saturated": (1.0, 6.0, 1.0, -0.5),
}


@dataclass(frozen=True)
class ChainRun:
    """Every epoch of ``train_chain``: arrays of ``epochs + 1`` entries (entry 0 the start)."""

    start: str             # a key of CHAIN_STARTS
    cost: str              # "quadratic" or "cross-entropy"
    eta: float             # learning rate
    C: np.ndarray          # (epochs + 1,) cost, averaged over the two examples
    outputs: np.ndarray    # (epochs + 1, 2) the output for x = 0 and for x = 1
    grad_hidden: np.ndarray  # (epochs + 1,) |dC/dw1| of the mean cost: the hidden weight
    grad_output: np.ndarray  # (epochs + 1,) |dC/dw2| of the mean cost: the output weight

    @property
    def label(self) -> str:
        return f"{self.start} ({self.cost}, η={self.eta:g})"


def train_chain(start="hidden saturated", *, eta=0.5, epochs=300, cost="cross-entropy"):
    """Train the chain x -> hidden -> output (a Network([1, 1, 1])) to copy its input,
    x = 0 -> y = 0 and x = 1 -> y = 1, by full-batch gradient descent; return a ChainRun.

    The output layer's sigma' cancels in the cross-entropy's output error (Eq. 66, so
    Eq. (67) has none), but backprop carries the error to the hidden neuron through
    sigma'(z1) (BP2), which no choice of cost removes: a saturated hidden neuron stays
    slow. Gradients come from the network's ``backprop`` (BP1-BP4).
    """
    checks.choice("start", start, CHAIN_STARTS)
    eta = checks.real("eta", eta, positive=True)
    epochs = checks.integer("epochs", epochs, minimum=0)
    cost_class = _cost_class(cost)
    x, y = np.array([[0.0, 1.0]]), np.array([[0.0, 1.0]])   # two examples, as columns
    net = Network([1, 1, 1], cost=cost_class)
    w1, b1, w2, b2 = CHAIN_STARTS[start]
    net.weights[0][...], net.biases[0][...] = w1, b1
    net.weights[1][...], net.biases[1][...] = w2, b2
    C, outputs, grads = [], [], []
    for _ in range(epochs + 1):
        C.append(net.summed_cost(x, y) / 2)
        outputs.append(net.feedforward(x)[0])
        nabla_b, nabla_w = net.backprop(x, y)                 # summed over the 2 examples
        grads.append((abs(nabla_w[0][0, 0]) / 2, abs(nabla_w[1][0, 0]) / 2))
        for w, b, nw, nb in zip(net.weights, net.biases, nabla_w, nabla_b):
            w -= eta * nw / 2
            b -= eta * nb / 2
    grads = np.array(grads)
    return ChainRun(start, _cost_name(cost_class), eta, np.array(C), np.array(outputs),
                    grads[:, 0], grads[:, 1])


def plot_chain(runs, ax=None):
    """The cost against epoch of one or more ChainRuns, with ln 2 marked: the cost of
    output 1/2 for both inputs, the best the chain can do while its hidden neuron says
    the same for both. Returns the Figure."""
    if isinstance(runs, ChainRun):
        runs = [runs]
    ax = axes_or_new(ax)
    for i, run in enumerate(runs):
        ax.plot(run.C, color=f"C{i}", label=run.label)
    ax.axhline(np.log(2), color="0.5", lw=1, ls="--")
    ax.text(len(runs[0].C) - 1, 0.95 * np.log(2), "ln 2: output 1/2 for both inputs",
            ha="right", va="top", fontsize="small")
    ax.set_xlabel("epoch")
    ax.set_ylabel("cost C")
    ax.set_ylim(0, None)
    ax.legend()
    return ax.figure


# --------------------------------------------------------------------------- widget

#: Where the explorer's chart puts things, in px: its size, its two panels (left, top,
#: width, height: the output, then the cost) and each run's legend entry (x, y).
CHART_SIZE = (620, 276)
CHART_PANELS = (Panel(60, 12, 220, 190, (0, 1), (0, 1)), Panel(370, 12, 220, 190, (0, 1), (0, 1)))
CHART_LEGEND = ((110, 262), (370, 262))
#: The readout's columns, one row a run: what ``readout_cells`` gives.
READOUT_HEAD = ("cost", "w", "b", "a", "C", "∂C/∂w")


def chart_frame(quantity: str, xlim, cost_ylim) -> str:
    """The axes of the explorer's chart as one ``<svg>`` (``svgchart.document``): output
    (left) and ``quantity`` ("cost" or "relative cost", ``cost_quantity``) against epoch,
    on fixed limits. ``CurveLookup`` draws the curves, dots and legend into it."""
    parts = []
    for panel, (q, ylim) in zip(CHART_PANELS, (("output", (0.0, 1.0)), (quantity, cost_ylim))):
        ylabel = QUANTITIES[q][1].replace("cost relative to its start, ", "")
        parts += Panel(panel.left, panel.top, panel.width, panel.height, xlim, ylim).frame(
            xticks=ticks(0, xlim[1]), yticks=ticks(*ylim), xlabel="epoch", ylabel=ylabel)
    return document(*CHART_SIZE, parts, "the neuron's output and cost against epoch")


def readout_cells(t: Trajectory, epoch: int) -> list[str]:
    """One row of the explorer's readout (``READOUT_HEAD``): run ``t``'s w, b, output,
    cost and dC/dw after ``epoch`` steps, as printed (3 or 4 decimals)."""
    e = min(int(epoch), t.epochs)
    return [t.cost, f"{t.w[e]:.3f}", f"{t.b[e]:.3f}", f"{t.a[e]:.3f}", f"{t.C[e]:.4f}",
            f"{t.grad_w[e]:.4f}"]


def readout_row(t: Trajectory, epoch: int) -> str:
    """``readout_cells`` as the browser receives them: one string, tab between cells."""
    return "\t".join(readout_cells(t, epoch))


#: Tops for the cost axis: the axis moves only when the needed top changes.
COST_TOPS = (0.5, 1, 2, 5, 10, 20, 50, 100)


def cost_top(largest):
    """The top of the cost axis for a largest cost ``largest`` (a number or an array): the
    first of COST_TOPS at or above 1.05 times it (or that itself, above them all)."""
    need = 1.05 * np.asarray(largest, dtype=float)
    tops = np.asarray(COST_TOPS, dtype=float)
    first = np.searchsorted(tops, need)
    return np.where(first < tops.size, tops[np.minimum(first, tops.size - 1)], need)


def chart_limits(trajectories):
    """The axis limits of the explorer's chart: x over the epochs, the cost's y up to
    ``cost_top`` of the largest cost (up to 1.05 for C / C(0), which never exceeds 1 here:
    with y = 0 every step lowers z, a and the cost)."""
    epochs = trajectories[0].epochs
    if cost_quantity(trajectories) == "relative cost":
        top = 1.05
    else:
        top = float(cost_top(max(float(t.C.max()) for t in trajectories)))
    return (-0.02 * epochs, 1.02 * epochs), (0.0, top)


def chart_pixels(tables, cost_tops) -> np.ndarray:
    """The pixel rows (``svgchart.pixel_rows``) of the explorer's curves for runs
    ``tables[i][r]`` (chart i, run r): shape (charts, runs, 2, epochs + 1), the output and
    the cost (``cost_quantity``) of each run, chart i's cost against (0, ``cost_tops[i]``)."""
    field = QUANTITIES[cost_quantity(tables[0])][0]
    output = pixel_rows([[t.a for t in runs] for runs in tables], (0.0, 1.0), CHART_PANELS[0])
    top = np.asarray(cost_tops, dtype=float)[:, None, None]
    cost = pixel_rows([[getattr(t, field) for t in runs] for runs in tables], (0.0, top),
                      CHART_PANELS[1])
    return np.stack([output, cost], axis=2)


class NeuronExplorer(Demo):
    """Sliders for the toy neuron's start, eta, epochs and cost; a Play control over epochs.

    The chart and readout (``chart``, a ``svgchart.CurveLookup``; css classes
    ``nnlib-neuron-plot`` and ``nnlib-neuron-readout``) are drawn by the browser from
    numbers this kernel computed: the runs for the current settings at every epoch, so
    that the epoch slider and Play never wait for the kernel, and for w, b and eta the
    runs at every value the slider can take while the others stay put (``train_many``,
    one vectorised run per slider and cost; ``refresh_tables``, once the chart's view
    asks), so that a move of one of them is drawn in the frame it happens. Changing w, b, eta, epochs or the cost retrains
    (``retrain``: new ``trajectories`` and tables); the kernel's chart follows each
    move. ``figure``, a LiveFigure, is drawn by matplotlib only for the picture that
    pages without widgets show. Display the object in a notebook cell.
    """

    CHOICES = ("quadratic", "cross-entropy", "both")

    def __init__(self, w=0.6, b=0.9, eta=0.15, epochs=300, cost="both", epoch=None):
        checks.choice("cost", cost, self.CHOICES)
        slider = dict(continuous_update=True, style={"description_width": "4em"})
        self.w = FloatSlider(value=w, min=-4, max=4, step=0.1, description="w", **slider)
        self.b = FloatSlider(value=b, min=-4, max=4, step=0.1, description="b", **slider)
        self.eta = FloatSlider(value=eta, min=0.005, max=1.0, step=0.005,
                                       readout_format=".3f", description="η", **slider)
        # At most 500 epochs, so that training every value of the w, b and eta sliders
        # stays well under 100 ms (benchmarks/bench_neuron_widget.py).
        self.epochs = IntSlider(value=epochs, min=10, max=500, step=10,
                                description="epochs", **slider)
        self.cost = ToggleButtons(options=self.CHOICES, value=cost, description="cost")
        self.epoch = IntSlider(value=epochs if epoch is None else epoch, min=0, max=epochs,
                               limits=(0, self.epochs.max), description="epoch", **slider)
        self.play = Play(value=self.epoch.value, min=0, max=epochs, limits=self.epoch.limits,
                         interval=80, step=play_step(epochs), description="Play")
        widgets.jslink((self.play, "value"), (self.epoch, "value"))
        self.chart = CurveLookup("nnlib-neuron-plot", sliders=[self.w, self.b, self.eta],
                                 epoch_slider=self.epoch, readout_class="nnlib-neuron-readout")
        self.chart.geometry = {
            "panels": [[p.left, p.top, p.width, p.height] for p in CHART_PANELS],
            "legend": CHART_LEGEND, "readout_title": "epoch", "readout_head": READOUT_HEAD,
            "readout_note": "x = 1, so ∂C/∂b = ∂C/∂w"}
        self.figure = LiveFigure(1, 2, figsize=(7.6, 3.2))
        self.trajectories: list[Trajectory] = []
        self._tables: list[list[list[Trajectory]]] = []  # per slider, per value: the runs
        self._stale: set[int] = set()    # sliders whose tables wait for refresh_tables
        self._tables_timer = None        # the pending refresh_tables, in a kernel
        self._wanted = False             # whether a view has asked for the tables
        self._quiet = False
        for control in (self.w, self.b, self.eta, self.epochs, self.cost):
            control.observe(self.retrain, names="value")
        for slider in self.lookup_sliders:  # a new range or step: new tables
            slider.observe(self.retrain, names=["min", "max", "step"])
        self.epoch.observe(self.redraw, names="value")
        self.chart.on_msg(self._on_view_message)
        self.widget = widgets.VBox([
            widgets.HBox([widgets.VBox([self.w, self.b]), widgets.VBox([self.eta, self.epochs])]),
            self.cost,
            widgets.HBox([self.play, self.epoch]),
            self.chart,
        ])
        self.retrain()

    @property
    def costs(self) -> list[str]:
        """The costs the chart shows, by name."""
        return list(COSTS) if self.cost.value == "both" else [self.cost.value]

    @property
    def lookup_sliders(self) -> list:
        """The sliders whose every value the browser holds: w, b and eta."""
        return [self.w, self.b, self.eta]

    #: Seconds after the last move of w, b or eta that the other two sliders' tables are
    #: retrained (in a kernel, whose event loop runs the timer): a drag sends the browser
    #: only the chart, a few KB, not a megabyte of tables per step.
    TABLES_DELAY = 0.2

    def retrain(self, change=None):
        """Recompute the trajectories for the current settings, and the tables of every
        value of w, b and eta (``lookup_runs``), and redraw. After a move of w, b or eta
        in a running kernel, the moved slider's table still holds (it depends only on the
        others) and the others' are retrained ``TABLES_DELAY`` s after the last move."""
        epochs = self.epochs.value
        self.trajectories = [train(self.w.value, self.b.value, eta=self.eta.value,
                                   epochs=epochs, cost=c) for c in self.costs]
        moved = [i for i, s in enumerate(self.lookup_sliders)
                 if change is not None and change["owner"] is s and change["name"] == "value"]
        if not self._wanted:  # no view has asked for tables (yet): none to keep up to date
            self._stale = set(range(len(self.lookup_sliders)))
            self._tables = [[] for _ in self.lookup_sliders]
        elif moved and self._defer_tables():
            # the others' tables were trained at the old value; the moved one's stays as
            # it was (stale too when another slider moved since the last refresh)
            self._stale |= set(range(len(self.lookup_sliders))) - set(moved)
            self.redraw()
            return
        else:
            self._tables, self._stale = self.lookup_runs(), set()
        if self.epoch.max != epochs:
            at_end = self.epoch.value == self.epoch.max  # then keep showing the whole run
            self._quiet = True  # one redraw below, not one per changed epoch trait
            try:
                self.play.step = play_step(epochs)
                self.play.max = self.epoch.max = epochs
                if at_end:
                    self.play.value = self.epoch.value = epochs
            finally:
                self._quiet = False
        self.redraw(tables=True)

    def _defer_tables(self) -> bool:
        """Schedule ``refresh_tables`` in ``TABLES_DELAY`` s (again from now if already
        due), when an event loop runs this code (a kernel); False outside one."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return False
        if self._tables_timer is not None:
            self._tables_timer.cancel()
        self._tables_timer = loop.call_later(self.TABLES_DELAY, self.refresh_tables)
        return True

    def refresh_tables(self):
        """Retrain every slider's table for the current settings and send them; from now
        on every retrain keeps them up to date. The chart's view in the browser asks for
        this when it first renders (``_on_view_message``): a notebook run without a
        browser (nbconvert, nbval) neither computes the tables nor saves their megabyte
        in the notebook's widget state."""
        self._tables_timer, self._wanted = None, True
        self._tables, self._stale = self.lookup_runs(), set()
        self.redraw(tables=True)

    def _on_view_message(self, chart, content, buffers):
        """A message from the chart's view: ``{"want": "tables"}`` when it renders."""
        if content == {"want": "tables"} and (not self._wanted or self._stale):
            self.refresh_tables()

    def slider_grid(self, slider) -> np.ndarray:
        """Every value ``slider`` can take, from its min to its max by its step."""
        return np.round(np.arange(slider.min, slider.max + slider.step / 2, slider.step), 10)

    def lookup_runs(self) -> list[list[list[Trajectory]]]:
        """For w, b and eta in turn, the runs (one per cost shown) at every value of that
        slider (``slider_grid``) with the other settings as they are: ``[slider][value]
        [cost]``. One ``train_many`` per cost for the three sliders together."""
        current = np.array([s.value for s in self.lookup_sliders])
        grids = [self.slider_grid(s) for s in self.lookup_sliders]
        starts = np.concatenate([np.repeat(current[None], g.size, axis=0) for g in grids])
        column = np.repeat(np.arange(len(grids)), [g.size for g in grids])
        starts[np.arange(len(starts)), column] = np.concatenate(grids)  # (runs, 3): w, b, eta
        runs = [train_many(*starts.T, epochs=self.epochs.value, cost=c) for c in self.costs]
        bounds = np.cumsum([0] + [g.size for g in grids])
        return [[[by_cost[i] for by_cost in runs] for i in range(lo, hi)]
                for lo, hi in zip(bounds[:-1], bounds[1:])]

    def redraw(self, change=None, *, tables=False):
        """Send the browser the chart of the current runs, and the lookup tables' rows at
        the current epoch (their curves only with ``tables``, after a retrain)."""
        if self._quiet:
            return
        xlim, (_, top) = chart_limits(self.trajectories)
        quantity, e = cost_quantity(self.trajectories), self.epoch.value
        frames = {}

        def frame(cost_top) -> str:
            key = f"{quantity} {cost_top:g}"
            if key not in frames:
                frames[key] = chart_frame(quantity, xlim, (0.0, cost_top))
            return key

        rows, pixels, offset = [], [], 0
        for grid, table in zip(map(self.slider_grid, self.lookup_sliders), self._tables):
            if quantity == "relative cost":
                tops = np.full(len(table), 1.05)
            else:
                tops = cost_top([max(float(t.C.max()) for t in runs) for runs in table])
            size = len(self.trajectories) * 2 * (self.epochs.value + 1)  # int16s a row
            rows.append({"min": float(grid[0]), "step": float(grid[1] - grid[0]), "rows": [
                {"frame": frame(top_i), "labels": [t.label for t in runs],
                 "readout": [readout_row(t, e) for t in runs], "offset": offset + i * size}
                for i, (runs, top_i) in enumerate(zip(table, tops))
            ] if len(rows) not in self._stale else []})  # no rows: the browser waits
            offset += len(table) * size
            if tables and table:
                pixels.append(chart_pixels(table, tops).ravel())
        current = {"frame": frame(top), "labels": [t.label for t in self.trajectories],
                   "readout": [[readout_row(t, i) for t in self.trajectories]
                               for i in range(self.epochs.value + 1)]}
        with self.chart.hold_sync():  # one message
            self.chart.frames = frames   # every frame a row or the current chart needs
            self.chart.geometry = {**self.chart.geometry, "xlim": list(xlim),
                                   "epochs": self.epochs.value,
                                   "colors": [color(i) for i in range(len(self.trajectories))]}
            self.chart.curves = chart_pixels([self.trajectories], [top]).tobytes()
            if tables:
                self.chart.table_curves = np.concatenate(pixels).tobytes() if pixels else b""
            self.chart.tables = rows
            self.chart.base = [float(s.value) for s in self.lookup_sliders]
            self.chart.base_epoch = e
            self.chart.state = current

    def picture(self) -> bytes:
        """matplotlib's ``plot_demo`` of the current runs and epoch, on the same axes
        limits as the chart, as PNG (``Demo.picture``)."""
        left, right = self.figure.axes
        for ax in (left, right):
            ax.clear()
        plot_demo(self.trajectories, axes=(left, right), epoch=self.epoch.value)
        (x0, x1), (y0, y1) = chart_limits(self.trajectories)
        left.set_xlim(x0, x1)
        right.set_xlim(x0, x1)
        right.set_ylim(y0, y1)
        self.figure.refresh()
        return super().picture()

    def __repr__(self):
        return (f"NeuronExplorer(w={self.w.value:g}, b={self.b.value:g}, "
                f"eta={self.eta.value:g}, epochs={self.epochs.value}, cost={self.cost.value!r})")

    def summary(self) -> str:
        return f"{self!r}: sliders and a Play control"
