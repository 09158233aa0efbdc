r"""The sinusoidal explorer: the encoding table, and PE(p) → PE(p+k) as a rotation.

The sinusoidal code of "Attention Is All You Need" (:func:`ropeviz.sinusoidal_encoding`) puts
:math:`\sin(p\,\theta_i)` in column :math:`2i` and :math:`\cos(p\,\theta_i)` in column
:math:`2i+1`, with :math:`\theta_i = \text{base}^{-2i/d}`. The left panel is the whole table
(positions down, dimensions across) with the rows :math:`p` and :math:`p+k` and the two columns
of pair :math:`i` marked. The right panel plots pair :math:`i` as a point
:math:`(\sin p\theta_i, \cos p\theta_i)` on the unit circle, at :math:`p` and at :math:`p+k`:
moving :math:`k` tokens turns the point by :math:`k\,\theta_i` whatever :math:`p` is, which is
why :math:`PE(p+k)` is a fixed rotation of :math:`PE(p)`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib import patheffects

from .._checks import check_base, check_head_dim, check_positive_int
from ..encodings import sinusoidal_encoding
from ..plotting import DIVERGING_CMAP, OKABE_ITO
from ..rope import inv_frequencies
from ._base import Control, Explorer
from ._frames import colormap_table

__all__ = ["SinusoidalExplorer"]

_CIRCLE = np.linspace(0.0, 2.0 * np.pi, 181)
_TWO_PI = 2.0 * np.pi

# Figure layout in figure fractions (left, bottom, width, height).
_HEATMAP_RECT = (0.075, 0.13, 0.36, 0.72)
_COLORBAR_RECT = (0.445, 0.13, 0.013, 0.72)
_CIRCLE_RECT = (0.60, 0.13, 0.36, 0.72)


def _point(phase: float) -> tuple[float, float]:
    """Where a pair with phase ``phase`` sits: (sin, cos), i.e. (column 2i, column 2i+1)."""
    return float(np.sin(phase)), float(np.cos(phase))


class SinusoidalExplorer(Explorer):
    r"""Sliders for position :math:`p`, offset :math:`k` and pair :math:`i` of the sinusoidal code.

    Args:
        dim: width :math:`d` of the code (a positive even integer).
        base: frequency base (10 000 in the original Transformer).
        num_positions: rows of the table (positions ``0 .. num_positions - 1``).
        position: initial :math:`p`, with ``position + offset < num_positions`` (so that
            :math:`p + k` is a row of the table). The position slider ends at
            ``num_positions - 1 - offset``: a larger offset pulls the position back to that
            end, and ``update(position=...)`` past it raises ``ValueError``.
        offset: initial :math:`k`, ``0 <= offset <= min(max_offset, num_positions - 1)``.
        pair: initial pair :math:`i`, ``0 <= pair < dim // 2``.
        max_offset: the offset slider's maximum (capped at ``num_positions - 1``).

    Example::

        explorer = SinusoidalExplorer(dim=64, position=10, offset=5, pair=2)
        explorer.update(position=100)     # the arc between the two points keeps its angle
        explorer.figure                   # the matplotlib figure
    """

    kind = "sinusoidal"
    title = "Sinusoidal encoding explorer"
    panels = (("table", "Heatmap of the sinusoidal encoding with rows p and p+k marked"),
              ("circle", "Pair i at positions p and p+k on the unit circle"))

    def __init__(
        self,
        dim: int = 64,
        base: float = 10_000.0,
        *,
        num_positions: int = 256,
        position: int = 10,
        offset: int = 5,
        pair: int = 2,
        max_offset: int = 64,
    ):
        self.dim = check_head_dim(dim, name="dim")
        self.base = check_base(base)
        self.num_positions = check_positive_int(num_positions, "num_positions")
        max_offset = check_positive_int(max_offset, "max_offset")
        self.max_offset = min(max_offset, self.num_positions - 1)
        self.theta = inv_frequencies(self.dim, self.base)
        self.table = sinusoidal_encoding(self.num_positions, self.dim, self.base)
        self.controls = (
            Control("position", "position p", 0, self.num_positions - 1, play_ms=150),
            Control("offset", "offset k", 0, self.max_offset),
            Control("pair", "pair i", 0, self.dim // 2 - 1),
        )
        super().__init__({"position": position, "offset": offset, "pair": pair})

    # -- state helpers -----------------------------------------------------------------------
    def _limits(self) -> dict[str, int]:
        # p + k must stay inside the table: the position slider ends at
        # num_positions - 1 - offset. A larger offset pulls the position back to that end (as
        # the slider's end moves); an explicit position beyond it is refused.
        return {"position": self.num_positions - 1 - self.state["offset"]}

    def phases(self) -> tuple[float, float]:
        r"""Phases :math:`p\,\theta_i` and :math:`(p+k)\,\theta_i` of the selected pair (rad)."""
        p, k, i = self.state["position"], self.state["offset"], self.state["pair"]
        return p * float(self.theta[i]), (p + k) * float(self.theta[i])

    def points(self) -> np.ndarray:
        r"""Pair :math:`i` of :math:`PE(p)` and :math:`PE(p+k)`: rows (column 2i, column 2i+1).

        Returns:
            array of shape ``(2, 2)``, equal to ``table[[p, p+k]][:, [2i, 2i+1]]``.
        """
        return np.array([_point(phase) for phase in self.phases()])

    def turn(self) -> float:
        r""":math:`k\,\theta_i \bmod 2\pi`: the angle from :math:`PE(p)` to :math:`PE(p+k)`."""
        return float(np.mod(self.state["offset"] * self.theta[self.state["pair"]], _TWO_PI))

    # -- drawing -----------------------------------------------------------------------------
    def _build(self) -> None:
        fig = self.figure
        n, d = self.num_positions, self.dim
        halo = [patheffects.withStroke(linewidth=4.2, foreground="white")]

        ax = self.ax_table = fig.add_axes(_HEATMAP_RECT)
        self._heatmap = ax.imshow(self.table, cmap=DIVERGING_CMAP, vmin=-1.0, vmax=1.0,
                                aspect="auto", interpolation="nearest")
        ax.set_title("Sinusoidal encoding PE[p, j]\nrows p and p+k, columns of pair i",
                     fontsize=10.5)
        ax.set_xlabel("dimension j (2i: sin, 2i+1: cos)")
        ax.set_ylabel("position p")
        ax.tick_params(labelsize=8)
        cax = self.ax_colorbar = fig.add_axes(_COLORBAR_RECT)
        fig.colorbar(self._heatmap, cax=cax, ticks=[-1, 0, 1])
        cax.tick_params(labelsize=8)
        edges = (-0.5, d - 0.5)
        (self._row_p,) = ax.plot(edges, (0, 0), color=OKABE_ITO["blue"], lw=1.8,
                                 path_effects=halo)
        (self._row_pk,) = ax.plot(edges, (0, 0), color=OKABE_ITO["vermillion"], lw=1.8,
                                  path_effects=halo)
        (self._columns,) = ax.plot([], [], color=OKABE_ITO["black"], lw=1.4,
                                   path_effects=[patheffects.withStroke(linewidth=3.6,
                                                                        foreground="white")])
        for artist in (self._columns, self._row_p, self._row_pk):
            self._dynamic(artist)
        ax.set_xlim(-0.5, d - 0.5)
        ax.set_ylim(n - 0.5, -0.5)

        axc = self.ax_circle = fig.add_axes(_CIRCLE_RECT)
        axc.plot(np.cos(_CIRCLE), np.sin(_CIRCLE), color="#999999", lw=1)
        axc.axhline(0, color="#cccccc", lw=0.8)
        axc.axvline(0, color="#cccccc", lw=0.8)
        axc.set(xlim=(-1.25, 1.25), ylim=(-1.25, 1.25), aspect="equal",
                xlabel="PE[p, 2i] = sin(p\u00b7\u03b8_i)",
                ylabel="PE[p, 2i+1] = cos(p\u00b7\u03b8_i)")
        axc.set_title("Pair i: PE(p) \u2192 PE(p+k) turns by k\u00b7\u03b8_i\n"
                      "(clockwise as p grows; same angle for all p)", fontsize=10.5)
        axc.tick_params(labelsize=8)
        (self._arc,) = axc.plot([], [], color=OKABE_ITO["orange"], lw=4, solid_capstyle="butt")
        (self._radius_p,) = axc.plot([], [], color=OKABE_ITO["blue"], lw=2)
        (self._radius_pk,) = axc.plot([], [], color=OKABE_ITO["vermillion"], lw=2)
        (self._point_p,) = axc.plot([], [], "o", color=OKABE_ITO["blue"], ms=9,
                                    label="PE(p)")
        (self._point_pk,) = axc.plot([], [], "o", color=OKABE_ITO["vermillion"], ms=9,
                                     label="PE(p+k)")
        for artist in (self._arc, self._radius_p, self._radius_pk, self._point_p,
                       self._point_pk):
            self._dynamic(artist)
        axc.legend(handles=[self._point_p, self._point_pk], loc="lower left", fontsize=8,
                   frameon=False, borderaxespad=0.2, handletextpad=0.2)

    def _apply(self, changed: set[str]) -> bool:
        p, k, i = self.state["position"], self.state["offset"], self.state["pair"]
        n = self.num_positions
        self._row_p.set_ydata((p, p))
        self._row_pk.set_ydata((p + k, p + k))
        left, right = 2 * i - 0.5, 2 * i + 1.5
        self._columns.set_data((left, right, right, left, left),
                               (-0.5, -0.5, n - 0.5, n - 0.5, -0.5))
        start, end = self.phases()
        turn = self.turn()
        (xs, ys), (xe, ye) = _point(start), _point(end)
        self._point_p.set_data((xs,), (ys,))
        self._point_pk.set_data((xe,), (ye,))
        self._radius_p.set_data((0.0, xs), (0.0, ys))
        self._radius_pk.set_data((0.0, xe), (0.0, ye))
        arc = start + np.linspace(0.0, turn, max(2, int(np.ceil(turn * 30))))
        self._arc.set_data(np.sin(arc), np.cos(arc))
        return False

    def readout(self) -> str:
        p, k, i = self.state["position"], self.state["offset"], self.state["pair"]
        theta = float(self.theta[i])
        start, end = self.phases()
        turn = self.turn()
        lines = [
            f"pair i = {i} of {self.dim // 2}: columns {2 * i} = sin(p\u00b7\u03b8_i), "
            f"{2 * i + 1} = cos(p\u00b7\u03b8_i); \u03b8_i = base^(-2i/d) = {theta:.4g} "
            f"rad/token, wavelength 2\u03c0/\u03b8_i = {_TWO_PI / theta:.4g} tokens",
        ]
        for name, where, phase in (("PE(p)  ", f"p = {p}", start),
                                   ("PE(p+k)", f"p+k = {p + k}", end)):
            wrapped = float(np.mod(phase, _TWO_PI))
            x, y = _point(phase)
            lines.append(
                f"{name} at {where}: phase mod 2\u03c0 = {wrapped:.3f} rad "
                f"({wrapped * 180 / np.pi:.1f}\u00b0 clockwise from the top), "
                f"(sin, cos) = ({x:.3f}, {y:.3f})"
            )
        lines.append(
            f"rotation PE(p) \u2192 PE(p+k): k\u00b7\u03b8_i = {k * theta:.4g} rad, "
            f"mod 2\u03c0: {turn:.3f} rad ({turn * 180 / np.pi:.1f}\u00b0); "
            f"it depends on k = {k} only, not on p"
        )
        return "\n".join(lines)

    @property
    def alt_text(self) -> str:
        return (
            "First panel: a heatmap of the sinusoidal position encoding, positions down and "
            "dimensions across, blue for -1 and red for +1, fast stripes in the first columns and"
            " slow ones in the last, with the rows p and p+k and the two columns of the selected "
            "pair outlined. Second panel: that pair drawn as a point (sin, cos) on the unit "
            "circle at position p and at position p+k, with the arc between them, whose angle k "
            "times theta_i is the same whatever p is."
        )

    # -- the static twin ---------------------------------------------------------------------
    _twin_script = "sinusoidal.js"

    def _twin_data(self) -> dict[str, Any]:
        # The colour map as matplotlib's own 8-bit table (value v -> entry floor((v+1)/2*256)).
        lut = colormap_table(DIVERGING_CMAP)
        return {
            "dim": self.dim,
            "base": self.base,
            "num_positions": self.num_positions,
            "lut": lut,
            "colors": {"p": "blue", "pk": "vermillion", "arc": "orange"},
        }

