"""The single-neuron toy of chapter 3: the book's demo numbers, gradients against finite
differences and against the network's backprop, the plots, the widget, the animation,
the three "break it" demos, and what notebook 01 says about them."""
import asyncio
import base64
import contextlib
import io
from pathlib import Path

import matplotlib.image as mpimg
import matplotlib.pyplot as plt
import nbformat
import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from nnlib.notebook import animation, cross_entropy
from nnlib.costs import CrossEntropyCost, QuadraticCost
from nnlib.gradcheck import TOLERANCE, numerical_gradient
from nnlib.network import Network

#: The book and the seed notes quote outputs to two digits ("about 0.09", "0.98");
#: a re-simulation must land within this of the quoted value.
BOOK_TOL = 0.005


@pytest.fixture(autouse=True)
def no_figures_left():
    """Every test starts without pyplot figures (a test that leaks one fails below)."""
    plt.close("all")
    yield
    assert plt.get_fignums() == [], "this test left a pyplot figure open"


# -- the book's demos ------------------------------------------------------------------
@pytest.mark.parametrize("start, cost, eta, epoch, quoted", [
    ((0.6, 0.9), "quadratic", 0.15, 0, 0.82),        # demo 1 starts at about 0.82
    ((0.6, 0.9), "quadratic", 0.15, 300, 0.094),     # ... and ends near 0.09
    ((2.0, 2.0), "quadratic", 0.15, 0, 0.98),        # demo 2 starts saturated
    ((2.0, 2.0), "quadratic", 0.15, 150, 0.93),      # ... still high after 150 epochs
    ((2.0, 2.0), "quadratic", 0.15, 300, 0.20),
    ((2.0, 2.0), "cross-entropy", 0.005, 300, 0.78),  # true gradient, the web page's eta
    ((2.0, 2.0), "cross-entropy", 0.15, 50, 0.10),    # true gradient, the demos' eta
])
def test_book_demo_outputs(start, cost, eta, epoch, quoted):
    t = cross_entropy.train(*start, eta=eta, epochs=300, cost=cost)
    assert abs(t.a[epoch] - quoted) <= BOOK_TOL


def test_saturated_quadratic_start_is_flat_for_150_epochs():
    fast, slow = cross_entropy.train(0.6, 0.9), cross_entropy.train(2.0, 2.0)
    drop = lambda t: t.a[0] - t.a[150]  # noqa: E731
    assert drop(slow) < 0.1 * drop(fast)
    # and it is sigma'(z) that is small: z = 4 against z = 1.5. Notebook 01, section 1:
    # "a gradient about seven times smaller: sigma'(4) is eight times smaller than sigma'(1.5)"
    assert slow.grad_w[0] < 0.2 * fast.grad_w[0]
    assert round(fast.grad_w[0] / slow.grad_w[0]) == 7
    assert round(float(cross_entropy.sigmoid_prime(1.5) / cross_entropy.sigmoid_prime(4.0))) == 8


def test_from_the_worse_start_the_weights_and_cost_move_faster_but_the_output_lags():
    """Notebook 01, section 3: the cross-entropy from w = b = 2 against w = 0.6, b = 0.9.
    The step is eta (a - y) (Eq. 61), larger from the worse start; the output lags at
    first because sigma is flat at z = 4, and has fallen further by epoch 20."""
    worse = cross_entropy.train(2.0, 2.0, cost="cross-entropy")
    better = cross_entropy.train(0.6, 0.9, cost="cross-entropy")
    assert worse.grad_w[0] > better.grad_w[0] > 0       # the gradient is a - y (Eq. 61)
    assert (round(worse.grad_w[0], 2), round(better.grad_w[0], 2)) == (0.98, 0.82)
    moved = lambda t, e: (t.w[0] - t.w[e], t.C[0] - t.C[e], t.a[0] - t.a[e])  # noqa: E731
    assert np.round(moved(worse, 5), 3).tolist() == [0.724, 1.392, 0.054]
    assert np.round(moved(better, 5), 3).tolist() == [0.550, 0.788, 0.219]
    fell_further = [e for e in range(1, 301) if worse.a[0] - worse.a[e] > better.a[0] - better.a[e]]
    assert fell_further[0] == 20                          # "by epoch 20 ... caught up"
    assert (round(worse.C[0], 2), round(cross_entropy.train(2.0, 2.0).C[0], 2)) == (4.02, 0.48)


def test_the_widget_cannot_make_this_neuron_overshoot():
    """With target 0 every step lowers z (the output error a - y, or (a - y) sigma'(z),
    is positive), so no eta the widget offers makes the output pass its target."""
    ex = cross_entropy.NeuronExplorer()
    assert (ex.eta.max, ex.epochs.max, ex.w.min, ex.w.max) == (1.0, 500, -4, 4)
    for w in (-4.0, 0.0, 4.0):
        for b in (-4.0, 2.0, 4.0):
            for cost in cross_entropy.COSTS:
                t = cross_entropy.train(w, b, eta=ex.eta.max, epochs=ex.epochs.max, cost=cost)
                assert np.all(np.diff(t.w + t.b) < 0) and np.all(t.a > 0), (w, b, cost)


def test_what_the_widget_prose_invites_the_reader_to_try():
    """Notebook 01, section 2: from w = b = 4 the quadratic output stays above 0.9 for all
    500 epochs, at eta 0.15 and at eta 1; eta 1 shortens the plateau from w = b = 2; and
    the cross-entropy from w = b = 4 at eta 1 is below 0.1 within 9 epochs."""
    first_below = lambda t, v: int(np.argmax(t.a < v)) if np.any(t.a < v) else None  # noqa: E731
    for eta in (0.15, 1.0):
        assert cross_entropy.train(4.0, 4.0, eta=eta, epochs=500).a.min() > 0.9
    plateau = {eta: first_below(cross_entropy.train(2.0, 2.0, eta=eta, epochs=500), 0.9)
               for eta in (0.15, 1.0)}
    assert plateau == {0.15: 172, 1.0: 27}
    ce = cross_entropy.train(4.0, 4.0, eta=1.0, epochs=500, cost="cross-entropy")
    assert first_below(ce, 0.1) == 9


