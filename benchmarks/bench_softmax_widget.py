"""Milliseconds per slider move of the softmax demo (nnlib.softmax_demo.SoftmaxDemo).

    .venv/bin/python benchmarks/bench_softmax_widget.py [--moves 100]

For each demo it prints the median (and 90th percentile) time of
  compute   the computation behind one move (softmax, bar heights, labels, readout),
  update    one whole slider move as the reader makes it (compute + PNG redraw),
and, measured in the same run, a naive reference that clears the axes and plots the
chart again before redrawing, with the ratio reference / update.
Targets (notes/notebooks.md): compute well under 30 ms; the browser repaints within
about 150 ms of a move, of which the PNG redraw is the largest part.
"""
from __future__ import annotations

import argparse
import time

import numpy as np

import nnlib.notebook
from nnlib.softmax_demo import SoftmaxDemo, plot_softmax_bars
from nnlib.widgets import LiveFigure


def slider_path(moves: int) -> np.ndarray:
    """z1 values a reader might drag through: -5 to 5 and back, in the slider's 0.1 steps."""
    up = np.round(np.arange(-5.0, 5.0 + 1e-9, 0.1), 1)
    return np.resize(np.concatenate([up, up[::-1]]), moves)


def timed(fn) -> float:
    """Milliseconds one call of fn takes."""
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1e3


def measure_demo(demo: SoftmaxDemo, path: np.ndarray) -> dict[str, list[float]]:
    """Times of compute alone (show) and of whole moves (setting the z1 slider)."""
    slider = demo.z_sliders[0]
    compute, update = [], []
    for value in path:
        update.append(timed(lambda: setattr(slider, "value", float(value))))
        compute.append(timed(demo.show))
    return {"compute": compute, "update": update}


def measure_naive(path: np.ndarray) -> list[float]:
    """Times of the naive redraw: clear the axes, plot the chart again, save the PNG."""
    live = LiveFigure(figsize=(4.8, 3.2))
    z = np.array([2.5, -1.0, 3.2, 0.5])

    def replot(value):
        z[0] = value
        live.ax.clear()
        plot_softmax_bars(z, ax=live.ax)
        live.refresh()

    return [timed(lambda: replot(value)) for value in path]


def summary(times: list[float]) -> str:
    return f"{np.median(times):7.2f} ms median, {np.percentile(times, 90):7.2f} ms p90"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=100, help="slider moves per measurement")
    moves = parser.parse_args().moves
    if moves < 1:
        parser.error(f"--moves should be a positive count; got {moves}")
    nnlib.notebook.setup()  # the notebooks' style and dpi, so the PNGs are the same size
    path = slider_path(moves)

    naive = measure_naive(path)
    print(f"softmax demo, {moves} moves of z1 (2 cores shared: compare ratios, not absolutes)")
    print(f"  naive clear-and-replot  update  {summary(naive)}   (reference)")
    for name, demo in (("bars (z1..z4)", SoftmaxDemo()),
                       ("bars + c", SoftmaxDemo(with_c=True)),
                       ("bars + Jacobian", SoftmaxDemo(with_jacobian=True))):
        times = measure_demo(demo, path)
        ratio = np.median(naive) / np.median(times["update"])
        print(f"  {name:<22}  compute {summary(times['compute'])}")
        print(f"  {'':<22}  update  {summary(times['update'])}   "
              f"naive / this = {ratio:.2f}x")


if __name__ == "__main__":
    main()
