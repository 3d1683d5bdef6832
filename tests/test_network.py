"""The network: same numbers as a plain per-example backprop, gradients that match finite
differences, the book's API and quirks, and clear errors for bad input."""
import functools
import json
import re
import subprocess
import sys
import warnings

import numpy as np
import pytest

import book_reference as ref
from nnlib import network as network_module
from nnlib import checks, network2, sgd_kernel
from nnlib.activations import Linear, Sigmoid, Softmax
from nnlib.costs import CrossEntropyCost, LogLikelihoodCost, QuadraticCost
from nnlib.gradcheck import TOLERANCE, check_gradients
from nnlib.network import COMPILED_PAIRS, Network, load

# The pairs of cost and output layer the reference implements (BP1 for each).
PAIRS = [(CrossEntropyCost, "sigmoid", "cross-entropy"), (QuadraticCost, "sigmoid", "quadratic"),
         (LogLikelihoodCost, "softmax", "log-likelihood"), (QuadraticCost, "linear", "quadratic")]


def toy_data(n, n_in=6, n_out=4, seed=0):
    """n book-style training pairs: x (n_in, 1) in [0, 1), y a one-hot (n_out, 1) column."""
    rng = np.random.default_rng(seed)
    return [(rng.random((n_in, 1)), network2.vectorized_result(int(rng.integers(n_out)), n_out))
            for _ in range(n)]


def max_diff(xs, ys):
    return max(float(np.max(np.abs(a - b))) for a, b in zip(xs, ys))


# SGD's two engines: the numpy reference (Network._update_mini_batch) and the compiled
# loop (nnlib.sgd_kernel). Each test below runs both, and checks that the one asked for ran.
ENGINES = ["compiled", "numpy"]


def train(net, *args, engine, **kwargs):
    """``net.SGD(*args, engine=engine, ...)`` without printing; checks that ``engine`` ran."""
    result = net.SGD(*args, **{"progress": False, "verbose": False, **kwargs}, engine=engine)
    assert net.engine_used == engine
    return result


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("cost, output, name", PAIRS)
def test_full_batch_step_with_l2_matches_per_example_backprop(cost, output, name, engine):
    net = Network([6, 5, 4], cost, output, seed=1)
    data = toy_data(12)
    w0, b0 = [w.copy() for w in net.weights], [b.copy() for b in net.biases]
    train(net, data, 1, len(data), 0.5, lmbda=3.0, engine=engine)
    w1, b1 = ref.update_mini_batch(w0, b0, data, 0.5, 3.0, len(data), name, output)
    assert max_diff(net.weights, w1) < 1e-12
    assert max_diff(net.biases, b1) < 1e-12


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("cost, output, name", PAIRS)
def test_two_epochs_in_fixed_order_match_per_example_backprop(cost, output, name, engine):
    """Mini-batches of 4 over 14 examples: the last batch of each epoch has 2 (eta/2)."""
    net = Network([6, 7, 5, 4], cost, output, seed=2)
    data = toy_data(14, seed=3)
    w0, b0 = [w.copy() for w in net.weights], [b.copy() for b in net.biases]
    train(net, data, 2, 4, 0.3, lmbda=0.5, shuffle=False, engine=engine)
    w1, b1 = ref.sgd_fixed_order(w0, b0, data, 2, 4, 0.3, 0.5, name, output)
    assert max_diff(net.weights, w1) < 1e-12
    assert max_diff(net.biases, b1) < 1e-12


@pytest.mark.parametrize("cost, output, name", PAIRS)
def test_auto_trains_the_compiled_pairs_compiled(cost, output, name):
    net = Network([6, 5, 4], cost, output, seed=1)
    net.SGD(toy_data(8), 1, 4, 0.5, progress=False, verbose=False)
    assert net.engine_used == "compiled"


def _subclass(cost):
    return type(f"My{cost.__name__}", (cost,), {})


@pytest.mark.parametrize("cost, output, shown", [
    (_subclass(CrossEntropyCost), "sigmoid", r"\(MyCrossEntropyCost, Sigmoid\)"),
    (CrossEntropyCost, "softmax", r"\(CrossEntropyCost, Softmax\)"),
    (LogLikelihoodCost, "sigmoid", r"\(LogLikelihoodCost, Sigmoid\)"),
])
def test_other_pairs_train_in_numpy_with_auto_and_compiled_refuses_them(cost, output, shown):
    """A subclass may change delta, so only the exact classes count. The error names the
    pair, the pairs the compiled engine trains, and engine="numpy"; nothing has trained."""
    data = toy_data(8)
    net = Network([6, 5, 4], cost=cost, output=output, seed=1)
    before = [w.copy() for w in net.weights]
    supported = ", ".join(rf"\({c.__name__}, {o.__name__}\)" for c, o in COMPILED_PAIRS)
    with pytest.raises(ValueError, match=rf"engine='compiled' cannot train this network: it "
                                         rf"trains the \(cost class, output layer\) pairs "
                                         rf"{supported}, and this network's is {shown}\. Train "
                                         rf"it with engine='numpy'"):
        net.SGD(data, 1, 4, 0.5, progress=False, verbose=False, engine="compiled")
    assert max_diff(net.weights, before) == 0.0 and net.engine_used is None
    net.SGD(data, 1, 4, 0.5, progress=False, verbose=False)
    assert net.engine_used == "numpy" and max_diff(net.weights, before) > 0


@pytest.mark.parametrize("engine", ["Compiled", "fast", None, 1])
def test_an_unknown_engine_is_refused_naming_the_choices(engine):
    with pytest.raises(ValueError, match=rf"engine must be one of 'auto', 'numpy', "
                                         rf"'compiled'; got {re.escape(repr(engine))}"):
        Network([6, 4]).SGD(toy_data(4), 1, 2, 0.5, progress=False, engine=engine)


@pytest.mark.parametrize("chunk_rows", [3, 8, 9])
def test_compiled_epoch_gathers_in_chunks_without_changing_a_step(monkeypatch, chunk_rows):
    """The compiled epoch trains on chunks of whole mini-batches gathered by a second
    thread: chunks of 4 rows (m = 4 > 3), of 8, of 8 again (9 rounded down to whole
    mini-batches); 14 examples, so the last chunk is short and ends in a batch of 2."""
    monkeypatch.setattr(sgd_kernel, "CHUNK_BYTES", chunk_rows * 6 * 8)  # rows of 6 float64
    net = Network([6, 7, 5, 4], LogLikelihoodCost, "softmax", seed=2)
    data = toy_data(14, seed=3)
    w0, b0 = [w.copy() for w in net.weights], [b.copy() for b in net.biases]
    train(net, data, 2, 4, 0.3, lmbda=0.5, engine="compiled")
    w1, b1 = w0, b0
    for epoch_order in _shuffles(seed=2, n=14, epochs=2):
        w1, b1 = ref.sgd_fixed_order(w1, b1, [data[i] for i in epoch_order], 1, 4, 0.3, 0.5,
                                     "log-likelihood", "softmax")
    assert max_diff(net.weights, w1) < 1e-12
    assert max_diff(net.biases, b1) < 1e-12


@pytest.mark.parametrize("n, m, row_bytes, rows", [
    (50_000, 10, 784 * 8, 950),   # whole mini-batches within CHUNK_BYTES
    (50_000, 7, 784 * 8, 952),
    (2, 10, 784 * 8, 2),          # never more rows than there are examples
    (2, 1, 4_000_000 * 8, 1),     # at least one mini-batch, even of huge rows
    (100, 30, 4_000_000 * 8, 30),
])
def test_chunks_hold_whole_mini_batches_and_never_outgrow_the_data(n, m, row_bytes, rows):
    assert sgd_kernel.CHUNK_BYTES == 6_000_000
    assert sgd_kernel.chunk_rows(n, m, row_bytes) == rows


def test_the_kernel_refuses_arrays_it_cannot_update_in_place():
    X, Y = np.zeros((4, 3)), np.zeros((4, 2))
    weights, biases = [np.asfortranarray(np.ones((2, 3)))], [np.zeros((2, 1))]
    with pytest.raises(ValueError, match="C-ordered arrays of one dtype, the weights"):
        sgd_kernel.sgd_epoch(weights, biases, X, Y, np.arange(4), 2, 0.1, 1.0, "sigmoid",
                             "a - y")


def _shuffles(seed, n, epochs):
    """The orders a Network(seed=seed) shuffles n examples into, epoch by epoch (its
    generator draws the initial weights first)."""
    net = Network([6, 7, 5, 4], seed=seed)
    return [net.rng.permutation(n) for _ in range(epochs)]