def test_book_animation_step_by_dc_da_is_fast_at_small_eta():
    true_gradient = cross_entropy.train(2.0, 2.0, eta=0.005, cost="cross-entropy")
    animation = cross_entropy.train(2.0, 2.0, eta=0.005, cost="cross-entropy", step="dC/da")
    assert animation.a[300] < 0.1 < 0.75 < true_gradient.a[300]
    # its first step is eta dC/da = eta (a - y) / (a (1 - a)) (Eq. 75), not eta (a - y)
    a0 = animation.a[0]
    assert animation.w[1] == pytest.approx(2.0 - 0.005 * a0 / (a0 * (1 - a0)), rel=1e-12)
    assert animation.grad_w[0] == true_gradient.grad_w[0]  # the recorded gradient is true
    # notebook 01: "near a = 0.98 the factor 1/(a(1 - a)) is about 50", so its first step
    # is some 50 times the true gradient's
    assert 50 < 1 / (a0 * (1 - a0)) < 60
    assert 50 < (2.0 - animation.w[1]) / (2.0 - true_gradient.w[1]) < 60


def test_trajectory_layout():
    t = cross_entropy.train(1.0, -0.5, eta=0.1, epochs=7, cost="cross-entropy", x=2.0, y=0.25)
    for field in ("w", "b", "a", "C", "grad_w", "grad_b"):
        assert getattr(t, field).shape == (8,)
    assert (t.w[0], t.b[0], t.epochs, t.x, t.y) == (1.0, -0.5, 7, 2.0, 0.25)
    np.testing.assert_allclose(t.w[1:], t.w[:-1] - 0.1 * t.grad_w[:-1], rtol=0, atol=1e-15)
    np.testing.assert_allclose(t.grad_w, 2.0 * t.grad_b)       # dC/dw = x dC/db
    assert t.label == "cross-entropy, w=1, b=-0.5, η=0.1"


# -- gradients: finite differences and the network ---------------------------------------
@pytest.mark.parametrize("cost", ["quadratic", "cross-entropy"])
@pytest.mark.parametrize("w, b, x, y", [(0.6, 0.9, 1.0, 0.0), (2.0, 2.0, 1.0, 0.0),
                                        (-1.3, 0.4, 0.7, 1.0), (0.5, -2.0, -1.5, 0.3)])
def test_gradient_matches_finite_differences(cost, w, b, x, y):
    p = np.array([w, b])
    numeric = numerical_gradient(lambda: cross_entropy.neuron_state(p[0], p[1], cost, x, y)[1], p)
    _, _, grad_w, grad_b = cross_entropy.neuron_state(w, b, cost, x, y)
    np.testing.assert_allclose([grad_w, grad_b], numeric, rtol=TOLERANCE, atol=TOLERANCE)


@pytest.mark.parametrize("cost", [QuadraticCost, CrossEntropyCost])
def test_training_matches_a_one_neuron_network(cost):
    """Network([1, 1]) trained on the one example (x=1, y=0) steps exactly like the toy."""
    net = Network([1, 1], cost=cost)
    net.weights[0][...] = 2.0
    net.biases[0][...] = 2.0
    net.SGD((np.array([[1.0]]), np.array([[0.0]])), 25, 1, 0.15, progress=False,
            verbose=False, shuffle=False)
    t = cross_entropy.train(2.0, 2.0, eta=0.15, epochs=25, cost=cost)
    assert net.weights[0][0, 0] == pytest.approx(t.w[25], abs=1e-12)
    assert net.biases[0][0, 0] == pytest.approx(t.b[25], abs=1e-12)


def test_cost_is_exact_where_the_output_rounds_to_one():
    a, C, grad_w, _ = cross_entropy.neuron_state(30.0, 20.0, "cross-entropy")
    assert a == 1.0 and C == pytest.approx(50.0, rel=1e-12) and grad_w == 1.0


# -- where the cross-entropy comes from ---------------------------------------------------
@pytest.mark.parametrize("y", [0.0, 0.3, 1.0])
def test_integrating_eq75_gives_the_cross_entropy(y):
    a = np.linspace(0.05, 0.95, 2001)
    closed = cross_entropy.cost_curve(a, y)
    np.testing.assert_allclose(cross_entropy.integrate_dc_da(a, y), closed - closed[0], atol=1e-5)


def test_the_trapezoid_error_notebook_01_prints_shrinks_four_times_per_halving():
    """Notebook 01, section 5: on its grid of step 0.01 from a = 0.02 the integral of
    Eq. (75) is off by 8.1e-3 at most, and that error shrinks four times each time the step
    halves (the trapezoid rule's order 2)."""
    def error(points):
        a = np.linspace(0.02, 0.98, points)
        closed = cross_entropy.cost_curve(a, 0.3)
        return np.max(np.abs(cross_entropy.integrate_dc_da(a, 0.3) - (closed - closed[0])))
    errors = [error(96 * 2 ** k + 1) for k in range(4)]   # steps 0.01, 0.005, ...
    assert f"{errors[0]:.1e}" == "8.1e-03"
    assert all(3.8 < before / after < 4.2 for before, after in zip(errors, errors[1:]))


