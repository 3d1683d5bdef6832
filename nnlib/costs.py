"""Cost functions (chapter 3), each a small class with the book's two static methods.

``fn(a, y)``
    the cost of output activations ``a`` against desired outputs ``y``, summed over the
    examples given (one column per example, so a single ``(n, 1)`` column gives the cost
    of one example, exactly as the book's ``network2.py`` does). ``fn(a, y, axis=0)``
    gives instead one cost per example (per column) as an array.
``delta(z, a, y)``
    the output error delta^L = dC/dz^L for the output layer the cost is paired with
    (``output_layer``). ``z`` is unused by the costs whose delta is simply ``a - y``; it
    is kept so that every cost has the same signature.

Two more methods serve the network and the gradient checks:

``grad_a(a, y)``
    dC/da, for pairing a cost with an output layer other than its own (the chain rule
    then gives delta^L = J^T dC/da).
``fn_z(z, y)``
    the same cost computed from the weighted inputs of the paired output layer. It stays
    accurate when neurons saturate, where ``a`` has rounded to exactly 0 or 1 and ``fn``
    can only say ``inf``. The network reports its costs with this. It takes ``axis`` too.

Every method checks its arguments first, cheaply: ``a`` (or ``z``) and ``y`` must have
the same shape (or one be a single number), since numpy would broadcast a (10, 1) column
against a (10,) vector into a 10 x 10 array and return ten times the cost; complex or
non-numeric input raises a TypeError. ``fn`` and ``fn_z`` also need finite values, and
the costs that take logarithms (``target_range = (0, 1)``) need y, and the a given to
``fn``, in [0, 1]: outside it the cross-entropy is negative or NaN, not a cost.

``one_hot(labels, n_classes)`` makes the targets y of classification, one-hot columns
(or rows); the book's ``vectorized_result`` and the network's training data use it.
"""
from __future__ import annotations

import numbers

import numpy as np

from . import checks
from .activations import Sigmoid, Softmax, log_softmax, real_array, sigmoid


def _pair(first, y, name="a"):
    """``first`` (a or z) and y as float arrays of one shape (or one of them a number)."""
    first, y = real_array(first, name), real_array(y, "y")
    if first.shape != y.shape and first.ndim and y.ndim:
        raise ValueError(f"{name} has shape {first.shape} but y has shape {y.shape}: they must "
                         f"match, one column per example (numpy would broadcast them into "
                         f"other terms and sum those); reshape y, e.g. y.reshape({first.shape})")
    return first, y


def _checked(cost, first, y, name="a", in_range=()):
    """``_pair``, then: both finite, and each array named in ``in_range`` inside the cost's
    ``target_range`` (a NaN is outside). For ``fn`` and ``fn_z``."""
    first, y = _pair(first, y, name)
    for value, what in ((first, name), (y, "y")):
        low, high = cost.target_range if what in in_range else (-np.inf, np.inf)
        inside = (value >= low) & (value <= high) & np.isfinite(value)
        if not np.all(inside):
            bad = value.reshape(-1)[np.flatnonzero(~inside.reshape(-1))[0]]
            need = f"in [{low:g}, {high:g}]" if np.isfinite(low) else "finite"
            raise ValueError(f"{cost.__name__}: every {what} must be {need}; "
                             f"got {what} = {float(bad):g}"
                             + (" (targets are probabilities: one-hot vectors, or values in "
                                "[0, 1])" if what == "y" and np.isfinite(low) else ""))
    return first, y


def _xlogy(x, y):
    """x ln y, with 0 ln 0 taken as 0 (its limit) and x ln 0 = -inf for x > 0. Never NaN."""
    x, y = np.asarray(x), np.asarray(y)
    with np.errstate(divide="ignore"):
        return np.where(x == 0, 0.0, x * np.log(np.where(x == 0, 1.0, y)))


def _x_over(x, d):
    """x / d, with 0 / d taken as 0 even where d is 0 (the slope of a term ``_xlogy`` takes
    as 0), and x / 0 = inf for x > 0. Never NaN."""
    x, d = np.asarray(x), np.asarray(d)
    with np.errstate(divide="ignore"):
        return np.where(x == 0, 0.0, x / np.where(x == 0, 1.0, d))


def _total(terms, axis):
    """Sum the cost's terms: all of them (a float, axis=None) or along ``axis``, in float64
    (float32 terms of ~1e38 would overflow). A sum beyond the largest float is inf, its
    correctly rounded value, without a warning."""
    with np.errstate(over="ignore"):
        total = np.sum(terms, axis=axis, dtype=np.float64)
    return float(total) if axis is None else total


