"""LiveFigure: redrawn in place, no pyplot figures leaked, layout fixed after the first draw.
The demos: controls that hold, and a picture and a text where widgets cannot run."""
import base64
import io
import json
import re
from pathlib import Path

import anywidget
import ipywidgets
import matplotlib.image as mpimg
import matplotlib.pyplot as plt
import numpy as np
import pytest
from traitlets import TraitError

from nnlib.notebook import log_likelihood
from nnlib.notebook.cross_entropy import NeuronExplorer
from nnlib.notebook.softmax import SoftmaxDemo
from nnlib.notebook.widgets import ControlValueError, Demo, LiveFigure, play_step

NOTEBOOK_DIR = Path(__file__).resolve().parent.parent / "notebooks"
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


def test_refresh_swaps_the_png_in_place_and_leaks_no_figure():
    open_before = plt.get_fignums()
    live = LiveFigure(figsize=(3, 2), css_class="nnlib-test")
    (line,) = live.ax.plot([0, 1], [0, 0])
    live.refresh()
    first = bytes(live.image.value)
    assert first.startswith(b"\x89PNG") and "nnlib-test" in live.image._dom_classes
    for k in range(200):
        line.set_ydata([0, np.sin(k)])
        live.refresh()
    assert bytes(live.image.value) != first
    assert plt.get_fignums() == open_before


def test_layout_is_computed_once_then_kept():
    live = LiveFigure(1, 2, figsize=(4, 2))
    live.refresh()
    box = live.axes[1].get_position().bounds
    live.axes[1].set_ylabel("a much longer label than before")
    live.refresh()
    assert live.axes[1].get_position().bounds == box


def test_after_the_first_refresh_each_refresh_draws_once():
    live = LiveFigure(figsize=(3, 2))
    live.ax.plot([0, 1])
    live.refresh()
    draws = []
    live.figure.canvas.mpl_connect("draw_event", lambda event: draws.append(event))
    live.refresh()
    assert len(draws) == 1


@pytest.mark.parametrize("last, frames", [(10, 10), (97, 97), (300, 60), (500, 50), (125, 25)])
def test_play_step_lands_exactly_on_the_last_frame(last, frames):
    step = play_step(last)
    assert last % step == 0 and last // step == frames


# -- every control of the demos holds against values set from code ---------------------
def _digit_explorer():
    from test_log_likelihood_demo import fake_digits   # the made-up digits of the demo's own tests
    config = log_likelihood.DigitsConfig(sizes=(784, 8, 10), n_train=100, epochs=1, eta=0.5)
    runs = log_likelihood.train_digits(fake_digits(100, 1), fake_digits(20, 2), config)
    X, labels = fake_digits(20, 3)
    return log_likelihood.DigitOutputsExplorer(runs, X, labels)


def _curves_explorer():
    from test_mnist_study import TINY_PLAN, fake_study   # a study faked on tiny data
    from nnlib.notebook import mnist_study
    return mnist_study.CurvesExplorer(fake_study(TINY_PLAN, (40, 20, 20)))


DEMOS = {
    "curves": _curves_explorer,
    "softmax": lambda: SoftmaxDemo(with_c=True, with_jacobian=True),
    "neuron": lambda: NeuronExplorer(epochs=100),
    "loglik": log_likelihood.LogLikelihoodExplorer,
    "slowdown": lambda: log_likelihood.SlowdownExplorer(
        log_likelihood.run_slowdown(log_likelihood.SlowdownConfig(epochs=20))),
    "digits": _digit_explorer,
}


def controls(demo):
    """Every control of a demo a reader can reach from code: (name, widget) pairs."""
    for name, value in vars(demo).items():
        for i, item in enumerate(value if isinstance(value, list) else [value]):
            if isinstance(item, (ipywidgets.widgets.widget_int._Int,
                                 ipywidgets.widgets.widget_float._Float,
                                 ipywidgets.widgets.widget_selection._Selection)):
                yield (f"{name}[{i}]" if isinstance(value, list) else name), item


