"""The MNIST study of notebook 04: the book's table from chapter 3, then what it would take
to make that table convincing.

The book trains [784, 30, 10] and [784, 100, 10] once each with the cross-entropy
(eta = 0.5) and quotes the quadratic cost of chapter 1 (eta = 3.0) beside them. Here
every cell of that table is trained with several seeds, softmax + log-likelihood (Eqs.
78, 80) joins as a third cost, and a small sweep of eta per cost, judged on validation
data, compares the costs each at its own best learning rate.

The pieces, in the order a study uses them:

* ``Config``: one cell of a table (network, cost, hyper-parameters, seeds, data), a
  dataclass with a comment on every field. ``Plan``: the whole study (``FULL_PLAN``, whose
  results are committed in notebooks/results/mnist-full.json, or the ``QUICK_PLAN``
  preview).
* ``train(config, seed, splits)``: one run with ``nnlib.network.Network``, giving a ``Run``
  (test and validation accuracy and cost after every epoch, the final test confusion
  table, and the environment that computed it); ``train_network`` also gives the network.
* ``run_study(plan, path, workers=, client=)``: every run the plan needs, in this process,
  in worker processes (joblib) or on a Dask cluster, each saved to a JSON file as it
  finishes (atomically) so a long study is never lost; runs already in the file are not
  repeated, so a study resumes and re-plots without retraining.
* ``table_text``, ``summarize``, ``paired_difference``, ``comparison_text``,
  ``sweep_text``, ``stuck_text``, ``saturation_text`` and the plots (``plot_spread``,
  ``plot_sweep``, ``plot_test_curves``, ``plot_output_neuron``, ``plot_learning_curves``)
  with the widget ``CurvesExplorer``: what the notebook shows. Static plots draw on an
  ``ax`` (a new inline figure when None) and return the Figure; the widget redraws a
  ``nnlib.notebook.widgets.LiveFigure``, never pyplot.

Nothing here trains, costs or differentiates on its own: that is all ``Network``.
Accuracies in ``Run`` are counts of correct examples, as the book's ``SGD`` returns
them; tables and plots show percentages.
"""
from __future__ import annotations

import dataclasses
import functools
import json
import platform
import subprocess
import time
from collections import Counter
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import ipywidgets as widgets
import numpy as np
from matplotlib.ticker import MaxNLocator
from threadpoolctl import threadpool_limits
from tqdm.auto import tqdm

from .. import checks, data
from ..activations import sigmoid, sigmoid_prime
from ..costs import COSTS
from ..fileio import read_json, write_json_atomic
from ..network import Network
from . import widgets as guarded
from .widgets import Demo, LiveFigure, axes_or_new

#: The costs of the study, in the order tables list them, with the names they show.
COST_LABELS = {
    "QuadraticCost": "quadratic",
    "CrossEntropyCost": "cross-entropy",
    "LogLikelihoodCost": "softmax + log-likelihood",
}
COST_COLORS = {"QuadraticCost": "C1", "CrossEntropyCost": "C0", "LogLikelihoodCost": "C2"}

#: The book's learning rates: 3.0 for the quadratic cost (chapter 1), 0.5 for the
#: cross-entropy (chapter 3). The book trains no softmax + log-likelihood network on
#: MNIST in chapter 3; its output error a - y (Eq. 84) is the cross-entropy's (Eq. 66),
#: so it starts from the cross-entropy's 0.5.
BOOK_ETA = {"QuadraticCost": 3.0, "CrossEntropyCost": 0.5, "LogLikelihoodCost": 0.5}

#: The book's single-run test accuracies (%), by (hidden neurons, cost).
BOOK_ACCURACY = {
    (30, "QuadraticCost"): 95.42, (30, "CrossEntropyCost"): 95.49,
    (100, "QuadraticCost"): 96.59, (100, "CrossEntropyCost"): 96.82,
}



def book_accuracy(config) -> float | None:
    """The book's single-run test accuracy (%) for ``config``, or None where the book has
    none or ``config`` is not trained as the book's was (its data, 30 epochs, mini-batches
    of 10, N(0, 1) weights, no L2, the book's eta): a quick preview on other data is never
    set beside the book's number."""
    as_the_book = (config.data == "full" and config.epochs == 30 and
                   config.mini_batch_size == 10 and config.initializer == "large" and
                   config.lmbda == 0 and config.eta == BOOK_ETA[config.cost])
    return BOOK_ACCURACY.get((config.hidden, config.cost)) if as_the_book else None


#: Weight initialisations by name: the Network method each calls.
INITIALIZERS = {"large": "large_weight_initializer", "default": "default_weight_initializer"}

#: Data modes: the nnlib.data function giving (training, validation, test) arrays.
DATA_MODES = {
    "full": "load",         # MNIST's 50,000 training, 10,000 validation, 10,000 test images
    "small": "load_small",  # its 10,000 test images split 8,000 / 1,000 / 1,000
}


def _set_size(name):
    """How many examples MNIST's set ``name`` ("train" or "test") holds."""
    return data.FILES[data.SETS[name][0]].count


#: Examples (training, validation, test) each data mode gives, known without loading it.
DATA_SIZES = {
    "full": (data.N_TRAINING, _set_size("train") - data.N_TRAINING, _set_size("test")),
    "small": tuple(len(part) for part in data.small_split(_set_size("test"))),
}

DTYPES = ("float32", "float64")
RESULTS_FORMAT = "nnlib.experiments results, version 2"


# ------------------------------------------------------------------------ checking input

def _distinct(name, values, what, example, check):
    """``values`` as a non-empty tuple without repeats, each passing ``check(label,
    value)``; otherwise a TypeError or ValueError naming ``name``, ``what`` it lists
    and an ``example``."""
    values = tuple(checks.sequence(name, values, what, f"{name}={example}"))
    for i, value in enumerate(values):
        check(f"{name}[{i}]", value)
    if not values or len(set(values)) != len(values):
        raise ValueError(f"{name} must be non-empty, without repeats, e.g. {name}={example}; "
                         f"got {values!r}")
    return values


def _seeds(name, seeds):
    """``seeds`` as a non-empty tuple of distinct integers >= 0."""
    seeds = _distinct(name, seeds, "integer seeds", "(0, 1, 2)",
                      lambda label, seed: checks.integer(label, seed, minimum=0))
    return tuple(int(s) for s in seeds)


def _set(obj, **fields):
    """Set fields of a frozen dataclass from its __post_init__ (after normalising them)."""
    for key, value in fields.items():
        object.__setattr__(obj, key, value)


# ----------------------------------------------------------------------------- configs

