"""Figures and widgets for notebook 03: the log-likelihood cost (chapter 3, Eqs. 80-84).

Nothing here computes a softmax, a cost or a gradient of its own: the numbers come from
``nnlib.activations`` (softmax), ``nnlib.costs`` (the cost classes) and
``nnlib.network.Network`` (backprop and training). This module only arranges them into
experiments and pictures:

* ``plot_loglik_cost`` and ``LogLikelihoodExplorer``: the cost -ln a_y of Eq. (80)
  against the probability a_y of the right class, static and with sliders for z.
* ``run_slowdown``, ``plot_slowdown`` and ``SlowdownExplorer``: the book's saturated-neuron
  demo redone for a layer of four outputs, softmax + log-likelihood (Eqs. 81-82) against
  sigmoid + quadratic cost (Eq. 65), from the same weights.
* ``train_digits`` and ``plot_learning_curves``: a [784, 30, 10] network trained on real
  digits with a softmax output layer (backprop from Eq. 84) against sigmoid +
  cross-entropy, the same settings and starting weights for both.
* ``plot_output_distributions`` and ``DigitOutputsExplorer``: what the two networks'
  outputs look like for single digits (a distribution, or ten separate numbers).

Plot functions draw onto the axes they are given (a new inline pyplot figure when
``ax=None``) and return the Figure; the explorers redraw the same artists in a
``nnlib.notebook.widgets.LiveFigure``, which pyplot never sees, so no figure leaks.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import ipywidgets as widgets
import numpy as np

from .. import checks
from ..activations import Sigmoid, Softmax
from ..costs import CrossEntropyCost, LogLikelihoodCost, QuadraticCost, one_hot
from ..network import Network
from .softmax import START_Z, Z_MAX, Z_MIN, Z_STEP, SoftmaxBars, as_weighted_inputs
from .widgets import (Demo, Dropdown, FloatSlider, IntSlider, LiveFigure, Play, axes_or_new,
                      play_step)

RIGHT, WRONG = "C2", "0.65"  # colours: the right class's bar, the other bars


# ---------------------------------------------------------------------- checking input

def _class_index(true_class, n):
    """true_class as an int in 0..n-1: the row of the right output neuron (the book
    numbers the four neurons of its demos 1..4, so row 0 is its a_1)."""
    return checks.integer("true_class", true_class, 0, n - 1,
                          detail=" (the row of the right output neuron)")


# --------------------------------------------------------- Eq. (80): the cost itself

def loglik_costs(p):
    """Eq. (80) for examples whose right class has probability ``p``: -ln p, one per entry.

    Each value is ``LogLikelihoodCost.fn`` of a single example; ``p`` is any array of
    probabilities in [0, 1] (the cost is ``inf`` at p = 0).
    """
    p = np.asarray(p, dtype=float)
    if np.any(~(p >= 0) | ~(p <= 1)):
        raise ValueError(f"p must hold probabilities in [0, 1]; got values from "
                         f"{np.min(p):g} to {np.max(p):g}")
    flat = p.reshape(1, -1)
    return LogLikelihoodCost.fn(flat, np.ones_like(flat), axis=0).reshape(p.shape)


_P_GRID = np.linspace(0.004, 1.0, 250)  # probabilities for the curve of Eq. (80)


def _draw_cost_curve(ax):
    ax.plot(_P_GRID, loglik_costs(_P_GRID), color="C0", label=r"$C = -\ln a^L_y$ (Eq. 80)")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 5.6)
    ax.set_xlabel(r"$a^L_y$, the output for the right class")
    ax.set_ylabel("cost C")


def plot_loglik_cost(marks=(0.9, 0.5, 0.1, 0.01), ax=None):
    """The log-likelihood cost -ln a_y (Eq. 80) against the right class's probability a_y.

    Each probability in ``marks`` gets a dot labelled with its cost: a confident right
    answer costs almost nothing, a confident wrong one (a_y near 0) costs without bound.
    Returns the Figure.
    """
    ax = axes_or_new(ax)
    _draw_cost_curve(ax)
    marks = np.asarray(marks, dtype=float)
    for p, c in zip(marks, loglik_costs(marks)):
        ax.plot([p], [c], "o", color="C3")
        left = p > 0.6  # label the dots near a_y = 1 on their left, inside the axes
        ax.annotate(f"$a_y$ = {p:g}: C = {c:.3f}", (p, c), xytext=(-8 if left else 8, 6),
                    textcoords="offset points", ha="right" if left else "left",
                    fontsize="small")
    ax.legend(loc="upper right")
    return ax.figure


def neuron_name(j):
    """The book's name of output row j of its four-neuron demos: row 0 is a_1."""
    return f"$a_{{{j + 1}}}$"