def test_integrating_the_quadratic_gradient_does_not_give_the_cross_entropy():
    a = np.linspace(0.05, 0.95, 2001)
    closed = cross_entropy.cost_curve(a, 0.3)
    integral = cross_entropy.integrate_dc_da(a, 0.3, cost="quadratic")
    assert np.max(np.abs(integral - (closed - closed[0]))) > 0.1
    np.testing.assert_allclose(integral, ((a - 0.3) ** 2 - (a[0] - 0.3) ** 2) / 2, atol=1e-9)


@pytest.mark.parametrize("a", [[0.5], [0.1, 0.5, 0.3], [0.0, 0.5], [0.5, 1.0], [[0.1, 0.2]]])
def test_integration_grid_is_checked(a):
    with pytest.raises(ValueError, match="increasing 1-D grid"):
        cross_entropy.integrate_dc_da(a, 0.3)


def test_cost_curve_is_lowest_at_the_target():
    a = np.linspace(0.01, 0.99, 99)
    for y in (0.2, 0.5, 0.9):
        c = cross_entropy.cost_curve(a, y)
        assert a[np.argmin(c)] == pytest.approx(y, abs=0.01)
        assert c.min() == pytest.approx(cross_entropy.cost_curve([y], y)[0], abs=1e-3)


# -- bad input ------------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs, error, words", [
    ({"w": "0.6"}, TypeError, "w must be a finite number; got '0.6'"),
    ({"w": True}, TypeError, "w must be a finite number; got True"),
    ({"b": float("nan")}, ValueError, "b must be a finite number; got nan"),
    ({"eta": 0.0}, ValueError, "eta must be a finite number > 0, e.g. eta=0.15; got 0.0"),
    ({"eta": -0.1}, ValueError, "eta must be a finite number > 0"),
    ({"epochs": 1.5}, TypeError, "epochs must be an integer"),
    ({"epochs": -1}, ValueError, "epochs must be an integer from 0 to 100000; got -1"),
    ({"cost": "hinge"}, ValueError, "cost must be one of"),
    ({"y": 1.5}, ValueError, r"y must be a finite number in \[0, 1\]; got 1.5"),
    ({"step": "dC/dz"}, ValueError, "step must be one of"),
])
def test_bad_training_settings_are_explained(kwargs, error, words):
    with pytest.raises(error, match=words):
        cross_entropy.train(**kwargs)


def test_bad_neuron_state_is_explained():
    with pytest.raises(ValueError, match=r"y must be a finite number in \[0, 1\]"):
        cross_entropy.neuron_state(2.0, 2.0, "cross-entropy", y=-0.1)
    with pytest.raises(ValueError, match="cost must be one of"):
        cross_entropy.neuron_state(2.0, 2.0, "log-likelihood")


def test_bad_plot_quantity_is_explained():
    with pytest.raises(ValueError, match="quantity must be one of"):
        cross_entropy.plot_learning(cross_entropy.train(epochs=3), quantity="accuracy", ax=Figure().subplots())


# -- plots -----------------------------------------------------------------------------------
@pytest.mark.parametrize("plot", [
    lambda ax: cross_entropy.plot_learning(cross_entropy.train(epochs=20), ax=ax),
    lambda ax: cross_entropy.plot_sigmoid_prime(ax=ax),
    lambda ax: cross_entropy.plot_cross_entropy_minimum(ax=ax),
    lambda ax: cross_entropy.plot_surprise(ax=ax),
    lambda ax: cross_entropy.plot_integrated_cost(ax=ax),
])
def test_plots_draw_on_a_given_axes_or_a_new_figure(plot):
    fig = plot(None)                               # a new pyplot figure, shown inline
    assert isinstance(fig, Figure) and fig.axes[0].lines and plt.get_fignums() == [fig.number]
    plt.close(fig)
    given = Figure().subplots()
    assert plot(given) is given.figure and given.lines
    assert plt.get_fignums() == []                 # a given axes makes no figure


def test_plot_demo_progress_is_drawn_up_to_the_epoch():
    runs = [cross_entropy.train(2.0, 2.0, epochs=40), cross_entropy.train(2.0, 2.0, epochs=40,
                                                            cost="cross-entropy")]
    fig = cross_entropy.plot_demo(runs, epoch=10)
    left, right = fig.axes
    progress = [line for line in right.lines if line.get_gid() == cross_entropy.PROGRESS]
    assert len(progress) == 4                      # a line and a dot per trajectory
    np.testing.assert_array_equal(progress[0].get_ydata(), runs[0].C_relative[:11])
    np.testing.assert_array_equal(progress[3].get_ydata(), [runs[1].C_relative[10]])
    assert left.get_ylim() == (0, 1)
    plt.close(fig)


def test_costs_of_different_scale_share_an_axis_as_a_fraction_of_their_start():
    """The quadratic cost from w = b = 2 starts at 0.48 and the cross-entropy at 4.0: on one
    axis the quadratic plateau would be a flat line at the bottom. Mixed costs are drawn as
    C / C(0), both from 1; runs of one cost keep the cost itself."""
    quadratic = cross_entropy.train(2.0, 2.0)
    ce = cross_entropy.train(2.0, 2.0, cost="cross-entropy")
    mixed = cross_entropy.plot_demo([quadratic, ce]).axes[1]
    assert "C / C(0)" in mixed.get_ylabel()
    np.testing.assert_array_equal(mixed.lines[0].get_ydata(), quadratic.C / quadratic.C[0])
    assert mixed.lines[0].get_ydata()[150] > 0.9        # the plateau fills the panel
    assert mixed.get_ylim()[1] < 1.1
    same = cross_entropy.plot_demo([quadratic, cross_entropy.train(0.6, 0.9)]).axes[1]
    assert same.get_ylabel() == "cost C"
    np.testing.assert_array_equal(same.lines[0].get_ydata(), quadratic.C)
    plt.close("all")
    assert cross_entropy.cost_quantity(quadratic) == "cost"


