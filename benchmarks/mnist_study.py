"""Run notebook 04's MNIST study from the command line, or estimate how long it takes.

    .venv/bin/python benchmarks/mnist_study.py --estimate
        time one epoch of each network on synthetic data the size of the plan's (the
        full plan: 50,000 examples, about 15 s) and print how long the study would
        take on this machine; with --quick, the quick plan's (8,000 examples)
    .venv/bin/python benchmarks/mnist_study.py --out notebooks/results/mnist-full.json --workers 2
        the full study (downloads MNIST on first use) in two worker processes; notebook
        04 draws its tables and figures from this file. Interrupted, it resumes from the
        file. It prints its wall time and the sum of the runs' own times.
    .venv/bin/python benchmarks/mnist_study.py --out FILE --scheduler tcp://HOST:8786
        the same study on a Dask cluster (pip install nnlib[cluster]); every worker
        needs MNIST (NNLIB_DATA_DIR, or its own download)
    .venv/bin/python benchmarks/mnist_study.py --compare-workers 12
        the first 12 runs of the full plan trained with 1 worker and with 2, in
        alternation, 3 rounds (fresh files each time): median wall times, their range and
        the speed-up
    .venv/bin/python benchmarks/mnist_study.py --quick --out /tmp/mnist-quick.json
        the quick plan (the 10,000 test digits only; NNLIB_DATA_DIR may point at them)

The training itself is ``nnlib.notebook.mnist_study.run_study``, the code the notebook runs.
"""
import argparse
import dataclasses
import statistics
import sys
import time
import warnings
from collections import Counter
from pathlib import Path

import numpy as np

from nnlib.notebook import mnist_study
from nnlib.data import Splits


def synthetic(n, seed):
    """n random inputs (n, 784) in [0, 1) with random labels: for timing only."""
    rng = np.random.default_rng(seed)
    return rng.random((n, 784), dtype=np.float32), rng.integers(0, 10, n)


def seconds_per_epoch(plan):
    """One epoch of each (hidden, cost) of ``plan`` on synthetic data of the sizes of the
    plan's (training, validation, test), monitoring the test part as a study's run does:
    {(hidden, cost): seconds}."""
    splits = Splits(*(synthetic(n, seed)
                      for seed, n in enumerate(mnist_study.DATA_SIZES[plan.data])))
    # The first training in a process compiles nnlib's epoch, or loads it from numba's
    # cache: a one-off, so it happens here, untimed.
    tiny = Splits(*(synthetic(20, seed) for seed in range(3)))
    mnist_study.train(mnist_study.Config(sizes=(784, 30, 10), epochs=1, dtype=plan.dtype,
                                         data=plan.data), 0, tiny)
    timed = {}
    for hidden in plan.hidden:
        for cost in mnist_study.COST_LABELS:
            config = mnist_study.Config(sizes=(784, hidden, 10), cost=cost, epochs=1,
                                        dtype=plan.dtype, data=plan.data)
            with warnings.catch_warnings():
                # random labels: SGD rightly warns that nothing is learnt, which says
                # nothing about the time an epoch takes
                warnings.filterwarnings("ignore", "training collapsed", RuntimeWarning)
                timed[hidden, cost] = mnist_study.train(config, 0, splits).seconds
            print(f"  [784, {hidden}, 10] {mnist_study.COST_LABELS[cost]:<24} "
                  f"{timed[hidden, cost]:.2f} s per epoch", flush=True)
    return timed


