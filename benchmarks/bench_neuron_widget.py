"""Kernel time and memory behind the single-neuron widget (nnlib.notebook.cross_entropy.NeuronExplorer).

    .venv/bin/python benchmarks/bench_neuron_widget.py [--moves 20]

Prints the median (and 90th percentile) time of
  compute   retraining both costs for one setting (300 and 500 epochs, the default and
            the epochs slider's maximum), what a move of w, b, eta or epochs starts with;
  tables    training both costs at every value of w, b and eta with the others held
            (``lookup_runs``: 81 + 81 + 200 runs a cost, by ``train_many``), which lets
            the browser draw a move of any of them without waiting for the kernel;
  move      one whole move of the w slider outside a kernel: compute, tables, and the
            chart's data for the browser (in a kernel, a move sends the chart at once and
            the tables 0.2 s after the last move: ``chart only``);
  epoch     one move of the epoch slider (the browser draws it; the kernel updates the
            tables' readout rows);
and, measured in the same run, a naive frame that clears matplotlib axes, plots again
and renders a PNG with LiveFigure.refresh() (what a PNG per move cost). Then the memory
the tables hold and what the browser receives (KB) at 300 and 500 epochs.
"""
from __future__ import annotations

import argparse
import json
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
    return f"{np.median(times):7.1f} ms median, {np.percentile(times, 90):7.1f} ms p90"


def held_mb(ex) -> float:
    """Megabytes of arrays the explorer's tables hold (every Trajectory's six arrays)."""
    fields = ("w", "b", "a", "C", "grad_w", "grad_b")
    return sum(getattr(t, f).nbytes for table in ex._tables for runs in table for t in runs
               for f in fields) / 1e6


def sent_kb(ex) -> str:
    chart = ex.chart
    tables = len(json.dumps(chart.tables).encode()) + len(chart.table_curves)
    state = len(json.dumps(chart.state).encode()) + len(chart.curves)
    return f"tables {tables / 1e3:6.0f} KB, chart (state) {state / 1e3:5.0f} KB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=20, help="moves per measurement")
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
        ex = cross_entropy.NeuronExplorer(w=2.0, b=2.0, epochs=n)
        ex.refresh_tables()  # as the chart's view asks when it renders
        tables = [timed(ex.lookup_runs) for _ in range(max(3, moves // 4))]
        print(f"  {n} epochs: compute, both costs {summary(compute)}; tables {summary(tables)}")
        print(f"  {n} epochs: tables hold {held_mb(ex):5.1f} MB; sent: {sent_kb(ex)}")

    ex = cross_entropy.NeuronExplorer(w=2.0, b=2.0)
    ex.refresh_tables()
    move = [timed(lambda: setattr(ex.w, "value", float(w))) for w in ws]

    def chart_only(w):
        ex._stale = {1, 2}        # as in a kernel: the tables of b and eta wait
        ex.w.unobserve(ex.retrain, names="value")
        ex.w.value = float(w)
        ex.w.observe(ex.retrain, names="value")
        ex.trajectories = [cross_entropy.train(ex.w.value, ex.b.value, eta=ex.eta.value,
                                               epochs=ex.epochs.value, cost=c) for c in ex.costs]
        ex.redraw()

    only = [timed(lambda: chart_only(w)) for w in ws]
    ex.refresh_tables()
    frame = [timed(lambda: setattr(ex.epoch, "value", int(e))) for e in epochs]

    def naive_frame(e):
        left, right = ex.figure.axes
        left.clear()
        right.clear()
        cross_entropy.plot_demo(ex.trajectories, axes=(left, right), epoch=int(e))
        ex.figure.refresh()

    naive = [timed(lambda: naive_frame(e)) for e in epochs]
    print(f"  move of w, with the tables        {summary(move)}")
    print(f"  move of w, chart only (in a kernel) {summary(only)}")
    print(f"  epoch (readout rows of the tables) {summary(frame)}")
    print(f"  naive clear-and-replot PNG frame  {summary(naive)}   (reference)")


if __name__ == "__main__":
    main()
