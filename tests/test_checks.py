"""nnlib.checks: each check returns the value, normalised, or says what arrived, what was
expected and, where there is more to say, the fix."""
import re

import numpy as np
import pytest

from nnlib import checks
from nnlib.checks import WrongKindError


@pytest.mark.parametrize("check, value", [
    *[(lambda v: checks.integer("n", v, minimum=1), v)
      for v in (True, np.bool_(True), 2.0, "2", None, [2])],
    *[(lambda v: checks.real("eta", v, positive=True), v)
      for v in (True, np.bool_(True), "2", None, [2], 1j)],
    *[(lambda v: checks.flag("shuffle", v), v) for v in ("False", 0, 1, None, [True])],
])
def test_a_value_of_the_wrong_kind_is_a_type_error_and_a_value_error(check, value):
    with pytest.raises(WrongKindError, match=re.escape(f"; got {value!r}") + "$") as caught:
        check(value)
    assert isinstance(caught.value, TypeError) and isinstance(caught.value, ValueError)


@pytest.mark.parametrize("call, message", [
    (lambda: checks.integer("epochs", -1, minimum=0), "epochs must be an integer >= 0; got -1"),
    (lambda: checks.integer("j", 10, 0, 9, detail=" (a class)"),
     r"j must be an integer from 0 to 9 \(a class\); got 10"),
    (lambda: checks.integer("k", 3, maximum=2), "k must be an integer <= 2; got 3"),
    (lambda: checks.real("eta", 0.0, positive=True), "eta must be a finite number > 0; got 0.0"),
    (lambda: checks.real("eta", float("inf"), positive=True), "> 0; got inf"),
    (lambda: checks.real("lmbda", -0.1, minimum=0), "lmbda must be a finite number >= 0"),
    (lambda: checks.real("y", 1.5, minimum=0, maximum=1),
     r"y must be a finite number in \[0, 1\]; got 1.5"),
    (lambda: checks.real("p", 0, positive=True, maximum=1), r"in \(0, 1\]; got 0"),
    (lambda: checks.real("x", float("nan")), "x must be a finite number; got nan"),
    (lambda: checks.real("x", 10**400), "x must be a finite number; got 1000"),
    (lambda: checks.choice("cost", "hinge", ["quadratic", "cross-entropy"]),
     r"cost must be one of \['quadratic', 'cross-entropy'\]; got 'hinge'"),
    (lambda: checks.choice("hidden", 5, (30, 100), detail=" (the plan's sizes)"),
     r"hidden must be one of \[30, 100\] \(the plan's sizes\); got 5"),
    (lambda: checks.choice("kind", np.array([1, 2]), ["images"]), "kind must be one of"),
    (lambda: checks.float_dtype(np.int32), "dtype must be float32 or float64; got int32"),
    (lambda: checks.layer_sizes([784]), "sizes must list at least two layers"),
    (lambda: checks.layer_sizes([784, 0, 10]), r"sizes\[1\] must be an integer >= 1; got 0"),
])
def test_a_value_out_of_range_says_what_was_expected(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_good_values_come_back_normalised():
    assert checks.integer("n", np.int64(3), minimum=1) == 3
    assert type(checks.integer("n", np.int64(3))) is int
    assert checks.real("eta", np.float32(0.5), positive=True) == 0.5
    assert type(checks.real("eta", 1, positive=True)) is float
    assert checks.real("y", 1, minimum=0, maximum=1) == 1.0
    assert checks.choice("cost", "quadratic", {"quadratic": 1}) == "quadratic"
    assert checks.float_dtype("float32") == np.float32
    assert checks.layer_sizes((784, np.int64(30), 10)) == [784, 30, 10]
    assert checks.sequence("seeds", iter([0, 1]), "seeds", "(0, 1)") == [0, 1]  # read once


@pytest.mark.parametrize("values", ["784-30-10", 784, None, ["a", 3]])
def test_a_sequence_that_is_not_a_list_of_the_right_things_says_so(values):
    with pytest.raises(WrongKindError,
                       match=r"mirrors must be a list of URLs, e\.g\. \['https://x/'\]; got "):
        checks.sequence("mirrors", values, "URLs", "['https://x/']", of=str)


@pytest.mark.parametrize("bad, found", [(np.nan, "NaN"), (np.inf, "inf"), (-np.inf, "inf")])
def test_finite_array_names_the_first_bad_entry(bad, found):
    a = np.zeros((3, 2))
    a[2, 1] = bad
    with pytest.raises(ValueError, match=rf"z must be finite; it contains {found} "
                                         r"\(at index \(2, 1\)\)$"):
        checks.finite_array("z", a)
    with pytest.raises(ValueError, match=rf"X must be finite; it contains {found} \(at example "
                                         r"2\); clean or drop those examples"):
        checks.finite_array("X", a, example_axis=0)


def test_finite_entries_whose_sum_overflows_are_finite():
    a = np.full(4, np.finfo(np.float32).max, dtype=np.float32)
    assert checks.finite_array("a", a) is a


def test_a_flag_is_a_bool_or_none_where_none_is_allowed():
    assert checks.flag("shuffle", np.bool_(False)) is False
    assert checks.flag("progress", None, allow_none=True) is None
    with pytest.raises(WrongKindError, match=r"progress must be True or False \(or None\); "
                                             r"got 'no'"):
        checks.flag("progress", "no", allow_none=True)