@dataclass(frozen=True)
class Config:
    """One cell of a table: a network and how it is trained, once per seed."""

    sizes: tuple = (784, 30, 10)   # neurons per layer, input first
    cost: str = "CrossEntropyCost"  # a name in nnlib.costs.COSTS; the output layer is the
    #                                 cost's own (sigmoid, or softmax for the log-likelihood)
    eta: float = 0.5               # learning rate
    lmbda: float = 0.0             # L2 regularisation parameter (0 in the book's table)
    epochs: int = 30               # passes over the training data
    mini_batch_size: int = 10      # examples per gradient step
    seeds: tuple = (0,)            # one run per seed; a seed fixes the initial weights and
    #                                the order of the examples, so a run repeats exactly
    initializer: str = "large"     # "large": weights and biases N(0, 1), the book's table;
    #                                "default": weights N(0, 1/n_in) (chapter 3, later)
    dtype: str = "float32"         # "float32" trains faster than "float64" (bench_train.py)
    data: str = "full"             # a key of DATA_MODES: "full" (MNIST, the book's split) or
    #                                "small" (8,000 / 1,000 / 1,000 of the test digits)

    def __post_init__(self):
        sizes = checks.layer_sizes(self.sizes)
        checks.choice("cost", self.cost, sorted(COSTS))
        eta = checks.real("eta (the learning rate)", self.eta, positive=True)
        lmbda = checks.real("lmbda", self.lmbda, minimum=0)
        checks.integer("epochs", self.epochs, minimum=1)
        checks.integer("mini_batch_size", self.mini_batch_size, minimum=1)
        checks.choice("initializer", self.initializer, sorted(INITIALIZERS))
        checks.choice("dtype", self.dtype, DTYPES)
        checks.choice("data", self.data, sorted(DATA_MODES))
        _set(self, sizes=tuple(sizes), seeds=_seeds("seeds", self.seeds), eta=eta, lmbda=lmbda)

    @property
    def hidden(self) -> int | tuple:
        """The hidden layer's size (a tuple of sizes for several hidden layers)."""
        inner = self.sizes[1:-1]
        return inner[0] if len(inner) == 1 else inner

    def for_seed(self, seed: int) -> Config:
        """This config with the single seed ``seed``: what one run records."""
        return dataclasses.replace(self, seeds=(seed,))

    def network(self, seed: int) -> Network:
        """A new, initialised network for the run with ``seed``."""
        net = Network(self.sizes, cost=COSTS[self.cost], dtype=np.dtype(self.dtype), seed=seed)
        getattr(net, INITIALIZERS[self.initializer])()
        return net

    def label(self) -> str:
        """A short name for plots: hidden size, cost, learning rate."""
        return f"{self.hidden} hidden\n{COST_LABELS[self.cost]}\nη = {self.eta:g}"


@dataclass(frozen=True)
class Plan:
    """The whole study: which tables and sweep to run, on which data, how long."""

    name: str                  # "quick" or "full", shown in the notebook
    data: str                  # Config.data for every run
    epochs: int                # Config.epochs for every run (the book: 30)
    seeds: tuple               # seeds per table cell
    sweep_seeds: tuple         # seeds per learning rate in the sweep
    sweep_factors: tuple       # the sweep tries each cost's book eta times these (kept
    #                            sorted, so a tie between etas goes to the smaller)
    session_epochs: int        # epochs of the book's session (notebook section 1)
    hidden: tuple = (30, 100)  # hidden layer sizes of the table; the sweep uses the first
    dtype: str = "float32"     # Config.dtype for every run
    widen: int = 2             # how many times a cost's sweep may grow by one point past
    #                            an edge when its best eta lies there (Results.sweep)

    def __post_init__(self):
        if not isinstance(self.name, str):
            raise TypeError(f"name must be a string such as 'quick'; got {self.name!r}")
        checks.choice("data", self.data, sorted(DATA_MODES))
        checks.choice("dtype", self.dtype, DTYPES)
        checks.integer("epochs", self.epochs, minimum=1)
        checks.integer("session_epochs", self.session_epochs, minimum=1)
        checks.integer("widen", self.widen, minimum=0)
        factors = _distinct("sweep_factors", self.sweep_factors, "factors of the book's eta",
                            "(0.5, 1.0, 2.0)",
                            lambda label, f: checks.real(label, f, positive=True))
        hidden = _distinct("hidden", self.hidden, "hidden-layer sizes", "(30, 100)",
                           lambda label, n: checks.integer(label, n, minimum=1))
        _set(self, seeds=_seeds("seeds", self.seeds),
             sweep_seeds=_seeds("sweep_seeds", self.sweep_seeds),
             hidden=tuple(int(n) for n in hidden),
             sweep_factors=tuple(sorted(float(f) for f in factors)))

    def config(self, hidden: int, cost: str, eta: float, seeds) -> Config:
        """The Config of one cell: [784, hidden, 10], the book's other settings."""
        return Config(sizes=(784, hidden, 10), cost=cost, eta=eta, epochs=self.epochs,
                      seeds=seeds, dtype=self.dtype, data=self.data)

    def table(self, etas=None) -> list[Config]:
        """The table's cells, hidden sizes by costs, with learning rates ``etas`` (a dict
        by cost name; the book's by default)."""
        etas = BOOK_ETA if etas is None else etas
        return [self.config(h, cost, etas[cost], self.seeds)
                for h in self.hidden for cost in COST_LABELS]

    def sweep(self, cost: str | None = None, factors=None) -> list[Config]:
        """The sweep's cells (of one ``cost``, or all): the first hidden size, each cost's
        book eta times each of ``factors`` (the plan's ``sweep_factors`` by default;
        ``Results.sweep`` gives a grid widened past an edge)."""
        costs = COST_LABELS if cost is None else [cost]
        factors = self.sweep_factors if factors is None else factors
        return [self.config(self.hidden[0], c, BOOK_ETA[c] * f, self.sweep_seeds)
                for c in costs for f in factors]

    def first_runs(self) -> list[Config]:
        """The one-seed configs of the sweep and of the table at the book's learning
        rates, each once (a sweep point at a book eta is also a table cell): the runs
        trained before the best etas are known."""
        return one_seed_configs(self.sweep() + self.table())

    def runs(self) -> int:
        """How many runs the study trains at most: the first runs, the sweep's widening,
        then the table again (fewer where a best eta is the book's)."""
        widening = self.widen * len(COST_LABELS) * len(self.sweep_seeds)
        return len(self.first_runs()) + widening + len(one_seed_configs(self.table()))


def one_seed_configs(configs) -> list[Config]:
    """The one-seed config of each seed of each of ``configs``, each once, in order: the
    runs that ``configs`` need."""
    return list(dict.fromkeys(c.for_seed(s) for c in configs for s in c.seeds))


#: The study as the book would run it, 30 epochs on the real split, with the repeats the
#: book asks for: ten seeds a cell (the quadratic cost's spread is wide, and a share of
#: stuck runs needs more than five to estimate), five per point of the sweep.
FULL_PLAN = Plan(name="full", data="full", epochs=30, seeds=tuple(range(10)),
                 sweep_seeds=(0, 1, 2, 3, 4), sweep_factors=(0.25, 0.5, 1.0, 2.0, 4.0),
                 session_epochs=30)

#: The same study small enough for CI: 8,000 real training digits, fewer epochs and seeds.
QUICK_PLAN = Plan(name="quick", data="small", epochs=3, seeds=(0, 1),
                  sweep_seeds=(0, 1), sweep_factors=(0.25, 1.0, 4.0), session_epochs=4)


# -------------------------------------------------------------------------------- runs

#: A digit counts as lost in a run when the network recognises fewer than this share of
#: its test images after the last epoch. A run that has lost a digit is *stuck*: its
#: output neuron for that digit stays saturated (off for every input), and under the
#: quadratic cost sigma'(z) ~ 0 there stops it from learning (Eqs. 55, 65).
LOST_RECALL = 0.5


