"""The book's ``network2`` names, so chapter 3's session runs as written in Python 3::

    from nnlib import network2
    net = network2.Network([784, 30, 10], cost=network2.CrossEntropyCost)

Everything here is defined in ``nnlib.network``, ``nnlib.costs`` and
``nnlib.activations``; this module only gathers the names the book uses.
"""
from .activations import sigmoid, sigmoid_prime
from .costs import CrossEntropyCost, LogLikelihoodCost, QuadraticCost, one_hot
from .network import Network, load

__all__ = ["Network", "load", "QuadraticCost", "CrossEntropyCost", "LogLikelihoodCost",
           "sigmoid", "sigmoid_prime", "vectorized_result"]


def vectorized_result(j, n_classes=10):
    """A (n_classes, 1) column with 1.0 at row j: the book's one-hot training target
    (``nnlib.costs.one_hot`` of one class)."""
    return one_hot(j, n_classes, name="j")
