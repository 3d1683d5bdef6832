"""The softmax slider demo (nnlib.notebook.softmax): the callback, the figures, the hooks.

The independent references are the book's values (softmax of (2.5, -1, 3.2, 0.5) is
(0.315, 0.009, 0.633, 0.043)) and Eq. (78) written out directly with numpy below.
"""
import gc
import xml.etree.ElementTree as ET

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure

from nnlib.activations import softmax
from nnlib.notebook import softmax as softmax_module
from nnlib.notebook.softmax import (
    START_Z,
    SoftmaxDemo,
    plot_sigmoid_vs_softmax,
    plot_softmax_bars,
    plot_softmax_jacobian,
    plot_softmax_vs_c,
    readout_text,
    significant,
)

TOL = 1e-12
#: The chart's coordinates are written to 0.1 px and the axis from 0 to 1.1 is 190 px
#: tall, so a bar's height, read back, is within 0.1 px = 0.00058 of its value.
BAR_TOL = 0.1 * 1.1 / 190 + 1e-9
SVG = "{http://www.w3.org/2000/svg}"
BOOK_READOUT = "a = (0.315, 0.009, 0.633, 0.043)   sum = 1.000"


def eq78(z, c=1.0):
    """Eq. (78)/(83) written out, for small z only (no overflow guard)."""
    e = np.exp(c * np.asarray(z, dtype=float))
    return e / e.sum()


def svg_elements(svg: str, tag: str, css_class: str):
    """The elements ``tag`` of class ``css_class`` in an SVG document, in order."""
    return [e for e in ET.fromstring(svg).iter(SVG + tag) if e.get("class") == css_class]


def heights(demo):
    """The bar chart's bar heights, read back from its SVG in data units."""
    return np.array([float(r.get("height")) for r in
                     svg_elements(demo.bars_chart.svg, "rect", "nnlib-bar")]) * 1.1 / 190


def label_texts(demo):
    """The values the bar chart prints over its bars."""
    return [t.text for t in svg_elements(demo.bars_chart.svg, "text", "nnlib-bar-value")]


def jacobian_texts(demo):
    """The entries the Jacobian heat map prints, row by row."""
    return [t.text for t in svg_elements(demo.jacobian_chart.value, "text", "nnlib-jacobian-value")]


@pytest.fixture
def demo():
    return SoftmaxDemo()


@pytest.fixture(autouse=True)
def close_pyplot():
    yield
    plt.close("all")


# --- the starting point -------------------------------------------------------------

def test_starts_at_the_books_values(demo):
    assert demo.readout.value == BOOK_READOUT
    assert label_texts(demo) == ["0.315", "0.009", "0.633", "0.043"]
    np.testing.assert_allclose(heights(demo), eq78(START_Z), atol=BAR_TOL)
    assert demo.bars_chart.svg.startswith("<svg")
    assert demo.picture().startswith(b"\x89PNG")


def test_readout_text_format():
    assert readout_text([0.25, 0.25, 0.5]) == "a = (0.250, 0.250, 0.500)   sum = 1.000"
    # plain ASCII, also for negative numbers (the browser tests parse it)
    assert readout_text([-0.5, 1.5]).isascii()


# --- the callback ---------------------------------------------------------------------

def test_slider_move_updates_bars_labels_readout_and_chart(demo):
    before, picture = demo.bars_chart.svg, demo.picture()
    demo.z_sliders[0].value = 5.0
    z = np.array([5.0, -1.0, 3.2, 0.5])
    expected = eq78(z)
    np.testing.assert_allclose(heights(demo), expected, atol=BAR_TOL)
    assert label_texts(demo) == [f"{x:.3f}" for x in expected]
    assert demo.readout.value == f"a = ({', '.join(f'{x:.3f}' for x in expected)})   sum = 1.000"
    assert demo.bars_chart.svg != before
    assert "z = (5.0, -1.0, 3.2, 0.5)" in demo.bars_chart.svg  # the title
    assert demo.picture() != picture  # the matplotlib picture follows too, when asked


def test_raising_one_z_raises_its_a_and_lowers_every_other(demo):
    before = heights(demo)
    demo.z_sliders[1].value = 0.0  # z2 from -1 up to 0
    after = heights(demo)
    assert after[1] > before[1]
    assert np.all(after[[0, 2, 3]] < before[[0, 2, 3]])


@pytest.mark.parametrize("z", [(-5, -5, -5, -5), (5, -5, 0.1, -0.1), (-4.9, 3.3, 5, 5)])
def test_bars_are_positive_and_sum_to_one(demo, z):
    for slider, value in zip(demo.z_sliders, z):
        slider.value = value
    a = demo.show()
    assert np.all(a > 0)
    assert abs(a.sum() - 1) < TOL
    assert demo.readout.value.endswith("sum = 1.000")
    np.testing.assert_allclose(a, eq78(z), atol=TOL)
    np.testing.assert_allclose(heights(demo), eq78(z), atol=BAR_TOL)


