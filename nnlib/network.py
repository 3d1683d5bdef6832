"""A feedforward network trained by mini-batch gradient descent and backpropagation.

The class has the methods and signatures of the book's ``network2.py`` (chapter 3), so
the book's session runs as written, in Python 3 (``from nnlib import network2``). What
differs, and why:

* A mini-batch is processed as one matrix, its examples as columns, instead of one
  example at a time. The numbers are the same (the per-example gradients are simply
  summed by the matrix product); tests/test_network.py checks that against a plain
  per-example implementation to 1e-12. It is many times faster (benchmarks/). For the
  book's cost/output pairs, ``SGD`` runs each epoch as one compiled loop
  (``nnlib.sgd_kernel``, the same arithmetic); other pairs use ``_step`` below.
* The output layer can be sigmoid (the book's), softmax (Eq. 78, for the log-likelihood
  cost of Eq. 80) or linear (Eqs. 68-70). It defaults to the one the cost is paired with.
* Shuffling uses the network's own seeded generator and never reorders the caller's
  list; training data may be a list, a one-pass iterator (a Python 3 ``zip``) or arrays.
* ``accuracy`` and ``total_cost`` detect whether labels are integers or one-hot vectors.
  The book's ``convert`` flags, which mean opposite things in the two methods, still
  work; the keyword ``one_hot`` means the same thing in both.
* The L2 term in ``total_cost`` can use the training-set size, as the weight-decay step
  of SGD does (Eq. 85 and the update after it), and ``SGD`` passes it when monitoring.
* Costs are reported from the weighted inputs (``cost.fn_z``), so they stay finite and
  accurate when output neurons saturate.

Notation follows the book: layer l has weights w^l of shape (n_l, n_{l-1}) and biases
b^l of shape (n_l, 1); z^l = w^l a^{l-1} + b^l; a^l = sigma(z^l).
"""
from __future__ import annotations

import contextlib
import inspect
import json
import math
import numbers
import operator
import os
import sys
import threading
import warnings
from pathlib import Path

import numpy as np
from threadpoolctl import ThreadpoolController
from tqdm.auto import tqdm

from . import sgd_kernel
from .activations import DEFINED_METHODS as LAYER_METHODS
from .activations import OUTPUT_LAYERS, Linear, Sigmoid, Softmax, real_array
from .costs import COSTS, CrossEntropyCost, LogLikelihoodCost, QuadraticCost
from .costs import DEFINED_METHODS as COST_METHODS
from .fileio import write_json_atomic

_EVAL_CHUNK = 10_000  # examples per forward pass when evaluating (bounds memory)
_blas = None  # threadpoolctl controller, made on first use (it scans loaded libraries)
_blas_lock = threading.Lock()  # guards the two below
_blas_limit = None  # the one-thread limit in force while _blas_users > 0
_blas_users = 0  # trainings running now, in any thread

#: The (cost, output layer) pairs the compiled epoch of nnlib.sgd_kernel trains, each with
#: the output error delta^L (BP1) it gives and the cost's method that the numpy path would
#: call for it. Exact classes only (a subclass may change delta).
_KERNEL_ERRORS = {
    (CrossEntropyCost, Sigmoid): (sgd_kernel.A_MINUS_Y, "delta"),         # Eq. 66
    (LogLikelihoodCost, Softmax): (sgd_kernel.A_MINUS_Y, "delta"),        # Eq. 84
    (QuadraticCost, Sigmoid): (sgd_kernel.A_MINUS_Y_SIGMA, "delta"),      # Eq. 55
    (QuadraticCost, Linear): (sgd_kernel.A_MINUS_Y, "grad_a"),            # Eq. 70
}
#: The methods the kernel stands in for, as nnlib defines them: a reader who patches one
#: (to experiment with a different delta or activation) gets the numpy path, which calls it.
_ORIGINALS = {**LAYER_METHODS, **COST_METHODS}
_KERNEL_OUTPUTS = {Sigmoid: sgd_kernel.SIGMOID, Softmax: sgd_kernel.SOFTMAX,
                   Linear: sgd_kernel.LINEAR}


@contextlib.contextmanager
def _single_thread_blas():
    """A context in which BLAS uses one thread.

    Mini-batch products are small; on two cores a second BLAS thread made them several
    times slower, so training holds BLAS to one thread (evaluation, with big products,
    keeps the default). The limit is process-wide, so networks training in several
    threads at once share one: the first to start sets it, the last to finish lifts it.
    """
    global _blas, _blas_limit, _blas_users
    with _blas_lock:
        if _blas_users == 0:
            if _blas is None:
                _blas = ThreadpoolController()
            _blas_limit = _blas.limit(limits=1, user_api="blas")
        _blas_users += 1
    try:
        yield
    finally:
        with _blas_lock:
            _blas_users -= 1
            if _blas_users == 0:
                _blas_limit.restore_original_limits()


def one_hot_rows(labels, n_classes: int) -> np.ndarray:
    """Integer labels (n,) -> one-hot rows (n, n_classes): row i has a 1 at labels[i]."""
    labels = np.asarray(labels)
    out = np.zeros((labels.size, n_classes))
    out[np.arange(labels.size), labels.reshape(-1)] = 1.0
    return out


class _Data:
    """A data set as arrays, one example per row: X (n, n_in), Y (n, n_out) targets, and
    labels (n,) ints when the targets are one-hot (classification), else None."""

    def __init__(self, X, Y, labels):
        self.X, self.Y, self.labels = X, Y, labels

    def __len__(self):
        return len(self.X)


class _Buffers:
    """Arrays reused by every mini-batch of size m, so training allocates nothing."""

    def __init__(self, sizes, m, dtype):
        self.x = np.empty((m, sizes[0]), dtype)   # gathered input rows (m, n_in)
        self.y = np.empty((m, sizes[-1]), dtype)  # gathered target rows (m, n_out)
        self.zs = [np.empty((n, m), dtype) for n in sizes[1:]]       # z^l  (n_l, m)
        self.acts = [np.empty((n, m), dtype) for n in sizes[1:]]     # a^l  (n_l, m)
        self.deltas = [np.empty((n, m), dtype) for n in sizes[1:]]   # delta^l (n_l, m)
        self.sp = [np.empty((n, m), dtype) for n in sizes[1:-1]]     # sigma'(z^l) hidden
        self.gw = [np.empty((n, k), dtype) for k, n in zip(sizes[:-1], sizes[1:])]
        self.gb = [np.empty((n, 1), dtype) for n in sizes[1:]]


