"""Milliseconds per control move of the single-neuron widget (nnlib.notebook.cross_entropy.NeuronExplorer).

    .venv/bin/python benchmarks/bench_neuron_widget.py [--moves 40]

Prints the median (and 90th percentile) time of
  compute   the computation behind one move of w, b, eta or epochs: retraining both
            costs (300 and 500 epochs, the default and the slider's maximum);
  retrain   one whole move of the w slider (compute + the SVG chart, demo_svg);
  frame     one move of the epoch slider, i.e. one Play frame (the SVG chart);
and, measured in the same run, a naive frame that clears matplotlib axes, plots again
and renders a PNG with LiveFigure.refresh() (what a PNG per move costs), with the
ratio naive / frame.
Targets (notes/notebooks.md): compute well under 30 ms; the browser repaints within
about 150 ms of a move.
"""
from __future__ import annotations

import argparse
import time

import numpy as np

import nnlib.notebook
from nnlib.notebook import cross_entropy


def timed(fn) -> float:
    """Milliseconds one call of fn takes."""
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1e3


def summary(times: list[float]) -> str:
    return f"{np.median(times):7.2f} ms median, {np.percentile(times, 90):7.2f} ms p90"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=40, help="moves per measurement")
    moves = parser.parse_args().moves
    if moves < 1:
        parser.error(f"--moves should be a positive count; got {moves}")
    nnlib.notebook.setup()  # the notebooks' style and dpi, so the PNGs are the same size
    ws = np.resize(np.round(np.arange(-4.0, 4.0 + 1e-9, 0.1), 1), moves)
    epochs = np.resize(np.arange(0, 301, 5), moves)

    print(f"neuron widget, {moves} moves (2 cores shared: compare ratios, not absolutes)")
    for n in (300, 500):
        compute = [timed(lambda: [cross_entropy.train(w, 2.0, eta=0.15, epochs=n, cost=c)
                                  for c in cross_entropy.COSTS]) for w in ws]
        print(f"  compute, both costs, {n} epochs  {summary(compute)}")

    ex = cross_entropy.NeuronExplorer(w=2.0, b=2.0)
    retrain = [timed(lambda: setattr(ex.w, "value", float(w))) for w in ws]
    frame = [timed(lambda: setattr(ex.epoch, "value", int(e))) for e in epochs]

    def naive_frame(e):
        left, right = ex.figure.axes
        left.clear()
        right.clear()
        cross_entropy.plot_demo(ex.trajectories, axes=(left, right), epoch=int(e))
        ex.figure.refresh()

    naive = [timed(lambda: naive_frame(e)) for e in epochs]
    print(f"  retrain (move of w), both costs  {summary(retrain)}")
    print(f"  naive clear-and-replot frame     {summary(naive)}   (reference)")
    print(f"  frame (move of epoch / Play)     {summary(frame)}   "
          f"naive / this = {np.median(naive) / np.median(frame):.1f}x")


if __name__ == "__main__":
    main()
