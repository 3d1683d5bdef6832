"""The book's ``mnist_loader`` names, for Python 3, reading MNIST with ``nnlib.data``::

    from nnlib import mnist_loader, network2
    training_data, validation_data, test_data = mnist_loader.load_data_wrapper()
    net = network2.Network([784, 30, 10], cost=network2.CrossEntropyCost)
    net.SGD(training_data, 30, 10, 0.5, evaluation_data=test_data,
            monitor_evaluation_accuracy=True)

What differs from the book's loader, and why:

* The data comes from MNIST's own IDX files, checked as they are read, found in a data
  folder or downloaded and verified on first use (see ``nnlib.data``); no pickle, and no
  path relative to the working directory.
* ``load_data_wrapper`` returns lists, which can be indexed, sliced and used again, where
  the book's Python 3 ports return one-pass ``zip`` iterators.
* ``small=True`` gives the small real-digits mode: only the 10,000 test digits, split
  8,000 / 1,000 / 1,000 (``nnlib.data.load_small``), for quick runs and CI.
* Any keyword of ``nnlib.data.locate`` (``data_dir``, ``mirrors``, ...) can be passed.

For speed, ``nnlib.data.load()`` returns the same data as arrays, which the network takes
directly.
"""
from __future__ import annotations

import numpy as np

from . import data
from .costs import one_hot


def load_data(small: bool = False, **where):
    """``(training_data, validation_data, test_data)``, as in the book: each an
    ``(images, labels)`` pair, images an ``(n, 784)`` float32 array in [0, 1] and labels
    an ``(n,)`` int64 array; n = 50,000 / 10,000 / 10,000 (8,000 / 1,000 / 1,000 with
    ``small=True``)."""
    return (data.load_small if small else data.load)(np.float32, **where)


def load_data_wrapper(small: bool = False, **where):
    """``(training_data, validation_data, test_data)`` as lists of ``(x, y)`` pairs, as in
    the book: x an ``(784, 1)`` float32 column; y a ``(10, 1)`` one-hot column in the
    training data (float64, as the book's ``vectorized_result`` makes) and an ``int`` digit
    in the validation and test data.

    Each x is a view of a row of one array of images, and each one-hot y a view of a row
    of one array of targets, so the pairs are made in one pass and take no more memory
    than the arrays (changing one pair's x or y in place changes no other pair)."""
    training, validation, test = load_data(small, **where)
    images, labels = training
    # one-hot rows (n, 10), made at once; each pair's y is a (10, 1) view of its row
    return (_pairs(images, one_hot(labels, 10, axis=1)), _pairs(*validation), _pairs(*test))


def _pairs(images, targets):
    """A list of (x (784, 1), y) pairs: x a view of a row of ``images``; y a view of a row
    of ``targets`` made a column, or, when ``targets`` are labels (n,), an ``int``."""
    n = len(images)
    ys = targets.reshape(n, -1, 1) if targets.ndim == 2 else targets.tolist()
    return list(zip(images.reshape(n, -1, 1), ys))
