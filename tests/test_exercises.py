"""The exercise checkers (nnlib.notebook.exercises) and their notebook cells (nnlib.exercise_cells).

Every worked solution, executed from the same text the notebook shows, must pass its
checker; every stub must report "not attempted yet"; and at least two wrong answers per
checker must be rejected with feedback that names what went wrong. Then, for every
checker alike, the kinds of wrong answers that used to pass: an answer that memorises
the fixed inputs, one right only for their shapes or only for positive inputs, one off
by a sign or a factor, results that are not real numbers (complex, strings, None,
objects, nan), an answer that changes its input in place, sys.exit() and endless loops.
"""
import re
import signal
import sys
import threading
import warnings
from pathlib import Path

import nbformat
import numpy as np
import pytest

from nnlib.activations import sigmoid, softmax
from nnlib.costs import LogLikelihoodCost
from nnlib.exercise_cells import EXERCISES, NOTEBOOKS, add_exercise, exercise, keys
from nnlib.notebook.exercises import CHECKERS, Feedback, check
from nnlib.network import Network

NOTEBOOK_DIR = Path(__file__).resolve().parent.parent / "notebooks"

AGREED_KEYS = {
    "01-cross-entropy": ["sigmoid_prime", "ce_roles", "ce_minimum", "ce_many_layers",
                         "linear_quadratic", "xj_term"],
    "02-softmax": ["sigmoid_sum", "softmax_monotonic", "softmax_nonlocal", "softmax_invert",
                   "softmax_c"],
    "03-log-likelihood": ["loglik_gradients", "softmax_backprop"],
    "04-mnist": ["errors_eliminated"],
}


def run_cell(source):
    """Execute a cell's code as the notebook would; return its namespace."""
    namespace = {}
    exec(compile(source, "<exercise cell>", "exec"), namespace)
    return namespace


def answers_of(key, source):
    ns = run_cell(source)
    return [ns[name] for name in exercise(key).answers]


def rejected(key, *answers):
    """Check a wrong answer: it must be "incorrect", and the feedback text is returned."""
    feedback = check(key, *answers)
    assert feedback.status == "incorrect", repr(feedback)
    assert not feedback
    return repr(feedback)


# -- the registry -------------------------------------------------------------------
def test_keys_are_the_agreed_ones_with_a_checker_each():
    assert NOTEBOOKS == AGREED_KEYS
    assert set(EXERCISES) == set(CHECKERS)
    for notebook, expected in AGREED_KEYS.items():
        assert keys(notebook) == expected
        assert keys(f"notebooks/{notebook}.ipynb") == expected
    assert sorted(keys()) == sorted(CHECKERS)


def test_unknown_names_are_refused_with_the_valid_ones():
    with pytest.raises(ValueError, match="softmax_c"):
        check("softmax_cc", None, None)
    with pytest.raises(ValueError, match="02-softmax"):
        keys("05-regularization")
    with pytest.raises(ValueError, match="the keys are"):
        exercise("nope")


def test_a_wrong_number_of_answers_names_the_expected_ones():
    with pytest.raises(TypeError, match=r"takes 2 answer\(s\), \['softmax_c', 'softmax_limit'\]"):
        check("softmax_c", lambda z, c: z)


# -- solutions pass, stubs are "not attempted" ----------------------------------------
@pytest.mark.parametrize("key", sorted(EXERCISES))
def test_the_worked_solution_passes_its_checker(key):
    feedback = check(key, *answers_of(key, EXERCISES[key].solution_source()))
    assert feedback.status == "correct", repr(feedback)
    assert repr(feedback).startswith("Correct. ")


@pytest.mark.parametrize("key", sorted(EXERCISES))
def test_the_stub_as_given_is_not_attempted_yet(key):
    ns = run_cell(EXERCISES[key].stub_source())   # runs its check(...) line too
    feedback = check(key, *[ns[name] for name in EXERCISES[key].answers])
    assert feedback.status == "not attempted"
    assert repr(feedback).startswith("Not attempted yet.")
    assert EXERCISES[key].answers[0] in repr(feedback)


@pytest.mark.parametrize("body", ["...", "pass", "return None"])
def test_an_empty_body_counts_as_not_attempted(body):
    ns = run_cell(f"def softmax_jacobian(z):\n    {body}\n")
    feedback = check("softmax_monotonic", ns["softmax_jacobian"])
    assert feedback.status == "not attempted"
    assert "returned None" in repr(feedback)


