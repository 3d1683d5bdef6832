"""The exercise checkers (nnlib.notebook.exercises) and the exercise cells of the notebooks.

The notebooks are the only copy of each exercise's text. Its cells are found there by
their marker, the cell metadata ``{"nnlib": {"exercise": key, "part": part}}`` (part:
prompt, stub, argument, solution): every worked solution, executed from the code block
the notebook shows, must pass its checker; every stub, run as the notebook has it, must
report "not attempted yet"; and at least two wrong answers per checker must be rejected
with feedback that names what went wrong. Then, for every checker alike, the kinds of
wrong answers that used to pass: an answer that memorises the fixed inputs, one right
only for their shapes or only for positive inputs, one off by a sign or a factor,
results that are not real numbers (complex, strings, None, objects, nan), an answer that
changes its input in place, sys.exit() and endless loops. Last, slips found in an audit:
approximations (a finite difference, a limit at a finite c), a clipped logarithm,
logarithms of another base, a formula right only for targets 0 and 1, code for one number
given an array, and float32 results (right, and accepted).
"""
import functools
import inspect
import re
import signal
import sys
import threading
import warnings
from pathlib import Path

import nbformat
import numpy as np
import pytest

import nnlib.notebook.exercises
from nnlib.activations import sigmoid, softmax
from nnlib.costs import CrossEntropyCost, LogLikelihoodCost
from nnlib.notebook.exercises import CHECKERS, Feedback, check
from nnlib.network import Network

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = ROOT / "notebooks"

#: The exercises of each notebook, in the order the notebook poses them (and CHECKERS
#: lists them). A new exercise gets its key here, its checker in CHECKERS and its cells
#: in the notebook (tools/new_exercise.py writes them).
EXERCISES = {
    "00-start-here": ["one_hot"],
    "01-cross-entropy": ["sigmoid_prime", "ce_many_layers", "linear_quadratic", "ce_minimum",
                         "ce_roles", "xj_term"],
    "02-softmax": ["softmax_monotonic", "softmax_nonlocal", "sigmoid_sum", "softmax_invert",
                   "softmax_c"],
    "03-log-likelihood": ["loglik_gradients", "two_class_softmax", "softmax_backprop"],
    "04-mnist": ["errors_eliminated"],
}
KEYS = [key for keys in EXERCISES.values() for key in keys]
#: The cells of an exercise, in this order; all but the argument (for a proof) required.
PARTS = ("prompt", "stub", "argument", "solution")


# -- the exercise cells, read from the notebooks --------------------------------------
@functools.lru_cache(maxsize=None)
def marked_cells(path):
    """The exercise cells of the notebook at ``path``, in notebook order, as a dict
    {(key, part): cell}; a marker that is malformed or on two cells fails the test."""
    cells = {}
    for cell in nbformat.read(path, as_version=4).cells:
        marker = cell.metadata.get("nnlib")
        if marker is None:
            continue
        where = (marker.get("exercise"), marker.get("part"))
        if where[1] not in PARTS:
            pytest.fail(f"{path}: cell {cell.get('id')} is marked {marker}; parts are {PARTS}")
        if where in cells:
            pytest.fail(f"{path}: cells {cells[where].get('id')} and {cell.get('id')} are "
                        f"both marked {marker}")
        cells[where] = cell
    return cells


def notebook_cell(key, part):
    """Exercise ``key``'s ``part`` cell in its notebook; fails the test if there is none."""
    notebook = next(name for name, keys in EXERCISES.items() if key in keys)
    cell = marked_cells(NOTEBOOK_DIR / f"{notebook}.ipynb").get((key, part))
    if cell is None:
        pytest.fail(f"notebooks/{notebook}.ipynb has no {part} cell of exercise {key!r}: "
                    f"a cell with the metadata {{'nnlib': {{'exercise': '{key}', "
                    f"'part': '{part}'}}}}")
    return cell


def stub_source(key):
    """The code of exercise ``key``'s stub cell: what the reader starts from."""
    cell = notebook_cell(key, "stub")
    assert cell.cell_type == "code", f"the stub of {key!r} is a {cell.cell_type} cell"
    return cell.source


def solution_code(markdown):
    """The one ```python block of a worked-solution cell's markdown."""
    blocks = re.findall(r"^```python\n(.*?)^```$", markdown, re.M | re.S)
    assert len(blocks) == 1, f"a worked solution has one ```python block; found {len(blocks)}"
    return blocks[0]


def solution_source(key):
    """The code of exercise ``key``'s worked solution, as its notebook shows it."""
    return solution_code(notebook_cell(key, "solution").source)


def answer_names(key):
    """The names the exercise's check(...) line passes: its checker's parameters."""
    return list(inspect.signature(CHECKERS[key]).parameters)


def check_line(key):
    return f'check("{key}", {", ".join(answer_names(key))})'


def run_cell(source):
    """Execute a cell's code as the notebook would; return its namespace."""
    namespace = {}
    exec(compile(source, "<exercise cell>", "exec"), namespace)
    return namespace


def answers_of(key, source):
    ns = run_cell(source)
    return [ns[name] for name in answer_names(key)]


def solution(key):
    """The answers of exercise ``key``'s worked solution, executed from its notebook."""
    return answers_of(key, solution_source(key))


def rejected(key, *answers):
    """Check a wrong answer: it must be "incorrect", and the feedback text is returned."""
    feedback = check(key, *answers)
    assert feedback.status == "incorrect", repr(feedback)
    assert not feedback
    return repr(feedback)


def assert_exercise_cells(path, keys):
    """The notebook at ``path`` has the cells of exactly the exercises ``keys``, in that
    order: each exercise's cells one after another in the order of PARTS, the prompt a
    "#### Exercise: ..." or "#### Problem: ..." heading, the stub a code cell ending with
    the check(...) line, the solution a collapsed <details> block whose code ends so too."""
    cells = marked_cells(path)
    order = list(cells)   # (key, part) in notebook order
    assert list(dict.fromkeys(key for key, _ in order)) == keys, path
    for key in keys:
        parts = [part for k, part in order if k == key]
        assert parts in (list(PARTS), [p for p in PARTS if p != "argument"]), (key, parts)
        at = order.index((key, "prompt"))
        assert order[at:at + len(parts)] == [(key, p) for p in parts], (key, "not together")
        kinds = {part: cells[key, part].cell_type for part in parts}
        assert kinds == {p: "code" if p == "stub" else "markdown" for p in parts}, key
        assert re.match(r"#### (Exercise|Problem|Warm-up): \S", cells[key, "prompt"].source), key
        solution_cell = cells[key, "solution"].source
        assert solution_cell.startswith("<details>\n<summary>"), key
        assert solution_cell.endswith("</details>"), key
        for code in (cells[key, "stub"].source, solution_code(solution_cell)):
            assert code.rstrip().endswith("\n\n" + check_line(key)), (key, code)


