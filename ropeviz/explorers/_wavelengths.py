r"""What the explorers that draw every pair's wavelength share (context extension, real models).

Two explorers show a frequency schedule the same way: :class:`~ropeviz.explorers.ScalingExplorer`
(chapter 9: a method and a factor applied to one schedule) and
:class:`~ropeviz.explorers.ModelScalingExplorer` (chapter 11: a real model's config at a target
context). Both draw

* a **wavelength panel**: every pair's wavelength :math:`2\pi/\theta_i` on a log scale, the
  unscaled schedule in grey and the scaled one coloured by what the scaling did to the pair
  (:func:`pair_classes`), against the training length :math:`L` (solid) and the target (dashed),
  with a marker at the selected pair;
* a **criterion panel**: Men et al.'s cosine sum :math:`B(m) = \sum_i \cos(m\theta_i)`
  (:func:`cosine_sums`), as its lowest value over stretches of distances, for the unscaled and the
  scaled schedule, with a dot where the scaled sum first turns negative (:func:`first_negative`).

The numbers come from here, the matplotlib artists from :func:`build_wavelength_axes` /
:func:`update_wavelength_axes` and :func:`build_criterion_axes` / :func:`update_criterion_axes`,
and the static twins draw the same panels with ``js/wavelengths.js``.
"""

from __future__ import annotations

import math
from types import SimpleNamespace
from typing import Any

import numpy as np

from ..plotting import OKABE_ITO

__all__ = [
    "CLASSES",
    "CLASS_NAMES",
    "build_criterion_axes",
    "build_wavelength_axes",
    "cosine_sums",
    "first_negative",
    "lowest_per_bin",
    "pair_classes",
    "reframe_wavelength_axes",
    "update_criterion_axes",
    "update_wavelength_axes",
]

CLASSES: tuple[str, ...] = ("kept", "between", "interpolated")
"""What a scaling did to a pair: kept (:math:`\\theta' = \\theta`), divided by the factor
(interpolated), or anything in between."""
CLASS_NAMES = {"kept": "green", "between": "orange", "interpolated": "blue"}
"""Okabe-Ito colour of each kind of pair (the twins use the names as CSS variables)."""


def cosine_sums(inv_freq: Any, length: int) -> np.ndarray:
    r""":math:`B(m) = \sum_i \cos(m\,\theta_i)` for every integer :math:`0 \le m <` ``length``.

    The criterion of :func:`ropeviz.scaling.cosine_sum` for any frequencies (a scaled schedule;
    a frequency of 0, a pair that does not rotate, adds 1 at every distance).
    With :math:`m = m_0 + k` (blocks of 1024 distances),
    :math:`\cos(m\theta) = \cos(k\theta)\cos(m_0\theta) - \sin(k\theta)\sin(m_0\theta)`,
    so the whole range costs two matrix products instead of ``length * n`` cosines.

    Args:
        inv_freq: frequencies :math:`\theta_i`, shape ``(n,)``.
        length: number of distances.

    Returns:
        float64 array of shape ``(length,)``.
    """
    freqs = np.asarray(inv_freq, dtype=np.float64)
    block = 1024
    within = np.outer(np.arange(block, dtype=np.float64), freqs)  # (block, n): k theta
    starts = np.outer(freqs, np.arange(0, length, block, dtype=np.float64))  # (n, blocks)
    table = np.cos(within) @ np.cos(starts) - np.sin(within) @ np.sin(starts)  # (block, blocks)
    return table.T.reshape(-1)[:length]


def first_negative(values: np.ndarray) -> int | None:
    """The first index where ``values`` is below 0 (the distance, for a cosine sum), or None."""
    negative = np.flatnonzero(np.asarray(values) < 0.0)
    return int(negative[0]) if negative.size else None


