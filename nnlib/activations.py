"""Activation functions and output layers (chapter 3).

Everything here takes arrays of any shape and keeps their dtype (float32 stays float32).
Weighted inputs ``z`` follow the book's layout: one column per example, so a mini-batch
of ``m`` examples for a layer of ``n`` neurons is an ``(n, m)`` array, and functions that
mix neurons (softmax) work along ``axis=0``.

Every function is finite for every finite input, including ``z = +-1e4``, in float32 and
float64, and raises no overflow warning.
"""
from __future__ import annotations

import numpy as np


def sigmoid(z, out=None):
    """The logistic function sigma(z) = 1 / (1 + e^-z).

    For very negative z, e^-z overflows to inf and the result is exactly 0.0, which is
    the correctly rounded answer; the overflow is expected, so it is not warned about.
    ``out`` is an optional array to write into (the network's training loop reuses one).
    """
    z = np.asarray(z)
    if out is None:
        out = np.empty(z.shape, dtype=z.dtype if z.dtype.kind == "f" else np.float64)
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
    """c * z for the softmax of Eq. (83), refusing a c that makes it overflow."""
    if not np.all(np.asarray(c) > 0):
        raise ValueError(f"softmax needs a constant c > 0 (Eq. 83); got c={c!r}")
    z = np.asarray(z)
    if c == 1:
        return z
    with np.errstate(over="raise"):
        try:
            return z * np.asarray(c, dtype=z.dtype if z.dtype.kind == "f" else float)
        except FloatingPointError:
            raise ValueError(
                f"c * z overflows for c={c!r} and max |z|={np.max(np.abs(z)):g}; "
                "use a smaller c or smaller z"
            ) from None


def softmax(z, c=1.0, axis=0, out=None):
    """The softmax of Eq. (78), or with a constant c > 0 the softmax of Eq. (83).

        a_j = exp(c z_j) / sum_k exp(c z_k)

    Subtracting max_k c z_k from every c z_j first changes nothing mathematically (the
    common factor exp(-max) cancels between numerator and denominator) but keeps every
    exponent <= 0, so nothing overflows and the largest term is exactly 1.
    """
    s = _scaled(z, c)
    shifted = np.subtract(s, s.max(axis=axis, keepdims=True), out=out)
    e = np.exp(shifted, out=shifted)
    e /= e.sum(axis=axis, keepdims=True)
    return e


def log_softmax(z, c=1.0, axis=0):
    """ln of the softmax (Eq. 78/83), computed without forming the softmax first.

    ln a_j = c z_j - max - ln sum_k exp(c z_k - max): finite even where a_j itself
    underflows to 0, which is what the log-likelihood cost (Eq. 80) needs.
    """
    s = _scaled(z, c)
    shifted = s - s.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def softmax_jacobian(a):
    """The Jacobian da_j/dz_k = a_j (delta_jk - a_k) of a softmax output ``a`` (one vector).

    Its diagonal is positive and its off-diagonal entries negative: the monotonicity
    exercise after Eq. (79). Returns an ``(n, n)`` array.
    """
    a = np.asarray(a, dtype=float).reshape(-1)
    return np.diag(a) - np.outer(a, a)


class Sigmoid:
    """A layer of sigmoid neurons: a = sigma(z), applied to each neuron separately."""

    name = "sigmoid"
    fn = staticmethod(sigmoid)

    @staticmethod
    def backward(z, a, grad_a):
        """dC/dz from dC/da: multiply by sigma'(z) = a (1 - a) (the BP1 product)."""
        return grad_a * a * (1 - a)


class Softmax:
    """A softmax output layer (Eq. 78): each a_j depends on every z_k."""

    name = "softmax"

    @staticmethod
    def fn(z, out=None):
        return softmax(z, out=out)

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

#: Each layer's methods as defined here, taken before anyone can patch them: the network's
#: compiled training stands in for them only while they are unchanged.
DEFINED_METHODS = {(layer, name): getattr(layer, name)
                   for layer in OUTPUT_LAYERS.values() for name in ("fn", "backward")}