def shown(demo):
    """What the reader sees: the readout text, every figure's PNG, every chart's SVG, and
    everything a chart the browser draws itself holds (an anywidget's synced state)."""
    images = [w.value for w in vars(demo).values() if isinstance(w, ipywidgets.Image)]
    images += [f.image.value for f in vars(demo).values() if isinstance(f, LiveFigure)]
    images += [w.value for w in vars(demo).values() if isinstance(w, ipywidgets.HTML)]  # SVG
    images += [w.get_state() for w in vars(demo).values() if isinstance(w, anywidget.AnyWidget)]
    readout = getattr(demo, "readout", None)   # the neuron's is drawn by its chart
    return (readout.value if readout is not None else None), images


def test_every_demo_control_is_one_of_the_guarded_ones():
    for name, make in DEMOS.items():
        found = dict(controls(make()))
        assert found, name
        for label, control in found.items():
            assert type(control).__module__ == "nnlib.notebook.widgets", (name, label)


@pytest.mark.parametrize("demo_name", sorted(DEMOS))
@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf"), np.float32("nan")])
def test_nan_and_inf_set_from_code_are_refused_and_nothing_changes(demo_name, bad):
    demo = DEMOS[demo_name]()
    for label, control in controls(demo):
        for trait in ("value", "min", "max", "step"):
            if not control.has_trait(trait) or isinstance(
                    control, ipywidgets.widgets.widget_selection._Selection):
                continue
            before, seen = getattr(control, trait), shown(demo)
            with pytest.raises(TraitError) as caught:   # ControlValueError is one
                setattr(control, trait, bad)
            message = str(caught.value)
            # int traits refuse nan and inf themselves; every float one says who and what
            assert (f"{control.description}: {trait} = {float(bad)!r} refused" in message
                    or "expected an int" in message), message
            assert getattr(control, trait) == before, (demo_name, label, trait)
            assert shown(demo) == seen, (demo_name, label, trait)


def test_the_softmax_readout_never_shows_nan():
    demo = SoftmaxDemo()
    with pytest.raises(ControlValueError, match=r"z1: value = nan refused: a slider holds a "
                                                r"finite number.*it stays at 2\.5"):
        demo.sliders[0].value = float("nan")
    assert "nan" not in demo.readout.value and demo.z[0] == 2.5
    demo.sliders[0].value = 1e9                 # finite but outside: clamped, as ipywidgets
    assert demo.z[0] == 5.0 and "nan" not in demo.readout.value


@pytest.mark.parametrize("demo_name, label, trait, value, words", [
    ("neuron", "eta", "min", -1.0, r"range must stay inside \[0.005, 1.0\]"),
    ("neuron", "epochs", "max", 10**7, r"range must stay inside \[10, 500\]"),
    ("neuron", "epoch", "max", 10**6, r"range must stay inside \[0, 500\]"),
    ("neuron", "play", "max", 10**6, r"range must stay inside \[0, 500\]"),
    ("neuron", "w", "step", 0.0, "the step must be positive"),
    ("neuron", "w", "step", -0.1, "the step must be positive"),
    ("softmax", "c_slider", "max", 400.0, r"range must stay inside \[-1.0, 2.0\]"),
    ("softmax", "c_slider", "base", 1.0, "the base of a demo's slider is fixed"),
    ("loglik", "sliders[0]", "min", -1e9, r"range must stay inside \[-5.0, 5.0\]"),
    ("loglik", "true_class", "options", [("a9", 9)], "knows only its own options"),
    ("neuron", "cost", "options", ("hinge",), "knows only its own options"),
    ("slowdown", "epoch", "max", 10**6, r"range must stay inside \[0, 20\]"),
    ("digits", "index", "max", 10**6, r"range must stay inside \[0, 19\]"),
])
def test_ranges_steps_and_options_the_demo_cannot_use_are_refused(demo_name, label, trait,
                                                                    value, words):
    demo = DEMOS[demo_name]()
    control = dict(controls(demo))[label]
    before, seen = getattr(control, trait), shown(demo)
    with pytest.raises(ControlValueError, match=words):
        setattr(control, trait, value)
    assert getattr(control, trait) == before and shown(demo) == seen