# -- the exercises: one checker each, in the notebooks' order ------------------------
def test_every_checker_has_its_exercise_and_they_are_in_notebook_order():
    assert list(CHECKERS) == KEYS
    lines = [inspect.getsourcelines(CHECKERS[key])[1] for key in KEYS]
    assert lines == sorted(lines), "check_* functions not in the order of CHECKERS"
    defined = [name for name, fn in vars(nnlib.notebook.exercises).items()
               if name.startswith("check_") and inspect.isfunction(fn)
               and fn.__module__ == "nnlib.notebook.exercises"]
    assert sorted(defined) == sorted(f"check_{key}" for key in KEYS)


@pytest.mark.parametrize("path", sorted(NOTEBOOK_DIR.glob("*.ipynb")), ids=lambda p: p.stem)
def test_each_notebook_has_the_cells_of_its_exercises_in_order(path):
    assert_exercise_cells(path, EXERCISES.get(path.stem, []))


def test_unknown_names_are_refused_with_the_valid_ones():
    with pytest.raises(ValueError, match="softmax_c"):
        check("softmax_cc", None, None)


def test_a_wrong_number_of_answers_names_the_expected_ones():
    with pytest.raises(TypeError, match=r"takes 2 answer\(s\), \['softmax_c', 'softmax_limit'\]"):
        check("softmax_c", lambda z, c: z)


# -- solutions pass, stubs are "not attempted" ----------------------------------------
@pytest.mark.parametrize("key", KEYS)
def test_the_notebooks_worked_solution_passes_its_checker(key):
    feedback = check(key, *solution(key))
    assert feedback.status == "correct", repr(feedback)
    assert repr(feedback).startswith("Correct. ")


@pytest.mark.parametrize("key", KEYS)
def test_the_notebooks_stub_as_given_is_not_attempted_yet(key):
    ns = run_cell(stub_source(key))   # runs its check(...) line too
    feedback = check(key, *[ns[name] for name in answer_names(key)])
    assert feedback.status == "not attempted"
    assert repr(feedback).startswith("Not attempted yet.")
    assert answer_names(key)[0] in repr(feedback)


@pytest.mark.parametrize("key", KEYS)
def test_stub_and_solution_define_the_names_their_check_line_passes(key):
    for source in (stub_source(key), solution_source(key)):
        assert source.rstrip().endswith(check_line(key)), (key, source)
        for name in answer_names(key):
            assert re.search(rf"^(def {name}\(|{name} = )", source, re.M), (key, name)


@pytest.mark.parametrize("body", ["...", "pass", "return None"])
def test_an_empty_body_counts_as_not_attempted(body):
    ns = run_cell(f"def softmax_jacobian_of_z(z):\n    {body}\n")
    feedback = check("softmax_monotonic", ns["softmax_jacobian_of_z"])
    assert feedback.status == "not attempted"
    assert "returned None" in repr(feedback)


def test_a_none_after_a_returned_value_is_wrong_not_unattempted():
    _, good_entropy = solution("ce_minimum")

    def best_output(y):
        if y < 0.7:
            return y          # no return for larger y
    text = rejected("ce_minimum", best_output, good_entropy)
    assert "y = 0.8" in text and "is a `return` missing?" in text
    assert "Not attempted" not in text
    # the first call returning None is still the stub, every time check is called
    assert check("ce_minimum", lambda y: None, good_entropy).status == "not attempted"
    assert check("ce_minimum", lambda y: None, good_entropy).status == "not attempted"


# -- feedback -----------------------------------------------------------------------
def test_feedback_is_the_same_on_every_run_and_has_no_addresses():
    def bad_jacobian(z):
        return np.diag(softmax(z))
    first, second = rejected("softmax_monotonic", bad_jacobian), repr(
        check("softmax_monotonic", bad_jacobian))
    assert first == second
    html = check("softmax_monotonic", bad_jacobian)._repr_html_()
    assert html == check("softmax_monotonic", bad_jacobian)._repr_html_()
    assert not re.search(r"0x[0-9a-f]{6,}", first + html)


def test_feedback_html_escapes_the_readers_text_and_shows_names_as_code():
    feedback = Feedback("incorrect", "`f` says a < b & c", [("got", "<script>")])
    html = feedback._repr_html_()
    assert "<code>f</code> says a &lt; b &amp; c" in html
    assert "&lt;script&gt;" in html and "<script>" not in html
    with pytest.raises(ValueError, match="status must be one of"):
        Feedback("fine", "x")


def test_an_exception_in_the_readers_code_is_feedback_not_an_error():
    def crashes(z):
        return z.reshape(3, 3)
    text = rejected("softmax_monotonic", crashes)
    assert "raised ValueError" in text and "z = [ 2.5, -1. ,  3.2,  0.5]" in text


def test_a_non_function_answer_is_feedback():
    text = rejected("softmax_invert", 3.0)
    assert "should be a function; it is a float" in text


def test_checkers_leak_no_warnings_when_the_readers_numbers_overflow():
    def naive_softmax_c(z, c):
        e = np.exp(c * z)
        return e / e.sum()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        text = rejected("softmax_c", naive_softmax_c, lambda z: z)
    assert "nan or inf" in text and "c = 5.0" in text