def _softplus(z):
    """ln(1 + e^z), exact for large |z| (it is ~z for large z and ~e^z for very negative z)."""
    return np.logaddexp(0, z)


class QuadraticCost:
    """C = (1/2) ||y - a||^2 per example: Eq. (54) for one neuron, Eq. (6) of chapter 1."""

    output_layer = Sigmoid
    target_range = None  # any real y

    @staticmethod
    def fn(a, y, axis=None):
        a, y = _checked(QuadraticCost, a, y)
        with np.errstate(over="ignore"):  # inf only where the cost exceeds the largest float
            return _total(0.5 * np.subtract(a, y, dtype=np.float64) ** 2, axis)

    @staticmethod
    def fn_z(z, y, axis=None):
        z, y = _checked(QuadraticCost, z, y, "z")
        return QuadraticCost.fn(sigmoid(z), y, axis)

    @staticmethod
    def grad_a(a, y):
        a, y = _pair(a, y)
        return a - y

    @staticmethod
    def delta(z, a, y):
        """delta^L = (a - y) sigma'(z) (BP1; Eqs. 55-56 and 65). The sigma'(z) factor is the
        learning slowdown: it is tiny when a sigmoid neuron saturates. sigma'(z) is taken
        as a (1 - a), which is the same number without a second exponential."""
        a, y = _pair(a, y)
        return (a - y) * (a * (1 - a))


class CrossEntropyCost:
    """C = -sum_j [y_j ln a_j + (1 - y_j) ln(1 - a_j)] per example (Eqs. 57 and 63).

    ``fn`` at the exact boundary: where a equals y (both 0 or both 1) the term is 0;
    where a is exactly 0 or 1 and y disagrees the true cost is infinite and ``fn``
    returns ``inf`` (never NaN, and not the 1.8e308 of the book's ``nan_to_num``). A
    network never reports that ``inf``: it uses ``fn_z``, which stays finite and exact.
    """

    output_layer = Sigmoid
    target_range = (0.0, 1.0)

    @staticmethod
    def fn(a, y, axis=None):
        a, y = _checked(CrossEntropyCost, a, y, in_range=("a", "y"))
        return -_total(_xlogy(y, a) + _xlogy(1 - y, 1 - a), axis)

    @staticmethod
    def fn_z(z, y, axis=None):
        """Eq. (57) in terms of z: with a = sigma(z), -ln a = softplus(-z) and
        -ln(1 - a) = softplus(z), so C = sum [softplus(z) - y z]."""
        z, y = _checked(CrossEntropyCost, z, y, "z", in_range=("y",))
        return _total(_softplus(z) - y * z, axis)

    @staticmethod
    def grad_a(a, y):
        """dC/da = (a - y) / (a (1 - a)) (Eq. 75). At a = 0 or 1 it is taken as its two terms
        -y / a + (1 - y) / (1 - a), each 0 where its target weight is 0: an output that has
        saturated at its own target (a = y = 0, or a = y = 1) then has the finite slope 1
        or -1 of its one remaining term, not 0/0; elsewhere the one fraction, exact to
        rounding even where a is within rounding of y."""
        a, y = _pair(a, y)
        with np.errstate(divide="ignore", invalid="ignore"):  # the boundary, replaced
            inside = (a - y) / (a * (1 - a))
        return np.where((a > 0) & (a < 1), inside, _x_over(1 - y, 1 - a) - _x_over(y, a))

    @staticmethod
    def delta(z, a, y):
        """delta^L = a - y (Eq. 66): the sigma'(z) of the quadratic cost has cancelled."""
        a, y = _pair(a, y)
        return a - y

    @staticmethod
    def delta_softmax(z, a, y):
        """delta^L for a softmax output layer (Eq. 78; not the book's pair), the chain rule
        J^T dC/da written so that it stays finite where an output has saturated at 0 or 1
        and dC/da (Eq. 75) is infinite. With g = dC/da, a_j g_j = -y_j + (1 - y_j) r_j for
        the odds r_j = a_j / (1 - a_j), and J^T g = a g - a sum_j a_j g_j; the r_k of the
        output itself cancels, leaving, per column,

            delta_k = -y_k + a_k (1 - y_k + sum_j y_j) - sum_{j != k} (1 - y_j) a_k r_j,

        where a_k r_j = exp(z_k + z_j - L - L_j) <= 1 (L: the log-sum-exp of the column of
        z; L_j: the same without z_j), so no term overflows."""
        z, y = _pair(z, y, "z")
        n = z.shape[0]
        if n == 1:  # a lone softmax output is 1 whatever z is: J = 0
            return np.zeros_like(z)
        y = np.broadcast_to(y, z.shape)
        same = np.eye(n, dtype=bool).reshape((n, n) + (1,) * (z.ndim - 1))
        log_without = np.logaddexp.reduce(np.where(same, -np.inf, z[None]), axis=1)  # L_j
        log_total = np.logaddexp.reduce(z, axis=0, keepdims=True)                     # L
        # [k, j]: a_k r_j for j != k, where the exponent is <= 0; 0 on the diagonal (whose
        # exponent, dropped, can overflow)
        a_r = np.exp(np.where(same, -np.inf, z[:, None] + (z - log_without)[None] - log_total))
        return -y + a * (1 - y + y.sum(axis=0)) - np.sum(a_r * (1 - y)[None], axis=1)


