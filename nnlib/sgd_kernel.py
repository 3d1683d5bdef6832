"""The compiled engine: one epoch of mini-batch SGD, compiled to machine code by numba.

``Network.SGD(..., engine="compiled")`` trains with it, and ``engine="auto"`` (the
default) does whenever it can; ``engine="numpy"`` trains with ``Network``'s own numpy
code, the readable reference this module must equal.

Why this exists: at the book's mini-batch size of 10 the matrices are tiny, and a numpy
version of a training step spends most of its time in the ~25 numpy calls it makes,
not in arithmetic. Here the whole epoch is compiled: the matrix products go to BLAS
(called directly, see ``_product``), and everything element-wise (bias, sigmoid, softmax,
the output error, sigma'(z), the bias update) is a plain loop over the entries, which
numba compiles; a second thread gathers the shuffled examples (``sgd_epoch``).
benchmarks/bench_train.py measures the gain.

It computes what ``Network._update_mini_batch`` computes with the numpy engine, for the
cost/output pairs of ``nnlib.network.COMPILED_PAIRS`` (the book's cases), from its own
copy of their arithmetic: sigmoid, softmax and linear output layers (``OUTPUTS``) and
the output errors ``OUTPUT_ERRORS``. tests/test_network.py holds both engines to the
per-example reference of tests/book_reference.py at 1e-12.

Only the compiled engine imports this module, and with it numba and scipy: nnlib
imports and trains (in numpy) without them.

Layout: examples are ROWS here, so a mini-batch of m examples for a layer of n neurons is
an (m, n) array and z^l = a^{l-1} (w^l)^T + (b^l)^T: the same numbers as the book's
columns, transposed, which lets every row gathered from the data be used where it lies.
"""
from __future__ import annotations

import contextlib
import ctypes
import math
import os
import stat
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numba
import numpy as np
from numba.extending import get_cython_function_address

from . import checks

# The output layers the compiled code knows, as it numbers them, by their names in
# nnlib.activations (Sigmoid.name, ...).
_SIGMOID, _SOFTMAX, _LINEAR = 0, 1, 2
OUTPUTS = {"sigmoid": _SIGMOID, "softmax": _SOFTMAX, "linear": _LINEAR}
# The output errors delta^L (BP1) it knows, as it numbers them, by what they compute.
_A_MINUS_Y, _A_MINUS_Y_SIGMA = 0, 1
OUTPUT_ERRORS = {
    "a - y": _A_MINUS_Y,  # Eq. 66 (cross-entropy), Eq. 84 (log-likelihood), Eq. 70 (linear)
    "(a - y) sigma'(z)": _A_MINUS_Y_SIGMA,  # the quadratic cost on sigmoid outputs, Eq. 55
}


def _numba_can_cache():
    """Whether numba finds a writable place for its cache of this module's functions: the
    ``__pycache__`` beside this file, or the user's cache folder. Neither is writable in
    a read-only install used from a read-only home (a system-wide install used by another
    account, a read-only container), and numba then refuses ``cache=True`` outright."""
    def probe():
        pass
    try:
        numba.njit(cache=True)(probe)
        return True
    except RuntimeError:  # "cannot cache function 'probe': no locator available ..."
        return False


def _private_cache_dir():
    """A cache folder in the temporary directory that only this user can write to (and
    so only this user's code can fill with compiled code), or None if there is none."""
    if not hasattr(os, "getuid"):
        return None
    folder = Path(tempfile.gettempdir()) / f"nnlib-numba-cache-{os.getuid()}"
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
        info = os.lstat(folder)
    except OSError:
        return None
    private = (stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid()
               and not info.st_mode & 0o077)
    return folder if private and os.access(folder, os.W_OK) else None


#: Where the compiled functions are cached: numba's own choice (None), a private folder
#: in the temporary directory when numba has none, or nowhere (False: compiled again in
#: each process, a few seconds, rather than failing to import).
_CACHE_DIR = None if _numba_can_cache() else (_private_cache_dir() or False)


def _jit(function):
    """``numba.njit`` (without Python's lock), with the on-disk cache in ``_CACHE_DIR``.
    numba picks a function's cache folder when the function is decorated, so setting its
    CACHE_DIR only meanwhile leaves other modules' numba functions as they were."""
    if not _CACHE_DIR:
        return numba.njit(cache=_CACHE_DIR is None, nogil=True)(function)
    with _numba_setting("CACHE_DIR", str(_CACHE_DIR)):
        return numba.njit(cache=True, nogil=True)(function)