# -- wrong answers, exercise by exercise (each must be rejected, with a useful message) --
def test_one_hot_rejects_rows_a_count_from_the_labels_and_an_off_by_one():
    text = rejected("one_hot", lambda labels, n: np.eye(n)[labels])
    assert "returned shape (3, 4); expected (4, 3)" in text and "transpose (.T)" in text
    text = rejected("one_hot", lambda labels, n: np.eye(np.max(labels) + 1)[:, labels])
    assert "labels = [1, 1], n_classes = 5" in text and "returned 2 rows; expected 5" in text
    assert "not from the largest label" in text
    text = rejected("one_hot", lambda labels, n: np.eye(n)[:, np.asarray(labels) - 1])
    assert "one row off" in text and "rows count from 0" in text

    def first_only(labels, n):   # a 1 in the first column's row, for every column
        return np.eye(n)[:, [labels[0]] * len(labels)]
    text = rejected("one_hot", first_only)
    assert "labels = [0, 3, 1]" in text and "row labels[i]" in text


def test_two_class_softmax_rejects_the_other_output_z1_alone_and_the_other_target():
    text = rejected("two_class_softmax", lambda z, y: (z[1] - z[0], y[0]))
    assert "sigma(t) is then a_2" in text and "expected: [ 1.5, -2. , -2.5]" in text
    text = rejected("two_class_softmax", lambda z, y: (z[0], y[0]))
    assert "depends on z_2 as well" in text
    text = rejected("two_class_softmax", lambda z, y: (z[0] - z[1], y[1]))
    assert "the second class's target" in text and "expected: [1., 0., 0.]" in text
    text = rejected("two_class_softmax", lambda z, y: (z[0] - z[1], y.argmax(axis=0)))
    assert "the second class's target (or the class index)" in text


def test_two_class_softmax_rejects_a_route_through_the_probabilities_that_overflows():
    def via_probabilities(z, y):
        a = np.exp(z) / np.exp(z).sum(axis=0)   # e^800 = inf: nan
        return np.log(a[0] / a[1]), y[0]
    text = rejected("two_class_softmax", via_probabilities)
    assert "z =\n[[800., -30.]," in text.replace("            ", "")
    assert "compute it from z directly" in text
    assert "should return a pair (t, target)" in rejected(
        "two_class_softmax", lambda z, y: z[0] - z[1])


def test_two_class_softmax_solution_makes_eq_57_equal_eq_80():
    """What the exercise claims: with the worked solution's t and target, the cross-entropy
    of one sigmoid neuron is the log-likelihood of the two-class softmax, example by example."""
    (two_class_as_sigmoid,) = solution("two_class_softmax")
    rng = np.random.default_rng(7)
    z = rng.normal(0, 4, (2, 50))
    y = np.eye(2)[:, rng.integers(0, 2, 50)]
    t, target = two_class_as_sigmoid(z, y)
    np.testing.assert_allclose(sigmoid(t), softmax(z)[0], rtol=1e-12)
    np.testing.assert_allclose(CrossEntropyCost.fn(sigmoid(t)[None], target[None], axis=0),
                               LogLikelihoodCost.fn(softmax(z), y, axis=0), rtol=1e-9)


def test_sigmoid_prime_rejects_the_direct_formula_where_it_overflows():
    """e^{-z} / (1 + e^{-z})^2 is right, until e^{1000} overflows: inf / inf = nan."""
    text = rejected("sigmoid_prime", lambda z: np.exp(-z) / (1 + np.exp(-z)) ** 2)
    assert "z = [[-1000.,   -40.]," in text and "got:      [[nan," in text
    assert "e^{-z} overflows" in text and "sigma(z) and 1 - sigma(z)" in text


@pytest.mark.parametrize("wrong, says", [
    (lambda z: -np.exp(-z) / (1 + np.exp(-z)) ** 2, "every entry has the wrong sign"),
    (lambda z: np.exp(-z) / (1 + np.exp(-z)), "differentiate with the chain rule"),  # no square
    (lambda z: sigmoid(z) * (1 + sigmoid(z)), "differentiate with the chain rule"),
    (lambda z: sigmoid(z), "differentiate with the chain rule"),    # sigma, not its slope
    (lambda z: 0.25 * np.ones_like(z), "expected: [0.25  , 0.1491, 0.0177, 0.105 ]"),
])
def test_sigmoid_prime_rejects_the_usual_slips(wrong, says):
    text = rejected("sigmoid_prime", wrong)
    assert says in text and "z = [ 0. ,  1.5,  4. , -2. ]" in text


@pytest.mark.parametrize("right", [
    lambda z: (1 / (1 + np.exp(-z))) * (1 - 1 / (1 + np.exp(-z))),   # overflows to the right 0
    lambda z: np.exp(-abs(z)) / (1 + np.exp(-abs(z))) ** 2,           # sigma' is even
])
def test_sigmoid_prime_accepts_other_right_forms(right):
    feedback = check("sigmoid_prime", right)
    assert feedback.passed, repr(feedback)
    assert "0.0177 at z = 4" in repr(feedback)


def test_ce_roles_rejects_the_swapped_form_and_explains_ln_0():
    text = rejected("ce_roles", lambda a, y: -(a * np.log(y) + (1 - a) * np.log(1 - y)))
    assert "At y = 0 your cost is infinite or nan" in text
    assert "ln 0 = -inf" in text and "expected:" in text


def test_ce_roles_rejects_a_missing_term():
    text = rejected("ce_roles", lambda a, y: -y * np.log(a))
    assert "y = 0.0" in text and "expected: [0.3567" in text and "got:      [0., 0." in text
    assert "inside the logarithms" in text


def test_ce_minimum_rejects_a_wrong_minimiser_and_a_nan_entropy():
    _, good_entropy = solution("ce_minimum")
    text = rejected("ce_minimum", lambda y: 0.5, good_entropy)
    assert "y = 0.1" in text and "expected: 0.1" in text and "got:      0.5" in text

    def naive_entropy(y):
        return -(y * np.log(y) + (1 - y) * np.log(1 - y))
    text = rejected("ce_minimum", lambda y: y, naive_entropy)
    assert "y = [0. , 1. , 0.3]" in text and "0 ln 0 is nan" in text


@pytest.fixture
def gradients_solution():
    """The shared output-gradient solution, under any of its three names."""
    return solution("ce_many_layers")[0]


