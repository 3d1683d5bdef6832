"""One epoch of mini-batch SGD, compiled to machine code by numba.

Why this exists: at the book's mini-batch size of 10 the matrices are tiny, and a numpy
version of a training step spends most of its time in the ~25 numpy calls it makes,
not in arithmetic. Here the whole epoch is one compiled loop: the matrix products
still go to BLAS (called directly, see ``_product``), and everything element-wise (bias, sigmoid,
softmax, the output error, sigma'(z), the update) is a plain loop over the entries,
which numba compiles. benchmarks/bench_train.py measures the gain.

It computes exactly what ``Network._backprop`` and ``Network._step`` compute, for the
costs paired with their own output layers (the book's cases), and tests/test_network.py
holds both to the per-example reference of tests/book_reference.py at 1e-12.

Layout: examples are ROWS here, so a mini-batch of m examples for a layer of n neurons is
an (m, n) array and z^l = a^{l-1} (w^l)^T + (b^l)^T: the same numbers as the book's
columns, transposed, which lets every row gathered from the data be used where it lies.
"""
from __future__ import annotations

import ctypes
import math

import numba
import numpy as np
from numba.typed import List
from numba.extending import get_cython_function_address

# Output layers (nnlib.activations) and output errors delta^L (BP1) the kernel knows.
SIGMOID, SOFTMAX, LINEAR = 0, 1, 2
A_MINUS_Y = 0          # Eq. 66 (cross-entropy), Eq. 84 (log-likelihood), Eq. 70 (linear)
A_MINUS_Y_SIGMA = 1    # (a - y) sigma'(z): the quadratic cost on sigmoid outputs, Eq. 55

_jit = numba.njit(cache=True, nogil=True)


def _blas_gemm(name):
    """BLAS's C = alpha op(A) op(B) + beta C (column-major; every argument a pointer),
    from the BLAS SciPy ships. The kernel takes it as an argument, which keeps its
    compiled code cacheable."""
    address = get_cython_function_address("scipy.linalg.cython_blas", name)
    return ctypes.CFUNCTYPE(None, *[ctypes.c_void_p] * 13)(address)


#: The BLAS product for each dtype the network trains in.
GEMM = {np.dtype(np.float64): _blas_gemm("dgemm"), np.dtype(np.float32): _blas_gemm("sgemm")}


@_jit
def _product(gemm, a, a_transposed, b, b_transposed, c, alpha, beta):
    """c = alpha op(a) op(b) + beta c for C-ordered 2-D arrays, op(x) = x.T or x, in one
    BLAS call (beta = 1 adds to c, with no temporary array).

    BLAS reads arrays column by column, so it sees each C-ordered array transposed; it is
    asked for c^T = alpha op(b)^T op(a)^T + beta c^T, which is the same numbers."""
    k = a.shape[0] if a_transposed else a.shape[1]
    ints = np.array([c.shape[1], c.shape[0], k, b.shape[1], a.shape[1]], np.int32)
    reals = np.array([alpha, beta], c.dtype)
    flags = np.array([ord("T" if b_transposed else "N"), ord("T" if a_transposed else "N")],
                     np.uint8)
    gemm(flags[0:].ctypes, flags[1:].ctypes, ints[0:].ctypes, ints[1:].ctypes,
         ints[2:].ctypes, reals[0:].ctypes, b.ctypes, ints[3:].ctypes, a.ctypes,
         ints[4:].ctypes, reals[1:].ctypes, c.ctypes, ints[0:].ctypes)


@_jit
def _sigmoid_layer(z):
    """a = sigma(z) in place.

    For z << 0, exp(-z) overflows to inf and 1/(1 + inf) is exactly 0.0, the correctly
    rounded answer (compiled code raises no warning for it)."""
    for i in range(z.shape[0]):
        for j in range(z.shape[1]):
            z[i, j] = 1.0 / (1.0 + math.exp(-z[i, j]))


@_jit
def _softmax_layer(z):
    """a = softmax(z) in place along each row (Eq. 78), shifted by the row's maximum so
    that no exponent is positive."""
    for i in range(z.shape[0]):
        top = z[i].max()
        total = 0.0
        for j in range(z.shape[1]):
            z[i, j] = math.exp(z[i, j] - top)
            total += z[i, j]
        for j in range(z.shape[1]):
            z[i, j] /= total


