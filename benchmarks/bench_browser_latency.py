"""Browser latency of the live demos: key press to repaint, and a mouse drag.

    .venv/bin/python benchmarks/bench_browser_latency.py [--rounds 4] [--moves 6] [--notebook PATH]

Starts its own JupyterLab (tests/browser/labdriver.py) and Debian's Chromium, runs the
softmax notebook (02-softmax.ipynb by default) with notebook 01's neuron explorer
appended (the cell of 01 that shows it, ``NEURON_CELL``), and measures, inside the page,
on the first softmax demo's z4 slider and its chart (``.nnlib-softmax-bars``: an SVG
drawn by the browser, or an ``<img>`` in versions that sent a PNG per move), and on the
neuron explorer's w and η sliders and its chart (``.nnlib-neuron-plot``):

* key press: from the keydown event of one arrow-key step to the first paint after the
  chart changed (and, for an image, was decoded); a move with no repaint within 5 s is
  counted apart (a move that changes nothing, or a lost update), and counts as infinite
  in the median;
* drag: the slider is set to its lowest value (Home), then Playwright holds the mouse on
  its handle, moves it across 90% of the slider in 60 small steps 16 ms apart, and
  releases.
  Repaints per second while the button is down, beside how many times a second the
  slider's value changed (no chart can repaint more often than that with new values:
  Playwright's steps take longer than 16 ms on a busy machine, and a slider has only
  so many values over 90% of its width), the time from the release to the last
  repaint (the final value on screen), how many repaints came after the release (a
  queue of stale frames would show as many), and whether the final chart shows softmax(z) of the slider's final value
  (for the neuron: whether its readout is the one nnlib computes for the sliders'
  final values).

Taking turns with the demos, in the same notebook, it measures a reference: a slider
whose kernel callback only swaps between two ready-made PNGs of the same size (the
widget round trip and a repaint, no drawing). Targets (issue 17): key press median
<= 50 ms; a drag repaints >= 15 times a second and shows the final value <= 200 ms
after the release.
"""
from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "browser"))
import labdriver  # noqa: E402

#: Notebook 01's cell that shows the neuron explorer (cell 18 of 01-cross-entropy.ipynb).
NEURON_CELL = ("from nnlib.notebook import cross_entropy as demo\n"
               'demo.NeuronExplorer(w=2.0, b=2.0, eta=0.15, epochs=300, cost="both")')

TARGET_MS = 50.0           # key press to repaint, median
TARGET_DRAG_FPS = 15.0     # repaints per second during a drag, median
TARGET_RELEASE_MS = 200.0  # release to the final value on screen, median
DRAG_STEPS, DRAG_STEP_MS = 60, 16
DRAG_ACROSS = 0.9  # the share of the slider's width a drag crosses

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

#: Installs window.nnlibNextRepaint(chart), a promise of the milliseconds from the next
#: keydown to the first paint after ``chart`` changed (an image: and was decoded), and
#: window.nnlibRecord(chart, handle), which notes the time of every repaint of ``chart``,
#: of every change of the slider ``handle``'s value, and of the next mousedown and
#: mouseup (window.nnlibRecording).
_JS_INSTALL = """
() => {
  const painted = (chart) => {
    const img = chart.tagName === 'IMG' ? chart : chart.querySelector('img');
    const decoded = img ? img.decode().catch(() => null) : Promise.resolve();
    return decoded.then(() => new Promise(resolve => requestAnimationFrame(
      () => setTimeout(() => resolve(performance.now()), 0))));
  };
  const watch = {subtree: true, childList: true, attributes: true, characterData: true};
  window.nnlibNextRepaint = (chart) => new Promise(resolve => {
    let start = null;
    setTimeout(() => resolve(null), 5000);  // no repaint: say so rather than wait forever
    document.addEventListener('keydown', e => { start = e.timeStamp; }, {capture: true, once: true});
    const observer = new MutationObserver(() => {
      observer.disconnect();
      painted(chart).then(now => resolve(now - start));
    });
    observer.observe(chart, watch);
  });
  window.nnlibRecord = (chart, handle) => {
    const rec = {down: null, up: null, repaints: [], observer: null, values: []};
    rec.moves = new MutationObserver(() => rec.values.push(performance.now()));
    rec.moves.observe(handle, {attributes: true, attributeFilter: ['aria-valuenow']});
    let waiting = false;
    document.addEventListener('mousedown', e => { rec.down = performance.now(); },
                              {capture: true, once: true});
    document.addEventListener('mouseup', e => { rec.up = performance.now(); },
                              {capture: true, once: true});
    rec.observer = new MutationObserver(() => {
      if (waiting) return;  // one repaint per frame, however many mutations
      waiting = true;
      painted(chart).then(now => { waiting = false; rec.repaints.push(now); });
    });
    rec.observer.observe(chart, watch);
    window.nnlibRecording = rec;
  };
}
"""