@dataclass(frozen=True)
class Run:
    """What one training run gave, after every epoch. Accuracies are counts of correct
    examples; costs are means over the examples (no L2 term: lmbda is 0 in the study)."""

    config: Config                # the config that produced it, with its one seed
    test_accuracy: tuple          # correct test examples after each epoch
    test_cost: tuple              # mean cost on the test data after each epoch
    validation_accuracy: tuple    # correct validation examples after each epoch
    validation_cost: tuple        # mean cost on the validation data after each epoch
    test_confusion: tuple         # after the last epoch: [true digit][answer] counts,
    #                               a (n_out, n_out) table of the test examples
    n_training: int               # examples trained on
    n_validation: int
    n_test: int
    seconds: float                # wall-clock time of training and evaluating
    environment: dict             # what computed it: environment() of its process

    def __post_init__(self):
        if not isinstance(self.config, Config):
            raise TypeError(f"config must be a Config; got {type(self.config).__name__}")
        if len(self.config.seeds) != 1:
            raise ValueError(f"a run has one seed; its config has {self.config.seeds!r}")
        for name in ("n_training", "n_validation", "n_test"):
            checks.integer(name, getattr(self, name), minimum=1)
        checks.real("seconds", self.seconds, minimum=0)
        epochs = self.config.epochs
        series = {}
        for name, n in (("test_accuracy", self.n_test), ("test_cost", None),
                        ("validation_accuracy", self.n_validation), ("validation_cost", None)):
            values = getattr(self, name)
            if isinstance(values, (str, bytes)) or not hasattr(values, "__len__") \
                    or len(values) != epochs:
                raise ValueError(f"{name} needs one value per epoch ({epochs}); got {values!r}"
                                 [:300])
            for i, value in enumerate(values):
                if n is None:
                    checks.real(f"{name}[{i}]", value, minimum=0)
                else:
                    checks.integer(f"{name}[{i}]", value, 0, n,
                                   detail=f" (correct examples of the {n} evaluated)")
            series[name] = tuple(float(v) if n is None else int(v) for v in values)
        confusion = _confusion(self.test_confusion, self.config.sizes[-1])
        if int(confusion.sum()) != self.n_test or int(np.trace(confusion)) != series[
                "test_accuracy"][-1]:
            raise ValueError(f"test_confusion must count the {self.n_test} test examples, "
                             f"its diagonal the {series['test_accuracy'][-1]} right after the "
                             f"last epoch; it holds {int(confusion.sum())} with "
                             f"{int(np.trace(confusion))} on the diagonal")
        if not isinstance(self.environment, dict):
            raise TypeError(f"environment must be a dict (environment()); got "
                            f"{type(self.environment).__name__}")
        _set(self, **series, seconds=float(self.seconds),
             test_confusion=tuple(tuple(int(c) for c in row) for row in confusion))

    @property
    def test_percent(self) -> float:
        """Test accuracy after the last epoch, in percent."""
        return 100 * self.test_accuracy[-1] / self.n_test

    @property
    def best_test_percent(self) -> float:
        """The best test accuracy of any epoch, in percent (picked on test data, so an
        optimistic figure: the book's single numbers may be such peaks)."""
        return 100 * max(self.test_accuracy) / self.n_test

    @property
    def validation_percent(self) -> float:
        """Validation accuracy after the last epoch, in percent."""
        return 100 * self.validation_accuracy[-1] / self.n_validation

    @property
    def lost_digits(self) -> tuple:
        """The digits recognised in fewer than LOST_RECALL of their test images after the
        last epoch (digits with test images): empty unless the run is stuck."""
        confusion = np.array(self.test_confusion)
        shown = confusion.sum(axis=1)  # test images of each digit
        lost = (shown > 0) & (np.diag(confusion) < LOST_RECALL * shown)
        return tuple(int(d) for d in np.flatnonzero(lost))

    @property
    def stuck(self) -> bool:
        return bool(self.lost_digits)


def _confusion(value, n_out) -> np.ndarray:
    """``value`` as an (n_out, n_out) table of counts, or a ValueError saying why not."""
    try:
        table = np.array(value, dtype=object)
    except ValueError:  # ragged
        table = None
    if table is None or table.shape != (n_out, n_out):
        raise ValueError(f"test_confusion must be {n_out} rows of {n_out} counts >= 0 "
                         f"(true digit by answer); got {str(value)[:200]}")
    for (i, j), count in np.ndenumerate(table):
        checks.integer(f"test_confusion[{i}][{j}]", count, minimum=0)
    return table.astype(np.int64)


def _version(distribution):
    """The installed version of ``distribution``, or None where it is not installed (numba
    and scipy are needed only by the compiled engine)."""
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


@functools.lru_cache(maxsize=None)
def environment() -> dict:
    """What this process computes with, recorded in every Run: the nnlib commit (and
    whether nnlib/ differed from it; both None unless nnlib runs from its own git
    checkout), a hash of nnlib's source files, the versions of Python, numpy, numba and
    scipy, the BLAS numpy calls, and the machine."""
    import hashlib

    from threadpoolctl import threadpool_info

    package = Path(__file__).resolve().parent.parent  # nnlib/
    root = package.parent

    def git(*args):
        try:
            done = subprocess.run(["git", "-C", str(root), *args], capture_output=True,
                                  text=True, timeout=10)
        except (OSError, subprocess.SubprocessError):
            return None
        return done.stdout.strip() if done.returncode == 0 else None
    blas = sorted(f"{i.get('internal_api')} {i.get('version')} ({i.get('architecture')})"
            for i in threadpool_info() if i.get("user_api") == "blas")
    # only the checkout nnlib came from, not a repository that happens to enclose it
    own = (git("rev-parse", "--show-toplevel") == str(root) and
           git("ls-files", "--error-unmatch", "nnlib/__init__.py") is not None)
    commit = git("rev-parse", "HEAD") if own else None
    source = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        source.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
    return {"nnlib_commit": commit, "nnlib_source_sha256": source.hexdigest()[:16],
            "nnlib_modified": None if commit is None else bool(git("status", "--porcelain",
                                                                    "--", "nnlib")),
            "python": platform.python_version(), "numpy": np.__version__,
            "numba": _version("numba"), "scipy": _version("scipy"),
            "blas": "; ".join(blas) or None, "machine": platform.machine()}


def load_splits(mode: str, **where) -> data.Splits:
    """(training, validation, test) arrays for a data mode (a key of DATA_MODES), in float32.
    ``where``: the keywords of ``nnlib.data.locate`` (data_dir, ...)."""
    checks.choice("data mode", mode, sorted(DATA_MODES))
    return getattr(data, DATA_MODES[mode])(np.float32, **where)


def train(config: Config, seed: int, splits: data.Splits) -> Run:
    """Train ``config``'s network with ``seed`` on ``splits.training``; after every epoch
    measure accuracy and cost on the test data (as the book's session does) and on the
    validation data (which chooses learning rates); return the Run.

    BLAS runs on one thread throughout, so a run computes the same numbers alone, in a
    worker process beside others, or on a cluster."""
    return train_network(config, seed, splits)[1]


