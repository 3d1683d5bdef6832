"""Tests of nnlib.notebook.log_likelihood, the figures and widgets of notebook 03 (Eqs. 80-84).

Independent references: math.log for Eq. (80), the book's softmax values for
z = (2.5, -1, 3.2, 0.5), a plain per-step gradient-descent loop written from Eqs. (81)-(82)
and (55)-(56)/(65), and finite differences (nnlib.gradcheck). One tolerance, TOL.

The last part runs code cells of notebook 03 itself (its training loop, its numpy twins of
PyTorch's two losses) and checks them, and the numbers its prose states.
"""
from __future__ import annotations

import math
from pathlib import Path

import matplotlib.pyplot as plt
import nbformat
import numpy as np
import pytest

from nnlib import data
from nnlib.notebook import log_likelihood as demo
from nnlib.activations import Softmax, sigmoid, softmax
from nnlib.costs import CrossEntropyCost, LogLikelihoodCost, QuadraticCost, one_hot
from nnlib.gradcheck import check_gradients
from nnlib.network import Network

TOL = 1e-12
BOOK_A = (0.315, 0.009, 0.633, 0.043)  # the book's softmax of START_Z, to 3 decimals


@pytest.fixture(autouse=True)
def close_static_figures():
    """Static plots open inline pyplot figures (a notebook closes them after the cell)."""
    yield
    plt.close("all")


def assert_no_pyplot_figures():
    """The widgets draw on LiveFigures only: pyplot must not know of any figure."""
    assert plt.get_fignums() == []


# ----------------------------------------------------------------------- Eq. (80)

@pytest.mark.parametrize("p", [1.0, 0.9, 0.5, 0.1, 1e-3, 1e-300])
def test_loglik_costs_is_minus_ln_p(p):
    assert demo.loglik_costs(np.array([p]))[0] == pytest.approx(-math.log(p), rel=TOL, abs=TOL)


def test_loglik_costs_keeps_shape_and_is_infinite_at_zero():
    costs = demo.loglik_costs(np.array([[0.0, 0.5], [1.0, 0.25]]))
    assert costs.shape == (2, 2)
    assert costs[0, 0] == np.inf and costs[1, 0] == 0.0
    assert costs[1, 1] == pytest.approx(math.log(4), rel=TOL)


@pytest.mark.parametrize("bad", [[-0.1], [1.5], [np.nan]])
def test_loglik_costs_rejects_non_probabilities(bad):
    with pytest.raises(ValueError, match=r"probabilities in \[0, 1\]"):
        demo.loglik_costs(bad)


def test_plot_loglik_cost_marks_each_probability():
    fig = demo.plot_loglik_cost(marks=(0.9, 0.1))
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert texts == ["$a_y$ = 0.9: C = 0.105", "$a_y$ = 0.1: C = 2.303"]


def test_softmax_cost_view_matches_the_book():
    fig = demo.plot_softmax_cost()  # START_Z, right class row 2 (the book's a_3)
    bar_ax, cost_ax = fig.axes
    heights = [b.get_height() for b in bar_ax.patches]
    assert np.round(heights, 3).tolist() == list(BOOK_A)
    x, y = cost_ax.lines[-1].get_data()
    assert x[0] == pytest.approx(heights[2], rel=TOL)
    assert y[0] == pytest.approx(-math.log(heights[2]), rel=TOL)
    assert "C = −ln $a_{3}$ = 0.457" in cost_ax.get_title()
    colours = [b.get_facecolor() for b in bar_ax.patches]
    assert colours[2] != colours[0] and colours[0] == colours[1] == colours[3]


def test_softmax_cost_view_stays_finite_for_huge_inputs():
    view = demo.SoftmaxCostView(plt.figure().subplots(1, 2), 3)
    cost = view.show([1e4, -1e4, 0.0], 1)
    assert cost == pytest.approx(2e4, rel=TOL)


def test_softmax_cost_rejects_bad_input():
    with pytest.raises(ValueError, match=r"true_class must be an integer from 0 to 3 \(the row "):
        demo.plot_softmax_cost(true_class=7)
    with pytest.raises(ValueError):
        demo.plot_softmax_cost(z=[1.0])