def move_latency(page: labdriver.NotebookPage, handle, chart, key: str) -> float | None:
    """Milliseconds from pressing ``key`` on slider ``handle`` to the repaint of ``chart``
    (None: no repaint within 5 s)."""
    chart.evaluate("c => { window.nnlibPending = window.nnlibNextRepaint(c); }")
    handle.press(key)
    elapsed = page.page.evaluate("() => window.nnlibPending")
    page.page.wait_for_timeout(150)  # let the kernel go idle before the next move
    return elapsed


def drag(page: labdriver.NotebookPage, handle, chart, distance: float) -> dict:
    """Drag ``handle`` by ``distance`` px in DRAG_STEPS steps of DRAG_STEP_MS, release,
    and return what the page saw: fps while down, release -> last repaint (ms), the
    repaints after the release."""
    chart.evaluate("(c, h) => window.nnlibRecord(c, h)", handle.element_handle())
    handle.scroll_into_view_if_needed()
    box = handle.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    mouse = page.page.mouse
    mouse.move(x, y)
    mouse.down()
    start = time.perf_counter()
    for i in range(1, DRAG_STEPS + 1):
        mouse.move(x + distance * i / DRAG_STEPS, y)
        # a step every DRAG_STEP_MS: wait only for what is left of it (a mouse move is a
        # round trip to the browser, which can take longer than that on a busy machine)
        left = start + i * DRAG_STEP_MS / 1000 - time.perf_counter()
        if left > 0:
            time.sleep(left)
    mouse.up()
    page.page.wait_for_timeout(1500)  # long enough for any queue to drain
    rec = page.page.evaluate("""() => { const r = window.nnlibRecording;
        r.observer.disconnect(); r.moves.disconnect();
        return {down: r.down, up: r.up, repaints: r.repaints, values: r.values}; }""")
    during = [t for t in rec["repaints"] if rec["down"] <= t <= rec["up"]]
    after = [t for t in rec["repaints"] if t > rec["up"]]
    moves = [t for t in rec["values"] if rec["down"] <= t <= rec["up"]]
    return {"fps": len(during) / (rec["up"] - rec["down"]) * 1000,
            "values_per_s": len(moves) / (rec["up"] - rec["down"]) * 1000,
            "release_ms": max(0.0, max(rec["repaints"], default=rec["up"]) - rec["up"]),
            "after": len(after)}


def softmax_is_right(page: labdriver.NotebookPage) -> bool:
    """Whether the softmax chart's printed values (or, for a PNG chart, the readout printed
    in the same callback) are softmax(z) of the sliders' final values, to the three
    decimals."""
    from nnlib.activations import softmax

    handles = [page.slider(f"z{j}") for j in range(1, 5)]
    z = np.array([labdriver.NotebookPage.slider_value(h) for h in handles])
    printed = page.locator(".nnlib-softmax-bars").first.locator(".nnlib-bar-value")
    if printed.count():
        values = [float(t) for t in printed.all_text_contents()]
    else:
        text = page.locator(".nnlib-softmax-readout").first.text_content()
        values = [float(v) for v in re.search(r"a = \(([^)]*)\)", text)[1].split(",")]
    return bool(np.allclose(values, softmax(z), rtol=0, atol=0.0005 + 1e-12))


def neuron_is_right(page: labdriver.NotebookPage) -> bool:
    """Whether the neuron explorer's readout shows, for the sliders' final w, b, eta,
    epochs and epoch, each cost's w, b, output, cost and dC/dw as nnlib's ``train``
    computes them (to the digits printed)."""
    from nnlib.notebook.cross_entropy import train

    value = lambda name: labdriver.NotebookPage.slider_value(page.slider(name))  # noqa: E731
    # aria-valuenow rounds eta (0.15 shows as 0.1): read its readout, printed to 3 decimals
    eta = float(page.slider("η").locator("xpath=ancestor::div[contains(@class, 'widget-slider')]"
                                         "[1]").locator(".widget-readout").text_content())
    e = int(value("epoch"))
    shown = page.locator(".nnlib-neuron-readout").first.text_content()
    rows = []
    for cost in ("quadratic", "cross-entropy"):
        t = train(value("w"), value("b"), eta=eta, epochs=int(value("epochs")), cost=cost)
        rows.append(f"{cost}{t.w[e]:.3f}{t.b[e]:.3f}{t.a[e]:.3f}{t.C[e]:.4f}{t.grad_w[e]:.4f}")
    return f"epoch {e}" in shown and all(row in shown for row in rows)


def summary(times: list) -> str:
    missed = sum(t is None for t in times)
    times = [t for t in times if t is not None]
    if not times:
        return f"no repaint after any of {missed} moves"
    return (("" if not missed else f"{missed} moves without a repaint; ")
            + f"median {np.median(times):6.1f} ms, p90 {np.percentile(times, 90):6.1f} ms, "
            f"min {min(times):6.1f} ms")


