"""An independent, deliberately plain reference: per-example backpropagation written from
equations BP1-BP4 of chapter 2, one example at a time, as the book's program does.

It shares no code with nnlib (not even its sigmoid or costs), so agreement with
nnlib.network is evidence, not tautology. tests/test_network.py compares the two;
benchmarks/bench_train.py times nnlib against it.
"""
import numpy as np


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _output(z, kind):
    if kind == "softmax":
        e = np.exp(z - z.max())
        return e / e.sum()
    if kind == "linear":
        return z.copy()
    return _sigmoid(z)


def _output_error(z, a, y, cost, kind):
    """delta^L (BP1) for the supported pairs, each written out from dC/da and da/dz."""
    if cost == "quadratic" and kind == "sigmoid":
        return (a - y) * _sigmoid(z) * (1 - _sigmoid(z))
    if cost == "quadratic" and kind == "linear":
        return a - y
    if cost == "cross-entropy" and kind == "sigmoid":
        return a - y
    if cost == "log-likelihood" and kind == "softmax":
        return a - y
    raise ValueError(f"no reference for {cost} with a {kind} output layer")


def backprop_one(weights, biases, x, y, cost="cross-entropy", kind="sigmoid"):
    """dC_x/db and dC_x/dw for one example x (n_in, 1), y (n_out, 1)."""
    activation, activations, zs = x, [x], []
    for i, (w, b) in enumerate(zip(weights, biases)):
        z = np.dot(w, activation) + b
        zs.append(z)
        activation = _output(z, kind) if i == len(weights) - 1 else _sigmoid(z)
        activations.append(activation)
    delta = _output_error(zs[-1], activations[-1], y, cost, kind)          # BP1
    grad_b = [None] * len(weights)
    grad_w = [None] * len(weights)
    grad_b[-1] = delta                                                   # BP3
    grad_w[-1] = np.dot(delta, activations[-2].T)                        # BP4
    for l in range(2, len(weights) + 1):
        s = _sigmoid(zs[-l])
        delta = np.dot(weights[-l + 1].T, delta) * s * (1 - s)           # BP2
        grad_b[-l] = delta
        grad_w[-l] = np.dot(delta, activations[-l - 1].T)
    return grad_b, grad_w


def update_mini_batch(weights, biases, batch, eta, lmbda, n, cost="cross-entropy",
                      kind="sigmoid"):
    """One SGD step with L2 decay, summing per-example gradients in a Python loop."""
    sum_b = [np.zeros(b.shape) for b in biases]
    sum_w = [np.zeros(w.shape) for w in weights]
    for x, y in batch:
        gb, gw = backprop_one(weights, biases, x, y, cost, kind)
        sum_b = [s + g for s, g in zip(sum_b, gb)]
        sum_w = [s + g for s, g in zip(sum_w, gw)]
    m = len(batch)
    weights = [(1 - eta * lmbda / n) * w - (eta / m) * g for w, g in zip(weights, sum_w)]
    biases = [b - (eta / m) * g for b, g in zip(biases, sum_b)]
    return weights, biases


def sgd_fixed_order(weights, biases, data, epochs, m, eta, lmbda=0.0, cost="cross-entropy",
                    kind="sigmoid"):
    """Plain SGD over ``data`` (a list of (x, y) column pairs) in the given order."""
    for _ in range(epochs):
        for k in range(0, len(data), m):
            weights, biases = update_mini_batch(weights, biases, data[k:k + m], eta, lmbda,
                                                len(data), cost, kind)
    return weights, biases