def test_a_range_may_still_narrow_and_the_neuron_still_retrains_up_to_500_epochs():
    explorer = NeuronExplorer(epochs=100)
    explorer.w.max = 2.0
    explorer.w.value = 3.0                       # clamped to the narrower range
    assert explorer.w.value == 2.0
    explorer.epochs.value = 500                  # moves the epoch slider's and Play's max
    assert explorer.epoch.max == explorer.play.max == 500


def test_every_demo_is_a_demo_and_among_the_demos_tested_here():
    """One widget base: no class of nnlib.notebook that shows widgets but ``Demo`` makes
    its own notebook display (``_repr_mimebundle_``; an Animation, a picture, has its
    own), and every demo, a subclass of ``Demo``, is among DEMOS, so that its controls
    are held to the same rules."""
    import importlib
    import inspect
    import pkgutil

    import nnlib.notebook

    tested = {type(make()) for make in DEMOS.values()}
    demos, own_displays = set(), set()
    for info in pkgutil.iter_modules(nnlib.notebook.__path__):
        module = importlib.import_module(f"nnlib.notebook.{info.name}")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == module.__name__:
                if "_repr_mimebundle_" in vars(cls) and "widgets." in inspect.getsource(cls):
                    own_displays.add(cls.__qualname__)
                if issubclass(cls, Demo) and cls is not Demo:
                    demos.add(cls)
    assert own_displays == {"Demo"}
    assert demos == tested, f"not tested: {sorted(c.__name__ for c in demos - tested)}"


def _png(data) -> np.ndarray:
    """An image/png entry of an output (base64 text) as an (h, w, channels) array."""
    text = "".join(data) if isinstance(data, list) else data
    return mpimg.imread(io.BytesIO(base64.b64decode(text)), format="png")


@pytest.mark.parametrize("demo_name", sorted(DEMOS))
def test_every_demo_carries_a_picture_and_a_text_for_pages_without_widgets(demo_name):
    """Where widgets can't run (GitHub, nbviewer) the page shows image/png, or else
    text/plain; the picture is the demo's figures as they are when it is displayed."""
    demo = DEMOS[demo_name]()
    bundle = demo._repr_mimebundle_()
    assert bundle[WIDGET_MIME]["model_id"] == demo.widget.model_id
    assert bundle["text/plain"].endswith(" (run the notebook to use them)")
    assert not re.search(r"0x[0-9a-f]{6,}", bundle["text/plain"])  # no memory address
    picture = _png(bundle["image/png"])
    figures = [mpimg.imread(io.BytesIO(f.image.value), format="png") for f in demo.live_figures]
    assert picture.shape[0] == max(f.shape[0] for f in figures)       # side by side
    assert picture.shape[1] == sum(f.shape[1] for f in figures)
    np.testing.assert_array_equal(picture[:figures[0].shape[0], :figures[0].shape[1]],
                                  figures[0])


def test_every_widget_saved_in_the_notebooks_carries_a_picture():
    """Every widget output saved in a notebook holds an image/png beside the widget view,
    which GitHub and nbviewer show (they cannot run widgets). The one exception is 00's
    widget probe, whose text, where widgets don't render, is the point."""
    from nnlib.notebook.envcheck import PROBE_TEXT

    widgets_seen = 0
    for path in sorted(NOTEBOOK_DIR.glob("*.ipynb")):
        cells = json.loads(path.read_text())["cells"]
        for i, cell in enumerate(cells):
            for output in cell.get("outputs", []):
                data = output.get("data", {})
                if WIDGET_MIME not in data or "".join(data.get("text/plain", "")) == PROBE_TEXT:
                    continue
                widgets_seen += 1
                assert "image/png" in data, f"{path.name}, cell {i}: a widget without a picture"
                assert _png(data["image/png"]).size > 0
    assert widgets_seen >= 8  # the demos of 01-04