def test_ce_many_layers_rejects_the_quadratic_formula_and_a_sum(gradients_solution):
    def quadratic(a_prev, a, y):
        delta = (a - y) * a * (1 - a)   # Eq. (65)'s sigma' factor
        return delta.mean(axis=1, keepdims=True), delta @ a_prev.T / a.shape[1]
    text = rejected("ce_many_layers", quadratic)
    assert "nabla_b" in text and "Eq. (65)" in text and "n = 1 example, a_prev (3, 1)" in text

    def summed(a_prev, a, y):
        nabla_b, nabla_w = gradients_solution(a_prev, a, y)
        return nabla_b * a.shape[1], nabla_w * a.shape[1]
    text = rejected("ce_many_layers", summed)
    assert "n = 5 times too large" in text


def test_ce_many_layers_rejects_a_delta_split_into_targets_0_and_1():
    """delta = a - 1 where y = 1, a where y = 0: a - y for binary targets only, which were
    all the checker tried; Eq. (63) holds for any target in [0, 1]."""
    def split(a_prev, a, y):
        delta = np.where(y == 1, a - 1, a)
        return delta.mean(axis=1, keepdims=True), delta @ a_prev.T / a.shape[1]
    text = rejected("ce_many_layers", split)
    assert "n = 1 example" in text and "not only 0 and 1" in text


def test_gradient_checkers_reject_a_single_array_and_a_transposed_one(gradients_solution):
    text = rejected("linear_quadratic", lambda a_prev, a, y: (a - y) @ a_prev.T)
    assert "should return a pair (nabla_b, nabla_w)" in text and "(2, 1) and (2, 3)" in text

    def transposed(a_prev, a, y):
        nabla_b, nabla_w = gradients_solution(a_prev, a, y)
        return nabla_b, nabla_w.T
    text = rejected("linear_quadratic", transposed)
    assert "returned shape (3, 2); expected (2, 3)" in text and "transposed" in text


def test_linear_quadratic_rejects_the_wrong_sign(gradients_solution):
    def flipped(a_prev, a, y):
        return gradients_solution(a_prev, y, a)   # y - a instead of a - y
    assert "wrong sign" in rejected("linear_quadratic", flipped)


def test_xj_term_rejects_answers_that_drop_or_divide_by_x():
    text = rejected("xj_term", lambda dC_db, x: dC_db * np.ones_like(x))
    assert "x = [0.   , 0.001, 0.5  , 2.   ]" in text and "expected: [0.    , 0.0001" in text
    assert "per unit of w_j" in text
    text = rejected("xj_term", lambda dC_db, x: dC_db / x)
    assert "nan or inf" in text


def test_sigmoid_sum_rejects_softmax_outputs_a_mirror_pair_and_a_bad_input():
    softmax_net = Network([2, 3], cost=LogLikelihoodCost, seed=1)
    assert "softmax output layer" in rejected("sigmoid_sum", softmax_net, np.ones((2, 1)))

    mirror = Network([2, 2], seed=1)
    mirror.weights[0][1] = -mirror.weights[0][0]
    mirror.biases[0][1] = -mirror.biases[0][0]
    text = rejected("sigmoid_sum", mirror, np.ones((2, 1)))
    assert "sum to 1.000" in text and "sigma(-t)" in text

    text = rejected("sigmoid_sum", Network([2, 3], seed=1), np.ones(3))
    assert "`x` has shape (3,); this network takes (2, 1)" in text
    assert "nnlib.network.Network" in rejected("sigmoid_sum", [[1.0]], np.ones((1, 1)))
    assert "not all finite" in rejected("sigmoid_sum", Network([2, 3]), [[np.nan], [0.0]])


def test_softmax_monotonic_rejects_a_missing_off_diagonal_an_overflow_and_a_vector():
    text = rejected("softmax_monotonic", lambda z: np.diag(softmax(z) * (1 - softmax(z))))
    assert "z = [ 2.5, -1. ,  3.2,  0.5]" in text and "quotient rule" in text

    def naive(z):
        a = np.exp(z) / np.exp(z).sum()
        return np.diag(a) - np.outer(a, a)
    text = rejected("softmax_monotonic", naive)
    assert "z = [1000.,  999.,  998.]" in text and "nan or inf" in text

    text = rejected("softmax_monotonic", lambda z: softmax(z) * (1 - softmax(z)))
    assert "returned shape (4,); expected (4, 4)" in text


def test_softmax_nonlocal_rejects_sigmoid_thinking_and_the_wrong_output():
    def local(z, j, k, h):
        return 0.0 if j != k else float(sigmoid(z[j] + h) - sigmoid(z[j]))
    text = rejected("softmax_nonlocal", local)
    assert "j = 0, k = 2, h = 0.5" in text and "although z_j did not" in text

    def output_k(z, j, k, h):
        nudged = z.copy()
        nudged[k] += h
        return softmax(nudged)[k] - softmax(z)[k]
    text = rejected("softmax_nonlocal", output_k)
    assert "expected: -0.0" in text and "before and after" in text


def test_softmax_invert_rejects_exp_and_the_wrong_sign():
    text = rejected("softmax_invert", np.exp)
    assert "softmax(z) of your z is not a" in text and "same constant C" in text
    assert "wrong sign" in rejected("softmax_invert", lambda a: -np.log(a))


def test_softmax_invert_tries_outputs_as_small_as_02_says():
    """02's prompt: the checker "tries outputs as small as 10^-263" (where ln a is near its
    float64 limit, and a naive inversion through a ratio underflows)."""
    tried = []

    def spy(a):
        tried.append(np.min(a))
        return np.log(a)

    assert check("softmax_invert", spy).status == "correct"
    assert round(np.log10(min(tried))) == -263


@pytest.mark.parametrize("c", [5.0, -3.0, 1e6])
def test_softmax_invert_accepts_any_constant_c(c):
    feedback = check("softmax_invert", lambda a: np.log(a) + c)
    assert feedback.status == "correct", repr(feedback)


@pytest.mark.parametrize("wrong", [lambda a: 2 * np.log(a) + 1e12,
                                   lambda a: 2 * np.log(a) + 1e6,
                                   lambda a: np.log(a) * (1 + 2e-5) + 1e4,
                                   lambda a: np.log(a) * (1 + 2e-5) + 1e5,
                                   lambda a: np.log(a) * (1 + 2e-5)])
def test_softmax_invert_tolerance_does_not_grow_with_c(wrong):
    text = rejected("softmax_invert", wrong)
    assert "softmax(z) of your z is not a" in text and "same constant C" in text


