"""Tests of nnlib.notebook.mnist_study, the runner of notebook 04's MNIST study, on tiny data.

Tiny data: 784-value random inputs whose label is the brightest of the first ten pixels,
so a network can learn something in a few epochs (and seeds and learning rates matter).
"""
import dataclasses
import importlib.util
import json
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from matplotlib.figure import Figure

import nnlib.data
from nnlib.notebook import mnist_study
from nnlib.costs import QuadraticCost
from nnlib.data import Splits
from nnlib.notebook.mnist_study import Config, Plan, Results, Run
from nnlib.network import Network

# Tiny random data with N(0, 1) weights and large etas: many of these runs saturate and
# classify at chance, and SGD rightly says so; that is not what these tests are about.
pytestmark = pytest.mark.filterwarnings("ignore:training collapsed:RuntimeWarning")


def tiny_set(n, seed):
    rng = np.random.default_rng(seed)
    X = rng.random((n, 784), dtype=np.float32)
    return X, np.argmax(X[:, :10], axis=1)


@pytest.fixture(scope="module")
def splits():
    return Splits(tiny_set(40, 0), tiny_set(20, 1), tiny_set(20, 2))


TINY_PLAN = Plan(name="tiny", data="small", epochs=2, seeds=(0, 1), sweep_seeds=(0,),
                 sweep_factors=(0.5, 1.0), session_epochs=1, hidden=(3, 4))


def keys(plan, results=None):
    """Every one-seed config a study of ``plan`` must hold: without ``results``, the runs
    before the best etas are known; with them, all (the sweep as widened, the tables)."""
    configs = plan.sweep() + plan.table()
    if results is not None:
        configs += [c for cost in mnist_study.COST_LABELS
                    for c in results.next_sweep(cost, plan)]
        configs += plan.table(results.best_etas(plan))
    return {c.for_seed(s) for c in configs for s in c.seeds}


def fake_confusion(n_test, correct, n_out=10, lost=()):
    """A (true digit, answer) table of ``n_test`` examples spread over the digits, the
    first ``correct`` of them right, none of the digits ``lost`` right."""
    table = np.zeros((n_out, n_out), int)
    digits = [d for d in range(n_out) if d not in lost]
    for i in range(n_test):
        right = i < correct
        true = digits[i % len(digits)] if right else lost[i % len(lost)] if lost else i % n_out
        table[true, true if right else (true + 1) % n_out] += 1
    return table.tolist()


def fake_run(config, seed, validation, test=10, sizes=(40, 20, 20), seconds=0.0, lost=()):
    """A Run with chosen final validation and test counts, for testing the selection;
    ``sizes``: its (training, validation, test) examples; ``lost``: digits it never gets."""
    n_training, n_validation, n_test = sizes
    e = config.epochs
    return Run(config.for_seed(seed), [test] * e, [1.0] * e, [validation] * e, [1.0] * e,
               fake_confusion(n_test, test, config.sizes[-1], lost), n_training=n_training,
               n_validation=n_validation, n_test=n_test, seconds=seconds,
               environment={"fake": True})


def fake_study(plan, sizes):
    """Results holding every run a study of ``plan`` needs, faked with ``sizes``."""
    results = Results(plan)

    def add(configs):
        for key in mnist_study.one_seed_configs(configs):
            if key not in results:
                results.add(fake_run(key, key.seeds[0], 7, sizes=sizes))

    add(plan.sweep() + plan.table())
    for _ in range(plan.widen):
        add([c for cost in mnist_study.COST_LABELS for c in results.next_sweep(cost)])
    add(plan.table(results.best_etas()))
    return results


# ----------------------------------------------------------------------- running

def test_run_study_trains_every_cell_of_the_plan_once(splits, monkeypatch):
    trained = []
    real_train = mnist_study.train
    monkeypatch.setattr(mnist_study, "train",
                        lambda c, s, d: trained.append(c.for_seed(s)) or real_train(c, s, d))
    results = mnist_study.run_study(TINY_PLAN, splits=splits, progress=False)
    wanted = keys(TINY_PLAN, results)
    assert {run.config for run in results} == wanted
    assert sorted(map(str, trained)) == sorted(map(str, wanted))  # nothing twice
    assert len(wanted) <= TINY_PLAN.runs()  # the progress bar's total is an upper bound
    for config in TINY_PLAN.table():
        assert results.test_percent(config).shape == (2,)


def test_the_bar_counts_exactly_its_total(splits, monkeypatch):
    counted = []

    class Bar:
        def __init__(self, total, **kwargs):
            self.total, self.n = total, 0

        def update(self, k):
            self.n += k

        def refresh(self):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            counted.append((self.n, self.total))

    monkeypatch.setattr(mnist_study, "tqdm", Bar)
    results = mnist_study.run_study(TINY_PLAN, splits=splits)
    assert counted == [(len(results), len(results))]
    assert len(results) <= TINY_PLAN.runs()