def test_loglik_explorer_follows_its_controls():
    plt.close("all")
    ex = demo.LogLikelihoodExplorer()
    assert [s.description for s in ex.sliders] == ["z1", "z2", "z3", "z4"]
    assert "0.457" in ex.readout.value
    png = ex.figure.image.value
    ex.sliders[2].value = -5.0  # a_3 collapses: the cost of class 3 grows
    a3 = softmax(np.array([2.5, -1.0, -5.0, 0.5]))[2]
    assert f"{-math.log(a3):.3f}" in ex.readout.value
    assert ex.figure.image.value != png
    ex.true_class.value = 0
    a1 = softmax(np.array([2.5, -1.0, -5.0, 0.5]))[0]
    assert f"a<sub>1</sub> = <b>{-math.log(a1):.3f}</b>" in ex.readout.value
    assert_no_pyplot_figures()


def test_what_section_1_invites_the_reader_to_try():
    """Notebook 03, section 1: with a_2 the right class the network gives it 0.009, which
    costs about 4.7; raising z_1 past z_3 makes a_3 drop below one half, and the cost pass
    ln 2, before z_1 reaches the slider's end."""
    ex = demo.LogLikelihoodExplorer()
    ex.true_class.value = 1
    a = softmax(np.array([s.value for s in ex.sliders]))
    assert round(a[1], 3) == 0.009 and round(-math.log(a[1]), 1) == 4.7
    assert f"{-math.log(a[1]):.3f}" in ex.readout.value
    ex.true_class.value = 2
    assert -math.log(softmax(np.array([s.value for s in ex.sliders]))[2]) < math.log(2)
    ex.sliders[0].value = ex.sliders[0].max      # z_1 past z_3
    a = softmax(np.array([s.value for s in ex.sliders]))
    assert ex.sliders[0].value > ex.sliders[2].value and np.argmax(a) == 0
    assert a[2] < 0.5 and -math.log(a[2]) > math.log(2)
    assert f"{-math.log(a[2]):.3f}" in ex.readout.value
    assert_no_pyplot_figures()


def test_loglik_explorer_clips_start_to_slider_range_and_checks_class():
    assert demo.LogLikelihoodExplorer(z=(9.0, 0.0), true_class=0).sliders[0].value == 5.0
    with pytest.raises(ValueError, match="true_class must be an integer from 0 to 1"):
        demo.LogLikelihoodExplorer(z=(1.0, 0.0), true_class=2)


# ------------------------------------------------- Eqs. (81)-(82) and (84)

def test_eqs_81_82_are_what_backprop_gives_a_softmax_layer():
    rng = np.random.default_rng(3)
    net = Network([5, 4], cost=LogLikelihoodCost, seed=1)
    x = rng.random((5, 1))  # a^{L-1}, the layer's input
    y = one_hot(1, 4)
    a = net.feedforward(x)
    nabla_b, nabla_w = net.backprop(x, y)
    np.testing.assert_allclose(nabla_b[0], a - y, rtol=0, atol=TOL)        # Eq. (81)
    np.testing.assert_allclose(nabla_w[0], (a - y) @ x.T, rtol=0, atol=TOL)  # Eq. (82)
    assert check_gradients(net, x, y).ok


def test_eq_84_is_the_chain_rule_through_the_softmax():
    rng = np.random.default_rng(4)
    z = rng.normal(size=(6, 3)) * 3
    y = np.eye(6)[:, [0, 4, 5]]
    a = softmax(z)
    chain = Softmax.backward(z, a, LogLikelihoodCost.grad_a(a, y))  # J^T dC/da
    np.testing.assert_allclose(LogLikelihoodCost.delta(z, a, y), chain, rtol=0, atol=1e-10)
    # and a wrong delta is told apart: the quadratic cost's gradient is not a - y here
    quadratic = Softmax.backward(z, a, QuadraticCost.grad_a(a, y))
    assert np.max(np.abs(quadratic - (a - y))) > 0.01


# ---------------------------------------------------------------- the slowdown demo

def reference_run(config, output):
    """Plain gradient descent on one example, written from the equations:
    softmax + log-likelihood moves by a - y (Eqs. 81-82); sigmoid + quadratic by
    (a - y) sigma'(z) (Eqs. 55-56, 65). Returns the outputs after each step."""
    w = np.array(config.weights, dtype=float)
    b = np.array(config.biases, dtype=float)
    y = np.eye(len(w))[config.true_class]
    outputs = []
    for _ in range(config.epochs + 1):
        z = w * config.x + b
        if output == "softmax":
            a = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
            delta = a - y
        else:
            a = 1 / (1 + np.exp(-z))
            delta = (a - y) * a * (1 - a)
        outputs.append(a)
        w, b = w - config.eta * delta * config.x, b - config.eta * delta
    return np.array(outputs)