def train_network(config: Config, seed: int, splits: data.Splits) -> tuple[Network, Run]:
    """``train``, also giving the trained network: (network, run)."""
    net = config.network(seed)
    validation = ([], [])

    def measure_validation(epoch):
        validation[0].append(net.accuracy(splits.validation))
        validation[1].append(net.total_cost(splits.validation, 0.0))

    start = time.perf_counter()
    with threadpool_limits(1, user_api="blas"):
        test_cost, test_accuracy, _, _ = net.SGD(
            splits.training, config.epochs, config.mini_batch_size, config.eta, config.lmbda,
            evaluation_data=splits.test, monitor_evaluation_cost=True,
            monitor_evaluation_accuracy=True, progress=False, verbose=False,
            after_epoch=measure_validation)
        X, labels = splits.test
        answers = np.argmax(net.feedforward(X.T), axis=0)
    n_out = config.sizes[-1]
    confusion = np.bincount(labels * n_out + answers, minlength=n_out * n_out)
    return net, Run(config.for_seed(seed), test_accuracy, test_cost, *validation,
                    test_confusion=confusion.reshape(n_out, n_out).tolist(),
                    n_training=len(splits.training[0]), n_validation=len(splits.validation[0]),
                    n_test=len(X), seconds=time.perf_counter() - start,
                    environment=environment())


# ----------------------------------------------------------------------------- results

class Results:
    """The runs of a study, by the config that produced each, and the plan they serve."""

    def __init__(self, plan: Plan | None = None, runs=()):
        self.plan = plan
        self._runs = {}
        for run in runs:
            self.add(run)

    def add(self, run: Run) -> None:
        """Add a run; a second run of the same config and seed is refused (a ValueError),
        never silently resolved by keeping one of them."""
        if not isinstance(run, Run):
            raise TypeError(f"Results hold Run objects; got {type(run).__name__}")
        if run.config in self._runs:
            raise ValueError(f"these results already hold a run of {run.config}; a config "
                             f"and seed is trained once (remove one of the two runs)")
        self._runs[run.config] = run

    def __len__(self):
        return len(self._runs)

    def __iter__(self):
        return iter(self._runs.values())

    def __contains__(self, config: Config) -> bool:
        """Whether the run of a one-seed ``config`` is here."""
        return config in self._runs

    def runs(self, config: Config) -> list[Run]:
        """The runs of ``config``, one per seed, or a ValueError naming a missing one."""
        missing = [s for s in config.seeds if config.for_seed(s) not in self]
        if missing:
            raise ValueError(f"no run of seed {missing[0]} for {config}; train it with "
                             "run_study first")
        return [self._runs[config.for_seed(s)] for s in config.seeds]

    def test_percent(self, config: Config) -> np.ndarray:
        """Test accuracy after the last epoch, in percent, one per seed: (n_seeds,)."""
        return np.array([run.test_percent for run in self.runs(config)])

    def validation_percent(self, config: Config) -> np.ndarray:
        """Validation accuracy after the last epoch, in percent, one per seed."""
        return np.array([run.validation_percent for run in self.runs(config)])

    def sweep(self, cost: str, plan: Plan | None = None) -> list[Config]:
        """The sweep's points for ``cost``: the plan's grid of etas, widened where the
        best point lies at an edge (see Plan.widen), as far as the runs here allow."""
        plan = self._plan(plan)
        grids = list(self._grids(cost, plan))
        trained = [g for g in grids if all(k in self for k in one_seed_configs(g))]
        return (trained or grids)[-1]  # nothing trained: the plan's grid, to name what's missing

    def next_sweep(self, cost: str, plan: Plan | None = None) -> list[Config]:
        """The sweep's points the study trains next for ``cost``: ``sweep``'s, or one
        point wider where its best lies at an edge and ``plan.widen`` allows."""
        return list(self._grids(cost, self._plan(plan)))[-1]

    def _grids(self, cost: str, plan: Plan):
        """The sweep's grids for ``cost``, each one point wider than the last: the plan's,
        then, while the best point of a fully trained grid lies at its edge (and
        ``plan.widen`` allows), that grid with the next eta past the edge (the grid's own
        ratio), whose runs may not be trained yet."""
        factors = list(plan.sweep_factors)
        yield plan.sweep(cost, factors)
        for _ in range(plan.widen):
            configs = plan.sweep(cost, factors)
            if len(factors) < 2 or not all(k in self for k in one_seed_configs(configs)):
                return
            best = self._best(configs)
            if best == 0:
                factors.insert(0, factors[0] ** 2 / factors[1])
            elif best == len(factors) - 1:
                factors.append(factors[-1] ** 2 / factors[-2])
            else:
                return
            yield plan.sweep(cost, factors)

    def _best(self, configs) -> int:
        """The index of the config with the most correct validation examples after the
        last epoch, summed over its seeds (the first on a tie)."""
        # every point has the same seeds and validation data: compare exact counts
        return int(np.argmax([sum(r.validation_accuracy[-1] for r in self.runs(c))
                              for c in configs]))

    def best_etas(self, plan: Plan | None = None) -> dict:
        """Each cost's learning rate with the highest mean validation accuracy in its
        sweep (the smaller eta on a tie). Test data plays no part in the choice."""
        best = {}
        for cost in COST_LABELS:
            configs = self.sweep(cost, plan)
            best[cost] = configs[self._best(configs)].eta
        return best

    def at_edge(self, plan: Plan | None = None) -> list[str]:
        """The costs whose best eta is still at an edge of their (widened) sweep: the
        true best may lie outside it."""
        edge = []
        for cost in COST_LABELS:
            configs = self.sweep(cost, plan)
            if self._best(configs) in (0, len(configs) - 1):
                edge.append(cost)
        return edge

    def _plan(self, plan):
        plan = self.plan if plan is None else plan
        if plan is None:
            raise ValueError("these results have no plan; pass plan=")
        return plan

    # -- saving and loading --------------------------------------------------------
    def to_json(self) -> dict:
        """The results as JSON-ready data: the plan and every run with its config."""
        return {"format": RESULTS_FORMAT,
                "plan": None if self.plan is None else dataclasses.asdict(self.plan),
                "runs": [dataclasses.asdict(run) for run in self]}

    def save(self, path) -> None:
        """Write the results to the JSON file ``path`` atomically (``nnlib.fileio``): an
        interrupted save leaves the previous file as it was."""
        write_json_atomic(path, self.to_json())


def load_results(path) -> Results:
    """Results saved by ``Results.save``, checked: a file that is not one raises a
    ValueError naming the file, the part that is wrong and what was expected."""
    path = Path(path)
    record = read_json(path, "a results file")
    if not isinstance(record, dict) or record.get("format") != RESULTS_FORMAT:
        found = record.get("format") if isinstance(record, dict) else None
        older = (" It was written by an older nnlib, whose runs lack per-epoch validation "
                 "data: run the study again into a new file."
                 if isinstance(found, str) and found.startswith("nnlib.experiments") else "")
        raise ValueError(f"{path} is not a results file of this nnlib: expected a JSON object "
                         f"with \"format\": {RESULTS_FORMAT!r} (written by Results.save); "
                         f"found {found!r}.{older}")
    unknown = record.keys() - {"format", "plan", "runs"}
    if unknown:  # never dropped silently (run_study would save the file without them)
        raise ValueError(f"{path}: unknown fields {sorted(unknown)}; a results file has "
                         f"format, plan and runs (as Results.save writes them)")
    if not isinstance(record.get("runs"), list):
        raise ValueError(f"{path}: \"runs\" must be a list of runs")
    plan = None
    if record.get("plan") is not None:
        plan = _from_dict(Plan, record["plan"], f"{path}: plan")
    results, where_is = Results(plan), {}
    for i, item in enumerate(record["runs"]):
        where = f"{path}: runs[{i}]"
        if not isinstance(item, dict) or not isinstance(item.get("config"), dict):
            raise ValueError(f"{where} must be an object with a \"config\" object")
        config = _from_dict(Config, item["config"], f"{where}.config")
        run = _from_dict(Run, {**item, "config": config}, where)
        if run.config in where_is:
            raise ValueError(f"{path}: runs[{where_is[run.config]}] and runs[{i}] are both "
                             f"runs of {run.config}; a config and seed is trained once, and "
                             f"which to keep is not for nnlib to guess: delete one")
        where_is[run.config] = i
        results.add(run)
    return results