def test_a_run_is_the_networks_own_training(splits):
    config = Config(sizes=(784, 5, 10), cost="QuadraticCost", eta=3.0, epochs=3,
                    mini_batch_size=10, data="small")
    run = mnist_study.train(config, 7, splits)

    def monitored(evaluation_data):
        """The book's session by hand, monitoring ``evaluation_data``: (net, costs, accs)."""
        net = Network([784, 5, 10], cost=QuadraticCost, dtype=np.float32, seed=7)
        net.large_weight_initializer()
        cost, acc, _, _ = net.SGD(splits.training, 3, 10, 3.0, evaluation_data=evaluation_data,
                                  monitor_evaluation_cost=True, monitor_evaluation_accuracy=True,
                                  progress=False, verbose=False)
        return net, tuple(cost), tuple(acc)

    net, cost, acc = monitored(splits.test)
    assert (run.test_cost, run.test_accuracy) == (cost, acc)
    _, cost, acc = monitored(splits.validation)
    assert (run.validation_cost, run.validation_accuracy) == (cost, acc)
    answers = np.argmax(net.feedforward(splits.test[0].T), axis=0)
    confusion = np.array(run.test_confusion)
    for true, answer in ((0, 0), (3, 5), (9, 9)):
        assert confusion[true, answer] == np.sum((splits.test[1] == true) & (answers == answer))
    assert run.environment == mnist_study.environment()
    assert (run.n_training, run.n_validation, run.n_test) == (40, 20, 20)
    assert run.config == config.for_seed(7)


def test_seeds_make_runs_repeat_and_differ(splits):
    config = Config(sizes=(784, 5, 10), epochs=2, data="small")
    first, again = (mnist_study.train(config, 3, splits) for _ in range(2))
    other = mnist_study.train(config, 4, splits)
    assert (first.test_cost, first.validation_accuracy) == (again.test_cost,
                                                             again.validation_accuracy)
    assert first.test_cost != other.test_cost


@pytest.mark.parametrize("change", [{"initializer": "default"}, {"eta": 0.1}, {"lmbda": 5.0},
                                    {"mini_batch_size": 4}, {"cost": "LogLikelihoodCost"},
                                    {"dtype": "float64"}])
def test_every_config_field_reaches_the_network(splits, change):
    base = Config(sizes=(784, 5, 10), epochs=2, data="small")
    changed = dataclasses.replace(base, **change)
    assert (mnist_study.train(base, 0, splits).test_cost
            != mnist_study.train(changed, 0, splits).test_cost)


def test_the_full_plan_runs_the_same_code_on_tiny_data(splits):
    plan = dataclasses.replace(mnist_study.FULL_PLAN, epochs=1)  # 30 epochs: the same, slower
    results = mnist_study.run_study(plan, splits=splits, progress=False)
    assert {run.config for run in results} == keys(plan, results)
    assert len(results) >= 66  # 45 sweep runs, 6 more at 30 hidden, 15 at 100
    assert all(run.config.data == "full" for run in results)


def test_each_data_mode_loads_its_own_split(splits, monkeypatch):
    calls = []
    for mode, name in mnist_study.DATA_MODES.items():
        monkeypatch.setattr(nnlib.data, name, lambda dtype, _mode=mode, **where:
                            calls.append((_mode, dtype, where)) or splits)
    plan = dataclasses.replace(TINY_PLAN, data="full")
    results = mnist_study.run_study(plan, progress=False)  # no splits: the plan's data
    assert calls == [("full", np.float32, {})]  # loaded once, for the first run trained
    assert len(results) == len(keys(plan, results))
    mnist_study.load_splits("small", data_dir="somewhere")
    assert calls[-1] == ("small", np.float32, {"data_dir": "somewhere"})
    with pytest.raises(ValueError, match="data mode must be one of"):
        mnist_study.load_splits("tiny")


def test_the_books_number_stands_only_beside_runs_trained_as_the_books():
    book = Config(sizes=(784, 100, 10), cost="QuadraticCost", eta=3.0)
    assert mnist_study.book_accuracy(book) == 96.59
    for change in ({"data": "small"}, {"epochs": 3}, {"eta": 6.0}, {"mini_batch_size": 5},
                   {"initializer": "default"}, {"lmbda": 0.1}, {"sizes": (784, 50, 10)},
                   {"cost": "LogLikelihoodCost", "eta": 0.5}):
        assert mnist_study.book_accuracy(dataclasses.replace(book, **change)) is None, change
    assert mnist_study.FULL_PLAN.data == "full" and mnist_study.QUICK_PLAN.data == "small"


# ------------------------------------------------------------- choosing the best eta

def sweep_results(validation_by_eta):
    """Results for TINY_PLAN's sweep with each cost's validation count per eta factor."""
    results = Results(TINY_PLAN)
    for cost in mnist_study.COST_LABELS:
        for config, correct in zip(TINY_PLAN.sweep(cost), validation_by_eta[cost]):
            # the test accuracy says the opposite, so a choice by test data would differ
            results.add(fake_run(config, 0, correct, test=20 - correct))
    return results


def test_best_eta_is_the_best_on_validation_data_not_test_data():
    results = sweep_results({"QuadraticCost": [5, 9], "CrossEntropyCost": [12, 8],
                             "LogLikelihoodCost": [3, 4]})
    book = mnist_study.BOOK_ETA
    assert results.best_etas() == {"QuadraticCost": book["QuadraticCost"],
                                   "CrossEntropyCost": book["CrossEntropyCost"] * 0.5,
                                   "LogLikelihoodCost": book["LogLikelihoodCost"]}


