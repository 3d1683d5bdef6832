"""Check backpropagation against finite differences, for any cost and architecture.

    from nnlib.gradcheck import check_gradients
    report = check_gradients(net, x, y)      # x (n_in, m), y (n_out, m)
    report.ok, report.max_error

Each weight and bias is nudged by +-eps and the central difference
(C(p + eps) - C(p - eps)) / 2 eps of the summed cost C is compared with ``backprop``.
The error of an entry is |numeric - backprop| / max(1, |numeric|, |backprop|): relative
for large gradients, absolute for tiny ones (where round-off dominates). One tolerance,
``TOLERANCE``, is used everywhere in this project's tests.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import checks

#: Largest error accepted between backprop and central differences (float64, eps=1e-6:
#: truncation ~eps^2 and round-off ~1e-16/eps are both far below it).
TOLERANCE = 1e-7


@dataclass
class GradientCheck:
    """The result of ``check_gradients``: the worst error per layer, for w and for b."""

    weight_errors: list
    bias_errors: list
    tolerance: float

    @property
    def max_error(self) -> float:
        return max(self.weight_errors + self.bias_errors)

    @property
    def ok(self) -> bool:
        return self.max_error <= self.tolerance

    def __str__(self):
        verdict = "agree" if self.ok else "DISAGREE"
        return (f"backprop and finite differences {verdict}: largest error "
                f"{self.max_error:.1e} (tolerance {self.tolerance:.0e})")


def numerical_gradient(f, p, eps=1e-6):
    """Central differences of the scalar f() with respect to every entry of array p
    (changed in place and restored). ``p`` must be a float array: nudging the entries of
    an integer array by eps would round the nudge away and report a zero gradient."""
    if not isinstance(p, np.ndarray) or p.dtype.kind != "f":
        raise TypeError(f"p must be a numpy array of floats, which is nudged in place; got "
                        f"{type(p).__name__}" + (f" of dtype {p.dtype}"
                                                 if isinstance(p, np.ndarray) else ""))
    checks.real("eps", eps, positive=True)
    grad = np.zeros_like(p)
    for i in np.ndindex(p.shape):
        kept = p[i]
        p[i] = kept + eps
        up = f()
        p[i] = kept - eps
        down = f()
        p[i] = kept
        grad[i] = (up - down) / (2 * eps)
    return grad


def _error(numeric, analytic):
    scale = np.maximum(1.0, np.maximum(np.abs(numeric), np.abs(analytic)))
    return float(np.max(np.abs(numeric - analytic) / scale))


def check_gradients(net, x, y, eps=1e-6, tolerance=TOLERANCE) -> GradientCheck:
    """Compare ``net.backprop(x, y)`` with central differences of ``net.summed_cost``."""
    if net.dtype != np.float64:
        raise ValueError(f"gradient checks need a float64 network (this one is {net.dtype}): "
                         "finite differences in float32 are too coarse to judge")
    checks.real("tolerance", tolerance, minimum=0)
    nabla_b, nabla_w = net.backprop(x, y)
    cost = lambda: net.summed_cost(x, y)  # noqa: E731
    return GradientCheck(
        weight_errors=[_error(numerical_gradient(cost, w, eps), g)
                       for w, g in zip(net.weights, nabla_w)],
        bias_errors=[_error(numerical_gradient(cost, b, eps), g)
                     for b, g in zip(net.biases, nabla_b)],
        tolerance=tolerance)