class LogLikelihoodCost:
    """C = -ln a_y per example (Eq. 80), for a softmax output layer (Eq. 78).

    ``y`` is one-hot (the book's training targets), so C = -sum_j y_j ln a_j. ``fn``
    returns ``inf`` where the right class has probability exactly 0, never NaN;
    ``fn_z`` uses the log-softmax and stays finite.
    """

    output_layer = Softmax
    target_range = (0.0, 1.0)

    @staticmethod
    def fn(a, y, axis=None):
        a, y = _checked(LogLikelihoodCost, a, y, in_range=("a", "y"))
        return -_total(_xlogy(y, a), axis)

    @staticmethod
    def fn_z(z, y, axis=None):
        z, y = _checked(LogLikelihoodCost, z, y, "z", in_range=("y",))
        return -_total(y * log_softmax(z), axis)

    @staticmethod
    def grad_a(a, y):
        a, y = _pair(a, y)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(y == 0, 0.0, -y / a)

    @staticmethod
    def delta(z, a, y):
        """delta^L = a - y with a softmax output layer (Eq. 84; Eqs. 81-82 follow)."""
        a, y = _pair(a, y)
        return a - y


def one_hot(labels, n_classes, *, axis=0, dtype=np.float64, name="labels"):
    """One-hot targets: 1.0 at each example's class, 0.0 elsewhere. The desired outputs y
    of the log-likelihood (Eq. 80) and of the book's MNIST training data (its
    ``vectorized_result``).

    ``labels`` is one class, an int (giving one column, (n_classes, 1)), or an array of
    them, each 0..n_classes-1. The classes run along ``axis``: 0 gives the book's layout,
    one column per example, (n_classes, m); 1 gives one row per example, (m, n_classes),
    as ``nnlib.network`` holds its data. ``name`` names ``labels`` in an error.
    """
    checks.integer("n_classes", n_classes, minimum=1)
    checks.choice("axis", axis, (0, 1))
    last = n_classes - 1
    if isinstance(labels, numbers.Number) or np.ndim(labels) == 0:
        # one class, made directly: several times faster, for code that makes its targets
        # one example at a time, as the book's does with vectorized_result
        k = checks.integer(name, labels, 0, last, detail=" (a class)")
        y = np.zeros((n_classes, 1) if axis == 0 else (1, n_classes), dtype)
        y[(k, 0) if axis == 0 else (0, k)] = 1.0
        return y
    labels = np.asarray(labels).reshape(-1)
    if labels.size and labels.dtype.kind not in "iu":
        raise checks.WrongKindError(f"{name} must be integers from 0 to {last} (classes); "
                                    f"got dtype {labels.dtype}")
    outside = np.flatnonzero((labels < 0) | (labels > last))
    if outside.size:
        k = outside[0]
        raise ValueError(f"{name} must be integers from 0 to {last} (classes); got "
                         f"{labels[k]} at position {k}")
    examples = np.arange(labels.size)
    y = np.zeros((n_classes, labels.size) if axis == 0 else (labels.size, n_classes), dtype)
    y[(labels, examples) if axis == 0 else (examples, labels)] = 1.0
    return y


#: Costs by the name the book's saved-network JSON records ("cost": "CrossEntropyCost").
COSTS = {cost.__name__: cost for cost in (QuadraticCost, CrossEntropyCost, LogLikelihoodCost)}
