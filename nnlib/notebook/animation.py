"""Animations that play on a static page: matplotlib frames saved as one animated PNG.

``record(figure, draw_frame, frames)`` calls ``draw_frame(i)`` for each frame, renders the
figure with Agg, and packs the pictures into an animated PNG (APNG). The notebook shows
the result as an ordinary ``image/png`` output, so:

* it plays wherever the notebook is seen as a web page: JupyterLab, Notebook 7, VS Code,
  nbviewer and GitHub put image/png outputs into an ``<img>``, and every current browser
  plays an APNG there (a viewer that cannot shows its first frame);
* it needs no JavaScript, which static pages do not run (``to_jshtml`` needs it), and no
  codec (a video would);
* nbval, which does not compare image/png, never sees it (a GIF would be saved as
  image/gif or as HTML, both compared byte for byte).

Pillow (a dependency of matplotlib) writes the file, storing each frame as the
rectangle where it differs from the one before, so a curve growing across a still figure
costs little.
"""
from __future__ import annotations

import base64
import io
from dataclasses import dataclass

import numpy as np
from matplotlib.figure import Figure
from PIL import Image

from .. import checks


@dataclass(frozen=True)
class Animation:
    """An animated PNG and a one-line description; a notebook cell displays it."""

    png: bytes        # the APNG file
    frames: int       # number of frames
    description: str  # what it shows (the text stand-in where images are not shown)

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"image/png": base64.b64encode(self.png).decode("ascii"),
                "text/plain": f"<animation: {self.description}, {self.frames} frames>"}


def record(figure: Figure, draw_frame, frames: int, *, artists=(), interval_ms: int = 100,
           hold_ms: int = 2000, colours: int = 64, description: str = "") -> Animation:
    """Render ``figure`` after each ``draw_frame(i)``, i = 0 .. frames - 1, as an APNG.

    ``draw_frame`` changes the figure's artists for frame i. When ``artists`` lists every
    artist it changes, the rest of the figure (axes, ticks, labels: the slow part of a
    draw, constrained layout included) is rendered once and each frame draws only those
    artists over it; otherwise each frame is a full draw. Each frame shows for
    ``interval_ms``, the last for ``hold_ms`` before the animation starts again. The
    frames share one palette of ``colours`` colours (taken from the last frame, without
    dithering), which makes the file several times smaller than full colour.
    ``figure`` must have an Agg canvas (``Figure()`` plus ``FigureCanvasAgg(figure)``).
    """
    frames = checks.integer("frames", frames, minimum=1)
    for name, value in (("interval_ms", interval_ms), ("hold_ms", hold_ms)):
        checks.integer(name, value, minimum=1, detail=" (milliseconds)")
    checks.integer("colours", colours, 2, 256)
    canvas = figure.canvas
    for artist in artists:
        artist.set_animated(True)      # left out of canvas.draw(), drawn by hand below
    if artists:
        canvas.draw()
        background = canvas.copy_from_bbox(figure.bbox)
    pictures = []
    for i in range(frames):
        draw_frame(i)
        if artists:
            canvas.restore_region(background)
            for artist in artists:
                figure.draw_artist(artist)
        else:
            canvas.draw()
        pictures.append(Image.fromarray(np.asarray(canvas.buffer_rgba())).convert("RGB"))
    palette = pictures[-1].quantize(colours, dither=Image.Dither.NONE)
    pictures = [p.quantize(palette=palette, dither=Image.Dither.NONE) for p in pictures]
    buf = io.BytesIO()
    pictures[0].save(buf, format="PNG", save_all=True, append_images=pictures[1:],
                     duration=[interval_ms] * (frames - 1) + [hold_ms], loop=0)
    return Animation(buf.getvalue(), frames, description)