def test_reset_button_restores_the_start_and_redraws_once(demo, monkeypatch):
    demo.z_sliders[2].value = -3.0
    demo.z_sliders[3].value = 4.0
    redraws = []
    bars_svg = softmax_module.bars_svg
    monkeypatch.setattr(softmax_module, "bars_svg",
                        lambda *args: (redraws.append(1), bars_svg(*args))[1])
    demo.reset_button.click()
    assert [s.value for s in demo.z_sliders] == list(START_Z)
    assert demo.readout.value == BOOK_READOUT
    assert len(redraws) == 1


def test_c_slider_sharpens_and_flattens():
    demo = SoftmaxDemo(with_c=True)
    assert demo.c_slider.description == "c"
    assert (demo.c_slider.min, demo.c_slider.max) == (-1.0, 2.0)  # 0.1 to 100, log scale
    demo.c_slider.value = 100.0  # towards the one-hot of the largest z (z3 = 3.2)
    np.testing.assert_allclose(heights(demo), [0, 0, 1, 0], atol=BAR_TOL)
    assert demo.readout.value == "a = (0.000, 0.000, 1.000, 0.000)   sum = 1.000"
    demo.c_slider.value = 0.1  # towards uniform
    np.testing.assert_allclose(heights(demo), eq78(START_Z, 0.1), atol=BAR_TOL)
    assert np.ptp(heights(demo)) < 0.15
    demo.reset()
    assert demo.c == 1.0 and demo.readout.value == BOOK_READOUT


def test_jacobian_follows_the_sliders():
    demo = SoftmaxDemo(with_jacobian=True)
    demo.z_sliders[0].value = -2.0
    a = eq78([-2.0, -1.0, 3.2, 0.5])
    expected = np.diag(a) - np.outer(a, a)
    assert jacobian_texts(demo) == [significant(v) for v in expected.ravel()]
    jac = np.array([float(t) for t in jacobian_texts(demo)]).reshape(4, 4)
    assert np.all(np.diag(jac) > 0)
    assert np.all(jac[~np.eye(4, dtype=bool)] < 0)
    assert jacobian_texts(demo)[0] == f"{a[0] * (1 - a[0]):+#.2g}"
    demo.picture()  # the matplotlib heat map, drawn for the picture, shows the same
    np.testing.assert_allclose(demo.jacobian.image.get_array(), expected, atol=TOL)


def test_jacobian_with_c_has_the_chain_rule_factor():
    demo = SoftmaxDemo(with_c=True, with_jacobian=True)
    demo.c_slider.value = 2.0
    a = eq78(START_Z, 2.0)
    expected = 2.0 * (np.diag(a) - np.outer(a, a))
    assert jacobian_texts(demo) == [significant(v) for v in expected.ravel()]


def test_no_figure_leaks_after_500_updates(demo):
    gc.collect()
    figures_before = sum(isinstance(o, Figure) for o in gc.get_objects())
    pyplot_before = plt.get_fignums()
    slider = demo.z_sliders[0]
    for value in np.resize(np.round(np.arange(-5.0, 5.0, 0.1), 1), 500):
        slider.value = float(value)
    gc.collect()
    assert plt.get_fignums() == pyplot_before
    assert sum(isinstance(o, Figure) for o in gc.get_objects()) == figures_before
    # nothing stacked up in the chart either: still four bars and four labels
    assert len(heights(demo)) == 4 and len(label_texts(demo)) == 4


def test_a_slider_move_draws_no_matplotlib_figure(monkeypatch):
    demo = SoftmaxDemo(with_jacobian=True)
    draws = []
    for live in demo.live_figures:
        draw = live.figure.draw
        monkeypatch.setattr(live.figure, "draw", lambda r, draw=draw: (draws.append(1), draw(r)))
    demo.z_sliders[0].value = 1.0
    assert draws == []  # the browser draws the SVG charts
    demo.picture()
    assert len(draws) >= 2  # the picture for static pages: bars and Jacobian


# --- the hooks the browser tests use ------------------------------------------------

def test_dom_hooks():
    demo = SoftmaxDemo(with_c=True)
    assert [s.description for s in demo.sliders] == ["z1", "z2", "z3", "z4", "c"]
    for s in demo.z_sliders:
        assert (s.min, s.max, s.step) == (-5.0, 5.0, 0.1)
    assert "nnlib-softmax-bars" in demo.bars_chart._dom_classes
    assert "nnlib-softmax-readout" in demo.readout._dom_classes
    bundle = demo._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle and "image/png" in bundle
    assert "0x" not in bundle["text/plain"]


# --- static figures -----------------------------------------------------------------

