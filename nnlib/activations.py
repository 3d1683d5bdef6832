"""Activation functions and output layers (chapter 3).

Everything here takes arrays of any shape and keeps their dtype (float32 stays float32).
Weighted inputs ``z`` follow the book's layout: one column per example, so a mini-batch
of ``m`` examples for a layer of ``n`` neurons is an ``(n, m)`` array, and functions that
mix neurons (softmax) work along ``axis=0``.

Every function is finite for every finite input, in float32 and float64, up to the
largest float of the dtype (3.4e38 and 1.8e308), and raises no overflow warning; the one
exception is ``log_softmax``, whose true value lies beyond the float range when the
entries of z differ by more than the largest float, and which then returns -inf there,
the correctly rounded answer.
Integers (``softmax([1, 2, 3])``) are taken as float64. Complex or non-numeric input
raises a TypeError. ``softmax`` and ``log_softmax`` raise a ValueError for NaN or
infinite z (each output depends on every entry, so one NaN would spoil them all);
``sigmoid`` works entry by entry and, like numpy's own functions, gives NaN where z is NaN.
"""
from __future__ import annotations

import numpy as np

from . import checks


def real_array(x, name="z"):
    """``x`` as a numpy array of floats: float32 and float64 (any float) stay as they are,
    integers and booleans become float64. Complex or non-numeric input raises a TypeError
    naming ``name``: numpy would otherwise drop an imaginary part with only a warning."""
    x = np.asarray(x)
    if x.dtype.kind == "f":
        return x
    if x.dtype.kind in "biu":
        return x.astype(np.float64)
    complex_ = x.dtype.kind == "c"
    hint = " (take x.real if the imaginary part is meant to be dropped)" if complex_ else ""
    raise TypeError(f"{name} must hold real numbers (floats or integers); got dtype "
                    f"{x.dtype}{hint}")


def sigmoid(z, out=None):
    """The logistic function sigma(z) = 1 / (1 + e^-z).

    For very negative z, e^-z overflows to inf and the result is exactly 0.0, which is
    the correctly rounded answer; the overflow is expected, so it is not warned about.
    ``out`` is an optional array to write into (the network's training loop reuses one).
    NaN in z gives NaN at that entry.
    """
    z = real_array(z)
    if out is None:
        out = np.empty(z.shape, dtype=z.dtype)
    with np.errstate(over="ignore"):
        np.negative(z, out=out)
        np.exp(out, out=out)
    out += 1
    np.reciprocal(out, out=out)
    return out if out.ndim else out[()]


def sigmoid_prime(z):
    """The derivative sigma'(z) = sigma(z) (1 - sigma(z)) (chapter 3, below Eq. 73)."""
    s = sigmoid(z)
    return s * (1 - s)


def _scaled(z, c):
    """c * z for the softmax of Eq. (83), for a finite real z; refuses a c that is not a
    finite number > 0 or that makes c * z overflow."""
    z = checks.finite_array("z", real_array(z))
    if z.size == 0:
        raise ValueError(f"softmax needs at least one z; got an empty array of shape {z.shape}")
    ok = (np.ndim(c) == 0 and not isinstance(c, (bool, np.bool_))
          and np.asarray(c).dtype.kind in "iuf" and np.isfinite(c) and c > 0)
    if not ok:
        limit = (" (the limit c -> inf is the one-hot vector of the largest z, "
                 "np.eye(len(z))[np.argmax(z)])" if np.ndim(c) == 0 and c == np.inf else "")
        raise ValueError(f"softmax needs a finite constant c > 0 (Eq. 83); "
                         f"got c={c!r}{limit}")
    if c == 1:
        return z
    with np.errstate(over="raise"):
        try:
            return z * np.asarray(c, dtype=z.dtype)
        except FloatingPointError:
            raise ValueError(
                f"c * z overflows for c={c!r} and max |z|={np.max(np.abs(z)):g}; "
                "use a smaller c or smaller z"
            ) from None


def _shifted(s, axis, out=None):
    """s - max s along ``axis``: every entry <= 0. Where two entries differ by more than
    the largest float the difference overflows to -inf, whose exp is exactly 0, the
    correctly rounded answer; so that overflow is expected and not warned about."""
    with np.errstate(over="ignore"):
        return np.subtract(s, s.max(axis=axis, keepdims=True), out=out)