def _from_dict(cls, fields, where):
    """``cls(**fields)``, turning any complaint into a ValueError that says where."""
    if not isinstance(fields, dict):
        raise ValueError(f"{where} must be a JSON object; got {type(fields).__name__}")
    names = {f.name for f in dataclasses.fields(cls)}
    required = {f.name for f in dataclasses.fields(cls) if f.default is dataclasses.MISSING}
    unknown, missing = fields.keys() - names, required - fields.keys()
    if unknown or missing:
        raise ValueError(f"{where}: unknown fields {sorted(unknown)}, missing fields "
                         f"{sorted(missing)}; a {cls.__name__} has {sorted(names)}")
    try:
        return cls(**fields)
    except (TypeError, ValueError) as e:
        raise ValueError(f"{where} is not a valid {cls.__name__}: {e}") from None


# ------------------------------------------------------------------------------ running

def _save(results: Results, path) -> None:
    """Save ``results`` to ``path``, making its folder; nothing when ``path`` is None."""
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        results.save(path)


_SPLITS = {}


def _train_job(config: Config, splits) -> Run:
    """One run, in whatever process runs it: ``splits``, or the data of ``config.data``
    loaded once per process (each worker of a pool or a cluster reads its own copy)."""
    if splits is None:
        if config.data not in _SPLITS:
            _SPLITS[config.data] = load_splits(config.data)
        splits = _SPLITS[config.data]
    return train(config, config.seeds[0], splits)


def train_all(keys, splits=None, workers: int = 1, client=None):
    """Train the one-seed configs ``keys``, yielding each Run as it finishes: here, one
    after another (workers=1); in ``workers`` processes (joblib's loky backend); or on a
    Dask cluster (``client``). Without ``splits`` each process loads its data once."""
    if client is not None:
        from distributed import as_completed
        # splits given here (small data) travel with each task; without them, each
        # worker loads the plan's data itself, once
        futures = [client.submit(_train_job, key, splits, pure=False) for key in keys]
        try:
            for future in as_completed(futures):
                yield future.result()
        finally:  # an error or an interruption: stop what the cluster still has queued
            client.cancel([f for f in futures if not f.done()])
    elif workers == 1:
        for key in keys:
            yield _train_job(key, splits)
    else:
        from joblib import Parallel, delayed
        yield from Parallel(n_jobs=workers, backend="loky", return_as="generator_unordered")(
            delayed(_train_job)(key, splits) for key in keys)


def _train_missing(configs, results: Results, splits, path, bar, workers, client) -> None:
    """Train every (config, seed) of ``configs`` that ``results`` lacks, adding each Run
    as it finishes (and saving to ``path``, if given, after each: runs finished before an
    interruption are kept). ``bar`` grows by the runs to train and advances per run."""
    keys = [k for k in one_seed_configs(configs) if k not in results]
    bar.total = (bar.total or 0) + len(keys)
    bar.refresh()
    for run in train_all(keys, splits, workers, client):
        results.add(run)
        _save(results, path)
        bar.update(1)


def _sizes_text(sizes) -> str:
    return " / ".join(f"{n:,}" for n in sizes) + " (training / validation / test)"


def _check_sizes(results: Results, data_mode: str, sizes: tuple, path) -> None:
    """Refuse runs of ``data_mode`` in ``results`` (read from ``path``) that were trained
    and evaluated on other numbers of examples than ``sizes``: such runs come from other
    data (run_study's ``splits``) and must not pass for results on this data."""
    for run in results:
        found = (run.n_training, run.n_validation, run.n_test)
        if run.config.data == data_mode and found != sizes:
            raise ValueError(
                f"{path} holds runs on {_sizes_text(found)} examples, but this study's data "
                f"(data={data_mode!r}) has {_sizes_text(sizes)}: they were trained on other "
                f"data, and reused they would pass for results on this data. Use another "
                f"path, or pass splits= with the data they were trained on.")


def run_study(plan: Plan, path=None, splits=None, progress=True, workers=1,
              client=None) -> Results:
    """Every run ``plan`` needs: its sweep (widened where a best eta is at an edge), its
    table at the book's learning rates, then its table at each cost's best learning rate.

    With ``path``, runs already saved there are reused (a study resumes where it
    stopped, and re-plots without training, data or write access), once checked to have
    the sizes of the data in use (a ValueError otherwise); the file (and its folder) is
    written after every new run, and when its plan is not ``plan``. ``splits`` overrides
    the plan's data (tests pass tiny data); otherwise each process that trains loads it
    once. Runs are independent: ``workers`` > 1 trains them in that many processes
    (joblib, loky backend), ``client`` (a ``dask.distributed.Client``) on a Dask
    cluster; each run's numbers are the same either way. One progress bar (tqdm.auto: a
    widget in a notebook) counts the runs trained."""
    checks.integer("workers", workers, minimum=1)
    path = None if path is None else Path(path)
    results = load_results(path) if path is not None and path.exists() else Results()
    sizes = DATA_SIZES[plan.data] if splits is None else tuple(len(x) for x, _ in splits)
    _check_sizes(results, plan.data, sizes, path)
    if results.plan != plan:
        results.plan = plan
        _save(results, path)

    def train_missing(configs):
        _train_missing(configs, results, splits, path, bar, workers, client)

    with tqdm(total=0, desc=f"MNIST study ({plan.name})", unit="run",
              disable=not progress) as bar:
        train_missing(plan.sweep() + plan.table())
        for _ in range(plan.widen):
            train_missing([c for cost in COST_LABELS for c in results.next_sweep(cost, plan)])
        train_missing(plan.table(results.best_etas()))
    return results


# ------------------------------------------------------------------------------- tables

@dataclass(frozen=True)
class CellSummary:
    """One cell of a table over its seeds: test accuracies (%) after the last epoch and at
    each run's best epoch, the stuck runs, and the book's single number beside them."""

    config: Config
    final: np.ndarray      # (n_seeds,) test accuracy after the last epoch, %
    best: np.ndarray       # (n_seeds,) the best epoch's test accuracy, %
    stuck: int             # runs that lost a digit (Run.stuck)
    book: float | None     # the book's single run, %, where it has one

    @property
    def n(self) -> int:
        return len(self.final)

    @property
    def below_book(self) -> int | None:
        """How many of our seeds end below the book's number (None without one)."""
        return None if self.book is None else int(np.sum(self.final < self.book))

    @property
    def best_below_book(self) -> int | None:
        """How many of our seeds' best epochs are below the book's number: the fairer
        count if the book reported its best epoch."""
        return None if self.book is None else int(np.sum(self.best < self.book))


def summarize(results: Results, config: Config) -> CellSummary:
    runs = results.runs(config)
    return CellSummary(config, np.array([r.test_percent for r in runs]),
                       np.array([r.best_test_percent for r in runs]),
                       sum(r.stuck for r in runs), book_accuracy(config))


def _mean_sd(values) -> str:
    """'95.12 ± 0.20' (sample standard deviation), or just the value for one run."""
    if len(values) == 1:
        return f"{values[0]:.2f}"
    return f"{np.mean(values):.2f} ± {np.std(values, ddof=1):.2f}"