def test_the_widget_with_both_costs_shows_them_relative_to_their_start():
    ex = cross_entropy.NeuronExplorer(w=2.0, b=2.0, cost="both")
    limits = lambda: cross_entropy.chart_limits(ex.trajectories)[1]  # noqa: E731
    assert ">C / C(0)<" in kernel_frame(ex) and limits() == (0.0, 1.05)
    ex.picture()
    right = ex.figure.axes[1]
    assert "C / C(0)" in right.get_ylabel() and right.get_ylim() == (0.0, 1.05)
    ex.cost.value = "cross-entropy"
    assert ">cost C<" in kernel_frame(ex) and limits() == (0.0, 5)   # C(0) = 4.02
    ex.picture()
    assert right.get_ylabel() == "cost C" and right.get_ylim()[1] == 5
    ex.cost.value = "both"
    ex.epoch.value = 100
    ex.picture()
    progress = [line for line in right.lines if line.get_gid() == cross_entropy.PROGRESS]
    np.testing.assert_array_equal(progress[0].get_ydata(), ex.trajectories[0].C_relative[:101])


def test_a_run_that_starts_at_zero_cost_has_no_relative_cost():
    at_target = cross_entropy.train(0.0, 0.0, epochs=3, y=0.5)   # a = 1/2 = y: C(0) = 0
    with pytest.raises(ValueError, match="starts at zero cost.*quantity='cost'"):
        at_target.C_relative


# -- the widget -----------------------------------------------------------------------------
def kernel_frame(ex) -> str:
    """The axes (an <svg>) of the chart the kernel last sent, into which the browser draws."""
    return ex.chart.frames[ex.chart.state["frame"]]


def kernel_pixels(ex) -> np.ndarray:
    """The pixel rows of the chart the kernel last sent: (runs, panel, epoch), in px."""
    runs = len(ex.trajectories)
    return np.frombuffer(ex.chart.curves, np.int16).reshape(runs, 2, -1) / 10


def decoded(png: bytes) -> np.ndarray:
    return mpimg.imread(io.BytesIO(png), format="png")


def test_widget_controls_are_named_for_the_browser_tests():
    ex = cross_entropy.NeuronExplorer()
    assert (ex.w.description, ex.b.description) == ("w", "b")
    assert "nnlib-neuron-plot" in ex.chart._dom_classes
    assert ex.chart.readout_class == "nnlib-neuron-readout"
    assert ex.widget._repr_mimebundle_()["application/vnd.jupyter.widget-view+json"]


def test_widget_values_after_a_change():
    ex = cross_entropy.NeuronExplorer()
    before = ex.chart.curves
    ex.w.value, ex.b.value = 2.0, 2.0
    assert ex.chart.curves != before
    ex.cost.value = "quadratic"
    ex.epoch.value = 150
    (t,) = ex.trajectories
    assert (t.cost, t.w0, t.b0, t.eta) == ("quadratic", 2.0, 2.0, 0.15)
    assert abs(t.a[150] - 0.93) <= BOOK_TOL
    assert ex.chart.state["readout"][150] == ["\t".join([
        "quadratic", f"{t.w[150]:.3f}", f"{t.b[150]:.3f}", f"{t.a[150]:.3f}",
        f"{t.C[150]:.4f}", f"{t.grad_w[150]:.4f}"])]
    assert ex.chart.base_epoch == 150
    ex.cost.value = "both"
    assert [t.cost for t in ex.trajectories] == ["quadratic", "cross-entropy"]


def test_widget_epochs_change_moves_the_epoch_slider_and_play():
    ex = cross_entropy.NeuronExplorer(epochs=300)
    assert ex.epoch.value == 300                  # starts showing the whole run
    ex.epochs.value = 120
    assert ex.epoch.max == ex.play.max == ex.epoch.value == 120
    assert 120 % ex.play.step == 0                # Play lands exactly on the last epoch
    assert ex.trajectories[0].epochs == 120
    ex.epoch.value = 30
    ex.epochs.value = 200
    assert (ex.epoch.value, ex.epoch.max) == (30, 200)  # not at the end: stays put


@pytest.mark.parametrize("change", [
    {"w": 1.9},                       # same axis limits
    {"w": -4.0, "b": -4.0},           # a much smaller cost: another cost axis
    {"epochs": 200},                  # another x range
    {"cost": "quadratic"},            # one curve, one legend entry
])
def test_widget_chart_pixels_are_each_run_at_every_epoch(change):
    """The curves the browser draws are each run's output and cost (C / C(0) when the
    costs are mixed) at every epoch, within the 0.05 px their pixel rows are rounded
    to; the readout has each run's values at every epoch; the picture for static pages
    shows the epoch slider's epoch."""
    ex = cross_entropy.NeuronExplorer(w=2.0, b=2.0)
    for name, value in change.items():
        getattr(ex, name).value = value
    _, (_, top) = cross_entropy.chart_limits(ex.trajectories)
    field = "C_relative" if cross_entropy.cost_quantity(ex.trajectories) == "relative cost" else "C"
    pixels = kernel_pixels(ex)
    assert pixels.shape == (len(ex.trajectories), 2, ex.epochs.value + 1)
    for t, (output, cost) in zip(ex.trajectories, pixels):
        np.testing.assert_allclose(1 - (output - 12) / 190, t.a, rtol=0, atol=0.05 / 190)
        np.testing.assert_allclose((1 - (cost - 12) / 190) * top, getattr(t, field),
                                   rtol=0, atol=0.05 * top / 190)
    assert ex.chart.state["labels"] == [t.label for t in ex.trajectories]
    assert len(ex.chart.state["readout"]) == ex.epochs.value + 1
    for epoch in (120, 20):
        assert ex.chart.state["readout"][epoch] == ["\t".join(cross_entropy.readout_cells(t, epoch))
                                                    for t in ex.trajectories]
    ex.epoch.value = 20
    picture = ex.picture()
    ex.epoch.value = 120
    assert ex.picture() != picture  # a different epoch, a different picture


