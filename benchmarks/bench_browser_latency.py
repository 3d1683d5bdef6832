"""Browser latency of the softmax demo: from a slider key press to the repainted bar chart.

    .venv/bin/python benchmarks/bench_browser_latency.py [--rounds 4] [--moves 6] [--notebook PATH]

Starts its own JupyterLab (tests/browser/labdriver.py) and Debian's Chromium, runs the
softmax notebook (02-softmax.ipynb by default), then moves z4 one step at a time with
the arrow keys and times, inside the page, each move from the keydown event to the
first paint after the chart's new image has been decoded. Taking turns with those moves,
in the same notebook, it times a reference: a slider whose kernel callback only swaps
between two ready-made PNGs of the same size, so the ratio says what drawing the chart
adds to the widget round trip.
Target (notes/notebooks.md): median 150 ms or less.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import nbformat
import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "browser"))
import labdriver  # noqa: E402

TARGET_MS = 150.0

#: A notebook with the reference slider: its callback shows one of two PNGs drawn
#: beforehand, so a move costs the widget round trip and the repaint, and no drawing.
REFERENCE_CELLS = [
    "import nnlib.notebook; rng = nnlib.notebook.setup()\n"
    "import ipywidgets as widgets\n"
    "from nnlib.notebook.widgets import LiveFigure, figure_png",
    "live = LiveFigure(figsize=(4.8, 3.2), css_class='bench-reference')\n"
    "bars = live.ax.bar(range(4), [0.315, 0.009, 0.633, 0.043])\n"
    "first = figure_png(live.figure)\n"
    "bars[3].set_height(0.5)\n"
    "second = figure_png(live.figure)\n"
    "live.image.value = first\n"
    "slider = widgets.FloatSlider(value=0, min=-5, max=5, step=0.1, description='ref')\n"
    "slider.observe(lambda change: setattr(live.image, 'value', "
    "second if live.image.value == first else first), 'value')\n"
    "widgets.VBox([slider, live.image])",
]

#: Installs window.nnlibNextRepaint(img): a promise of the milliseconds from the next
#: keydown to the first paint after ``img`` shows a new, decoded picture.
_JS_INSTALL = """
() => {
  window.nnlibNextRepaint = (img) => new Promise(resolve => {
    let start = null;
    document.addEventListener('keydown', e => { start = e.timeStamp; }, {capture: true, once: true});
    const observer = new MutationObserver(() => {
      observer.disconnect();
      img.decode().then(() => requestAnimationFrame(
        () => setTimeout(() => resolve(performance.now() - start), 0)));
    });
    observer.observe(img, {attributes: true, attributeFilter: ['src']});
  });
}
"""


def move_latency(page: labdriver.NotebookPage, handle, image, key: str) -> float:
    """Milliseconds from pressing ``key`` on slider ``handle`` to the repaint of ``image``."""
    image.evaluate("img => { window.nnlibPending = window.nnlibNextRepaint(img); }")
    handle.press(key)
    elapsed = page.page.evaluate("() => window.nnlibPending")
    page.page.wait_for_timeout(150)  # let the kernel go idle before the next move
    return elapsed


def summary(times: list[float]) -> str:
    return (f"median {np.median(times):6.1f} ms, p90 {np.percentile(times, 90):6.1f} ms, "
            f"min {min(times):6.1f} ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=4, help="turns each slider gets")
    parser.add_argument("--moves", type=int, default=6, help="slider moves per turn")
    parser.add_argument("--notebook", type=Path, default=REPO / "notebooks" / "02-softmax.ipynb",
                        help="the softmax notebook (sliders z1..z4, image .nnlib-softmax-bars)")
    args = parser.parse_args()
    if args.moves < 1 or args.rounds < 1:
        parser.error(f"--moves and --rounds should be positive counts; got {args.moves}, "
                     f"{args.rounds}")
    if not args.notebook.is_file():
        parser.error(f"no notebook at {args.notebook}; pass --notebook PATH to the softmax demo")
    missing = labdriver.browser_missing()
    if missing:
        print(f"cannot measure: {missing}", file=sys.stderr)
        return 1
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="nnlib-bench-") as base, \
            labdriver.LabServer(Path(base)) as server, sync_playwright() as playwright:
        # The softmax notebook with the reference appended: one page, the two taking
        # turns, so both feel the same load on the machine.
        notebook = nbformat.read(args.notebook, as_version=4)
        notebook.cells += [nbformat.v4.new_code_cell(c) for c in REFERENCE_CELLS]
        nbformat.write(notebook, server.root / "bench.ipynb")
        browser = labdriver.launch_chromium(playwright)
        page = labdriver.NotebookPage(browser.new_page(viewport={"width": 1280, "height": 900}),
                                      server).open("bench.ipynb")
        page.run_all()
        problems = page.wait_for_widgets()
        if problems:
            print(f"{args.notebook.name} did not run cleanly:\n" + "\n".join(problems),
                  file=sys.stderr)
            return 1
        page.page.evaluate(_JS_INSTALL)
        subjects = {"softmax": (page.slider("z4"), page.locator("img.nnlib-softmax-bars").first),
                    "reference": (page.slider("ref"), page.locator("img.bench-reference").first)}
        results = {name: [] for name in subjects}
        for _round in range(args.rounds):  # the two take turns, a block of moves each
            for name, (handle, image) in subjects.items():
                handle.focus()  # scrolls the slider and its chart into view, untimed
                page.page.wait_for_timeout(300)
                for i in range(args.moves):
                    key = "ArrowRight" if i % 2 == 0 else "ArrowLeft"  # stay near the start
                    results[name].append(move_latency(page, handle, image, key))
        browser.close()

    softmax, ref = results["softmax"], results["reference"]
    ratio = np.median(softmax) / np.median(ref)
    print(f"browser latency, key press -> repainted chart, {len(softmax)} moves each, in "
          f"{args.rounds} turns (2 shared cores: compare ratios, not absolutes)")
    print(f"  softmax demo ({args.notebook.name}, z4): {summary(softmax)}")
    print(f"  reference (PNG swap, no drawing):  {summary(ref)}")
    print(f"  ratio softmax / reference:         {ratio:.2f}")
    verdict = "met" if np.median(softmax) <= TARGET_MS else "NOT met"
    print(f"  target: median <= {TARGET_MS:.0f} ms: {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
