"""The book's figure style and its static figures.

Every drawing function takes a matplotlib ``Axes`` and returns the artists it made, so a
notebook composes figures freely and tests can inspect what was drawn. Colours come from the
Okabe–Ito palette, which stays distinguishable under the common colour-vision deficiencies;
colour maps are ``viridis`` (sequential) and ``RdBu_r`` (diverging, centred on zero).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import matplotlib as mpl
import numpy as np
from matplotlib.axes import Axes
from matplotlib.image import AxesImage

__all__ = [
    "OKABE_ITO",
    "SEQUENTIAL_CMAP",
    "DIVERGING_CMAP",
    "use_book_style",
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


def use_book_style() -> None:
    """Set matplotlib defaults for the book: readable sizes at page width, the Okabe–Ito cycle."""
    mpl.rcParams.update(
        {
            "figure.figsize": (8.0, 4.0),
            "figure.dpi": 100,
            "savefig.dpi": 100,
            "figure.constrained_layout.use": True,
            "font.size": 11,
            "axes.titlesize": 12,
            "axes.labelsize": 11,
            "axes.grid": True,
            "grid.alpha": 0.3,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.prop_cycle": mpl.cycler(color=list(OKABE_ITO.values())),
            "image.cmap": SEQUENTIAL_CMAP,
            "legend.frameon": False,
            "svg.hashsalt": "ropeviz",
        }
    )


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
        interpolation="nearest",
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