def lowest_per_bin(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """The smallest entry of ``values`` in each stretch ``edges[k] <= m < edges[k + 1]``.

    Args:
        values: shape ``(N,)``.
        edges: increasing integers, ``edges[0] >= 0`` and ``edges[-1] <= N``, shape ``(B + 1,)``.

    Returns:
        float64 array of shape ``(B,)``.
    """
    return np.minimum.reduceat(np.asarray(values, dtype=np.float64), np.asarray(edges)[:-1])


def pair_classes(inv_freq: Any, reference: Any, factor: float) -> list[str]:
    r"""Per pair: ``"kept"`` (:math:`\theta' = \theta`), ``"interpolated"``
    (:math:`\theta' = \theta/s`) or ``"between"``, to a relative ``1e-9``.

    Args:
        inv_freq: the scaled frequencies :math:`\theta'_i`, shape ``(n,)``.
        reference: the unscaled ones :math:`\theta_i`, shape ``(n,)``.
        factor: the scale factor :math:`s`.
    """
    ratio = np.asarray(inv_freq, dtype=np.float64) / np.asarray(reference, dtype=np.float64)
    return ["kept" if math.isclose(v, 1.0, rel_tol=1e-9) else
            "interpolated" if math.isclose(v, 1.0 / factor, rel_tol=1e-9) else "between"
            for v in ratio]


# ---------------------------------------------------------------------------------- matplotlib
def build_wavelength_axes(explorer: Any, ax: Any, reference_wavelengths: np.ndarray,
                          length: int, top: float, title: str) -> SimpleNamespace:
    """The wavelength panel's fixed parts, and its moving artists registered with ``explorer``.

    Args:
        explorer: the :class:`~ropeviz.explorers.Explorer` that owns ``ax`` (for ``_dynamic``).
        ax: the matplotlib axes.
        reference_wavelengths: the unscaled wavelengths, grey dots, shape ``(n,)``.
        length: the training length :math:`L` (a solid line).
        top: the upper end of the log wavelength axis.
        title: the panel's title.

    Returns:
        ``target`` (dashed line), ``dots`` (one line of markers per class) and ``pair`` (the
        marker line), to move with :func:`update_wavelength_axes`; ``reference`` and ``length``
        (the static grey dots and line), to change with :func:`reframe_wavelength_axes`.
    """
    n = len(reference_wavelengths)
    ax.set(xlim=(-1, n), ylim=(2, top), yscale="log", xlabel="pair i",
           ylabel="wavelength 2\u03c0/\u03b8 (tokens)")
    ax.set_title(title, fontsize=10.5)
    ax.tick_params(labelsize=8)
    (reference,) = ax.plot(np.arange(n), reference_wavelengths, "o", ms=3, color="#aaaaaa")
    length_line = ax.axhline(length, color=OKABE_ITO["black"], lw=1)
    target = explorer._dynamic(ax.axhline(1, color=OKABE_ITO["black"], lw=1, ls="--"))
    dots = {name: explorer._dynamic(ax.plot([], [], "o", ms=3.5,
                                            color=OKABE_ITO[CLASS_NAMES[name]],
                                            label=name)[0]) for name in CLASSES}
    ax.legend(loc="upper left", fontsize=8, ncol=3)
    pair = explorer._dynamic(ax.axvline(0, color=OKABE_ITO["vermillion"], lw=1))
    return SimpleNamespace(target=target, dots=dots, pair=pair, reference=reference,
                           length=length_line)


def reframe_wavelength_axes(artists: SimpleNamespace, ax: Any, reference_wavelengths: np.ndarray,
                            length: int, top: float) -> None:
    """Change the static part of the wavelength panel (another model): redraw the figure after."""
    n = len(reference_wavelengths)
    artists.reference.set_data(np.arange(n), reference_wavelengths)
    artists.length.set_ydata([length, length])
    ax.set(xlim=(-1, n), ylim=(2, top))


def update_wavelength_axes(artists: SimpleNamespace, wavelengths: np.ndarray,
                           kinds: list[str], target: float, pair: int) -> None:
    """Move the wavelength panel to a schedule: coloured dots, target line and pair marker."""
    kinds_array = np.array(kinds)
    index = np.arange(len(wavelengths))
    for name, dots in artists.dots.items():
        dots.set_data(index[kinds_array == name], np.asarray(wavelengths)[kinds_array == name])
    artists.target.set_ydata([target] * 2)
    artists.pair.set_xdata([pair, pair])


def build_criterion_axes(explorer: Any, ax: Any, length: int, xlog: bool = False,
                         title: str = "Men et al.: a similar key beats a random one\nwhile "
                                      "\u03a3\u1d62cos(m\u03b8\u1d62) \u2265 0",
                         original_label: str = "original") -> SimpleNamespace:
    """The criterion panel: a zero line, the training length, two curves and the first-negative dot.

    The scaled curve and the dot are registered as layers of ``explorer`` (drawn into the cached
    background when the schedule changes). ``xlog`` puts the distances on a log axis;
    ``original_label`` names the grey curve in the legend.
    """
    ax.set(ylim=(-0.35, 1.05), xlabel="distance m (tokens)",
           ylabel="lowest \u03a3\u1d62cos(m\u03b8\u1d62) / (d/2)")
    if xlog:
        ax.set_xscale("log")
    ax.set_title(title, fontsize=10.5)
    ax.tick_params(labelsize=8)
    ax.axhline(0, color="#999999", lw=0.8)
    (original,) = ax.plot([], [], color="#aaaaaa", lw=1.2, label=original_label)
    (scaled,) = ax.plot([], [], color=OKABE_ITO["blue"], lw=1.4, label="scaled")
    length_line = ax.axvline(length, color=OKABE_ITO["black"], lw=1)
    ax.legend(loc="upper right", fontsize=8)
    (first,) = ax.plot([], [], "o", color=OKABE_ITO["vermillion"], ms=6)
    explorer._layer(scaled)
    explorer._layer(first)
    return SimpleNamespace(original=original, scaled=scaled, first=first, length=length_line)


def update_criterion_axes(artists: SimpleNamespace, ax: Any, xs: np.ndarray, lows: np.ndarray,
                          original_lows: np.ndarray, first: int | None,
                          xlim: tuple[float, float], length: int | None = None) -> None:
    """Move the criterion panel: both curves, the x range, the first negative distance."""
    artists.original.set_data(xs, original_lows)
    artists.scaled.set_data(xs, lows)
    ax.set_xlim(*xlim)
    if length is not None:
        artists.length.set_xdata([length, length])
    if first is None:
        artists.first.set_data([], [])
    else:
        artists.first.set_data([first], [0])
