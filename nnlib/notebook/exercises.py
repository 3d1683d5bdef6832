"""Checkers for the chapter-3 exercises: feedback right after the reader's attempt.

Each exercise cell defines a function (or a value) and ends with::

    check("softmax_monotonic", softmax_jacobian_of_z)

``check`` calls the reader's code on inputs of its own, edge cases included, then on
fresh random inputs of other shapes and signs (from a generator seeded by the operating
system on every call, so that an answer which memorises the fixed inputs fails), compares
the results with nnlib's references (``nnlib.activations``, ``nnlib.costs``, the
network, and central differences from ``nnlib.gradcheck``) and returns a ``Feedback``:

* "Correct." and one sentence on why the result matters;
* "Not quite." with the input tried, what was expected, what came back and a hint;
* "Not attempted yet." while the cell still holds its stub (a body that is ``...``,
  returns ``None`` or raises ``NotImplementedError``), or a value left as ``None``. Only
  the first call counts: a function that returns a value and later ``None`` is wrong.

A result must be real numbers: a string, complex numbers (even with imaginary part 0),
None inside a list, or an array of Python objects is "Not quite." with what arrived, as
is nan; so is an answer whose results are right but which changed its input arrays in
place (the caller's data would be corrupted).

``check`` never raises on a wrong or unfinished answer: an exception from the reader's
code is reported as feedback, ``sys.exit()`` included (only KeyboardInterrupt passes
through). An endless loop is stopped after ``time_limit`` seconds (``TIME_LIMIT``) with a
verdict saying so, where Python allows it: in the main thread of a platform with
SIGALRM (Linux, macOS: every notebook kernel there). Elsewhere (Windows, another thread)
no limit applies, and the feedback has a note saying so. The fixed inputs come first, so
the text for a stub, or for an answer wrong on them, is the same on every run (no
addresses, no unseeded numbers), and notebooks saved with their stubs pass nbval.

The keys are those of ``CHECKERS``. The exercise cells (prompt, stub, written argument,
worked solution) exist only in the notebooks, marked with the cell metadata
``{"nnlib": {"exercise": key, "part": ...}}``; ``tests/test_exercises.py`` runs each
notebook's stub and worked solution through its checker, and ``tools/new_exercise.py``
adds the cells of a new exercise.
"""
from __future__ import annotations

import contextlib
import contextvars
import copy
import html
import inspect
import re
import signal
import sys
import threading
import warnings

import numpy as np

from .. import checks
from ..activations import Sigmoid, Softmax, sigmoid, sigmoid_prime, softmax
from ..costs import CrossEntropyCost, LogLikelihoodCost, QuadraticCost, one_hot
from ..gradcheck import check_gradients, numerical_gradient
from ..network import Network

#: One tolerance for every comparison: |got - expected| <= ATOL + RTOL |expected|.
#: Central differences in float64 (eps = 1e-6) are accurate to ~1e-9, far inside it.
RTOL, ATOL = 1e-6, 1e-7
#: How close a numerically found minimiser must come to the true one (a grid or a few
#: hundred gradient steps reach 1e-4 easily).
SEARCH_TOL = 1e-3

#: The book's softmax slider values (chapter 3, "Softmax").
BOOK_Z = np.array([2.5, -1.0, 3.2, 0.5])

#: Seconds a check may take before the reader's code is stopped (an endless loop). A
#: right answer takes well under a second.
TIME_LIMIT = 10.0


# -- feedback ------------------------------------------------------------------------
class Feedback:
    """The verdict on one attempt: ``status`` is "correct", "incorrect" or "not attempted".

    ``message`` is one sentence; ``details`` are (label, text) rows such as the input
    tried, the expected and returned values and a hint. Shown as text (``repr``) and as
    HTML in a notebook; ``bool(feedback)`` is True only when the answer is correct.
    """

    HEADLINES = {"correct": "Correct.", "incorrect": "Not quite.",
                 "not attempted": "Not attempted yet."}
    COLOURS = {"correct": "#2e7d32", "incorrect": "#c62828", "not attempted": "#757575"}

    def __init__(self, status: str, message: str, details=()):
        checks.choice("status", status, self.HEADLINES)
        self.status = status
        self.message = message
        self.details = [(label, text) for label, text in details if text]

    @property
    def passed(self) -> bool:
        return self.status == "correct"

    def __bool__(self):
        return self.passed

    def __str__(self):
        lines = [f"{self.HEADLINES[self.status]} {self.message}"]
        for label, text in self.details:
            body = str(text).replace("\n", "\n" + " " * 12)
            lines.append(f"  {label + ':':<10}{body}")
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self):
        colour = self.COLOURS[self.status]
        rows = "".join(
            f"<tr><th style='text-align:left;vertical-align:top;padding-right:1em'>"
            f"{html.escape(label)}</th><td style='text-align:left'>"
            f"<pre style='margin:0'>{html.escape(str(text))}</pre></td></tr>"
            for label, text in self.details)
        table = f"<table style='margin:0.3em 0 0 0'>{rows}</table>" if rows else ""
        message = re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(self.message))
        return (f"<div class='nnlib-feedback' style='border-left:4px solid {colour};"
                f"padding:0.2em 0.8em'><strong style='color:{colour}'>"
                f"{self.HEADLINES[self.status]}</strong> {message}{table}</div>")


class _Verdict(Exception):
    """Ends a checker early with its feedback; ``check`` turns it into the return value."""

    def __init__(self, feedback: Feedback):
        super().__init__(feedback.message)
        self.feedback = feedback


def _fmt(x) -> str:
    """A short, deterministic text form of a number or array (4 significant decimals)."""
    if isinstance(x, (int, float, np.floating, np.integer)):
        return f"{float(x):.6g}"
    with np.printoptions(precision=4, suppress=True, threshold=40, linewidth=70,
                         floatmode="maxprec"):
        return np.array2string(np.asarray(x), separator=", ")


def _not_attempted(name: str, what: str) -> _Verdict:
    return _Verdict(Feedback("not attempted", f"`{name}` {what}.", [
        ("next", f"fill in `{name}` and run this cell again")]))


def _wrong(message, inputs=None, expected=None, got=None, hint=None,
           differs=None) -> _Verdict:
    details = [("input", inputs),
               ("expected", None if expected is None else _fmt(expected)),
               ("got", None if got is None else _fmt(got)),
               ("differs", differs),
               ("hint", hint)]
    return _Verdict(Feedback("incorrect", message, details))


def _given(value, name: str):
    """A value answer (not a function): ``None`` means the reader has not filled it in."""
    if value is None:
        raise _not_attempted(name, "is still None")
    return value


#: The names of the reader's functions that have already returned a value in the current
#: ``check`` call: a None from one of them afterwards is a wrong answer, not a stub.
_ANSWERED: contextvars.ContextVar = contextvars.ContextVar("nnlib_exercises_answered")


