"""Property tests over nnlib's public API (issue 16, "nothing silent"): on any input, each
function either gives a finite, correct result or raises a ValueError or TypeError whose
message names the argument at fault. Never NaN, a warning, a wrong number or a crash."""
import json
import re
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays

from nnlib.activations import log_softmax, sigmoid, sigmoid_prime, softmax
from nnlib.costs import COSTS
from nnlib.network import Network, load

FAST = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])

# Any float, including NaN, +-inf and the largest floats, or tame values.
anything = st.one_of(st.floats(allow_nan=True, allow_infinity=True, width=32),
                     st.floats(-3.0, 3.0), st.sampled_from([0.0, 1.0]))
float_arrays = st.sampled_from([np.float32, np.float64]).flatmap(
    lambda dtype: arrays(dtype, array_shapes(min_dims=1, max_dims=2, max_side=4),
                         elements=anything))


def outcome(call, names):
    """call() under warnings-as-errors: ("ok", result), or ("refused", message) for a
    ValueError/TypeError naming one of ``names``; anything else fails the test."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            return "ok", call()
        except (ValueError, TypeError) as e:
            # the argument named as the subject of the complaint ("y has shape", "every z
            # must", ...), not merely a letter somewhere in numpy's own words
            assert any(re.search(rf"(?<![\w.]){re.escape(name)}(:|\b(?! *\()"
                                 rf"(?=[^.]*\b(has|must|is|are|holds|contains|refused|=)))",
                                 str(e)) for name in names), f"{e!r} names none of {names}"
            return "refused", str(e)


@FAST
@given(float_arrays)
def test_activations_are_finite_and_right_or_refuse_z(z):
    finite = np.all(np.isfinite(z))
    for fn in (softmax, log_softmax):
        status, result = outcome(lambda: fn(z), ["z"])
        assert (status == "ok") == bool(finite)
        if status == "ok":
            assert result.dtype == z.dtype and result.shape == z.shape
            if fn is softmax:
                assert np.all(np.isfinite(result)) and np.all(result >= 0)
                np.testing.assert_allclose(result.sum(axis=0), 1, rtol=1e-5)
            else:  # -inf only where the true value is below the float range
                assert np.all(result <= 0) and not np.any(np.isnan(result))
    for fn in (sigmoid, sigmoid_prime):
        status, result = outcome(lambda: fn(z), ["z"])
        assert status == "ok"
        assert np.array_equal(np.isnan(result), np.isnan(z))  # NaN only from NaN
        assert np.all((result[~np.isnan(z)] >= 0) & (result[~np.isnan(z)] <= 1))


pairs = st.tuples(float_arrays, float_arrays)


@FAST
@given(st.sampled_from(sorted(COSTS)), pairs, st.booleans())
def test_costs_are_finite_and_right_or_refuse_naming_the_argument(name, pair, same_shape):
    cost = COSTS[name]
    first, y = pair
    if same_shape:
        y = np.resize(y, first.shape).astype(y.dtype)
    matching = first.shape == y.shape
    log_cost = cost.target_range is not None
    in_range = lambda v: np.all((v >= 0) & (v <= 1))  # noqa: E731 (False for NaN)
    finite = np.all(np.isfinite(first)) and np.all(np.isfinite(y))
    for method, args, arg in (("fn", (first, y), "a"), ("fn_z", (first, y), "z")):
        status, result = outcome(lambda: getattr(cost, method)(*args), [arg, "y"])
        valid = matching and finite and (not log_cost or (in_range(y) and (
            method == "fn_z" or in_range(first))))
        assert (status == "ok") == bool(valid), (method, first, y, result)
        if status == "ok":
            assert not np.isnan(result)
            a = first if method == "fn" else cost.output_layer.fn(first.astype(float))
            if method == "fn" and name == "QuadraticCost":
                assert result == pytest.approx(0.5 * np.sum((first.astype(float) - y) ** 2),
                                               rel=1e-5)
            if method == "fn_z" and name != "LogLikelihoodCost" and np.all(np.abs(first) < 20):
                assert result == pytest.approx(cost.fn(a, y), rel=1e-4, abs=1e-6)
    for method in ("delta", "grad_a"):
        args = (first, first, y) if method == "delta" else (first, y)
        with np.errstate(all="ignore"):
            status, _ = outcome(lambda: getattr(cost, method)(*args), ["a", "y"])
        assert (status == "ok") == matching


sizes = st.lists(st.integers(1, 4), min_size=2, max_size=3)


@st.composite
def data_for(draw, n_in, n_out):
    """(X, labels) with some chance of every kind of fault: wrong width, NaN, labels out of
    range or not integers, no examples."""
    n = draw(st.integers(0, 6))
    width = draw(st.sampled_from([n_in, n_in, n_in, n_in + 1]))
    X = draw(arrays(np.float64, (n, width), elements=st.one_of(
        st.floats(0, 1), st.sampled_from([np.nan, np.inf]) if draw(st.booleans()) else st.floats(0, 1))))
    labels = draw(arrays(draw(st.sampled_from([np.int64, np.int64, np.float64])), (n,),
                         elements=st.integers(-1, n_out)))
    return X, labels


@FAST
@given(sizes, st.data())
def test_network_methods_are_finite_and_right_or_refuse_naming_the_argument(sizes, data):
    net = Network(sizes, seed=0)
    X, labels = data.draw(data_for(sizes[0], sizes[-1]))
    valid = (len(X) > 0 and X.shape[1] == sizes[0] and np.all(np.isfinite(X))
             and labels.dtype.kind == "i" and np.all((labels >= 0) & (labels < sizes[-1])))
    status, correct = outcome(lambda: net.accuracy((X, labels)), ["data"])
    assert (status == "ok") == bool(valid)
    if valid:
        outputs = net.feedforward(X.T)
        assert np.all(np.isfinite(outputs))
        assert correct == int(np.sum(np.argmax(outputs, axis=0) == labels))
        status, cost = outcome(lambda: net.total_cost((X, labels), 0.0), ["data"])
        assert status == "ok" and np.isfinite(cost) and cost >= 0


@FAST
@given(sizes, st.data(), st.sampled_from([0.5, 3.0, 0.0, -1.0, np.nan, 1e6]),
       st.sampled_from([0.0, 0.1, 100.0, -1.0]), st.integers(0, 4), st.integers(0, 2))
def test_sgd_trains_to_finite_weights_or_refuses_naming_the_argument(
        sizes, data, eta, lmbda, mini_batch_size, epochs):
    net = Network(sizes, seed=0)
    X, labels = data.draw(data_for(sizes[0], sizes[-1]))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", RuntimeWarning)
        try:
            net.SGD((X, labels), epochs, mini_batch_size, eta, lmbda=lmbda, progress=False,
                    verbose=False)
        except (ValueError, TypeError) as e:
            names = ["training_data", "eta", "lmbda", "mini_batch_size", "epochs"]
            assert any(name in str(e) for name in names), repr(e)
            return
    assert eta > 0 and lmbda >= 0 and mini_batch_size >= 1 and len(X) > 0
    assert 1 - eta * lmbda / len(X) > 0
    # finite weights, or a run that says it diverged: never NaN in silence
    finite = all(np.all(np.isfinite(p)) for p in net.weights + net.biases)
    assert finite or any("training diverged" in str(w.message) for w in caught)
    assert all(p.shape == s for p, s in zip(net.weights + net.biases,
                                            net._shapes()["weights"] + net._shapes()["biases"]))


@FAST
@given(sizes, st.sampled_from(["CrossEntropyCost", "QuadraticCost", "LogLikelihoodCost"]),
       st.floats(-1e300, 1e300))
def test_save_and_load_round_trip_exactly(tmp_path, sizes, cost_name, value):
    from nnlib.costs import COSTS as costs
    net = Network(sizes, cost=costs[cost_name], seed=1)
    net.weights[0][0, 0] = value
    path = tmp_path / "net.json"
    net.save(path)
    back = load(path)
    assert back.sizes == net.sizes and back.cost is net.cost
    for a, b in zip(back.weights + back.biases, net.weights + net.biases):
        assert np.array_equal(a, b)
    assert json.loads(path.read_text())["sizes"] == sizes