def test_run_slowdown_matches_plain_gradient_descent():
    config = demo.SlowdownConfig(epochs=40)
    loglik, quadratic = demo.run_slowdown(config)
    np.testing.assert_allclose(loglik.outputs, reference_run(config, "softmax"), atol=TOL, rtol=0)
    np.testing.assert_allclose(quadratic.outputs, reference_run(config, "sigmoid"), atol=TOL,
                               rtol=0)
    assert loglik.costs[0] == pytest.approx(-math.log(loglik.right[0]), rel=1e-9)
    assert quadratic.costs[0] == pytest.approx(0.5 * np.sum((quadratic.outputs[0]
                                                             - np.eye(4)[0]) ** 2), rel=1e-9)


def test_run_slowdown_shows_the_slowdown_and_its_cure():
    loglik, quadratic = demo.run_slowdown()
    z0 = demo.SlowdownConfig().z0
    np.testing.assert_allclose(loglik.outputs[0], softmax(z0), atol=TOL)  # same start
    np.testing.assert_allclose(quadratic.outputs[0], sigmoid(z0), atol=TOL)
    assert loglik.right[0] < 0.001 and quadratic.right[0] < 0.02  # both confidently wrong
    assert loglik.right[50] > 0.9            # learns within 50 epochs
    assert quadratic.right[150] < 0.1        # stalls for 150 epochs
    assert round(quadratic.right[300], 1) == 0.8   # "only at 0.8 after 300"