def test_static_bars_match_the_widget(demo):
    ax = plot_softmax_bars(START_Z).axes[0]
    assert [t.get_text() for t in ax.texts] == label_texts(demo)
    np.testing.assert_allclose([p.get_height() for p in ax.patches], heights(demo), atol=BAR_TOL)
    assert ax.get_ylim() == (0.0, 1.1)


def test_sigmoid_vs_softmax_legend_gives_the_sums():
    ax = plot_sigmoid_vs_softmax(START_Z).axes[0]
    sig = 1 / (1 + np.exp(-np.array(START_Z)))
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == [f"sigmoid: sum = {sig.sum():.3f}", "softmax: sum = 1.000"]
    assert sig.sum() != pytest.approx(1.0)


def test_softmax_vs_c_limits():
    ax = plot_softmax_vs_c(START_Z, c_values=[0.001, 1.0, 1000.0]).axes[0]
    curves = np.array([line.get_ydata() for line in ax.get_lines()[:4]])  # (n, len(c))
    np.testing.assert_allclose(curves[:, 0], 0.25, atol=1e-3)  # c -> 0: uniform
    np.testing.assert_allclose(curves[:, 1], eq78(START_Z), atol=TOL)
    np.testing.assert_allclose(curves[:, 2], [0, 0, 1, 0], atol=TOL)  # c -> inf: one-hot
    assert ax.get_xscale() == "log"


def test_jacobian_static_figure():
    ax = plot_softmax_jacobian((0.0, 0.0)).axes[0]
    np.testing.assert_allclose(ax.images[0].get_array(), [[0.25, -0.25], [-0.25, 0.25]])


def test_jacobian_labels_show_two_significant_figures_and_no_false_zero():
    """Notebook 02 says no entry of the Jacobian is zero: at the book's z no label may
    read as 0 ("-0.000" did), and each label is its entry to two significant figures."""
    ax = plot_softmax_jacobian(START_Z).axes[0]
    jac = np.asarray(ax.images[0].get_array())
    texts = [t.get_text() for t in ax.texts]
    assert len(texts) == jac.size
    np.testing.assert_allclose([float(t) for t in texts], jac.ravel(), rtol=0.05, atol=0)
    assert all(float(t) != 0 for t in texts)
    a = eq78(START_Z)
    assert f"{-a[1] * a[3]:.3f}" == "-0.000"              # da_2/dz_4 at three decimals,
    assert ax.texts[1 * 4 + 3].get_text() == "-0.00040"   # and as the heat map prints it
    assert significant(0.0) == significant(-0.0) == "0"   # an exact zero, and only that
    assert significant(-3.14e-7) == "-3.1e-07" and significant(0.2315) == "+0.23"
    assert significant(-0.1992) == "-0.20"                  # the trailing 0 is significant


# --- bad input ----------------------------------------------------------------------

@pytest.mark.parametrize("z, error, words", [
    ("abc", TypeError, "sequence of numbers"),
    ({"z": 1}, TypeError, "sequence of numbers"),
    ([[1.0, 2.0]], ValueError, "1-D"),
    ([1.0], ValueError, "at least 2"),
    ([1.0, np.nan], ValueError, "finite"),
])
def test_bad_z_is_refused_with_the_fix(z, error, words):
    with pytest.raises(error, match=words):
        plot_softmax_bars(z)


def test_start_outside_the_sliders_is_refused():
    with pytest.raises(ValueError, match=r"-5.0 to 5.0.*positions \[1\]"):
        SoftmaxDemo(z=(0.0, 7.0, 0.0))


def test_bad_c_values_are_refused():
    with pytest.raises(ValueError, match="positive constants"):
        plot_softmax_vs_c(START_Z, c_values=[0.0, 1.0])


# --- what the browser shows before the kernel answers ---------------------------------

@pytest.mark.parametrize("with_c", [False, True])
def test_lookup_tables_hold_what_the_kernel_draws_after_the_move(with_c):
    """For each slider and a few of its values, the row the browser would show at once
    (title, then the printed values) is what the kernel's chart shows once that slider
    is there: nnlib's softmax, three decimals."""
    demo = SoftmaxDemo(with_c=with_c)
    start = [s.value for s in demo.sliders]
    tables = demo.bars_chart.tables
    assert demo.bars_chart.base == start and len(tables) == len(demo.sliders)
    for j, (slider, table) in enumerate(zip(demo.sliders, tables)):
        exponents = table["log"]
        for k in (0, 7, len(table["rows"]) - 1):
            x = table["min"] + k * table["step"]
            slider.value = 10 ** x if exponents else x
            row = tables[j]["rows"][k]
            title = ET.fromstring(demo.bars_chart.svg).find(f".//{SVG}text[@class='nnlib-chart-title']")
            assert row == [title.text, *label_texts(demo)], (slider.description, k)
            assert np.allclose([float(v) for v in row[1:]], softmax(demo.z, demo.c), atol=5e-4)
        demo.reset()