def _check_positive_int(name, value, minimum=1):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}; got {value!r}")


def _physical_memory():
    """Bytes of RAM on this machine, or None where the system does not say."""
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None


def _check_sizes(sizes):
    """``sizes`` as a list of ints, after checking it lists at least two layers of at least
    one neuron and that their weights and biases would fit in this machine's memory (so a
    typo such as [784, 10**9, 10] is an error, not minutes of swapping or a MemoryError)."""
    if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__iter__"):
        raise TypeError(f"sizes must be a list of layer sizes, input first, e.g. [784, 30, 10]; "
                        f"got {sizes!r}")
    sizes = list(sizes)
    if len(sizes) < 2:
        raise ValueError(f"sizes must list at least two layers (input and output), "
                         f"e.g. [784, 30, 10]; got {sizes!r}")
    for i, n in enumerate(sizes):
        _check_positive_int(f"sizes[{i}]", n)
    sizes = [int(n) for n in sizes]
    parameters = sum((k + 1) * n for k, n in zip(sizes[:-1], sizes[1:]))
    memory = _physical_memory()
    if memory and parameters * 8 > memory:
        raise ValueError(f"sizes {sizes} need {parameters:,} weights and biases, "
                         f"{parameters * 8 / 2**30:,.1f} GiB in float64, more than this "
                         f"machine's {memory / 2**30:,.1f} GiB of memory; use smaller layers")
    return sizes


def _check_cost_class(cost):
    if not isinstance(cost, type) or not callable(getattr(cost, "fn", None)):
        raise TypeError(f"cost must be a class with fn(a, y) and delta(z, a, y), such as "
                        f"nnlib.costs.CrossEntropyCost; got {cost!r}")


def _check_cost(cost, output):
    """Check that ``cost`` has the methods training with ``output`` calls, each taking the
    book's arguments: ``fn(a, y)``, and ``delta(z, a, y)`` when ``output`` is the layer the
    cost is paired with, else ``grad_a(a, y)`` (delta^L is then J^T dC/da)."""
    paired = output is getattr(cost, "output_layer", Sigmoid)
    needed = {"fn": ("a", "y", "to report the cost (total_cost, monitoring)")}
    if paired:
        needed["delta"] = ("z", "a", "y", f"for the output error delta^L with its own "
                                          f"{output.name} output layer (BP1)")
    else:
        needed["grad_a"] = ("a", "y", f"for dC/da: with a {output.name} output layer, not the "
                                      f"cost's own, delta^L = J^T dC/da (BP1)")
    for name, (*args, why) in needed.items():
        method = getattr(cost, name, None)
        if not callable(method):
            raise TypeError(f"cost {getattr(cost, '__name__', cost)!r} has no method "
                            f"{name}({', '.join(args)}), needed {why}; see nnlib.costs for "
                            f"examples")
        try:
            signature = inspect.signature(method)
        except (TypeError, ValueError):
            continue  # a builtin or C function: nothing to check
        try:
            signature.bind(*args)
        except TypeError:
            hint = (" (did you forget @staticmethod?)"
                    if next(iter(signature.parameters), None) == "self" else "")
            raise TypeError(f"cost.{name} must take ({', '.join(args)}); its signature is "
                            f"{signature}{hint}") from None


def _parameter_shapes(sizes):
    """The shapes of a network's ``weights`` ((n_l, n_{l-1}) each) and ``biases``
    ((n_l, 1) each) for layer sizes ``sizes``."""
    return {"weights": [(n, k) for k, n in zip(sizes[:-1], sizes[1:])],
            "biases": [(n, 1) for n in sizes[1:]]}


def _check_real(name, value, positive):
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and np.isfinite(value)
    if not ok or (value <= 0 if positive else value < 0):
        bound = "> 0" if positive else ">= 0"
        raise ValueError(f"{name} must be a finite number {bound}; got {value!r}")


