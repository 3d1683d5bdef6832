"""A feedforward network trained by mini-batch gradient descent and backpropagation.

The class has the methods and signatures of the book's ``network2.py`` (chapter 3), so
the book's session runs as written, in Python 3 (``from nnlib import network2``). What
differs, and why:

* A mini-batch is processed as one matrix, its examples as columns, instead of one
  example at a time. The numbers are the same (the per-example gradients are simply
  summed by the matrix product); tests/test_network.py checks that against a plain
  per-example implementation to 1e-12. It is many times faster (benchmarks/).
* ``SGD`` has two engines, chosen by ``engine=``. "numpy" is the reference, written
  here as the book writes it (``_update_mini_batch``, ``_backprop``: BP1-BP4 on one
  mini-batch matrix); it trains any cost and output layer, and a method you replace
  (``CrossEntropyCost.delta = staticmethod(my_delta)``) is the one it calls. "compiled"
  runs each epoch as one loop compiled by numba (``nnlib.sgd_kernel``, the same
  arithmetic, held to the same reference), many times faster at small mini-batches, for
  the pairs of ``COMPILED_PAIRS`` and with nnlib's own methods only. "auto" (the
  default) takes the compiled engine where it can and numpy elsewhere, and says so when
  numba is missing; ``net.engine_used`` tells which one trained.
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
import importlib
import inspect
import json
import math
import numbers
import operator
import sys
import threading
import warnings
from pathlib import Path

import numpy as np
from threadpoolctl import ThreadpoolController

from . import checks
from .activations import OUTPUT_LAYERS, Linear, Sigmoid, Softmax, real_array
from .costs import COSTS, CrossEntropyCost, LogLikelihoodCost, QuadraticCost
from .costs import one_hot as one_hot_targets  # one_hot is the flag of accuracy, total_cost
from .fileio import read_json, write_json_atomic

_EVAL_CHUNK = 10_000  # examples per forward pass when evaluating (bounds memory)
_blas = None  # threadpoolctl controller, made on first use (it scans loaded libraries)
_blas_lock = threading.Lock()  # guards the two below
_blas_limit = None  # the one-thread limit in force while _blas_users > 0
_blas_users = 0  # trainings running now, in any thread

#: The engines ``SGD`` trains with (``engine=``): "numpy", the reference; "compiled", the
#: numba loop of nnlib.sgd_kernel; "auto", the compiled one where it can, else numpy.
ENGINES = ("auto", "numpy", "compiled")

#: The (cost class, output layer) pairs the compiled engine trains, each with the output
#: error delta^L (BP1) it computes for them, by its name in nnlib.sgd_kernel.OUTPUT_ERRORS.
#: Exact classes only: a subclass of a cost may change its delta.
COMPILED_PAIRS = {
    (CrossEntropyCost, Sigmoid): "a - y",               # Eq. 66
    (LogLikelihoodCost, Softmax): "a - y",              # Eq. 84
    (QuadraticCost, Sigmoid): "(a - y) sigma'(z)",      # Eq. 55
    (QuadraticCost, Linear): "a - y",                   # Eq. 70
}


@contextlib.contextmanager
def _single_thread_blas():
    """A context in which BLAS uses one thread.

    Mini-batch products are small; on two cores a second BLAS thread made them several
    times slower, so training holds BLAS to one thread, and so does the monitoring between
    epochs (its products are bigger, but BLAS threads it woke kept spinning into the next
    epoch). The limit is process-wide, so networks training in several
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


def _epochs(epochs, progress):
    """``range(epochs)``, behind a progress bar (tqdm.auto: a widget in Jupyter, text
    elsewhere) if ``progress``. tqdm is imported only then: importing it takes a
    twentieth of a second, a tenth of the book's session outside its epochs."""
    if not progress:
        return range(epochs)
    from tqdm.auto import tqdm
    return tqdm(range(epochs), desc="epochs")