@contextlib.contextmanager
def _numba_setting(name, value):
    kept = getattr(numba.config, name)
    setattr(numba.config, name, value)
    try:
        yield
    finally:
        setattr(numba.config, name, kept)


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
    asked for c^T = alpha op(b)^T op(a)^T + beta c^T, which is the same numbers. Its
    arguments are all pointers, so each number is passed as an element of a small array."""
    rows, cols = c.shape[1], c.shape[0]                   # of c^T, as BLAS sees it
    inner = a.shape[0] if a_transposed else a.shape[1]    # the summed dimension
    # BLAS's M, N, K, then the row lengths of b, a and c (its "leading dimensions")
    dims = np.array([rows, cols, inner, b.shape[1], a.shape[1], c.shape[1]], np.int32)
    scalars = np.array([alpha, beta], c.dtype)
    ops = np.array([ord("T" if b_transposed else "N"), ord("T" if a_transposed else "N")],
                   np.uint8)
    gemm(ops[0:].ctypes, ops[1:].ctypes, dims[0:].ctypes, dims[1:].ctypes, dims[2:].ctypes,
         scalars[0:].ctypes, b.ctypes, dims[3:].ctypes, a.ctypes, dims[4:].ctypes,
         scalars[1:].ctypes, c.ctypes, dims[5:].ctypes)


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
def _forward(weights, biases, x, acts, output, gemm):
    """z^l = w^l a^{l-1} + b^l and a^l = sigma(z^l) for every layer, in rows (so
    z^l = a^{l-1} (w^l)^T + (b^l)^T), from the inputs a^0 = ``x``.

    Numbering: the lists count from 0 and the book's layers from 1, so ``weights[i]``,
    ``biases[i]``, ``acts[i]`` and (in ``_backward``) ``deltas[i]`` are w, b, a and delta
    of the book's layer i + 1. ``acts[i]`` receives z, then a in its place (which is why
    sigma'(z) is computed later as a (1 - a)). The last layer's activation is ``output``
    (_SIGMOID, _SOFTMAX or _LINEAR, which leaves a = z)."""
    last = len(weights) - 1
    for l in range(len(weights)):
        z, b = acts[l], biases[l]
        for i in range(z.shape[0]):
            z[i, :] = b[:, 0]
        if l == 0:
            _product(gemm, x, False, weights[l], True, z, 1.0, 1.0)
        else:
            _product(gemm, acts[l - 1], False, weights[l], True, z, 1.0, 1.0)
        if l < last or output == _SIGMOID:
            _sigmoid_layer(z)
        elif output == _SOFTMAX:
            _softmax_layer(z)


@_jit
def _backward(weights, acts, deltas, y, output_error, scale, gemm):
    """BP1 and BP2, each delta^l scaled by ``scale`` (= eta/m; BP2 is linear in delta).

    BP1: delta^L = a^L - y, times sigma'(z^L) = a (1 - a) for ``_A_MINUS_Y_SIGMA``.
    BP2: delta^l = (w^{l+1})^T delta^{l+1} * sigma'(z^l); in rows delta^{l+1} w^{l+1}."""
    last = len(deltas) - 1
    a, d = acts[last], deltas[last]
    for i in range(d.shape[0]):
        for j in range(d.shape[1]):
            d[i, j] = scale * (a[i, j] - y[i, j])
            if output_error == _A_MINUS_Y_SIGMA:
                d[i, j] *= a[i, j] * (1.0 - a[i, j])
    for l in range(last - 1, -1, -1):
        d, a = deltas[l], acts[l]
        _product(gemm, deltas[l + 1], False, weights[l + 1], False, d, 1.0, 0.0)
        for i in range(d.shape[0]):
            for j in range(d.shape[1]):
                d[i, j] *= a[i, j] * (1.0 - a[i, j])