@pytest.mark.parametrize("cost, output, name", PAIRS)
def test_compiled_and_numpy_engines_agree_in_float32_on_one_and_three_layers(cost, output, name):
    data = toy_data(23, seed=6)
    for sizes in ([6, 4], [6, 8, 7, 4]):
        nets = [Network(sizes, cost, output, dtype=np.float32, seed=7) for _ in ENGINES]
        for net, engine in zip(nets, ENGINES):
            train(net, data, 3, 5, 0.4, lmbda=0.2, engine=engine)
            assert all(w.dtype == np.float32 for w in net.weights + net.biases)
        assert max_diff(nets[0].weights + nets[0].biases, nets[1].weights + nets[1].biases) < 1e-5


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("cost, output, name", PAIRS[:3])
def test_saturated_neurons_train_the_same_finite_numbers_on_both_engines(cost, output, name,
                                                                        dtype):
    """Weights of 1e3 put z near +-1e4, where exp(-z) overflows: no warning, no NaN."""
    data = toy_data(12, seed=12)
    nets = [Network([6, 5, 4], cost, output, dtype=dtype, seed=13) for _ in ENGINES]
    for net, engine in zip(nets, ENGINES):
        net.weights = [w * 1e3 for w in net.weights]
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            train(net, data, 2, 4, 0.1, engine=engine)
        assert all(np.all(np.isfinite(p)) for p in net.weights + net.biases)
    relative = 1e-5 if dtype is np.float32 else 1e-12  # of weights ~1e3
    assert max_diff(nets[0].weights + nets[0].biases,
                    nets[1].weights + nets[1].biases) < relative * 1e3


def test_numpy_scalar_hyper_parameters_train_the_same_on_both_engines():
    data = toy_data(13, seed=14)
    nets = [Network([6, 5, 4], CrossEntropyCost, "sigmoid", seed=15) for _ in ENGINES]
    for net, engine in zip(nets, ENGINES):
        train(net, data, np.uint8(2), np.uint64(5), np.float32(0.3), lmbda=np.float16(0.1),
              engine=engine)
    assert max_diff(nets[0].weights + nets[0].biases, nets[1].weights + nets[1].biases) < 1e-12


@pytest.mark.parametrize("lmbda", [8.0, 20.0])
def test_a_weight_decay_factor_at_or_below_zero_is_refused(lmbda):
    """eta * lmbda >= n makes 1 - eta lmbda / n <= 0: the weights would flip sign (or be
    zeroed) at every step. Refused before training, weights untouched."""
    net = Network([6, 5, 4], seed=17)
    before = [w.copy() for w in net.weights]
    with pytest.raises(ValueError, match=r"eta \* lmbda / n = 1 \* .* / 8 .*use lmbda < n / eta = 8"):
        net.SGD(toy_data(8, seed=16), 1, 4, 1.0, lmbda=lmbda, progress=False, verbose=False)
    assert max_diff(net.weights, before) == 0.0


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")
@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
def test_a_diverging_run_is_warned_about():
    """Linear outputs and no hidden layer: nothing saturates, the weights become NaN."""
    net = Network([6, 4], cost=QuadraticCost, output="linear", seed=18)
    message = r"training diverged.*smaller eta \(it is 1e\+06\)"
    with pytest.warns(RuntimeWarning, match=message) as seen:
        net.SGD(toy_data(8), 40, 4, 1e6, progress=False, verbose=False)
    assert sum("training diverged" in str(w.message) for w in seen) == 1  # once, not per epoch


def _lambda(method, calls):
    """``method`` replaced by a lambda that counts its calls in ``calls``: same numbers."""
    return staticmethod(lambda *args, **kw: (calls.append(1), method(*args, **kw))[1])


def _wrapped(method, calls):
    """``method`` wrapped with functools.wraps, as a reader might to watch it: same names,
    same numbers, its calls counted in ``calls``."""
    @functools.wraps(method)
    def watched(*args, **kwargs):
        calls.append(1)
        return method(*args, **kwargs)
    return staticmethod(watched)


@pytest.mark.parametrize("owner, name, cost, output", [
    (Softmax, "fn", LogLikelihoodCost, None), (Sigmoid, "fn", LogLikelihoodCost, None),
    (LogLikelihoodCost, "delta", LogLikelihoodCost, None),
    (QuadraticCost, "grad_a", QuadraticCost, "linear"),
    (Linear, "backward", QuadraticCost, "linear"), (Linear, "fn", QuadraticCost, "linear")])
@pytest.mark.parametrize("replace", [_lambda, _wrapped])
def test_a_replaced_method_is_trained_by_numpy_and_refused_by_compiled(
        monkeypatch, owner, name, cost, output, replace):
    """Every method whose arithmetic the compiled engine copies, replaced by a lambda or a
    functools.wraps wrapper: "compiled" refuses, naming it; "auto" trains in numpy, which
    calls it."""
    data, calls = toy_data(8), []
    monkeypatch.setattr(owner, name, replace(getattr(owner, name), calls))
    net = Network([6, 5, 4], cost=cost, output=output, seed=19)
    with pytest.raises(ValueError, match=rf"cannot train this network: {owner.__name__}.{name} "
                                         rf"has been replaced \(by .*\), and the compiled "
                                         rf"engine computes nnlib's own\. Train it with "
                                         rf"engine='numpy'"):
        net.SGD(data, 1, 4, 0.5, progress=False, verbose=False, engine="compiled")
    calls.clear()
    net.SGD(data, 1, 4, 0.5, progress=False, verbose=False)
    assert net.engine_used == "numpy" and calls


def test_a_method_another_pair_would_use_does_not_stop_the_compiled_engine(monkeypatch):
    """Softmax.backward is BP1 only for costs paired with another layer: the
    log-likelihood's own softmax does not call it, so replacing it changes nothing there."""
    monkeypatch.setattr(Softmax, "backward", staticmethod(lambda z, a, grad_a: 0 * a))
    net = Network([6, 5, 4], cost=LogLikelihoodCost, seed=19)
    train(net, toy_data(8), 1, 4, 0.5, engine="compiled")


def test_a_method_patched_before_the_network_is_imported_is_honoured_too():
    """nnlib.costs can be imported and patched before nnlib.network: what counts is where
    the method was defined, not what was there when network.py loaded."""
    code = ("import numpy as np\n"
            "import nnlib.costs as c\n"
            "c.CrossEntropyCost.delta = staticmethod(lambda z, a, y: 0 * a)\n"
            "from nnlib.network import Network\n"
            "net = Network([2, 3, 2], seed=0)\n"
            "w = net.weights[0].copy()\n"
            "net.SGD((np.ones((4, 2)), np.array([0, 1, 0, 1])), 1, 2, 0.5, verbose=False,\n"
            "        progress=False)\n"
            "print(net.engine_used, np.array_equal(net.weights[0], w))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.split() == ["numpy", "True"]  # a zero delta changes nothing


@pytest.mark.parametrize("engine", ENGINES)
def test_read_only_training_data_trains_on_both_engines(engine):
    """Only the network's own arrays are written; the data (a frozen array, or a
    memory-mapped file opened read-only) is only read."""
    data = toy_data(9, seed=24)
    X = np.ascontiguousarray(np.hstack([x for x, _ in data]).T)  # used as is, not copied
    labels = np.array([int(np.argmax(y)) for _, y in data])
    X.flags.writeable = False
    net, twin = (Network([6, 5, 4], CrossEntropyCost, "sigmoid", seed=25) for _ in "ab")
    train(net, (X, labels), 2, 4, 0.5, engine=engine)
    train(twin, data, 2, 4, 0.5, engine=engine)
    assert max_diff(net.weights, twin.weights) == 0.0


def test_shared_arrays_train_like_the_books_new_arrays():
    """One array used for two layers, and another network's list: the book's SGD makes new
    arrays at every step, so neither is updated twice nor touches the other network."""
    data = toy_data(10, n_out=6, seed=20)
    first = Network([6, 6, 6], seed=21)
    shared = first.weights[0]
    first.weights[1] = shared
    second = Network([6, 6, 6], seed=22)
    second.weights, second.biases = first.weights, first.biases
    before = [a.copy() for a in first.weights + first.biases]
    w1, b1 = ref.sgd_fixed_order([shared.copy(), shared.copy()], [b.copy() for b in first.biases],
                                 data, 1, 5, 0.5)
    second.SGD(data, 1, 5, 0.5, shuffle=False, progress=False, verbose=False)
    assert max_diff(second.weights + second.biases, w1 + b1) < 1e-12
    assert max_diff(first.weights + first.biases, before) == 0.0


def test_networks_training_in_threads_leave_blas_threads_as_they_were():
    from concurrent.futures import ThreadPoolExecutor
    from threadpoolctl import threadpool_info

    before = [lib["num_threads"] for lib in threadpool_info()]
    data = toy_data(400, seed=23)
    for _ in range(3):
        nets = [Network([6, 30, 4], seed=s) for s in range(4)]
        with ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(lambda net: net.SGD(data, 3, 1, 0.1, progress=False, verbose=False),
                          nets))
        assert [lib["num_threads"] for lib in threadpool_info()] == before


@pytest.mark.parametrize("engine", ["auto", "numpy"])
def test_a_patched_delta_is_honoured_by_sgd(monkeypatch, engine):
    """A learner replaces CrossEntropyCost.delta to experiment: training uses it."""
    data = toy_data(10, seed=8)
    trained = []
    for patch in (False, True):
        if patch:
            monkeypatch.setattr(CrossEntropyCost, "delta", staticmethod(lambda z, a, y: 0 * a))
        net = Network([6, 5, 4], cost=CrossEntropyCost, seed=9)
        w0 = net.weights[0].copy()
        net.SGD(data, 1, 5, 0.5, progress=False, verbose=False, engine=engine)
        trained.append(max_diff([net.weights[0]], [w0]))
    assert trained[0] > 1e-3 and trained[1] == 0.0  # a zero delta changes nothing


