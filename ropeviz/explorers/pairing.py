r"""The pairing explorer: interleaved and half pairing side by side, and the permutation between.

RoPE rotates the :math:`d` features of a head in :math:`d/2` pairs, in one of two layouts
(:func:`ropeviz.pair_slices`): *interleaved*, pair :math:`i` = features :math:`(2i, 2i+1)`
(RoFormer, Meta's Llama, GPT-J), or *half*, pair :math:`i` = features :math:`(i, i + d/2)`
(Hugging Face, GPT-NeoX). The same index :math:`j` therefore belongs to different pairs in the two
layouts. The permutation :math:`P` = :func:`ropeviz.pairing_permutation` moves interleaved
feature :math:`P[k]` to half position :math:`k`; it carries every interleaved pair onto the half
pair of the same index, which is why permuting the rows of :math:`W_q` and :math:`W_k` of every
head (:func:`ropeviz.permute_qk_weight`) converts a checkpoint from one layout to the other.

The first panel draws both layouts as rows of features coloured by their pair, joined by the
permutation; the second draws :math:`P` as a matrix. A slider picks the feature :math:`j`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.patches import Rectangle

from .._checks import check_head_dim
from ..plotting import OKABE_ITO, SEQUENTIAL_CMAP
from ..rope import pair_slices, pairing_permutation
from ._base import Control, Explorer
from ._frames import colormap_table

__all__ = ["PairingExplorer", "HEAD_DIMS", "pair_of"]

HEAD_DIMS: tuple[int, ...] = (4, 8, 16, 32, 64, 128)
"""Head dimensions offered by the slider (the explorer's own is added if missing)."""

LAYOUTS = ("interleaved", "half")


def pair_of(dim: int, head_dim: int, pairing: str) -> tuple[int, tuple[int, int]]:
    """The pair that feature ``dim`` belongs to in a layout, and that pair's two features.

    Read off :func:`ropeviz.pair_slices` (the one definition of the layouts).

    Returns:
        ``(i, (first, second))``: pair index and its features, ``first < second``.
    """
    features = np.arange(head_dim)
    first, second = pair_slices(head_dim, pairing)
    firsts, seconds = features[first], features[second]
    hits = np.flatnonzero((firsts == dim) | (seconds == dim))
    if hits.size != 1:
        raise ValueError(f"dim must be an integer in [0, {head_dim - 1}], got {dim!r}")
    i = int(hits[0])
    return i, (int(firsts[i]), int(seconds[i]))


class PairingExplorer(Explorer):
    r"""Sliders for a feature :math:`j` of one head and the head dimension :math:`d`.

    Args:
        head_dim: :math:`d` (a positive even integer); the slider offers :data:`HEAD_DIMS`.
        dim: initial feature :math:`j`, ``0 <= dim < head_dim``. A smaller head dimension
            moves a feature beyond its end to the last feature.

    Example::

        explorer = PairingExplorer(head_dim=16, dim=5)
        explorer.partners()    # {"interleaved": (2, (4, 5)), "half": (5, (5, 13))}
        explorer.update(head_dim=8)
    """

    kind = "pairing"
    title = "Pairing explorer"
    panels = (("layouts", "Interleaved and half layouts as rows of features, joined by the "
                          "permutation"),
              ("matrix", "The permutation matrix that reorders the rows of W_q and W_k"))

    def __init__(self, head_dim: int = 16, *, dim: int = 5):
        head_dim = check_head_dim(head_dim)
        self.head_dims = tuple(sorted(set(HEAD_DIMS) | {head_dim}))
        self.controls = (
            Control("dim", "dimension j", 0, max(self.head_dims) - 1),
            Control("head_dim", "head dim d", options=self.head_dims),
        )
        super().__init__({"dim": dim, "head_dim": head_dim})

    def _limits(self) -> dict[str, int]:
        return {"dim": self.state["head_dim"] - 1}

    # -- the numbers -------------------------------------------------------------------------
    def permutation(self) -> np.ndarray:
        """:func:`ropeviz.pairing_permutation` of the current head dimension, shape ``(d,)``."""
        return pairing_permutation(self.state["head_dim"])

    def inverse(self) -> np.ndarray:
        """Where each interleaved feature goes in the half layout: ``argsort(P)``, ``(d,)``."""
        return np.argsort(self.permutation())

    def partners(self) -> dict[str, tuple[int, tuple[int, int]]]:
        """For each layout, the pair of feature :math:`j` and that pair's two features."""
        d, j = self.state["head_dim"], self.state["dim"]
        return {layout: pair_of(j, d, layout) for layout in LAYOUTS}

    # -- drawing -----------------------------------------------------------------------------
    def _build(self) -> None:
        fig = self.figure
        self.ax_layouts = fig.add_axes((0.09, 0.14, 0.50, 0.70))
        self.ax_matrix = fig.add_axes((0.68, 0.14, 0.28, 0.70))
        ax = self.ax_layouts
        ax.set_title("Feature j in the two layouts (colour = pair index);\n"
                     "lines: P moves interleaved feature P[k] to half position k", fontsize=10.5)
        ax.set_xlabel("feature index j")
        ax.set_yticks((0, 2), ("half", "interleaved"))
        ax.tick_params(labelsize=8)
        self._cells = {layout: ax.imshow(np.zeros((1, 1)), cmap=SEQUENTIAL_CMAP, vmin=0, vmax=1,
                                         aspect="auto", interpolation="nearest")
                       for layout in LAYOUTS}
        self._links = LineCollection([], colors="#bbbbbb", linewidths=0.8)
        ax.add_collection(self._links)
        self._separators = LineCollection([], colors="white", linewidths=0.8)
        ax.add_collection(self._separators)
        red = OKABE_ITO["vermillion"]
        self._pair_links = self._dynamic(LineCollection([], colors=red, linewidths=2.6))
        ax.add_collection(self._pair_links)
        def box(width: float, height: float, colour: str, style: str = "-") -> Rectangle:
            return self._dynamic(ax.add_patch(Rectangle((0, 0), width, height, fill=False,
                                                         edgecolor=colour, lw=2.2, ls=style)))

        self._int_box = box(2, 1, red)
        self._landed_boxes = [box(1, 1, red) for _ in range(2)]
        self._half_boxes = [box(1, 0.84, OKABE_ITO["black"], "--") for _ in range(2)]
        (self._mark_top,) = ax.plot([], [], "v", color=OKABE_ITO["black"], ms=7)
        (self._mark_bottom,) = ax.plot([], [], "^", color=OKABE_ITO["black"], ms=7)
        self._dynamic(self._mark_top)
        self._dynamic(self._mark_bottom)

        axm = self.ax_matrix
        axm.set_title("P as a matrix: row k (half) takes\ncolumn P[k] (interleaved)",
                      fontsize=10.5)
        axm.set_xlabel("interleaved feature (row of W_q before)")
        axm.set_ylabel("half position k (row after)")
        axm.tick_params(labelsize=8)
        self._matrix = axm.imshow(np.zeros((2, 2)), cmap="Greys", vmin=0, vmax=1.6,
                                  interpolation="nearest")
        (self._matrix_marks,) = axm.plot([], [], "s", color=red, ms=6, markeredgecolor=red)
        self._dynamic(self._matrix_marks)

    def _layout_static(self) -> None:
        """Cells, links and the matrix for the current head dimension."""
        d = self.state["head_dim"]
        perm = self.permutation()
        for layout, row in (("interleaved", 2), ("half", 0)):
            pairs = np.array([[pair_of(j, d, layout)[0] for j in range(d)]], dtype=float)
            self._cells[layout].set_data(pairs / max(1, d // 2 - 1))
            self._cells[layout].set_extent((-0.5, d - 0.5, row - 0.5, row + 0.5))
        self._links.set_segments([[(perm[k], 1.5), (k, 0.5)] for k in range(d)])
        self._separators.set_segments([[(x, row - 0.5), (x, row + 0.5)] for x in
                                       np.arange(1, d) - 0.5 for row in (0, 2)])
        self.ax_layouts.set_xlim(-0.5, d - 0.5)
        self.ax_layouts.set_ylim(-1.0, 3.0)
        matrix = np.zeros((d, d))
        matrix[np.arange(d), perm] = 1.0
        self._matrix.set_data(matrix)
        self._matrix.set_extent((-0.5, d - 0.5, d - 0.5, -0.5))
        step = max(1, d // 4)
        for axis in (self.ax_layouts.xaxis, self.ax_matrix.xaxis, self.ax_matrix.yaxis):
            axis.set_ticks(range(0, d, step))

    def _apply(self, changed: set[str]) -> bool:
        full = "head_dim" in changed
        if full:
            self._layout_static()
        d, j = self.state["head_dim"], self.state["dim"]
        parts = self.partners()
        inverse = self.inverse()
        a, b = parts["interleaved"][1]
        self._pair_links.set_segments([[(a, 1.5), (inverse[a], 0.5)],
                                       [(b, 1.5), (inverse[b], 0.5)]])
        self._int_box.set_xy((a - 0.5, 1.5))  # the interleaved pair: two adjacent cells
        for rect, k in zip(self._landed_boxes, (a, b)):
            rect.set_xy((inverse[k] - 0.5, -0.5))
        c, e = parts["half"][1]
        for rect, k in zip(self._half_boxes, (c, e)):
            rect.set_xy((k - 0.5, -0.42))
        self._mark_top.set_data([j], [2.75])
        self._mark_bottom.set_data([j], [-0.75])
        self._matrix_marks.set_data([a, b], [inverse[a], inverse[b]])
        return full

    def readout(self) -> str:
        d, j = self.state["head_dim"], self.state["dim"]
        parts = self.partners()
        perm, inverse = self.permutation(), self.inverse()
        i_int, (a, b) = parts["interleaved"]
        i_half, (c, e) = parts["half"]
        if d <= 32:
            listing = ", ".join(str(v) for v in perm)
        else:
            listing = f"0, 2, \u2026, {d - 2}, 1, 3, \u2026, {d - 1}"
        return "\n".join([
            f"head dim d = {d} ({d // 2} pairs), feature j = {j}",
            f"interleaved (RoFormer, Meta, GPT-J): feature {j} is in pair {i_int} = "
            f"features ({a}, {b})",
            f"half (Hugging Face, GPT-NeoX): feature {j} is in pair {i_half} = "
            f"features ({c}, {e})",
            f"P = pairing_permutation({d}) = [{listing}]",
            f"P moves interleaved feature {j} to half position {inverse[j]}; its pair ({a}, {b}) "
            f"lands on ({inverse[a]}, {inverse[b]}) = half pair {i_int}",
            f"W_q, W_k of every head: permute_qk_weight moves row {a} to row {inverse[a]} and "
            f"row {b} to row {inverse[b]}",
        ])

    @property
    def alt_text(self) -> str:
        return (
            "First panel: the features of one head drawn twice, as a row for the interleaved "
            "layout and a row for the half layout, each feature coloured by the pair it belongs "
            "to, with lines showing where the permutation P moves each interleaved feature; the "
            "selected feature's interleaved pair and the two half positions it lands on are "
            "outlined, and the half pair that contains the same index is dashed. Second panel: "
            "P as a matrix with one filled cell per row, the selected pair's two cells marked."
        )

    # -- the static twin ---------------------------------------------------------------------
    _twin_script = "pairing.js"

    def _twin_data(self) -> dict[str, Any]:
        return {
            "perm": {str(d): pairing_permutation(d).tolist() for d in self.head_dims},
            "pairs": {str(d): {layout: [pair_of(j, d, layout)[0] for j in range(d)]
                               for layout in LAYOUTS} for d in self.head_dims},
            "lut": colormap_table(SEQUENTIAL_CMAP),
            "colors": {"pair": "vermillion", "mark": "black"},
        }