@_jit
def _forward(weights, biases, acts, output, gemm):
    """z^l = w^l a^{l-1} + b^l and a^l = sigma(z^l) for every layer, in rows (so
    z^l = a^{l-1} (w^l)^T + (b^l)^T): ``acts[0]`` holds the inputs and ``acts[l]``
    receives z^l, then a^l in its place. The last layer's activation is ``output``
    (SIGMOID, SOFTMAX or LINEAR, which leaves a = z)."""
    last = len(weights) - 1
    for l in range(len(weights)):
        z, b = acts[l + 1], biases[l]
        for i in range(z.shape[0]):
            z[i, :] = b[:, 0]
        _product(gemm, acts[l], False, weights[l], True, z, 1.0, 1.0)
        if l < last or output == SIGMOID:
            _sigmoid_layer(z)
        elif output == SOFTMAX:
            _softmax_layer(z)


@_jit
def _backward(weights, acts, deltas, y, error, scale, gemm):
    """BP1 and BP2, each delta^l scaled by ``scale`` (= eta/m; BP2 is linear in delta).

    BP1: delta^L = a^L - y, times sigma'(z^L) = a (1 - a) for ``A_MINUS_Y_SIGMA``.
    BP2: delta^l = (w^{l+1})^T delta^{l+1} * sigma'(z^l); in rows delta^{l+1} w^{l+1}."""
    a, d = acts[len(acts) - 1], deltas[len(deltas) - 1]
    for i in range(d.shape[0]):
        for j in range(d.shape[1]):
            d[i, j] = scale * (a[i, j] - y[i, j])
            if error == A_MINUS_Y_SIGMA:
                d[i, j] *= a[i, j] * (1.0 - a[i, j])
    for l in range(len(deltas) - 2, -1, -1):
        d, a = deltas[l], acts[l + 1]
        _product(gemm, deltas[l + 1], False, weights[l + 1], False, d, 1.0, 0.0)
        for i in range(d.shape[0]):
            for j in range(d.shape[1]):
                d[i, j] *= a[i, j] * (1.0 - a[i, j])


@_jit
def _descend(weights, biases, acts, deltas, decay, gemm):
    """BP3 and BP4 with the step, for the deltas scaled by eta/m:
    w -> decay w - delta^T a^{l-1} (in rows; one BLAS call, no gradient array formed)
    and b -> b - the sum of the delta^l rows."""
    for l in range(len(weights)):
        _product(gemm, deltas[l], True, acts[l], False, weights[l], -1.0, decay)
        b, d = biases[l], deltas[l]
        for j in range(b.shape[0]):
            b[j, 0] -= d[:, j].sum()


@_jit
def _batch_buffers(weights, rows, n_out, dtype):
    """Arrays for a mini-batch of ``rows`` examples: activations a^0..a^L (a^0 = x),
    deltas and weight gradients per layer, and the targets y."""
    acts = [np.empty((rows, weights[0].shape[1]), dtype)]
    deltas = []
    for w in weights:
        acts.append(np.empty((rows, w.shape[0]), dtype))
        deltas.append(np.empty((rows, w.shape[0]), dtype))
    return acts, deltas, np.empty((rows, n_out), dtype)


@_jit
def _epoch(weights, biases, X, Y, order, m, eta, decay, output, error, gemm):
    """Mini-batches of ``m`` rows of X, Y in the given ``order`` (the last may be
    smaller), one gradient step each."""
    n = order.shape[0]
    acts, deltas, y = _batch_buffers(weights, m, Y.shape[1], X.dtype)
    for start in range(0, n, m):
        k = min(m, n - start)
        if k < m:
            acts, deltas, y = _batch_buffers(weights, k, Y.shape[1], X.dtype)
        x = acts[0]
        for i in range(k):
            x[i, :] = X[order[start + i]]
            y[i, :] = Y[order[start + i]]
        _forward(weights, biases, acts, output, gemm)
        _backward(weights, acts, deltas, y, error, eta / k, gemm)
        _descend(weights, biases, acts, deltas, decay, gemm)


def sgd_epoch(weights, biases, X, Y, order, mini_batch_size, eta, decay, output, error):
    """Train ``weights`` and ``biases`` (lists of C-contiguous arrays of X's dtype, updated
    in place) for one epoch over the rows ``order`` of X (n, n_in) and Y (n, n_out), in
    mini-batches of ``mini_batch_size`` (the last may be smaller)."""
    m = min(mini_batch_size, len(order))
    _epoch(List(weights), List(biases), X, Y, np.asarray(order, dtype=np.int64), m,
           float(eta), float(decay), output, error, GEMM[X.dtype])