#: What is measured: (name, label, slider, chart selector, the final check or None).
SUBJECTS = [
    ("softmax", "softmax demo (z4)", "z4", ".nnlib-softmax-bars", softmax_is_right),
    ("neuron", "neuron explorer (w)", "w", ".nnlib-neuron-plot", neuron_is_right),
    # eta has 200 values where w has 81: a drag across 90% of it changes the value more
    # often than Playwright's drag can change w's here
    ("neuron-eta", "neuron explorer (η)", "η", ".nnlib-neuron-plot", neuron_is_right),
    ("reference", "reference (PNG swap)", "ref", ".bench-reference", None),
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=4, help="turns each slider gets")
    parser.add_argument("--moves", type=int, default=6, help="slider moves per turn")
    parser.add_argument("--notebook", type=Path, default=REPO / "notebooks" / "02-softmax.ipynb",
                        help="the softmax notebook (sliders z1..z4, chart .nnlib-softmax-bars)")
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
        # The softmax notebook with the neuron explorer and the reference appended: one
        # page, the three taking turns, so all feel the same load on the machine.
        notebook = nbformat.read(args.notebook, as_version=4)
        notebook.cells += [nbformat.v4.new_code_cell(c) for c in [NEURON_CELL, *REFERENCE_CELLS]]
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
        subjects = {name: (page.slider(slider), page.locator(chart).first)
                    for name, _, slider, chart, _ in SUBJECTS}
        results = {name: [] for name in subjects}
        drags = {name: [] for name in subjects}
        right_at_end = {name: [] for name, *_, check in SUBJECTS if check is not None}
        for turn in range(args.rounds):  # they take turns, a block of moves each
            for name, (handle, chart) in subjects.items():
                handle.focus()  # scrolls the slider and its chart into view, untimed
                page.page.wait_for_timeout(300)
                for i in range(args.moves):
                    key = "ArrowRight" if i % 2 == 0 else "ArrowLeft"  # stay near the start
                    results[name].append(move_latency(page, handle, chart, key))
            for name, _, _, _, check in SUBJECTS:
                handle, chart = subjects[name]
                width = handle.evaluate("h => h.closest('.noUi-target').clientWidth")
                # across 90% of the slider from its lowest value (Home), as a hand drags
                # it across: a shorter drag gives the slider fewer values to take
                handle.press("Home")
                page.page.wait_for_timeout(500)  # the kernel idle again, untimed
                drags[name].append(drag(page, handle, chart, DRAG_ACROSS * width))
                if check is not None:
                    right_at_end[name].append(check(page))
        browser.close()

    ref = results["reference"]
    print(f"browser latency, key press -> repainted chart, {len(ref)} moves each, in "
          f"{args.rounds} turns (2 shared cores: compare ratios, not absolutes)")
    for name, label, *_ in SUBJECTS:
        print(f"  {label:22s}: {summary(results[name])}")
    for name, label, *_ in SUBJECTS[:-1]:
        median = np.median([t if t is not None else np.inf for t in results[name]])
        verdict = "met" if median <= TARGET_MS else "NOT met"
        ref_median = np.median([t if t is not None else np.inf for t in ref])
        print(f"  {label}: {median / ref_median:.2f} x the reference; target median "
              f"<= {TARGET_MS:.0f} ms: {verdict}")
    print(f"drag across the slider ({DRAG_STEPS} steps over about "
          f"{DRAG_STEPS * DRAG_STEP_MS / 1000:.1f} s), {args.rounds} drags each")
    for name, label, *_ in SUBJECTS:
        fps = [d["fps"] for d in drags[name]]
        release = [d["release_ms"] for d in drags[name]]
        after = [d["after"] for d in drags[name]]
        print(f"  {label:22s}: repaints/s median {np.median(fps):5.1f} (range {min(fps):.1f}-"
              f"{max(fps):.1f}); release -> final median {np.median(release):6.1f} ms "
              f"(range {min(release):.0f}-{max(release):.0f}); repaints after release "
              f"{min(after)}-{max(after)}; the slider changed value "
              f"{np.median([d['values_per_s'] for d in drags[name]]):.1f} times/s")
    for name, label, *_ in SUBJECTS[:-1]:
        fps, release = ([d[k] for d in drags[name]] for k in ("fps", "release_ms"))
        verdict = ("met" if np.median(fps) >= TARGET_DRAG_FPS
                   and np.median(release) <= TARGET_RELEASE_MS else "NOT met")
        print(f"  {label}: final values right after every drag: {all(right_at_end[name])}; "
              f"target >= {TARGET_DRAG_FPS:.0f} repaints/s and final <= "
              f"{TARGET_RELEASE_MS:.0f} ms after release (medians): {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