class SoftmaxCostView:
    """Two panels for one example: the softmax outputs a = softmax(z) (Eq. 78) as the
    softmax demo's bars (``nnlib.notebook.softmax.SoftmaxBars``), the right class in green,
    and the point (a_y, -ln a_y) on the curve of Eq. (80).

    ``axes`` is a pair of matplotlib axes; ``show(z, true_class)`` updates the artists in
    place (nothing is cleared, so a widget redraw is cheap) and returns the cost.
    """

    def __init__(self, axes, n):
        bar_ax, self.cost_ax = axes
        self.bars = SoftmaxBars(bar_ax, n)
        _draw_cost_curve(self.cost_ax)
        (self.point,) = self.cost_ax.plot([], [], "o", color=RIGHT, ms=9)
        self.cost_ax.legend(loc="upper right")

    def show(self, z, true_class):
        """Draw the example with weighted inputs ``z`` (n,) whose right output neuron is
        row ``true_class``; return its cost -ln a_y (from ``LogLikelihoodCost.fn_z``)."""
        z = as_weighted_inputs(z)
        y = one_hot(_class_index(true_class, len(z)), len(z))
        a = self.bars.show(z)
        for j, bar in enumerate(self.bars.bars):
            bar.set_color(RIGHT if j == true_class else WRONG)
        cost = LogLikelihoodCost.fn_z(z.reshape(-1, 1), y)
        self.point.set_data([a[true_class]], [min(cost, 5.5)])
        self.cost_ax.set_title(f"right class {neuron_name(true_class)}:  "
                               f"C = −ln {neuron_name(true_class)} = {cost:.3f}",
                               fontsize="medium")
        return cost


def plot_softmax_cost(z=START_Z, true_class=2, axes=None):
    """The softmax outputs for weighted inputs ``z`` (n,) and the log-likelihood cost when
    the right output neuron is row ``true_class`` (Eqs. 78 and 80). Returns the Figure."""
    z = as_weighted_inputs(z)
    axes = axes_or_new(axes, 2, figsize=(8.5, 3.2))
    SoftmaxCostView(axes, len(z)).show(z, true_class)
    return axes[0].figure


