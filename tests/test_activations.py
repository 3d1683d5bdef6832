"""Activations: hand values, numerical stability, and softmax's properties (Eqs. 78-83)."""
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from nnlib.activations import (Linear, Sigmoid, Softmax, log_softmax, sigmoid, sigmoid_prime,
                               softmax, softmax_jacobian)
from nnlib.gradcheck import numerical_gradient

DTYPES = [np.float32, np.float64]
EXTREME = [-1e4, -800.0, -40.0, -1.0, 0.0, 1.0, 40.0, 800.0, 1e4]

# Weighted inputs of a few neurons, moderate enough that exp(z) differences are resolvable.
z_vectors = arrays(np.float64, st.integers(2, 8),
                   elements=st.floats(-30, 30, allow_nan=False, allow_subnormal=False))


def test_softmax_of_the_books_slider_start():
    a = softmax(np.array([2.5, -1.0, 3.2, 0.5]))
    np.testing.assert_array_equal(np.round(a, 3), [0.315, 0.009, 0.633, 0.043])


@pytest.mark.parametrize("dtype", DTYPES)
def test_no_warning_and_no_nan_for_extreme_inputs(dtype):
    z = np.array(EXTREME, dtype=dtype).reshape(-1, 1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any overflow RuntimeWarning fails the test
        results = {"sigmoid": sigmoid(z), "sigmoid_prime": sigmoid_prime(z),
                   "softmax": softmax(z), "softmax c=100": softmax(z, c=100.0),
                   "log_softmax": log_softmax(z)}
    for name, r in results.items():
        assert r.dtype == dtype, name
        assert np.all(np.isfinite(r)), f"{name} gave {r.ravel()}"
    s = results["sigmoid"].ravel()
    assert s[0] == 0.0 and s[-1] == 1.0 and s[4] == 0.5
    np.testing.assert_array_equal(results["softmax"].ravel(), np.eye(len(EXTREME))[-1])
    assert results["log_softmax"].ravel()[0] == pytest.approx(-2e4, rel=1e-6)


def test_sigmoid_is_accurate_in_the_tails():
    # 1/(1+e^40) has full relative precision, not just "about zero"
    assert sigmoid(-40.0) == pytest.approx(np.exp(-40.0) / (1 + np.exp(-40.0)), rel=1e-14)
    assert sigmoid_prime(0.0) == 0.25


def test_softmax_c_that_overflows_is_refused():
    with pytest.raises(ValueError, match="overflows"):
        softmax(np.array([1e300, 0.0]), c=1e10)
    with pytest.raises(ValueError, match="c > 0"):
        softmax(np.array([1.0, 2.0]), c=0)


@settings(max_examples=200, deadline=None)
@given(z_vectors, st.floats(-1e3, 1e3))
def test_softmax_is_a_distribution_and_shift_invariant(z, shift):
    a = softmax(z)
    assert np.all(a > 0) or np.ptp(z) > 700  # only a vast spread can underflow an entry
    assert np.sum(a) == pytest.approx(1.0, abs=1e-12)
    np.testing.assert_allclose(softmax(z + shift), a, rtol=1e-9, atol=1e-15)


@settings(max_examples=200, deadline=None)
@given(z_vectors)
def test_softmax_is_monotone(z):
    """da_j/dz_k > 0 for j = k and < 0 for j != k (the exercise after Eq. 79), both from the
    closed form and from finite differences."""
    a = softmax(z)
    jac = softmax_jacobian(a)
    numeric = np.column_stack([numerical_gradient(lambda: softmax(z)[j], z) for j in range(len(z))]).T
    np.testing.assert_allclose(jac, numeric, atol=1e-7)
    # where a_j rounds to 0 or 1, a_j (1 - a_j) is 0 to machine precision: judge the rest
    pos = (a > 1e-12) & (a < 1 - 1e-12)
    assert np.all(np.diag(jac)[pos] > 0)
    nonzero = a > 1e-12
    off = ~np.eye(len(z), dtype=bool) & np.outer(nonzero, nonzero)
    assert np.all(jac[off] < 0)


@settings(max_examples=200, deadline=None)
@given(z_vectors)
def test_softmax_is_inverted_by_log_plus_a_constant(z):
    """z_j = ln a_j + C with C the same for every j (the inversion problem)."""
    C = z - np.log(softmax(z))
    np.testing.assert_allclose(C, C[0], atol=1e-9 * max(1.0, np.abs(z).max()))
    np.testing.assert_allclose(log_softmax(z), np.log(softmax(z)), atol=1e-12)


@settings(max_examples=100, deadline=None)
@given(z_vectors.filter(lambda z: np.sort(z)[-1] - np.sort(z)[-2] > 1e-3))
def test_softmax_approaches_the_one_hot_argmax_as_c_grows(z):
    """Eq. (83): each larger c brings the output closer to the one-hot of the largest z."""
    target = np.eye(len(z))[np.argmax(z)]
    gaps = [np.abs(softmax(z, c=c) - target).max() for c in (1.0, 10.0, 1e3, 1e6)]
    assert all(g2 <= g1 for g1, g2 in zip(gaps, gaps[1:]))
    assert gaps[-1] < 1e-6
    np.testing.assert_allclose(softmax(z, c=1e-9), np.full(len(z), 1 / len(z)), atol=1e-6)


@pytest.mark.parametrize("layer", [Sigmoid, Softmax, Linear])
def test_output_layer_backward_is_the_jacobian_transpose(layer):
    """backward(z, a, g) = J^T g, checked against finite differences of g . fn(z)."""
    rng = np.random.default_rng(3)
    z, g = rng.normal(size=(5, 1)), rng.normal(size=(5, 1))
    expected = numerical_gradient(lambda: float(np.sum(g * layer.fn(z))), z)
    np.testing.assert_allclose(layer.backward(z, layer.fn(z), g), expected, atol=1e-8)


# -- bad and extreme input (issue 16) ---------------------------------------------------
def test_integers_as_a_reader_types_them_are_accepted():
    np.testing.assert_allclose(softmax([1, 2, 3]), softmax(np.array([1.0, 2.0, 3.0])))
    np.testing.assert_allclose(log_softmax([1, 2, 3]), np.log(softmax([1, 2, 3])))
    assert sigmoid([0, 0]).tolist() == [0.5, 0.5]


@pytest.mark.parametrize("dtype", DTYPES)
def test_finite_without_warnings_up_to_the_largest_float(dtype):
    """README: finite without warnings for any finite input; log_softmax's true value can
    exceed the float range, and then it is -inf, the correctly rounded answer."""
    big = np.finfo(dtype).max
    z = np.array([big, -big, 0.0], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        results = {"sigmoid": sigmoid(z), "sigmoid_prime": sigmoid_prime(z),
                   "softmax": softmax(z), "jacobian": softmax_jacobian(softmax(z))}
        log = log_softmax(z)
    for name, r in results.items():
        assert r.dtype == dtype and np.all(np.isfinite(r)), name
    np.testing.assert_array_equal(results["softmax"], [1, 0, 0])
    assert log[0] == 0 and log[1] == -np.inf and log[2] == -big


@pytest.mark.parametrize("fn", [softmax, log_softmax])
@pytest.mark.parametrize("bad, found", [(np.nan, "NaN"), (np.inf, "inf"), (-np.inf, "inf")])
def test_softmax_of_nan_or_inf_is_refused(fn, bad, found):
    with pytest.raises(ValueError, match=f"z must be finite; it contains {found} .at index .1,"):
        fn(np.array([1.0, bad, 2.0]))


@pytest.mark.parametrize("c", [np.inf, np.nan, -1.0, np.array([1.0, 2.0]), "2", True])
def test_a_c_that_is_not_a_finite_positive_number_is_refused(c):
    with pytest.raises(ValueError, match="finite constant c > 0"):
        softmax([1.0, 2.0], c=c)


def test_sigmoid_of_nan_is_nan_entry_by_entry():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = sigmoid(np.array([np.nan, 0.0]))
    assert np.isnan(s[0]) and s[1] == 0.5


@pytest.mark.parametrize("fn", [sigmoid, sigmoid_prime, softmax, log_softmax, softmax_jacobian])
@pytest.mark.parametrize("bad", [np.array([1 + 1j, 0.5]), np.array(["a", "b"])])
def test_complex_or_text_input_is_a_type_error_not_a_warning(fn, bad):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(TypeError, match="must hold real numbers"):
            fn(bad)


@pytest.mark.parametrize("a, match", [
    (np.array([2.5, -1.0, 3.2, 0.5]), "entries from -1 to 3.2 .*pass softmax.z., not z"),
    (np.array([0.5, 0.4]), "summing to 0.9"),
    (np.full((4, 3), 0.25), r"one softmax output.*got shape \(4, 3\)"),
    (np.array([np.nan, 1.0]), "entries in"),
])
def test_softmax_jacobian_refuses_what_is_not_a_softmax_output(a, match):
    with pytest.raises(ValueError, match=match):
        softmax_jacobian(a)


def test_softmax_jacobian_keeps_float32():
    a = softmax(np.array([1.0, 2.0], np.float32))
    assert softmax_jacobian(a).dtype == np.float32
    assert softmax_jacobian(a.reshape(-1, 1)).shape == (2, 2)