@pytest.mark.parametrize("cost", ["both", "cross-entropy"])
@pytest.mark.parametrize("slider, value", [("w", -1.3), ("w", 4.0), ("b", -4.0), ("eta", 0.5),
                                           ("eta", 0.005)])
def test_the_browsers_table_row_is_what_the_kernel_then_sends(cost, slider, value):
    """What the browser shows the moment one slider moves (that slider's table row) is
    exactly the chart the kernel sends once it has retrained for the new value: the
    same pixels, axes, legend and readout; the other sliders' rows follow the move."""
    ex = cross_entropy.NeuronExplorer(w=2.0, b=2.0, eta=0.15, epochs=200, cost=cost, epoch=70)
    ex.refresh_tables()   # what the chart's view asks for when it renders
    j = ["w", "b", "eta"].index(slider)
    table = ex.chart.tables[j]
    row = table["rows"][round((value - table["min"]) / table["step"])]
    held = np.frombuffer(ex.chart.table_curves, np.int16)
    frames = dict(ex.chart.frames)
    assert ex.chart.base == [2.0, 2.0, 0.15] and ex.chart.base_epoch == 70
    getattr(ex, slider).value = value
    sent = np.frombuffer(ex.chart.curves, np.int16)
    np.testing.assert_array_equal(held[row["offset"]:row["offset"] + sent.size], sent)
    assert frames[row["frame"]] == ex.chart.frames[ex.chart.state["frame"]]
    assert row["labels"] == ex.chart.state["labels"]
    assert row["readout"] == ex.chart.state["readout"][70]
    assert ex.chart.base[j] == value


def test_the_tables_hold_every_value_of_w_b_and_eta_and_follow_a_narrowed_range():
    ex = cross_entropy.NeuronExplorer(epochs=100, cost="quadratic")
    ex.refresh_tables()
    sizes = [len(t["rows"]) for t in ex.chart.tables]
    assert sizes == [81, 81, 200]
    assert len(ex.chart.table_curves) == sum(sizes) * 1 * 2 * 101 * 2   # int16 pixels
    ex.w.min = -2.0                   # the slider's range changes: so does its table
    assert ex.chart.tables[0]["min"] == -2.0 and len(ex.chart.tables[0]["rows"]) == 61


def test_the_epoch_slider_only_moves_the_readout_rows_of_the_tables():
    ex = cross_entropy.NeuronExplorer(w=2.0, b=2.0)
    ex.refresh_tables()
    curves, table_curves = ex.chart.curves, ex.chart.table_curves
    ex.epoch.value = 40
    assert ex.chart.curves == curves and ex.chart.table_curves == table_curves
    assert ex.chart.base_epoch == 40
    row = ex.chart.tables[0]["rows"][0]   # w = -4
    assert row["readout"] == ["\t".join(cross_entropy.readout_cells(t, 40))
                              for t in (cross_entropy.train(-4.0, 2.0, cost=c) for c in
                                        cross_entropy.COSTS)]


def test_in_a_kernel_a_move_sends_the_chart_at_once_and_the_other_tables_after_a_pause():
    """Inside an event loop (a kernel), a move of w sends the new chart and keeps w's
    table (it depends on b and eta only); b's and eta's tables are emptied, so that the
    browser waits for the kernel rather than show rows trained at the old w, and are
    retrained TABLES_DELAY s after the last move: then everything is what an explorer
    made at the new settings holds."""
    async def scenario():
        ex = cross_entropy.NeuronExplorer(w=2.0, b=2.0, epochs=100)
        ex.refresh_tables()
        w_rows, held = ex.chart.tables[0]["rows"], ex.chart.table_curves
        ex.w.value = 1.0
        ex.w.value = 0.5               # a drag: the timer starts again
        assert ex.chart.base == [0.5, 2.0, 0.15]
        assert ex.chart.tables[0]["rows"] == w_rows and ex.chart.table_curves == held
        assert ex.chart.tables[1]["rows"] == [] and ex.chart.tables[2]["rows"] == []
        ex.eta.value = 0.3             # before the refresh: eta's table, trained at w = 2,
        assert [t["rows"] for t in ex.chart.tables] == [[], [], []]   # is no use either
        ex.eta.value = 0.15
        await asyncio.sleep(ex.TABLES_DELAY + 0.3)   # the refresh is due first
        fresh = cross_entropy.NeuronExplorer(w=0.5, b=2.0, epochs=100)
        fresh.refresh_tables()
        assert ex.chart.tables == fresh.chart.tables
        assert ex.chart.table_curves == fresh.chart.table_curves
        assert ex.chart.state == fresh.chart.state and ex.chart.curves == fresh.chart.curves

    outside_any_event_loop(lambda: asyncio.run(scenario()))


def outside_any_event_loop(fn):
    """Call ``fn`` in a thread of its own, where no asyncio loop runs (the browser tests'
    Playwright leaves one running in the main thread of the test process), and re-raise
    what it raised."""
    import threading

    failure = []

    def run():
        try:
            fn()
        except BaseException as error:  # noqa: BLE001 - handed to the test's thread
            failure.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if failure:
        raise failure[0]


def test_tables_only_once_a_view_asks_for_them():
    """Run without a browser (nbconvert, nbval), the explorer computes no tables, and the
    notebook saves none in its widget state; the message a view sends when it renders
    brings every table, and from then on (outside an event loop, at once) they follow
    the sliders."""
    outside_any_event_loop(tables_only_once_a_view_asks_for_them)


