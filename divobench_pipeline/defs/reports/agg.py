"""matplotlib's Agg canvas with the rendered text kept: a month of reports draws the same titles, group labels,
tick labels and legends hundreds of times, and Agg renders each text's glyphs anew at every draw (FreeType
outlines to a bitmap: about a tenth of drawing a chart). Here a text's bitmap is rendered once per process and
composited like Agg's own (the same pixels: tested against plain Agg)."""

from __future__ import annotations

import io
from functools import lru_cache
from math import cos, radians, sin

import matplotlib as mpl
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg, get_hinting_flag
from matplotlib.figure import Figure
from matplotlib.font_manager import fontManager, get_font
from PIL import Image


@lru_cache(maxsize=8192)
def _text_image(text: str, fonts: tuple, size: float, dpi: float, antialiased: bool, hinting,
                kerning: int) -> tuple[np.ndarray, float, float, float]:
    """(bitmap, x offset, y offset, descent) of ``text`` in the first of ``fonts`` with fallback to the rest, as
    ``RendererAgg.draw_text`` renders it (``kerning``: rcParams['text.kerning_factor'], read by FreeType)."""
    font = get_font(fonts)
    font.clear()
    font.set_size(size, dpi)
    font.set_text(text, 0, flags=hinting)
    font.draw_glyphs_to_bitmap(antialiased=antialiased)
    x, y = font.get_bitmap_offset()
    return np.array(font.get_image()), x / 64.0, y / 64.0, font.get_descent() / 64.0


class _Renderer(RendererAgg):
    def draw_text(self, gc, x, y, s, prop, angle, ismath=False, mtext=None):
        if ismath:
            return super().draw_text(gc, x, y, s, prop, angle, ismath, mtext)
        image, xo, yo, d = _text_image(s, tuple(fontManager._find_fonts_by_props(prop)), prop.get_size_in_points(),
                                       self.dpi, bool(gc.get_antialiased()), get_hinting_flag(),
                                       mpl.rcParams["text.kerning_factor"])
        x = round(x + xo + d * sin(radians(angle)))
        y = round(y + yo + d * cos(radians(angle)))
        self._renderer.draw_text_image(image, x, y + 1, angle, gc)


class Canvas(FigureCanvasAgg):
    """``FigureCanvasAgg`` drawing text through the process's cache of rendered texts."""

    def get_renderer(self):
        w, h = self.figure.bbox.size
        key = w, h, self.figure.dpi
        if self._lastKey != key:
            self.renderer = _Renderer(w, h, self.figure.dpi)
            self._lastKey = key
        return self.renderer


def canvas(fig: Figure) -> Figure:
    """``fig`` drawn (and saved as PNG) on a text-caching ``Canvas`` from now on."""
    Canvas(fig)
    return fig


def png(drawn: FigureCanvasAgg) -> bytes:
    """What ``drawn`` holds as an RGB PNG: the charts are opaque, and an alpha channel only costs encoding time
    (a quarter more bytes to filter and compress) and size."""
    size = drawn.get_width_height()
    return png_bytes(Image.frombuffer("RGBA", size, drawn.buffer_rgba(), "raw", "RGBA", 0, 1).convert("RGB"))


def png_bytes(image: Image.Image) -> bytes:
    """``image`` as PNG at zlib level 1, as every picture of the reports is written."""
    buffer = io.BytesIO()
    image.save(buffer, format="png", compress_level=1)
    return buffer.getvalue()