class LogLikelihoodExplorer(Demo):
    """Sliders for the weighted inputs z_j, a dropdown for the right class, and the
    softmax outputs with the cost -ln a_y (Eq. 80) redrawn as they move.

    ``sliders`` (FloatSliders "z1".."zn", -5 to 5 in steps of 0.1 as in the book),
    ``true_class`` (a Dropdown whose values are rows 0..n-1), ``readout`` (the cost as
    text, css class ``nnlib-loglik-readout``), ``figure`` (a LiveFigure, css class
    ``nnlib-loglik-plot``). Display the object, or its ``widget``, in a notebook cell.
    """

    def __init__(self, z=START_Z, true_class=2):
        z = as_weighted_inputs(z)
        true_class = _class_index(true_class, len(z))
        self.sliders = [FloatSlider(value=float(np.clip(v, Z_MIN, Z_MAX)), min=Z_MIN,
                                    max=Z_MAX, step=Z_STEP, description=f"z{j + 1}",
                                    readout_format=".1f")
                        for j, v in enumerate(z)]
        self.true_class = Dropdown(options=[(f"a{j + 1}", j) for j in range(len(z))],
                                   value=true_class, description="right class")
        self.readout = widgets.HTML()
        self.readout.add_class("nnlib-loglik-readout")
        self.figure = LiveFigure(1, 2, figsize=(8.5, 3.2), css_class="nnlib-loglik-plot")
        self.view = SoftmaxCostView(self.figure.axes, len(z))
        for control in (*self.sliders, self.true_class):
            control.observe(self.redraw, names="value")
        self.widget = widgets.VBox([
            widgets.HBox([widgets.VBox(self.sliders),
                          widgets.VBox([self.true_class, self.readout])]),
            self.figure.image,
        ])
        self.redraw()

    @property
    def z(self):
        """The weighted inputs the sliders show, shape (n,)."""
        return np.array([s.value for s in self.sliders])

    def redraw(self, change=None):
        """Recompute a and C for the current controls; redraw the figure in place."""
        j = self.true_class.value
        cost = self.view.show(self.z, j)
        self.figure.refresh()
        self.readout.value = f"C = −ln a<sub>{j + 1}</sub> = <b>{cost:.3f}</b>"

    def summary(self) -> str:
        return "Log-likelihood explorer: sliders z1..zn, a right-class menu and a figure"


# ------------------------------------------- Eqs. (81)-(82): no learning slowdown

#: The two output layers the slowdown demo compares: (label, cost, output layer).
SLOWDOWN_PAIRS = (
    ("softmax + log-likelihood", LogLikelihoodCost, Softmax),
    ("sigmoid + quadratic", QuadraticCost, Sigmoid),
)


@dataclass(frozen=True)
class SlowdownConfig:
    """The settings of the saturated-output demo (the book's second neuron demo, widened
    to a layer of four output neurons with one input x = 1)."""

    weights: tuple = (-2.0, -1.0, 2.0, -1.0)  # w_j; with x = 1, z_j = w_j + b_j
    biases: tuple = (-2.0, -1.0, 2.0, -1.0)   # b_j; the book's demo 2 had w = b = 2
    true_class: int = 0   # row of the right neuron (the book's a_1); it starts lowest, z = -4
    x: float = 1.0        # the single input, as in the book's demos
    eta: float = 0.15     # learning rate of the book's demos
    epochs: int = 300     # one gradient step per epoch (one training example)

    def __post_init__(self):
        if len(self.weights) != len(self.biases) or len(self.weights) < 2:
            raise ValueError(f"weights and biases need the same length >= 2 (one per output "
                             f"neuron); got {len(self.weights)} and {len(self.biases)}")
        _class_index(self.true_class, len(self.weights))
        checks.real("eta", self.eta, positive=True)
        checks.integer("epochs", self.epochs, 0, 10_000)

    @property
    def z0(self):
        """The starting weighted inputs w_j x + b_j, shared by both layers."""
        return np.array(self.weights) * self.x + np.array(self.biases)


@dataclass(frozen=True)
class SlowdownRun:
    """One layer trained on the demo's single example, every epoch recorded."""

    label: str            # e.g. "softmax + log-likelihood"
    config: SlowdownConfig
    outputs: np.ndarray = field(repr=False)  # (epochs + 1, n): a^L after e steps
    costs: np.ndarray = field(repr=False)    # (epochs + 1,): the cost after e steps

    @property
    def right(self):
        """(epochs + 1,): the output of the right class's neuron, a_y."""
        return self.outputs[:, self.config.true_class]


def slowdown_network(cost, output, config=SlowdownConfig()):
    """A one-layer Network (one input, one neuron a class) starting at ``config``'s
    weights and biases, with the given cost and output layer."""
    n = len(config.weights)
    net = Network([1, n], cost=cost, output=output, seed=0)
    net.weights[0][:] = np.reshape(config.weights, (n, 1))
    net.biases[0][:] = np.reshape(config.biases, (n, 1))
    return net


