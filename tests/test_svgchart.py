"""nnlib.notebook.svgchart: the SVG the browser draws for the demos' live charts."""
import xml.etree.ElementTree as ET

import numpy as np

from nnlib.notebook.svgchart import Panel, chart_widget, document, text, ticks

SVG = "{http://www.w3.org/2000/svg}"


def test_panel_maps_data_to_pixels_with_y_upwards():
    panel = Panel(10, 20, 200, 100, (0, 4), (0, 2))
    assert panel.x(0) == 10 and panel.x(4) == 210 and panel.x(1) == 60
    assert panel.y(0) == 120 and panel.y(2) == 20   # y = 0 at the bottom


def test_a_document_is_well_formed_and_escapes_its_text():
    panel = Panel(40, 20, 100, 80, (0, 1), (0, 1))
    parts = panel.frame(xticks=[0, 1], yticks=[0, 0.5, 1], xlabel="a < b & c", title="t")
    parts.append(text(0, 0, "<script>", css_class="x"))
    root = ET.fromstring(document(200, 150, parts, 'say "hi"'))   # raises if malformed
    texts = [t.text for t in root.iter(SVG + "text")]
    assert "a < b & c" in texts and "<script>" in texts
    assert not list(root.iter(SVG + "script"))
    assert root.get("aria-label") == 'say "hi"'


def test_ticks_stay_inside_the_range():
    np.testing.assert_allclose(ticks(0, 1), [0.0, 0.2, 0.4, 0.6, 0.8, 1.0])
    values = ticks(-6, 306)
    assert values.min() >= -6 and values.max() <= 306 and 0 in values


def test_chart_widget_carries_its_css_class():
    assert "nnlib-x" in chart_widget("nnlib-x")._dom_classes