@pytest.mark.parametrize("kwargs, match", [
    (dict(weights=(1.0, 2.0), biases=(1.0,)), "same length"),
    (dict(true_class=4), "true_class must be an integer from 0 to 3"),
    (dict(eta=0.0), "eta must be"),
    (dict(epochs=2.5), "epochs must be"),
    (dict(epochs=-1), "epochs must be"),
])
def test_slowdown_config_rejects_bad_settings(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        demo.SlowdownConfig(**kwargs)


def test_plot_slowdown_and_table():
    runs = demo.run_slowdown(demo.SlowdownConfig(epochs=20))
    fig = demo.plot_slowdown(runs, epoch=10)
    curve_ax, bar_ax = fig.axes
    heights = [p.get_height() for p in bar_ax.patches]
    np.testing.assert_allclose(heights, np.concatenate([r.outputs[10] for r in runs]))
    assert bar_ax.get_title() == "all outputs after 10 epochs"
    with pytest.raises(ValueError, match="from 0 to 20"):
        demo.plot_slowdown(runs, epoch=21)
    lines = demo.slowdown_table(runs, epochs=(0, 10, 300)).splitlines()
    assert len(lines) == 4  # header, sub-header, epochs 0 and 10 (300 is past the end)
    assert lines[3].split("|")[1].split()[0] == f"{runs[0].right[10]:.3f}"


def test_slowdown_explorer_moves_with_the_epoch():
    plt.close("all")
    runs = demo.run_slowdown(demo.SlowdownConfig(epochs=60))
    ex = demo.SlowdownExplorer(runs)
    assert ex.play.max == ex.epoch.max == 60 and ex.play.step == 1
    png, text = ex.figure.image.value, ex.readout.value
    ex.epoch.value = 50
    assert ex.figure.image.value != png and ex.readout.value != text
    assert f"{runs[0].right[50]:.3f}" in ex.readout.value
    assert_no_pyplot_figures()


# ----------------------------------------------------- digits: training and outputs

def fake_digits(n, seed):
    """n made-up 784-pixel "digits": label i % 10, a bright stripe whose place encodes it,
    plus noise. Learnable in a few epochs, so the tests stay fast and need no MNIST."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 10
    X = rng.uniform(0, 0.3, (n, 784))
    for i, label in enumerate(labels):
        X[i, 78 * label:78 * label + 40] += 0.7
    return X, labels


@pytest.fixture(scope="module")
def digit_runs():
    config = demo.DigitsConfig(sizes=(784, 8, 10), n_train=200, epochs=3, eta=0.5)
    return demo.train_digits(fake_digits(300, 1), fake_digits(50, 2), config)


def test_train_digits_records_curves_for_both_output_layers(digit_runs):
    validation = fake_digits(50, 2)
    assert [r.label for r in digit_runs] == [label for label, _ in demo.DIGIT_PAIRS]
    assert [r.net.output.name for r in digit_runs] == ["softmax", "sigmoid"]
    for run in digit_runs:
        assert run.validation_accuracy.shape == run.training_cost.shape == (3,)
        final = run.net.accuracy(validation) / 50  # the last epoch, measured again
        assert run.validation_accuracy[-1] == pytest.approx(final, abs=TOL)
        assert run.validation_accuracy[-1] > 0.5  # it learnt the stripes


def test_train_digits_and_config_reject_bad_settings():
    with pytest.raises(ValueError, match="only 300 examples"):
        demo.train_digits(fake_digits(300, 1), fake_digits(50, 2), demo.DigitsConfig())
    with pytest.raises(ValueError, match="epochs must be an integer >= 1"):
        demo.DigitsConfig(epochs=0)
    with pytest.raises(ValueError, match="eta must be"):
        demo.DigitsConfig(eta=-1.0)
    quick, full = demo.DigitsConfig.for_mode(True), demo.DigitsConfig.for_mode(False)
    assert quick.n_train < full.n_train and quick.epochs < full.epochs
    assert (quick.sizes, quick.eta, quick.seed) == (full.sizes, full.eta, full.seed)


def test_plot_learning_curves(digit_runs):
    acc_ax, cost_ax = demo.plot_learning_curves(digit_runs).axes
    for line, run in zip(acc_ax.lines, digit_runs):
        np.testing.assert_allclose(line.get_ydata(), 100 * run.validation_accuracy)
    for line, run in zip(cost_ax.lines, digit_runs):
        np.testing.assert_allclose(line.get_ydata(), run.training_cost)


def test_pick_digits(digit_runs):
    X, labels = fake_digits(50, 3)
    X[:5] = 0.15  # five blank images: the networks cannot be sure of them
    run = digit_runs[0]
    a = run.net.feedforward(X.T)
    picks = demo.pick_digits(run, X, labels)
    surest, unsure, third = picks.values()
    right = a.argmax(axis=0) == labels
    assert right[surest] and a[:, surest].max() == a.max(axis=0)[right].max()
    assert a[:, unsure].max() == a.max(axis=0).min()
    assert not right.all()   # the blank images are not all guessed right
    assert list(picks) == ["surest", "least sure", "most confident mistake"]
    assert not right[third] and a[:, third].max() == a.max(axis=0)[~right].max()


def test_pick_digits_without_a_mistake_names_its_third_pick_for_what_it_is(digit_runs):
    X, _ = fake_digits(30, 6)
    run = digit_runs[0]
    a = run.net.feedforward(X.T)
    picks = demo.pick_digits(run, X, a.argmax(axis=0))   # labels = its own guesses
    assert list(picks) == ["surest", "least sure", "second least sure"]
    assert a[:, picks["second least sure"]].max() == np.sort(a.max(axis=0))[1]


def test_pick_digits_when_every_answer_is_wrong(digit_runs):
    X, _ = fake_digits(30, 5)
    run = digit_runs[0]
    a = run.net.feedforward(X.T)
    wrong_labels = (a.argmax(axis=0) + 1) % 10   # labels chosen so that no guess is right
    picks = demo.pick_digits(run, X, wrong_labels)
    assert list(picks) == ["surest, though wrong", "least sure", "most confident mistake"]
    surest, _, mistake = picks.values()
    assert a[:, surest].max() == a.max(axis=0).max()   # the digit it is surest of, not index 0
    assert a[:, mistake].max() == a.max(axis=0).max()


def test_output_distributions_show_each_networks_outputs(digit_runs):
    X, labels = fake_digits(20, 4)
    fig = demo.plot_output_distributions(digit_runs, X, labels, [3, 7])
    bar_ax = fig.axes[1 * 2 + 1]  # bottom row, second example: axes are row-major
    heights = np.array([p.get_height() for p in bar_ax.patches]).reshape(2, 10)
    for h, run in zip(heights, digit_runs):
        np.testing.assert_allclose(h, run.net.feedforward(X[7].reshape(-1, 1))[:, 0])
    legend = [t.get_text() for t in bar_ax.get_legend().get_texts()]
    assert legend[0] == "softmax outputs: sum 1.000"
    assert legend[1] == f"sigmoid outputs: sum {heights[1].sum():.3f}"
    guesses = [run.net.feedforward(X[7].reshape(-1, 1)).argmax() for run in digit_runs]
    assert fig.axes[1].get_title() == (f"true digit {labels[7]}\npredicted: softmax "
                                       f"{guesses[0]}, sigmoid {guesses[1]}")
    titled = demo.plot_output_distributions(digit_runs, X, labels, {"least sure": 7})
    assert titled.axes[0].get_title().startswith("least sure\ntrue digit 7\npredicted: ")
    with pytest.raises(ValueError, match="784 pixels"):
        demo.DigitOutputsView(*plt.figure().subplots(1, 2), digit_runs).show(X[0][:100], 0)


def test_digit_outputs_explorer(digit_runs):
    plt.close("all")
    X, labels = fake_digits(20, 5)
    ex = demo.DigitOutputsExplorer(digit_runs, X, labels)
    png, text = ex.figure.image.value, ex.readout.value
    ex.index.value = 13
    assert ex.figure.image.value != png and ex.readout.value != text
    a = digit_runs[0].net.feedforward(X[13].reshape(-1, 1))[:, 0]
    assert f"says {a.argmax()} with output {a.max():.3f}; outputs sum to 1.000" in ex.readout.value
    assert_no_pyplot_figures()


# ------------------------------------- what notebook 03's own cells compute and say

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "03-log-likelihood.ipynb"


def run_notebook_cells(*cell_ids):
    """Run the code cells of notebook 03 with these ids, in one namespace; return it."""
    sources = {c.get("id"): c.source for c in nbformat.read(NOTEBOOK, as_version=4).cells
               if c.cell_type == "code"}
    namespace = {}
    for cell_id in cell_ids:
        exec(compile(sources[cell_id], f"03-log-likelihood.ipynb:{cell_id}", "exec"), namespace)
    return namespace


def test_the_notebooks_training_loop_is_nnlibs_sgd():
    """Section 2 trains both layers in a loop written in the notebook (every line that
    learns in view); it must give run_slowdown's numbers (Network.SGD), which the test
    above holds to a plain reference."""
    ns = run_notebook_cells("loglik-01", "loglik-13", "loglik-loop")
    runs = demo.run_slowdown(ns["config"])
    assert [len(outputs) for outputs in ns["by_hand"]] == [ns["config"].epochs + 1] * 2
    for run, outputs in zip(runs, ns["by_hand"]):
        np.testing.assert_allclose(outputs, run.outputs, rtol=0, atol=TOL)
    # and a loop with a wrong output error is told apart: sigma' left in the softmax's
    wrong = ns["train_layer"](softmax, lambda z, a, y: (a - y) * a * (1 - a), ns["config"])
    assert np.max(np.abs(wrong - runs[0].outputs)) > 0.1


def test_the_modes_notebook_03_describes():
    """Section 3's prose: the small mode splits 8,000 / 1,000 / 1,000; the full mode trains
    on all 8,000 digits for 30 epochs, the quick mode on the first 4,000 for 10."""
    full, quick = demo.DigitsConfig.for_mode(False), demo.DigitsConfig.for_mode(True)
    assert (full.n_train, full.epochs) == (8000, 30)
    assert (quick.n_train, quick.epochs) == (4000, 10)
    assert (full.mini_batch_size, full.eta) == (quick.mini_batch_size, quick.eta) == (10, 0.5)
    assert [len(part) for part in data.small_split(10_000)] == [8000, 1000, 1000]


@pytest.mark.parametrize("quick", [True, False], ids=["quick", "full"])
def test_what_section_3_says_of_the_two_networks_on_real_digits(real_mnist_dir, quick):
    """Notebook 03, sections 3-4, in either mode: the two networks learn at much the same
    pace and end within a percent or two of each other, on validation and on test digits;
    the softmax network's outputs sum to 1 on every test digit, the sigmoid network's to
    less than 1 on some and more on others."""
    training, validation, test = data.load_small(data_dir=real_mnist_dir)
    runs = demo.train_digits(training, validation, demo.DigitsConfig.for_mode(quick))
    softmax_run, sigmoid_run = runs
    gap = 100 * np.abs(softmax_run.validation_accuracy - sigmoid_run.validation_accuracy)
    assert gap.max() < 3 and gap[-1] <= 2                      # points of %
    assert abs(softmax_run.net.accuracy(test) - sigmoid_run.net.accuracy(test)) <= 20  # of 1,000
    softmax_sums, sigmoid_sums = (a.sum(axis=0) for a in demo.outputs_of(runs, test[0]))
    np.testing.assert_allclose(softmax_sums, 1, atol=1e-5)     # float32 outputs
    assert sigmoid_sums.min() < 0.5 and sigmoid_sums.max() > 1.5


def test_the_costs_from_logits_that_section_5_prints():
    """Logits (800, 0) with the second class right: -ln a_2 from the probabilities is
    infinite, the cost from the logits is 800."""
    z, y = np.array([[800.0], [0.0]]), np.array([[0.0], [1.0]])
    with np.errstate(divide="ignore"):
        assert -np.log(softmax(z)[1, 0]) == np.inf
    assert LogLikelihoodCost.fn_z(z, y) == 800.0


@pytest.fixture(scope="module")
def torch_twins():
    ns = run_notebook_cells("loglik-01", "loglik-pytorch-code")
    return ns["cross_entropy_loss"], ns["bce_with_logits_loss"]


def test_the_notebooks_cross_entropy_loss_is_pytorchs(torch_twins):
    """PyTorch's CrossEntropyLoss (mean reduction): -log_softmax(row)[target], averaged
    over the rows. Values worked out by hand from that definition."""
    cross_entropy_loss, _ = torch_twins
    assert cross_entropy_loss(np.array([[0.0, 0.0]]), np.array([0])) == pytest.approx(math.log(2))
    three = -math.log(math.exp(3) / (math.exp(1) + math.exp(2) + math.exp(3)))
    assert cross_entropy_loss(np.array([[1.0, 2.0, 3.0]]), np.array([2])) == pytest.approx(three)
    assert cross_entropy_loss(np.array([[1000.0, 0.0]]), np.array([1])) == pytest.approx(1000.0)
    # the mean over the rows, the right entry of each row, and Eq. (80) over N columns
    rng = np.random.default_rng(8)
    logits, classes = rng.normal(0, 3, (6, 4)), np.array([0, 3, 3, 1, 2, 0])
    expected = LogLikelihoodCost.fn_z(logits.T, np.eye(4)[:, classes]) / 6
    assert cross_entropy_loss(logits, classes) == pytest.approx(expected, rel=1e-12)
    assert cross_entropy_loss(logits, classes[::-1]) != pytest.approx(expected, rel=1e-3)


def test_the_notebooks_bce_with_logits_loss_is_pytorchs(torch_twins):
    """PyTorch's BCEWithLogitsLoss (mean reduction): -[y ln sigma(z) + (1 - y) ln(1 -
    sigma(z))], averaged over every entry; finite for any logit."""
    _, bce = torch_twins
    assert bce(np.array([[0.0]]), np.array([[1.0]])) == pytest.approx(math.log(2))
    assert bce(np.array([[2.0]]), np.array([[1.0]])) == pytest.approx(math.log1p(math.exp(-2)))
    assert bce(np.array([[2.0]]), np.array([[0.0]])) == pytest.approx(2 + math.log1p(math.exp(-2)))
    assert bce(np.array([[-1000.0]]), np.array([[1.0]])) == pytest.approx(1000.0)
    assert bce(np.array([[0.3]]), np.array([[0.3]])) == pytest.approx(
        -(0.3 * math.log(sigmoid(0.3)) + 0.7 * math.log(1 - sigmoid(0.3))))
    # over every entry: Eq. (63) summed over outputs and examples, divided by N * C
    rng = np.random.default_rng(9)
    logits, targets = rng.normal(0, 3, (5, 4)), rng.integers(0, 2, (5, 4)).astype(float)
    expected = CrossEntropyCost.fn_z(logits, targets) / 20
    assert bce(logits, targets) == pytest.approx(expected, rel=1e-12)


def test_the_first_steps_section_2_compares():
    """Section 2: on the right neuron's bias both layers say "increase it", the sigmoid
    layer nearly sixty times more quietly, sigma'(-4) being about 0.018."""
    config = demo.SlowdownConfig()
    z0 = config.z0.reshape(-1, 1)
    y = one_hot(config.true_class, 4)
    steps = [cost.delta(z0, output.fn(z0), y)[0, 0] for _, cost, output in demo.SLOWDOWN_PAIRS]
    assert steps[0] < 0 and steps[1] < 0
    assert 55 < steps[0] / steps[1] < 60
    assert round(float(sigmoid(-4.0) * (1 - sigmoid(-4.0))), 3) == 0.018