def run_slowdown(config=SlowdownConfig()):
    """Train each layer of ``SLOWDOWN_PAIRS`` on the one example of ``config`` by plain
    gradient descent (Network.SGD, one step an epoch); return the two SlowdownRuns."""
    x = np.array([[config.x]])
    y = one_hot(config.true_class, len(config.weights))
    example = [(x, y)]
    runs = []
    for label, cost, output in SLOWDOWN_PAIRS:
        net = slowdown_network(cost, output, config)
        outputs, costs = [net.feedforward(x)[:, 0]], [net.total_cost(example, 0.0)]
        for _ in range(config.epochs):
            net.SGD(example, 1, 1, config.eta, shuffle=False, progress=False, verbose=False)
            outputs.append(net.feedforward(x)[:, 0])
            costs.append(net.total_cost(example, 0.0))
        runs.append(SlowdownRun(label, config, np.array(outputs), np.array(costs)))
    return runs


class SlowdownView:
    """Two panels for a list of SlowdownRuns at one epoch: the right class's output a_y
    against epoch (the run so far solid, the rest faint), and every output as bars."""

    def __init__(self, axes, runs):
        self.runs = runs
        self.curve_ax, self.bar_ax = axes
        n = runs[0].outputs.shape[1]
        epochs = np.arange(len(runs[0].costs))
        width = 0.8 / len(runs)
        self.solid, self.dots, self.bars = [], [], []
        for i, run in enumerate(runs):
            colour = f"C{i}"
            self.curve_ax.plot(epochs, run.right, color=colour, alpha=0.25)
            self.solid.append(self.curve_ax.plot([], [], color=colour, label=run.label)[0])
            self.dots.append(self.curve_ax.plot([], [], "o", color=colour)[0])
            self.bars.append(self.bar_ax.bar(np.arange(n) + (i - (len(runs) - 1) / 2) * width,
                                             np.zeros(n), width, color=colour,
                                             label=run.label))
        y = runs[0].config.true_class
        self.curve_ax.set_xlabel("epoch")
        self.curve_ax.set_ylabel(f"output of the right neuron, {neuron_name(y)}")
        self.curve_ax.set_ylim(0, 1.02)
        self.curve_ax.legend(loc="center right", fontsize="small")
        self.bar_ax.set_xticks(range(n), [neuron_name(j) + (" (right)" if j == y else "")
                                          for j in range(n)])
        self.bar_ax.set_ylim(0, 1.02)
        self.bar_ax.set_ylabel("output")

    def show(self, epoch):
        """Draw the runs as they are after ``epoch`` steps."""
        checks.integer("epoch", epoch, 0, len(self.runs[0].costs) - 1)
        for run, solid, dot, bars in zip(self.runs, self.solid, self.dots, self.bars):
            solid.set_data(np.arange(epoch + 1), run.right[:epoch + 1])
            dot.set_data([epoch], [run.right[epoch]])
            for bar, h in zip(bars, run.outputs[epoch]):
                bar.set_height(h)
        self.bar_ax.set_title(f"all outputs after {epoch} epochs", fontsize="medium")


def plot_slowdown(runs, epoch=None, axes=None):
    """Plot ``run_slowdown``'s runs: a_y against epoch, and all outputs at ``epoch``
    (the last epoch when None). Returns the Figure."""
    axes = axes_or_new(axes, 2, figsize=(8.5, 3.2))
    SlowdownView(axes, runs).show(len(runs[0].costs) - 1 if epoch is None else epoch)
    return axes[0].figure


def slowdown_table(runs, epochs=(0, 10, 50, 150, 300)):
    """A text table of each run's right-class output a_y and cost at the given epochs."""
    epochs = [e for e in epochs if e < len(runs[0].costs)]
    head = f"{'epoch':>5} " + "".join(f"| {run.label:^31} " for run in runs)
    sub = f"{'':>5} " + "".join(f"| {'a_y':>13} {'cost':>17} " for _ in runs)
    rows = [f"{e:>5} " + "".join(f"| {run.right[e]:>13.3f} {run.costs[e]:>17.3f} "
                                  for run in runs) for e in epochs]
    return "\n".join([head, sub, *rows])