def test_sgd_converts_assigned_parameters_and_rejects_wrong_shapes():
    net = Network([6, 5, 4], dtype=np.float32, seed=10)
    frozen = np.zeros((4, 5), np.float32)
    frozen.flags.writeable = False
    net.weights = (np.asfortranarray(np.ones((5, 6))), frozen)  # a tuple; float64; read-only
    net.SGD(toy_data(8), 1, 4, 0.5, progress=False, verbose=False)
    assert isinstance(net.weights, list)
    assert all(w.dtype == np.float32 and w.flags.c_contiguous for w in net.weights)
    assert np.any(net.weights[1] != 0) and np.all(frozen == 0)
    net.biases[1] = np.zeros((3, 1))
    with pytest.raises(ValueError, match=r"net.biases\[1\] has shape \(3, 1\).*need \(4, 1\)"):
        net.SGD(toy_data(8), 1, 4, 0.5, progress=False, verbose=False)
    net.biases = net.biases[:1]
    with pytest.raises(ValueError, match=r"net.biases holds 1 arrays.*need 2"):
        net.SGD(toy_data(8), 1, 4, 0.5, progress=False, verbose=False)


@pytest.mark.parametrize("sizes", [[3, 2], [4, 5, 3], [4, 6, 5, 3]])
@pytest.mark.parametrize("output", ["sigmoid", "softmax", "linear"])
@pytest.mark.parametrize("cost", [QuadraticCost, CrossEntropyCost, LogLikelihoodCost])
def test_backprop_matches_finite_differences(cost, output, sizes):
    """Every cost with every output layer, at TOLERANCE. For linear outputs with a cost that
    takes logarithms, the last layer is set so that every output lies in (0.2, 0.8)."""
    net = Network(sizes, cost=cost, output=output, seed=4)
    rng = np.random.default_rng(5)
    x = rng.random((sizes[0], 5))
    y = np.eye(sizes[-1])[:, rng.integers(sizes[-1], size=5)]
    if output == "linear" and cost is not QuadraticCost:
        net.weights[-1] *= 0.3 / np.abs(net.weights[-1]).sum(axis=1, keepdims=True)
        net.biases[-1][:] = 0.5
    report = check_gradients(net, x, y)
    assert report.ok, str(report)
    assert report.tolerance == TOLERANCE


def test_gradient_check_detects_a_wrong_gradient(monkeypatch):
    """The checker itself can fail: a delta missing its sigma' factor is caught."""
    net = Network([3, 4, 2], cost=QuadraticCost, seed=0)
    monkeypatch.setattr(QuadraticCost, "delta", staticmethod(lambda z, a, y: a - y))
    report = check_gradients(net, np.ones((3, 2)), np.zeros((2, 2)))
    assert not report.ok and "DISAGREE" in str(report)


def test_single_neuron_quadratic_demo_of_the_book():
    """w = 0.6, b = 0.9, x = 1, y = 0, eta = 0.15: output ~0.82 at first, ~0.09 after 300."""
    net = Network([1, 1], cost=QuadraticCost)
    net.weights, net.biases = [np.array([[0.6]])], [np.array([[0.9]])]
    data = [(np.array([[1.0]]), np.array([[0.0]]))]
    assert net.feedforward(np.array([[1.0]]))[0, 0] == pytest.approx(0.818, abs=1e-3)
    net.SGD(data, 300, 1, 0.15, progress=False, verbose=False)
    assert net.feedforward(np.array([[1.0]]))[0, 0] == pytest.approx(0.094, abs=1e-3)


@pytest.mark.filterwarnings("ignore:training collapsed")  # random toy labels: chance is all
def test_the_books_session_runs_as_written(capsys):
    training_data = toy_data(300, n_in=784, n_out=10)
    test_data = [(x, int(np.argmax(y))) for x, y in toy_data(50, n_in=784, n_out=10, seed=9)]
    net = network2.Network([784, 30, 10], cost=network2.CrossEntropyCost)
    net.large_weight_initializer()
    result = net.SGD(training_data, 3, 10, 0.5, evaluation_data=test_data,
                     monitor_evaluation_accuracy=True, progress=False)
    evaluation_cost, evaluation_accuracy, training_cost, training_accuracy = result
    assert evaluation_cost == training_cost == training_accuracy == []
    assert len(evaluation_accuracy) == 3 and all(isinstance(c, int) for c in evaluation_accuracy)
    out = capsys.readouterr().out
    assert "Epoch 2 training complete" in out and "Accuracy on evaluation data:" in out


def test_float32_training_stays_float32_and_close_to_float64():
    data = toy_data(40)
    nets = [Network([6, 5, 4], dtype=dt, seed=7) for dt in (np.float64, np.float32)]
    for net in nets:
        net.SGD(data, 2, 10, 0.5, progress=False, verbose=False)
    assert all(w.dtype == np.float32 for w in nets[1].weights + nets[1].biases)
    assert max_diff(nets[0].weights, nets[1].weights) < 1e-4


def test_runs_repeat_from_a_seed_and_never_reorder_the_callers_list():
    data = toy_data(30)
    before = [x.copy() for x, _ in data]
    runs = []
    for _ in range(2):
        net = Network([6, 5, 4], seed=11)
        net.SGD(data, 2, 5, 0.5, progress=False, verbose=False)
        runs.append(net.weights)
    assert max_diff(*runs) == 0.0
    assert all(np.array_equal(x, b) for (x, _), b in zip(data, before))
    other = Network([6, 5, 4], seed=12)
    other.SGD(data, 2, 5, 0.5, progress=False, verbose=False)
    assert max_diff(runs[0], other.weights) > 0


def test_lists_iterators_and_arrays_train_identically():
    data = toy_data(20)
    xs, ys = [x for x, _ in data], [y for _, y in data]
    X, labels = np.hstack(xs).T, np.array([int(np.argmax(y)) for y in ys])
    forms = {"list": data, "zip": zip(xs, ys), "arrays": (X, labels), "one-hot arrays": (X, np.hstack(ys).T)}
    weights = {}
    for name, form in forms.items():
        net = Network([6, 5, 4], seed=3)
        net.SGD(form, 2, 5, 0.5, progress=False, verbose=False)
        weights[name] = net.weights
    for name in forms:
        assert max_diff(weights["list"], weights[name]) == 0.0, name


@pytest.mark.parametrize("engine", ENGINES)
def test_monitoring_evaluates_once_per_epoch_and_prints_the_books_lines(monkeypatch, capsys,
                                                                         engine):
    """20 training and 7 evaluation examples, mini-batches of 5: a forward pass over 20 or
    7 columns is an evaluation (the divergence watch, which would take 20 too, is off)."""
    monkeypatch.setattr(network_module._DivergenceWatch, "_collapse", lambda self: None)
    net = Network([6, 5, 4], seed=0)
    data = toy_data(20)
    widths = []
    forward = net._forward
    monkeypatch.setattr(net, "_forward", lambda a: (widths.append(a.shape[1]), forward(a))[1])
    result = train(net, data, 3, 5, 0.5, lmbda=0.1, evaluation_data=data[:7],
                   monitor_evaluation_cost=True, monitor_evaluation_accuracy=True,
                   monitor_training_cost=True, monitor_training_accuracy=True, verbose=True,
                   engine=engine)
    assert [len(r) for r in result] == [3, 3, 3, 3]
    assert widths.count(20) == widths.count(7) == 3  # one pass per data set per epoch
    evaluation_cost, evaluation_accuracy, training_cost, training_accuracy = result
    lines = capsys.readouterr().out.splitlines()
    assert lines[:5] == ["Epoch 0 training complete",
                         f"Cost on training data: {training_cost[0]}",
                         f"Accuracy on training data: {training_accuracy[0]} / 20",
                         f"Cost on evaluation data: {evaluation_cost[0]}",
                         f"Accuracy on evaluation data: {evaluation_accuracy[0]} / 7"]
    assert len(lines) == 15


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("flag, data_set", [
    ("monitor_training_accuracy", "training_data"),
    ("monitor_evaluation_accuracy", "evaluation_data"),
])
def test_monitoring_an_accuracy_without_labels_fails_before_training(flag, data_set, engine):
    """Targets that are not one-hot have no accuracy: SGD trained an epoch, changing the
    weights, before it said so (and without saying which data or flag)."""
    rng = np.random.default_rng(0)
    labelled = (rng.random((12, 4)), rng.integers(0, 3, 12))
    unlabelled = (labelled[0], rng.random((12, 3)) / 2)  # targets in [0, 1], not one-hot
    data = {"training_data": unlabelled if data_set == "training_data" else labelled,
            "evaluation_data": unlabelled if data_set == "evaluation_data" else labelled}
    net = Network([4, 5, 3], seed=0)
    before = [w.copy() for w in net.weights]
    with pytest.raises(ValueError, match=rf"{flag} needs class labels in {data_set} .* "
                                         r"not one-hot.*monitor the cost instead"):
        net.SGD(data["training_data"], 1, 4, 0.5, evaluation_data=data["evaluation_data"],
                verbose=False, progress=False, engine=engine, **{flag: True})
    assert all(np.array_equal(w, w0) for w, w0 in zip(net.weights, before))
    with pytest.raises(ValueError, match=r"accuracy needs class labels in data .*: measure "
                                         r"the cost instead \(total_cost\)$"):
        net.accuracy(unlabelled)  # not "monitor": accuracy() is no monitor flag