def test_a_tie_goes_to_the_smaller_eta():
    results = sweep_results({cost: [7, 7] for cost in mnist_study.COST_LABELS})
    assert results.best_etas() == {c: e * 0.5 for c, e in mnist_study.BOOK_ETA.items()}
    # factors given largest first are sorted, so the tie still goes to the smaller eta
    reversed_plan = dataclasses.replace(TINY_PLAN, sweep_factors=(1.0, 0.5))
    assert reversed_plan.sweep_factors == (0.5, 1.0)
    assert results.best_etas(reversed_plan) == results.best_etas()


def test_missing_runs_are_named():
    results = sweep_results({cost: [7, 7] for cost in mnist_study.COST_LABELS})
    with pytest.raises(ValueError, match=r"no run of seed 1 for Config\(sizes=\(784, 3, 10\)"):
        results.test_percent(TINY_PLAN.table()[0])
    with pytest.raises(ValueError, match="no plan"):
        Results().best_etas()


# ------------------------------------------------------------------------ the tables

def test_table_text_shows_mean_sd_range_and_the_books_number():
    config = Config(sizes=(784, 30, 10), cost="CrossEntropyCost", epochs=30, seeds=(0, 1))
    results = Results(runs=[fake_run(config, 0, 10, test=19), fake_run(config, 1, 10, test=17)])
    text = mnist_study.table_text(results, [config])
    row = text.splitlines()[1].split()
    assert row == ["30", "cross-entropy", "0.5", "2", "90.00", "±", "7.07", "90.00", "90.00",
                   "±", "7.07", "0/2", "95.49", "2,", "2", "of", "2"]
    one = mnist_study.table_text(results, [config], seed=1).splitlines()[1].split()
    assert one == ["30", "cross-entropy", "0.5", "1", "85.00", "85.00", "85.00", "0/1", "95.49",
                   "1,", "1", "of", "1"]


def test_sweep_text_marks_the_best():
    results = sweep_results({"QuadraticCost": [5, 9], "CrossEntropyCost": [12, 8],
                             "LogLikelihoodCost": [3, 4]})
    text = mnist_study.sweep_text(results)
    lines = [line for line in text.splitlines() if not line.startswith(" ")]
    assert lines[0].startswith("quadratic") and "3: 45.00*" in lines[0]
    assert "0.25: 60.00*" in lines[1] and "0.5: 40.00 " in lines[1]
    # two points: every best is at an edge (these results hold no widened points)
    assert text.count("best at the edge of the grid") == 3


# ------------------------------------------------------------- saving and resuming

def test_save_and_load_give_the_same_results(splits, tmp_path):
    path = tmp_path / "results" / "study.json"  # the folder is made
    results = mnist_study.run_study(TINY_PLAN, path, splits=splits, progress=False)
    loaded = mnist_study.load_results(path)
    assert loaded.plan == TINY_PLAN
    assert sorted(loaded, key=str) == sorted(results, key=str)
    assert [p.name for p in path.parent.iterdir()] == ["study.json"]  # no temporary files


def test_a_study_resumes_from_its_file(splits, tmp_path, monkeypatch):
    path = tmp_path / "study.json"
    mnist_study.run_study(TINY_PLAN, path, splits=splits, progress=False)
    record = json.loads(path.read_text())
    dropped = record["runs"].pop(3)
    path.write_text(json.dumps(record))
    trained = []
    real_train = mnist_study.train
    monkeypatch.setattr(mnist_study, "train",
                        lambda c, s, d: trained.append(c) or real_train(c, s, d))
    mnist_study.run_study(TINY_PLAN, path, splits=splits, progress=False)
    assert trained == [Config(**dropped["config"])]
    # complete now: re-plotting trains nothing
    monkeypatch.setattr(mnist_study, "train", None)
    results = mnist_study.run_study(TINY_PLAN, path, splits=splits, progress=False)
    assert len(results) == len(record["runs"]) + 1


def test_replotting_needs_no_training_data_or_write_access(tmp_path, monkeypatch):
    path = tmp_path / "study.json"
    fake_study(TINY_PLAN, mnist_study.DATA_SIZES["small"]).save(path)
    before = path.read_text()

    def refused(*args, **kwargs):
        raise PermissionError("a read-only checkout")

    for name in ("train", "load_splits", "write_json_atomic"):
        monkeypatch.setattr(mnist_study, name, refused)
    monkeypatch.setattr(Path, "mkdir", refused)
    results = mnist_study.run_study(TINY_PLAN, path, progress=False)
    assert len(results) == len(keys(TINY_PLAN, results))
    assert path.read_text() == before
    # another plan needing the same runs is written down, still without training
    monkeypatch.undo()
    for name in ("train", "load_splits"):
        monkeypatch.setattr(mnist_study, name, refused)
    renamed = dataclasses.replace(TINY_PLAN, name="renamed")
    mnist_study.run_study(renamed, path, progress=False)
    assert mnist_study.load_results(path).plan == renamed