class SlowdownExplorer(Demo):
    """A Play control and an epoch slider over precomputed SlowdownRuns.

    Moving the slider only moves artists (the runs are trained once, on creation);
    ``readout`` prints both runs' a_y and cost at the slider's epoch.
    """

    def __init__(self, runs, epoch=0):
        self.runs = runs
        last = len(runs[0].costs) - 1
        self.epoch = IntSlider(value=epoch, min=0, max=last, description="epoch",
                               continuous_update=True)
        self.play = Play(value=epoch, min=0, max=last, step=play_step(last),
                         interval=80, description="Play")
        widgets.jslink((self.play, "value"), (self.epoch, "value"))
        self.readout = widgets.HTML()
        self.readout.add_class("nnlib-slowdown-readout")
        self.figure = LiveFigure(1, 2, figsize=(8.5, 3.2), css_class="nnlib-slowdown-plot")
        self.view = SlowdownView(self.figure.axes, runs)
        self.epoch.observe(self.redraw, names="value")
        self.widget = widgets.VBox([widgets.HBox([self.play, self.epoch]), self.figure.image,
                                    self.readout])
        self.redraw()

    def redraw(self, change=None):
        e = self.epoch.value
        self.view.show(e)
        self.figure.refresh()
        rows = "".join(f"<tr><td>{r.label}</td><td>{r.right[e]:.3f}</td>"
                       f"<td>{r.costs[e]:.3f}</td></tr>" for r in self.runs)
        self.readout.value = (f"<b>epoch {e}</b><table><tr><th>layer</th><th>a<sub>y</sub>"
                              f"</th><th>cost</th></tr>{rows}</table>")

    def summary(self) -> str:
        return (f"Slowdown explorer: a Play button and an epoch slider over {len(self.runs)} "
                "training runs")


# ------------------------------------- Eq. (84) at work: a network trained on digits

#: The two networks section 3 compares: (label, cost); each gets its cost's output layer
#: (``cost.output_layer``: softmax for the log-likelihood, sigmoid for the cross-entropy).
DIGIT_PAIRS = (
    ("softmax + log-likelihood", LogLikelihoodCost),
    ("sigmoid + cross-entropy", CrossEntropyCost),
)


@dataclass(frozen=True)
class DigitsConfig:
    """The settings of the digits comparison, the same for both networks."""

    sizes: tuple = (784, 30, 10)  # the book's smaller MNIST network
    n_train: int = 8000     # training digits used (the small real-digits mode has 8,000)
    epochs: int = 30        # the book's number of epochs
    mini_batch_size: int = 10  # the book's
    eta: float = 0.5        # the book's learning rate for sigmoid + cross-entropy
    seed: int = 0           # initial weights and shuffling: the same for both networks

    def __post_init__(self):
        for name in ("n_train", "epochs", "mini_batch_size"):
            checks.integer(name, getattr(self, name), minimum=1)
        checks.real("eta", self.eta, positive=True)

    @classmethod
    def for_mode(cls, quick):
        """The full experiment, or with ``quick`` (NNLIB_QUICK=1) half the digits and a
        third of the epochs, which keeps the notebook within its minute."""
        return cls(n_train=4000, epochs=10) if quick else cls()


@dataclass(frozen=True)
class DigitsRun:
    """One network trained on digits, with its learning curves and the config."""

    label: str              # e.g. "softmax + log-likelihood"
    config: DigitsConfig
    net: Network = field(repr=False)
    validation_accuracy: np.ndarray = field(repr=False)  # (epochs,): fraction correct
    training_cost: np.ndarray = field(repr=False)        # (epochs,): the net's own cost