def test_softmax_invert_explains_a_c_too_large_for_float64():
    text = rejected("softmax_invert", lambda a: np.log(a) + 1e15)
    assert "C = 1e+15 is so large" in text and "C = 0 is simplest" in text


def test_softmax_nonlocal_names_the_aliasing_slip():
    def aliased(z, j, k, h):
        nudged = z            # the same array: z changes too
        nudged[k] += h
        return softmax(nudged)[j] - softmax(z)[j]
    text = rejected("softmax_nonlocal", aliased)
    assert "although z_j did not" in text and "nudged = z.copy()" in text


def test_softmax_nonlocal_asks_for_one_float_not_a_vector():
    def whole_vector(z, j, k, h):
        nudged = z.copy()
        nudged[k] += h
        return softmax(nudged) - softmax(z)
    text = rejected("softmax_nonlocal", whole_vector)
    assert "return one float (entry j)" in text and "shape (4,)" in text
    assert "expected (1,)" not in text
    assert "return one float" in rejected("softmax_nonlocal", lambda z, j, k, h: "small")


@pytest.mark.parametrize("key", ["loglik_gradients", "ce_many_layers", "linear_quadratic"])
def test_gradient_checkers_accept_a_list_pair(key, gradients_solution):
    feedback = check(key, lambda a_prev, a, y: list(gradients_solution(a_prev, a, y)))
    assert feedback.status == "correct", repr(feedback)
    text = rejected(key, lambda a_prev, a, y: list(gradients_solution(a_prev, a, y)) * 2)
    assert "should return a pair" in text


def test_softmax_c_rejects_a_missing_c_and_argmax_on_a_tie():
    good_c, _ = solution("softmax_c")
    text = rejected("softmax_c", lambda z, c: softmax(z), lambda z: z)
    assert "c = 0.5" in text and "Eq. 83" in text

    text = rejected("softmax_c", good_c, lambda z: np.eye(len(z))[np.argmax(z)])
    assert "z = [1.0, 3.0, 3.0, 0.0]" in text and "expected: [0. , 0.5, 0.5, 0. ]" in text
    assert "ties" in text


def test_loglik_gradients_rejects_the_wrong_sign_and_swapped_outputs(gradients_solution):
    def flipped(a_prev, a, y):
        return gradients_solution(a_prev, y, a)
    assert "wrong sign" in rejected("loglik_gradients", flipped)

    def swapped(a_prev, a, y):
        return gradients_solution(a_prev, a, y)[::-1]
    text = rejected("loglik_gradients", swapped)
    assert "(nabla_b)` returned shape (2, 3); expected (2, 1)" in text


def test_softmax_backprop_rejects_a_sigmoid_delta_and_a_summed_delta():
    text = rejected("softmax_backprop", lambda z, a, y: (a - y) * a * (1 - a))
    assert "z =\n" in text and "da_y/dz_j" in text

    text = rejected("softmax_backprop", lambda z, a, y: (a - y).sum(axis=1))
    assert "returned shape (4,); expected (4, 1)" in text


def test_softmax_backprop_catches_a_delta_that_fails_only_inside_the_network():
    def only_small_batches(z, a, y):
        if z.shape[1] > 4:
            raise RuntimeError("too many examples")
        return a - y
    text = rejected("softmax_backprop", only_small_batches)
    assert "[3, 4, 3]" in text and "raised RuntimeError: too many examples" in text