def table_text(results: Results, configs, seed: int | None = None) -> str:
    """The table as text, a row per config: n seeds; test accuracy (%) after the last
    epoch as mean ± sample standard deviation and median; at each run's best epoch; the
    stuck runs (which lost a digit); the book's single run and how many of our seeds end
    below it, and how many of their best epochs do. ``seed``: one seed's runs only, as the book reports them."""
    configs = list(configs)
    if seed is not None:
        configs = [c.for_seed(seed) for c in configs]
    lines = [f"PREVIEW on {DATA_SIZES[mode][0]:,} training digits ({mode!r} data): not "
             f"comparable with the book's numbers, which are left out"
             for mode in sorted({c.data for c in configs} - {"full"})]
    lines += [f"{'hidden':>6}  {'cost':<24} {'eta':>6} {'n':>3}  {'last epoch':>13} "
             f"{'median':>6}  {'best epoch':>13}  {'stuck':>5}  {'book':>5}  "
             f"{'below book (last, best)':>23}"]
    for c in configs:
        cell = summarize(results, c)
        book = "" if cell.book is None else f"{cell.book:.2f}"
        below = ("" if cell.book is None else
                 f"{cell.below_book}, {cell.best_below_book} of {cell.n}")
        lines.append(f"{c.hidden!s:>6}  {COST_LABELS[c.cost]:<24} {c.eta:>6g} {cell.n:>3}  "
                     f"{_mean_sd(cell.final):>13} {np.median(cell.final):>6.2f}  "
                     f"{_mean_sd(cell.best):>13}  {cell.stuck:>2}/{cell.n:<2}  {book:>5}  "
                     f"{below:>23}")
    return "\n".join(lines)


@dataclass(frozen=True)
class PairedDifference:
    """Config a's test accuracy minus config b's, seed by seed (the same seed gives both
    networks the same initial weights and the same order of examples), in points of %.

    The t interval assumes differences spread roughly normally; stuck runs (a digit
    lost, some 10 points) break that, so the sign test (how often a is ahead, against a
    fair coin) and the difference over the seeds where neither run is stuck
    (``unstuck()``) are given beside it."""

    a: Config
    b: Config
    seeds: tuple             # the common seeds
    differences: np.ndarray  # (n,) a - b per common seed, points of %
    stuck: np.ndarray        # (n,) bool: a or b is stuck on that seed
    low: float               # the 95 % confidence interval of the mean difference
    high: float              # (Student's t with n - 1 degrees of freedom)

    @property
    def n(self) -> int:
        return len(self.differences)

    @property
    def mean(self) -> float:
        return float(np.mean(self.differences))

    @property
    def wins(self) -> int:
        """Seeds on which a ends above b."""
        return int(np.sum(self.differences > 0))

    @property
    def sign_test_p(self) -> float:
        """Two-sided p of the sign test: as many wins (ties left out) from a fair coin."""
        from scipy import stats

        decided = int(np.sum(self.differences != 0))
        return float(stats.binomtest(self.wins, decided).pvalue) if decided else 1.0

    def unstuck(self) -> PairedDifference | None:
        """The same over the seeds where neither run is stuck (None if fewer than two)."""
        keep = ~self.stuck
        if keep.sum() < 2:
            return None
        return _paired(self.a, self.b, tuple(np.array(self.seeds)[keep].tolist()),
                       self.differences[keep], self.stuck[keep])

    def __str__(self):
        d = self.differences
        return (f"{self.mean:+.2f} points (95 % CI {self.low:+.2f} to {self.high:+.2f}; "
                f"median {np.median(d):+.2f}; ahead on {self.wins} of {self.n} seeds, "
                f"sign test p = {self.sign_test_p:.3f})")


def _paired(a, b, seeds, d, stuck) -> PairedDifference:
    from scipy import stats

    half = stats.t.ppf(0.975, len(d) - 1) * np.std(d, ddof=1) / np.sqrt(len(d))
    return PairedDifference(a, b, seeds, d, stuck, float(d.mean() - half),
                            float(d.mean() + half))


def paired_difference(results: Results, a: Config, b: Config) -> PairedDifference:
    """Test accuracy after the last epoch of ``a`` minus ``b`` over the seeds they share,
    with a 95 % t interval for the mean difference. Needs at least two common seeds."""
    seeds = tuple(s for s in a.seeds if s in b.seeds)
    if len(seeds) < 2:
        raise ValueError(f"a paired difference needs two or more seeds in both configs; "
                         f"they share {list(seeds)}")
    pairs = [(results.runs(a.for_seed(s))[0], results.runs(b.for_seed(s))[0]) for s in seeds]
    d = np.array([ra.test_percent - rb.test_percent for ra, rb in pairs])
    stuck = np.array([ra.stuck or rb.stuck for ra, rb in pairs])
    return _paired(a, b, seeds, d, stuck)


def comparison_text(results: Results, plan: Plan | None = None) -> str:
    """The cross-entropy's gain over the quadratic cost (and softmax + log-likelihood's),
    as paired differences with 95 % intervals and sign tests, and again without the seeds
    where a run is stuck: per hidden size, at the book's learning rates and at each
    cost's best (chosen on validation data)."""
    plan = results._plan(plan)
    lines = []
    for label, etas in (("the book's eta", None), ("each cost's best eta", results.best_etas(plan))):
        cells = plan.table(etas)
        for h in plan.hidden:
            by_cost = {c.cost: c for c in cells if c.hidden == h}
            for name in ("CrossEntropyCost", "LogLikelihoodCost"):
                a, b = by_cost[name], by_cost["QuadraticCost"]
                diff = paired_difference(results, a, b)
                lines.append(f"[784, {h}, 10], {label}: {COST_LABELS[name]} (eta {a.eta:g}) "
                             f"minus quadratic (eta {b.eta:g}): {diff}")
                if diff.stuck.any():
                    rest = diff.unstuck()
                    lines.append(f"    without the {int(diff.stuck.sum())} seed(s) with a stuck "
                                 f"run: " + (f"{rest}" if rest else "fewer than two seeds left"))
    return "\n".join(lines)


def sweep_text(results: Results, plan: Plan | None = None) -> str:
    """The sweep as text: per cost, the mean validation accuracy (%) after the last epoch
    at each learning rate, the best marked with *, and a warning for a best eta still at
    an edge of the grid after widening."""
    plan = results._plan(plan)
    best, edge = results.best_etas(plan), results.at_edge(plan)
    lines = []
    for cost in COST_LABELS:
        cells = []
        for c in results.sweep(cost, plan):
            mark = "*" if c.eta == best[cost] else " "
            cells.append(f"{c.eta:g}: {results.validation_percent(c).mean():.2f}{mark}")
        lines.append(f"{COST_LABELS[cost]:<24}  " + "   ".join(cells))
        if cost in edge:
            lines.append(f"{'':<24}  (best at the edge of the grid: the true best may lie "
                         f"beyond it)")
    return "\n".join(lines)


def provenance_text(results: Results) -> str:
    """Where the results came from: how many runs, the summed training time, and each
    environment that computed them (nnlib commit, versions, BLAS, machine)."""
    envs = Counter(json.dumps(run.environment, sort_keys=True) for run in results)
    lines = [f"{len(results)} runs, {sum(r.seconds for r in results) / 60:.0f} minutes of "
             f"training in all, computed by:"]
    for env, n in envs.items():
        e = json.loads(env)
        commit = (e.get("nnlib_commit") or "unknown")[:10]
        modified = " (modified)" if e.get("nnlib_modified") else ""
        lines.append(f"  {n} runs: nnlib {commit}{modified}, Python {e.get('python')}, "
                     f"numpy {e.get('numpy')}, numba {e.get('numba')}, "
                     f"BLAS {e.get('blas')}, {e.get('machine')}")
    return "\n".join(lines)