def softmax(z, c=1.0, axis=0, out=None):
    """The softmax of Eq. (78), or with a constant c > 0 the softmax of Eq. (83).

        a_j = exp(c z_j) / sum_k exp(c z_k)

    Subtracting max_k c z_k from every c z_j first changes nothing mathematically (the
    common factor exp(-max) cancels between numerator and denominator) but keeps every
    exponent <= 0, so nothing overflows and the largest term is exactly 1.

    ``z`` must be finite (NaN or inf raise a ValueError), ``c`` a finite number > 0.
    """
    return _softmax(_scaled(z, c), axis, out)


def _softmax(s, axis=0, out=None):
    """The softmax of already scaled, checked s (the network's output layer calls it)."""
    shifted = _shifted(s, axis, out)
    e = np.exp(shifted, out=shifted)
    e /= e.sum(axis=axis, keepdims=True)
    return e


def log_softmax(z, c=1.0, axis=0):
    """ln of the softmax (Eq. 78/83), computed without forming the softmax first.

    ln a_j = c z_j - max - ln sum_k exp(c z_k - max): finite even where a_j itself
    underflows to 0, which is what the log-likelihood cost (Eq. 80) needs.
    """
    shifted = _shifted(_scaled(z, c), axis)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def softmax_jacobian(a):
    """The Jacobian da_j/dz_k = a_j (delta_jk - a_k) of a softmax output ``a`` (one vector).

    Its diagonal is positive and its off-diagonal entries negative: the monotonicity
    exercise after Eq. (79). Returns an ``(n, n)`` array, in a's float dtype.

    ``a`` must be one softmax output: a vector (or a single column or row) of entries in
    [0, 1] summing to 1. The formula holds for nothing else, and passing z by mistake is
    the usual slip, so anything else raises a ValueError.
    """
    a = real_array(a, "a")
    if a.ndim > 2 or (a.ndim == 2 and min(a.shape) != 1) or a.size == 0:
        raise ValueError(f"a must be one softmax output, a vector of shape (n,), (n, 1) or "
                         f"(1, n); got shape {a.shape} (for several columns, take one: a[:, k])")
    a = a.reshape(-1)
    inside = bool(np.all((a >= 0) & (a <= 1)))
    if not inside or abs(float(np.sum(a)) - 1) > 1e-4:
        got = (f"entries from {np.min(a):g} to {np.max(a):g}" if not inside
               else f"entries summing to {np.sum(a):g}")
        raise ValueError(f"a must be a softmax output, entries in [0, 1] summing to 1; got "
                         f"{got} (pass softmax(z), not z)")
    return np.diag(a) - np.outer(a, a)


class Sigmoid:
    """A layer of sigmoid neurons: a = sigma(z), applied to each neuron separately."""

    name = "sigmoid"

    @staticmethod
    def fn(z, out=None):
        """sigma(z) entry by entry: ``sigmoid``."""
        return sigmoid(z, out)

    @staticmethod
    def backward(z, a, grad_a):
        """dC/dz from dC/da: multiply by sigma'(z) = a (1 - a) (the BP1 product)."""
        return grad_a * a * (1 - a)


class Softmax:
    """A softmax output layer (Eq. 78): each a_j depends on every z_k."""

    name = "softmax"

    @staticmethod
    def fn(z, out=None):
        """softmax(z) along axis 0, without checking z: in training, NaN weights are
        reported by the divergence warning, not by an error halfway through an epoch."""
        return _softmax(np.asarray(z), out=out)

    @staticmethod
    def backward(z, a, grad_a):
        """dC/dz = J^T dC/da with J = diag(a) - a a^T, per column: a * (g - sum(a g))."""
        return a * (grad_a - np.sum(a * grad_a, axis=0, keepdims=True))


class Linear:
    """Linear output neurons, a = z (the problem with Eqs. 68-70)."""

    name = "linear"

    @staticmethod
    def fn(z, out=None):
        if out is None:
            return np.array(z, copy=True)
        np.copyto(out, z)
        return out

    @staticmethod
    def backward(z, a, grad_a):
        """da/dz = 1, so dC/dz = dC/da."""
        return grad_a


#: Output layers by the name a saved network records.
OUTPUT_LAYERS = {layer.name: layer for layer in (Sigmoid, Softmax, Linear)}
