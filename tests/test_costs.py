"""Costs: the book's fn/delta, the boundary behaviour of fn, and fn_z for saturated neurons."""
import warnings

import numpy as np
import pytest

from nnlib.activations import Softmax, log_softmax, sigmoid, softmax
from nnlib.costs import COSTS, CrossEntropyCost, LogLikelihoodCost, QuadraticCost, one_hot
from nnlib.gradcheck import numerical_gradient


def test_quadratic_and_cross_entropy_by_hand():
    a, y = np.array([[0.8], [0.1]]), np.array([[1.0], [0.0]])
    assert QuadraticCost.fn(a, y) == pytest.approx(0.5 * (0.2**2 + 0.1**2))
    assert CrossEntropyCost.fn(a, y) == pytest.approx(-np.log(0.8) - np.log(0.9))
    assert LogLikelihoodCost.fn(a, y) == pytest.approx(-np.log(0.8))


def test_cross_entropy_boundary_is_documented_and_never_nan():
    y = np.array([[0.0], [1.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert CrossEntropyCost.fn(np.array([[0.0], [1.0]]), y) == 0.0   # right and certain
        assert CrossEntropyCost.fn(np.array([[1.0], [1.0]]), y) == np.inf  # certain and wrong
        assert LogLikelihoodCost.fn(np.array([[1.0], [0.0]]), y) == np.inf
        assert LogLikelihoodCost.fn(np.array([[0.0], [1.0]]), y) == 0.0


@pytest.mark.parametrize("z", [37.0, 50.0, 800.0, 1e4])
def test_cost_of_a_saturated_wrong_neuron_is_finite_and_accurate(z):
    """The book's nan_to_num gives 1.8e308 once sigma(z) rounds to 1; fn_z gives ~z."""
    y = np.array([[0.0]])
    exact = z + np.log1p(np.exp(-z))  # -ln(1 - sigma(z)) = softplus(z)
    assert CrossEntropyCost.fn_z(np.array([[z]]), y) == pytest.approx(exact, rel=1e-12)
    zz = np.array([[z], [-z]])
    assert LogLikelihoodCost.fn_z(zz, np.array([[0.0], [1.0]])) == pytest.approx(2 * z, rel=1e-12)


@pytest.mark.parametrize("cost", [QuadraticCost, CrossEntropyCost])
def test_fn_z_agrees_with_fn_where_a_is_representable(cost):
    rng = np.random.default_rng(0)
    z, y = rng.normal(size=(4, 3)), rng.random((4, 3))
    assert cost.fn_z(z, y) == pytest.approx(cost.fn(sigmoid(z), y), rel=1e-12)


def test_log_likelihood_fn_z_agrees_with_fn():
    rng = np.random.default_rng(1)
    z, y = rng.normal(size=(4, 3)), np.eye(4)[:, [0, 2, 3]]
    assert LogLikelihoodCost.fn_z(z, y) == pytest.approx(LogLikelihoodCost.fn(softmax(z), y))
    assert LogLikelihoodCost.fn_z(z, y) == pytest.approx(-np.sum(y * log_softmax(z)))


@pytest.mark.parametrize("name", sorted(COSTS))
def test_delta_is_dC_dz_for_the_paired_output_layer(name):
    """delta(z, a, y) = dC/dz: Eq. (66) / (84) give a - y; the quadratic keeps sigma'(z)."""
    cost = COSTS[name]
    rng = np.random.default_rng(2)
    z, y = rng.normal(size=(5, 1)), np.eye(5)[:, [1]]
    act = cost.output_layer.fn
    numeric = numerical_gradient(lambda: cost.fn(act(z), y), z)
    np.testing.assert_allclose(cost.delta(z, act(z), y), numeric, atol=1e-8)
    np.testing.assert_allclose(cost.grad_a(act(z), y),
                               numerical_gradient(lambda: cost.fn(a, y), a := act(z).copy()),
                               atol=1e-6)


def test_cross_entropy_grad_a_is_finite_where_an_output_saturates_at_its_target():
    """Eq. (75) is (a - y) / (a (1 - a)), 0/0 at a = y = 0 and a = y = 1, where the slope
    is the remaining term's, 1/(1 - a) = 1 and -1/a = -1; it is infinite only where the
    cost is (a saturated away from y). Elsewhere it is Eq. (75) to rounding."""
    a = np.array([0.0, 1.0, 0.0, 1.0, 0.0, 1.0])
    y = np.array([0.0, 1.0, 1.0, 0.0, 0.5, 0.5])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(CrossEntropyCost.grad_a(a, y),
                                      [1.0, -1.0, -np.inf, np.inf, -np.inf, np.inf])
    rng = np.random.default_rng(5)
    a, y = rng.uniform(1e-6, 1 - 1e-6, 200), rng.random(200)
    y[:50] = a[:50] + 1e-13    # a within rounding of y: the one fraction keeps its digits
    np.testing.assert_array_equal(CrossEntropyCost.grad_a(a, y), (a - y) / (a * (1 - a)))


@pytest.mark.parametrize("shape", [(5, 3), (4,), (2, 6)])
def test_cross_entropy_delta_softmax_is_the_chain_rule_and_dC_dz(shape):
    """delta_softmax (the cross-entropy with a softmax output layer) is J^T dC/da where
    that is finite, and dC/dz by central differences."""
    rng = np.random.default_rng(6)
    z, y = 3 * rng.normal(size=shape), rng.random(shape)
    a = softmax(z)
    delta = CrossEntropyCost.delta_softmax(z, a, y)
    np.testing.assert_allclose(delta, Softmax.backward(z, a, CrossEntropyCost.grad_a(a, y)),
                               rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(delta, numerical_gradient(
        lambda: CrossEntropyCost.fn(softmax(z), y), z), atol=1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cross_entropy_delta_softmax_is_finite_where_outputs_saturate(dtype):
    """Confidently wrong: z = (20, 0, 0) with the target on class 1. In float32 a_0 rounds
    to 1 and dC/da_0 is inf, so J^T dC/da gave inf - inf; the delta is the float64 chain
    rule's (2, -1.5, -0.5). Confidently right (gap 800): the two outputs at 0 pass back 0."""
    z, y = np.array([[20.0], [0.0], [0.0]], dtype), np.array([[0.0], [1.0], [0.0]], dtype)
    z64, y64 = z.astype(np.float64), y.astype(np.float64)
    expected = Softmax.backward(z64, softmax(z64), CrossEntropyCost.grad_a(softmax(z64), y64))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_allclose(CrossEntropyCost.delta_softmax(z, softmax(z), y), expected,
                                   rtol=1e-6)
        z, y = np.array([800.0, 0.0, 0.0], dtype), np.array([1.0, 0.0, 0.0], dtype)
        np.testing.assert_array_equal(CrossEntropyCost.delta_softmax(z, softmax(z), y), 0.0)
    one = np.array([[3.0, -2.0]])  # a lone softmax output is always 1: no gradient
    np.testing.assert_array_equal(CrossEntropyCost.delta_softmax(one, softmax(one), 0 * one), 0)


@pytest.mark.parametrize("name", sorted(COSTS))
def test_axis_0_gives_one_cost_per_example(name):
    cost = COSTS[name]
    rng = np.random.default_rng(4)
    z, y = rng.normal(size=(3, 5)), np.eye(3)[:, [0, 1, 2, 0, 1]]
    a = cost.output_layer.fn(z)
    for fn, first in ((cost.fn, a), (cost.fn_z, z)):
        each = fn(first, y, axis=0)
        assert each.shape == (5,)
        np.testing.assert_allclose(each, [fn(first[:, [k]], y[:, [k]]) for k in range(5)])
        assert np.sum(each) == pytest.approx(fn(first, y))


# -- bad input (issue 16) ---------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(COSTS))
@pytest.mark.parametrize("method", ["fn", "delta", "grad_a", "fn_z"])
def test_a_column_against_a_vector_is_refused_not_broadcast(name, method):
    """(10, 1) against (10,) would broadcast to 10 x 10 and give ten times the cost."""
    a, y = np.full((10, 1), 0.1), np.eye(10)[3]
    args = (a, a, y) if method == "delta" else (a, y)
    with pytest.raises(ValueError, match=r"has shape \(10, 1\) but y has shape \(10,\)"):
        getattr(COSTS[name], method)(*args)


def test_a_single_number_for_y_is_still_accepted():
    a = np.array([[0.2, 0.7]])
    assert QuadraticCost.fn(a, 0.0) == pytest.approx(0.5 * (0.04 + 0.49))
    np.testing.assert_allclose(CrossEntropyCost.delta(a, a, 0.0), a)


@pytest.mark.parametrize("cost", [CrossEntropyCost, LogLikelihoodCost])
@pytest.mark.parametrize("a, y, match", [
    (0.5, 2.0, r"every y must be in \[0, 1\]; got y = 2"),
    (0.5, -1.0, "got y = -1"),
    (1.5, 1.0, r"every a must be in \[0, 1\]; got a = 1.5"),
    (-0.1, 0.0, "got a = -0.1"),
    (np.nan, 0.0, "got a = nan"),
])
def test_cross_entropy_and_log_likelihood_refuse_values_outside_0_1(cost, a, y, match):
    with pytest.raises(ValueError, match=match):
        cost.fn(np.array([[a]]), np.array([[y]]))


@pytest.mark.parametrize("name", sorted(COSTS))
def test_fn_z_refuses_bad_targets_and_non_finite_z(name):
    cost = COSTS[name]
    with pytest.raises(ValueError, match="every z must be finite; got z = nan"):
        cost.fn_z(np.array([[np.nan]]), np.array([[1.0]]))
    if cost.target_range:
        with pytest.raises(ValueError, match="every y must be in"):
            cost.fn_z(np.array([[0.3]]), np.array([[3.0]]))


@pytest.mark.parametrize("name", sorted(COSTS))
def test_complex_input_is_a_type_error(name):
    with pytest.raises(TypeError, match="a must hold real numbers"):
        COSTS[name].fn(np.array([[0.5 + 1j]]), np.array([[1.0]]))


def test_huge_float32_values_do_not_overflow_the_quadratic_cost():
    """0.5 (a - y)^2 for a - y = 1.8e19 is 1.7e38, within float32's range, but the square
    alone is not: the terms and their sum are taken in float64."""
    a, y = np.array([0.0], np.float32), np.array([1.8446744e19], np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert QuadraticCost.fn(a, y) == pytest.approx(0.5 * 1.8446744e19 ** 2, rel=1e-6)
        assert QuadraticCost.fn(np.array([1e300]), np.array([-1e300])) == np.inf


# -- one-hot targets ------------------------------------------------------------------
def test_one_hot_puts_a_one_at_each_class_in_columns_or_rows():
    assert one_hot(2, 4).tolist() == [[0], [0], [1], [0]]          # one class: a column
    np.testing.assert_array_equal(one_hot([2, 0, 3], 4), np.eye(4)[:, [2, 0, 3]])
    rows = one_hot(np.array([2, 0]), 4, axis=1, dtype=np.float32)
    assert rows.dtype == np.float32 and rows.flags.c_contiguous
    np.testing.assert_array_equal(rows, np.eye(4)[[2, 0]])
    assert one_hot(1, 3, axis=1).tolist() == [[0, 1, 0]]


@pytest.mark.parametrize("labels, error, match", [
    (4, ValueError, r"true_class must be an integer from 0 to 3 \(a class\); got 4"),
    (-1, ValueError, "got -1"),
    (1.0, TypeError, "got 1.0"),
    (True, TypeError, "got True"),
    ("1", TypeError, "got '1'"),
    ([0, 4, 1], ValueError, r"true_class must be integers from 0 to 3 \(classes\); got 4 at "
                            r"position 1"),
    ([0.0, 1.0], TypeError, "got dtype float64"),
])
def test_one_hot_refuses_what_is_not_a_class(labels, error, match):
    with pytest.raises(error, match=match):
        one_hot(labels, 4, name="true_class")
