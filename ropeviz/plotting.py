"""The book's figure style and its static figures.

Every drawing function takes a matplotlib ``Axes`` and returns the artists it made, so a
notebook composes figures freely and tests can inspect what was drawn. Colours come from the
Okabe–Ito palette, which stays distinguishable under the common colour-vision deficiencies;
colour maps are ``viridis`` (sequential) and ``RdBu_r`` (diverging, centred on zero).

Sizes are chosen for where the figures are read. In the HTML book the text column is
:data:`COLUMN_WIDTH_PX` CSS pixels wide at a desktop width (measured in Chromium at 1280 px); a
figure of ``w`` inches is shown ``w * DISPLAY_DPI`` CSS pixels wide, never wider than the column,
and its PNG holds :data:`HIDPI` image pixels per CSS pixel so that it stays sharp on HiDPI screens.
:func:`use_book_style` sets that up (the Jupyter inline backend stores "retina" PNGs: drawn at
twice the figure's dpi, with the display size in the output's metadata, which the book uses), and
sets font sizes so that the smallest text, :data:`MIN_FONT_PT`, is at least
:data:`MIN_TEXT_CSS_PX` CSS pixels tall at the column width. :func:`figure` makes a figure of the
right size for one or several panels, :func:`legend_outside` puts a legend next to (not on) the
data, :func:`include_zero` keeps a bar or ratio axis honest, and :func:`text_size_css_px` is the
check ``tests/test_figures.py`` applies to every figure stored in the notebooks.

Typical use in a notebook::

    import ropeviz.plotting as rvp
    rvp.use_book_style()
    fig, (left, right) = rvp.figure(ncols=2)
    ...
    rvp.legend_outside(fig)          # one legend for both panels, below them
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import matplotlib as mpl
import numpy as np
from matplotlib.axes import Axes
from matplotlib.image import AxesImage

from ._checks import check_positive_int, check_positive_number

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from matplotlib.legend import Legend

__all__ = [
    "OKABE_ITO",
    "SEQUENTIAL_CMAP",
    "DIVERGING_CMAP",
    "COLUMN_WIDTH_PX",
    "DISPLAY_DPI",
    "HIDPI",
    "COLUMN_WIDTH_IN",
    "SINGLE_WIDTH_IN",
    "MIN_FONT_PT",
    "MIN_TEXT_CSS_PX",
    "BOOK_STYLE",
    "use_book_style",
    "figure",
    "figure_png",
    "reduce_png",
    "legend_outside",
    "include_zero",
    "text_size_css_px",
    "heatmap",
]

OKABE_ITO: dict[str, str] = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "green": "#009E73",
    "vermillion": "#D55E00",
    "sky": "#56B4E9",
    "purple": "#CC79A7",
    "yellow": "#F0E442",
    "black": "#000000",
}
"""Okabe & Ito's colour-blind safe palette, in the order the book cycles through it."""

SEQUENTIAL_CMAP = "viridis"
DIVERGING_CMAP = "RdBu_r"

COLUMN_WIDTH_PX = 672
"""CSS pixels an image may take in the book's text column at 1280 px (Chromium: the article is
688 px wide inside its padding, a figure's image 672 px); narrower windows scale figures down."""
DISPLAY_DPI = 100
"""CSS pixels per inch of figure size: a figure ``w`` inches wide is shown ``w * 100`` px wide."""
HIDPI = 2
"""Image pixels stored per CSS pixel shown (the inline backend's "retina" format)."""
COLUMN_WIDTH_IN = 6.7
"""The widest figure, in inches: 670 CSS px, the column's width (for two or more panels)."""
SINGLE_WIDTH_IN = 5.6
"""The default width of a one-panel figure, in inches (560 CSS px; on a 390 px phone it is
scaled by 0.64 rather than 0.53, which keeps its text larger)."""
MIN_TEXT_CSS_PX = 9.0
"""The smallest text a figure may show at the column width, in CSS pixels."""

