"""LiveFigure: redrawn in place, no pyplot figures leaked, layout fixed after the first draw."""
import matplotlib.pyplot as plt
import numpy as np
import pytest

from nnlib.widgets import LiveFigure, play_step


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