def tables_only_once_a_view_asks_for_them():
    ex = cross_entropy.NeuronExplorer(w=2.0, b=2.0, epochs=100)
    ex.w.value = 1.0
    assert [t["rows"] for t in ex.chart.tables] == [[], [], []] and ex.chart.table_curves == b""
    assert len(ex.chart.get_state()["table_curves"]) == 0
    assert ex.chart.state["frame"] in ex.chart.frames   # the chart itself is all there
    ex._on_view_message(ex.chart, {"something": "else"}, [])
    assert ex.chart.table_curves == b""
    ex._on_view_message(ex.chart, {"want": "tables"}, [])
    assert [len(t["rows"]) for t in ex.chart.tables] == [81, 81, 200]
    ex.b.value = 1.0
    assert ex.chart.tables[0]["rows"][0]["labels"][0] == "quadratic, w=-4, b=1, η=0.15"


def test_train_many_gives_each_run_exactly_as_train_alone():
    grid = np.round(np.arange(-4, 4.05, 0.4), 1)
    runs = cross_entropy.train_many(grid, np.full(grid.size, 2.0), np.linspace(0.01, 1, grid.size),
                                    epochs=50, cost="cross-entropy")
    for w, eta, run in zip(grid, np.linspace(0.01, 1, grid.size), runs):
        alone = cross_entropy.train(w, 2.0, eta=eta, epochs=50, cost="cross-entropy")
        for field in ("w", "b", "a", "C", "grad_w", "grad_b"):
            np.testing.assert_array_equal(getattr(run, field), getattr(alone, field))
        assert run.label == alone.label


@pytest.mark.parametrize("args, words", [
    (([1.0, 2.0], [1.0], [0.1, 0.1]), "1-D arrays of one length"),
    (([[1.0]], [[1.0]], [[0.1]]), "1-D arrays of one length"),
    (([1.0], [np.nan], [0.1]), "must be finite"),
    (([1.0], [1.0], [0.0]), "eta finite and > 0"),
])
def test_train_many_refuses_starts_it_cannot_train(args, words):
    with pytest.raises(ValueError, match=words):
        cross_entropy.train_many(*args)


def test_widget_updates_leak_no_figures():
    ex = cross_entropy.NeuronExplorer()
    for i in range(30):
        ex.epoch.value = (7 * i) % 300
        if i % 5 == 0:
            ex.w.value = -2 + 0.1 * i
    assert plt.get_fignums() == []


def test_widget_rejects_an_unknown_cost():
    with pytest.raises(ValueError, match="cost must be one of"):
        cross_entropy.NeuronExplorer(cost="hinge")


def test_the_dc_da_rule_refuses_a_saturated_start_instead_of_returning_nan():
    with pytest.raises(ValueError, match="divides by a\\(1 - a\\).*epoch 0"):
        cross_entropy.train(20.0, 20.0, eta=0.005, epochs=5, cost="cross-entropy", step="dC/da")


def test_an_empty_grid_is_refused_with_its_own_message():
    with pytest.raises(ValueError, match=r"got shape \(0,\)\.$"):
        cross_entropy.integrate_dc_da([], 0.0)


# -- the four demos, animated ------------------------------------------------------------
@pytest.fixture(scope="module")
def four_demos():
    return [cross_entropy.train(w, b, cost=cost) for w, b in cross_entropy.DEMO_STARTS
            for cost in cross_entropy.COSTS]


def test_the_four_demos_play_as_an_animated_png(four_demos):
    """An APNG: image/png, which static pages show and browsers play, 31 frames from epoch
    0 to 300 that loop, small enough to save in the notebook, the same bytes every run."""
    animation = cross_entropy.animate_runs(four_demos)
    image = Image.open(io.BytesIO(animation.png))
    assert image.format == "PNG" and image.n_frames == animation.frames == 31
    assert image.info["loop"] == 0 and image.is_animated
    assert len(animation.png) < 400_000
    assert cross_entropy.animate_runs(four_demos).png == animation.png
    bundle = animation._repr_mimebundle_()
    assert set(bundle) == {"image/png", "text/plain"}
    assert base64.b64decode(bundle["image/png"]) == animation.png
    assert bundle["text/plain"] == "<animation: 4 runs of the neuron over 300 epochs, 31 frames>"
    assert plt.get_fignums() == []


def test_the_animation_frames_show_training_epoch_by_epoch(four_demos):
    """The first frame differs from the last (the curves grow), and a frame equals a full
    draw of the same epoch (the blitted frames leave nothing out)."""
    frames = []

    def keep(figure, draw_frame, n, **kwargs):
        kwargs["artists"] = []                    # full draws, for comparison
        frames.append((figure, draw_frame))
        return animation.record(figure, draw_frame, n, **kwargs)
    blitted = cross_entropy.animate_runs(four_demos, frames=3)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(cross_entropy, "record", keep)
        full = cross_entropy.animate_runs(four_demos, frames=3)
    for k in range(3):
        a, b = (np.asarray(_frame(x.png, k), dtype=float) for x in (blitted, full))
        assert np.mean(np.abs(a - b).max(axis=2) > 40) < 2e-3, k
    first, last = (np.asarray(_frame(blitted.png, k), dtype=float) for k in (0, 2))
    assert np.mean(np.abs(first - last).max(axis=2) > 40) > 0.01


def _frame(png, k):
    image = Image.open(io.BytesIO(png))
    image.seek(k)
    return image.convert("RGB")


@pytest.mark.parametrize("kwargs, words", [
    ({"frames": 0}, "frames must be an integer >= 1; got 0"),
    ({"frames": 2, "interval_ms": 0}, r"interval_ms must be an integer >= 1 \(milliseconds\)"),
    ({"frames": 2, "colours": 300}, "colours must be an integer from 2 to 256; got 300"),
])
def test_record_refuses_settings_it_cannot_honour(kwargs, words):
    figure = Figure()
    FigureCanvasAgg(figure)
    with pytest.raises(ValueError, match=words):
        animation.record(figure, lambda i: None, **kwargs)