def test_progress_bar_shows_and_can_be_turned_off(capsys):
    data = toy_data(10)
    Network([6, 4], seed=0).SGD(data, 2, 5, 0.5, verbose=False)
    assert "epochs" in capsys.readouterr().err
    Network([6, 4], seed=0).SGD(data, 2, 5, 0.5, verbose=False, progress=False)
    assert capsys.readouterr().err == ""


def test_the_books_convert_flags_and_the_clear_keyword():
    net = Network([6, 5, 4], seed=0)
    train = toy_data(15)
    test = [(x, int(np.argmax(y))) for x, y in train]
    # the book: accuracy(training, convert=True), total_cost(test, lmbda, convert=True)
    assert net.accuracy(train, convert=True) == net.accuracy(test) == net.accuracy(test, one_hot=False)
    assert net.total_cost(test, 0.1, convert=True) == pytest.approx(net.total_cost(train, 0.1))
    assert net.total_cost(train, 0.1, one_hot=True) == pytest.approx(net.total_cost(train, 0.1))
    with pytest.raises(ValueError, match="flag says the labels are integer labels, but they are one-hot"):
        net.accuracy(train, convert=False)
    with pytest.raises(ValueError, match="flag says the labels are one-hot vectors, but they are integer"):
        net.total_cost(test, 0.1, convert=False)


def test_l2_term_of_total_cost_is_the_one_sgd_descends():
    """With training_size=n, one full-batch step equals w - eta * d(total_cost)/dw."""
    from nnlib.gradcheck import numerical_gradient
    net = Network([3, 2], cost=CrossEntropyCost, seed=1)
    data = toy_data(6, n_in=3, n_out=2)
    lmbda, eta, n = 2.0, 0.4, len(data)
    grad = numerical_gradient(lambda: net.total_cost(data, lmbda, training_size=n), net.weights[0])
    expected = net.weights[0] - eta * grad
    net.SGD(data, 1, n, eta, lmbda=lmbda, progress=False, verbose=False)
    np.testing.assert_allclose(net.weights[0], expected, atol=1e-8)


def test_reported_cost_stays_finite_for_saturated_outputs():
    net = Network([2, 1], cost=CrossEntropyCost)
    net.weights, net.biases = [np.array([[500.0, 500.0]])], [np.array([[0.0]])]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cost = net.total_cost([(np.array([[1.0], [1.0]]), np.array([[0.0]]))], 0.0)
    assert cost == pytest.approx(1000.0)


# -- bad input ----------------------------------------------------------------------
@pytest.mark.parametrize("sizes, match", [([784], "at least two layers"),
                                          ([784, 0, 10], r"sizes\[1\] must be an integer >= 1"),
                                          ([784, 2.5, 10], r"sizes\[1\]")])
def test_bad_sizes(sizes, match):
    with pytest.raises(ValueError, match=match):
        Network(sizes)