def train_digits(training, validation, config=DigitsConfig()):
    """Train one network per ``DIGIT_PAIRS`` on the first ``config.n_train`` examples of
    ``training`` (an ``(X (n, 784), labels (n,))`` pair, as ``nnlib.data.load_small``
    gives), monitoring accuracy on ``validation`` after each epoch. Both networks start
    from the same weights (same sizes and seed). Returns the two DigitsRuns."""
    X, labels = training
    if config.n_train > len(X):
        raise ValueError(f"config.n_train is {config.n_train} but the training data has "
                         f"only {len(X)} examples; lower n_train")
    subset = (X[:config.n_train], labels[:config.n_train])
    runs = []
    for label, cost in DIGIT_PAIRS:
        net = Network(config.sizes, cost=cost, seed=config.seed, dtype=X.dtype)
        _, accuracy, cost_curve, _ = net.SGD(
            subset, config.epochs, config.mini_batch_size, config.eta,
            evaluation_data=validation, monitor_evaluation_accuracy=True,
            monitor_training_cost=True, progress=False, verbose=False)
        runs.append(DigitsRun(label, config, net, np.array(accuracy) / len(validation[0]),
                              np.array(cost_curve)))
    return runs


def plot_learning_curves(runs, axes=None):
    """Validation accuracy (left) and each network's own training cost (right) against
    epoch, for ``train_digits``'s runs. Returns the Figure."""
    acc_ax, cost_ax = axes_or_new(axes, 2, figsize=(8.5, 3.2))
    for i, run in enumerate(runs):
        epochs = np.arange(1, len(run.validation_accuracy) + 1)
        acc_ax.plot(epochs, 100 * run.validation_accuracy, "o-", ms=3, color=f"C{i}",
                    label=run.label)
        cost_ax.plot(epochs, run.training_cost, "o-", ms=3, color=f"C{i}", label=run.label)
    c = runs[0].config
    acc_ax.set_title(f"{list(c.sizes)}, {c.n_train} digits, mini-batch {c.mini_batch_size}, "
                     f"η = {c.eta:g}", fontsize="medium")
    acc_ax.set_xlabel("epoch")
    acc_ax.set_ylabel("validation accuracy (%)")
    acc_ax.legend(loc="lower right", fontsize="small")
    cost_ax.set_xlabel("epoch")
    cost_ax.set_ylabel("training cost (each net its own)")
    cost_ax.set_ylim(bottom=0)
    cost_ax.legend(loc="upper right", fontsize="small")
    return acc_ax.figure


# ------------------------------------------------- which to use: the outputs themselves

def outputs_of(runs, X):
    """Each run's output activations for inputs X (n, 784): a list of (10, n) arrays."""
    return [run.net.feedforward(np.asarray(X).T) for run in runs]


def pick_digits(run, X, labels):
    """Three telling examples for ``run``'s network, as ``{title: index}`` in this order:
    the digit it is surest of and right about ("surest"), the one it is least sure of
    ("least sure"), and its most confident mistake ("most confident mistake"). When it
    makes no mistake the third is its "second least sure" digit; when it gets none right
    the first is the digit it is surest of ("surest, though wrong")."""
    a = run.net.feedforward(np.asarray(X).T)        # (10, n)
    guess, top = a.argmax(axis=0), a.max(axis=0)
    right = guess == np.asarray(labels)
    order = np.argsort(top, kind="stable")
    if right.any():
        surest = ("surest", int(np.argmax(np.where(right, top, -np.inf))))
    else:
        surest = ("surest, though wrong", int(order[-1]))
    if right.all():
        third = ("second least sure", int(order[1]))
    else:
        third = ("most confident mistake", int(np.argmax(np.where(right, -np.inf, top))))
    return dict([surest, ("least sure", int(order[0])), third])