class Network:
    """A network of sigmoid layers with an output layer chosen by the cost.

    ``sizes`` lists the neurons per layer, input first: ``[784, 30, 10]``. ``cost`` is a
    class from ``nnlib.costs`` (or any class with the book's ``fn`` and ``delta``).
    ``output`` overrides the output layer: ``nnlib.activations.Sigmoid``, ``Softmax``,
    ``Linear`` or their names. ``dtype`` may be ``np.float32`` for speed. ``seed`` seeds
    the generator used for the initial weights and for shuffling, so a run repeats exactly.
    """

    def __init__(self, sizes, cost=CrossEntropyCost, output=None, *, dtype=np.float64, seed=None):
        sizes = _check_sizes(sizes)
        _check_cost_class(cost)
        dtype = np.dtype(dtype)
        if dtype not in (np.float32, np.float64):
            raise ValueError(f"dtype must be float32 or float64; got {dtype}")
        self.sizes = sizes
        self._cost = cost
        self.output = getattr(cost, "output_layer", Sigmoid) if output is None else output
        self.dtype = dtype
        self.rng = np.random.default_rng(seed)
        self.default_weight_initializer()

    @property
    def cost(self):
        """The cost class (fn, delta, ...). Assigning one checks it, with the output layer,
        as the constructor does."""
        return self._cost

    @cost.setter
    def cost(self, cost):
        _check_cost_class(cost)
        _check_cost(cost, self.output)
        self._cost = cost

    @property
    def output(self):
        """The output layer (Sigmoid, Softmax or Linear; a name such as "linear" may be
        assigned). Assigning one checks that the cost has what it needs with it."""
        return self._output

    @output.setter
    def output(self, output):
        if isinstance(output, str):
            if output not in OUTPUT_LAYERS:
                raise ValueError(f"output must be one of {sorted(OUTPUT_LAYERS)}; got {output!r}")
            output = OUTPUT_LAYERS[output]
        if output not in OUTPUT_LAYERS.values():
            raise TypeError(f"output must be nnlib.activations.Sigmoid, Softmax or Linear; "
                            f"got {output!r}")
        _check_cost(self.cost, output)
        self._output = output

    @property
    def num_layers(self):
        """The number of layers, input included (the book's attribute): always
        len(sizes), so a reader who changes ``sizes`` cannot leave it stale."""
        return len(self.sizes)

    # -- initialisation ------------------------------------------------------------
    def default_weight_initializer(self):
        """Weights N(0, 1/n_in) (standard deviation 1/sqrt(n_in)), biases N(0, 1).

        Dividing by sqrt(n_in) keeps each z of order 1, so hidden neurons start
        unsaturated (chapter 3, "Weight initialization")."""
        shapes = self._shapes()
        self.biases = [self._normal(shape) for shape in shapes["biases"]]
        self.weights = [self._normal((n, k)) / math.sqrt(k) for n, k in shapes["weights"]]

    def large_weight_initializer(self):
        """Weights and biases N(0, 1), as in chapter 1 (and the book's MNIST table)."""
        shapes = self._shapes()
        self.biases = [self._normal(shape) for shape in shapes["biases"]]
        self.weights = [self._normal(shape) for shape in shapes["weights"]]

    def _shapes(self):
        """The shapes of ``weights`` ((n_l, n_{l-1}) each) and ``biases`` ((n_l, 1) each)."""
        return _parameter_shapes(self.sizes)

    def _normal(self, shape):
        return self.rng.standard_normal(shape).astype(self.dtype, copy=False)

    # -- forward and backward ------------------------------------------------------
    def _forward(self, a, bufs=None):
        """z^l = w^l a^{l-1} + b^l and a^l for every layer; a (n_in, m) -> lists of (n_l, m).

        Hidden layers are sigmoid; the last uses ``self.output``. With ``bufs`` the
        results are written into its arrays."""
        zs, acts = [], []
        last = self.num_layers - 2
        for l, (w, b) in enumerate(zip(self.weights, self.biases)):
            z = np.matmul(w, a, out=None if bufs is None else bufs.zs[l])
            z += b
            layer = self.output if l == last else Sigmoid
            a = layer.fn(z, out=None if bufs is None else bufs.acts[l])
            zs.append(z)
            acts.append(a)
        return zs, acts

    def _output_delta(self, z, a, y):
        """BP1, delta^L = dC/dz^L. The cost's own ``delta`` when the output layer is the
        one it is paired with (Eqs. 66, 84; (a - y) sigma'(z) for the quadratic cost);
        otherwise the chain rule through the output layer (e.g. Eq. 68 for linear)."""
        if self.output is getattr(self.cost, "output_layer", Sigmoid):
            delta, method = self.cost.delta(z, a, y), "delta(z, a, y)"
        else:
            grad, method = self.cost.grad_a(a, y), "grad_a(a, y)"
            if np.shape(grad) == np.shape(a):
                return self.output.backward(z, a, grad)
            delta = grad
        if np.shape(delta) != np.shape(z):  # a cost class of the reader's own
            raise ValueError(f"{getattr(self.cost, '__name__', self.cost)}.{method} returned "
                             f"shape {np.shape(delta)}; it must return one value per output "
                             f"neuron and example, the shape of z, {np.shape(z)}")
        return delta

    def _backprop(self, x, y, bufs, scale=1.0):
        """Equations BP1-BP4 for a mini-batch: x (n_in, m), y (n_out, m).

        Leaves scale * dC/dw^l in ``bufs.gw`` and scale * dC/db^l in ``bufs.gb``, where C
        is the cost summed over the m examples. Scaling delta^L first scales every
        delta^l (BP2 is linear in delta), so SGD's eta/m costs one small multiply."""
        zs, acts = self._forward(x, bufs)
        np.multiply(self._output_delta(zs[-1], acts[-1], y), scale, out=bufs.deltas[-1])
        for l in range(self.num_layers - 3, -1, -1):
            # BP2: delta^l = (w^{l+1})^T delta^{l+1} * sigma'(z^l), sigma' = a (1 - a)
            delta = np.matmul(self.weights[l + 1].T, bufs.deltas[l + 1], out=bufs.deltas[l])
            sp = np.subtract(1, acts[l], out=bufs.sp[l])
            sp *= acts[l]
            delta *= sp
        inputs = [x] + acts[:-1]
        for l, delta in enumerate(bufs.deltas):
            np.add.reduce(delta, axis=1, keepdims=True, out=bufs.gb[l])  # BP3: dC/db = delta
            np.matmul(delta, inputs[l].T, out=bufs.gw[l])                # BP4: dC/dw = delta a^T

    def backprop(self, x, y):
        """Gradients of the cost for examples x (n_in, m) with targets y (n_out, m).

        Returns ``(nabla_b, nabla_w)``, lists shaped like ``biases`` and ``weights``,
        holding dC/db and dC/dw for C summed over the m columns (for one column, exactly
        the book's ``backprop(x, y)``)."""
        self._check_parameters(copy=False)
        x = self._columns(x, self.sizes[0], "x")
        y = self._columns(y, self.sizes[-1], "y")
        self._check_target_range(y.T, "y")
        if x.shape[1] != y.shape[1]:
            raise ValueError(f"x has {x.shape[1]} examples (columns) but y has {y.shape[1]}")
        bufs = _Buffers(self.sizes, x.shape[1], self.dtype)
        self._backprop(x, y, bufs)
        return bufs.gb, bufs.gw

    def summed_cost(self, x, y):
        """The cost (no L2 term) summed over examples x (n_in, m), targets y (n_out, m):
        the C whose gradients ``backprop`` returns."""
        self._check_parameters(copy=False)
        x = self._columns(x, self.sizes[0], "x")
        zs, acts = self._forward(x)
        return self._cost_sum(zs[-1], acts[-1], self._columns(y, self.sizes[-1], "y"))

    def feedforward(self, a):
        """The network's output for input a: (n_in, 1) as in the book, or (n_in, m) for m
        examples at once (a 1-D (n_in,) vector is taken as one column)."""
        self._check_parameters(copy=False, finite=False)
        return self._forward(self._columns(a, self.sizes[0], "a"))[1][-1]

    def _columns(self, a, n, name):
        """``a`` as (n, m) columns of the network's dtype; NaN or inf raise, as in SGD."""
        a = real_array(a, name).astype(self.dtype, copy=False)
        if a.ndim == 1:
            a = a.reshape(-1, 1)
        if a.ndim != 2 or a.shape[0] != n:
            raise ValueError(f"{name} must have shape ({n}, 1) or ({n}, m), one column per "
                             f"example; got shape {a.shape}")
        _check_finite(a.T, name, "values")
        return a

    # -- training ------------------------------------------------------------------
    def SGD(self, training_data, epochs, mini_batch_size, eta, lmbda=0.0, evaluation_data=None,
            monitor_evaluation_cost=False, monitor_evaluation_accuracy=False,
            monitor_training_cost=False, monitor_training_accuracy=False,
            *, shuffle=True, progress=None, verbose=True, after_epoch=None):
        """Train by mini-batch stochastic gradient descent with L2 weight decay.

        Each step is w -> (1 - eta lmbda / n) w - (eta / m) sum_x dC_x/dw and
        b -> b - (eta / m) sum_x dC_x/db, with n the training-set size and m the
        mini-batch size (the last mini-batch of an epoch may be smaller, as in the book).

        Returns the four monitored lists (evaluation cost, evaluation accuracy, training
        cost, training accuracy), accuracies as counts of correct examples; a list stays
        empty unless its ``monitor_*`` flag is set. ``shuffle=False`` keeps the given
        order; ``verbose`` prints the book's per-epoch lines; ``progress`` shows a progress
        bar over epochs (by default only when ``verbose`` is False: the book's lines
        already show how far training has got); ``after_epoch(epoch)``, if given, is
        called after each epoch (numbered from 0) and its monitoring, e.g. to evaluate
        other data.
        """
        _check_positive_int("epochs", epochs, minimum=0)
        _check_positive_int("mini_batch_size", mini_batch_size)
        _check_real("eta (the learning rate)", eta, positive=True)
        _check_real("lmbda (the L2 regularisation parameter)", lmbda, positive=False)
        # numpy scalars too: as Python numbers, both training paths compute in the same types
        epochs, mini_batch_size = int(epochs), int(mini_batch_size)
        eta, lmbda = float(eta), float(lmbda)
        train = self._data(training_data, "training_data")
        evaluation = None
        if evaluation_data is not None:
            evaluation = self._data(evaluation_data, "evaluation_data")
        elif monitor_evaluation_cost or monitor_evaluation_accuracy:
            raise ValueError("monitor_evaluation_cost/accuracy need evaluation_data")
        if after_epoch is not None and not callable(after_epoch):
            raise TypeError(f"after_epoch must be a function of the epoch number or None; "
                            f"got {type(after_epoch).__name__}")
        n = len(train)
        m = min(mini_batch_size, n)
        decay = 1.0 - eta * lmbda / n
        if decay <= 0:
            raise ValueError(f"eta * lmbda / n = {eta:g} * {lmbda:g} / {n} = {1 - decay:g} >= 1: "
                             f"the weight decay 1 - eta lmbda / n would be {decay:g}, flipping "
                             f"the weights' sign every step; use lmbda < n / eta = {n / eta:g}")
        if getattr(self.cost, "target_range", None) is not None and self.output is Linear:
            raise ValueError(f"{self.cost.__name__} takes logarithms of the outputs, which a "
                             f"linear output layer lets leave (0, 1) as it trains; train it "
                             f"with a sigmoid or softmax output layer, or linear outputs with "
                             f"the QuadraticCost (Eqs. 68-70)")
        self._check_parameters()
        epoch_step = self._epoch_step()
        eval_cost, eval_acc, train_cost, train_acc = [], [], [], []
        progress = not verbose if progress is None else progress
        for epoch in tqdm(range(epochs), desc="epochs", disable=not progress):
            order = self.rng.permutation(n) if shuffle else np.arange(n)
            with _single_thread_blas():  # also for the watch: BLAS threads woken for its
                if epoch == 0:           # products would spin and slow the epoch down
                    watch = _DivergenceWatch(self, train, eta)
                epoch_step(train, order, m, eta, decay)
                watch.after(epoch)
            if verbose:
                print(f"Epoch {epoch} training complete")
            for data, flags, costs, accs, label in (
                    (train, (monitor_training_cost, monitor_training_accuracy),
                     train_cost, train_acc, "training"),
                    (evaluation, (monitor_evaluation_cost, monitor_evaluation_accuracy),
                     eval_cost, eval_acc, "evaluation")):
                if not any(flags):
                    continue
                cost, correct = self._evaluate(data, lmbda, n, *flags)
                if flags[0]:
                    costs.append(cost)
                    if verbose:
                        print(f"Cost on {label} data: {cost}")
                if flags[1]:
                    accs.append(correct)
                    if verbose:
                        print(f"Accuracy on {label} data: {correct} / {len(data)}")
            if after_epoch is not None:
                after_epoch(epoch)
        return eval_cost, eval_acc, train_cost, train_acc

    def _kernel_error(self):
        """The compiled kernel's code for this network's output error, or None when the
        kernel can't stand in for the numpy path (then ``_epoch`` trains): a cost/output
        pair it doesn't know, or a method it relies on that has been patched."""
        pair = (self.cost, self.output)
        if pair not in _KERNEL_ERRORS:
            return None
        code, method = _KERNEL_ERRORS[pair]
        relied_on = [(self.cost, method), (Sigmoid, "fn"), (self.output, "fn"),
                     (self.output, "backward")]
        unpatched = all(getattr(owner, name) is _ORIGINALS[owner, name]
                        for owner, name in relied_on)
        return code if unpatched else None

    def _epoch_step(self):
        """The function that trains one epoch, ``(train, order, m, eta, decay)``: the
        compiled kernel where it stands in for the numpy path, else ``_epoch``."""
        error = self._kernel_error()
        if error is None:
            return self._epoch
        output = _KERNEL_OUTPUTS[self.output]
        return lambda train, order, m, eta, decay: sgd_kernel.sgd_epoch(
            self.weights, self.biases, train.X, train.Y, order, m, eta, decay, output, error)

    def _epoch(self, train, order, m, eta, decay):
        """One epoch in numpy: a ``_step`` per mini-batch of ``m`` examples of ``order``
        (the last may be smaller)."""
        n = len(order)
        full = _Buffers(self.sizes, m, self.dtype)
        rest = _Buffers(self.sizes, n % m, self.dtype) if n % m else None
        for k in range(0, n, m):
            idx = order[k:k + m]
            bufs = full if len(idx) == m else rest
            self._step(train, idx, bufs, eta / len(idx), decay)

    def _check_parameters(self, copy=True, finite=True):
        """Check that every weight and bias has its layer's shape and holds real numbers,
        finite unless ``finite=False``: a reader may assign them (a 1-D bias would broadcast
        along the examples and give wrong outputs without an error). Every method that
        uses them calls this; it is O(parameters), small beside a forward pass over many
        examples. (``feedforward`` skips the finiteness pass, which would double the time
        of a one-column call: a NaN weight shows there as NaN outputs, in plain view.)

        With ``copy`` (before training), give the network its own copies, as C-ordered
        arrays of its dtype, which training then updates in place. Copying makes arrays a
        reader assigned safe to train (read-only, another dtype or order, one array used
        twice, or another network's), and leaves the arrays held before the call
        untouched, as the book's SGD does: it makes new arrays at every step."""
        for key, shapes in self._shapes().items():
            arrays = getattr(self, key)
            if not isinstance(arrays, (list, tuple)) or len(arrays) != len(shapes):
                held = (f"holds {len(arrays)} arrays" if isinstance(arrays, (list, tuple))
                        else f"is a {type(arrays).__name__}, not a list of arrays")
                raise ValueError(f"net.{key} {held}; sizes {self.sizes} need {len(shapes)}")
            for i, shape in enumerate(shapes):
                a = real_array(arrays[i], f"net.{key}[{i}]")
                if a.shape != shape:
                    raise ValueError(f"net.{key}[{i}] has shape {a.shape}; sizes "
                                     f"{self.sizes} need {shape}")
                if finite and not np.all(np.isfinite(a)):
                    raise ValueError(f"net.{key}[{i}] contains NaN or inf (did training "
                                     "diverge? retrain with a smaller eta, or reinitialise "
                                     "with net.default_weight_initializer())")
            if copy:
                setattr(self, key, [np.array(a, dtype=self.dtype, order="C") for a in arrays])

    def _step(self, train, idx, bufs, scale, decay):
        """One gradient-descent step on the examples ``idx`` of ``train``."""
        train.X.take(idx, axis=0, out=bufs.x, mode="clip")
        train.Y.take(idx, axis=0, out=bufs.y, mode="clip")
        self._backprop(bufs.x.T, bufs.y.T, bufs, scale)
        for w, b, gw, gb in zip(self.weights, self.biases, bufs.gw, bufs.gb):
            if decay != 1.0:
                w *= decay
            w -= gw
            b -= gb

    # -- evaluation ----------------------------------------------------------------
    def _evaluate(self, data, lmbda, l2_n, want_cost=True, want_accuracy=True):
        """One forward pass over ``data``: (mean cost + L2 term, number correct).

        The L2 term is (lmbda / 2 l2_n) sum ||w||^2 (Eq. 85). Accuracy needs labels."""
        if want_accuracy and data.labels is None:
            raise ValueError("accuracy needs class labels (integers or one-hot targets); "
                             "these targets are not one-hot")
        cost, correct = 0.0, 0
        for k in range(0, len(data), _EVAL_CHUNK):
            zs, acts = self._forward(data.X[k:k + _EVAL_CHUNK].T)
            if want_cost:
                cost += self._cost_sum(zs[-1], acts[-1], data.Y[k:k + _EVAL_CHUNK].T)
            if want_accuracy:
                guesses = np.argmax(acts[-1], axis=0)
                correct += int(np.sum(guesses == data.labels[k:k + _EVAL_CHUNK]))
        cost = cost / len(data) + 0.5 * (lmbda / l2_n) * sum(float(np.sum(w * w))
                                                           for w in self.weights)
        return cost, correct

    def _cost_sum(self, z, a, y):
        """The cost summed over the columns, from z where the cost can (``fn_z``); NaN
        when the outputs are not finite (training diverged, and SGD has said so)."""
        if not np.all(np.isfinite(z)):
            return math.nan
        if self.output is getattr(self.cost, "output_layer", None) and hasattr(self.cost, "fn_z"):
            return self.cost.fn_z(z, y)
        return self.cost.fn(a, y)

    def accuracy(self, data, convert=None, *, one_hot=None):
        """How many examples of ``data`` the network classifies correctly (the output
        neuron with the largest activation is its answer).

        The labels may be integers (validation/test data) or one-hot columns (training
        data); they are detected. ``one_hot=True/False`` states it. The book's
        ``convert=True`` means one-hot here (and the opposite in ``total_cost``); it is
        accepted, and a flag that contradicts the data raises an error saying so."""
        if convert is not None:
            one_hot = self._one_hot_from_convert(one_hot, bool(convert), "accuracy")
        self._check_parameters(copy=False)
        return self._evaluate(self._data(data, "data", one_hot), 0.0, 1, False, True)[1]

    def total_cost(self, data, lmbda, convert=None, *, one_hot=None, training_size=None):
        """Mean cost over ``data`` plus the L2 term (lmbda / 2n) sum ||w||^2 (Eq. 85).

        n is ``training_size`` when given (what SGD's weight decay uses, and what SGD
        passes when it monitors), else the size of ``data`` (as in the book). Labels are
        detected as in ``accuracy``; the book's ``convert=True`` here means the labels are
        integers."""
        _check_real("lmbda", lmbda, positive=False)
        if convert is not None:
            one_hot = self._one_hot_from_convert(one_hot, not convert, "total_cost")
        data = self._data(data, "data", one_hot)
        if training_size is not None:
            _check_positive_int("training_size", training_size)
        self._check_parameters(copy=False)
        return self._evaluate(data, lmbda, training_size or len(data), True, False)[0]

    @staticmethod
    def _one_hot_from_convert(one_hot, implied, method):
        if one_hot is not None and one_hot != implied:
            raise ValueError(f"{method}: convert and one_hot disagree; pass only one_hot=")
        return implied

    # -- data ----------------------------------------------------------------------
    def _data(self, data, name, one_hot=None) -> _Data:
        """Any accepted form of data -> _Data, checked against the network's sizes."""
        n_in, n_out = self.sizes[0], self.sizes[-1]
        if isinstance(data, _Data):
            return data
        if (isinstance(data, tuple) and len(data) == 2 and isinstance(data[0], np.ndarray)
                and isinstance(data[1], (np.ndarray, list))):  # (X, labels); a list of labels too
            X, y = data
        else:
            X, y = self._stack_pairs(data, name, self.dtype)
        X = real_array(X, f"{name}: inputs")
        if X.ndim != 2 or X.shape[1] != n_in:
            raise ValueError(f"{name}: inputs must be an (n, {n_in}) array, or (x, y) pairs with "
                             f"x of shape ({n_in}, 1), for sizes[0]={n_in}; got inputs of "
                             f"shape {X.shape}")
        if len(y) != len(X):
            raise ValueError(f"{name}: {len(X)} inputs but {len(y)} labels")
        if len(X) == 0:
            raise ValueError(f"{name} is empty: it has 0 examples; pass at least one")
        # A NaN or inf makes its row's sum NaN or inf. The row sums X @ 1 are one BLAS
        # pass over X with no temporary array, three times faster than np.isfinite(X).
        # Only when a sum is not finite is each entry looked at, to find the NaN or inf
        # (or none: the sum overflowed).
        with np.errstate(over="ignore", invalid="ignore"):
            row_sums = X @ np.ones(X.shape[1], X.dtype)
        if not np.all(np.isfinite(row_sums)):
            _check_finite(X, name, "inputs")
        X = np.ascontiguousarray(X, dtype=self.dtype)
        y = np.asarray(y)
        if y.dtype.kind not in "biuf":
            raise TypeError(f"{name}: labels or targets must be real numbers; got dtype {y.dtype}")
        if y.ndim == 1:
            labels = self._check_labels(y, name)
            Y = one_hot_rows(labels, n_out).astype(self.dtype)
            found_one_hot = False
        else:
            y = y.reshape(len(y), -1)
            if y.shape[1] != n_out:
                raise ValueError(f"{name}: targets must have {n_out} values each "
                                 f"(sizes[-1]={n_out}); got {y.shape[1]}")
            _check_finite(y, name, "targets")
            self._check_target_range(y, name)
            Y = np.ascontiguousarray(y, dtype=self.dtype)
            is_one_hot = np.all((y == 0) | (y == 1)) and np.all(y.sum(axis=1) == 1)
            labels = np.argmax(y, axis=1) if is_one_hot else None
            found_one_hot = True
        if one_hot is not None and one_hot != found_one_hot:
            said = "one-hot vectors" if one_hot else "integer labels"
            got = "one-hot vectors" if found_one_hot else "integer labels"
            raise ValueError(f"{name}: the flag says the labels are {said}, but they are {got}. "
                             "(The book's convert= means opposite things in accuracy and "
                             "total_cost; nnlib detects the format, so the flag can be left out.)")
        return _Data(X, Y, labels)

    def _check_target_range(self, y, name):
        """Targets inside the cost's ``target_range``, if it has one: the costs that take
        logarithms (cross-entropy, log-likelihood) need targets in [0, 1], and the compiled
        training, which never evaluates the cost, would train on anything."""
        bounds = getattr(self.cost, "target_range", None)
        if bounds is None:
            return
        outside = np.flatnonzero(np.any((y < bounds[0]) | (y > bounds[1]), axis=1))
        if outside.size:
            k = outside[0]
            raise ValueError(f"{name}: targets must lie in [{bounds[0]:g}, {bounds[1]:g}] for "
                             f"{self.cost.__name__} (they are probabilities); example {k} "
                             f"has values from {y[k].min():g} to {y[k].max():g}. Use "
                             "QuadraticCost with output='linear' for other targets")

    def _check_labels(self, y, name):
        n_out = self.sizes[-1]
        if y.dtype.kind == "f":
            fractional = np.flatnonzero(~np.isfinite(y) | (y != np.round(y)))
            raise ValueError(f"{name}: labels must be integers 0..{n_out - 1}; got floats"
                             + (f", among them {y[fractional[0]]:g}, which is not a class"
                                if fractional.size else
                                " (all whole numbers: pass labels.astype(int))"))
        if y.dtype.kind not in "iu":
            raise ValueError(f"{name}: labels must be integers 0..{n_out - 1}; got dtype {y.dtype}")
        bad = np.flatnonzero((y < 0) | (y >= n_out))
        if bad.size:
            raise ValueError(f"{name}: label {y[bad[0]]} at example {bad[0]} is out of range; "
                             f"the output layer has {n_out} neurons, so labels are 0..{n_out - 1}")
        return y.astype(np.intp)

    @staticmethod
    def _stack_pairs(data, name, dtype=None):
        """A list or iterator of (x, y) pairs -> (X (n, n_in), y (n,) or (n, n_out)).

        Pairs of numpy arrays (the book's loader's and ``nnlib.mnist_loader``'s: x an
        (n_in, 1) column, y an (n_out, 1) column or an int) take one pass in C each for
        the xs and the ys (``_stack_arrays``), with the checks made once per distinct type,
        length and dtype rather than once per pair: several times faster than stacking
        them pair by pair (benchmarks/bench_session.py times 50,000 MNIST pairs). Any
        other pairs (lists, numbers, mixed shapes) are checked one by one, which finds
        what is wrong and says so.
        ``dtype`` is the float type X is wanted in; the xs are converted to it as they are
        stacked when that is exact (float32 into float64), saving a pass.
        """
        try:
            pairs = list(data)
        except TypeError:
            raise TypeError(f"{name} must be a list or iterator of (x, y) pairs, or a tuple of "
                            f"arrays (X, y); got {type(data).__name__}") from None
        if not pairs:
            raise ValueError(f"{name} is empty (if it was a zip or another iterator, it may "
                             "have been used up already: wrap it in list() to reuse it)")
        plain = set(map(type, pairs)) <= {tuple, list} and set(map(len, pairs)) == {2}
        if not plain and not all(isinstance(p, (tuple, list)) and len(p) == 2 for p in pairs):
            raise TypeError(f"{name} must hold (x, y) pairs; its first item is {pairs[0]!r:.80}")
        xs, ys = (list(map(operator.itemgetter(i), pairs)) for i in (0, 1))
        X = Network._stack_arrays(xs, dtype)
        if X is None:
            shapes = {np.shape(x) for x in xs}
            if len(shapes) != 1:
                raise ValueError(f"{name}: inputs have different shapes {sorted(shapes)[:3]}")
            X = np.array(xs).reshape(len(xs), -1)
        # Labels are classified by type, once per distinct type (a bool is not a class).
        types = set(map(type, ys))
        integer = {t for t in types if issubclass(t, numbers.Integral) and not issubclass(t, bool)}
        if integer == types:
            return X, np.array(ys)
        if integer:
            raise ValueError(f"{name}: labels mix integers and vectors")
        Y = Network._stack_arrays(ys)
        if Y is not None:
            return X, Y
        scalar = next((v for v in ys if np.ndim(v) == 0), None)
        if scalar is not None:
            raise ValueError(f"{name}: a label is the number {scalar!r}; labels are integers "
                             "(a class) or target vectors of shape (n_out, 1)")
        yshapes = {np.shape(v) for v in ys}
        if len(yshapes) != 1:
            raise ValueError(f"{name}: target vectors have different shapes {sorted(yshapes)[:3]}")
        return X, np.array(ys).reshape(len(ys), -1)

    @staticmethod
    def _stack_arrays(items, dtype=None):
        """``items``, numpy arrays of one shape (at least 1-D) holding real numbers, as one
        (n, size) array whose row i is item i flattened (what
        ``np.array(items).reshape(n, -1)`` gives), made by one ``np.concatenate``; None
        for anything else, which the caller then checks item by item.

        Only the items' types, lengths and dtypes are gathered, each by a ``map`` that runs
        in C; ``np.concatenate`` itself refuses items that differ in any other dimension.
        ``dtype``: the float type wanted, used when every item converts to it exactly."""
        if set(map(type, items)) != {np.ndarray}:
            return None
        try:
            lengths = set(map(len, items))
        except TypeError:  # 0-d arrays: numbers
            return None
        dtypes = set(map(operator.attrgetter("dtype"), items))
        if len(lengths) != 1 or any(d.kind not in "biuf" for d in dtypes):
            return None
        common = np.result_type(*dtypes)
        if dtype is not None and common.kind == "f" and np.can_cast(common, dtype, "safe"):
            common = np.dtype(dtype)
        try:
            stacked = np.concatenate(items, axis=0, dtype=common)
        except ValueError:  # the items differ in another dimension
            return None
        return stacked.reshape(len(items), items[0].size)

    # -- saving --------------------------------------------------------------------
    def save(self, filename):
        """Save as the book's JSON (sizes, weights, biases, cost name), atomically: the file
        is written beside its destination and renamed over it only when complete.
        Weights or biases of the wrong shape, or NaN or infinite, are refused (JSON has no
        NaN, and ``load`` refuses such files)."""
        self._check_parameters(copy=False)
        record = {"sizes": self.sizes,
                  "weights": [np.asarray(w).tolist() for w in self.weights],
                  "biases": [np.asarray(b).tolist() for b in self.biases],
                  "cost": self.cost.__name__}
        if self.output is not getattr(self.cost, "output_layer", Sigmoid):
            record["output"] = self.output.name
        write_json_atomic(filename, record)


