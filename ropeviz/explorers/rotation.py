r"""The RoPE rotation explorer: one pair as a rotating arrow, and all pairs as clock faces.

Pair :math:`i` of a query at position :math:`m` is turned by :math:`m\,\theta_i` with
:math:`\theta_i = \text{base}^{-2i/d}`. The left panel shows the selected pair of a (seeded)
query before and after the rotation; the right panel shows the angle :math:`m\theta_i` of every
pair at once, one small clock per pair, so the fast pairs (which spin) and the slow ones (which
barely move) are seen side by side.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.patches import FancyArrowPatch

from .._checks import check_base, check_head_dim, check_pairing, check_positive_int
from ..plotting import OKABE_ITO
from ..rope import inv_frequencies, pair_slices
from ._base import Control, Explorer

__all__ = ["RotationExplorer", "HEAD_DIMS", "BASES"]

HEAD_DIMS: tuple[int, ...] = (2, 4, 8, 16, 32, 64, 128, 256)
"""Head dimensions offered by the head-dim slider (the explorer's own is added if missing)."""

BASES: tuple[float, ...] = (10.0, 100.0, 1_000.0, 10_000.0, 100_000.0, 500_000.0, 1_000_000.0)
"""Bases offered by the base slider: 10 000 (RoFormer, Llama 2), 500 000 (Llama 3), 10^6, ..."""

CLOCK_RADIUS = 0.42
_CIRCLE = np.linspace(0.0, 2.0 * np.pi, 49)


def clock_columns(num_pairs: int) -> int:
    """Clocks per row: 8 up to 64 pairs (head dim 128), then 16."""
    return 8 if num_pairs <= 64 else 16


def clock_centres(num_pairs: int) -> np.ndarray:
    """Grid positions of the clock faces, pair 0 top left, row by row; shape ``(num_pairs, 2)``."""
    index = np.arange(num_pairs)
    columns = clock_columns(num_pairs)
    return np.stack([index % columns, -(index // columns)], axis=1).astype(float)


class RotationExplorer(Explorer):
    r"""Sliders for position :math:`m`, pair :math:`i`, base and head dimension :math:`d`.

    Args:
        head_dim: :math:`d` (a positive even integer); the slider offers :data:`HEAD_DIMS`.
            The default, 128, is Llama's head dimension (64 pairs).
        base: frequency base; the slider offers :data:`BASES`.
        position: initial position :math:`m`, ``0 <= position <= max_position``.
        pair: initial pair :math:`i`, ``0 <= pair < head_dim // 2``. ``update(pair=...)``
            beyond the current head dimension's last pair raises ``ValueError``; a smaller
            ``head_dim`` moves a pair beyond its end to the last pair.
        max_position: the position slider's maximum.
        pairing: which dimensions form pair :math:`i` of the query (``"interleaved"`` or
            ``"half"``, as in :func:`ropeviz.apply_rope`).
        seed: seed of the random query shown (one vector per head dimension).

    Example::

        explorer = RotationExplorer(head_dim=128, position=100, pair=3)
        explorer.update(position=2048, pair=10)    # what the sliders do
        explorer.figure                             # the matplotlib figure
    """

    kind = "rotation"
    title = "RoPE rotation explorer"
    panels = (("pair", "Pair i of a query on the unit circle, before and after rotation"),
              ("clocks", "Clock faces: the rotation angle of every pair"))

    def __init__(
        self,
        head_dim: int = 128,
        base: float = 10_000.0,
        *,
        position: int = 0,
        pair: int = 0,
        max_position: int = 4096,
        pairing: str = "interleaved",
        seed: int = 0,
    ):
        head_dim = check_head_dim(head_dim)
        base = check_base(base)
        max_position = check_positive_int(max_position, "max_position")
        self.pairing = check_pairing(pairing)
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
        self.seed = int(seed)
        self.head_dims = tuple(sorted(set(HEAD_DIMS) | {head_dim}))
        self.bases = tuple(sorted(set(BASES) | {base}))
        self.controls = (
            Control("position", "position m", 0, max_position, play_ms=100),
            Control("pair", "pair i", 0, max(self.head_dims) // 2 - 1),
            Control("base", "base", options=self.bases),
            Control("head_dim", "head dim d", options=self.head_dims),
        )
        self.queries = {
            d: np.random.default_rng(self.seed).normal(size=d) for d in self.head_dims
        }
        super().__init__(
            {"position": position, "pair": pair, "base": base, "head_dim": head_dim}
        )

    # -- state helpers -----------------------------------------------------------------------
    def _limits(self) -> dict[str, int]:
        # The pair slider ends at the last pair of the current head dimension; when the head
        # dimension shrinks, a pair beyond it follows the slider's end (see Explorer.update).
        return {"pair": self.state["head_dim"] // 2 - 1}

    def pair_vectors(self) -> np.ndarray:
        """The query's pairs at position 0, shape ``(head_dim // 2, 2)``."""
        d = self.state["head_dim"]
        query = self.queries[d]
        first, second = pair_slices(d, self.pairing)
        return np.stack([query[first], query[second]], axis=1)

    def angles(self) -> np.ndarray:
        r"""The rotation :math:`m\theta_i` of every pair (unwrapped, radians); shape ``(d/2,)``."""
        theta = inv_frequencies(self.state["head_dim"], self.state["base"])
        return self.state["position"] * theta

    # -- drawing -----------------------------------------------------------------------------
    def _build(self) -> None:
        fig = self.figure
        self.ax_pair = fig.add_axes((0.07, 0.13, 0.33, 0.74))
        self.ax_clocks = fig.add_axes((0.45, 0.02, 0.54, 0.86))
        ax = self.ax_pair
        ax.plot(np.cos(_CIRCLE), np.sin(_CIRCLE), color="#999999", lw=1)
        ax.axhline(0, color="#cccccc", lw=0.8)
        ax.axvline(0, color="#cccccc", lw=0.8)
        ax.set(xlim=(-1.2, 1.2), ylim=(-1.2, 1.2), aspect="equal",
               xlabel="first component (normalised)", ylabel="second component")
        ax.set_title("Pair i of a query: position 0 (dashed)\nand position m (solid)",
                     fontsize=10.5)
        ax.tick_params(labelsize=8)
        self._start_arrow = self._dynamic(FancyArrowPatch(
            (0, 0), (1, 0), arrowstyle="-|>", mutation_scale=14, lw=1.5,
            color="#888888", linestyle="--"))
        self._end_arrow = self._dynamic(FancyArrowPatch(
            (0, 0), (1, 0), arrowstyle="-|>", mutation_scale=16, lw=2.4,
            color=OKABE_ITO["blue"]))
        ax.add_patch(self._start_arrow)
        ax.add_patch(self._end_arrow)
        (self._arc,) = ax.plot([], [], color=OKABE_ITO["orange"], lw=2)
        self._dynamic(self._arc)

        axc = self.ax_clocks
        axc.set_axis_off()
        axc.set_title("Every pair's rotation m\u00b7\u03b8_i (one clock per pair, "
                      "selected pair circled)", fontsize=10.5)
        self._circles = LineCollection([], colors="#aaaaaa", linewidths=0.8)
        axc.add_collection(self._circles)
        self._hands = self._dynamic(LineCollection([], colors=OKABE_ITO["blue"], linewidths=1.6))
        axc.add_collection(self._hands)
        self._highlight = self._dynamic(LineCollection(
            [], colors=OKABE_ITO["vermillion"], linewidths=2.2))
        axc.add_collection(self._highlight)
        self._clock_labels: list[Any] = []

    def _layout_clocks(self) -> None:
        """Static part of the clock grid: circles, zero marks and row labels (per head dim)."""
        num_pairs = self.state["head_dim"] // 2
        centres = clock_centres(num_pairs)
        columns = clock_columns(num_pairs)
        r = CLOCK_RADIUS
        circles = [np.c_[x + r * np.cos(_CIRCLE), y + r * np.sin(_CIRCLE)] for x, y in centres]
        ticks = [[(x + 0.75 * r, y), (x + r, y)] for x, y in centres]
        self._circles.set_segments(circles + ticks)
        for label in self._clock_labels:
            label.remove()
        self._clock_labels = [
            self.ax_clocks.text(x - 0.62, y, str(i), ha="right", va="center", fontsize=8,
                                color="#555555")
            for i, (x, y) in enumerate(centres) if i % columns == 0
        ]
        rows = int(np.ceil(num_pairs / columns))
        self.ax_clocks.set_xlim(-1.4, columns - 0.45)
        self.ax_clocks.set_ylim(-max(rows, 8) + 0.45, 0.6)
        self.ax_clocks.set_aspect("equal", anchor="N")

    def _apply(self, changed: set[str]) -> bool:
        full = "head_dim" in changed
        if full:
            self._layout_clocks()
        d, i = self.state["head_dim"], self.state["pair"]
        angles = self.angles()
        start = float(np.arctan2(*self.pair_vectors()[i, ::-1]))
        turn = float(np.mod(angles[i], 2 * np.pi))
        end = start + turn
        self._start_arrow.set_positions((0, 0), (np.cos(start), np.sin(start)))
        self._end_arrow.set_positions((0, 0), (np.cos(end), np.sin(end)))
        arc = np.linspace(start, end, max(2, int(turn * 20)))
        self._arc.set_data(0.3 * np.cos(arc), 0.3 * np.sin(arc))
        centres = clock_centres(d // 2)
        tips = centres + CLOCK_RADIUS * 0.9 * np.stack([np.cos(angles), np.sin(angles)], axis=1)
        self._hands.set_segments(np.stack([centres, tips], axis=1))
        x, y = centres[i]
        r = CLOCK_RADIUS * 1.15
        self._highlight.set_segments([np.c_[x + r * np.cos(_CIRCLE), y + r * np.sin(_CIRCLE)]])
        return full

    def readout(self) -> str:
        d, m, i = self.state["head_dim"], self.state["position"], self.state["pair"]
        theta = inv_frequencies(d, self.state["base"])[i]
        angle = m * theta
        turn = float(np.mod(angle, 2 * np.pi))
        first, second = (2 * i, 2 * i + 1) if self.pairing == "interleaved" else (i, i + d // 2)
        norm = float(np.hypot(*self.pair_vectors()[i]))
        return (
            f"pair {i} of {d // 2}: dims ({first}, {second}), |pair| = {norm:.3f} "
            f"(unchanged by the rotation)\n"
            f"\u03b8_i = base^(-2i/d) = {theta:.4g} rad/token, "
            f"wavelength 2\u03c0/\u03b8_i = {2 * np.pi / theta:.4g} tokens\n"
            f"m\u00b7\u03b8_i = {angle:.4g} rad = {angle / (2 * np.pi):.4g} turns; "
            f"mod 2\u03c0: {turn:.3f} rad ({np.degrees(turn):.1f}\u00b0)"
        )

    @property
    def alt_text(self) -> str:
        return (
            "First panel: one pair of a random query drawn as an arrow on the unit circle, at "
            "position 0 (dashed) and rotated to position m (solid), with the angle between them "
            "marked. Second panel: one small clock per pair whose hand shows that pair's rotation"
            " m times theta_i; the first pairs turn fastest, the last ones barely move."
        )

    # -- the static twin ---------------------------------------------------------------------
    _twin_script = "rotation.js"

    def _twin_data(self) -> dict[str, Any]:
        vectors = {}
        for d, query in self.queries.items():
            first, second = pair_slices(d, self.pairing)
            vectors[str(d)] = {
                "start": np.round(np.arctan2(query[second], query[first]), 6).tolist(),
                "norm": np.round(np.hypot(query[first], query[second]), 6).tolist(),
            }
        return {
            "pairing": self.pairing,
            "vectors": vectors,
            "colors": {"hand": OKABE_ITO["blue"], "arc": OKABE_ITO["orange"],
                       "highlight": OKABE_ITO["vermillion"]},
        }