@_jit
def _descend(weights, biases, x, acts, deltas, decay, gemm):
    """BP3 and BP4 with the step, for the deltas scaled by eta/m:
    w -> decay w - delta^T a^{l-1} (in rows; one BLAS call, no gradient array formed)
    and b -> b - the sum of the delta^l rows."""
    for l in range(len(weights)):
        w = weights[l]  # decay > 0 (sgd_epoch checks): BLAS skips reading c when beta = 0
        if l == 0:
            _product(gemm, deltas[l], True, x, False, w, -1.0, decay)
        else:
            _product(gemm, deltas[l], True, acts[l - 1], False, w, -1.0, decay)
        b, d = biases[l], deltas[l]
        for j in range(b.shape[0]):
            b[j, 0] -= d[:, j].sum()


@_jit
def _batch_buffers(weights, rows, dtype):
    """a^l and delta^l of every layer for a mini-batch of ``rows`` examples."""
    acts = [np.empty((rows, w.shape[0]), dtype) for w in weights]
    deltas = [np.empty((rows, w.shape[0]), dtype) for w in weights]
    return acts, deltas


@_jit
def _gather(X, Y, rows, xs, ys):
    """Copy the rows ``rows`` of X and Y, in that order, into xs and ys."""
    for i in range(rows.shape[0]):
        xs[i, :] = X[rows[i]]
        ys[i, :] = Y[rows[i]]


@_jit
def _train(xs, ys, weights, biases, m, eta, decay, output, output_error, gemm):
    """One gradient step per ``m`` consecutive rows of xs, ys (the last may be fewer)."""
    n = xs.shape[0]
    acts, deltas = _batch_buffers(weights, m, xs.dtype)
    for start in range(0, n, m):
        k = min(m, n - start)
        if k < m:
            acts, deltas = _batch_buffers(weights, k, xs.dtype)
        x, y = xs[start:start + k], ys[start:start + k]
        _forward(weights, biases, x, acts, output, gemm)
        _backward(weights, acts, deltas, y, output_error, eta / k, gemm)
        _descend(weights, biases, x, acts, deltas, decay, gemm)


#: Bytes of examples gathered per chunk (whole mini-batches, at least one): two chunks of
#: 784 float64 inputs are then about 1,000 examples each and fit in a typical L3 cache.
CHUNK_BYTES = 6_000_000