class _Data:
    """A data set as arrays, one example per row: X (n, n_in), Y (n, n_out) targets, and
    labels (n,) ints when the targets are one-hot (classification), else None."""

    def __init__(self, X, Y, labels):
        self.X, self.Y, self.labels = X, Y, labels

    def __len__(self):
        return len(self.X)




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
    elif callable(getattr(cost, f"delta_{output.name}", None)):
        needed[f"delta_{output.name}"] = ("z", "a", "y", f"for delta^L with a {output.name} "
                                                         "output layer (BP1)")
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


def _generator(seed):
    """``np.random.default_rng(seed)``, for ``seed`` an integer >= 0 or None; anything else
    is refused naming ``seed``, as numpy's errors do not (-1: "expected non-negative
    integer"), and a bool too, which numpy takes as 0 or 1."""
    if seed is not None:
        checks.integer("seed", seed, minimum=0, detail=", or None for a different run each time")
    return np.random.default_rng(seed)


def _parameter_shapes(sizes):
    """The shapes of a network's ``weights`` ((n_l, n_{l-1}) each) and ``biases``
    ((n_l, 1) each) for layer sizes ``sizes``."""
    return {"weights": [(n, k) for k, n in zip(sizes[:-1], sizes[1:])],
            "biases": [(n, 1) for n in sizes[1:]]}


def _is_costs_own_layer(cost, output):
    """Whether ``output`` is the output layer ``cost`` is paired with (its ``output_layer``,
    sigmoid if it names none): then BP1 is the cost's own ``delta(z, a, y)``."""
    return output is getattr(cost, "output_layer", Sigmoid)


def _why_not_compiled(cost, output):
    """Why the compiled engine cannot train ``cost`` with ``output``, as a phrase, or None
    if it can: the pair is not one of ``COMPILED_PAIRS``, or a method whose arithmetic the
    compiled engine has its own copy of has been replaced."""
    if (cost, output) not in COMPILED_PAIRS:
        supported = ", ".join(f"({c.__name__}, {o.__name__})" for c, o in COMPILED_PAIRS)
        return (f"it trains the (cost class, output layer) pairs {supported}, and this "
                f"network's is ({cost.__name__}, {output.__name__})")
    for owner, name in _methods_the_compiled_engine_copies(cost, output):
        if not _defined_by_nnlib(owner, name):
            method = getattr(owner, name)
            by = getattr(method, "__qualname__", type(method).__name__)
            return (f"{owner.__name__}.{name} has been replaced (by {by}), and the compiled "
                    "engine computes nnlib's own")
    return None


def _methods_the_compiled_engine_copies(cost, output):
    """The methods the numpy engine calls to train ``cost`` with ``output`` whose arithmetic
    the compiled engine does in its own code, as (class, name) pairs: the hidden layers'
    and the output layer's ``fn``, and for BP1 the cost's ``delta``, or its ``grad_a`` and
    the output layer's ``backward`` when the layer is not the cost's own."""
    if _is_costs_own_layer(cost, output):
        bp1 = [(cost, "delta")]
    else:
        bp1 = [(cost, "grad_a"), (output, "backward")]
    return [(Sigmoid, "fn"), (output, "fn"), *bp1]


def _defined_by_nnlib(owner, name):
    """Whether ``owner.name`` (say ``CrossEntropyCost.delta``) is still the function nnlib
    defines there. A replacement a reader assigns to experiment (``CrossEntropyCost.delta =
    staticmethod(my_delta)``, or another class's method) was defined elsewhere or under
    another name, which Python records in its ``__module__`` and ``__qualname__``; a
    wrapper made with functools.wraps copies both, but also records what it wraps
    (``__wrapped__``). Editing nnlib's own source is not detected: train with
    engine="numpy" then."""
    method = getattr(owner, name)
    return (getattr(method, "__module__", None) == owner.__module__
            and getattr(method, "__qualname__", None) == f"{owner.__qualname__}.{name}"
            and not hasattr(method, "__wrapped__"))