def test_stored_runs_on_other_data_are_not_reused(splits, tmp_path, monkeypatch):
    path = tmp_path / "study.json"
    mnist_study.run_study(TINY_PLAN, path, splits=splits, progress=False)  # 40 / 20 / 20
    before = path.read_text()
    monkeypatch.setattr(mnist_study, "train", None)
    with pytest.raises(ValueError, match=r"holds runs on 40 / 20 / 20 \(training / "
                       r"validation / test\) examples, but this study's data \(data='small'\) "
                       r"has 8,000 / 1,000 / 1,000 .* pass splits="):
        mnist_study.run_study(TINY_PLAN, path, progress=False)  # MNIST's small mode
    other = Splits(tiny_set(30, 3), splits.validation, splits.test)
    with pytest.raises(ValueError, match="has 30 / 20 / 20"):
        mnist_study.run_study(TINY_PLAN, path, splits=other, progress=False)
    assert path.read_text() == before
    # runs of another data mode are never reused, so they are no obstacle
    full = dataclasses.replace(TINY_PLAN, data="full")
    monkeypatch.setattr(mnist_study, "train", lambda c, s, d: fake_run(
        c, s, 7, sizes=mnist_study.DATA_SIZES["full"]))
    monkeypatch.setattr(mnist_study, "load_splits", lambda mode: None)
    results = mnist_study.run_study(full, path, progress=False)
    assert len(results) == len(json.loads(before)["runs"]) + len(keys(full, results))


def test_the_data_sizes_are_what_each_mode_loads(monkeypatch):
    def blank_set(set_name, **where):
        """MNIST's set ``set_name`` as blank images and labels, as many as it holds."""
        n = nnlib.data.FILES[nnlib.data.SETS[set_name][0]].count
        return np.zeros((n, 28, 28), np.uint8), np.zeros(n, np.uint8)

    monkeypatch.setattr(nnlib.data, "load_set", blank_set)
    for mode in mnist_study.DATA_MODES:
        loaded = mnist_study.load_splits(mode)
        assert tuple(len(x) for x, _ in loaded) == mnist_study.DATA_SIZES[mode]


