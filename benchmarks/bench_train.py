"""How much faster is nnlib than the book's one-example-at-a-time backprop?

    .venv/bin/python benchmarks/bench_train.py            # 50,000 examples, ~1-2 minutes
    .venv/bin/python benchmarks/bench_train.py --n 10000  # quicker, noisier

Times one epoch of SGD (mini-batch 10, eta 0.5, cross-entropy) on synthetic 784-value
inputs for [784, 30, 10] and [784, 100, 10]: nnlib in float64 and float32, and the plain
per-example reference of tests/book_reference.py (the book's algorithm), all in this one
run (each the fastest of --repeats epochs, as this machine's timings vary by 20%), and
prints seconds per epoch and the speed-up over the reference. Then times
``accuracy`` over 10,000 examples against a per-example loop of ``feedforward``.
Targets on [784, 30, 10]: float64 >= 10x, float32 >= 15x the reference.
"""
import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
import book_reference as ref  # noqa: E402

from nnlib.network import Network  # noqa: E402


def synthetic(n, seed=0):
    """n examples: inputs uniform in [0, 1) (n, 784), labels 0..9, and the book's pairs."""
    rng = np.random.default_rng(seed)
    X = rng.random((n, 784))
    labels = rng.integers(0, 10, n)
    pairs = [(x.reshape(784, 1), np.eye(10)[:, [k]]) for x, k in zip(X, labels)]
    return X, labels, pairs


def best_of(repeats, fn):
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def time_reference_epoch(sizes, pairs, repeats):
    net = Network(sizes, seed=0)

    def epoch():
        w, b = net.weights, net.biases
        for k in range(0, len(pairs), 10):
            w, b = ref.update_mini_batch(w, b, pairs[k:k + 10], 0.5, 0.0, len(pairs))
    return best_of(repeats, epoch)


def time_nnlib_epoch(sizes, X, labels, dtype, repeats):
    """(seconds per epoch, seconds of setup per SGD call). Each SGD call first checks and
    converts its data once (a 30-epoch run pays that once), so an epoch is measured as
    half the difference between 3-epoch and 1-epoch calls."""
    data = (X.astype(dtype), labels)

    def run(epochs):
        net = Network(sizes, dtype=dtype, seed=0)
        return lambda: net.SGD(data, epochs, 10, 0.5, progress=False, verbose=False)
    one, three = best_of(repeats, run(1)), best_of(repeats, run(3))
    epoch = (three - one) / 2
    return epoch, one - epoch


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=50_000, help="training examples (default 50000)")
    parser.add_argument("--repeats", type=int, default=3,
                        help="epochs timed for each contender; the fastest is kept (default 3)")
    args = parser.parse_args()
    X, labels, pairs = synthetic(args.n)
    print(f"One epoch, mini-batch 10, {args.n} examples (seconds; speed-up over the per-example "
          "reference)")
    for sizes in ([784, 30, 10], [784, 100, 10]):
        reference = time_reference_epoch(sizes, pairs, args.repeats)
        f64, setup64 = time_nnlib_epoch(sizes, X, labels, np.float64, args.repeats)
        f32, setup32 = time_nnlib_epoch(sizes, X, labels, np.float32, args.repeats)
        print(f"  {str(sizes):15} reference {reference:7.2f}   nnlib float64 {f64:6.2f} "
              f"({reference / f64:5.1f}x)   float32 {f32:6.2f} ({reference / f32:5.1f}x)   "
              f"[data check per SGD call: {setup64:.2f} / {setup32:.2f}]")

    net = Network([784, 30, 10], seed=0)
    test_X, test_labels, test_pairs = synthetic(10_000, seed=1)
    test = [(x, int(k)) for (x, _), k in zip(test_pairs, test_labels)]
    loop = best_of(1, lambda: sum(int(np.argmax(net.feedforward(x)) == k) for x, k in test))
    fast_pairs = best_of(args.repeats, lambda: net.accuracy(test))
    fast_arrays = best_of(args.repeats, lambda: net.accuracy((test_X, test_labels)))
    print(f"accuracy over 10,000 examples [784, 30, 10]: per-example loop {loop:.3f} s, "
          f"nnlib on (x, label) pairs {fast_pairs:.3f} s ({loop / fast_pairs:.1f}x), "
          f"on arrays {fast_arrays:.3f} s ({loop / fast_arrays:.1f}x)")


if __name__ == "__main__":
    main()