def test_animate_runs_needs_trajectories():
    with pytest.raises(TypeError, match="Trajectory objects"):
        cross_entropy.animate_runs([])
    with pytest.raises(ValueError, match="frames must be an integer >= 2; got 1"):
        cross_entropy.animate_runs(cross_entropy.train(epochs=5), frames=1)


# -- break it (1): sigma' put back into the cross-entropy's output error ------------------
def test_putting_sigma_prime_back_takes_the_quadratic_costs_steps_and_stalls():
    """Notebook 01, section 6: from w = b = 2 the "fix" (a - y) sigma'(z) moves w and b
    exactly as the quadratic cost does; after 50 epochs its output is still 0.976 (from
    0.982) where the true cross-entropy gradient reached 0.099."""
    fixed = cross_entropy.train(2.0, 2.0, cost="cross-entropy", step="sigma' put back")
    right = cross_entropy.train(2.0, 2.0, cost="cross-entropy")
    quadratic = cross_entropy.train(2.0, 2.0)
    np.testing.assert_array_equal(fixed.w, quadratic.w)
    np.testing.assert_array_equal(fixed.b, quadratic.b)
    assert (round(fixed.a[0], 3), round(fixed.a[50], 3), round(right.a[50], 3)) == (0.982, 0.976, 0.099)
    # the stalled run learns less than the right one by a wide margin
    assert right.a[0] - right.a[50] > 100 * (fixed.a[0] - fixed.a[50])
    assert fixed.grad_w[0] == right.grad_w[0]    # the recorded gradient is the true one
    assert fixed.label == "cross-entropy, w=2, b=2, η=0.15, σ′ put back"
    assert round(float(cross_entropy.sigmoid_prime(4.0)), 3) == 0.018


def test_sigma_prime_is_put_back_only_into_the_cross_entropy():
    with pytest.raises(ValueError, match="quadratic cost's already has it"):
        cross_entropy.train(2.0, 2.0, cost="quadratic", step="sigma' put back")


# -- break it (2): nan_to_num against a cost computed from z ----------------------------
def test_where_sigmoid_rounds_to_one():
    assert round(cross_entropy.saturation_z(), 2) == 36.74
    assert round(cross_entropy.saturation_z(np.float32), 2) == 16.64
    z = cross_entropy.saturation_z()
    assert cross_entropy.sigmoid(z) == 1.0 and cross_entropy.sigmoid(z - 1e-5) < 1.0


def test_nan_to_num_turns_a_saturated_wrong_neuron_into_the_largest_float():
    """Notebook 01, section 6: the book's cost from a is 1.8e308 from z = 36.74 on, already
    0.001 too high at z = 30 and 0.04 at z = 36; from z it is about z. Averaged over
    1,000 examples one such neuron makes the cost 1.8e305."""
    book = lambda z: cross_entropy.book_cross_entropy(cross_entropy.sigmoid(z), 0.0)  # noqa: E731
    from_z = lambda z: CrossEntropyCost.fn_z(np.array([z]), np.array([0.0]))  # noqa: E731
    assert book(37.0) == book(50.0) == np.finfo(float).max
    assert from_z(37.0) == pytest.approx(37.0) and from_z(50.0) == pytest.approx(50.0)
    assert round(book(30.0) - from_z(30.0), 3) == 0.001
    assert round(book(36.0) - from_z(36.0), 2) == 0.04
    assert book(20.0) == pytest.approx(from_z(20.0), rel=1e-6)
    a = np.full(1000, 0.01)
    a[0] = cross_entropy.sigmoid(40.0)
    assert f"{cross_entropy.book_cross_entropy(a, np.zeros(1000)) / 1000:.1e}" == "1.8e+305"
    # a right and certain output: nan_to_num makes 0 ln 0 count as 0, as it should
    assert cross_entropy.book_cross_entropy(np.array([1.0, 0.0]), np.array([1.0, 0.0])) == 0.0


def test_book_cross_entropy_needs_matching_shapes():
    with pytest.raises(ValueError, match=r"a has shape \(2,\) but y has shape \(3,\)"):
        cross_entropy.book_cross_entropy(np.ones(2) / 2, np.zeros(3))


# -- break it (3): a saturated hidden neuron -------------------------------------------
@pytest.fixture(scope="module")
def chains():
    return {start: cross_entropy.train_chain(start) for start in cross_entropy.CHAIN_STARTS}


def test_the_cross_entropy_cures_a_saturated_output_neuron_but_not_a_saturated_hidden_one(chains):
    """Notebook 01, section 6: with the cross-entropy the output-saturated chain is below
    cost 0.1 at epoch 112; the hidden-saturated one sits at ln 2 (output 1/2 for both
    inputs) after 300 epochs, its hidden weight's gradient about 700 times smaller than
    its output weight's at the start."""
    out, hidden = chains["output saturated"], chains["hidden saturated"]
    assert int(np.argmax(out.C < 0.1)) == 112 and round(out.C[300], 3) == 0.036
    assert round(out.C[0], 3) == 2.693 and round(hidden.C[0], 3) == 0.723
    assert abs(hidden.C[300] - np.log(2)) < 1e-3
    np.testing.assert_allclose(hidden.outputs[300], [0.5, 0.5], atol=1e-3)
    assert hidden.C[300] - out.C[300] > 0.6               # the stalled run learns far less
    assert 650 < hidden.grad_output[0] / hidden.grad_hidden[0] < 750
    assert f"{hidden.grad_hidden[0]:.1e}" == "1.7e-04" and round(hidden.grad_output[0], 2) == 0.12
    assert [round(float(cross_entropy.sigmoid_prime(z)), 4) for z in (6.0, 7.0)] == [0.0025, 0.0009]
    assert chains["healthy"].C[300] < 0.1