@pytest.mark.parametrize("kwargs, match", [
    (dict(seed=-1), r"seed must be an integer >= 0, or None .*; got -1$"),
    (dict(seed=2.5), r"seed must be an integer >= 0, or None .*; got 2.5$"),
    (dict(seed=True), r"seed must be an integer >= 0, or None .*; got True$"),
    (dict(seed="0"), r"seed must be an integer >= 0, or None .*; got '0'$"),
    (dict(dtype="flaot32"), r"dtype must be float32 or float64; got 'flaot32'$"),
])
def test_bad_network_arguments_are_named(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Network([6, 4], **kwargs)


@pytest.mark.parametrize("kwargs, match", [
    (dict(eta=0.0), "eta .* must be a finite number > 0; got 0.0"),
    (dict(eta=-1.0), "got -1.0"),
    (dict(eta=float("nan")), "eta"),
    (dict(mini_batch_size=0), "mini_batch_size must be an integer >= 1; got 0"),
    (dict(mini_batch_size=-3), "mini_batch_size"),
    (dict(epochs=-1), "epochs"),
    (dict(lmbda=-0.1), "lmbda"),
    (dict(shuffle="False"), "shuffle must be True or False; got 'False'"),
    (dict(monitor_training_cost="yes"), "monitor_training_cost must be True or False"),
    (dict(verbose=None), "verbose must be True or False; got None"),
    (dict(progress="off"), r"progress must be True or False \(or None\); got 'off'"),
])
def test_bad_hyper_parameters(kwargs, match):
    args = dict(epochs=1, mini_batch_size=2, eta=0.5, progress=False, verbose=False) | kwargs
    with pytest.raises(ValueError, match=match):
        Network([6, 4]).SGD(toy_data(4), **args)


def test_bad_data():
    net = Network([6, 4])
    wrong_dim = [(np.zeros((5, 1)), network2.vectorized_result(0, 4))]
    with pytest.raises(ValueError, match=r"\(n, 6\) array.*got inputs of shape \(1, 5\)"):
        net.SGD(wrong_dim, 1, 1, 0.5, progress=False)
    nan = toy_data(3)
    nan[1][0][2, 0] = np.nan
    with pytest.raises(ValueError, match=r"inputs must be finite; it contains NaN "
                                         r"\(at example 1\); clean or drop"):
        net.SGD(nan, 1, 1, 0.5, progress=False)
    with pytest.raises(ValueError, match="label 7 at example 1 is out of range.*0..3"):
        net.accuracy([(np.zeros((6, 1)), 0), (np.zeros((6, 1)), 7)])
    with pytest.raises(ValueError, match="targets must have 4 values"):
        net.SGD([(np.zeros((6, 1)), np.zeros((3, 1)))], 1, 1, 0.5, progress=False)
    used_up = zip([], [])
    with pytest.raises(ValueError, match="empty.*used up"):
        net.SGD(used_up, 1, 1, 0.5, progress=False)
    with pytest.raises(ValueError, match="3 inputs but 2 labels"):
        net.accuracy((np.zeros((3, 6)), np.array([0, 1])))
    with pytest.raises(ValueError, match=r"shape \(6, 1\) or \(6, m\)"):
        net.feedforward(np.zeros((5, 1)))


# -- saving ---------------------------------------------------------------------------
@pytest.mark.parametrize("cost, output", [(CrossEntropyCost, None), (LogLikelihoodCost, None),
                                          (QuadraticCost, "linear")])
def test_save_load_round_trip_is_exact(tmp_path, cost, output):
    net = Network([6, 5, 4], cost=cost, output=output, seed=5)
    net.save(tmp_path / "net.json")
    back = load(tmp_path / "net.json")
    assert back.sizes == net.sizes and back.cost is cost and back.output is net.output
    assert max_diff(back.weights, net.weights) == 0.0 and max_diff(back.biases, net.biases) == 0.0


def test_loads_a_file_in_the_books_format(tmp_path):
    """The book's save writes exactly these four keys, with the cost's class name."""
    record = {"sizes": [2, 3, 1], "cost": "CrossEntropyCost",
              "weights": [[[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]], [[1.0, -1.0, 0.5]]],
              "biases": [[[0.0], [0.1], [0.2]], [[-0.3]]]}
    (tmp_path / "book.json").write_text(json.dumps(record))
    net = load(tmp_path / "book.json")
    assert net.cost is CrossEntropyCost
    np.testing.assert_array_equal(net.weights[1], [[1.0, -1.0, 0.5]])
    net.save(tmp_path / "again.json")
    assert json.loads((tmp_path / "again.json").read_text()) == record


@pytest.mark.parametrize("content, match", [
    ("not json", "not valid JSON"),
    ("[1, 2]", "expected a JSON object"),
    ('{"sizes": [2, 1], "weights": [], "cost": "CrossEntropyCost"}', r"missing \['biases'\]"),
    ('{"sizes": [2, 1], "weights": [[[1, 2]]], "biases": [[[0]]], "cost": "Pickle"}', "unknown cost"),
    ('{"sizes": [2, 1], "weights": [[[1, 2, 3]]], "biases": [[[0]]], "cost": "QuadraticCost"}',
     r"weights\[0\] row 0 has 3 entries; sizes \[2, 1\] need a list of 1 rows of 2 numbers"),
    ('{"sizes": [2, 1], "weights": [[[1, NaN]]], "biases": [[[0]]], "cost": "QuadraticCost"}',
     r"entry \[0\]\[1\] is nan, not a finite float"),
    ('{"sizes": [2, 1], "weights": [[[1], [2, 3]]], "biases": [[[0]]], "cost": "QuadraticCost"}',
     "has 2 rows"),
    ('{"sizes": [2], "weights": [], "biases": [], "cost": "QuadraticCost"}', "at least two layers"),
])
def test_malformed_saved_files_are_rejected_clearly(tmp_path, content, match):
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(ValueError, match=match):
        load(path)


def test_save_is_atomic(tmp_path, monkeypatch):
    """If writing fails midway, the old file is intact and no temporary file is left."""
    path = tmp_path / "net.json"
    Network([3, 2], seed=0).save(path)
    before = path.read_bytes()

    def broken_dump(obj, f):
        f.write('{"sizes": [3,')
        raise OSError("disk full")
    monkeypatch.setattr(json, "dump", broken_dump)
    with pytest.raises(OSError, match="disk full"):
        Network([3, 2], seed=1).save(path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["net.json"]


# -- issue 16: nothing silent ---------------------------------------------------------
def blobs(n, n_in=20, n_classes=4, seed=0):
    """n examples in n_classes well separated clusters: (X (n, n_in) in [0, 1], labels)."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(n_classes, size=n)
    centers = rng.random((n_classes, n_in))
    return np.clip(centers[labels] + 0.1 * rng.standard_normal((n, n_in)), 0, 1), labels


@pytest.mark.parametrize("cost, eta", [(CrossEntropyCost, 300.0), (CrossEntropyCost, 30.0),
                                       (QuadraticCost, 300.0), (LogLikelihoodCost, 10.0)])
def test_a_run_that_collapses_to_chance_is_warned_about_once(cost, eta):
    """No NaN anywhere: the network saturates and classifies at chance (as eta = 30 or
    300 does on MNIST). One warning per SGD call, naming eta."""
    data = blobs(600)
    net = Network([20, 10, 4], cost=cost, seed=1)
    with pytest.warns(RuntimeWarning, match=rf"training collapsed: after epoch \d, on 100 "
                                            rf"training examples.*about chance.*smaller eta "
                                            rf"\(it is {eta:g}\)") as seen:
        net.SGD(data, 5, 10, eta, progress=False, verbose=False)
    assert sum("training" in str(w.message) for w in seen) == 1
    assert all(np.all(np.isfinite(p)) for p in net.weights + net.biases)
    assert net.accuracy(data) < 0.3 * 600


@pytest.mark.parametrize("cost, eta", [(CrossEntropyCost, 3.0), (QuadraticCost, 30.0),
                                       (LogLikelihoodCost, 3.0)])
def test_a_healthy_run_is_not_warned_about(cost, eta):
    data = blobs(600)
    net = Network([20, 10, 4], cost=cost, seed=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        net.SGD(data, 5, 10, eta, progress=False, verbose=False)
    assert net.accuracy(data) > 0.9 * 600


def test_targets_outside_0_1_are_refused_for_the_logarithmic_costs():
    X = np.zeros((2, 6))
    targets = np.array([[2.0, 0, 0, 0], [0, 1, 0, 0]])
    for cost in (CrossEntropyCost, LogLikelihoodCost):
        with pytest.raises(ValueError, match=r"targets must lie in \[0, 1\] for .*example 0 "
                                             r"has values from 0 to 2"):
            Network([6, 4], cost=cost).SGD((X, targets), 1, 1, 0.5, progress=False)
    Network([6, 4], cost=QuadraticCost, output="linear").SGD((X, targets), 1, 1, 0.5,
                                                             progress=False, verbose=False)


@pytest.mark.parametrize("method", ["SGD", "accuracy", "feedforward"])
def test_complex_inputs_are_a_type_error_not_a_warning(method):
    net = Network([6, 4], seed=0)
    X = np.ones((2, 6)) + 1j
    calls = {"SGD": lambda: net.SGD((X, np.array([0, 1])), 1, 1, 0.5, progress=False),
             "accuracy": lambda: net.accuracy((X, np.array([0, 1]))),
             "feedforward": lambda: net.feedforward(X.T)}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(TypeError, match="must hold real numbers.*complex128.*x.real"):
            calls[method]()


def _uses(net, path):
    """Each public method that uses the weights and biases, as a call."""
    x, data = np.ones((6, 2)), toy_data(4)
    return {"feedforward": lambda: net.feedforward(x),
            "SGD": lambda: net.SGD(data, 1, 2, 0.5, progress=False, verbose=False),
            "accuracy": lambda: net.accuracy(data),
            "total_cost": lambda: net.total_cost(data, 0.1),
            "save": lambda: net.save(path),
            "backprop": lambda: net.backprop(x, np.ones((4, 2)) / 4),
            "summed_cost": lambda: net.summed_cost(x, np.ones((4, 2)) / 4)}


@pytest.mark.parametrize("method", list(_uses(None, None)))
@pytest.mark.parametrize("attribute, index, value, match", [
    ("biases", 1, np.zeros(4), r"net.biases\[1\] has shape \(4,\); sizes \[6, 5, 4\] need \(4, 1\)"),
    ("weights", 0, np.zeros((6, 5)), r"net.weights\[0\] has shape \(6, 5\).*need \(5, 6\)"),
    ("weights", 1, np.full((4, 5), np.nan), r"net.weights\[1\] contains NaN or inf.*smaller eta"),
    ("biases", 0, np.full((5, 1), 1j), r"net.biases\[0\] must hold real numbers"),
])
def test_wrong_parameters_are_refused_wherever_they_are_used(tmp_path, method, attribute, index,
                                                             value, match):
    """A 1-D bias would broadcast along the examples and give wrong outputs silently."""
    net = Network([6, 5, 4], seed=0)
    getattr(net, attribute)[index] = value
    if method == "feedforward" and "NaN" in match:  # not checked there: NaN in plain view
        assert np.all(np.isnan(net.feedforward(np.ones((6, 2)))))
        return
    with pytest.raises((ValueError, TypeError), match=match):
        _uses(net, tmp_path / "net.json")[method]()
    assert not (tmp_path / "net.json").exists()


def test_feedforward_of_nan_input_raises_as_sgd_does():
    with pytest.raises(ValueError, match=r"a: values must be finite; it contains NaN "
                                         r"\(at example 1\)"):
        Network([3, 2]).feedforward(np.array([[0.0, 1.0], [0.0, np.nan], [0.0, 0.0]]))


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_a_saved_file_gets_the_permissions_open_would_give_it(tmp_path, umask):
    """Written atomically through a temporary file (made owner-only), the saved network
    ends with the permissions of the umask, as a file opened for writing would."""
    import os
    import stat
    kept = os.umask(umask)
    try:
        Network([3, 2], seed=0).save(tmp_path / "net.json")
        (tmp_path / "plain.json").write_text("{}")
    finally:
        os.umask(kept)
    mode = stat.S_IMODE((tmp_path / "net.json").stat().st_mode)
    assert mode == 0o666 & ~umask == stat.S_IMODE((tmp_path / "plain.json").stat().st_mode)


def test_saving_over_a_file_keeps_its_permissions(tmp_path):
    """open() keeps an existing file's permissions; the atomic rename gave a private
    (0o600) saved network the umask's, readable by everyone."""
    import os
    import stat
    path = tmp_path / "net.json"
    Network([3, 2], seed=0).save(path)
    path.chmod(0o600)
    Network([3, 2], seed=1).save(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load(path).weights[0].tolist() == Network([3, 2], seed=1).weights[0].tolist()
    assert os.listdir(tmp_path) == ["net.json"]
    path.chmod(0o4750)  # setuid: a write clears it (the kernel does, for open())
    Network([3, 2], seed=2).save(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o750


def test_saving_through_a_symbolic_link_replaces_the_file_it_points_to(tmp_path):
    """open() writes through a link; the atomic rename replaced the link itself."""
    (tmp_path / "models").mkdir()
    target, link = tmp_path / "models" / "net.json", tmp_path / "net.json"
    Network([3, 2], seed=0).save(target)
    link.symlink_to(target)
    Network([3, 2], seed=1).save(link)
    assert link.is_symlink() and link.resolve() == target.resolve()
    assert load(target).weights[0].tolist() == Network([3, 2], seed=1).weights[0].tolist()


def test_a_saved_network_with_a_key_given_twice_is_refused(tmp_path):
    """JSON keeps the last of two equal keys silently: a hand-edited file with "cost" twice
    loaded whichever came last."""
    path = tmp_path / "net.json"
    Network([3, 2], seed=0).save(path)
    text = path.read_text()
    path.write_text(text.replace('"cost": "CrossEntropyCost"',
                                 '"cost": "QuadraticCost", "cost": "CrossEntropyCost"'))
    with pytest.raises(ValueError, match=r"net.json is not a saved network: the key 'cost' "
                                         r"appears twice in one object"):
        load(path)


def test_saving_over_a_read_only_file_is_refused_and_leaves_it(tmp_path, monkeypatch):
    """open() refuses to write a read-only file; the atomic rename replaced it."""
    import os
    import stat
    path = tmp_path / "net.json"
    Network([3, 2], seed=0).save(path)
    path.chmod(0o444)
    before = path.read_bytes()
    if os.geteuid() == 0:  # root may write any file: answer as for its owner, not root
        monkeypatch.setattr(os, "access", lambda p, mode: not mode & os.W_OK or bool(
            os.stat(p).st_mode & stat.S_IWUSR))
    with pytest.raises(PermissionError, match=r"cannot write .*net.json: you may not write "
                                              r"it \(mode -r--r--r--, owner uid \d+; left as "
                                              r"it was\)"):
        Network([3, 2], seed=1).save(path)
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["net.json"]


def test_save_refuses_a_cost_load_would_not_find_and_leaves_the_old_file(tmp_path):
    """A cost of the reader's own was saved by its name: load then refused the file, or,
    for a class named as one of nnlib's, loaded nnlib's cost in its place."""
    path = tmp_path / "net.json"
    Network([3, 2], seed=0).save(path)
    before = path.read_bytes()

    class MyCost(CrossEntropyCost):
        pass

    class QuadraticCost:  # the reader's own, named as nnlib's
        fn = staticmethod(lambda a, y: 0.0)
        delta = staticmethod(lambda z, a, y: a - y)

    for cost in (MyCost, QuadraticCost):
        with pytest.raises(ValueError, match=r"cannot save a network whose cost is .*"
                                             rf"{cost.__name__}'>: .* load knows nnlib's "
                                             r"only, \['CrossEntropyCost', "):
            Network([3, 2], cost=cost, seed=0).save(path)
    assert path.read_bytes() == before and len(list(tmp_path.iterdir())) == 1


def test_save_refuses_a_nan_weight_and_leaves_the_old_file(tmp_path):
    path = tmp_path / "net.json"
    net = Network([3, 2], seed=0)
    net.save(path)
    before = path.read_bytes()
    net.weights[0][0, 0] = np.nan
    with pytest.raises(ValueError, match=r"net.weights\[0\] contains NaN or inf"):
        net.save(path)
    assert path.read_bytes() == before and load(path).sizes == [3, 2]


BASE_RECORD = {"sizes": [2, 1], "weights": [[[1, 2]]], "biases": [[[0]]], "cost": "QuadraticCost"}


@pytest.mark.parametrize("change, match", [
    ({"weights": [[["1", 2]]]}, r'weights\[0\] entry \[0\]\[0\] is "1", not a number'),
    ({"weights": [[[True, 2]]]}, r"entry \[0\]\[0\] is true, not a number"),
    ({"biases": [[[None]]]}, r"biases\[0\] entry \[0\]\[0\] is null, not a number"),
    ({"weights": [[[1, 10**400]]]}, r"entry \[0\]\[1\] is 1000.*, not a finite float"),
    ({"weights": [[[[1], [2]]]]}, r"entry \[0\]\[0\] is \[1\], not a number"),
    ({"weights": [[1]]}, r"weights\[0\] row 0 has int"),
    ({"sizes": 2}, r"sizes must be a list of layer sizes.*got 2"),
    ({"sizes": [True, 1]}, r"sizes\[0\] must be an integer >= 1; got True"),
    ({"cost": ["QuadraticCost"]}, r"unknown cost \['QuadraticCost'\]"),
])
def test_load_refuses_entries_that_are_not_numbers(tmp_path, change, match):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(BASE_RECORD | change))
    with pytest.raises(ValueError, match=match):
        load(path)


@pytest.mark.parametrize("extra", [{"outptu": "linear"}, {"dropout": 0.5}])
def test_load_refuses_keys_it_does_not_know_rather_than_dropping_them(tmp_path, extra):
    """A misspelt "output" loaded as the cost's own output layer, silently."""
    path = tmp_path / "net.json"
    path.write_text(json.dumps(BASE_RECORD | extra))
    with pytest.raises(ValueError, match=rf"not a valid saved network: unknown keys "
                                         rf"\['{next(iter(extra))}'\]; a saved network has "
                                         r"sizes, weights, biases, cost and.*output"):
        load(path)


def test_load_checks_the_structure_before_allocating(tmp_path):
    """An 82-byte file declaring sizes [30000, 30000] allocated ~7 GB before it was refused."""
    import tracemalloc
    path = tmp_path / "huge.json"
    path.write_text(json.dumps(BASE_RECORD | {"sizes": [30000, 30000]}))
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=r"weights\[0\] has 1 rows; sizes \[30000, 30000\] "
                                             r"need a list of 30000 rows of 30000 numbers"):
            load(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 10_000_000


def test_absurd_sizes_are_refused_before_allocating_naming_the_memory(tmp_path, monkeypatch):
    monkeypatch.setattr(checks, "_physical_memory", lambda: 8 * 2**30)
    message = r"need 795,000,000,010 weights and biases, 5,923.2 GiB .* machine's 8.0 GiB"
    with pytest.raises(ValueError, match=message):
        Network([784, 10**9, 10])
    path = tmp_path / "absurd.json"
    path.write_text(json.dumps(BASE_RECORD | {"sizes": [784, 10**9, 10]}))
    with pytest.raises(ValueError, match=message):
        load(path)


@pytest.mark.parametrize("sizes", [None, 784, "784"])
def test_sizes_that_are_not_a_list_get_a_clear_type_error(sizes):
    with pytest.raises(TypeError, match=rf"sizes must be a list of layer sizes.*got {sizes!r}"):
        Network(sizes)


class _FnOnly:
    @staticmethod
    def fn(a, y):
        return float(np.sum((a - y) ** 2))

    @staticmethod
    def delta(z, a, y):
        return a - y


class _TwoArgumentDelta(_FnOnly):
    @staticmethod
    def delta(a, y):
        return a - y


class _NoStaticmethod(_FnOnly):
    def delta(self, z, a, y):
        return a - y


class _NoDelta:
    output_layer = Sigmoid

    @staticmethod
    def fn(a, y):
        return 0.0


@pytest.mark.parametrize("cost, output, match", [
    (_FnOnly, "linear", r"has no method grad_a\(a, y\), needed for dC/da: with a linear "
                        r"output layer, not the cost's own"),
    (_NoDelta, None, r"has no method delta\(z, a, y\), needed for the output error"),
    (_TwoArgumentDelta, None, r"cost.delta must take \(z, a, y\); its signature is \(a, y\)"),
    (_NoStaticmethod, None, r"signature is \(self, z, a, y\) \(did you forget @staticmethod\?\)"),
])
def test_a_custom_cost_missing_what_its_output_layer_needs_is_named(cost, output, match):
    with pytest.raises(TypeError, match=match):
        Network([3, 2], cost=cost, output=output)


@pytest.mark.parametrize("call", ["SGD", "evaluation", "accuracy", "total_cost"])
def test_empty_data_is_a_clear_error_not_a_division_by_zero(call):
    net = Network([3, 2], seed=0)
    empty, some = (np.zeros((0, 3)), np.zeros(0, int)), (np.zeros((2, 3)), np.array([0, 1]))
    calls = {"SGD": lambda: net.SGD(empty, 1, 1, 0.5, progress=False),
             "evaluation": lambda: net.SGD(some, 1, 1, 0.5, evaluation_data=empty, progress=False,
                                           verbose=False),
             "accuracy": lambda: net.accuracy(empty),
             "total_cost": lambda: net.total_cost(empty, 0.0)}
    with pytest.raises(ValueError, match=r"is empty: it has 0 examples"):
        calls[call]()


@pytest.mark.parametrize("labels, match", [
    (np.array([1.0, 3.0]), r"got floats \(all whole numbers: pass labels.astype\(int\)\)"),
    (np.array([1.0, 3.5]), r"got floats, among them 3.5, which is not a class"),
])
def test_float_labels_say_what_to_do(labels, match):
    with pytest.raises(ValueError, match=match):
        Network([3, 4]).accuracy((np.zeros((2, 3)), labels))


def test_a_float_label_in_pairs_is_named():
    with pytest.raises(ValueError, match=r"a label is the number 3.0; labels are integers"):
        Network([3, 4]).accuracy([(np.zeros((3, 1)), 3.0)])


# -- the book's (x, y) pairs, stacked fast -------------------------------------------------
def book_pairs(n, n_in=6, n_out=4, *, labels=False, views=False, seed=0):
    """n pairs as the book's loader builds them: x an (n_in, 1) float64 column of its own,
    y a one-hot (n_out, 1) column (``vectorized_result``) or, with ``labels``, an int; with
    ``views``, as nnlib.mnist_loader builds them: each x and y a view into one array."""
    rng = np.random.default_rng(seed)
    X, digits = rng.random((n, n_in)), rng.integers(n_out, size=n)
    if views:
        xs, ys = list(X.reshape(n, n_in, 1)), list(np.eye(n_out)[digits].reshape(n, n_out, 1))
    else:
        xs = [x.reshape(n_in, 1).copy() for x in X]
        ys = [network2.vectorized_result(int(d), n_out) for d in digits]
    return list(zip(xs, [int(d) for d in digits] if labels else ys))


def read_one_by_one(pairs, n_out, dtype=np.float64):
    """The reference for what SGD, accuracy and total_cost make of valid pairs, read pair by
    pair: inputs X (n, n_in), targets Y (n, n_out) and labels (n,)."""
    X = np.array([np.asarray(x, dtype=np.float64).ravel() for x, _ in pairs]).astype(dtype)
    if all(isinstance(y, (int, np.integer)) for _, y in pairs):
        labels = np.array([int(y) for _, y in pairs])
        return X, np.eye(n_out, dtype=dtype)[labels], labels
    Y = np.array([np.asarray(y, dtype=np.float64).ravel() for _, y in pairs]).astype(dtype)
    return X, Y, np.argmax(Y, axis=1)


def _set(array, index, value):
    array = array.copy()
    array[index] = value
    return array


# One pair changed: (the change, whether the labels are ints, the error expected or None if
# the pairs are valid and must read as the reference reads them). {i} is the pair's index.
_PAIR_CHANGES = {
    "x float32": (lambda x, y: (x.astype(np.float32), y), False, None),
    "x integers": (lambda x, y: ((x * 10).astype(int), y), False, None),
    "x a nested list": (lambda x, y: (x.tolist(), y), False, None),
    "the pair a list": (lambda x, y: [x, y], False, None),
    "y float32": (lambda x, y: (x, y.astype(np.float32)), False, None),
    "y a nested list": (lambda x, y: (x, y.tolist()), False, None),
    "a numpy int label": (lambda x, y: (x, np.int64(y)), True, None),
    "x one value longer": (lambda x, y: (np.vstack([x, x[:1]]), y), False,
                           (ValueError, r"training_data: inputs have different shapes")),
    "x 1-D": (lambda x, y: (x.ravel(), y), False, (ValueError, r"inputs have different shapes")),
    "x a row": (lambda x, y: (x.T, y), False, (ValueError, r"inputs have different shapes")),
    "x two columns": (lambda x, y: (np.hstack([x, x]), y), False,
                      (ValueError, r"inputs have different shapes")),
    "x a number": (lambda x, y: (np.float64(0.5), y), False,
                   (ValueError, r"inputs have different shapes")),
    "x complex": (lambda x, y: (x + 0j, y), False,
                  (TypeError, r"training_data: inputs must hold real numbers")),
    "x text": (lambda x, y: (x.astype(str), y), False, (TypeError, r"inputs must hold real numbers")),
    "x NaN": (lambda x, y: (_set(x, (2, 0), np.nan), y), False,
              (ValueError, r"training_data: inputs must be finite; it contains NaN \(at example {i}\)")),
    "x -inf": (lambda x, y: (_set(x, (5, 0), -np.inf), y), True,
               (ValueError, r"inputs must be finite; it contains inf \(at example {i}\)")),
    "y one value longer": (lambda x, y: (x, np.vstack([y, [[0.0]]])), False,
                           (ValueError, r"target vectors have different shapes")),
    "y 1-D": (lambda x, y: (x, y.ravel()), False, (ValueError, r"target vectors have different")),
    "y NaN": (lambda x, y: (x, _set(y, (1, 0), np.nan)), False,
              (ValueError, r"targets must be finite; it contains NaN \(at example {i}\)")),
    "y outside [0, 1]": (lambda x, y: (x, 2 * y), False,
                         (ValueError, r"targets must lie in \[0, 1\].*example {i} has values")),
    "an int among vectors": (lambda x, y: (x, 1), False, (ValueError, r"labels mix integers and")),
    "a bool among vectors": (lambda x, y: (x, True), False,
                             (ValueError, r"a label is the number True; labels are integers")),
    "a float among vectors": (lambda x, y: (x, 1.0), False, (ValueError, r"the number 1.0;")),
    "a 0-d array among vectors": (lambda x, y: (x, np.array(1.0)), False,
                                  (ValueError, r"a label is the number array\(1\.\)")),
    "a vector among ints": (lambda x, y: (x, network2.vectorized_result(y, 4)), True,
                            (ValueError, r"training_data: labels mix integers and vectors")),
    "a bool among ints": (lambda x, y: (x, True), True, (ValueError, r"labels mix integers")),
    "a float among ints": (lambda x, y: (x, float(y)), True, (ValueError, r"labels mix integers")),
    "label 4 of 4 classes": (lambda x, y: (x, 4), True,
                             (ValueError, r"label 4 at example {i} is out of range.*0..3")),
    "label -1": (lambda x, y: (x, -1), True, (ValueError, r"label -1 at example {i} is out of")),
    "a pair of three": (lambda x, y: (x, y, y), False,
                        (TypeError, r"training_data must hold \(x, y\) pairs")),
}


@pytest.mark.parametrize("views", [False, True], ids=["independent arrays", "views of one array"])
@pytest.mark.parametrize("i", [0, 6, 12])
@pytest.mark.parametrize("change", _PAIR_CHANGES)
def test_pairs_with_one_pair_changed_read_as_one_by_one_or_are_refused_alike(change, i, views):
    """The stacking of pairs works on all pairs at once; one odd pair, first, in the middle
    or last, must still be read as if each pair were read on its own, or refused."""
    edit, labels, error = _PAIR_CHANGES[change]
    pairs = book_pairs(13, labels=labels, views=views)
    pairs[i] = edit(*pairs[i])
    net = Network([6, 4], seed=0)
    if error is not None:
        with pytest.raises(error[0], match=error[1].format(i=i)):
            net._data(pairs, "training_data")
        return
    data = net._data(pairs, "training_data")
    X, Y, labels = read_one_by_one(pairs, 4)
    assert np.array_equal(data.X, X) and np.array_equal(data.Y, Y)
    assert np.array_equal(data.labels, labels)


@pytest.mark.parametrize("source", [np.float64, np.float32])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("labels", [False, True])
@pytest.mark.parametrize("views", [False, True], ids=["independent arrays", "views of one array"])
def test_pairs_give_the_arrays_read_one_by_one_in_the_networks_dtype(views, labels, dtype, source):
    pairs = [(x.astype(source), y) for x, y in book_pairs(30, labels=labels, views=views)]
    data = Network([6, 4], dtype=dtype)._data(pairs, "training_data")
    X, Y, _ = read_one_by_one(pairs, 4, dtype)
    assert data.X.dtype == data.Y.dtype == dtype and data.X.flags.c_contiguous
    assert np.array_equal(data.X, X) and np.array_equal(data.Y, Y)
    assert all(np.shares_memory(x, pairs[0][0]) is False for x in (data.X, data.Y))


@pytest.mark.parametrize("views", [False, True], ids=["independent arrays", "views of one array"])
def test_a_nan_in_the_40000th_of_50000_pairs_is_found(views):
    pairs = book_pairs(50_000, views=views)
    pairs[39_999][0][3, 0] = np.nan
    with pytest.raises(ValueError, match=r"inputs must be finite; it contains NaN \(at example 39999\)"):
        Network([6, 4]).SGD(pairs, 1, 10, 0.5, progress=False, verbose=False)


@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_any_nan_or_inf_in_input_arrays_is_found(bad, dtype, order):
    rng = np.random.default_rng(1)
    for row, column in [(0, 0), (4, 783), (987, 400), (999, 783)]:
        X = np.asarray(rng.random((1000, 784)), dtype=dtype, order=order)
        X[row, column] = bad
        X[-1, 0] = -np.inf if row == 999 else X[-1, 0]  # a NaN and -inf in one row too
        with pytest.raises(ValueError, match=rf"must be finite; it contains (NaN|inf) \(at example {row}\)"):
            Network([784, 10])._data((X, rng.integers(0, 10, 1000)), "data")


@pytest.mark.parametrize("form", ["pairs", "arrays"])
def test_huge_finite_inputs_are_accepted_though_their_sum_overflows(form):
    """Inputs are first checked by their row sums (a NaN or inf makes one NaN or inf); a
    sum that overflows must lead to a look at each entry, not to a refusal."""
    X, labels = np.full((4, 3), 1e308), np.array([0, 1, 0, 1])
    X[2] = -1e308
    data = [(x.reshape(3, 1), int(k)) for x, k in zip(X, labels)] if form == "pairs" else (X, labels)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nor is the overflow of the sum warned about
        assert np.array_equal(Network([3, 2])._data(data, "data").X, X)


_KERNEL_CASES = {
    "order out of range": ("np.array([0, 1, 2, 400])", r"indices from 0 to 400; X has 4 rows"),
    "negative order": ("np.array([-100000])", r"indices from -100000"),
    "float order": ("np.array([0.5, 1e9])", r"order must be a 1-D array of row indices"),
    "weights for other inputs": ("[np.ones((2, 5))], [B], X, Y", r"weights\[0\] has shape \(2, 5\)"),
    "bias of other neurons": ("[W], [np.zeros((5, 1))], X, Y", r"biases\[0\] \(5, 1\)"),
    "a 1-D bias": ("[W], [np.zeros(2)], X, Y", r"biases\[0\] must be a 2-D numpy array"),
    "Y too wide": ("[W], [B], X, np.zeros((4, 7))", r"Y has shape \(4, 7\).*need \(4, 2\)"),
    "Y too short": ("[W], [B], X, np.zeros((1, 2))", r"Y has shape \(1, 2\)"),
    "no layers": ("[], [], X, Y", r"lists of one array per layer"),
    "mini-batch 0": ("m=0", r"mini_batch_size must be an integer >= 1; got 0"),
    "decay 0": ("decay=0.0", r"decay must be a finite number > 0; got 0.0"),
    "other dtypes": ("[W.astype(np.float32)], [B], X, Y", r"one dtype"),
    "unknown output": ("output=0", r"output must be one of \['linear', 'sigmoid', 'softmax'\] "
                                   r"and output_error one of \[\"\(a - y\) sigma'\(z\)\", "
                                   r"'a - y'\]; got 0, 'a - y'"),
    "unknown output error": ("output_error='a'", r"got 'sigmoid', 'a'"),
}


def test_the_compiled_epoch_checks_what_it_is_given_instead_of_crashing():
    """Each bad argument used to reach compiled code: a segmentation fault, or reads and
    writes outside the arrays. Run in a subprocess, so a crash fails this test instead of
    killing pytest."""
    code = ["import json, numpy as np", "from nnlib.sgd_kernel import sgd_epoch",
            "W, B, X, Y = np.ones((2, 3)), np.zeros((2, 1)), np.zeros((4, 3)), np.zeros((4, 2))",
            "results = {}"]
    for name, (change, _) in _KERNEL_CASES.items():
        args = {"params": "[W], [B], X, Y", "order": "np.arange(4)", "m": "2", "decay": "1.0",
                "output": "'sigmoid'", "output_error": "'a - y'"}
        if change.startswith(("m=", "decay=", "output=", "output_error=")):
            key, value = change.split("=")
            args[key] = value
        elif change.startswith("np.array"):
            args["order"] = change
        else:
            args["params"] = change
        call = (f"sgd_epoch({args['params']}, {args['order']}, {args['m']}, 0.1, "
                f"{args['decay']}, {args['output']}, {args['output_error']})")
        code += ["try:", f"    {call}", f"    results[{name!r}] = 'no error'",
                 "except Exception as e:", f"    results[{name!r}] = type(e).__name__ + ': ' + str(e)"]
    code.append("print(json.dumps(results))")
    done = subprocess.run([sys.executable, "-c", "\n".join(code)], capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, f"crashed ({done.returncode}): {done.stderr[-2000:]}"
    results = json.loads(done.stdout)
    for name, (_, match) in _KERNEL_CASES.items():
        assert results[name].startswith("ValueError: "), (name, results[name])
        assert re.search(match, results[name]), (name, results[name])


def test_numerical_gradient_refuses_an_integer_array_it_would_get_wrong():
    from nnlib.gradcheck import numerical_gradient
    with pytest.raises(TypeError, match="p must be a numpy array of floats.*int64"):
        numerical_gradient(lambda: 0.0, np.array([1, 2]))
    with pytest.raises(ValueError, match="eps must be a finite number > 0"):
        numerical_gradient(lambda: 0.0, np.array([1.0]), eps=0.0)


def test_save_into_a_missing_folder_names_the_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match=f"the folder {tmp_path / 'nope'} does not exist"):
        Network([3, 2]).save(tmp_path / "nope" / "net.json")


@pytest.mark.parametrize("j", [10, -1, 3.0, True])
def test_vectorized_result_refuses_what_is_not_a_class(j):
    with pytest.raises(ValueError, match=rf"j must be an integer from 0 to 9 \(a class\); "
                                         rf"got {j!r}"):
        network2.vectorized_result(j)


def test_backprop_refuses_targets_outside_a_log_costs_range():
    with pytest.raises(ValueError, match=r"y: targets must lie in \[0, 1\]"):
        Network([3, 2]).backprop(np.zeros((3, 1)), np.array([[2.0], [0.0]]))


def test_gradient_check_refuses_a_tolerance_it_cannot_judge_by():
    with pytest.raises(ValueError, match="tolerance must be a finite number >= 0; got nan"):
        check_gradients(Network([3, 2]), np.zeros((3, 1)), np.ones((2, 1)) / 2,
                        tolerance=float("nan"))


def test_load_of_absurdly_nested_lists_is_a_clear_error(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(ValueError, match=r"deep.json is not a saved network: its lists are "
                                         r"nested thousands deep \(a saved network's are "
                                         r"nested 3 deep\)"):
        load(path)


def test_num_layers_follows_sizes():
    """A reader who changes sizes (and reinitialises) must not leave num_layers stale: the
    output layer would then be applied to a hidden layer, silently."""
    net = Network([3, 2], cost=LogLikelihoodCost, seed=0)
    net.sizes = [3, 4, 2]
    net.default_weight_initializer()
    assert net.num_layers == 3
    assert net.feedforward(np.ones((3, 1))).sum() == pytest.approx(1.0)


def test_labels_may_be_a_list_beside_an_array_of_inputs():
    net = Network([3, 2], seed=0)
    X = np.random.default_rng(0).random((3, 3))
    assert net.accuracy((X, [0, 1, 1])) == net.accuracy((X, np.array([0, 1, 1])))


@pytest.mark.parametrize("cost", [CrossEntropyCost, LogLikelihoodCost])
def test_a_logarithmic_cost_is_not_trained_on_linear_outputs(cost):
    """Its outputs would leave (0, 1) as they train, where ln a is undefined; backprop and
    the gradient check still take the pair (at outputs inside (0, 1))."""
    net = Network([3, 2], cost=cost, output="linear", seed=0)
    X, labels = np.ones((4, 3)), np.array([0, 1, 0, 1])
    with pytest.raises(ValueError, match=f"{cost.__name__} takes logarithms .* linear output "
                                         "layer .* QuadraticCost"):
        net.SGD((X, labels), 1, 2, 0.1, progress=False, verbose=False)
    Network([3, 2], cost=QuadraticCost, output="linear", seed=0).SGD(
        (X, np.eye(2)[labels]), 1, 2, 0.1, progress=False, verbose=False)


@pytest.mark.parametrize("wrong", [lambda z, a, y: float(np.sum(a - y)),
                                   lambda z, a, y: (a - y).T])
def test_a_custom_delta_of_the_wrong_shape_is_named(wrong):
    class Summed(CrossEntropyCost):
        delta = staticmethod(wrong)

    net = Network([3, 2], cost=Summed, seed=0)
    with pytest.raises(ValueError, match=r"Summed.delta\(z, a, y\) returned shape .*; it must "
                                         r"return .* the shape of z, \(2, 4\)"):
        net.SGD((np.ones((4, 3)), np.array([0, 1, 0, 1])), 1, 4, 0.1, progress=False,
                verbose=False)


def test_no_collapse_is_claimed_for_one_output_neuron():
    import warnings
    net = Network([1, 1], seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")   # no "training collapsed" for a lone output neuron
        net.SGD((np.ones((8, 1)), np.ones((8, 1))), 3, 2, 1000.0, progress=False,
                verbose=False)


def test_a_cost_or_output_layer_assigned_later_is_checked_as_at_construction():
    class NoDelta:
        fn = staticmethod(CrossEntropyCost.fn)

    net = Network([3, 2], seed=0)
    with pytest.raises(TypeError, match=r"has no method delta\(z, a, y\)"):
        net.cost = NoDelta
    with pytest.raises(ValueError, match=r"output must be one of \['linear', 'sigmoid', "
                                         r"'softmax'\]; got 'tanh'"):
        net.output = "tanh"
    with pytest.raises(TypeError, match="cost must be a class"):
        net.cost = CrossEntropyCost()
    assert net.cost is CrossEntropyCost and net.output is Sigmoid  # unchanged
    net.output = "softmax"
    assert net.output is Softmax


@pytest.mark.parametrize("dtype, gap, label", [(np.float64, 800.0, 0), (np.float32, 20.0, 0),
                                               (np.float32, 20.0, 1)],
                         ids=["right-float64", "right-float32", "wrong-float32"])
def test_a_softmax_network_with_the_cross_entropy_survives_saturated_outputs(dtype, gap,
                                                                            label):
    """With a softmax output layer (not the book's pair; the numpy engine) the outputs
    saturate exactly: at a = (1, 0, 0), right (class 0) or wrong (class 1), J^T dC/da made
    every weight NaN and the divergence warning said to lower eta. Right, the gradient is
    0 and nothing moves; wrong, it is finite and training pulls z_0 down."""
    net = Network([4, 3], cost=CrossEntropyCost, output="softmax", seed=0, dtype=dtype)
    net.biases[0][:] = 0.0
    net.weights[0][:] = 0.0
    net.weights[0][0, 0] = gap   # z_0 - z_k = gap: a_0 rounds to 1
    X, labels = np.eye(4, dtype=dtype)[[0, 0, 0, 0]], np.full(4, label)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        net.SGD((X, labels), 1, 2, 0.1, verbose=False, progress=False, engine="numpy")
    assert np.all(np.isfinite(net.weights[0]))
    assert (net.weights[0][0, 0] == gap) if label == 0 else (net.weights[0][0, 0] < gap)
