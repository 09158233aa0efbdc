"""Colour tables for the static twins, taken from matplotlib so both views colour alike."""

from __future__ import annotations

import numpy as np
from matplotlib import colormaps

__all__ = ["colormap_table"]


def colormap_table(name: str) -> str:
    """Matplotlib's own 256-entry table of a colour map as hex RGB (6 characters per entry).

    A twin's script colours value ``v`` in ``[low, high]`` with entry
    ``floor((v - low) / (high - low) * 256)`` (``ropeviz.lut`` in ``js/runtime.js``), the same
    table the live figure uses.
    """
    table = colormaps[name].resampled(256)(np.arange(256), bytes=True)[:, :3]
    return table.tobytes().hex()