def test_an_interrupted_save_keeps_the_old_file(splits, tmp_path, monkeypatch):
    path = tmp_path / "study.json"
    results = mnist_study.run_study(TINY_PLAN, path, splits=splits, progress=False)
    before = path.read_text()

    def crash(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(json, "dump", crash)
    with pytest.raises(KeyboardInterrupt):
        results.save(path)
    assert path.read_text() == before
    assert [p.name for p in tmp_path.iterdir()] == ["study.json"]


@pytest.fixture(scope="module")
def saved_record(splits, tmp_path_factory):
    """The JSON record of a tiny study, saved by run_study."""
    path = tmp_path_factory.mktemp("saved") / "study.json"
    mnist_study.run_study(TINY_PLAN, path, splits=splits, progress=False)
    return json.loads(path.read_text())


@pytest.mark.parametrize("damage, message", [
    (lambda r: "not json", "not valid JSON"),
    (lambda r: "[" * 100_000 + "]" * 100_000, "nested thousands deep"),
    (lambda r: [], "not a results file"),
    (lambda r: {**r, "format": "other"}, "not a results file"),
    (lambda r: {**r, "runs": {}}, '"runs" must be a list'),
    (lambda r: {**r, "notes": "lr 3 diverged"},
     r"unknown fields \['notes'\]; a results file has format, plan and runs"),
    (lambda r: {**r, "plan": {**r["plan"], "epochs": 0}}, "plan is not a valid Plan: epochs"),
    (lambda r: {**r, "plan": {**r["plan"], "color": 1}}, r"unknown fields \['color'\]"),
    (lambda r: {**r, "runs": [5]}, r"runs\[0\] must be an object"),
    (lambda r: _edit_run(r, config={"eta": -1}), r"runs\[0\].config is not a valid Config: eta"),
    (lambda r: _edit_run(r, config={"cost": "Hinge"}), "cost must be one of"),
    (lambda r: _edit_run(r, config={"seeds": [0, 1]}), "a run has one seed"),
    (lambda r: _edit_run(r, test_accuracy=[1]), "one value per epoch"),
    (lambda r: _edit_run(r, test_accuracy=[5, 500]),
     r"test_accuracy\[1\] must be an integer from 0 to 20 \(correct examples of the 20 "),
    (lambda r: _edit_run(r, validation_accuracy=2.5), "validation_accuracy needs one value per"),
    (lambda r: _edit_run(r, validation_accuracy=[2.5, 1]),
     r"validation_accuracy\[0\] must be an integer"),
    (lambda r: _edit_run(r, test_confusion=[[1]]), "test_confusion must be 10 rows of 10"),
    (lambda r: _edit_run(r, environment=None), "missing fields"),
    (lambda r: _edit_run(r, test_cost=[1.0, "x"]), r"test_cost\[1\] must be a finite number"),
    (lambda r: _edit_run(r, n_test=None), "missing fields"),
])
def test_a_malformed_file_is_refused_with_a_clear_message(saved_record, tmp_path, damage,
                                                         message):
    path = tmp_path / "study.json"
    damaged = damage(saved_record)
    path.write_text(damaged if isinstance(damaged, str) else json.dumps(damaged))
    with pytest.raises(ValueError, match=message) as info:
        mnist_study.load_results(path)
    assert str(path) in str(info.value)


def _edit_run(record, config=None, **fields):
    run = dict(record["runs"][0])
    if config:
        run["config"] = {**run["config"], **config}
    for key, value in fields.items():
        if value is None:
            del run[key]
        else:
            run[key] = value
    return {**record, "runs": [run] + record["runs"][1:]}


# ------------------------------------------------------------------------ bad input

@pytest.mark.parametrize("fields, error, message", [
    ({"cost": "Hinge"}, ValueError, "cost must be one of"),
    ({"eta": 0}, ValueError, "eta"),
    ({"lmbda": -1.0}, ValueError, "lmbda"),
    ({"epochs": 0}, ValueError, "epochs must be an integer >= 1"),
    ({"mini_batch_size": 2.5}, ValueError, "mini_batch_size"),
    ({"seeds": (1, 1)}, ValueError, "without repeats"),
    ({"seeds": ()}, ValueError, "non-empty"),
    ({"seeds": 3}, TypeError, r"seeds must be a list of integer seeds, e\.g\. seeds=\(0, 1, 2\)"),
    ({"seeds": (-1,)}, ValueError, r"seeds\[0\] must be an integer >= 0; got -1"),
    ({"initializer": "xavier"}, ValueError, "initializer must be one of"),
    ({"dtype": "float16"}, ValueError, "dtype must be one of"),
    ({"data": "mnist"}, ValueError, "data must be one of"),
    ({"sizes": "784-30-10"}, TypeError, "sizes must be a list of layer sizes"),
    ({"sizes": (784,)}, ValueError, "at least two layers"),
])
def test_a_bad_config_says_what_was_expected(fields, error, message):
    with pytest.raises(error, match=message):
        Config(**fields)


def test_configs_normalise_lists_so_equal_configs_match():
    assert Config(sizes=[784, 30, 10], seeds=[0], eta=1) == Config(eta=1.0)
    assert hash(Config(sizes=[784, 30, 10])) == hash(Config())


@pytest.mark.parametrize("fields, error, message", [
    ({"sweep_factors": ()}, ValueError, "sweep_factors must be non-empty"),
    ({"sweep_factors": (1.0, 1)}, ValueError, "sweep_factors must be non-empty, without repeats"),
    ({"sweep_factors": (1.0, -2.0)}, ValueError, r"sweep_factors\[1\] must be a finite number > 0"),
    ({"sweep_factors": 2.0}, TypeError,
     (r"sweep_factors must be a list of factors of the book's eta, e\.g\. "
      r"sweep_factors=\(0\.5, 1\.0, 2\.0\); got 2\.0")),
    ({"hidden": (0,)}, ValueError, r"hidden\[0\] must be an integer >= 1"),
    ({"hidden": 30}, TypeError,
     r"hidden must be a list of hidden-layer sizes, e\.g\. hidden=\(30, 100\); got 30"),
    ({"hidden": (30, 30)}, ValueError, "hidden must be non-empty, without repeats"),
    ({"sweep_seeds": 1}, TypeError, "sweep_seeds must be a list of integer seeds"),
    ({"data": "large"}, ValueError, "data must be one of"),
    ({"session_epochs": 0}, ValueError, "session_epochs"),
])
def test_a_bad_plan_says_what_was_expected(fields, error, message):
    with pytest.raises(error, match=message):
        dataclasses.replace(TINY_PLAN, **fields)


def test_results_hold_only_runs():
    with pytest.raises(TypeError, match="Results hold Run objects; got dict"):
        Results(runs=[{}])


# ---------------------------------------------------------------------------- plots

def test_plots_draw_what_they_say(splits):
    results = mnist_study.run_study(TINY_PLAN, splits=splits, progress=False)
    fig = Figure()
    ax = fig.subplots()
    table = TINY_PLAN.table()
    assert mnist_study.plot_spread(results, table, ax=ax) is fig
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert [label.split("\n")[0] for label in labels] == [f"{c.hidden} hidden" for c in table]
    assert [label.split("\n")[1] for label in labels] == [mnist_study.COST_LABELS[c.cost]
                                                          for c in table]
    means = [bar.lines[0].get_ydata()[0] for bar in ax.containers]  # one errorbar per cell
    assert np.allclose(means, [results.test_percent(c).mean() for c in table])
    fig = Figure()
    ax = fig.subplots()
    mnist_study.plot_sweep(results, ax=ax)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == list(
        mnist_study.COST_LABELS.values())
    for bar, cost in zip(ax.containers, mnist_study.COST_LABELS, strict=True):
        sweep = results.sweep(cost)
        assert np.allclose(bar.lines[0].get_xdata(), [c.eta for c in sweep])
        assert np.allclose(bar.lines[0].get_ydata(),
                           [results.validation_percent(c).mean() for c in sweep])
    fig = Figure()
    history = ([1.0, 0.5], [10, 15], [], [])
    mnist_study.plot_learning_curves(history, 40, 20, axes=fig.subplots(1, 2))
    acc_ax = fig.axes[0]
    assert np.allclose(acc_ax.lines[0].get_ydata(), [50.0, 75.0])  # counts -> percent
    with pytest.raises(ValueError, match="4 lists SGD returns"):
        mnist_study.plot_learning_curves(history[:2], 40, 20)


def test_the_curves_explorer_redraws_in_place_and_leaks_no_figure(splits):
    import matplotlib.pyplot as plt

    results = mnist_study.run_study(TINY_PLAN, splits=splits, progress=False)
    before = plt.get_fignums()
    explorer = mnist_study.CurvesExplorer(results)
    first = explorer.figure.image.value
    assert "after epoch 2" in explorer.readout.value  # the last epoch, to start
    explorer.epoch.value = 1
    assert "after epoch 1" in explorer.readout.value
    assert explorer.figure.image.value != first
    explorer.hidden.value = 4
    assert "[784, 4, 10]" in explorer.figure.ax.get_title()
    explorer.choice.value = "best η (validation)"
    best = results.best_etas()
    labels = [t.get_text() for t in explorer.figure.ax.get_legend().get_texts()]
    assert labels == [f"{mnist_study.COST_LABELS[c]}, η = {best[c]:g}" for c in best]
    assert plt.get_fignums() == before
    assert "Curves explorer" in explorer._repr_mimebundle_()["text/plain"]
    with pytest.raises(ValueError, match=r"hidden must be one of \[3, 4\] \(the plan's sizes\)"):
        mnist_study.plot_test_curves(results, hidden=30)


@pytest.mark.parametrize("epoch", [0, -1, 3, 1.0, True, "2"])
def test_plot_test_curves_refuses_an_epoch_outside_the_runs(epoch):
    results = fake_study(TINY_PLAN, (40, 20, 20))
    with pytest.raises(ValueError, match=r"epoch must be an integer from 1 to 2 \(the epochs "
                       r"of each run\), e\.g\. epoch=2 for the last; got " + repr(epoch)):
        mnist_study.plot_test_curves(results, epoch=epoch, ax=Figure().subplots())


def test_plot_test_curves_marks_the_epoch_asked_for():
    results = fake_study(TINY_PLAN, (40, 20, 20))
    for epoch in (1, 2, None):
        ax = Figure().subplots()
        mnist_study.plot_test_curves(results, epoch=epoch, ax=ax)
        assert ax.lines[-1].get_xdata()[0] == (2 if epoch is None else epoch)  # the axvline


# ------------------------------------------------------------------- the CLI estimate

def load_benchmark(name):
    """The script benchmarks/NAME.py as a module (it runs nothing on import)."""
    path = Path(__file__).parents[1] / "benchmarks" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("plan, estimate", [
    (mnist_study.QUICK_PLAN, "1-2 minutes (24-48 runs of 3 epochs)"),  # 1 s an epoch
    (mnist_study.FULL_PLAN, "60-105 minutes (120-210 runs of 30 epochs)"),
], ids=["quick", "full"])
def test_the_estimate_times_the_plans_own_data_and_names_it(plan, estimate, monkeypatch,
                                                            capsys):
    timed = []

    def one_second_epoch(config, seed, splits):
        timed.append(tuple(len(x) for x, _ in splits))
        return fake_run(config, seed, 0, test=0, sizes=timed[-1], seconds=1.0)

    monkeypatch.setattr(mnist_study, "train", one_second_epoch)
    load_benchmark("mnist_study").estimate(plan)
    out = capsys.readouterr().out
    assert timed[0] == (20, 20, 20)  # the untimed warm-up of the compiled epoch
    assert set(timed[1:]) == {mnist_study.DATA_SIZES[plan.data]}
    assert f"Estimated {plan.name} study with 1 worker: {estimate}" in out
    assert estimate.endswith(f"{len(plan.first_runs())}-{plan.runs()} runs of {plan.epochs} "
                             "epochs)")
    assert f"one epoch of {mnist_study.DATA_SIZES[plan.data][0]:,} examples" in out


def test_the_estimate_times_without_warnings():
    """The estimate trains on random labels, where SGD's collapse warning is right but
    says nothing about timing: one per network buried the estimate's lines."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        timed = load_benchmark("mnist_study").seconds_per_epoch(mnist_study.QUICK_PLAN)
    assert set(timed) == {(h, c) for h in mnist_study.QUICK_PLAN.hidden
                          for c in mnist_study.COST_LABELS}


def test_small_mnist_accuracy_prints_each_runs_last_epoch_and_the_mean(splits, monkeypatch,
                                                                       capsys):
    """benchmarks/small_mnist_accuracy.py (a README command): one line per initializer and
    seed with the run's last-epoch validation and test percentages, then their mean."""
    def counts_by_seed(config, seed, splits):  # validation 10 + seed of 20, test 4 + seed
        return fake_run(config, seed, 10 + seed, test=4 + seed, sizes=(40, 20, 20))

    monkeypatch.setattr(mnist_study, "train", counts_by_seed)
    monkeypatch.setattr(mnist_study, "load_splits", lambda data: splits)
    monkeypatch.setattr(sys, "argv", ["small_mnist_accuracy.py", "--seeds", "0", "2"])
    script = load_benchmark("small_mnist_accuracy")
    script.main()
    lines = capsys.readouterr().out.splitlines()
    for initializer in ("default", "large"):
        rows = [line.split() for line in lines if line.startswith(initializer)]
        assert rows == [[initializer, "0", "50.0", "20.0"], [initializer, "2", "60.0", "30.0"],
                        [initializer, "mean", "55.0", "25.0", "(prototype:", "about",
                         f"{script.PROTOTYPE[initializer]})"]]


# ------------------------------------------------------- widening, duplicates, stuck runs

def test_a_best_eta_at_the_edge_widens_the_sweep_then_is_flagged(monkeypatch):
    """Validation accuracy that keeps rising as eta falls: the sweep grows downwards by
    the grid's own ratio, plan.widen times, and the best still at the edge is flagged."""
    def smaller_is_better(config, seed, splits):
        return fake_run(config, seed, min(20, int(2 / config.eta)), sizes=(40, 20, 20))

    monkeypatch.setattr(mnist_study, "train", smaller_is_better)
    splits = Splits(tiny_set(40, 0), tiny_set(20, 1), tiny_set(20, 2))
    results = mnist_study.run_study(TINY_PLAN, splits=splits, progress=False)
    book = mnist_study.BOOK_ETA["CrossEntropyCost"]
    assert [c.eta for c in results.sweep("CrossEntropyCost")] == [
        book * f for f in (0.125, 0.25, 0.5, 1.0)]  # two points below the plan's (0.5, 1)
    assert results.best_etas()["CrossEntropyCost"] == book * 0.125
    assert results.at_edge() == ["QuadraticCost", "CrossEntropyCost", "LogLikelihoodCost"]
    assert "best at the edge of the grid" in mnist_study.sweep_text(results)
    # an interior best stops the widening and is not flagged
    monkeypatch.setattr(mnist_study, "train", lambda c, s, d: fake_run(
        c, s, 20 - abs(int(round(np.log2(c.eta / mnist_study.BOOK_ETA[c.cost] / 0.25)))),
        sizes=(40, 20, 20)))
    results = mnist_study.run_study(TINY_PLAN, splits=splits, progress=False)
    assert [c.eta / mnist_study.BOOK_ETA[c.cost] for c in results.sweep("QuadraticCost")] == [
        0.125, 0.25, 0.5, 1.0]
    assert results.best_etas()["QuadraticCost"] == mnist_study.BOOK_ETA["QuadraticCost"] * 0.25
    assert results.at_edge() == []
    # and upwards: accuracy rising with eta grows the grid past its top, x2 a step
    monkeypatch.setattr(mnist_study, "train", lambda c, s, d: fake_run(
        c, s, min(20, int(4 * c.eta / mnist_study.BOOK_ETA[c.cost])), sizes=(40, 20, 20)))
    results = mnist_study.run_study(TINY_PLAN, splits=splits, progress=False)
    assert [c.eta / mnist_study.BOOK_ETA[c.cost] for c in results.sweep("LogLikelihoodCost")] == [
        0.5, 1.0, 2.0, 4.0]
    assert results.best_etas()["LogLikelihoodCost"] == mnist_study.BOOK_ETA["LogLikelihoodCost"] * 4
    assert results.at_edge() == list(mnist_study.COST_LABELS)


def test_two_runs_of_one_config_are_reported_not_resolved(saved_record, tmp_path):
    config = Config(epochs=1)
    results = Results(runs=[fake_run(config, 0, 5)])
    with pytest.raises(ValueError, match="already hold a run of Config"):
        results.add(fake_run(config, 0, 6))
    record = dict(saved_record)
    record["runs"] = record["runs"] + [record["runs"][2]]
    path = tmp_path / "study.json"
    path.write_text(json.dumps(record))
    last = len(record["runs"]) - 1
    with pytest.raises(ValueError, match=rf"runs\[2\] and runs\[{last}\] are both runs of "
                                         r"Config\(.*delete one"):
        mnist_study.load_results(path)


def test_an_older_results_file_is_named_as_such(saved_record, tmp_path):
    path = tmp_path / "old.json"
    path.write_text(json.dumps({**saved_record, "format": "nnlib.experiments results, version 1"}))
    with pytest.raises(ValueError, match="written by an older nnlib"):
        mnist_study.load_results(path)


def test_a_run_that_lost_a_digit_is_stuck():
    config = Config(epochs=1)
    fine = fake_run(config, 0, 5, test=90, sizes=(40, 20, 100))
    assert fine.lost_digits == () and not fine.stuck
    stuck = fake_run(config, 1, 5, test=85, sizes=(40, 20, 100), lost=(4,))
    assert stuck.lost_digits == (4,) and stuck.stuck
    # a digit without test images is not lost
    few = fake_run(config, 2, 5, test=3, sizes=(40, 20, 3))
    assert few.lost_digits == ()
    # recall exactly LOST_RECALL is kept; just below it is lost
    table = np.diag([10] * 10)
    table[7, 7], table[7, 1] = 5, 5
    edge = dataclasses.replace(fine, test_accuracy=(95,), test_confusion=table.tolist(),
                               n_test=100)
    assert edge.lost_digits == ()
    table[7, 7], table[7, 1] = 4, 6
    below = dataclasses.replace(fine, test_accuracy=(94,), test_confusion=table.tolist(),
                                n_test=100)
    assert below.lost_digits == (7,)
    with pytest.raises(ValueError, match="test_confusion must count the 100 test examples"):
        dataclasses.replace(fine, test_accuracy=(93,), test_confusion=table.tolist(),
                            n_test=100)


def test_the_table_counts_stuck_runs_and_places_the_book_among_our_seeds():
    config = Config(cost="QuadraticCost", eta=3.0, epochs=30, seeds=(0, 1, 2, 3))
    accuracies, lost = (97, 96, 84, 95), ((), (), (3,), ())
    results = Results(runs=[fake_run(config, s, 5, test=a, sizes=(40, 20, 100), lost=l)
                            for s, a, l in zip(config.seeds, accuracies, lost)])
    cell = mnist_study.summarize(results, config)
    assert (cell.n, cell.stuck, cell.book, cell.below_book) == (4, 1, 95.42, 2)
    row = mnist_study.table_text(results, [config]).splitlines()[1].split()
    assert row[4:8] == ["93.00", "±", "6.06", "95.50"]  # mean ± sd, then the median
    assert row[11:] == ["1/4", "95.42", "2,", "2", "of", "4"]
    preview = dataclasses.replace(config, data="small")
    results = Results(runs=[fake_run(preview, s, 5, test=90, sizes=(40, 20, 100))
                            for s in preview.seeds])
    lines = mnist_study.table_text(results, [preview]).splitlines()
    assert lines[0].startswith("PREVIEW") and "not comparable with the book" in lines[0]
    assert lines[2].split()[11:] == ["0/4"]  # no book column


def test_the_paired_difference_and_its_interval():
    a = Config(cost="CrossEntropyCost", epochs=1, seeds=(0, 1, 2, 3))
    b = Config(cost="QuadraticCost", eta=3.0, epochs=1, seeds=(0, 1, 2, 3, 4))
    results = Results(runs=[fake_run(a, s, 5, test=t, sizes=(40, 20, 100))
                            for s, t in zip(a.seeds, (96, 95, 97, 96))] +
                           [fake_run(b, s, 5, test=t, sizes=(40, 20, 100))
                            for s, t in zip(b.seeds, (95, 95, 85, 96, 99))])
    diff = mnist_study.paired_difference(results, a, b)
    assert np.allclose(diff.differences, [1, 0, 12, 0])  # seed 4 has no partner
    assert (diff.n, diff.wins) == (4, 2) and diff.mean == pytest.approx(3.25)
    half = 3.182446305284263 * np.std([1, 0, 12, 0], ddof=1) / 2  # t(0.975, 3)
    assert (diff.low, diff.high) == pytest.approx((3.25 - half, 3.25 + half))
    assert str(diff).startswith("+3.25 points (95 % CI -6.") and "ahead on 2 of 4 seeds" in str(diff)
    # ties are left out of the sign test: 2 wins of 2 decided seeds
    assert diff.sign_test_p == pytest.approx(0.5)
    assert diff.stuck.tolist() == [False] * 4 and diff.unstuck().n == 4
    with pytest.raises(ValueError, match="needs two or more seeds in both configs"):
        mnist_study.paired_difference(results, a.for_seed(0), b)


def test_comparison_text_pairs_each_cost_with_the_quadratic_at_both_etas():
    results = fake_study(TINY_PLAN, (40, 20, 20))
    text = mnist_study.comparison_text(results)
    lines = text.splitlines()
    assert len(lines) == 2 * len(TINY_PLAN.hidden) * 2
    assert lines[0].startswith("[784, 3, 10], the book's eta: cross-entropy (eta 0.5) minus "
                               "quadratic (eta 3): +0.00 points")
    assert sum("each cost's best eta" in line for line in lines) == 4


def test_the_paired_difference_without_stuck_runs():
    a = Config(cost="CrossEntropyCost", epochs=1, seeds=(0, 1, 2, 3))
    b = Config(cost="QuadraticCost", eta=3.0, epochs=1, seeds=(0, 1, 2, 3))
    lost = {2: (5,), 3: (1,)}
    results = Results(runs=[fake_run(a, s, 5, test=96, sizes=(40, 20, 100)) for s in a.seeds] +
                           [fake_run(b, s, 5, test=t, sizes=(40, 20, 100), lost=lost.get(s, ()))
                            for s, t in zip(b.seeds, (95, 94, 86, 85))])
    diff = mnist_study.paired_difference(results, a, b)
    assert diff.stuck.tolist() == [False, False, True, True]
    assert diff.wins == 4 and diff.sign_test_p == pytest.approx(0.125)  # 4 of 4: 2 / 16
    rest = diff.unstuck()
    assert rest.seeds == (0, 1) and rest.differences.tolist() == [1, 2] and rest.mean == 1.5
    text = mnist_study.comparison_text(fake_study(TINY_PLAN, (40, 20, 20)))
    assert "sign test p = " in text


@pytest.mark.parametrize("plan", [None, "full"])
def test_describe_names_what_it_needs_instead_of_an_attribute_error(plan):
    """Notebook 04 describes results.plan, which is None for a results file saved without
    a plan: "'NoneType' object has no attribute 'data'" said nothing of that."""
    with pytest.raises(TypeError, match=r"describe needs a Plan .*; got " + repr(plan)):
        mnist_study.describe(plan)