@pytest.mark.parametrize("wrong, says", [
    (lambda b, a: (a - b) / b, "a fraction of the accuracy"),
    (lambda b, a: a - b, "percentage points"),
    (lambda b, a: (a - b) / (100 - a), "divided by the error rate after"),
    (lambda b, a: 100 * (a - b) / (100 - b), "return a fraction"),
    (lambda b, a: (b - a) / (100 - b), "sign is flipped"),
    (lambda b, a: abs(a - b) / (100 - b), "sign is flipped"),  # right but for losses
    (lambda b, a: 1 / 14, "error rate = 100 - accuracy"),
    (lambda b, a: complex((a - b) / (100 - b), 1e-3), "not real numbers"),
    (lambda b, a: round((a - b) / (100 - b), 3), "rounded to 3 decimals"),
    (lambda b, a: (a - b) // (100 - b), "`//` is floor division"),
    (lambda b, a: (100 - a) / (100 - b), "the share of the errors that remain"),
])
def test_errors_eliminated_rejects_the_usual_slips(wrong, says):
    assert says in rejected("errors_eliminated", wrong)


def test_errors_eliminated_rejects_an_answer_that_memorised_the_fixed_inputs():
    fixed = {(96.59, 96.82): 0.23 / 3.41, (95.49, 94.2): -1.29 / 4.51, (50.0, 75.0): 0.5}
    assert "different share" in rejected("errors_eliminated",
                                         lambda b, a: fixed.get((b, a), 0.0))


# -- answers wrong in the ways that used to pass: every checker, generically ------------
FUNCTION_KEYS = [key for key in KEYS if key != "sigmoid_sum"]
#: Exercises whose inputs can be negative (the others take activations, targets in [0, 1]).
SIGNED_KEYS = ["linear_quadratic", "sigmoid_prime", "softmax_backprop", "softmax_c",
               "softmax_monotonic", "softmax_nonlocal", "two_class_softmax", "xj_term"]


def _inputs_key(args):
    return tuple((np.shape(a), np.asarray(a, dtype=float).tobytes()) for a in args)


def _arrays_of(out):
    """A result as a list of arrays: both of a (nabla_b, nabla_w) pair, else the one."""
    return [np.asarray(o) for o in out] if isinstance(out, tuple) else [np.asarray(out)]


def _like(out, arrays):
    return tuple(arrays) if isinstance(out, tuple) else arrays[0]


def spoiled(fn, spoil):
    """``fn`` with ``spoil(args, array)`` applied to each array of its result."""
    def answer(*args):
        out = fn(*args)
        return _like(out, [spoil(args, a) for a in _arrays_of(out)])
    return answer


def garbage(out):
    """Zeros in the place of a result: the right shape, wrong numbers."""
    return _like(out, [np.zeros_like(a, dtype=float) for a in _arrays_of(out)])


def answers_with(key, wrap):
    """For each answer of the exercise: the worked solution with that one answer wrapped."""
    answers = solution(key)
    for i in range(len(answers)):
        yield i, [wrap(a) if j == i else a for j, a in enumerate(answers)]


def fixed_inputs(key):
    """Per answer, the inputs (as keys) and results its checker uses on every call: those
    seen in two calls; and per answer, every input of the first call."""
    seen = []
    for _ in range(2):
        logs = [dict() for _ in answer_names(key)]

        def recording(fn, log):
            def answer(*args):
                out = fn(*args)
                log[_inputs_key(args)] = out
                return out
            return answer
        feedback = check(key, *[recording(a, log) for a, log in zip(solution(key), logs)])
        assert feedback.passed, repr(feedback)
        seen.append(logs)
    fixed = [{k: v for k, v in first.items() if k in second} for first, second in zip(*seen)]
    return fixed, seen[0]


@pytest.mark.parametrize("key", FUNCTION_KEYS)
def test_every_check_tries_fresh_inputs_on_every_call(key):
    fixed, first = fixed_inputs(key)
    for fixed_here, all_here in zip(fixed, first):
        assert len(all_here) > len(fixed_here) >= 1, key   # some inputs are new each call


@pytest.mark.parametrize("key", FUNCTION_KEYS)
def test_an_answer_that_memorises_the_fixed_inputs_is_rejected(key):
    fixed, _ = fixed_inputs(key)
    answers = []
    for table, fn in zip(fixed, solution(key)):
        some_result = next(iter(table.values()))

        def lookup(*args, table=table, some_result=some_result):
            return table.get(_inputs_key(args), garbage(some_result))
        answers.append(lookup)
    for i, _ in enumerate(answers):   # one memorised answer at a time, the others right
        mixed = [answers[j] if j == i else fn for j, fn in enumerate(solution(key))]
        rejected(key, *mixed)


@pytest.mark.parametrize("key", FUNCTION_KEYS)
def test_an_answer_right_only_for_the_fixed_shapes_is_rejected(key):
    fixed, _ = fixed_inputs(key)
    for i, answers in answers_with(key, lambda fn: fn):
        shapes = {tuple(shape for shape, _ in k) for k in fixed[i]}
        if all(shape == () for s in shapes for shape in s):
            continue   # best_output(y): one number in, every input the same shape

        def one_shape(*args, fn=answers[i], shapes=shapes):
            out = fn(*args)
            return out if tuple(np.shape(a) for a in args) in shapes else garbage(out)
        rejected(key, *[one_shape if j == i else a for j, a in enumerate(answers)])


@pytest.mark.parametrize("key", SIGNED_KEYS)
def test_an_answer_right_only_for_positive_inputs_is_rejected(key):
    def positive_only(fn):
        def answer(*args):
            out = fn(*args)
            return out if all(np.all(np.asarray(a) >= 0) for a in args) else garbage(out)
        return answer
    for _, answers in answers_with(key, positive_only):
        rejected(key, *answers)


@pytest.mark.parametrize("key", FUNCTION_KEYS)
@pytest.mark.parametrize("slip", [
    lambda args, a: -a,                 # off by sign
    lambda args, a: 2 * a,              # a factor missing (1/2, 1/n, ...)
    lambda args, a: a * 1.01,           # nearly right: 1% off
], ids=["sign", "factor", "nearly"])
def test_an_answer_off_by_sign_or_a_factor_is_rejected(key, slip):
    for _, answers in answers_with(key, lambda fn: spoiled(fn, slip)):
        rejected(key, *answers)


@pytest.mark.parametrize("key", FUNCTION_KEYS)
@pytest.mark.parametrize("spoil, words", [
    (lambda args, a: a.astype(complex), "returned complex numbers (dtype complex128"),
    (lambda args, a: a + 0j if a.ndim else complex(a), "returned complex numbers"),
    (lambda args, a: np.array(a, dtype=object), "returned an array of Python objects"),
    (lambda args, a: a.astype(str), "returned an array of <U"),
    (lambda args, a: str(a) if a.ndim == 0 else a.astype(str), "not real numbers"),
    (lambda args, a: np.where(np.arange(a.size).reshape(a.shape) == 0, None, a.astype(object)),
     "returned None at entry 0"),
    (lambda args, a: np.where(np.arange(a.size).reshape(a.shape) == 0, np.nan, a), "nan"),
])
def test_results_that_are_not_real_numbers_are_rejected_saying_what_arrived(key, spoil, words):
    for _, answers in answers_with(key, lambda fn: spoiled(fn, spoil)):
        text = rejected(key, *answers)
        assert words in text, text


def test_sigmoid_sum_refuses_a_complex_or_none_input():
    net = Network([2, 3], seed=1)
    assert "`x` is complex numbers" in rejected("sigmoid_sum", net, np.ones((2, 1)) + 0j)
    assert "`x` is None at entry 1" in rejected("sigmoid_sum", net, [[1.0], [None]])
    assert "`x` is the string" in rejected("sigmoid_sum", net, "1, 2")


@pytest.mark.parametrize("key", FUNCTION_KEYS)
def test_an_answer_that_changes_its_input_in_place_is_rejected(key):
    def mutating(fn):
        def answer(*args):
            out = fn(*args)
            arrays = [a for a in args if isinstance(a, np.ndarray)]
            if arrays:
                arrays[0] += 1     # after computing a right result (int labels too)
            return out
        return answer
    for i, answers in answers_with(key, mutating):
        if answer_names(key)[i] in ("best_output", "errors_eliminated"):
            continue   # takes floats, which cannot be changed in place
        text = rejected(key, *answers)
        assert "changes its argument" in text and "work on a copy" in text, text


def test_the_solutions_change_nothing_in_place_and_a_copy_is_fine():
    def softmax_jacobian_of_z(z):
        z = z - z.max()      # a new array: the caller's z is untouched
        a = softmax(z)
        return np.diag(a) - np.outer(a, a)
    assert check("softmax_monotonic", softmax_jacobian_of_z).passed

    def in_place(z):
        z -= z.max()         # the caller's z changes
        a = softmax(z)
        return np.diag(a) - np.outer(a, a)
    text = rejected("softmax_monotonic", in_place)
    assert "changes its argument `z` in place" in text and "`z -= ...`" in text


@pytest.mark.parametrize("key", FUNCTION_KEYS)
def test_sys_exit_in_an_answer_is_a_verdict_not_a_dead_cell(key):
    def exits(*args):
        sys.exit(3)
    for _, answers in answers_with(key, lambda fn: exits):
        text = rejected(key, *answers)
        assert "called exit() or sys.exit() (SystemExit: 3)" in text, text


def test_other_base_exceptions_are_verdicts_but_keyboard_interrupt_passes():
    class Strange(BaseException):
        pass

    def strange(z):
        raise Strange("odd")
    assert "raised Strange: odd" in rejected("softmax_monotonic", strange)

    class ExitsWhenRead:   # a result that exits when the checker reads it
        def __array__(self, dtype=None, copy=None):
            raise SystemExit(1)
    text = rejected("softmax_monotonic", lambda z: ExitsWhenRead())
    assert "could not be judged (SystemExit: 1)" in text

    def interrupted(z):
        raise KeyboardInterrupt
    with pytest.raises(KeyboardInterrupt):
        check("softmax_monotonic", interrupted)


def test_an_endless_loop_is_stopped_after_the_time_limit():
    def endless(z):
        while True:
            try:
                pass
            except Exception:   # a reader's catch-all does not swallow the stop
                pass
    feedback = check("softmax_monotonic", endless, time_limit=0.5)
    text = repr(feedback)
    assert feedback.status == "incorrect"
    assert text.startswith("Not quite. `softmax_jacobian_of_z` was stopped after 0.5 s")
    assert "z = [ 2.5, -1. ,  3.2,  0.5]" in text and "loop that never ends" in text
    # the alarm is gone afterwards, and the next check is judged as usual
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    assert check("softmax_monotonic", *solution("softmax_monotonic")).passed


def test_outside_the_main_thread_the_feedback_says_no_time_limit_applies():
    results = []
    thread = threading.Thread(target=lambda: results.append(
        check("softmax_monotonic", *solution("softmax_monotonic"))))
    thread.start()
    thread.join()
    assert repr(results[0]).startswith("Correct. ")
    assert "no time limit applies outside the main thread" in repr(results[0])
    assert "note" not in repr(check("softmax_monotonic", *solution("softmax_monotonic")))


@pytest.mark.parametrize("time_limit", [0, -1, float("inf"), "5", None])
def test_a_time_limit_that_is_not_seconds_is_refused(time_limit):
    with pytest.raises(ValueError, match=r"time_limit must be a finite number > 0 \(seconds\)"):
        check("softmax_monotonic", lambda z: None, time_limit=time_limit)


def test_a_loop_that_swallows_the_time_limit_is_named_on_stderr():
    """A bare except in a loop catches the stop signal every time; nothing in the process
    can end it, but the reader is told why the cell hangs and what to do."""
    import subprocess
    import sys

    code = ("from nnlib.notebook.exercises import check\n"
            "def errors_eliminated(b, a):\n"
            "    while True:\n"
            "        try:\n"
            "            while True:\n"
            "                pass\n"
            "        except:\n"
            "            pass\n"
            "check('errors_eliminated', errors_eliminated, time_limit=0.3)\n")
    with pytest.raises(subprocess.TimeoutExpired) as hung:
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       timeout=8)
    stderr = hung.value.stderr or b""
    stderr = stderr.decode() if isinstance(stderr, bytes) else stderr
    assert "catches the signal meant to stop it" in stderr and "Interrupt the kernel" in stderr