class _DivergenceWatch:
    """Warns, once per ``SGD`` call, when training has gone wrong:

    * diverged: a weight or bias became NaN or infinite;
    * collapsed: the network has saturated, which is what a too-large eta does on MNIST
      (eta = 30 or 300 with the cross-entropy: accuracy falls to chance and the cost
      explodes, with no NaN anywhere). Saturated neurons have sigma'(z) ~ 0, so no
      gradient reaches them and training cannot recover.

    Saturation is measured on ``SAMPLE`` training examples spread over the data (a
    forward pass of 100 examples, about 0.2% of the work of an MNIST epoch of 50,000), as
    the fraction of (neuron, example) pairs of a layer with a (1 - a) < ``SATURATED``
    (sigmoid layers only). It counts as collapse when a layer reaches ``LIMIT_AT_CHANCE``
    while the network classifies the sample no better than 1.5 times chance (for targets
    that are not classes: when a hidden layer reaches ``LIMIT``); and only if it was not
    so before training (a network started saturated on purpose, as in the
    learning-slowdown demos, is not warned about). On MNIST ([784, 30, 10], 6 epochs),
    healthy runs (eta up to 5 with the cross-entropy, 12 with the quadratic cost, 2 with
    the log-likelihood) stayed at or below 0.97 hidden and 0.73 output saturation, far
    above chance; at eta = 30 and 300 a layer reached 0.97-1.0 at chance accuracy.
    """

    SAMPLE = 100
    SATURATED = 1e-4    # a (1 - a) below this: |z| > 9.2, sigma'(z) < 1e-4
    LIMIT = 0.995
    LIMIT_AT_CHANCE = 0.9

    def __init__(self, net, train, eta):
        self.net, self.eta = net, eta
        rows = np.arange(0, len(train), max(1, len(train) // self.SAMPLE))[:self.SAMPLE]
        self.x = train.X[rows].T  # (n_in, SAMPLE)
        self.labels = None if train.labels is None else train.labels[rows]
        self.warned = False
        self.started_collapsed = self._collapse() is not None

    def _collapse(self):
        """What is saturated in the sample, as a phrase, or None."""
        net = self.net
        acts = net._forward(self.x)[1]
        with np.errstate(invalid="ignore"):
            saturated = [float(np.mean(a * (1 - a) < self.SATURATED)) for a in acts]
        if net.output is not Sigmoid:  # a (1 - a) says nothing of softmax or linear outputs
            saturated[-1] = 0.0
        layer = int(np.argmax(saturated))
        where = (f"hidden layer {layer + 1}'s neurons" if layer < len(saturated) - 1
                 else "the output neurons")
        what = f"{saturated[layer]:.1%} of {where} are saturated"
        if self.labels is None:  # no accuracy to go by: only a hidden layer all saturated
            return what if layer < len(saturated) - 1 and saturated[layer] >= self.LIMIT else None
        if saturated[layer] >= self.LIMIT_AT_CHANCE and net.sizes[-1] >= 2:
            accuracy = float(np.mean(np.argmax(acts[-1], axis=0) == self.labels))
            # chance: always answering the sample's most frequent class
            chance = max(np.bincount(self.labels).max() / len(self.labels), 1 / net.sizes[-1])
            if accuracy <= chance + 0.05:
                return f"{what} and it classifies {accuracy:.0%} of them right, about chance"
        return None

    def after(self, epoch):
        """Check the network after ``epoch``; warn the first time something is wrong."""
        if self.warned:
            return
        parameters = self.net.weights + self.net.biases
        if not all(np.all(np.isfinite(p)) for p in parameters):
            self._warn(f"training diverged: after epoch {epoch} some weights or biases are "
                       f"NaN or infinite")
        elif not self.started_collapsed and (collapse := self._collapse()):
            self._warn(f"training collapsed: after epoch {epoch}, on {self.x.shape[1]} "
                       f"training examples, {collapse}. Saturated neurons (sigma'(z) < "
                       f"{self.SATURATED:g}) pass on no gradient, so the network can no "
                       "longer learn")

    def _warn(self, what):
        self.warned = True
        warnings.warn(f"{what}. Try a smaller eta (it is {self.eta:g}).", RuntimeWarning,
                      stacklevel=4)


def _check_finite(a, name, what):
    if not np.all(np.isfinite(a)):
        first = np.argwhere(~np.isfinite(a))[0]
        raise ValueError(f"{name}: {what} contain NaN or inf (first at example {first[0]}); "
                         "clean or drop those examples")


def load(filename):
    """Load a network saved by ``Network.save`` or by the book's ``network2.py``.

    Only JSON is read (never pickle). A file that is not a saved network raises a
    ValueError saying what is wrong with it."""
    path = Path(filename)
    try:
        record = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise ValueError(f"{path} is not a saved network: it is not valid JSON ({e})") from None
    except RecursionError:
        raise ValueError(f"{path} is not a saved network: its lists are nested thousands "
                         "deep (a saved network's are nested 3 deep)") from None

    def bad(why):
        return ValueError(f"{path} is not a valid saved network: {why}")

    if not isinstance(record, dict):
        raise bad(f"expected a JSON object, found {type(record).__name__}")
    missing = {"sizes", "weights", "biases", "cost"} - record.keys()
    if missing:
        raise bad(f"missing {sorted(missing)} (expected sizes, weights, biases, cost)")
    if not isinstance(record["cost"], str) or record["cost"] not in COSTS:
        raise bad(f"unknown cost {record['cost']!r}; expected one of {sorted(COSTS)}")
    try:
        sizes = record["sizes"]
        if not isinstance(sizes, list):  # a JSON list; the number 784 or a string is not
            raise TypeError(f"sizes must be a list of layer sizes, e.g. [784, 30, 10]; "
                            f"got {sizes!r:.80}")
        sizes = _check_sizes(sizes)
    except (ValueError, TypeError) as e:
        raise bad(str(e)) from None
    # Every list's nesting, length and entries are checked before any array is made: a
    # small file declaring huge sizes is refused without allocating them.
    shapes = _parameter_shapes(sizes)
    for key, key_shapes in shapes.items():
        arrays = record[key]
        if not isinstance(arrays, list) or len(arrays) != len(key_shapes):
            raise bad(f"{key} must be a list of {len(key_shapes)} arrays for sizes {sizes}")
        for i, (a, shape) in enumerate(zip(arrays, key_shapes)):
            problem = _nested_problem(a, shape)
            if problem:
                raise bad(f"{key}[{i}] {problem}; sizes {sizes} need a list of {shape[0]} "
                          f"rows of {shape[1]} numbers")
    try:
        net = Network(sizes, cost=COSTS[record["cost"]], output=record.get("output"))
    except (ValueError, TypeError) as e:
        raise bad(str(e)) from None
    for key in shapes:
        setattr(net, key, [np.array(a, dtype=np.float64) for a in record[key]])
    return net


def _nested_problem(a, shape):
    """What is wrong with the JSON value ``a`` as a list of ``shape[0]`` lists of
    ``shape[1]`` finite numbers (not NaN, booleans, strings or null), or None. Plain
    Python: nothing is allocated for a value of the wrong size."""
    rows, cols = shape
    if not isinstance(a, list):
        return f"is {type(a).__name__}, not a list"
    if len(a) != rows:
        return f"has {len(a)} rows"
    for r, row in enumerate(a):
        if not isinstance(row, list) or len(row) != cols:
            got = f"{len(row)} entries" if isinstance(row, list) else type(row).__name__
            return f"row {r} has {got}"
        for c, v in enumerate(row):
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                return f"entry [{r}][{c}] is {json.dumps(v)[:40]}, not a number"
            if not abs(v) <= sys.float_info.max:  # NaN, inf, or an int beyond float range
                return f"entry [{r}][{c}] is {v!r:.20}, not a finite float"
    return None