def stuck_text(results: Results, configs) -> str:
    """Per config with stuck runs: which seeds lost which digits, and their accuracy."""
    lines = []
    for c in configs:
        for run in results.runs(c):
            if run.stuck:
                lines.append(f"[784, {c.hidden}, 10] {COST_LABELS[c.cost]}, eta {c.eta:g}, "
                             f"seed {run.config.seeds[0]}: {run.test_percent:.2f} %, never "
                             f"learnt digit(s) {', '.join(map(str, run.lost_digits))}")
    return "\n".join(lines) or "no stuck runs"


def output_weighted_inputs(net: Network, X) -> np.ndarray:
    """The output layer's weighted inputs z^L for the inputs ``X`` (n, 784): the
    feedforward of Eq. (25) stopped before the last activation. Shape (n_out, n)."""
    a = np.asarray(X, dtype=net.dtype).T
    for w, b in zip(net.weights[:-1], net.biases[:-1]):
        a = sigmoid(w @ a + b)
    return net.weights[-1] @ a + net.biases[-1]


def saturation_text(net: Network, test, digit: int) -> str:
    """What the output neuron for ``digit`` does on the test images of that digit: its
    weighted input, its output, sigma'(z), and the output error each cost would back-
    propagate there (y = 1): (a - y) sigma'(z) for the quadratic cost (BP1, the factor of
    Eqs. 55-56), a - y for the cross-entropy (Eq. 66)."""
    X, labels = test
    z = output_weighted_inputs(net, X[labels == digit])[digit]
    a = sigmoid(z)
    quadratic, cross_entropy = np.abs((a - 1) * sigmoid_prime(z)), np.abs(a - 1)
    return (f"output neuron {digit} on the {len(z):,} test images of a {digit}:\n"
            f"  weighted input z: median {np.median(z):.1f} (from {z.min():.1f} to "
            f"{z.max():.1f})\n"
            f"  output a = sigma(z): median {np.median(a):.1e}, largest {a.max():.3f} "
            f"(the target is 1)\n"
            f"  sigma'(z): median {np.median(sigmoid_prime(z)):.1e}\n"
            f"  |output error| with the quadratic cost, |(a - y) sigma'(z)|: median "
            f"{np.median(quadratic):.1e}\n"
            f"  |output error| with the cross-entropy, |a - y|: median "
            f"{np.median(cross_entropy):.2f}")


def plot_output_neuron(net: Network, test, digit: int, ax=None):
    """Histogram of the weighted input z of the output neuron for ``digit``, over the test
    images of that digit and over the others, with sigma'(z) on a second axis: where
    the bars stand, the quadratic cost's gradient (Eq. 55) is that small. Returns the
    Figure."""
    ax = axes_or_new(ax, figsize=(6.4, 3.4))
    X, labels = test
    z = output_weighted_inputs(net, X)[digit]
    bins = np.linspace(min(z.min(), -8), max(z.max(), 8), 60)
    ax.hist(z[labels != digit], bins=bins, color="0.6", alpha=0.7, density=True,
            label="images of other digits")
    ax.hist(z[labels == digit], bins=bins, color="C3", alpha=0.7, density=True,
            label=f"images of a {digit}")
    ax.set_xlabel(f"weighted input $z$ of output neuron {digit}")
    ax.set_ylabel("share of images (density)")
    twin = ax.twinx()
    grid = np.linspace(bins[0], bins[-1], 400)
    twin.plot(grid, sigmoid_prime(grid), color="k", lw=1.2, label="σ'(z)")
    twin.set_ylim(0, 0.26)
    twin.set_ylabel("σ'(z)")
    twin.grid(False)
    handles = ax.get_legend_handles_labels()
    extra = twin.get_legend_handles_labels()
    ax.legend(handles[0] + extra[0], handles[1] + extra[1], loc="upper right",
              fontsize="small")
    return ax.figure


# -------------------------------------------------------------------------------- plots

def plot_learning_curves(history, n_training, n_evaluation, axes=None):
    """Accuracy (%) and cost against epoch from the four lists ``Network.SGD`` returns
    (evaluation cost, evaluation accuracy, training cost, training accuracy; an empty
    list is skipped). ``axes``: a pair of axes. Returns the Figure."""
    if len(history) != 4:
        raise ValueError(f"history must be the 4 lists SGD returns; got {len(history)} items")
    acc_ax, cost_ax = axes_or_new(axes, ncols=2, figsize=(8, 3.2))
    eval_cost, eval_acc, train_cost, train_acc = history
    for values, n, ax, label, color in (
            (train_acc, n_training, acc_ax, "training data", "C7"),
            (eval_acc, n_evaluation, acc_ax, "test data", "C0"),
            (train_cost, 1, cost_ax, "training data", "C7"),
            (eval_cost, 1, cost_ax, "test data", "C0")):
        if len(values):
            scale = 100 / n if ax is acc_ax else 1
            epochs = np.arange(1, len(values) + 1)
            ax.plot(epochs, np.asarray(values, dtype=float) * scale, "o-", ms=3,
                    color=color, label=label)
    acc_ax.set_ylabel("accuracy (%)")
    acc_ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    cost_ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    cost_ax.set_ylabel("cost (mean over examples)")
    for ax in (acc_ax, cost_ax):
        ax.set_xlabel("epoch")
        ax.legend()
    return acc_ax.figure


def plot_spread(results: Results, configs, ax=None):
    """Test accuracy (%) after the last epoch for each config: one dot per seed (a cross
    for a stuck run, which lost a digit), the mean ± sample standard deviation as a bar,
    the book's single run as a black star where it trained that config. Returns the
    Figure."""
    configs = list(configs)
    ax = axes_or_new(ax, figsize=(8.5, 3.8))
    labelled = set()

    def label(text):
        if text in labelled:
            return None
        labelled.add(text)
        return text

    for i, config in enumerate(configs):
        runs = results.runs(config)
        acc = np.array([run.test_percent for run in runs])
        stuck = np.array([run.stuck for run in runs])
        color = COST_COLORS[config.cost]
        jitter = np.linspace(-0.12, 0.12, len(acc)) if len(acc) > 1 else np.zeros(1)
        ax.plot((i + jitter)[~stuck], acc[~stuck], "o", ms=4, alpha=0.6, color=color,
                label=label("one seed"))
        if stuck.any():
            ax.plot((i + jitter)[stuck], acc[stuck], "x", ms=6, mew=1.5, color=color,
                    label=label("one seed, stuck (lost a digit)"))
        sd = np.std(acc, ddof=1) if len(acc) > 1 else 0.0
        ax.errorbar(i + 0.3, acc.mean(), yerr=sd, fmt="s", ms=5, capsize=4, color=color,
                    label=label("mean ± sd"))
        book = book_accuracy(config)
        if book is not None:
            ax.plot(i + 0.3, book, "*", ms=11, color="k", label=label("the book (one run)"))
    ax.set_xticks(range(len(configs)), [c.label() for c in configs], fontsize="small")
    ax.set_xlim(-0.5, len(configs) - 0.3)
    ax.set_ylabel("test accuracy, last epoch (%)")
    ax.legend(loc="lower left", fontsize="small")
    return ax.figure


