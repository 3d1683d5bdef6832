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
Targets on [784, 30, 10]: float64 >= 15x, float32 >= 25x the reference (issue 17).

Each epoch's speed is also printed as GFLOP/s (the multiply-adds of its matrix products,
``epoch_gflop``: 4.8 GFLOP for [784, 30, 10] on 50,000 examples) beside this machine's
single-core peak, measured in the same run as the speed of a large matrix product in
float64 and float32 with BLAS on one thread (training holds BLAS to one thread too).

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
from threadpoolctl import threadpool_limits

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


def epoch_gflop(sizes, n):
    """GFLOP of the matrix products of one epoch of n examples, a multiply-add counted as
    2: per example and layer l, z^l = w^l a^{l-1} and dC/dw^l = delta^l (a^{l-1})^T
    (BP4) take n_l n_{l-1} multiply-adds each, and delta^{l-1} = (w^l)^T delta^l (BP2)
    as many again for every layer but the first. The element-wise work is left out."""
    products = [k * m for k, m in zip(sizes[:-1], sizes[1:])]
    return 2 * n * (2 * sum(products) + sum(products[1:])) / 1e9


def single_core_peak(size=2000, repeats=3):
    """GFLOP/s of a (size x size) matrix product with BLAS on one thread, the fastest of
    ``repeats``, in float64 and float32: what one core of this machine can compute."""
    peak = {}
    rng = np.random.default_rng(0)
    with threadpool_limits(limits=1, user_api="blas"):
        for dt in (np.float64, np.float32):
            a, b = rng.random((size, size)).astype(dt), rng.random((size, size)).astype(dt)
            peak[dt] = 2 * size ** 3 / 1e9 / best_of(repeats, lambda: a @ b)
    return peak


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
    peak = single_core_peak()
    print(f"single-core peak, a 2000 x 2000 matrix product on one BLAS thread: "
          f"{peak[np.float64]:.1f} GFLOP/s float64, {peak[np.float32]:.1f} GFLOP/s float32")
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
        gflop = epoch_gflop(sizes, args.n)
        print(f"  {'':15} {gflop:.1f} GFLOP an epoch: float64 {gflop / f64:5.1f} GFLOP/s "
              f"({gflop / f64 / peak[np.float64]:.0%} of the peak), float32 "
              f"{gflop / f32:5.1f} GFLOP/s ({gflop / f32 / peak[np.float32]:.0%})")
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
