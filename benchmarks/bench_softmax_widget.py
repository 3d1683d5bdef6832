"""Milliseconds per slider move of the softmax demo (nnlib.notebook.softmax.SoftmaxDemo).

    .venv/bin/python benchmarks/bench_softmax_widget.py [--moves 100]

For each demo it prints the median (and 90th percentile) time of
  compute   the computation behind one move (softmax, bar heights, labels, readout),
  update    one whole slider move as the reader makes it (compute, the SVG charts and
            the tables the browser looks a move up in, svgchart.BarLookup),
and a naive reference that clears the same matplotlib figures, plots them again and
renders a PNG (what a PNG per move costs), timed move by move between the demo's moves
(so both see the same load), with the ratio reference / update.
Targets: compute well under 30 ms; the browser's own figures are
benchmarks/bench_browser_latency.py's.
"""
from __future__ import annotations

import argparse
import time

import numpy as np

import nnlib.notebook
from nnlib.notebook.softmax import SoftmaxDemo, plot_softmax_bars, plot_softmax_jacobian
from nnlib.notebook.widgets import LiveFigure


def slider_path(moves: int) -> np.ndarray:
    """z1 values a reader might drag through: -5 to 5 and back, in the slider's 0.1 steps."""
    up = np.round(np.arange(-5.0, 5.0 + 1e-9, 0.1), 1)
    return np.resize(np.concatenate([up, up[::-1]]), moves)


def timed(fn) -> float:
    """Milliseconds one call of fn takes."""
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1e3


def naive_replot(reference: list, z: np.ndarray, c: float) -> None:
    """The reference redraw: clear each figure, plot it all again, save the PNG."""
    for live, plot in reference:
        live.figure.clear()
        plot(z, c, ax=live.figure.add_subplot())
        live.refresh()


def measure(demo: SoftmaxDemo, path: np.ndarray) -> dict[str, list[float]]:
    """Times of compute alone (``show``), of whole moves (setting the z1 slider), and of
    the naive reference redrawing the same figures, interleaved move by move so that
    both see the same machine load."""
    slider = demo.z_sliders[0]
    plots = [lambda z, c, ax: plot_softmax_bars(z, c, ax=ax)]
    if demo.jacobian is not None:
        plots.append(lambda z, c, ax: plot_softmax_jacobian(z, ax=ax))
    reference = [(LiveFigure(figsize=live.figure.get_size_inches()), plot)
                 for live, plot in zip(demo.live_figures, plots)]
    z = demo.z.copy()
    times = {"compute": [], "update": [], "naive": []}
    for value in path:
        times["update"].append(timed(lambda: setattr(slider, "value", float(value))))
        times["compute"].append(timed(demo.show))
        z[0] = value
        times["naive"].append(timed(lambda: naive_replot(reference, z, demo.c)))
    return times


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

    print(f"softmax demo, {moves} moves of z1 (2 cores shared: compare ratios, not absolutes)")
    for name, demo in (("bars (z1..z4)", SoftmaxDemo()),
                       ("bars + c", SoftmaxDemo(with_c=True)),
                       ("bars + Jacobian", SoftmaxDemo(with_jacobian=True))):
        times = measure(demo, path)
        ratio = np.median(times["naive"]) / np.median(times["update"])
        print(f"  {name}")
        print(f"    compute               {summary(times['compute'])}")
        print(f"    update (+ redraw)     {summary(times['update'])}")
        print(f"    naive clear-and-plot  {summary(times['naive'])}   naive / update = {ratio:.2f}x")

if __name__ == "__main__":
    main()