def estimate(plan, workers=1):
    """Print the plan's duration from measured per-epoch times: a range, from the case
    where every best eta is the book's and no sweep widens (fewest runs) to the case
    where none is and every sweep widens as far as the plan allows; divided by
    ``workers`` (runs are independent; the machine needs that many free cores)."""
    print(mnist_study.describe(plan))
    print(f"Timing one epoch of {mnist_study.DATA_SIZES[plan.data][0]:,} examples per "
          f"network ({plan.dtype}, one BLAS thread):")
    timed = seconds_per_epoch(plan)
    first = plan.first_runs()
    more = plan.runs() - len(first)  # the widening (at the first size) and the table again
    widening = plan.widen * len(plan.sweep_seeds)
    def total(counts):
        return sum(n * plan.epochs * timed[cell] for cell, n in counts.items())
    low = total(Counter((k.hidden, k.cost) for k in first))
    high = low + total(Counter((k.hidden, k.cost) for k in
                               mnist_study.one_seed_configs(plan.table())))
    high += total({(plan.hidden[0], cost): widening for cost in mnist_study.COST_LABELS})
    low, high = low / workers, high / workers
    span = (f"{low:.0f}-{high:.0f} seconds" if high < 120 else
            f"{low / 60:.0f}-{high / 60:.0f} minutes")
    print(f"Estimated {plan.name} study with {workers} worker{'s' * (workers > 1)}: {span} "
          f"({len(first)}-{len(first) + more} runs of {plan.epochs} epochs)")


def compare_workers(plan, n_runs, rounds=3):
    """Train the plan's first ``n_runs`` runs with 1 and with 2 workers, alternating, for
    ``rounds`` rounds, each into a fresh file; print the medians and ranges of the wall
    times and the speed-up. Each process loads the data itself, as in a study."""
    import tempfile

    keys = plan.first_runs()[:n_runs]
    sample = dataclasses.replace(plan, name="sample")
    walls = {1: [], 2: []}
    with tempfile.TemporaryDirectory() as folder:
        for r in range(rounds):
            for workers in (1, 2) if r % 2 == 0 else (2, 1):
                results = mnist_study.Results(sample)
                start = time.perf_counter()
                for run in mnist_study.train_all(keys, workers=workers):
                    results.add(run)
                    results.save(Path(folder) / f"{r}-{workers}.json")
                walls[workers].append(time.perf_counter() - start)
                print(f"  round {r + 1}, {workers} worker(s): {walls[workers][-1]:.1f} s",
                      flush=True)
    med = {w: statistics.median(t) for w, t in walls.items()}
    print(f"{len(keys)} runs of {plan.epochs} epochs, median (range) wall time:")
    for w, t in walls.items():
        print(f"  {w} worker(s): {med[w]:.1f} s ({min(t):.1f}-{max(t):.1f})")
    print(f"speed-up with 2 workers: {med[1] / med[2]:.2f}x")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="the quick plan (as in CI)")
    parser.add_argument("--estimate", action="store_true",
                        help="only time one epoch per network and estimate the duration")
    parser.add_argument("--out", help="results JSON: written after every run, resumed from")
    parser.add_argument("--workers", type=int, default=1,
                        help="worker processes on this machine (joblib, loky backend)")
    parser.add_argument("--scheduler", help="address of a Dask scheduler, tcp://HOST:8786")
    parser.add_argument("--compare-workers", type=int, metavar="N",
                        help="time the plan's first N runs with 1 and with 2 workers")
    args = parser.parse_args()
    plan = mnist_study.QUICK_PLAN if args.quick else mnist_study.FULL_PLAN
    if args.estimate:
        estimate(plan, args.workers)
        return 0
    if args.compare_workers:
        compare_workers(plan, args.compare_workers)
        return 0
    if not args.out:
        parser.error("--out is needed to run the study (the results go there)")
    client = None
    if args.scheduler:
        from distributed import Client
        client = Client(args.scheduler)
    where = (f"on the Dask cluster at {args.scheduler}" if client else
             f"in {args.workers} worker process{'es' * (args.workers > 1)}")
    print(mnist_study.describe(plan), where, flush=True)
    before = len(mnist_study.load_results(args.out)) if Path(args.out).exists() else 0
    start = time.perf_counter()
    results = mnist_study.run_study(plan, args.out, workers=args.workers, client=client)
    wall = time.perf_counter() - start
    print(f"\n{len(results)} runs in {args.out}; {len(results) - before} trained now "
          f"{where} in {wall:.0f} s of wall time")
    print(f"All runs' own times add up to {sum(run.seconds for run in results):.0f} s.")
    print("\nThe book's table, every seed:")
    print(mnist_study.table_text(results, plan.table()))
    print("\nThe sweep (validation accuracy %, best *):")
    print(mnist_study.sweep_text(results))
    print("\nEach cost at its best eta:")
    print(mnist_study.table_text(results, plan.table(results.best_etas())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