def test_a_none_after_a_returned_value_is_wrong_not_unattempted():
    _, good_entropy = answers_of("ce_minimum", EXERCISES["ce_minimum"].solution_source())

    def best_output(y):
        if y < 0.7:
            return y          # no return for larger y
    text = rejected("ce_minimum", best_output, good_entropy)
    assert "y = 0.8" in text and "is a `return` missing?" in text
    assert "Not attempted" not in text
    # the first call returning None is still the stub, every time check is called
    assert check("ce_minimum", lambda y: None, good_entropy).status == "not attempted"
    assert check("ce_minimum", lambda y: None, good_entropy).status == "not attempted"


def test_solution_and_stub_cells_define_the_names_the_check_line_passes():
    for ex in EXERCISES.values():
        for source in (ex.stub_source(), ex.solution_source()):
            for name in ex.answers:
                assert re.search(rf"^(def {name}\(|{name} = )", source, re.M), (ex.key, name)


@pytest.mark.parametrize("notebook", sorted(AGREED_KEYS))
def test_the_saved_notebook_cells_are_the_registrys_and_end_with_the_check_line(notebook):
    """The notebooks on disk hold each exercise once, with the registry's current text:
    editing a cell in nnlib.exercise_cells without re-adding it to its notebook fails here."""
    nb = nbformat.read(NOTEBOOK_DIR / f"{notebook}.ipynb", as_version=4)
    saved = {}
    for cell in nb.cells:
        tag = cell.get("metadata", {}).get("nnlib")
        if tag:
            assert (tag["exercise"], tag["part"]) not in saved, tag
            saved[tag["exercise"], tag["part"]] = cell
    assert sorted({key for key, _ in saved}) == sorted(AGREED_KEYS[notebook])
    for key in AGREED_KEYS[notebook]:
        ex = EXERCISES[key]
        stub = saved[key, "stub"]
        assert stub.cell_type == "code"
        assert stub.source.rstrip().endswith(ex.check_line()), key
        assert f"```python\n{ex.solution_source()}\n```" in saved[key, "solution"].source
        for cell in ex.cells():
            assert saved[key, cell.metadata["nnlib"]["part"]].source == cell.source, key


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
    entropy = EXERCISES["ce_minimum"]
    _, good_entropy = answers_of("ce_minimum", entropy.solution_source())
    text = rejected("ce_minimum", lambda y: 0.5, good_entropy)
    assert "y = 0.1" in text and "expected: 0.1" in text and "got:      0.5" in text

    def naive_entropy(y):
        return -(y * np.log(y) + (1 - y) * np.log(1 - y))
    text = rejected("ce_minimum", lambda y: y, naive_entropy)
    assert "y = [0. , 1. , 0.3]" in text and "0 ln 0 is nan" in text


@pytest.fixture
def gradients_solution():
    """The shared output-gradient solution, under any of its three names."""
    return answers_of("ce_many_layers", EXERCISES["ce_many_layers"].solution_source())[0]


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
    good_c, _ = answers_of("softmax_c", EXERCISES["softmax_c"].solution_source())
    text = rejected("softmax_c", lambda z, c: softmax(z), lambda z: z)
    assert "c = 0.5" in text and "Eq. 83" in text

    text = rejected("softmax_c", good_c, lambda z: np.eye(len(z))[np.argmax(z)])
    assert "z = [1., 3., 3., 0.]" in text and "expected: [0. , 0.5, 0.5, 0. ]" in text
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


# -- the cells ----------------------------------------------------------------------
def test_add_exercise_appends_valid_cells_with_the_solution_hidden():
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_markdown_cell("# Title"))
    add_exercise(nb, "softmax_invert")
    parts = [c.metadata["nnlib"]["part"] for c in nb.cells[1:]]
    assert parts == ["prompt", "stub", "argument", "solution"]
    nbformat.validate(nb)
    ex = EXERCISES["softmax_invert"]
    assert nb.cells[1].source.startswith("#### Problem: inverting the softmax layer")
    assert nb.cells[2].cell_type == "code" and nb.cells[2].source == ex.stub_source()
    solution = nb.cells[4].source
    assert solution.startswith("<details>\n<summary>") and solution.endswith("</details>")
    assert f"```python\n{ex.solution_source()}\n```" in solution


def test_add_exercise_inserts_and_replaces_instead_of_duplicating():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(t) for t in ("# Title", "## Summary")]
    add_exercise(nb, "sigmoid_sum", at=1)          # no argument cell: a construction
    assert [c.get("id") for c in nb.cells[1:4]] == [
        "ex-sigmoid-sum-prompt", "ex-sigmoid-sum-stub", "ex-sigmoid-sum-solution"]
    assert nb.cells[-1].source == "## Summary"
    add_exercise(nb, "sigmoid_sum")                # again: replaced where it was
    assert len(nb.cells) == 5 and nb.cells[-1].source == "## Summary"
    with pytest.raises(ValueError, match="from 0 to 5"):
        add_exercise(nb, "softmax_c", at=9)
    with pytest.raises(TypeError, match="nbformat notebook"):
        add_exercise({"cells": []}, "softmax_c")


