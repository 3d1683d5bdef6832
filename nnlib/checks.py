"""The argument checks every part of nnlib uses: one place for each kind of check.

Each function takes the argument's name (as the caller should see it, e.g.
``"mini_batch_size"`` or ``"sgd_epoch: eta"``) and its value, and returns the value,
normalised (a Python ``int`` or ``float``, a list, a dtype), or raises an error that says
what arrived, what was expected and, where there is more to say, how to fix it:

    mini_batch_size must be an integer >= 1; got 0
    eta (the learning rate) must be a finite number > 0; got nan
    training_data: inputs must be finite; it contains NaN (at example 3); clean or drop
    those examples

A value of the wrong kind (a string, a float where an integer is needed, a bool where a
number is) raises :class:`WrongKindError`, which is both a TypeError, as Python raises
for wrong types, and a ValueError, so that ``except ValueError`` around an nnlib call
catches every bad argument. A value of the right kind outside its range raises a
ValueError.

``detail`` (where a function takes it) is text put right after the expectation, e.g.
``" (the row of the right output neuron)"``.
"""
from __future__ import annotations

import math
import numbers
import os

import numpy as np


class WrongKindError(TypeError, ValueError):
    """An argument of the wrong kind, e.g. the string "0.5" or ``True`` for a number."""


def integer(name: str, value, minimum: int | None = None, maximum: int | None = None,
            detail: str = "") -> int:
    """``value`` as an int, if it is an integer (not a bool) from ``minimum`` to
    ``maximum`` (either may be None: no bound)."""
    wrong_kind = type(value) is not int and (  # the usual case, checked fastest
        isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral))
    if wrong_kind or (minimum is not None and value < minimum) or (
            maximum is not None and value > maximum):
        error = WrongKindError if wrong_kind else ValueError
        raise error(f"{name} must be an integer{_bounds(minimum, maximum)}{detail}; "
                    f"got {value!r}")
    return int(value)


def real(name: str, value, *, positive: bool = False, minimum: float | None = None,
         maximum: float | None = None, detail: str = "") -> float:
    """``value`` as a float, if it is a finite real number (not a bool) from ``minimum``
    to ``maximum`` (either may be None: no bound); ``positive`` asks for > 0 instead of a
    minimum."""
    wrong_kind = isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real)
    try:
        number = math.nan if wrong_kind else float(value)
    except OverflowError:  # an int beyond the float range
        number = math.nan
    if (not math.isfinite(number) or (positive and number <= 0)
            or (minimum is not None and number < minimum)
            or (maximum is not None and number > maximum)):
        error = WrongKindError if wrong_kind else ValueError
        bounds = _bounds(0 if positive else minimum, maximum, above_only=positive,
                         interval=True)
        raise error(f"{name} must be a finite number{bounds}{detail}; got {value!r}")
    return number


def _bounds(minimum, maximum, above_only=False, interval=False) -> str:
    """The range in an error message: " >= 1" (" > 0" with ``above_only``), " <= 9", or
    both: " from 0 to 9", or with ``interval`` " in [0, 1]" (" in (0, 1]")."""
    if minimum is None:
        return "" if maximum is None else f" <= {maximum}"
    if maximum is None:
        return f" {'>' if above_only else '>='} {minimum}"
    if interval:
        return f" in {'(' if above_only else '['}{minimum}, {maximum}]"
    return f" from {minimum} to {maximum}"


def flag(name: str, value, allow_none: bool = False) -> bool | None:
    """``value`` as a bool, if it is True or False (a numpy bool too; None as well with
    ``allow_none``). A string is refused: "False" is truthy, and would switch on what it
    names."""
    if value is None and allow_none:
        return None
    if not isinstance(value, (bool, np.bool_)):
        raise WrongKindError(f"{name} must be True or False{' (or None)' * allow_none}; "
                             f"got {value!r:.60}")
    return bool(value)