def test_the_chain_is_trained_by_the_true_gradient_of_its_mean_cost(chains):
    """The first step's recorded gradients are those of the cost averaged over the two
    examples, by finite differences."""
    run = chains["hidden saturated"]
    x, y = np.array([[0.0, 1.0]]), np.array([[0.0, 1.0]])
    net = Network([1, 1, 1], cost=CrossEntropyCost)
    w1, b1, w2, b2 = cross_entropy.CHAIN_STARTS["hidden saturated"]
    net.weights[0][...], net.biases[0][...], net.weights[1][...], net.biases[1][...] = w1, b1, w2, b2
    mean_cost = lambda: net.summed_cost(x, y) / 2  # noqa: E731
    assert run.C[0] == pytest.approx(mean_cost(), rel=1e-12)
    for layer, recorded in ((0, run.grad_hidden[0]), (1, run.grad_output[0])):
        numeric = numerical_gradient(mean_cost, net.weights[layer])[0, 0]
        assert abs(numeric) == pytest.approx(recorded, rel=1e-5)


def test_bad_chain_settings_are_explained():
    with pytest.raises(ValueError, match="start must be one of"):
        cross_entropy.train_chain("both saturated")
    with pytest.raises(ValueError, match="eta must be a finite number > 0"):
        cross_entropy.train_chain(eta=0.0)
    with pytest.raises(ValueError, match="epochs must be an integer >= 0; got -1"):
        cross_entropy.train_chain(epochs=-1)


@pytest.mark.parametrize("plot", [
    lambda ax: cross_entropy.plot_saturated_cost(ax=ax),
    lambda ax: cross_entropy.plot_chain(cross_entropy.train_chain(epochs=20), ax=ax),
])
def test_break_it_plots_draw_on_a_given_axes_or_a_new_figure(plot):
    fig = plot(None)
    assert isinstance(fig, Figure) and fig.axes[0].lines and plt.get_fignums() == [fig.number]
    plt.close(fig)
    given = Figure().subplots()
    assert plot(given) is given.figure and given.lines


# -- the notebook ----------------------------------------------------------------------
NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "01-cross-entropy.ipynb"


@pytest.fixture(scope="module")
def notebook():
    return nbformat.read(NOTEBOOK, as_version=4)


def cell(notebook, cell_id):
    return next(c for c in notebook.cells if c.get("id") == cell_id)


@pytest.mark.parametrize("start, cost, eta, x, y", [
    ((0.6, 0.9), "quadratic", 0.15, 1.0, 0.0), ((2.0, 2.0), "quadratic", 0.15, 1.0, 0.0),
    ((2.0, 2.0), "cross-entropy", 0.15, 1.0, 0.0), ((0.6, 0.9), "cross-entropy", 0.15, 1.0, 0.0),
    ((-1.3, 0.4), "cross-entropy", 0.7, 0.5, 1.0), ((0.5, -2.0), "quadratic", 2.0, -1.5, 0.3),
])
def test_the_gradient_descent_loop_written_in_the_notebook_is_trains(notebook, start, cost, eta, x, y):
    """The loop a reader sees in section 1 (``descend``, with the output errors of sections
    1 and 3) takes the same steps as nnlib's tested ``train``."""
    space = {"np": np, "sigmoid": cross_entropy.sigmoid,
             "sigmoid_prime": cross_entropy.sigmoid_prime, "demo": cross_entropy}
    exec(cell(notebook, "neuron-loop").source, space)
    with contextlib.redirect_stdout(io.StringIO()):
        exec(cell(notebook, "ce-delta").source, space)
    delta = space["quadratic_delta" if cost == "quadratic" else "cross_entropy_delta"]
    by_hand = space["descend"](*start, delta, eta=eta, epochs=200, x=x, y=y)
    tested = cross_entropy.train(*start, eta=eta, epochs=200, cost=cost, x=x, y=y)
    np.testing.assert_allclose(by_hand, tested.a, rtol=0, atol=1e-12)
    loop = cell(notebook, "neuron-loop").source.split("def quadratic_delta")[0]
    assert len(loop.strip().splitlines()) <= 10        # the whole of it, in view


def test_the_notebook_has_the_skeleton_and_asks_before_it_answers(notebook):
    """Setup, sections, Summary, Exercises, links to 00 and 02; each exercise whose answer
    the notebook shows comes before it, and the section 4 answer is folded."""
    headings = [c.source.splitlines()[0] for c in notebook.cells
                if c.cell_type == "markdown" and c.source.startswith("## ")]
    assert headings[0] == "## Setup" and headings[-2:] == ["## Summary", "## Exercises"]
    assert [h.split(".")[0] for h in headings[1:-2]] == [f"## {i}" for i in range(1, 7)]
    assert "(00-start-here.ipynb)" in notebook.cells[-1].source
    assert "(02-softmax.ipynb)" in notebook.cells[-1].source
    ids = [c.get("id") for c in notebook.cells]
    answer = cell(notebook, "many-layers-answer").source
    assert answer.startswith("<details>") and answer.rstrip().endswith("</details>")
    assert ids.index("ex-ce-many-layers-stub") < ids.index("ex-linear-quadratic-stub") \
        < ids.index("many-layers-answer") < ids.index("cell-31")      # the formulas in code
    assert ids.index("ex-ce-minimum-stub") < ids.index("cell-40")   # the binary entropy
    assert ids.index("ex-sigmoid-prime-stub") < ids.index("ce-delta")
    sources = "\n".join(c.source for c in notebook.cells)
    assert "overshoots" not in sources
