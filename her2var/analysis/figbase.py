"""What every figure shares: the palette, safe labels, the type and sizes of a FigureStyle, and
writing one figure in every format asked (PNG, SVG, PDF, TIFF) with its title and caption in the
file's own metadata.

matplotlib is used through its object API (``Figure`` + the Agg canvas), imported inside the
functions, so no global backend or pyplot state is touched. Colours are the Okabe–Ito palette
(safe for colour-blind readers). Every text that comes from the data or the plan passes through
:func:`label` so that a "$" is printed, not read as mathtext.
"""

from __future__ import annotations

import contextlib
import os
import struct
import textwrap
import zlib
from typing import IO, TYPE_CHECKING, Any, cast

from .figstyle import FigureStyle
from .fontsubset import subset_cache

if TYPE_CHECKING:  # matplotlib itself is imported where a figure is drawn
    from matplotlib.figure import Figure
    from matplotlib.typing import LineStyleType

# Okabe & Ito (2008), in an order that keeps the first colours far apart; yellow last (weak on white).
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442")
LINESTYLES: tuple[LineStyleType, ...] = ("-", "--", "-.", ":", (0, (5, 1)), (0, (3, 1, 1, 1, 1, 1)), (0, (1, 1)),
                                         (0, (8, 2)))
POINTS_PER_INCH = 72.0
# zlib level of the PNGs' pixel data (see _write_png).
PNG_LEVEL = 3


def label(text: Any) -> str:
    """User text safe for matplotlib: '$' would start mathtext (an escaped '\\$' prints '$')."""
    return str(text).replace("$", r"\$")


def short(text: Any, width: int = 22) -> str:
    """A label for a narrow place (the number-at-risk rows), cut with an ellipsis."""
    text = str(text)
    return label(text if len(text) <= width else text[:width - 1] + "\u2026")


def wrapped(text: Any, width: int = 32) -> str:
    """Text wrapped at ``width`` characters (line breaks already in it are kept)."""
    lines = [w for para in str(text).split("\n")
             for w in (textwrap.wrap(para, width, break_long_words=True, break_on_hyphens=False) or [""])]
    return label("\n".join(lines))


def chars_across(style: FigureStyle, fraction: float = 1.0, size: float | None = None) -> int:
    """About how many characters of ``size`` points fit across ``fraction`` of the figure width."""
    pts = style.width_in * POINTS_PER_INCH * fraction
    return max(12, int(pts / (0.58 * (size or style.font_size))))


def fmt_p(p: float | None, *, prefix: bool = True) -> str:
    if p is None:
        return "not tested"
    if prefix:
        return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def line_height(style: FigureStyle, lines: float = 1.0) -> float:
    """Inches taken by ``lines`` lines of text at the style's size."""
    return lines * style.font_size * 1.35 / POINTS_PER_INCH


def new_figure(style: FigureStyle, height_in: float) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(style.width_in, height_in), dpi=style.dpi)
    FigureCanvasAgg(fig)
    fig.set_layout_engine("constrained", w_pad=2 / POINTS_PER_INCH, h_pad=2 / POINTS_PER_INCH)
    return fig


def rc(style: FigureStyle):
    """The style's type and line weights as a matplotlib rc context (drawing and saving happen
    inside it: tick labels take their size when drawn)."""
    import matplotlib

    fs = style.font_size
    small = max(fs - 1.0, 5.0)
    k = fs / 7.0
    family = [style.font] if style.font not in ("sans-serif", "serif", "monospace") else style.font
    return matplotlib.rc_context({
        "font.family": family, "font.size": fs, "axes.titlesize": fs + 1, "axes.labelsize": fs,
        "legend.fontsize": small, "legend.title_fontsize": small, "xtick.labelsize": small,
        "ytick.labelsize": small, "figure.titlesize": fs + 1, "axes.linewidth": 0.6 * k,
        "xtick.major.width": 0.6 * k, "ytick.major.width": 0.6 * k, "xtick.major.size": 2.5 * k,
        "ytick.major.size": 2.5 * k, "lines.linewidth": 1.1 * k, "svg.hashsalt": "her2var",
        "svg.fonttype": "none", "pdf.fonttype": 42, "axes.spines.top": False, "axes.spines.right": False,
        "axes.titlelocation": "left", "legend.frameon": False,
        # A figure without a layout engine stays without one (see save), whatever matplotlibrc says.
        "figure.autolayout": False, "figure.constrained_layout.use": False})


def set_title(fig: Figure, text: str, style: FigureStyle) -> None:
    """The figure's title, at the top left, wrapped to the figure's width."""
    text = text.replace(" = ", "\u00a0=\u00a0")  # never "(N" / "= 89)" on two lines
    fig.suptitle(wrapped(text, chars_across(style, 0.98, style.font_size + 1)), x=0.01, ha="left",
                 fontsize=style.font_size + 1)


