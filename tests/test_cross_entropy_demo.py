"""The single-neuron toy of chapter 3: the book's demo numbers, gradients against finite
differences and against the network's backprop, the plots, and the widget."""
import io

import matplotlib.image as mpimg
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure

from nnlib.notebook import cross_entropy
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
    # and it is sigma'(z) that is small: z = 4 against z = 1.5
    assert slow.grad_w[0] < 0.2 * fast.grad_w[0]


def test_cross_entropy_learns_faster_from_the_worse_start():
    worse = cross_entropy.train(2.0, 2.0, cost="cross-entropy")
    better = cross_entropy.train(0.6, 0.9, cost="cross-entropy")
    assert worse.grad_w[0] > better.grad_w[0] > 0       # the gradient is a - y (Eq. 61)
    assert worse.a[0] - worse.a[20] > better.a[0] - better.a[20]


def test_book_animation_step_by_dc_da_is_fast_at_small_eta():
    true_gradient = cross_entropy.train(2.0, 2.0, eta=0.005, cost="cross-entropy")
    animation = cross_entropy.train(2.0, 2.0, eta=0.005, cost="cross-entropy", step="dC/da")
    assert animation.a[300] < 0.1 < 0.75 < true_gradient.a[300]
    # its first step is eta dC/da = eta (a - y) / (a (1 - a)) (Eq. 75), not eta (a - y)
    a0 = animation.a[0]
    assert animation.w[1] == pytest.approx(2.0 - 0.005 * a0 / (a0 * (1 - a0)), rel=1e-12)
    assert animation.grad_w[0] == true_gradient.grad_w[0]  # the recorded gradient is true


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
    ({"w": "0.6"}, TypeError, "w must be a real number"),
    ({"w": True}, TypeError, "w must be a real number"),
    ({"b": float("nan")}, ValueError, "b must be finite"),
    ({"eta": 0.0}, ValueError, "eta must be > 0"),
    ({"eta": -0.1}, ValueError, "eta must be > 0"),
    ({"epochs": 1.5}, TypeError, "epochs must be an int"),
    ({"epochs": -1}, ValueError, "epochs must be between"),
    ({"cost": "hinge"}, ValueError, "cost must be one of"),
    ({"y": 1.5}, ValueError, r"y must lie in \[0.0, 1.0\]"),
    ({"step": "dC/dz"}, ValueError, "step must be one of"),
])
def test_bad_training_settings_are_explained(kwargs, error, words):
    with pytest.raises(error, match=words):
        cross_entropy.train(**kwargs)


def test_bad_neuron_state_is_explained():
    with pytest.raises(ValueError, match=r"y must lie in \[0.0, 1.0\]"):
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
    np.testing.assert_array_equal(progress[0].get_ydata(), runs[0].C[:11])
    np.testing.assert_array_equal(progress[3].get_ydata(), [runs[1].C[10]])
    assert left.get_ylim() == (0, 1)
    plt.close(fig)


# -- the widget -----------------------------------------------------------------------------
def decoded(png: bytes) -> np.ndarray:
    return mpimg.imread(io.BytesIO(png), format="png")


def test_widget_controls_are_named_for_the_browser_tests():
    ex = cross_entropy.NeuronExplorer()
    assert (ex.w.description, ex.b.description) == ("w", "b")
    assert "nnlib-neuron-plot" in ex.figure.image._dom_classes
    assert "nnlib-neuron-readout" in ex.readout._dom_classes
    assert ex.widget._repr_mimebundle_()["application/vnd.jupyter.widget-view+json"]


def test_widget_values_after_a_change():
    ex = cross_entropy.NeuronExplorer()
    before = ex.figure.image.value
    ex.w.value, ex.b.value = 2.0, 2.0
    assert ex.figure.image.value != before
    ex.cost.value = "quadratic"
    ex.epoch.value = 150
    (t,) = ex.trajectories
    assert (t.cost, t.w0, t.b0, t.eta) == ("quadratic", 2.0, 2.0, 0.15)
    assert abs(t.a[150] - 0.93) <= BOOK_TOL
    assert "epoch 150" in ex.readout.value and f"<td>{t.a[150]:.3f}</td>" in ex.readout.value
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
    {"w": 1.9},                       # same axis limits: only the curves are redrawn
    {"w": -4.0, "b": -4.0},           # a much smaller cost: the cost axis is redrawn
    {"epochs": 200},                  # another x range
    {"cost": "quadratic"},            # one curve, one legend entry
])
def test_widget_frame_equals_a_full_draw(change):
    """The blitted frame (axes + curves + progress, drawn in layers) shows what a full
    draw of the same figure shows, after each kind of change."""
    ex = cross_entropy.NeuronExplorer(w=2.0, b=2.0)
    for name, value in change.items():
        getattr(ex, name).value = value
    ex.epoch.value = 120
    fig = ex.figure.figure
    for artist in fig.findobj(lambda artist: artist.get_animated()):
        artist.set_animated(False)
    fig.canvas.draw()
    full = np.asarray(fig.canvas.buffer_rgba()) / 255.0
    changed = lambda png: np.mean(np.abs(decoded(png) - full).max(axis=2) > 0.1)  # noqa: E731
    assert decoded(ex.figure.image.value).shape == full.shape
    assert changed(ex.figure.image.value) < 1e-3  # only where curves cross may differ
    ex.epoch.value = 20                            # a different frame differs
    assert changed(ex.figure.image.value) > 3e-4   # at least the dots have moved


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