def _call(fn, name: str, inputs: str, *args):
    """Call the reader's ``fn(*args)`` on copies of ``args``; any failure becomes feedback.

    ``inputs`` describes the arguments for the message (e.g. "z = [2.5, -1]"). A None
    from the first call is the stub ("not attempted"); a None after a call that returned
    something is a path through the reader's code that misses its ``return`` (wrong)."""
    if fn is None:
        raise _not_attempted(name, "is still None")
    if not callable(fn):
        raise _wrong(f"`{name}` should be a function; it is a {type(fn).__name__}.",
                     hint=f"define it with `def {name}(...):`")
    copies = copy.deepcopy(args)
    try:
        out = fn(*copies)
    except NotImplementedError:
        raise _not_attempted(name, "still raises NotImplementedError") from None
    except (KeyboardInterrupt, _Verdict):
        raise
    except _TimeUp as up:
        raise _wrong(f"`{name}` was stopped after {up.seconds:g} s on this input: it did "
                     "not finish.", inputs=inputs,
                     hint="is there a loop that never ends (a while whose condition stays "
                          "true)? A right answer takes well under a second; if yours is "
                          "only slow, check(..., time_limit=60) gives it longer") from None
    except SystemExit as exc:
        raise _wrong(f"`{name}` called exit() or sys.exit() (SystemExit: {exc.code!r}), "
                     "which would stop the program instead of returning a result.",
                     inputs=inputs, hint="end the function with `return ...`") from None
    except BaseException as exc:  # the reader's code may fail in any way; report, never raise
        raise _wrong(f"`{name}` raised {type(exc).__name__}: {exc}", inputs=inputs,
                     hint=_array_slip(exc) or "run it on this input yourself to see where "
                                              "it fails") from None
    _record_changes(fn, name, inputs, args, copies)
    answered = _ANSWERED.get(None)
    if answered is None:   # a checker called directly, not through check()
        answered = set()
    if out is None:
        if name not in answered:
            raise _not_attempted(name, f"returned None for {inputs} (is a `return` missing?)")
        raise _wrong(f"`{name}` returned None for this input, although it returned a value "
                     "for an earlier one.", inputs=inputs,
                     hint="is a `return` missing? Every path through the function (each "
                          "branch of an if) must end in a `return`")
    answered.add(name)
    return out


def _array_slip(exc: BaseException) -> str | None:
    """The fix, if ``exc`` is how code written for one number fails on an array."""
    text = str(exc)
    if isinstance(exc, ValueError) and "truth value of an array" in text:
        return ("an `if` (or `and`, `or`, `not`) met a whole array, which holds many "
                "numbers and is neither true nor false (a.any() or a.all() would decide for "
                "all entries at once); decide entry by entry: np.where(condition, value "
                "if true, value if false)")
    if isinstance(exc, TypeError) and "arrays can be converted to Python scalars" in text:
        return ("a function for one number (math.exp, math.log, float(...)) met an "
                "array: use numpy's, np.exp and np.log, which work entry by entry")
    return None


#: The first argument the reader's code changed in place during the current ``check``
#: call, as feedback: given only if every result was right (a wrong result says more).
_CHANGED: contextvars.ContextVar = contextvars.ContextVar("nnlib_exercises_changed")


def _same(before, after) -> bool:
    if isinstance(before, np.ndarray):
        return (isinstance(after, np.ndarray) and after.shape == before.shape
                and bool(np.array_equal(after, before)))
    return type(after) is type(before) and after == before