# -- slips that used to pass, or got a verdict that did not name them ------------------
@pytest.mark.parametrize("c", [30.0, 1e3, 1e4, 1e6, 1e8])
def test_softmax_limit_rejects_softmax_c_at_a_large_but_finite_c(c):
    """The limit is exactly 1 on the largest z; softmax_c at c = 30 used to pass, since
    every z the checker tried was at least 0.7 from the largest (e^-21 is below ATOL),
    and at c = 1e6 (the checker's own old reference) while the nearest were 1e-4 apart."""
    good_c, _ = solution("softmax_c")
    text = rejected("softmax_c", good_c, lambda z: good_c(z, c))
    assert "z = [0.5, 0.500000001, -2.0]" in text and "expected: [0., 1., 0.]" in text
    assert "exactly 0" in text and "work out the limit itself" in text


def test_softmax_limit_does_not_call_uniform_outputs_a_large_c():
    good_c, _ = solution("softmax_c")
    text = rejected("softmax_c", good_c, lambda z: np.full(len(z), 1 / len(z)))
    assert "work out the limit itself" not in text and "watch where it goes" in text


@pytest.mark.parametrize("eps, inputs, within", [
    (1e-7, "a = [1e-12, 1 - 1e-12, 1e-12, 1 - 1e-12]", "1e-12"),
    (1e-10, "a = [1e-12, 1 - 1e-12, 1e-12, 1 - 1e-12]", "1e-12"),
    (1e-3, "a = [0.3   , 0.9   , 0.5   , 0.0001, 0.999 ]", "1e-04")])
def test_ce_roles_rejects_a_cost_that_clips_a(eps, inputs, within):
    """Clipping a to [eps, 1 - eps] (Keras uses 1e-7) changed nothing on the inputs tried,
    all at least 1e-4 from 0 and 1; a saturated sigmoid output is much closer."""
    def clipped(a, y):
        a = np.clip(a, eps, 1 - eps)
        return -(y * np.log(a) + (1 - y) * np.log(1 - a))
    text = rejected("ce_roles", clipped)
    assert inputs in text and f"right except where a is within {within} of 0 or 1" in text
    assert "clipping a" in text and "close" not in text
    if within == "1e-12":
        assert "y = [1., 0., 0., 1.]" in text and "expected: [27.631" in text


@pytest.mark.parametrize("base", [10, 2])
def test_a_logarithm_of_the_wrong_base_is_named(base):
    """np.log10 or np.log2 for the book's ln: the hint used to send the reader to the
    roles of a and y, or to the constant C."""
    log = {10: np.log10, 2: np.log2}[base]
    best_output, _ = solution("ce_minimum")
    for key, answers in [
            ("ce_roles", [lambda a, y: -(y * log(a) + (1 - y) * log(1 - a))]),
            ("ce_minimum", [best_output, lambda y: -(
                y * log(np.where(y > 0, y, 1)) + (1 - y) * log(np.where(y < 1, 1 - y, 1)))]),
            ("softmax_invert", [log])]:
        text = rejected(key, *answers)
        assert f"np.log{base} takes base-{base} logarithms" in text, text
        assert f"1 / ln {base} = {1 / np.log(base):.4g} times the expected one" in text, text