class Network:
    """A network of sigmoid layers with an output layer chosen by the cost.

    ``sizes`` lists the neurons per layer, input first: ``[784, 30, 10]``. ``cost`` is a
    class from ``nnlib.costs`` (or any class with the book's ``fn`` and ``delta``).
    ``output`` overrides the output layer: ``nnlib.activations.Sigmoid``, ``Softmax``,
    ``Linear`` or their names. ``dtype`` may be ``np.float32`` for speed. ``seed`` (an
    integer >= 0, or None) seeds the generator used for the initial weights and for
    shuffling, so a run repeats exactly.
    """

    def __init__(self, sizes, cost=CrossEntropyCost, output=None, *, dtype=np.float64, seed=None):
        sizes = checks.layer_sizes(sizes)
        _check_cost_class(cost)
        dtype = checks.float_dtype(dtype)
        self.sizes = sizes
        self._cost = cost
        self.output = getattr(cost, "output_layer", Sigmoid) if output is None else output
        self.dtype = dtype
        self.rng = _generator(seed)
        self.engine_used = None  # the engine the last SGD call trained with (see SGD)
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
            output = OUTPUT_LAYERS[checks.choice("output", output, sorted(OUTPUT_LAYERS))]
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
    def _forward(self, a):
        """The feedforward pass for inputs a (n_in, m), one example a column: the lists
        ``zs`` and ``activations`` of every layer after the input, each (n_l, m).

        z^l = w^l a^{l-1} + b^l; a^l = sigma(z^l) in the hidden layers, and the output
        layer's own function (``self.output``: sigmoid, softmax or linear) in the last."""
        zs, activations = [], []
        last = len(self.weights) - 1
        for l, (w, b) in enumerate(zip(self.weights, self.biases)):
            z = w @ a + b                                          # (n_l, m)
            a = (self.output if l == last else Sigmoid).fn(z)      # (n_l, m)
            zs.append(z)
            activations.append(a)
        return zs, activations

    def _output_delta(self, z, a, y):
        """BP1, delta^L = dC/dz^L. The cost's own ``delta`` when the output layer is the
        one it is paired with (Eqs. 66, 84; (a - y) sigma'(z) for the quadratic cost);
        else the cost's ``delta_<layer name>`` if it has one (the cross-entropy's
        ``delta_softmax``: the chain rule, written to survive saturated outputs); otherwise
        the chain rule through the output layer (e.g. Eq. 68 for linear)."""
        for_layer = getattr(self.cost, f"delta_{self.output.name}", None)
        if _is_costs_own_layer(self.cost, self.output):
            delta, method = self.cost.delta(z, a, y), "delta(z, a, y)"
        elif callable(for_layer):  # as _check_cost requires it
            delta, method = for_layer(z, a, y), f"delta_{self.output.name}(z, a, y)"
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

    def _backprop(self, x, y):
        """Equations BP1-BP4 for a mini-batch, x (n_in, m) and y (n_out, m), one example a
        column: ``(nabla_b, nabla_w)``, lists shaped like ``biases`` and ``weights``,
        holding dC/db and dC/dw for the cost C summed over the m examples.

        The book's ``backprop`` with m columns where it has one: each delta^l then holds
        one column per example, and the row sums of BP3 and the products of BP4 add the
        m examples' gradients up."""
        zs, activations = self._forward(x)
        activations = [x] + activations                   # a^0 = x, a^1, ..., a^L
        nabla_b = [None] * len(self.biases)
        nabla_w = [None] * len(self.weights)
        delta = self._output_delta(zs[-1], activations[-1], y)       # BP1, (n_L, m)
        nabla_b[-1] = delta.sum(axis=1, keepdims=True)               # BP3, (n_L, 1)
        nabla_w[-1] = delta @ activations[-2].T                      # BP4, (n_L, n_{L-1})
        for l in range(2, self.num_layers):
            a = activations[-l]
            sigma_prime = a * (1 - a)                    # sigma'(z^l), from a^l = sigma(z^l)
            delta = (self.weights[-l + 1].T @ delta) * sigma_prime   # BP2
            nabla_b[-l] = delta.sum(axis=1, keepdims=True)           # BP3
            nabla_w[-l] = delta @ activations[-l - 1].T              # BP4
        return nabla_b, nabla_w

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
        return self._backprop(x, y)

    def summed_cost(self, x, y):
        """The cost (no L2 term) summed over examples x (n_in, m), targets y (n_out, m):
        the C whose gradients ``backprop`` returns."""
        self._check_parameters(copy=False)
        x = self._columns(x, self.sizes[0], "x")
        zs, activations = self._forward(x)
        return self._cost_sum(zs[-1], activations[-1], self._columns(y, self.sizes[-1], "y"))

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
        checks.finite_array(f"{name}: values", a.T, example_axis=0)
        return a

    # -- training ------------------------------------------------------------------
    def SGD(self, training_data, epochs, mini_batch_size, eta, lmbda=0.0, evaluation_data=None,
            monitor_evaluation_cost=False, monitor_evaluation_accuracy=False,
            monitor_training_cost=False, monitor_training_accuracy=False,
            *, shuffle=True, progress=None, verbose=True, after_epoch=None, engine="auto"):
        """Train by mini-batch stochastic gradient descent with L2 weight decay.

        Each step is w -> (1 - eta lmbda / n) w - (eta / m) sum_x dC_x/dw and
        b -> b - (eta / m) sum_x dC_x/db (Eqs. 93-94), with n the training-set size and m
        the mini-batch size (the last mini-batch of an epoch may be smaller, as in the book).

        Returns the four monitored lists (evaluation cost, evaluation accuracy, training
        cost, training accuracy), accuracies as counts of correct examples; a list stays
        empty unless its ``monitor_*`` flag is set. ``shuffle=False`` keeps the given
        order; ``verbose`` prints the book's per-epoch lines; ``progress`` shows a progress
        bar over epochs (by default only when ``verbose`` is False: the book's lines
        already show how far training has got); ``after_epoch(epoch)``, if given, is
        called after each epoch (numbered from 0) and its monitoring, e.g. to evaluate
        other data.

        ``engine`` chooses what computes the epochs; the numbers are the same (both are
        held to the book's per-example backprop at 1e-12). "numpy": the reference, written
        as the book writes it (``_update_mini_batch``), for any cost and output layer, and
        calling the methods as they are now, replaced ones too. "compiled": one loop
        compiled by numba (``nnlib.sgd_kernel``), many times faster at small mini-batches,
        for the pairs of ``COMPILED_PAIRS`` and nnlib's own methods only; it raises a
        ValueError for anything else and an ImportError without numba and scipy. "auto"
        (the default): compiled where it can train this network, else numpy, with a
        warning when that is because numba or scipy is missing. A cost or layer method you
        replace (``CrossEntropyCost.delta = staticmethod(my_delta)``) is thus trained in
        numpy by "auto" and refused by "compiled". ``self.engine_used`` says which engine
        trained ("numpy" or "compiled").
        """
        checks.integer("epochs", epochs, minimum=0)
        checks.integer("mini_batch_size", mini_batch_size, minimum=1)
        flags = {"monitor_evaluation_cost": monitor_evaluation_cost,
                 "monitor_evaluation_accuracy": monitor_evaluation_accuracy,
                 "monitor_training_cost": monitor_training_cost,
                 "monitor_training_accuracy": monitor_training_accuracy,
                 "shuffle": shuffle, "verbose": verbose}
        for name, value in flags.items():
            checks.flag(name, value)
        checks.flag("progress", progress, allow_none=True)
        checks.real("eta (the learning rate)", eta, positive=True)
        checks.real("lmbda (the L2 regularisation parameter)", lmbda, minimum=0)
        # numpy scalars too: as Python numbers, both engines compute in the same types
        epochs, mini_batch_size = int(epochs), int(mini_batch_size)
        eta, lmbda = float(eta), float(lmbda)
        train = self._data(training_data, "training_data")
        evaluation = None
        if evaluation_data is not None:
            evaluation = self._data(evaluation_data, "evaluation_data")
        elif monitor_evaluation_cost or monitor_evaluation_accuracy:
            raise ValueError("monitor_evaluation_cost/accuracy need evaluation_data")
        if monitor_training_accuracy:
            self._check_has_labels(train, "training_data", "monitor_training_accuracy")
        if monitor_evaluation_accuracy:
            self._check_has_labels(evaluation, "evaluation_data", "monitor_evaluation_accuracy")
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
        self.engine_used = self._choose_engine(engine)
        train_epoch = self._numpy_epoch if self.engine_used == "numpy" else self._compiled_epoch
        evaluation_cost, evaluation_accuracy, training_cost, training_accuracy = [], [], [], []
        progress = not verbose if progress is None else progress
        for epoch in _epochs(epochs, progress):
            order = self.rng.permutation(n) if shuffle else np.arange(n)
            # BLAS on one thread for the epoch, its watch and its monitoring: BLAS threads
            # woken by a product (an evaluation between epochs) spin on for a while and
            # competed with the next epoch for the two cores, which then took 1.5x as long
            with _single_thread_blas():
                if epoch == 0:
                    watch = _DivergenceWatch(self, train, eta)
                train_epoch(train, order, m, eta, decay)
                watch.after(epoch)
                # one forward pass over each data set monitored gives its cost and accuracy
                train_cost, train_accuracy = self._evaluate(
                    train, lmbda, n, want_cost=monitor_training_cost,
                    want_accuracy=monitor_training_accuracy)
                cost, accuracy = self._evaluate(evaluation, lmbda, n,
                                                want_cost=monitor_evaluation_cost,
                                                want_accuracy=monitor_evaluation_accuracy)
            if verbose:
                print(f"Epoch {epoch} training complete")
            if monitor_training_cost:
                training_cost.append(train_cost)
                if verbose:
                    print(f"Cost on training data: {train_cost}")
            if monitor_training_accuracy:
                training_accuracy.append(train_accuracy)
                if verbose:
                    print(f"Accuracy on training data: {train_accuracy} / {n}")
            if monitor_evaluation_cost:
                evaluation_cost.append(cost)
                if verbose:
                    print(f"Cost on evaluation data: {cost}")
            if monitor_evaluation_accuracy:
                evaluation_accuracy.append(accuracy)
                if verbose:
                    print(f"Accuracy on evaluation data: {accuracy} / {len(evaluation)}")
            if after_epoch is not None:
                after_epoch(epoch)
        return evaluation_cost, evaluation_accuracy, training_cost, training_accuracy

    def _choose_engine(self, engine):
        """The engine ``SGD(..., engine=engine)`` trains this network with: "numpy" or
        "compiled" (see ``SGD``). Imports nnlib.sgd_kernel, and so numba and scipy, the
        first time the compiled engine is chosen."""
        if engine not in ENGINES:
            raise ValueError(f"engine must be one of {', '.join(map(repr, ENGINES))}; "
                             f"got {engine!r}")
        if engine == "numpy":
            return "numpy"
        why_not = _why_not_compiled(self.cost, self.output)
        if why_not and engine == "compiled":
            raise ValueError(f"engine='compiled' cannot train this network: {why_not}. Train "
                             "it with engine='numpy' (engine='auto' chooses it for you)")
        if why_not:
            return "numpy"
        try:
            importlib.import_module(".sgd_kernel", __package__)
        except ImportError as e:
            missing = f"the compiled engine needs numba and scipy, which failed to import ({e})"
            if engine == "compiled":
                raise ImportError(f"engine='compiled': {missing}. Install them (pip install "
                                  "numba scipy) or train with engine='numpy'") from e
            warnings.warn(f"training with the numpy engine, slower at small mini-batches: "
                          f"{missing}. pip install numba scipy for speed, or pass "
                          "engine='numpy' to choose numpy without this warning", stacklevel=3)
            return "numpy"
        return "compiled"

    def _numpy_epoch(self, train, order, m, eta, decay):
        """One epoch with the numpy engine: a step of gradient descent on each mini-batch of
        ``m`` examples of ``train``, taken in ``order`` (the last may be smaller)."""
        for k in range(0, len(order), m):
            batch = order[k:k + m]
            self._update_mini_batch(train.X[batch].T, train.Y[batch].T, eta, decay)

    def _update_mini_batch(self, x, y, eta, decay):
        """One step of gradient descent on the mini-batch x (n_in, m), y (n_out, m), with
        ``decay`` = 1 - eta lmbda / n (Eqs. 93-94):

            w -> (1 - eta lmbda / n) w - (eta / m) sum_x dC_x/dw
            b -> b - (eta / m) sum_x dC_x/db

        In place, as the compiled engine does (the book makes new arrays; writing over the
        old ones saves allocating and filling a fresh weight matrix every step)."""
        nabla_b, nabla_w = self._backprop(x, y)
        m = x.shape[1]
        for w, b, nw, nb in zip(self.weights, self.biases, nabla_w, nabla_b):
            w *= decay                   # (1 - eta lmbda / n) w: the L2 weight decay
            w -= (eta / m) * nw
            b -= (eta / m) * nb

    def _compiled_epoch(self, train, order, m, eta, decay):
        """One epoch with the compiled engine (``nnlib.sgd_kernel.sgd_epoch``), the same
        steps as ``_numpy_epoch``, updating the weights and biases in place."""
        from . import sgd_kernel
        sgd_kernel.sgd_epoch(self.weights, self.biases, train.X, train.Y, order, m, eta, decay,
                             output=self.output.name,
                             output_error=COMPILED_PAIRS[self.cost, self.output])

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

    # -- evaluation ----------------------------------------------------------------
    def _evaluate(self, data, lmbda=0.0, training_size=1, *, want_cost=False,
                  want_accuracy=False):
        """One forward pass over ``data`` for what is wanted: ``(cost, correct)``, the mean
        cost plus the L2 term (lmbda / 2 training_size) sum ||w||^2 (Eq. 85) and the number
        of examples classified correctly, each None unless wanted (with neither, no pass,
        and ``data`` may be None). Accuracy needs labels (``_check_has_labels``)."""
        if not (want_cost or want_accuracy):
            return None, None
        cost = 0.0 if want_cost else None
        correct = 0 if want_accuracy else None
        for k in range(0, len(data), _EVAL_CHUNK):
            zs, activations = self._forward(data.X[k:k + _EVAL_CHUNK].T)
            if want_cost:
                cost += self._cost_sum(zs[-1], activations[-1], data.Y[k:k + _EVAL_CHUNK].T)
            if want_accuracy:
                guesses = np.argmax(activations[-1], axis=0)
                correct += int(np.sum(guesses == data.labels[k:k + _EVAL_CHUNK]))
        if want_cost:
            cost = cost / len(data) + 0.5 * (lmbda / training_size) * sum(
                float(np.sum(w * w)) for w in self.weights)
        return cost, correct

    @staticmethod
    def _check_has_labels(data, name, wanted_by, instead="monitor the cost instead"):
        """Check that ``data`` (a _Data) has class labels, which an accuracy needs: before
        training, so that a monitor flag that cannot work fails before an epoch is spent.
        ``instead`` is the advice for targets that have none."""
        if data.labels is None:
            raise ValueError(f"{wanted_by} needs class labels in {name} (integers, or one-hot "
                             f"target vectors); its targets are not one-hot, so no answer can "
                             f"be counted right: {instead}")

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
        data = self._data(data, "data", one_hot)
        self._check_has_labels(data, "data", "accuracy",
                               "measure the cost instead (total_cost)")
        return self._evaluate(data, want_accuracy=True)[1]

    def total_cost(self, data, lmbda, convert=None, *, one_hot=None, training_size=None):
        """Mean cost over ``data`` plus the L2 term (lmbda / 2n) sum ||w||^2 (Eq. 85).

        n is ``training_size`` when given (what SGD's weight decay uses, and what SGD
        passes when it monitors), else the size of ``data`` (as in the book). Labels are
        detected as in ``accuracy``; the book's ``convert=True`` here means the labels are
        integers."""
        checks.real("lmbda", lmbda, minimum=0)
        if convert is not None:
            one_hot = self._one_hot_from_convert(one_hot, not convert, "total_cost")
        data = self._data(data, "data", one_hot)
        if training_size is not None:
            checks.integer("training_size", training_size, minimum=1)
        self._check_parameters(copy=False)
        return self._evaluate(data, lmbda, training_size or len(data), want_cost=True)[0]

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
        checks.finite_array(f"{name}: inputs", X, example_axis=0)
        X = np.ascontiguousarray(X, dtype=self.dtype)
        y = np.asarray(y)
        if y.dtype.kind not in "biuf":
            raise TypeError(f"{name}: labels or targets must be real numbers; got dtype {y.dtype}")
        if y.ndim == 1:
            labels = self._check_labels(y, name)
            Y = one_hot_targets(labels, n_out, axis=1, dtype=self.dtype)
            found_one_hot = False
        else:
            y = y.reshape(len(y), -1)
            if y.shape[1] != n_out:
                raise ValueError(f"{name}: targets must have {n_out} values each "
                                 f"(sizes[-1]={n_out}); got {y.shape[1]}")
            checks.finite_array(f"{name}: targets", y, example_axis=0)
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
        NaN, and ``load`` refuses such files), and so is a cost that is not one of nnlib's
        ``COSTS``: the file names the cost, and ``load`` finds it there by that name."""
        self._check_parameters(copy=False)
        name = getattr(self.cost, "__name__", None)
        if COSTS.get(name) is not self.cost:
            raise ValueError(f"cannot save a network whose cost is {self.cost!r}: a saved "
                             f"network names its cost, and load knows nnlib's only, "
                             f"{sorted(COSTS)} (the file could not be loaded, or would load "
                             f"with another cost). Assign one of those to net.cost to save")
        record = {"sizes": self.sizes,
                  "weights": [np.asarray(w).tolist() for w in self.weights],
                  "biases": [np.asarray(b).tolist() for b in self.biases],
                  "cost": self.cost.__name__}
        if not _is_costs_own_layer(self.cost, self.output):
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
        activations = net._forward(self.x)[1]
        with np.errstate(invalid="ignore"):
            saturated = [float(np.mean(a * (1 - a) < self.SATURATED)) for a in activations]
        if net.output is not Sigmoid:  # a (1 - a) says nothing of softmax or linear outputs
            saturated[-1] = 0.0
        layer = int(np.argmax(saturated))
        where = (f"hidden layer {layer + 1}'s neurons" if layer < len(saturated) - 1
                 else "the output neurons")
        what = f"{saturated[layer]:.1%} of {where} are saturated"
        if self.labels is None:  # no accuracy to go by: only a hidden layer all saturated
            return what if layer < len(saturated) - 1 and saturated[layer] >= self.LIMIT else None
        if saturated[layer] >= self.LIMIT_AT_CHANCE and net.sizes[-1] >= 2:
            accuracy = float(np.mean(np.argmax(activations[-1], axis=0) == self.labels))
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


def load(filename):
    """Load a network saved by ``Network.save`` or by the book's ``network2.py``.

    Only JSON is read (never pickle). A file that is not a saved network raises a
    ValueError saying what is wrong with it."""
    path = Path(filename)
    record = read_json(path, "a saved network", depth=3)  # layers, rows, numbers

    def bad(why):
        return ValueError(f"{path} is not a valid saved network: {why}")

    if not isinstance(record, dict):
        raise bad(f"expected a JSON object, found {type(record).__name__}")
    missing = {"sizes", "weights", "biases", "cost"} - record.keys()
    if missing:
        raise bad(f"missing {sorted(missing)} (expected sizes, weights, biases, cost)")
    unknown = record.keys() - {"sizes", "weights", "biases", "cost", "output"}
    if unknown:  # a misspelt "output", or another program's field: never silently dropped
        raise bad(f"unknown keys {sorted(unknown)}; a saved network has sizes, weights, "
                  f"biases, cost and, when its output layer is not the cost's own, output")
    if not isinstance(record["cost"], str) or record["cost"] not in COSTS:
        raise bad(f"unknown cost {record['cost']!r}; expected one of {sorted(COSTS)}")
    try:
        sizes = record["sizes"]
        if not isinstance(sizes, list):  # a JSON list; the number 784 or a string is not
            raise TypeError(f"sizes must be a list of layer sizes, e.g. [784, 30, 10]; "
                            f"got {sizes!r:.80}")
        sizes = checks.layer_sizes(sizes)
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
