"""How much faster is nnlib than the book's one-example-at-a-time backprop?

    .venv/bin/python benchmarks/bench_train.py            # 50,000 examples, ~1-2 minutes
    .venv/bin/python benchmarks/bench_train.py --n 10000  # quicker, noisier
    .venv/bin/python benchmarks/bench_train.py --engine numpy  # the numpy reference engine

Times one epoch of SGD (mini-batch 10, eta 0.5, cross-entropy) on synthetic 784-value
inputs for [784, 30, 10] and [784, 100, 10]: nnlib in float64 and float32, and the plain
per-example reference of tests/book_reference.py (the book's algorithm), all in this one
run, interleaved round by round (timings on a shared machine drift by 20% or more; each
contender's fastest round is kept), and prints seconds per epoch and the speed-up over
the reference. Then times
``accuracy`` over 10,000 examples against a per-example loop of ``feedforward``.
Targets on [784, 30, 10]: float64 >= 10x, float32 >= 15x the reference.

nnlib trains with ``SGD(..., engine=--engine)``, by default "compiled": a loop that
numba compiles the first time it runs in an environment (then loads from its cache);
that one-off cost is timed and printed first.
Each SGD call also checks and converts its training data once, before the first epoch;
that is timed as a run of 0 epochs, printed, and taken out of nnlib's per-epoch figure
(the reference is handed its data ready-made).
"""
import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
import book_reference as ref  # noqa: E402

from nnlib.network import Network  # noqa: E402


EPOCHS = 3  # epochs per timed nnlib run


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


def reference_epoch(sizes, pairs):
    """Seconds for one epoch of the per-example reference."""
    w, b = Network(sizes, seed=0).weights, Network(sizes, seed=0).biases
    t = time.perf_counter()
    for k in range(0, len(pairs), 10):
        w, b = ref.update_mini_batch(w, b, pairs[k:k + 10], 0.5, 0.0, len(pairs))
    return time.perf_counter() - t


def nnlib_times(sizes, data, dtype, epochs, engine):
    """Seconds for nnlib's SGD to run 0 epochs and ``epochs`` epochs with ``engine``. Each
    SGD call first checks and converts its data once; the 0-epoch run times just that."""
    times = []
    for n_epochs in (0, epochs):
        net = Network(sizes, dtype=dtype, seed=0)
        t = time.perf_counter()
        net.SGD(data, n_epochs, 10, 0.5, progress=False, verbose=False, engine=engine)
        times.append(time.perf_counter() - t)
    return times


def warm_up(engine):
    """Seconds to make ``engine`` ready in float64 and float32: for the compiled one, a
    compilation on the first run in an environment, a load from numba's cache after that."""
    X, labels, _ = synthetic(20)
    t = time.perf_counter()
    for dt in (np.float64, np.float32):
        Network([784, 30, 10], dtype=dt, seed=0).SGD((X.astype(dt), labels), 1, 10, 0.5,
                                                      progress=False, verbose=False,
                                                      engine=engine)
    return time.perf_counter() - t


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=50_000, help="training examples (default 50000)")
    parser.add_argument("--repeats", type=int, default=5,
                        help="rounds; each contender's fastest round is kept (default 5)")
    parser.add_argument("--engine", choices=["compiled", "numpy"], default="compiled",
                        help="the SGD engine nnlib trains with (default compiled)")
    args = parser.parse_args()
    ready = warm_up(args.engine)
    if args.engine == "compiled":
        print(f"compiled epoch ready in {ready:.1f} s (compiled once per environment, "
              "then cached)")
    X, labels, pairs = synthetic(args.n)
    data = {dt: (X.astype(dt), labels) for dt in (np.float64, np.float32)}
    print(f"One epoch, mini-batch 10, {args.n} examples, nnlib's {args.engine} engine (seconds; "
          "speed-up over the per-example reference)")
    for sizes in ([784, 30, 10], [784, 100, 10]):
        reference = []
        setup, run = {np.float64: [], np.float32: []}, {np.float64: [], np.float32: []}
        for _ in range(args.repeats):  # interleaved: a slow spell of the machine hits all alike
            reference.append(reference_epoch(sizes, pairs))
            for dt in (np.float64, np.float32):
                t_setup, t_run = nnlib_times(sizes, data[dt], dt, EPOCHS, args.engine)
                setup[dt].append(t_setup)
                run[dt].append(t_run)
        # An epoch's own time, comparable with the reference's (which gets its data
        # ready-made): the fastest run less the fastest setup, per epoch.
        ref_s = min(reference)
        f64, f32 = ((min(run[dt]) - min(setup[dt])) / EPOCHS for dt in (np.float64, np.float32))
        print(f"  {str(sizes):15} reference {ref_s:7.2f}   nnlib float64 {f64:6.3f} "
              f"({ref_s / f64:5.1f}x)   float32 {f32:6.3f} ({ref_s / f32:5.1f}x)")
    print(f"once per SGD call, checking and converting the {args.n:,} examples: "
          f"{min(setup[np.float64]):.3f} s (float64), {min(setup[np.float32]):.3f} s (float32)")

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