def choice(name: str, value, options, detail: str = ""):
    """``value``, if it is one of ``options`` (listed in the message in their order)."""
    options = list(options)
    try:
        found = value in options
    except (TypeError, ValueError):  # e.g. a numpy array, whose == is element-wise
        found = False
    if not found:
        raise ValueError(f"{name} must be one of {options}{detail}; got {value!r}")
    return value


def sequence(name: str, values, what: str, example: str, of: type | None = None) -> list:
    """``values`` as a list, if it is a list, tuple or other iterable but not a string (and,
    with ``of``, each item an instance of that type): otherwise "{name} must be a list of
    {what}, e.g. {example}; got ...". An iterator is read once."""
    listed = (None if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__")
              else list(values))
    if listed is None or (of is not None and not all(isinstance(v, of) for v in listed)):
        raise WrongKindError(f"{name} must be a list of {what}, e.g. {example}; "
                             f"got {values!r:.100}")
    return listed


def finite_array(name: str, a, example_axis: int | None = None) -> np.ndarray:
    """``a``, after checking that it holds no NaN or inf (one pass over it, a sum).

    The error names the first bad entry: by its index, or, when ``example_axis`` is the
    axis the examples run along, by its example (and says to clean or drop those)."""
    with np.errstate(over="ignore", invalid="ignore"):
        if isinstance(a, np.ndarray) and a.ndim == 2 and a.dtype in (np.float32, np.float64):
            # a NaN or inf makes its row's sum NaN or inf; the row sums a @ 1 are one BLAS
            # pass with no temporary array, about three times faster than np.sum
            total = np.sum(a @ np.ones(a.shape[1], a.dtype))
        else:
            total = np.sum(a)  # NaN or inf if any entry is: one pass, no temporary array
    if np.isfinite(total):
        return a
    finite = np.isfinite(a)
    if np.all(finite):  # the sum overflowed; every entry is finite
        return a
    first = np.argwhere(~finite)[0]
    found = "NaN" if np.isnan(np.asarray(a)[tuple(first)]) else "inf"
    if example_axis is None:
        where, fix = f"index {tuple(int(i) for i in first)}", ""
    else:
        where, fix = f"example {first[example_axis]}", "; clean or drop those examples"
    raise ValueError(f"{name} must be finite; it contains {found} (at {where}){fix}")


def float_dtype(dtype) -> np.dtype:
    """``dtype`` as a numpy dtype, if it is float32 or float64 (what nnlib computes in)."""
    try:
        dtype = np.dtype(dtype)
    except TypeError:  # numpy's "data type 'x' not understood" names no argument
        raise WrongKindError(f"dtype must be float32 or float64; got {dtype!r:.80}") from None
    if dtype not in (np.float32, np.float64):
        raise ValueError(f"dtype must be float32 or float64; got {dtype}")
    return dtype


def layer_sizes(sizes) -> list[int]:
    """``sizes`` (neurons per layer, input first) as a list of ints, after checking it lists
    at least two layers of at least one neuron, and that their weights and biases would
    fit in this machine's memory (so a typo such as [784, 10**9, 10] is an error, not
    minutes of swapping or a MemoryError)."""
    sizes = sequence("sizes", sizes, "layer sizes, input first", "[784, 30, 10]")
    if len(sizes) < 2:
        raise ValueError(f"sizes must list at least two layers (input and output), "
                         f"e.g. [784, 30, 10]; got {sizes!r}")
    sizes = [integer(f"sizes[{i}]", n, minimum=1) for i, n in enumerate(sizes)]
    parameters = sum((k + 1) * n for k, n in zip(sizes[:-1], sizes[1:]))
    memory = _physical_memory()
    if memory and parameters * 8 > memory:
        raise ValueError(f"sizes {sizes} need {parameters:,} weights and biases, "
                         f"{parameters * 8 / 2**30:,.1f} GiB in float64, more than this "
                         f"machine's {memory / 2**30:,.1f} GiB of memory; use smaller layers")
    return sizes


def _physical_memory():
    """Bytes of RAM on this machine, or None where the system does not say."""
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None