def test_code_for_one_number_that_fails_on_an_array_is_told_the_numpy_way():
    import math

    def with_math(z):
        s = 1 / (1 + math.exp(-z))
        return s * (1 - s)
    text = rejected("sigmoid_prime", with_math)
    assert "raised TypeError" in text and "use numpy's, np.exp and np.log" in text

    best_output, _ = solution("ce_minimum")

    def with_if(y):
        if y == 0 or y == 1:
            return 0.0
        return -(y * np.log(y) + (1 - y) * np.log(1 - y))
    text = rejected("ce_minimum", best_output, with_if)
    assert "raised ValueError: The truth value" in text and "np.where(condition" in text


def test_softmax_backprop_accepts_a_delta_right_to_float32_precision():
    """a - y in float32 is within RTOL of the exact delta, which the direct comparisons
    accept; the network's gradient check used a tighter 1e-7 and rejected it about one
    time in ten, with a hint about shapes and in-place changes."""
    def float32_delta(z, a, y):
        return (a - y).astype(np.float32)
    for _ in range(40):   # fresh inputs each time
        feedback = check("softmax_backprop", float32_delta)
        assert feedback.passed, repr(feedback)


# -- nearly right: an approximation is rejected, and the verdict shows by how much ------
def test_a_finite_difference_is_rejected_showing_a_difference_the_rounded_rows_hide():
    """A forward difference is within 1e-6 of sigma'(z) but not within the tolerance; the
    expected and got rows, rounded to 4 decimals, are the same, so the verdict must say
    where they differ, by how much, and that the formula may be right."""
    def forward_difference(z, h=1e-5):
        return (sigmoid(z + h) - sigmoid(z)) / h
    text = rejected("sigmoid_prime", forward_difference)
    rows = dict(re.findall(r"^  (expected|got):\s+(.*)$", text, re.M))
    assert rows["expected"] == rows["got"], text   # the reason for the differs row
    assert "differs:  most at entry 1: 0.14914597" in text and "instead of 0.14914645" in text
    assert "the check allows 2.5e-07 there" in text
    assert "close, but not within the tolerance" in text and "a finite difference" in text


@pytest.mark.parametrize("key", ["sigmoid_prime", "ce_many_layers", "softmax_monotonic",
                                 "softmax_backprop"])
def test_an_answer_off_by_a_relative_1e_minus_4_is_rejected_as_close(key):
    for _, answers in answers_with(key, lambda fn: spoiled(fn, lambda args, a: a * (1 + 1e-4))):
        text = rejected(key, *answers)
        assert "close, but not within the tolerance" in text and "differs:" in text, text


def test_the_cross_entropy_in_single_precision_is_told_to_use_float64():
    """1 - a in float32 loses the digits of a near 1: the formula is right, the precision
    is not, and the hint names it."""
    def float32_cost(a, y):
        a, y = np.float32(a), np.float32(y)
        return -(y * np.log(a) + (1 - y) * np.log(1 - a))

    text = rejected("ce_roles", float32_cost)
    assert "close, but not within" in text and "single precision (float32)" in text


def test_a_wrong_formula_is_not_called_close():
    text = rejected("sigmoid_prime", lambda z: 1.01 * sigmoid(z) * (1 - sigmoid(z)))
    assert "differs:  most at entry 0: 0.2525 instead of 0.25" in text
    assert "close" not in text and "chain rule" in text


# -- the cell generator for authors (tools/new_exercise.py) ---------------------------
@pytest.fixture
def new_exercise():
    """tools/new_exercise.py as a module (tools/ is not a package)."""
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import new_exercise
        yield new_exercise
    finally:
        sys.path.remove(str(ROOT / "tools"))


@pytest.fixture
def notebook_file(tmp_path):
    """A notebook of two cells, "# Title" and "## Summary", in a file."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(t, id=t.split()[-1].lower())
                for t in ("# Title", "## Summary")]
    path = tmp_path / "new.ipynb"
    nbformat.write(nb, path)
    return path


def test_new_exercise_writes_cells_the_tests_accept_and_a_stub_not_yet_attempted(
        new_exercise, notebook_file):
    assert new_exercise.main([str(notebook_file), "softmax_c", "--kind", "Problem",
                              "--title", "softmax with a constant c", "--argument",
                              "--before", "summary"]) == 0
    assert new_exercise.main([str(notebook_file), "sigmoid_sum",
                              "--title", "sigmoid outputs need not sum to 1"]) == 0
    nb = nbformat.read(notebook_file, as_version=4)
    nbformat.validate(nb)
    assert [c.source for c in nb.cells[::5]] == ["# Title", "## Summary"]
    assert_exercise_cells(notebook_file, ["softmax_c", "sigmoid_sum"])
    cells = marked_cells(notebook_file)
    ns = run_cell(cells["softmax_c", "stub"].source)
    assert check("softmax_c", ns["softmax_c"], ns["softmax_limit"]).status == "not attempted"
    assert ("sigmoid_sum", "argument") not in cells


def test_new_exercise_refuses_a_key_without_checker_a_second_copy_and_an_unknown_id(
        new_exercise, notebook_file, capsys):
    for args, says in [(["softmax_cc"], "no checker for 'softmax_cc'"),
                       (["softmax_c", "--before", "nope"], "no cell with id 'nope'"),
                       (["softmax_c", "--kind", "Lemma"], "invalid choice: 'Lemma'")]:
        with pytest.raises(SystemExit):
            new_exercise.main([str(notebook_file), *args, "--title", "t"])
        assert says in capsys.readouterr().err
    new_exercise.main([str(notebook_file), "softmax_c", "--title", "t"])
    before = notebook_file.read_text()
    with pytest.raises(SystemExit):
        new_exercise.main([str(notebook_file), "softmax_c", "--title", "t"])
    assert "already has cells of exercise 'softmax_c'" in capsys.readouterr().err
    assert notebook_file.read_text() == before
