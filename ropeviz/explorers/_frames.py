"""Describe matplotlib axes for the static twins, so that the SVG copies the live layout.

A twin's script receives, for every panel, where matplotlib put the axes (in figure fractions,
after any equal-aspect adjustment), their limits and their major ticks with matplotlib's own
labels. The twin then draws the same panels at the same places with the same tick labels.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.axis import Axis

__all__ = ["colormap_table", "frame"]


def colormap_table(name: str) -> str:
    """Matplotlib's own 256-entry table of a colour map as hex RGB (6 characters per entry).

    A twin's script colours value ``v`` in ``[low, high]`` with entry
    ``floor((v - low) / (high - low) * 256)``, the same table the live figure uses.
    """
    table = colormaps[name].resampled(256)(np.arange(256), bytes=True)[:, :3]
    return table.tobytes().hex()


def _ticks(axis: Axis, limits: tuple[float, float]) -> list[list[Any]]:
    """The axis's visible major ticks as ``[value, label]`` pairs."""
    low, high = sorted(limits)
    locations = [float(v) for v in axis.get_majorticklocs() if low <= v <= high]
    labels = axis.get_major_formatter().format_ticks(locations) if locations else []
    return [[round(v, 6), str(label)] for v, label in zip(locations, labels)]


def frame(ax: Axes) -> dict[str, Any]:
    """``rect`` (left, bottom, width, height in figure fractions), ``xlim``, ``ylim`` and ticks.

    Call it after the figure has been drawn once (the explorer's constructor does), so that the
    position reflects the aspect adjustment and the tick labels are final.
    """
    xlim, ylim = ax.get_xlim(), ax.get_ylim()
    return {
        "rect": [round(float(v), 5) for v in ax.get_position().bounds],
        "xlim": [round(float(v), 6) for v in xlim],
        "ylim": [round(float(v), 6) for v in ylim],
        "xticks": _ticks(ax.xaxis, xlim) if ax.xaxis.get_visible() else [],
        "yticks": _ticks(ax.yaxis, ylim) if ax.yaxis.get_visible() else [],
    }