BOOK_STYLE: dict[str, Any] = {
    "figure.figsize": (SINGLE_WIDTH_IN, 3.4),
    "figure.dpi": DISPLAY_DPI,
    "savefig.dpi": DISPLAY_DPI * HIDPI,
    "figure.constrained_layout.use": True,
    # The inline backend crops to the drawn content plus this pad; constrained layout already
    # leaves a margin, so a figure is shown at (almost exactly) its size, never wider.
    "savefig.pad_inches": 0.02,
    "font.size": 11,
    "axes.titlesize": 11,
    "axes.labelsize": 11,
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "legend.fontsize": 10,
    "legend.title_fontsize": 10,
    "figure.titlesize": 12,
    "lines.linewidth": 1.8,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.prop_cycle": mpl.cycler(color=list(OKABE_ITO.values())),
    "image.cmap": SEQUENTIAL_CMAP,
    "legend.frameon": False,
    "svg.hashsalt": "ropeviz",
}
"""The matplotlib settings :func:`use_book_style` applies (``rcParams`` keys)."""

MIN_FONT_PT: float = min(
    BOOK_STYLE[key] for key in ("font.size", "axes.titlesize", "axes.labelsize", "xtick.labelsize",
                                "ytick.labelsize", "legend.fontsize", "legend.title_fontsize")
)
"""The smallest font size of the style, in points (tick labels and legends)."""


def use_book_style(*, inline_hidpi: bool = True) -> None:
    """Set matplotlib defaults for the book (:data:`BOOK_STYLE`).

    Args:
        inline_hidpi: in a Jupyter kernel, also make the inline backend store "retina" PNGs:
            drawn at twice the figure's dpi, with the display size (``figure inches * 100``) in
            the output's metadata. Jupyter, Colab and the book then show the figure at that
            size, sharp on HiDPI screens. Outside a kernel this does nothing.
    """
    mpl.rcParams.update(BOOK_STYLE)
    if inline_hidpi:
        _inline_retina()


def _inline_retina() -> None:
    try:
        from IPython import get_ipython
    except ImportError:  # no IPython: plain scripts save with savefig.dpi
        return
    shell = get_ipython()
    if shell is None or not hasattr(shell, "kernel"):
        return
    import base64

    # Importing pyplot switches the inline backend on (which resets the PNG formatter), so it
    # comes first; then the formatter is the book's.
    import matplotlib.pyplot  # noqa: F401
    from matplotlib.figure import Figure
    from matplotlib_inline.backend_inline import set_matplotlib_formats
    from matplotlib_inline.config import InlineBackend

    set_matplotlib_formats("retina")
    kwargs = dict(InlineBackend.instance().print_figure_kwargs)

    def formatter(fig: Figure) -> tuple[str, dict[str, int]] | None:
        stored = figure_png(fig, **kwargs)
        if stored is None:
            return None
        png, metadata = stored
        return base64.b64encode(png).decode("ascii"), metadata

    shell.display_formatter.formatters["image/png"].for_type(Figure, formatter)