def chunk_rows(n, m, row_bytes):
    """Rows per gathered chunk for n examples of ``row_bytes`` each in mini-batches of m:
    whole mini-batches within CHUNK_BYTES (but at least one), and never more than n."""
    return min(n, m * max(1, CHUNK_BYTES // (row_bytes * m)))


def _check_epoch(weights, biases, X, Y, order, mini_batch_size, eta, decay, output,
                 output_error):
    """Check everything ``sgd_epoch`` hands to compiled code, which does no checking of its
    own: a wrong shape or an index out of range there reads or writes outside an array and
    kills the process (a segmentation fault) instead of raising. Returns ``order`` as
    int64, the mini-batch size as an int, and the output layer and output error as the
    compiled code numbers them. O(layers + len(order))."""
    arrays = {"X": X, "Y": Y}
    if not isinstance(weights, (list, tuple)) or not isinstance(biases, (list, tuple)) \
            or not weights or len(weights) != len(biases):
        raise ValueError("sgd_epoch: weights and biases must be lists of one array per "
                         f"layer, of the same length (at least 1); got "
                         f"{type(weights).__name__} and {type(biases).__name__}")
    arrays.update({f"weights[{l}]": w for l, w in enumerate(weights)})
    arrays.update({f"biases[{l}]": b for l, b in enumerate(biases)})
    for name, a in arrays.items():
        if not isinstance(a, np.ndarray) or a.ndim != 2:
            raise ValueError(f"sgd_epoch: {name} must be a 2-D numpy array; got "
                             f"{type(a).__name__} of shape {np.shape(a)}")
        updated = name not in ("X", "Y")  # the data is only read
        if (a.dtype != X.dtype or a.dtype not in GEMM or not a.flags.c_contiguous
                or (updated and not a.flags.writeable)):
            raise ValueError(f"sgd_epoch needs C-ordered arrays of one dtype, the weights "
                             f"and biases writable (float32 or float64); {name} is {a.dtype} "
                             f"{a.shape}, C-ordered {a.flags.c_contiguous}, writable "
                             f"{a.flags.writeable}")
    n_in = X.shape[1]
    for l, (w, b) in enumerate(zip(weights, biases)):
        if w.shape[1] != n_in or b.shape != (w.shape[0], 1):
            raise ValueError(f"sgd_epoch: weights[{l}] has shape {w.shape} and biases[{l}] "
                             f"{b.shape}; after {n_in} inputs they must be (n, {n_in}) and "
                             "(n, 1)")
        n_in = w.shape[0]
    if Y.shape != (X.shape[0], n_in):
        raise ValueError(f"sgd_epoch: Y has shape {Y.shape}; X {X.shape} and the last layer's "
                         f"{n_in} neurons need {(X.shape[0], n_in)}")
    order = np.asarray(order)
    if order.ndim != 1 or order.dtype.kind not in "iu":
        raise ValueError(f"sgd_epoch: order must be a 1-D array of row indices (integers); got "
                         f"{order.dtype} of shape {order.shape}")
    if order.size and (order.min() < 0 or order.max() >= X.shape[0]):
        raise ValueError(f"sgd_epoch: order holds indices from {order.min()} to {order.max()}; "
                         f"X has {X.shape[0]} rows, so they must be 0..{X.shape[0] - 1}")
    m = checks.integer("sgd_epoch: mini_batch_size", mini_batch_size, minimum=1)
    for name, value in (("eta", eta), ("decay", decay)):
        checks.real(f"sgd_epoch: {name}", value, positive=True)
    if output not in OUTPUTS or output_error not in OUTPUT_ERRORS:
        raise ValueError(f"sgd_epoch: output must be one of {sorted(OUTPUTS)} and "
                         f"output_error one of {sorted(OUTPUT_ERRORS)}; got {output!r}, "
                         f"{output_error!r}")
    return (order.astype(np.int64, copy=False), m, OUTPUTS[output],
            OUTPUT_ERRORS[output_error])


def sgd_epoch(weights, biases, X, Y, order, mini_batch_size, eta, decay, output,
              output_error):
    """Train ``weights`` and ``biases`` (lists of writable C-ordered arrays of X's dtype,
    updated in place; ``Network.SGD`` prepares them) for one epoch over the rows ``order``
    of X (n, n_in) and Y (n, n_out), in mini-batches of ``mini_batch_size`` (the last may
    be smaller): w -> decay w - (eta / m) nabla_w, b -> b - (eta / m) nabla_b. ``output``
    names the output layer (a key of ``OUTPUTS``: "sigmoid", "softmax" or "linear"),
    ``output_error`` the output error delta^L (a key of ``OUTPUT_ERRORS``).

    Rows picked at random are scattered through memory, and fetching them took about a
    fifth of a [784, 30, 10] step. So when the data spans several chunks, a second thread
    gathers the next chunk of rows into a contiguous buffer while this one trains on the
    current chunk (both run compiled, without Python's lock). Chunks hold whole
    mini-batches, so the steps are the same.

    Every argument is checked first (``_check_epoch``): bad ones raise a ValueError
    instead of reaching compiled code that would crash the process."""
    order, m, output, output_error = _check_epoch(weights, biases, X, Y, order,
                                                  mini_batch_size, eta, decay, output,
                                                  output_error)
    n = len(order)
    chunk = chunk_rows(n, m, X.shape[1] * X.itemsize)
    # tuples: numba compiles one version per number of layers and caches it on disk,
    # where a numba.typed.List compiled its own methods again in every process (0.5 s)
    train = (tuple(weights), tuple(biases), m, float(eta), float(decay), output, output_error,
             GEMM[X.dtype])
    buffers = [(np.empty((chunk, X.shape[1]), X.dtype), np.empty((chunk, Y.shape[1]), Y.dtype))
               for _ in range(2 if chunk < n else 1)]

    def gather(start, buffer):
        rows = order[start:start + chunk]
        _gather(X, Y, rows, *buffer)
        return buffer[0][:len(rows)], buffer[1][:len(rows)]

    if chunk == n:  # one chunk: nothing to overlap, so no second thread
        _train(*gather(0, buffers[0]), *train)
        return
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="nnlib-gather") as gatherer:
        pending = gatherer.submit(gather, 0, buffers[0])
        for i, start in enumerate(range(0, n, chunk)):
            xs, ys = pending.result()
            if start + chunk < n:
                pending = gatherer.submit(gather, start + chunk, buffers[(i + 1) % 2])
            _train(xs, ys, *train)
