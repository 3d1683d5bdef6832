"""What the network reaches on the small real-digits mode (nnlib.data.load_small).

    NNLIB_DATA_DIR=../shared/data/mnist .venv/bin/python benchmarks/small_mnist_accuracy.py
    ... small_mnist_accuracy.py --seeds 0 1 2 3 4   # more seeds, a firmer mean

Trains [784, 30, 10] with the cross-entropy (eta 0.5, mini-batch 10, 30 epochs, no
regularisation) on the 8,000 training digits of the small mode, once per seed with each
weight initializer, and prints the accuracy after the last epoch on its 1,000 validation
and 1,000 test digits, with the mean over seeds. A prototype reached about 95% (default
initializer) and 93% (large) on held-out digits; single runs differ by a point or so.
A run takes about 2 s on two cores. The runs go through ``nnlib.notebook.mnist_study.train``,
the code behind notebook 04.
"""
import argparse

import numpy as np

from nnlib.notebook import mnist_study

#: What the prototype reached on held-out digits, by initializer (percent).
PROTOTYPE = {"default": 95, "large": 93}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--dtype", choices=["float32", "float64"], default="float64")
    args = parser.parse_args()
    splits = mnist_study.load_splits("small")
    print(f"small real-digits mode: {' / '.join(str(len(p[1])) for p in splits)} "
          f"training / validation / test digits")
    print(f"{'initializer':<12} {'seed':>4} {'validation %':>13} {'test %':>7}")
    for initializer in ("default", "large"):
        config = mnist_study.Config(sizes=(784, 30, 10), cost="CrossEntropyCost", eta=0.5,
                                    epochs=30, mini_batch_size=10, seeds=tuple(args.seeds),
                                    initializer=initializer, dtype=args.dtype, data="small")
        results = []
        for seed in config.seeds:
            run = mnist_study.train(config, seed, splits)
            results.append((run.validation_percent, run.test_percent))
            print(f"{initializer:<12} {seed:>4} {results[-1][0]:>13.1f} {results[-1][1]:>7.1f}",
                  flush=True)
        validation, test = np.mean(results, axis=0)
        print(f"{initializer:<12} {'mean':>4} {validation:>13.1f} {test:>7.1f}   "
              f"(prototype: about {PROTOTYPE[initializer]})")


if __name__ == "__main__":
    main()