class DigitOutputsView:
    """One digit, two panels: its image, and every run's ten outputs as grouped bars,
    with the sum of each network's outputs in the legend (Eq. (79): 1 for softmax)."""

    def __init__(self, image_ax, bar_ax, runs):
        self.runs = runs
        self.image_ax, self.bar_ax = image_ax, bar_ax
        self.image = image_ax.imshow(np.zeros((28, 28)), cmap="gray_r", vmin=0, vmax=1)
        image_ax.set_axis_off()
        width = 0.8 / len(runs)
        self.bars = [bar_ax.bar(np.arange(10) + (i - (len(runs) - 1) / 2) * width,
                                np.zeros(10), width, color=f"C{i}")
                     for i in range(len(runs))]
        bar_ax.set_xticks(range(10))
        bar_ax.set_ylim(0, 1.05)
        bar_ax.set_xlabel("digit j")
        bar_ax.set_ylabel("output $a^L_j$")
        bar_ax.grid(axis="x", visible=False)

    def show(self, x, label, title=None):
        """Draw the digit x (784,) whose true class is ``label``, titled with ``title``
        (e.g. "least sure"; none when None), its true digit and each network's predicted
        digit (the largest output). Return the outputs, one (10,) array per run."""
        x = np.asarray(x, dtype=float).reshape(-1)
        if x.size != 784:
            raise ValueError(f"x must be one MNIST image of 784 pixels; got {x.size} values")
        self.image.set_data(x.reshape(28, 28))
        outputs = [a[:, 0] for a in outputs_of(self.runs, x.reshape(1, -1))]
        for run, bars, a in zip(self.runs, self.bars, outputs):
            for bar, h in zip(bars, a):
                bar.set_height(h)
            bars.set_label(f"{run.net.output.name} outputs: sum {a.sum():.3f}")
        self.bar_ax.legend(loc="upper left", fontsize="small")
        predicted = ", ".join(f"{run.net.output.name} {int(a.argmax())}"
                              for run, a in zip(self.runs, outputs))
        lines = [title] if title else []
        lines += [f"true digit {int(label)}", f"predicted: {predicted}"]
        self.image_ax.set_title("\n".join(lines), fontsize="small")
        return outputs


def plot_output_distributions(runs, X, labels, picks, axes=None):
    """For each example picked: its image (top row), titled with its true digit and each
    network's prediction, and the outputs of every run's network (bottom row). ``picks``
    is ``{title: index}`` (as ``pick_digits`` returns) or a list of indices (no titles).
    ``axes`` is a (2, len(picks)) array. Returns the Figure."""
    titled = list(picks.items()) if isinstance(picks, dict) else [(None, i) for i in picks]
    axes = axes_or_new(axes, len(titled), nrows=2, figsize=(3.6 * len(titled), 4.8),
                       height_ratios=(1, 1.6))
    for k, (title, i) in enumerate(titled):
        DigitOutputsView(axes[0][k], axes[1][k], runs).show(X[i], labels[i], title)
    return axes[0][0].figure


class DigitOutputsExplorer(Demo):
    """A slider over the examples of X: the digit and both networks' outputs, redrawn
    in place. ``index`` (IntSlider), ``readout`` (HTML), ``figure`` (a LiveFigure)."""

    def __init__(self, runs, X, labels, index=0):
        self.runs, self.X, self.labels = runs, X, labels
        self.index = IntSlider(value=index, min=0, max=len(X) - 1,
                               description="example")
        self.readout = widgets.HTML()
        self.readout.add_class("nnlib-digit-readout")
        self.figure = LiveFigure(1, 2, figsize=(7.5, 3.0), css_class="nnlib-digit-plot",
                                 width_ratios=(1, 2.4))
        self.view = DigitOutputsView(*self.figure.axes, runs)
        self.index.observe(self.redraw, names="value")
        self.widget = widgets.VBox([self.index, self.figure.image, self.readout])
        self.redraw()

    def redraw(self, change=None):
        i = self.index.value
        outputs = self.view.show(self.X[i], self.labels[i])
        self.figure.refresh()
        self.readout.value = "<br>".join(
            f"{run.label}: says {int(a.argmax())} with output {a.max():.3f}; "
            f"outputs sum to {a.sum():.3f}" for run, a in zip(self.runs, outputs))

    def summary(self) -> str:
        return "Digit explorer: a slider over the examples and both networks' outputs"