def plot_sweep(results: Results, plan: Plan | None = None, ax=None):
    """Validation accuracy (%) after the last epoch against the learning rate, mean ±
    sample standard deviation over the sweep's seeds, one line per cost; each cost's
    best eta ringed, its book eta marked by a dotted line. Returns the Figure."""
    plan = results._plan(plan)
    ax = axes_or_new(ax, figsize=(6.4, 3.6))
    best = results.best_etas(plan)
    for cost, label in COST_LABELS.items():
        configs = results.sweep(cost, plan)
        etas = np.array([c.eta for c in configs])
        accs = [results.validation_percent(c) for c in configs]
        means = np.array([a.mean() for a in accs])
        sds = np.array([np.std(a, ddof=1) if len(a) > 1 else 0.0 for a in accs])
        color = COST_COLORS[cost]
        ax.errorbar(etas, means, yerr=sds, fmt="o-", ms=4, capsize=3, color=color, label=label)
        ax.plot([best[cost]], [means[etas == best[cost]][0]], "o", ms=13, mfc="none",
                color=color)
        ax.axvline(BOOK_ETA[cost], color=color, ls=":", lw=1)
    ax.set_xscale("log")
    ax.set_xlabel("learning rate η (log scale; dotted: the book's)")
    ax.set_ylabel("validation accuracy, last epoch (%)")
    ax.set_title(f"[784, {plan.hidden[0]}, 10], {plan.epochs} epochs, "
                 f"{len(plan.sweep_seeds)} seeds per point; ringed: best", fontsize="medium")
    ax.legend(fontsize="small")
    return ax.figure


def _draw_curves(ax, results, configs, epoch):
    """Test accuracy (%) against epoch on ``ax``: every seed of each config thin, the
    mean thick, ``epoch`` marked. Returns {cost: (mean, sd) at ``epoch``}."""
    at = {}
    for config in configs:
        runs = results.runs(config)
        curves = np.array([[100 * a / run.n_test for a in run.test_accuracy] for run in runs])
        epochs = np.arange(1, config.epochs + 1)
        color = COST_COLORS[config.cost]
        ax.plot(epochs, curves.T, color=color, lw=0.8, alpha=0.35)
        ax.plot(epochs, curves.mean(axis=0), color=color, lw=2.2,
                label=f"{COST_LABELS[config.cost]}, η = {config.eta:g}")
        column = curves[:, epoch - 1]
        at[config.cost] = (column.mean(), np.std(column, ddof=1) if len(column) > 1 else 0.0)
    ax.axvline(epoch, color="0.5", lw=1, ls="--")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("epoch")
    ax.set_ylabel("test accuracy (%)")
    ax.set_title(f"[784, {configs[0].hidden}, 10]: each seed (thin) and the mean (thick)",
                 fontsize="medium")
    ax.legend(loc="lower right", fontsize="small")
    return at


def _cells(results, plan, hidden, etas):
    """The table's configs (one per cost) for one hidden size and learning rates."""
    plan = results._plan(plan)
    hidden = plan.hidden[0] if hidden is None else hidden
    checks.choice("hidden", hidden, plan.hidden, detail=" (the plan's sizes)")
    return [c for c in plan.table(etas) if c.hidden == hidden]


def plot_test_curves(results: Results, hidden=None, etas=None, epoch=None, plan=None, ax=None):
    """Test accuracy (%) after every epoch of every seed, for the table's cells with
    ``hidden`` neurons (default: the plan's first size) at learning rates ``etas`` (the
    book's by default), ``epoch`` (default: the last) marked. Returns the Figure."""
    configs = _cells(results, plan, hidden, etas)
    epochs = configs[0].epochs
    if epoch is None:
        epoch = epochs
    checks.integer("epoch", epoch, 1, epochs,
                   detail=f" (the epochs of each run), e.g. epoch={epochs} for the last")
    ax = axes_or_new(ax, figsize=(6.4, 3.6))
    _draw_curves(ax, results, configs, epoch)
    return ax.figure


class CurvesExplorer(Demo):
    """``plot_test_curves`` with controls: a menu for the hidden size, a choice of
    learning rates (the book's, or each cost's best from the sweep), and an epoch slider
    with Play; beside the figure, each cost's mean ± sd at that epoch."""

    def __init__(self, results: Results, plan: Plan | None = None):
        self.results, self.plan = results, results._plan(plan)
        self.etas = {"the book's η": None, "best η (validation)": results.best_etas(self.plan)}
        # nnlib's guarded controls: an epoch, size or choice set from code that the runs
        # do not have is refused, not drawn as another epoch's numbers
        self.hidden = guarded.Dropdown(options=self.plan.hidden, description="hidden")
        self.choice = guarded.ToggleButtons(options=list(self.etas))
        epochs = self.plan.epochs
        self.epoch = guarded.IntSlider(value=epochs, min=1, max=epochs, description="epoch")
        self.play = guarded.Play(value=epochs, min=1, max=epochs, interval=500)
        widgets.jslink((self.play, "value"), (self.epoch, "value"))
        self.figure = LiveFigure(figsize=(6.4, 3.6), css_class="nnlib-curves-figure")
        self.readout = widgets.HTML()
        for control in (self.hidden, self.choice, self.epoch):
            control.observe(self.redraw, names="value")
        self.widget = widgets.VBox([widgets.HBox([self.hidden, self.choice]),
                                    widgets.HBox([self.play, self.epoch]),
                                    self.figure.image, self.readout])
        self.redraw()

    def redraw(self, change=None):
        """Draw the chosen cells at the chosen epoch, in place."""
        configs = _cells(self.results, self.plan, self.hidden.value,
                         self.etas[self.choice.value])
        ax = self.figure.ax
        ax.clear()
        at = _draw_curves(ax, self.results, configs, self.epoch.value)
        self.figure.refresh()
        self.readout.value = f"after epoch {self.epoch.value}: " + ";  ".join(
            f"{COST_LABELS[cost]} <b>{mean:.2f} ± {sd:.2f} %</b>"
            for cost, (mean, sd) in at.items())

    def summary(self) -> str:
        return "Curves explorer: hidden size, learning rates, and an epoch slider with Play"


def describe(plan: Plan) -> str:
    """A paragraph saying what ``plan`` runs, for the notebook and the CLI."""
    if not isinstance(plan, Plan):  # e.g. the plan of a results file saved without one
        raise checks.WrongKindError(
            f"describe needs a Plan (mnist_study.FULL_PLAN, QUICK_PLAN, or the plan a study's "
            f"results file holds); got {plan!r:.60}" + (
                ": these results have no plan (load a file run_study saved)"
                if plan is None else ""))
    n_training, _, n_test = DATA_SIZES[plan.data]
    n_data = {"full": f"MNIST's {n_training:,} training images (test: its {n_test:,} test "
                      f"images)",
              "small": f"{n_training:,} real MNIST digits (test: {n_test:,} others)"}[plan.data]
    return (f"{plan.name} plan: {plan.epochs} epochs per run on {n_data}; "
            f"{len(plan.seeds)} seeds per table cell, {len(plan.sweep_seeds)} per point of "
            f"the sweep over eta x {', '.join(f'{f:g}' for f in plan.sweep_factors)}; "
            f"at most {plan.runs()} runs.")