def save(fig: Figure, folder: str, stem: str, style: FigureStyle, meta: dict[str, str] | None = None) -> dict[str, str]:
    """Write ``stem.<format>`` for the PNG (always: the report shows it) and every other format of
    the style; ``meta``'s title and description go into each file's own metadata (PNG text chunks,
    SVG Dublin Core, PDF info, TIFF ImageDescription). Returns {format: file name}. Dates and
    software versions are left out so that a rerun writes the same bytes."""
    meta = meta or {}
    title, desc = meta.get("title", ""), meta.get("description", "")
    out: dict[str, str] = {}
    # Lay the figure out once, on the Agg canvas it was made with (the PNG's, which is written
    # first), and keep that layout for every file: with no layout engine left, savefig draws each
    # file once instead of twice (a layout pass, then the drawing). The files are the same bytes.
    engine = fig.get_layout_engine()
    if engine is not None:
        if fig.axes:
            engine.execute(fig)
        fig.set_layout_engine(None)
    for ext in style.files():
        name = f"{stem}.{ext}"
        path = os.path.join(folder, name)
        if ext == "tiff":
            _tiff_from_png(os.path.join(folder, out["png"]), path, style.dpi, desc or title)
        elif ext == "png":
            _write_png(fig, path, style.dpi, {"Title": title, "Description": desc})
        else:
            md: dict[str, Any] = {
                "svg": {"Date": None, "Creator": None, "Title": title, "Description": desc},
                "pdf": {"CreationDate": None, "Creator": None, "Producer": None, "Title": title, "Subject": desc},
            }[ext]
            # the PDF's font subsets: made once per glyph set in this process (same bytes)
            with subset_cache() if ext == "pdf" else contextlib.nullcontext():
                fig.savefig(path, format=ext, dpi=style.dpi, metadata=md)
        out[ext] = name
    return out


class _Pixels:
    """The file savefig writes the raw RGBA canvas into: it keeps the pixels instead."""

    def __init__(self) -> None:
        self.rgba: Any = None

    def seek(self, *args: Any) -> int:  # matplotlib takes an object with seek for a file
        return 0

    def write(self, data: Any) -> int:
        self.rgba = data
        return len(memoryview(data).cast("B"))


def _write_png(fig: Figure, path: str, dpi: int, text: dict[str, str]) -> None:
    """The figure as an RGBA PNG: the pixels savefig's own PNG has (the Agg canvas at ``dpi``), its
    ``text`` (tEXt, or iTXt for text outside Latin-1) and resolution chunks, in the same order.

    Written here rather than by matplotlib's Pillow writer because of the rows' filter: Pillow
    tries all five PNG filters on every row and keeps the best guess, which costs more than the
    compression itself; for plots (large flat areas, thin lines) rows left unfiltered compress as
    well or better. Filter "none" with zlib level 3 writes a 10,000-patient analysis' 22 PNGs in
    about a third of the CPU time, 6% larger; PNG is lossless, so the pixels are the same."""
    import numpy as np
    from PIL.PngImagePlugin import PngInfo

    sink = _Pixels()
    fig.savefig(cast(IO[bytes], sink), format="rgba", dpi=dpi)
    rgba = np.asarray(sink.rgba)
    if rgba.dtype != np.uint8 or rgba.ndim != 3 or rgba.shape[2] != 4:  # not the Agg buffer expected
        fig.savefig(path, format="png", dpi=dpi, metadata={"Software": None, **text})
        return
    height, width = rgba.shape[:2]
    rows = np.empty((height, 1 + 4 * width), dtype=np.uint8)
    rows[:, 0] = 0  # each row's filter type: none
    rows[:, 1:] = rgba.reshape(height, 4 * width)
    data = zlib.compress(rows.data, PNG_LEVEL)
    info = PngInfo()  # Pillow's choice of tEXt or iTXt, as matplotlib's PNG has it
    for key, value in text.items():
        info.add_text(key, value)
    per_metre = int(dpi / 0.0254 + 0.5)
    with open(path, "wb") as fh:
        fh.write(b"\x89PNG\r\n\x1a\n")
        _chunk(fh, b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0))  # 8-bit RGBA
        for cid, payload, *_ in info.chunks:
            _chunk(fh, cid, payload)
        _chunk(fh, b"pHYs", struct.pack(">IIB", per_metre, per_metre, 1))
        for start in range(0, len(data), 65536):
            _chunk(fh, b"IDAT", data[start:start + 65536])
        _chunk(fh, b"IEND", b"")


def _chunk(fh: IO[bytes], cid: bytes, payload: bytes) -> None:
    fh.write(struct.pack(">I", len(payload)) + cid + payload + struct.pack(">I", zlib.crc32(payload, zlib.crc32(cid))))


def _tiff_from_png(png: str, tiff: str, dpi: int, description: str) -> None:
    """TIFF as journals take it: RGB (no alpha channel), LZW-compressed, the resolution recorded."""
    from PIL import Image

    with Image.open(png) as im:
        im.convert("RGB").save(tiff, format="TIFF", compression="tiff_lzw", dpi=(dpi, dpi),
                               description=description)