def test_add_exercise_leaves_the_notebook_alone_when_at_is_invalid():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(t) for t in ("# Title", "## Summary")]
    add_exercise(nb, "softmax_c", at=1)            # 4 cells: 6 in all
    before = [c.source for c in nb.cells]
    for at in (7, -1):
        with pytest.raises(ValueError, match="from 0 to 6"):
            add_exercise(nb, "softmax_c", at=at)
        assert [c.source for c in nb.cells] == before


def test_add_exercise_reads_at_as_an_index_into_the_cells_before_the_call():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(t) for t in ("# Title", "## Middle", "## End")]
    add_exercise(nb, "softmax_c", at=1)            # Title, 4 exercise cells, Middle, End
    assert [c.source for c in nb.cells[::5]] == ["# Title", "## Middle"]
    add_exercise(nb, "softmax_c", at=6)            # before "## End", as the cells are now
    sources = [c.source for c in nb.cells]
    assert sources[:2] == ["# Title", "## Middle"] and sources[-1] == "## End"
    assert len(nb.cells) == 7 and nb.cells[2].id == "ex-softmax-c-prompt"
    add_exercise(nb, "softmax_c", at=0)            # and back to the front
    assert [c.source for c in nb.cells[4:]] == ["# Title", "## Middle", "## End"]
    add_exercise(nb, "softmax_c", at=len(nb.cells))   # the end
    assert [c.source for c in nb.cells[:3]] == ["# Title", "## Middle", "## End"]
    assert len(nb.cells) == 7


@pytest.mark.parametrize("wrong, says", [
    (lambda b, a: (a - b) / b, "a fraction of the accuracy"),
    (lambda b, a: a - b, "percentage points"),
    (lambda b, a: (a - b) / (100 - a), "divided by the error rate after"),
    (lambda b, a: 100 * (a - b) / (100 - b), "return a fraction"),
    (lambda b, a: (b - a) / (100 - b), "sign is flipped"),
    (lambda b, a: abs(a - b) / (100 - b), "sign is flipped"),  # right but for losses
    (lambda b, a: 1 / 14, "error rate = 100 - accuracy"),
    (lambda b, a: complex((a - b) / (100 - b), 1e-3), "not real numbers"),
])
def test_errors_eliminated_rejects_the_usual_slips(wrong, says):
    assert says in rejected("errors_eliminated", wrong)


def test_errors_eliminated_rejects_an_answer_that_memorised_the_fixed_inputs():
    fixed = {(96.59, 96.82): 0.23 / 3.41, (95.49, 94.2): -1.29 / 4.51, (50.0, 75.0): 0.5}
    assert "different share" in rejected("errors_eliminated",
                                         lambda b, a: fixed.get((b, a), 0.0))


# -- answers wrong in the ways that used to pass: every checker, generically ------------
FUNCTION_KEYS = sorted(key for key in EXERCISES if key != "sigmoid_sum")
#: Exercises whose inputs can be negative (the others take activations, targets in [0, 1]).
SIGNED_KEYS = ["linear_quadratic", "sigmoid_prime", "softmax_backprop", "softmax_c",
               "softmax_monotonic", "softmax_nonlocal", "xj_term"]


def solution(key):
    return answers_of(key, EXERCISES[key].solution_source())


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
        logs = [dict() for _ in EXERCISES[key].answers]

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
                arrays[0] += 1.0   # after computing a right result
            return out
        return answer
    for i, answers in answers_with(key, mutating):
        if EXERCISES[key].answers[i] in ("best_output", "errors_eliminated"):
            continue   # takes floats, which cannot be changed in place
        text = rejected(key, *answers)
        assert "changes its argument" in text and "work on a copy" in text, text


def test_the_solutions_change_nothing_in_place_and_a_copy_is_fine():
    def softmax_jacobian(z):
        z = z - z.max()      # a new array: the caller's z is untouched
        a = softmax(z)
        return np.diag(a) - np.outer(a, a)
    assert check("softmax_monotonic", softmax_jacobian).passed

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
    assert text.startswith("Not quite. `softmax_jacobian` was stopped after 0.5 s")
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
    with pytest.raises(ValueError, match="time_limit must be seconds > 0"):
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