def figure_png(fig: Figure, **print_kwargs: Any) -> tuple[bytes, dict[str, int]] | None:
    """The PNG the book stores for ``fig``, and the size to show it at (CSS px).

    Drawn at :data:`HIDPI` times the figure's dpi (IPython's "retina" PNG, with
    ``bbox_inches="tight"`` unless ``print_kwargs`` say otherwise), then reduced to an adaptive
    palette of 256 colours without dithering: plots and colour-mapped images (a colour map has 256
    entries) look the same and take a half to a third of the bytes. The PNG keeps its dpi
    (``pHYs``), which ``tests/test_figures.py`` reads.

    Returns:
        ``(png, {"width": w, "height": h})``, or ``None`` for a figure with nothing drawn.
    """
    import io

    from IPython.core.pylabtools import print_figure
    from PIL import Image

    print_kwargs.setdefault("bbox_inches", "tight")
    png = print_figure(fig, "retina", **print_kwargs)
    if not png:
        return None
    width, height = Image.open(io.BytesIO(png)).size
    return reduce_png(png), {"width": width // HIDPI, "height": height // HIDPI}


def reduce_png(png: bytes) -> bytes:
    """``png`` with an adaptive palette of 256 colours, no dithering, same size and dpi.

    Plots and colour-mapped images (a colour map has 256 entries) look the same and take a half
    to a third of the bytes. A PNG that already has a palette is returned unchanged. Used for the
    figures the notebooks store (:func:`figure_png`) and, by the book's build
    (``_ext/book_site.py``), for any figure stored before.

    Raises:
        TypeError: ``png`` is not bytes.
        ValueError: ``png`` is not a PNG image.
    """
    import io

    from PIL import Image, UnidentifiedImageError

    if not isinstance(png, (bytes, bytearray)):
        raise TypeError(f"png must be the bytes of a PNG image, got {type(png).__name__}")
    try:
        image = Image.open(io.BytesIO(png))
    except UnidentifiedImageError as error:
        raise ValueError("png must be the bytes of a PNG image") from error
    if image.format != "PNG":
        raise ValueError(f"png must be the bytes of a PNG image, got {image.format}")
    if image.mode in ("P", "L", "1"):
        return bytes(png)
    dpi = image.info.get("dpi")
    if image.mode == "RGBA" and image.getextrema()[3][0] < 255:  # transparent parts
        reduced = image.quantize(256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    else:
        reduced = image.convert("RGB").quantize(256, method=Image.Quantize.MEDIANCUT,
                                                dither=Image.Dither.NONE)
    out = io.BytesIO()
    options = {"dpi": tuple(round(d) for d in dpi)} if dpi else {}
    reduced.save(out, format="PNG", optimize=True, **options)
    return out.getvalue()


def figure(ncols: int = 1, nrows: int = 1, *, width: float | None = None,
           height: float | None = None, **subplots_kw: Any) -> tuple[Figure, Any]:
    """A figure sized for the book's column, and its axes (as :func:`matplotlib.pyplot.subplots`).

    Args:
        ncols, nrows: panels across and down.
        width: inches; default :data:`SINGLE_WIDTH_IN` for one column of panels, else
            :data:`COLUMN_WIDTH_IN`. At most :data:`COLUMN_WIDTH_IN`: a wider figure would be
            shrunk to the column, and its text with it.
        height: inches; default ``nrows`` times a panel height that follows the panel width
            (0.62 of it, between 2.2 and 3.4 inches).
        **subplots_kw: passed to :func:`matplotlib.pyplot.subplots` (``sharex``, ``sharey``,
            ``gridspec_kw``, ``subplot_kw``, ...).

    Returns:
        ``(fig, axes)``: one ``Axes`` when there is one panel, else an array of shape
        ``(nrows, ncols)`` squeezed as ``subplots`` does.

    Raises:
        ValueError: ``ncols``/``nrows`` not positive integers, ``width``/``height`` not positive,
            or ``width`` wider than the column.
    """
    import matplotlib.pyplot as plt

    ncols = check_positive_int(ncols, "ncols")
    nrows = check_positive_int(nrows, "nrows")
    if width is None:
        width = SINGLE_WIDTH_IN if ncols == 1 else COLUMN_WIDTH_IN
    width = check_positive_number(width, "width")
    if width > COLUMN_WIDTH_IN + 1e-9:
        raise ValueError(
            f"width must be at most COLUMN_WIDTH_IN = {COLUMN_WIDTH_IN} inches (the book's column), "
            f"got {width}: a wider figure is shrunk to the column and its text with it"
        )
    if height is None:
        panel = min(max(0.62 * width / ncols, 2.2), 3.4)
        height = panel * nrows
    height = check_positive_number(height, "height")
    return plt.subplots(nrows, ncols, figsize=(width, height), **subplots_kw)


_PLACES = {
    # where: (figure-level loc, axes-level loc, axes-level anchor in axes coordinates)
    "below": ("outside lower center", "upper center", (0.5, 0.0)),
    "right": ("outside right upper", "upper left", (1.0, 1.0)),
    "above": ("outside upper center", "lower center", (0.5, 1.0)),
}


def legend_outside(target: Axes | Figure, *, where: str = "below", ncols: int | None = None,
                   **legend_kw: Any) -> Legend:
    """A legend outside the plotting area, so that it never covers data.

    Args:
        target: an ``Axes`` (its own lines) or a ``Figure`` (one legend for all its axes, each
            label once: the usual choice for panels that share their series).
        where: ``"below"`` (default: the full width is there for the entries), ``"right"`` or
            ``"above"``. Below an axes means below its tick labels and axis label, above means
            above its title.
        ncols: columns of entries; default all in one row below/above (at most 4), one column
            on the right.
        **legend_kw: passed to :meth:`~matplotlib.axes.Axes.legend` / ``Figure.legend``.

    Returns:
        The ``Legend``. The figure's constrained layout (on in the book's style) makes room for
        it.

    Raises:
        ValueError: ``where`` is not one of the three places, ``target`` has nothing labelled,
            or ``ncols`` is not a positive integer.
    """
    from matplotlib.figure import Figure

    if where not in _PLACES:
        raise ValueError(f"where must be one of {sorted(_PLACES)}, got {where!r}")
    axes = target.axes if isinstance(target, Figure) else [target]
    handles, labels = [], []
    for ax in axes:
        for handle, label in zip(*ax.get_legend_handles_labels()):
            if label not in labels:
                handles.append(handle)
                labels.append(label)
    if not labels:
        raise ValueError("target has no labelled artists: pass label=... when drawing")
    if ncols is None:
        ncols = 1 if where == "right" else min(len(labels), 4)
    ncols = check_positive_int(ncols, "ncols")
    figure_loc, axes_loc, anchor = _PLACES[where]
    if isinstance(target, Figure):
        return target.legend(handles, labels, loc=figure_loc, ncols=ncols, **legend_kw)
    # The gap between the axes and the legend is the height (or width) of what sits there:
    # tick labels and axis label below, the title above, the y tick labels on the right. It is
    # given in points (borderaxespad, in units of the legend's font size), so it holds when the
    # layout later resizes the axes.
    fig = target.figure
    renderer = fig.canvas.get_renderer()
    frame = target.get_window_extent(renderer)
    tight = target.get_tightbbox(renderer)
    gap_px = {"below": frame.y0 - tight.y0, "above": tight.y1 - frame.y1,
              "right": tight.x1 - frame.x1}[where]
    fontsize = mpl.font_manager.FontProperties(
        size=legend_kw.get("fontsize", mpl.rcParams["legend.fontsize"])).get_size_in_points()
    pad = (max(gap_px, 0.0) * 72.0 / fig.dpi + 0.4 * fontsize) / fontsize
    return target.legend(handles, labels, loc=axes_loc, bbox_to_anchor=anchor, ncols=ncols,
                         borderaxespad=pad, **legend_kw)


def include_zero(ax: Axes, axis: str = "y") -> None:
    """Extend an axis to include 0, so that bars and ratios are not exaggerated.

    A bar chart whose axis starts at 75 % makes a 5-point difference look like a doubling. Call
    this after drawing (it keeps the upper limit matplotlib chose).

    Raises:
        ValueError: ``axis`` is not ``"x"`` or ``"y"``.
    """
    if axis not in ("x", "y"):
        raise ValueError(f'axis must be "x" or "y", got {axis!r}')
    low, high = ax.get_ylim() if axis == "y" else ax.get_xlim()
    setter = ax.set_ylim if axis == "y" else ax.set_xlim
    if low > 0:
        setter(0, high)
    elif high < 0:
        setter(low, 0)


def text_size_css_px(*, pixel_width: int, dpi: float, display_width: float | None = None,
                     font_pt: float = MIN_FONT_PT, column_px: float = COLUMN_WIDTH_PX) -> float:
    """How tall text of ``font_pt`` points in a stored figure is shown in the book, in CSS px.

    A PNG ``pixel_width`` pixels wide, drawn at ``dpi`` (its pHYs metadata), is shown
    ``display_width`` CSS pixels wide (the width in the output's metadata, else its pixel width),
    but never wider than the column. Text of ``font_pt`` points is ``font_pt / 72 * dpi`` image
    pixels tall, scaled like the image.

    Raises:
        ValueError: a non-positive width, dpi or font size.
    """
    pixel_width = check_positive_int(pixel_width, "pixel_width")
    dpi = check_positive_number(dpi, "dpi")
    font_pt = check_positive_number(font_pt, "font_pt")
    shown = pixel_width if display_width is None else check_positive_number(display_width,
                                                                              "display_width")
    shown = min(shown, check_positive_number(column_px, "column_px"))
    return font_pt / 72.0 * dpi * shown / pixel_width


def _interpolation(ax: Axes, shape: tuple[int, ...]) -> str:
    """Crisp cells ("nearest") unless the matrix has more rows or columns than the axes has
    pixels when saved; then "antialiased", since nearest-neighbour sampling of many columns into
    few pixels aliases into a moiré."""
    fig = ax.figure
    box = ax.get_position()
    dpi = mpl.rcParams["savefig.dpi"]
    dpi = fig.dpi if dpi == "figure" else float(dpi)
    width_px = box.width * fig.get_figwidth() * dpi
    height_px = box.height * fig.get_figheight() * dpi
    return "antialiased" if shape[1] > width_px or shape[0] > height_px else "nearest"


def heatmap(
    ax: Axes,
    data: Any,
    *,
    title: str,
    xlabel: str,
    ylabel: str,
    xticklabels: Sequence[str] | None = None,
    yticklabels: Sequence[str] | None = None,
    cmap: str | None = None,
    centered: bool = False,
    vmin: float | None = None,
    vmax: float | None = None,
    annotate: bool = False,
    colorbar_label: str | None = None,
) -> AxesImage:
    """Draw a matrix as an image with labelled axes (and, optionally, a colour bar).

    Args:
        ax: where to draw.
        data: the matrix, shape ``(rows, cols)`` (NumPy or torch).
        title, xlabel, ylabel: required: every figure in the book says what it shows.
        xticklabels, yticklabels: one label per column / row (e.g. the tokens).
        cmap: colour map; defaults to ``viridis``, or ``RdBu_r`` when ``centered``.
        centered: make the colour scale symmetric about 0 (for signed data).
        vmin, vmax: explicit colour limits (override ``centered``).
        annotate: write each value (2 decimals) in its cell; for small matrices.
        colorbar_label: if given, add a colour bar with this label.

    Returns:
        The ``AxesImage``.
    """
    values = np.asarray(data.detach().cpu() if hasattr(data, "detach") else data, dtype=float)
    if values.ndim != 2:
        raise ValueError(f"data must be a 2-D matrix, got shape {values.shape}")
    if centered and vmin is None and vmax is None:
        limit = float(np.abs(values).max()) or 1.0
        vmin, vmax = -limit, limit
    image = ax.imshow(
        values,
        cmap=cmap or (DIVERGING_CMAP if centered else SEQUENTIAL_CMAP),
        vmin=vmin,
        vmax=vmax,
        aspect="auto",
        interpolation=_interpolation(ax, values.shape),
    )
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(False)
    for labels, set_ticks, set_labels, size in (
        (xticklabels, ax.set_xticks, ax.set_xticklabels, values.shape[1]),
        (yticklabels, ax.set_yticks, ax.set_yticklabels, values.shape[0]),
    ):
        if labels is not None:
            if len(labels) != size:
                raise ValueError(f"expected {size} tick labels, got {len(labels)}")
            set_ticks(range(size))
            set_labels(labels)
    if annotate:
        low, high = image.get_clim()
        middle = (low + high) / 2
        for (row, col), value in np.ndenumerate(values):
            dark_cell = value < middle if not centered else abs(value) > (high - low) / 4
            ax.text(col, row, f"{value:.2f}", ha="center", va="center", fontsize=9,
                    color="white" if dark_cell else "black")
    if colorbar_label is not None:
        ax.figure.colorbar(image, ax=ax, label=colorbar_label)
    return image