def _record_changes(fn, name: str, inputs: str, args, copies):
    """Note (in ``_CHANGED``) the first argument ``fn`` changed in place: ``copies`` were
    passed, ``args`` are the originals."""
    changed = _CHANGED.get(None)
    if changed is None or changed:
        return
    try:
        params = list(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        params = []
    for i, (before, after) in enumerate(zip(args, copies)):
        if not _same(before, after):
            arg = params[i] if i < len(params) else f"argument {i + 1}"
            changed.append(_wrong(
                f"`{name}` returns the right values but changes its argument `{arg}` in "
                "place: the caller's array is not the same afterwards.", inputs=inputs,
                expected=before, got=after,
                hint=f"work on a copy: `{arg} = {arg} - ...` or `{arg}.copy()` make a new "
                     f"array, while `{arg} -= ...`, `{arg}[i] = ...` or another name for "
                     f"`{arg}` change the caller's").feedback)
            return


def _numbers(out, name: str, inputs: str, want: str, verb: str = "returned") -> np.ndarray:
    """The reader's result as a float array, or feedback saying what arrived instead of
    real numbers: a string, complex numbers, None, other objects. ``want`` says what to
    return, e.g. "one float"; ``verb`` is "is" for a value rather than a result."""
    def refuse(what):
        return _wrong(f"`{name}` {verb} {what}, not real numbers.", inputs=inputs,
                      hint=f"return {want}" if verb == "returned" else want)
    if isinstance(out, (str, bytes)):
        raise refuse(f"the string {str(out)[:40]!r}")
    try:
        arr = np.asarray(out)
    except Exception:  # a ragged list, or an object numpy cannot read
        raise refuse(f"a {type(out).__name__} that is not a regular array") from None
    if arr.dtype.kind == "c":
        example = complex(arr.ravel()[0]) if arr.size else 0j
        raise _wrong(f"`{name}` {verb} complex numbers (dtype {arr.dtype}, e.g. "
                     f"{example:.4g}), not real numbers.", inputs=inputs,
                     hint="the answer is real: a log or square root of a negative number, "
                          "or a complex constant such as 1j, brings in complex values; "
                          f"{'return ' * (verb == 'returned')}{want}")
    if arr.dtype.kind == "O":
        nones = [i for i, v in enumerate(arr.ravel()) if v is None]
        if nones:
            raise refuse(f"None at entry {nones[0]} (of {arr.size}): is a `return` missing "
                         "from a helper, or an entry never filled in?")
        kinds = sorted({type(v).__name__ for v in arr.ravel()})
        raise refuse(f"an array of Python objects ({', '.join(kinds)})")
    if arr.dtype.kind not in "biuf":
        raise refuse(f"an array of {arr.dtype} values")
    return arr.astype(float)


def _as_array(out, name: str, shape, inputs: str):
    """The reader's result as a float array of ``shape``, or feedback saying how it differs."""
    arr = _numbers(out, name, inputs, f"a numpy array of shape {tuple(shape)}")
    if arr.shape != tuple(shape):
        hint = f"return shape {tuple(shape)}"
        if arr.shape == tuple(shape)[::-1]:
            hint += " (yours looks transposed)"
        elif arr.size == int(np.prod(shape)):
            hint += f" (same numbers of entries: reshape with .reshape{tuple(shape)})"
        raise _wrong(f"`{name}` returned shape {arr.shape}; expected {tuple(shape)}.",
                     inputs=inputs, hint=hint)
    return arr


def _scalar(out, name: str, inputs: str, what: str = "one float") -> float:
    """The reader's result as one float (a size-1 array counts), or feedback.

    ``what`` says what to return instead, e.g. "one float (entry j)"."""
    arr = _numbers(out, name, inputs, what)
    if arr.size != 1:
        raise _wrong(f"`{name}` returned an array of shape {arr.shape}, where one number "
                     "is asked for.", inputs=inputs, got=arr, hint=f"return {what}")
    return float(arr.ravel()[0])


#: How close counts as "nearly right" (an approximation, not a slip in the formula):
#: every entry within a relative 1e-3 of the expected one (or within ATOL of it).
NEAR = 1e-3


def _diagnose(got, expected, n=1, nonfinite=None) -> str | None:
    """Name a common slip that turns ``expected`` into ``got``, if it is one of them.

    ``nonfinite`` replaces the general advice for nan or inf entries."""
    nonzero = np.any(np.abs(expected) > ATOL)
    if not np.all(np.isfinite(got)):
        return nonfinite or ("some entries are nan or inf: an exponential overflowed or a "
                             "logarithm met 0; subtract the largest z first, or use "
                             "nnlib.activations")
    if nonzero and np.allclose(got, -expected, RTOL, ATOL):
        return "every entry has the wrong sign"
    if nonzero and n > 1 and np.allclose(got, n * expected, RTOL, ATOL):
        return f"n = {n} times too large: average over the n examples (divide the sum by n)"
    if nonzero and n > 1 and np.allclose(n * got, expected, RTOL, ATOL):
        return f"n = {n} times too small: divide the sum over examples by n once, not twice"
    for base in (10, 2):
        if nonzero and np.allclose(got * np.log(base), expected, RTOL, ATOL):
            return (f"every entry is 1 / ln {base} = {1 / np.log(base):.4g} times the "
                    f"expected one: np.log{base} takes base-{base} logarithms, while the "
                    "book's ln is the natural logarithm, np.log")
    return None


def _near(got, expected) -> str | None:
    """Say so if finite ``got`` is within ``NEAR`` of ``expected`` (which is not all 0)."""
    if (np.max(np.abs(expected)) > ATOL and np.all(np.isfinite(got))
            and np.allclose(got, expected, NEAR, ATOL)):
        return (f"close, but not within the tolerance (a relative {RTOL:g}): every entry is "
                f"within {NEAR:.1%} of the expected value, so the formula may be right and "
                "its evaluation approximate: a finite difference, a rounded constant (2.718 "
                "for e), a rounded result, a numerical search or single precision "
                "(float32). Compute it exactly, in float64")
    return None


def _largest_difference(got, expected) -> str | None:
    """Where finite ``got`` and ``expected`` differ most, in full precision, against the
    tolerance there: the arrays as shown (4 decimals) may look the same."""
    if not np.all(np.isfinite(got)) or np.shape(got) != np.shape(expected):
        return None
    excess = np.abs(got - expected) - (ATOL + RTOL * np.abs(expected))
    at = tuple(int(i) for i in np.unravel_index(np.argmax(excess), np.shape(expected)))
    where = (f"most at entry {list(at) if len(at) > 1 else at[0]}: "
             if np.size(expected) > 1 else "")
    return (f"{where}{got[at]:.10g} instead of {expected[at]:.10g} (off by "
            f"{abs(got[at] - expected[at]):.2g}; the check allows "
            f"{ATOL + RTOL * abs(expected[at]):.2g} there)")


def _compare(got, expected, name: str, inputs: str, hint: str, n: int = 1, nonfinite=None):
    """Accept ``got`` if it equals ``expected`` within the tolerance; otherwise explain.

    ``n`` is the number of examples averaged over; ``nonfinite`` the hint for nan/inf."""
    got = _as_array(got, name, np.shape(expected), inputs)
    if not np.allclose(got, expected, RTOL, ATOL):
        raise _wrong(f"`{name}` gives a different result on this input.", inputs=inputs,
                     expected=expected, got=got,
                     differs=_largest_difference(got, np.asarray(expected, dtype=float)),
                     hint=_diagnose(got, expected, n, nonfinite) or _near(got, expected)
                     or hint)
    return got


def _fresh_rng() -> np.random.Generator:
    """A generator seeded by the operating system on every call: inputs nobody can know
    in advance, so an answer that memorises the fixed inputs fails on these."""
    return np.random.default_rng()


def _random_z(rng, scale: float = 2.5) -> np.ndarray:
    """Weighted inputs of a random length 5 to 7 (longer than every fixed input, so that an
    answer right only for those lengths fails), with at least one negative and one
    positive entry, in random places."""
    z = rng.normal(0, scale, int(rng.integers(5, 8)))
    z[0], z[1] = -abs(z[0]) - 0.1, abs(z[1]) + 0.1
    return rng.permutation(z)


def _jacobian(f, z):
    """d f(z)_j / d z_k by central differences: an (n_out, n) array for z of shape (n,)."""
    z = np.array(z, dtype=float)
    n_out = np.size(f(z))
    return np.stack([numerical_gradient(lambda j=j: f(z)[j], z) for j in range(n_out)])


# -- shared by the output-layer gradient exercises (Eqs. 65-70, 81-82) -----------------
def _check_output_gradients(fn, name, cost, output, targets, hint):
    """Compare ``fn(a_prev, a, y) -> (nabla_b, nabla_w)`` with central differences.

    The output layer is a one-layer ``Network([n_prev, n_out])`` with ``cost`` and
    ``output``: its input plays a^{L-1}, so this is the last layer of any deeper network.
    Gradients are of the cost averaged over the n columns (examples).
    """
    rng, fresh = np.random.default_rng(3), _fresh_rng()
    cases = [(3, 2, 1, 1.0, 31), (4, 3, 5, 1.0, 45), (3, 3, 2, 6.0, 32)]
    # random sizes, each unlike the fixed cases': n_prev 5-7, n_out 4-6, n 3, 4, 6 or 7
    cases += [(int(fresh.integers(5, 8)), int(fresh.integers(4, 7)),
               int(fresh.choice([3, 4, 6, 7])), float(fresh.uniform(0.5, 4)),
               int(fresh.integers(1 << 30))) for _ in range(2)]
    for i, (n_prev, n_out, n, scale, seed) in enumerate(cases):
        rng = fresh if i >= 3 else rng
        net = Network([n_prev, n_out], cost=cost, output=output, seed=seed)
        net.weights[0] *= scale   # scale 6 saturates sigmoid outputs
        a_prev = rng.uniform(0, 1, (n_prev, n))
        y = targets(rng, n_out, n)
        a = net.feedforward(a_prev)
        mean_cost = lambda: net.summed_cost(a_prev, y) / n  # noqa: E731
        expected_b = numerical_gradient(mean_cost, net.biases[0])
        expected_w = numerical_gradient(mean_cost, net.weights[0])
        inputs = (f"n = {n} example{'s' * (n > 1)}, a_prev {a_prev.shape} =\n{_fmt(a_prev)}\n"
                  f"y {y.shape} =\n{_fmt(y)}")
        got = _call(fn, name, inputs, a_prev, a, y)
        if not (isinstance(got, (tuple, list)) and len(got) == 2):
            raise _wrong(f"`{name}` should return a pair (nabla_b, nabla_w).", inputs=inputs,
                         hint=f"end with `return nabla_b, nabla_w`, shapes ({n_out}, 1) "
                              f"and ({n_out}, {n_prev})")
        _compare(got[0], expected_b, f"{name} (nabla_b)", inputs, hint, n)
        _compare(got[1], expected_w, f"{name} (nabla_w)", inputs, hint, n)


def _one_hot_targets(rng, n_out, n):
    return one_hot(rng.integers(0, n_out, n), n_out)


def _unit_targets(rng, n_out, n):
    """Targets in [0, 1] for the cross-entropy: 0 or 1, but between 0 and 1 in the first
    column (Eq. 63 holds for any y in [0, 1]; a formula split into y = 0 and y = 1 fails)."""
    y = rng.integers(0, 2, (n_out, n)).astype(float)
    y[:, 0] = rng.uniform(0.05, 0.95, n_out)
    return y


def _real_targets(rng, n_out, n):
    return rng.normal(0, 2, (n_out, n))


# -- notebook 00: start here -----------------------------------------------------------
def check_one_hot(one_hot):
    """``one_hot(labels, n_classes)``: the (n_classes, n) array of one-hot columns."""
    rng = _fresh_rng()
    cases = [(np.array([0, 3, 1]), 4), (np.array([2]), 3), (np.array([9, 0, 4, 4]), 10),
             (np.array([1, 1]), 5)]   # the largest class need not occur among the labels
    for _ in range(2):   # 5-9 labels (more than above) of 6-12 classes
        n_classes = int(rng.integers(6, 13))
        cases.append((rng.integers(0, n_classes, int(rng.integers(5, 10))), n_classes))
    for labels, n_classes in cases:
        inputs = f"labels = {_fmt(labels)}, n_classes = {n_classes}"
        expected = np.eye(n_classes)[:, labels]          # (n_classes, n)
        got = _numbers(_call(one_hot, "one_hot", inputs, labels, n_classes), "one_hot",
                       inputs, f"a numpy array of shape {expected.shape}")
        if got.shape == expected.T.shape != expected.shape:
            raise _wrong(f"`one_hot` returned shape {got.shape}; expected {expected.shape}.",
                         inputs=inputs, hint="one example per column, one class per row: "
                                             "your one-hot vectors are rows; transpose (.T)")
        if got.shape[1:] == expected.shape[1:] and got.shape[0] == labels.max() + 1 \
                != n_classes:
            raise _wrong(f"`one_hot` returned {got.shape[0]} rows; expected {n_classes}.",
                         inputs=inputs, hint="take the number of rows from n_classes, not "
                                             "from the largest label: a batch need not "
                                             "contain every class")
        for shift in (1, -1):
            if got.shape == expected.shape and np.array_equal(
                    got, np.eye(n_classes)[:, (labels + shift) % n_classes]):
                raise _wrong("`one_hot` puts each 1 one row off.", inputs=inputs,
                             expected=expected, got=got,
                             hint="rows count from 0: label d goes in row d (y[d], not "
                                  "y[d - 1] or y[d + 1])")
        _compare(got, expected, "one_hot", inputs,
                 hint="column i must be 0 everywhere except row labels[i], which is 1")
    return Feedback("correct", "Each column is the one-hot target of one example: the "
                    "book's y for a digit is such a (10, 1) column, and Eqs. (63) and (80) "
                    "take y in this form.")


# -- notebook 01: cross-entropy --------------------------------------------------------
def check_sigmoid_prime(sigmoid_derivative):
    """``sigmoid_derivative(z)``: sigma'(z) entry by entry, for z of any shape."""
    rng = _fresh_rng()
    cases = [np.array([0.0, 1.5, 4.0, -2.0]),                 # 0.25 at 0; the demos' z
             np.array([[-1000.0, -40.0], [40.0, 1000.0]]),      # e^-z overflows at -1000
             _random_z(rng, scale=6),
             rng.normal(0, 6, (int(rng.integers(2, 4)), int(rng.integers(3, 6))))]
    for z in cases:
        inputs = f"z = {_fmt(z)}"
        got = _call(sigmoid_derivative, "sigmoid_derivative", inputs, z)
        _compare(got, sigmoid_prime(z), "sigmoid_derivative", inputs,
                 hint="sigma(z) = 1 / (1 + e^{-z}): differentiate with the chain rule, then "
                      "write the result in terms of sigma(z) itself",
                 nonfinite="some entries are nan or inf: e^{-z} overflows for large "
                           "negative z (e^1000 is inf, and inf / inf = nan); write the "
                           "derivative as a product of sigma(z) and 1 - sigma(z), with "
                           "nnlib's sigmoid, which never overflows")
    return Feedback("correct", "sigma'(z) = sigma(z)(1 - sigma(z)): the slope is at most "
                    f"1/4 (at z = 0) and is {float(sigmoid_prime(4.0)):.4f} at z = 4, the "
                    "saturated start of the demos; and it costs no second exponential, "
                    "which is how nnlib computes it.")


def check_ce_many_layers(cross_entropy_gradients):
    """``cross_entropy_gradients(a_prev, a, y)``: Eqs. (66)-(67) and the bias analogue."""
    _check_output_gradients(cross_entropy_gradients, "cross_entropy_gradients",
                            CrossEntropyCost, Sigmoid, _unit_targets,
                            hint="delta^L = a - y (Eq. 66), for any target y in [0, 1], not "
                                 "only 0 and 1; nabla_w = delta a_prev^T and "
                                 "nabla_b = delta, averaged over the columns (Eq. 67). An "
                                 "extra a (1 - a) factor is Eq. (65)'s, for the quadratic cost")
    z = 6.0   # a saturated output neuron with the wrong target y = 0
    return Feedback("correct", f"No sigma'(z) left: for a neuron stuck at z = {z:g} with "
                    f"target 0 the quadratic cost's output error (Eq. 65) is "
                    f"{float(QuadraticCost.delta(z, sigmoid(z), 0.0)):.4f}, the "
                    f"cross-entropy's {float(CrossEntropyCost.delta(z, sigmoid(z), 0.0)):.4f}, "
                    f"so it learns {1 / float(sigmoid_prime(z)):.0f} times faster.")


def check_linear_quadratic(linear_gradients):
    """``linear_gradients(a_prev, a, y)``: Eqs. (68)-(70), linear outputs, quadratic cost."""
    _check_output_gradients(linear_gradients, "linear_gradients", QuadraticCost, "linear",
                            _real_targets,
                            hint="with a = z, delta^L = a - y (Eq. 68); nabla_w = delta "
                                 "a_prev^T (Eq. 69), nabla_b = delta (Eq. 70), averaged "
                                 "over the columns")
    return Feedback("correct", "Linear outputs have no sigma'(z) to shrink the gradient, "
                    "so the quadratic cost learns without a slowdown there (Eqs. 68-70).")


def _cross_entropy_each(a, y):
    """Eq. (57) for each (a, y) pair separately: nnlib's CrossEntropyCost.fn per entry,
    in the shape of ``a``."""
    return CrossEntropyCost.fn(np.reshape(a, (1, -1)), np.reshape(y, (1, -1)),
                               axis=0).reshape(np.shape(a))


def check_ce_minimum(best_output, binary_entropy):
    """``best_output(y)``: the a minimising the cross-entropy; ``binary_entropy(y)``: Eq. (64)."""
    rng = _fresh_rng()
    for y in (0.1, 0.25, 0.5, 0.8, round(float(rng.uniform(0.03, 0.97)), 6)):
        inputs = f"y = {y}"
        got = _scalar(_call(best_output, "best_output", inputs, y), "best_output", inputs)
        if not abs(got - y) <= SEARCH_TOL:
            raise _wrong("this a is not where the cross-entropy is smallest.", inputs=inputs,
                         expected=y, got=got,
                         hint=f"compare the cost at your a ({CrossEntropyCost.fn(got, y):.6g}) "
                              f"with nearby values of a; the check needs the minimiser within "
                              f"{SEARCH_TOL:g} (a grid of step 1e-5 gets there)")
    shape = (2, int(rng.integers(2, 5)))
    for y in (np.array([0.1, 0.5, 0.9]), np.array([0.0, 1.0, 0.3]),
              np.where(rng.uniform(size=shape) < 0.3, rng.integers(0, 2, shape),
                       rng.uniform(0, 1, shape))):
        inputs = f"y = {_fmt(y)}"
        got = _as_array(_call(binary_entropy, "binary_entropy", inputs, y), "binary_entropy",
                        y.shape, inputs)
        _compare(got, _cross_entropy_each(y, y), "binary_entropy", inputs,
                 hint="-[y ln y + (1 - y) ln(1 - y)] (Eq. 64)",
                 nonfinite="0 ln 0 is nan in floating point, but its limit is 0: treat "
                           "y = 0 and y = 1 separately (np.where)")
    return Feedback("correct", "The cross-entropy is smallest where the output equals the "
                    "target, even for targets between 0 and 1, and its value there is the "
                    "binary entropy (Eq. 64): zero only when y is 0 or 1.")


def check_ce_roles(cross_entropy):
    """``cross_entropy(a, y)``: the single-neuron cross-entropy, entry by entry."""
    a = np.array([0.3, 0.9, 0.5, 1e-4, 0.999])
    rng = _fresh_rng()
    cases = [(a, np.full_like(a, target), target) for target in (0.0, 1.0, 0.25)]
    # Saturated outputs, sigmoid(-+27.6), right and wrong: a cost that clips a (to keep ln
    # away from 0, as some libraries do) is 16.1 instead of 27.6 where a is wrong.
    tiny = 1e-12
    cases.append((np.array([tiny, 1 - tiny, tiny, 1 - tiny]), np.array([1.0, 0.0, 0.0, 1.0]),
                  None))
    for shape in ((int(rng.choice([2, 3, 4, 6, 7])),), (2, int(rng.integers(2, 5)))):
        y = rng.choice([0.0, 1.0, rng.uniform(0, 1)], shape)   # targets 0, 1 and between
        cases.append((rng.uniform(0.01, 0.99, shape), y, None))
    for a, y, target in cases:
        a_text = ("[1e-12, 1 - 1e-12, 1e-12, 1 - 1e-12] (sigmoid outputs at z = -27.6, 27.6, "
                  "-27.6, 27.6)" if np.min(np.minimum(a, 1 - a)) < 2 * tiny else _fmt(a))
        inputs = f"a = {a_text}, y = {target if target is not None else _fmt(y)}"
        got = _as_array(_call(cross_entropy, "cross_entropy", inputs, a, y), "cross_entropy",
                        a.shape, inputs)
        expected = _cross_entropy_each(a, y)
        if not np.all(np.isfinite(got)) and target is not None and target in (0.0, 1.0):
            raise _wrong(f"At y = {target:g} your cost is infinite or nan.", inputs=inputs,
                         expected=expected, got=got,
                         hint="a logarithm of y is being taken, and ln 0 = -inf. The logs "
                              "belong to the output a, which a sigmoid keeps strictly "
                              "inside (0, 1); the target y is often exactly 0 or 1")
        wrong = ~np.isclose(got, expected, RTOL, ATOL)
        edge = np.minimum(a, 1 - a)   # how close each a is to 0 or 1
        clipped = np.all(np.isfinite(got)) and np.all(edge[wrong] <= 1e-3)
        _compare(got, expected, "cross_entropy", inputs,
                 hint=f"right except where a is within {np.max(edge[wrong], initial=0):.0e} "
                      "of 0 or 1: clipping a (to keep ln away from 0) changes the cost "
                      "there. A sigmoid output lies strictly inside (0, 1), so ln a and "
                      "ln(1 - a) are finite: compute them as they are" if clipped else
                      "C = -[y ln a + (1 - y) ln(1 - a)] (Eq. 57 for one input); check "
                      "which of a and y sits inside the logarithms")
    return Feedback("correct", "The logarithms are of the output a, which a sigmoid never "
                    "makes exactly 0 or 1, so the cost stays finite for targets y = 0 "
                    "and 1; the swapped form takes ln 0 there and is useless.")


def check_xj_term(weight_gradient):
    """``weight_gradient(dC_db, x)``: dC/dw for one sigmoid neuron, from dC/db and its inputs."""
    costs = {
        "quadratic (Eq. 54)": QuadraticCost.fn,
        "cross-entropy (Eq. 57)": CrossEntropyCost.fn,
        "|a - y|^3": lambda a, y: float(np.sum(np.abs(a - y) ** 3)),
        "-ln(1 - (a - y)^2)": lambda a, y: -float(np.sum(np.log1p(-(a - y) ** 2))),
    }
    x = np.array([[0.0], [1e-3], [0.5], [2.0]])
    w = np.array([[0.8, -0.4, 1.5, -0.3]])
    b = np.array([[0.2]])
    cases = [(cost_name, x, w, b) for cost_name in costs]
    rng = _fresh_rng()
    # Random inputs of both signs and a 0, a random neuron and cost. Weights of sd 0.5
    # keep |z| small enough for central differences of ln(1 - a) to stay accurate (with
    # sd 1 the worked solution missed the tolerance about once in 2,000 checks).
    for _ in range(2):
        n = int(rng.choice([3, 5, 6]))   # not the 4 inputs above
        x_random = rng.normal(0, 1, n)
        x_random[:3] = -abs(x_random[0]) - 0.1, abs(x_random[1]) + 0.1, 0.0
        cases.append((str(rng.choice(list(costs))), rng.permutation(x_random).reshape(n, 1),
                      rng.normal(0, 0.5, (1, n)), rng.normal(0, 0.5, (1, 1))))
    for cost_name, x, w, b in cases:
        def neuron_cost(cost=costs[cost_name], x=x, w=w, b=b):   # one neuron, target y = 0.1
            return cost(sigmoid(w @ x + b), 0.1)
        dC_db = float(numerical_gradient(neuron_cost, b)[0, 0])
        expected = numerical_gradient(neuron_cost, w).reshape(-1)
        inputs = f"cost {cost_name}, x = {_fmt(x.ravel())}, dC/db = {dC_db:.6g}"
        got = _call(weight_gradient, "weight_gradient", inputs, dC_db, x.ravel())
        _compare(np.ravel(got) if np.shape(got) in (x.shape, x.T.shape) else got,
                 expected, "weight_gradient", inputs,
                 hint="z = sum_j w_j x_j + b: how much does z move per unit of w_j, and "
                      "per unit of b? The cost sees w_j and b only through z")
    return Feedback("correct", f"For all {len(costs)} costs dC/dw_j = x_j dC/db: a cost only "
                    "sees w_j through z, which moves by x_j per unit of w_j, so no cost can "
                    "remove the x_j of Eq. (61); an input of 0 leaves its weight unchanged.")


# -- notebook 02: softmax --------------------------------------------------------------
def check_softmax_monotonic(softmax_jacobian_of_z):
    """``softmax_jacobian_of_z(z)``: the (n, n) array da_j/dz_k of the softmax (Eq. 78)."""
    rng = _fresh_rng()
    cases = [BOOK_Z, np.array([0.0, 0.0]), np.array([1.0, -2.0, 0.5]),
             np.array([1000.0, 999.0, 998.0]), _random_z(rng), _random_z(rng) + 300]
    for z in cases:
        inputs = f"z = {_fmt(z)}"
        got = _call(softmax_jacobian_of_z, "softmax_jacobian_of_z", inputs, z)
        _compare(got, _jacobian(softmax, z), "softmax_jacobian_of_z", inputs,
                 hint="row j holds da_j/dz_k for every k: differentiate a_j = e^{z_j} / "
                      "sum_k e^{z_k} with the quotient rule, separately for k = j and k != j")
    return Feedback("correct", "The diagonal is positive and every off-diagonal entry "
                    "negative, so raising z_j raises a_j and lowers every other output, "
                    "as the sliders showed; each column sums to 0 because the outputs "
                    "always sum to 1 (Eq. 79).")


def check_softmax_nonlocal(softmax_change):
    """``softmax_change(z, j, k, h)``: how much a_j moves when only z_k grows by h."""
    rng = _fresh_rng()
    cases = [(BOOK_Z, 0, 2, 0.5), (BOOK_Z, 1, 1, -1.0), (np.array([0.0, 0.0, 0.0]), 2, 0, 2.0),
             (np.array([500.0, 499.0, -3.0]), 1, 0, 1.0)]
    for same in (False, True):   # random z, j != k and j == k, h of either sign
        z = _random_z(rng)
        j, k = rng.choice(len(z), 2, replace=False)
        cases.append((z, int(j), int(j if same else k), float(rng.uniform(-2, 2))))
    for z, j, k, h in cases:
        inputs = f"z = {_fmt(z)}, j = {j}, k = {k}, h = {h}"
        step = np.zeros_like(z)
        step[k] = h
        expected = softmax(z + step)[j] - softmax(z)[j]
        got = _scalar(_call(softmax_change, "softmax_change", inputs, z, j, k, h),
                      "softmax_change", inputs, what="one float (entry j)")
        hint = ("a_j changed although z_j did not: the denominator sum_k e^{z_k} holds "
                "every z_k. If your code does `nudged = z` then `nudged[k] += h`, it "
                "changes z too (both names are the same array), so before and after agree: "
                "copy z first, `nudged = z.copy()`" if j != k and abs(got) < ATOL else
                "compute the whole softmax before and after the change, and subtract a_j")
        _compare(got, expected, "softmax_change", inputs, hint=hint)
    return Feedback("correct", "a_j moves when only another z_k changes: the shared "
                    "denominator of Eq. (78) ties every output to every weighted input, "
                    "unlike a sigmoid layer, where a_j = sigma(z_j) alone.")


def check_sigmoid_sum(net, x):
    """A network with a sigmoid output layer, and an input whose outputs don't sum to 1."""
    net = _given(net, "net")
    x = _given(x, "x")
    if not isinstance(net, Network):
        raise _wrong(f"`net` should be a nnlib.network.Network; it is a {type(net).__name__}.",
                     hint="build one with Network([2, 3]) (sigmoid outputs by default)")
    if net.output is not Sigmoid:
        raise _wrong(f"`net` has a {net.output.name} output layer; the exercise is about "
                     "sigmoid outputs.",
                     hint="a softmax layer always sums to 1 (Eq. 79); use the default "
                          "Network(sizes), whose output layer is sigmoid")
    x = _numbers(x, "x", None, f"an input column of {net.sizes[0]} real numbers", verb="is")
    if x.shape not in ((net.sizes[0], 1), (net.sizes[0],)):
        raise _wrong(f"`x` has shape {x.shape}; this network takes ({net.sizes[0]}, 1).",
                     hint=f"one input column: x = np.ones(({net.sizes[0]}, 1))")
    a = net.feedforward(x) if np.all(np.isfinite(x)) else np.full((net.sizes[-1], 1), np.nan)
    total = float(a.sum())
    if not np.isfinite(total):
        raise _wrong("the outputs are not all finite numbers.", inputs=f"x = {_fmt(x)}",
                     got=a, hint="use finite inputs, weights and biases")
    if f"{total:.3f}" == "1.000":
        raise _wrong(f"these outputs sum to {total:.3f}, which is 1 to the three decimals "
                     "the book shows.", inputs=f"x = {_fmt(x)}", got=a,
                     hint="sigma(t) + sigma(-t) = 1, so mirror-image outputs sum to 1; "
                          "change a weight or a bias and try again")
    return Feedback("correct", f"The {a.size} sigmoid outputs sum to {total:.4f}: each "
                    "lies in (0, 1) on its own, so together they can sum to anything in "
                    f"(0, {a.size}) and are not a probability distribution.")


def check_softmax_invert(invert_softmax):
    """``invert_softmax(a)``: weighted inputs z with softmax(z) = a (z = ln a + C)."""
    rng = _fresh_rng()
    cases = [softmax(BOOK_Z), np.full(4, 0.25), softmax(np.array([0.0, -600.0, 5.0])),
             np.array([1.0]), softmax(_random_z(rng)), softmax(_random_z(rng, scale=8))]
    for a in cases:
        inputs = f"a = {_fmt(a)}"
        z = _as_array(_call(invert_softmax, "invert_softmax", inputs, a), "invert_softmax",
                      a.shape, inputs)
        ln_a = np.log(a)
        shift = z - ln_a   # z_j - ln a_j: the same C for every j when z is right
        # Compare z_j - z_0 with ln a_j - ln a_0: the differences cancel C before any
        # rounding (z - ln a would round C's error away), and the tolerance scales with
        # ln a, never with z, so it does not grow with the C the reader adds (else
        # 2 ln a + 1e12 would pass). A C so large that float64 cannot hold ln a's digits
        # next to it really does change softmax(z), and is told so.
        spread = (np.ptp((z - z[0]) - (ln_a - ln_a[0])) if np.all(np.isfinite(z))
                  else np.inf)
        if spread > ATOL + RTOL * np.max(np.abs(ln_a)):
            c = float(np.mean(shift)) if np.isfinite(spread) else 0.0
            if np.isfinite(spread) and spread <= 8 * np.finfo(float).eps * np.max(np.abs(z)):
                hint = (f"your constant C = {c:.3g} is so large that float64 rounds every "
                        f"z_j by up to {spread:.2g}, which changes softmax(z): use a "
                        "smaller C (C = 0 is simplest)")
            else:
                hint = _diagnose(z, ln_a) or (
                    "z_j - ln a_j must be the same constant C for every j; yours varies "
                    f"by {spread:.3g}: (z_j - z_0) - (ln a_j - ln a_0) = "
                    "[" + ", ".join(f"{d:.3g}" for d in (z - z[0]) - (ln_a - ln_a[0]))
                    + "]")
            raise _wrong("softmax(z) of your z is not a (expected: the answer with C = 0).",
                         inputs=inputs, expected=ln_a, got=z, hint=hint)
    return Feedback("correct", "The outputs fix the weighted inputs only up to one "
                    "constant C added to all of them: softmax forgets a common shift, "
                    "because e^C cancels between numerator and denominator.")


def check_softmax_c(softmax_c, softmax_limit):
    """``softmax_c(z, c)`` (Eq. 83) and ``softmax_limit(z)``, its value as c -> infinity."""
    huge = np.array([400.0, 300.0, -5.0])   # c z up to 2000: a naive e^{cz} overflows
    rng = _fresh_rng()
    for z, c in [(BOOK_Z, 1.0), (BOOK_Z, 0.5), (BOOK_Z, 5.0), (huge, 5.0),
                 (_random_z(rng), float(rng.uniform(0.2, 8))),
                 (_random_z(rng), float(rng.uniform(0.2, 8)))]:
        inputs = f"z = {_fmt(z)}, c = {c}"
        got = _call(softmax_c, "softmax_c", inputs, z, c)
        _compare(got, softmax(z, c=c), "softmax_c", inputs,
                 hint="a_j = e^{c z_j} / sum_k e^{c z_k} (Eq. 83)")
    # Random whole numbers: ties are likely, and gaps of at least 1 reach the limit. Two
    # z's 1e-9 apart tell the limit from softmax_c at a large c (1e9 leaves e^-1 there);
    # the inputs are shown exactly, as 4 decimals would show a tie.
    random_ints = [np.round(_random_z(rng)) for _ in range(2)]
    for z in [BOOK_Z, np.array([-2.0, -7.0]), np.array([1.0, 3.0, 3.0, 0.0]),
              np.array([0.5, 0.500000001, -2.0]), *random_ints]:
        inputs = f"z = {z.tolist()}"
        got = _call(softmax_limit, "softmax_limit", inputs, z)
        # e^{c (z_j - max z)} -> 0 for every z_j below the maximum, 1 for every tied one
        expected = (z == z.max()) / np.count_nonzero(z == z.max())
        got = _as_array(got, "softmax_limit", z.shape, inputs)
        top = expected > 0
        finite_c = (np.all(got >= 0) and np.isclose(got.sum(), 1)   # softmax_c at a large c
                    and np.any(~top & (got > 0)) and got[top].min() > got[~top].max())
        _compare(got, expected, "softmax_limit", inputs,
                 hint="outputs below the largest z are above 0, as softmax_c gives them at "
                      "any finite c; in the limit they are exactly 0. A large c only "
                      "approaches it (for z's 1e-9 apart, c = 1e8 is still far off): work "
                      "out the limit itself" if finite_c else
                      "try softmax_c(z, c) with c = 10, 100, 1000 and watch where it goes; "
                      "mind ties for the largest z")
    return Feedback("correct", "Every c > 0 gives positive outputs that sum to 1, and as c "
                    "grows the largest z takes all of it (shared equally on a tie): c = 1 "
                    "is a softened maximum, hence the name softmax.")


# -- notebook 03: log-likelihood -------------------------------------------------------
def check_loglik_gradients(loglik_gradients):
    """``loglik_gradients(a_prev, a, y)``: Eqs. (81)-(82) for a softmax output layer."""
    _check_output_gradients(loglik_gradients, "loglik_gradients", LogLikelihoodCost, Softmax,
                            _one_hot_targets,
                            hint="Eqs. (81)-(82) per example: nabla_b = a - y and nabla_w = "
                                 "(a - y) a_prev^T, averaged over the columns")
    return Feedback("correct", "With softmax outputs and the log-likelihood the output "
                    "gradients are (a - y) times the incoming activation: no sigma'(z) "
                    "factor, so a badly wrong output still learns fast, as with Eq. (67).")


def check_two_class_softmax(two_class_as_sigmoid):
    """``two_class_as_sigmoid(z, y)``: for a two-class softmax layer (z and one-hot y of
    shape (2, n)), the weighted input t (n,) of one sigmoid neuron with sigma(t) = a_1,
    and the target (n,) with which its cross-entropy (Eq. 57) is the log-likelihood (80)."""
    name = "two_class_as_sigmoid"
    rng = _fresh_rng()
    cases = [(np.array([[2.0, -1.0, 0.5], [0.5, 1.0, 3.0]]), [0, 1, 1]),
             (np.array([[3.0], [-4.0]]), [0]),
             (np.array([[800.0, -30.0], [0.0, 20.0]]), [1, 0])]   # e^800 overflows
    for _ in range(2):   # 4-7 examples (more than above), both classes present
        n = int(rng.integers(4, 8))
        classes = rng.permutation([0, 1, *rng.integers(0, 2, n - 2)])
        cases.append((rng.normal(0, 3, (2, n)), classes))
    for z, classes in cases:
        y = one_hot(classes, 2)                       # (2, n) one-hot columns
        n = z.shape[1]
        inputs = f"z =\n{_fmt(z)}\ny =\n{_fmt(y)}"
        got = _call(two_class_as_sigmoid, name, inputs, z, y)
        if not (isinstance(got, (tuple, list)) and len(got) == 2):
            raise _wrong(f"`{name}` should return a pair (t, target).", inputs=inputs,
                         hint=f"end with `return t, target`, each of shape ({n},)")
        t = _as_array(got[0], f"{name} (t)", (n,), inputs)
        if not np.allclose(t, z[0] - z[1], RTOL, ATOL):
            if np.allclose(t, z[1] - z[0], RTOL, ATOL):
                hint = ("sigma(t) is then a_2, the second output: the sign is flipped. "
                        "Divide the numerator and denominator of a_1 by e^{z_1}")
            elif np.allclose(t, z[0], RTOL, ATOL):
                hint = ("a_1 = e^{z_1} / (e^{z_1} + e^{z_2}) depends on z_2 as well; divide "
                        "its numerator and denominator by e^{z_1} and compare with "
                        "sigma(t) = 1 / (1 + e^{-t})")
            else:
                hint = _diagnose(t, z[0] - z[1], nonfinite=(
                    "some t are nan or inf: an exponential overflowed or a probability "
                    "underflowed to 0. t is a simple combination of z_1 and z_2; compute "
                    "it from z directly")) or (
                    "sigma(t) must equal a_1 = e^{z_1} / (e^{z_1} + e^{z_2}): divide its "
                    "numerator and denominator by e^{z_1}")
            raise _wrong(f"`{name}` gives a t whose sigma(t) is not a_1.", inputs=inputs,
                         expected=z[0] - z[1], got=t, hint=hint)
        target = _as_array(got[1], f"{name} (target)", (n,), inputs)
        if not np.allclose(target, y[0], RTOL, ATOL):
            hint = ("that is the second class's target (or the class index): the neuron's "
                    "output sigma(t) is a_1, so its target is 1 where the first class is "
                    "right" if np.allclose(target, y[1], RTOL, ATOL) else
                    "with a = sigma(t) = a_1, -[y ln a + (1 - y) ln(1 - a)] must be -ln a_1 "
                    "where the first class is right and -ln a_2 = -ln(1 - a) where the "
                    "second is")
            raise _wrong(f"`{name}` gives a target with which Eq. (57) is not Eq. (80).",
                         inputs=inputs, expected=y[0], got=target, hint=hint)
    return Feedback("correct", "sigma(z_1 - z_2) is a_1, and the cross-entropy (Eq. 57) "
                    "of that neuron with target y_1 is the log-likelihood (Eq. 80): with two "
                    "classes, softmax + log-likelihood is one sigmoid neuron + cross-entropy "
                    "whose weighted input is the difference z_1 - z_2.")


def check_softmax_backprop(softmax_delta):
    """``softmax_delta(z, a, y)``: the output error dC/dz^L of Eq. (84), one column per example."""
    rng, fresh = np.random.default_rng(4), _fresh_rng()
    for z in [BOOK_Z.reshape(4, 1), rng.normal(0, 2, (3, 4)), np.array([[30.0], [-30.0]]),
              # random: 5-6 outputs (more than above), 1-4 examples (6 in the network)
              *(fresh.normal(0, 2.5, (fresh.integers(5, 7), fresh.integers(1, 5)))
                for _ in range(2))]:
        y = _one_hot_targets(rng, *z.shape)
        a = softmax(z)
        inputs = f"z =\n{_fmt(z)}\ny =\n{_fmt(y)}"
        got = _call(softmax_delta, "softmax_delta", inputs, z, a, y)
        expected = numerical_gradient(lambda: LogLikelihoodCost.fn_z(z, y), z)
        _compare(got, expected, "softmax_delta", inputs,
                 hint="C = -ln a_y depends on every z_j through the softmax; use "
                      "da_y/dz_j = a_y (delta_yj - a_j) from the monotonicity exercise")
    # The same delta inside a whole network: backprop (BP2-BP4) takes it from there.
    cost = type("YourCost", (LogLikelihoodCost,), {"delta": staticmethod(softmax_delta)})
    net = Network([3, 4, 3], cost=cost, seed=5)
    x, y = fresh.uniform(0, 1, (3, 6)), _one_hot_targets(fresh, 3, 6)
    inputs = "a [3, 4, 3] network with a softmax output layer, 6 examples"
    try:   # RTOL, as for the deltas above: a delta right to float32 precision passes both
        report = check_gradients(net, x, y, tolerance=RTOL)
    except Exception as exc:  # the reader's delta, called by the network, failed
        raise _wrong(f"backprop with your delta raised {type(exc).__name__}: {exc}",
                     inputs=inputs, hint="return an array of z's shape") from None
    if not report.ok:
        raise _wrong("backprop with your delta disagrees with finite differences (largest "
                     f"error {report.max_error:.2g}, allowed {RTOL:g}).", inputs=inputs,
                     hint="delta^L must be an array of z's shape, one column per example, "
                          "and must not change z, a or y in place")
    return Feedback("correct", "Backprop through a [3, 4, 3] softmax network using your "
                    f"delta^L agrees with finite differences (within {RTOL:g}): "
                    "Eq. (84) is all a softmax layer changes, and BP2-BP4 follow as before.")


# -- notebook 04: MNIST ----------------------------------------------------------------
def check_errors_eliminated(errors_eliminated):
    """``errors_eliminated(before, after)``: the share of ``before``'s errors that ``after``
    no longer makes, from two accuracies in percent (the book's "one in fourteen")."""
    # the book's pair, a loss (after < before), and pairs drawn afresh at every check, so
    # that no table of answers for fixed inputs can pass
    rng = _fresh_rng()
    pairs = [(96.59, 96.82), (95.49, 94.2), (50.0, 75.0)]
    pairs += [tuple(np.round(np.sort(rng.uniform(60, 99.5, 2))[::k], 2)) for k in (1, -1)]
    for before, after in pairs:
        inputs = f"before = {before:g} %, after = {after:g} %"
        got = _scalar(_call(errors_eliminated, "errors_eliminated", inputs, before, after),
                      "errors_eliminated", inputs, "one float, a fraction such as 0.07")
        expected = (after - before) / (100 - before)
        if not np.isclose(got, expected, RTOL, ATOL):
            slips = {
                "that is a fraction of the accuracy, not of the errors: the error rate is "
                "100 - accuracy": (after - before) / before,
                "that is the change in percentage points; divide it by the error rate "
                "before": after - before,
                "you divided by the error rate after; the share is of the errors made "
                "before": (after - before) / (100 - after),
                "that is a percentage; return a fraction (0.07, not 7)": 100 * expected,
                "the sign is flipped: fewer errors after must give a positive share": -expected,
                "that is the share of the errors that remain; the share eliminated is 1 "
                "minus it": 1 - expected,
                "that is the share rounded down to a whole number: `//` is floor division; "
                "use `/`": np.floor(expected),
                **{f"that is the share rounded to {k} decimal{'s' * (k > 1)}: return it "
                   "unrounded (round only what you print)": round(expected, k)
                   for k in range(1, 6)},
            }
            hint = next((why for why, value in slips.items()
                         if np.isclose(got, value, RTOL, ATOL)),
                        "error rate = 100 - accuracy; the share is (errors before - errors "
                        "after) / errors before")
            raise _wrong("`errors_eliminated` gives a different share on this input.",
                         inputs=inputs, expected=expected, got=got, hint=hint)
    return Feedback("correct", "From 96.59 % to 96.82 % the error rate falls from 3.41 % to "
                    "3.18 %, a share of 0.067 of the errors: about one in fifteen (the book "
                    "rounds it to one in fourteen). A small change in accuracy can be a "
                    "large change in errors, and it is only real if it beats the spread "
                    "between seeds.")


#: Every exercise's checker, by key, in the order notebooks 00-04 pose them.
CHECKERS = {
    "one_hot": check_one_hot,
    "sigmoid_prime": check_sigmoid_prime,
    "ce_many_layers": check_ce_many_layers,
    "linear_quadratic": check_linear_quadratic,
    "ce_minimum": check_ce_minimum,
    "ce_roles": check_ce_roles,
    "xj_term": check_xj_term,
    "softmax_monotonic": check_softmax_monotonic,
    "softmax_nonlocal": check_softmax_nonlocal,
    "sigmoid_sum": check_sigmoid_sum,
    "softmax_invert": check_softmax_invert,
    "softmax_c": check_softmax_c,
    "loglik_gradients": check_loglik_gradients,
    "two_class_softmax": check_two_class_softmax,
    "softmax_backprop": check_softmax_backprop,
    "errors_eliminated": check_errors_eliminated,
}


class _TimeUp(BaseException):
    """Raised in the main thread when a check's time is up. A BaseException, so that the
    reader's ``except Exception`` does not swallow it; it is raised again every half
    second until it gets through. A loop with a bare ``except:`` (or ``except
    BaseException``) swallows every one, and no code in the same process can stop it:
    after a few, the check says so on stderr (interrupt the kernel)."""

    def __init__(self, seconds):
        super().__init__(seconds)
        self.seconds = seconds


@contextlib.contextmanager
def _time_limit(seconds: float):
    """Raise ``_TimeUp`` in the code run inside after ``seconds``, by SIGALRM. Yields None,
    or a note saying why no limit applies here (no SIGALRM, not the main thread, or an
    alarm timer already in use)."""
    if not hasattr(signal, "setitimer"):
        yield ("no time limit applies on this platform (it has no SIGALRM): an endless "
               "loop in your code hangs the cell; interrupt the kernel to stop it")
        return
    if threading.current_thread() is not threading.main_thread():
        yield ("no time limit applies outside the main thread: an endless loop in your "
               "code would hang this check")
        return
    if signal.getitimer(signal.ITIMER_REAL)[0] > 0:
        yield ("no time limit applies: an alarm timer of another program is running, and "
               "check() leaves it alone")
        return
    armed, raised = [True], [0]

    def time_up(signum, frame):
        if armed[0]:
            raised[0] += 1
            if raised[0] == 4:  # three swallowed: a bare except is catching them
                print(f"check(): your code is still running after the {seconds:g} s time "
                      f"limit and catches the signal meant to stop it (a bare `except:` or "
                      f"`except BaseException:` in a loop?). Interrupt the kernel "
                      f"(Kernel > Interrupt, or press i twice) and fix the loop.",
                      file=sys.stderr, flush=True)
            raise _TimeUp(seconds)
    previous = signal.signal(signal.SIGALRM, time_up)
    signal.setitimer(signal.ITIMER_REAL, seconds, 0.5)
    try:
        yield None
    finally:
        armed[0] = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def check(key: str, *answers, time_limit: float = TIME_LIMIT) -> Feedback:
    """Judge the reader's answers to exercise ``key``; never raises on a wrong answer.

    ``answers`` are the functions or values the exercise cell defines, in the order its
    stub's ``check(...)`` line passes them. The reader's code is stopped after
    ``time_limit`` seconds where the platform allows it (see the module docstring).
    """
    if key not in CHECKERS:
        raise ValueError(f"no exercise called {key!r}; the keys are {sorted(CHECKERS)}. "
                         "Check the spelling in the check(...) line.")
    checker = CHECKERS[key]
    try:
        inspect.signature(checker).bind(*answers)
    except TypeError:
        names = list(inspect.signature(checker).parameters)
        raise TypeError(f"check({key!r}, ...) takes {len(names)} answer(s), {names}; got "
                        f"{len(answers)}. Restore the check(...) line of the exercise cell."
                        ) from None
    checks.real("time_limit", time_limit, positive=True, detail=" (seconds)")
    tokens = _ANSWERED.set(set()), _CHANGED.set([])
    note = None
    try:
        # The reader's numbers may overflow or be nan: the feedback says so, numpy need not.
        with _time_limit(time_limit) as note, np.errstate(all="ignore"), \
                warnings.catch_warnings():
            warnings.simplefilter("ignore")
            feedback = checker(*answers)
        if feedback.passed and _CHANGED.get():
            feedback = _CHANGED.get()[0]
    except _Verdict as verdict:
        feedback = verdict.feedback
    except _TimeUp as up:   # time ran out in the checker's own code, between the reader's
        feedback = Feedback("incorrect", f"the check was stopped after {up.seconds:g} s.",
                            [("hint", "your code returned each time, but slowly, or the "
                                      "machine is busy: run the cell again, or pass "
                                      "check(..., time_limit=60)")])
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # an answer of a shape no checker foresaw: still feedback
        feedback = Feedback("incorrect", f"this answer could not be judged "
                            f"({type(exc).__name__}: {exc}).",
                            [("hint", "compare what your code returns with the shapes the "
                                      "exercise asks for")])
    finally:
        _ANSWERED.reset(tokens[0])
        _CHANGED.reset(tokens[1])
    if note:
        feedback.details.append(("note", note))
    return feedback
