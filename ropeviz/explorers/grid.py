r"""The patch-grid explorer: 2-D RoPE attention from one image patch to all the others.

An image cut into an :math:`H \times W` grid of patches gives every token a position
:math:`p = (x, y)`. With 2-D RoPE pair :math:`i` of a query or key turns by
:math:`p\cdot\omega_i`, so the score of a query at :math:`p` and a key at :math:`p'` depends
only on the offset :math:`\Delta = p' - p` (:mod:`ropeviz.multidim`).

The left panel shows the attention weights of the query patch (outlined) over the whole grid;
the right panel shows the score as a function of the offset, :math:`s(\Delta x, \Delta y)`, once
and for all, with a box around the offsets the grid covers for the current query. The left
panel is always the boxed part of the right one (through a softmax): move the query and the box
slides over a map that never changes.

The third slider turns the frequency vectors. At :math:`\varphi = 0` they are axial (half the
pairs along :math:`x`, half along :math:`y`, Heo et al.'s RoPE-Axial) and the score map is a
cross: a function of :math:`\Delta x` plus a function of :math:`\Delta y`. At other angles they
are RoPE-Mixed's initialisation turned by :math:`\varphi` (same magnitudes), and the map turns
with them, diagonals included. Query and key are the same constant vector (every pair
:math:`(1, 0)`), so the map is :math:`s(\Delta) = \sum_i \cos(\Delta\cdot\omega_i)`: the
geometry of the frequencies themselves, with no content mixed in.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from matplotlib.patches import Rectangle

from .._checks import check_base, check_head_dim, check_positive_int
from ..multidim import axial_frequencies, mixed_frequencies
from ..plotting import OKABE_ITO, SEQUENTIAL_CMAP
from ._base import Control, Explorer
from ._frames import colormap_table

__all__ = ["GridExplorer", "ANGLES", "grid_frequencies", "offset_scores"]

ANGLES: tuple[int, ...] = (0, 15, 30, 45, 60, 75, 90)
"""Directions offered by the angle slider, in degrees (0 is axial 2-D RoPE)."""

MAX_SIDE = 32
"""The largest grid side the explorer draws."""

TIE = 1e-9
"""Weights within this of the largest count as tied; the first in raster order wins."""


def grid_frequencies(head_dim: int, base: float, angle: int) -> np.ndarray:
    r"""Frequency vectors for direction ``angle`` (degrees): axial at 0, else RoPE-Mixed's init.

    Returns:
        shape ``(2, head_dim // 2)``: rows :math:`\theta^x_i` and :math:`\theta^y_i`.
    """
    if angle == 0:
        return axial_frequencies(head_dim, base)
    return mixed_frequencies(head_dim, base, math.radians(angle))


def offset_scores(frequencies: np.ndarray, height: int, width: int) -> np.ndarray:
    r"""The score map :math:`s(\Delta) = \sum_i \cos(\Delta x\,\theta^x_i + \Delta y\,\theta^y_i)`.

    This is :math:`(R_p q)\cdot(R_{p'} k)` for :math:`q = k` = every pair :math:`(1, 0)` and
    :math:`\Delta = p' - p`.

    Returns:
        shape ``(2 * height - 1, 2 * width - 1)``; entry ``[dy + height - 1, dx + width - 1]``
        is :math:`s(\Delta x, \Delta y)`.
    """
    dy, dx = np.meshgrid(np.arange(1 - height, height, dtype=np.float64),
                         np.arange(1 - width, width, dtype=np.float64), indexing="ij")
    total = np.zeros(dx.shape)
    for fx, fy in zip(frequencies[0], frequencies[1]):  # the same order as the twin's sum
        total += np.cos(dx * fx + dy * fy)
    return total


class GridExplorer(Explorer):
    r"""Sliders for the query patch's :math:`x` and :math:`y` and the frequencies' direction.

    Args:
        height, width: the patch grid, :math:`H \times W` (each ``1..32``).
        head_dim: :math:`d`, a positive multiple of 4 (``d/4`` magnitudes per direction).
        base: magnitude base, :math:`|\omega_t| = \text{base}^{-4t/d}` (100, as in Heo et al.'s
            axial ViTs).
        query_x, query_y: the query patch (default: the middle of the grid).
        angle: initial direction in degrees, one of :data:`ANGLES`.
        temperature: the weights are :math:`\mathrm{softmax}(s/\tau)` over the grid, with
            :math:`s(0, 0) = d/2`; the default :math:`\tau = 3` lets the weights show more than
            the query's nearest neighbours.

    Attributes:
        maps: ``{angle: score map}`` from :func:`offset_scores`, one per slider position.

    Example::

        explorer = GridExplorer(query_x=2, query_y=7)
        explorer.update(angle=45)        # diagonal frequency vectors
        explorer.weights()               # (height, width) attention of the query patch
    """

    kind = "grid"
    title = "2-D RoPE on a patch grid"
    panels = (("weights", "Attention weights of the query patch over the grid"),
              ("map", "Score as a function of the offset between key and query patch"))

    def __init__(
        self,
        height: int = 12,
        width: int = 12,
        head_dim: int = 32,
        base: float = 100.0,
        *,
        query_x: int | None = None,
        query_y: int | None = None,
        angle: int = 0,
        temperature: float = 3.0,
    ):
        self.height = check_positive_int(height, "height")
        self.width = check_positive_int(width, "width")
        for name, side in (("height", self.height), ("width", self.width)):
            if side > MAX_SIDE:
                raise ValueError(f"{name} must be at most {MAX_SIDE}, got {side}")
        self.head_dim = check_head_dim(head_dim)
        if self.head_dim % 4:
            raise ValueError(f"head_dim must be a multiple of 4, got {self.head_dim}")
        self.base = check_base(base)
        self.controls = (
            Control("query_x", "query x", 0, self.width - 1),
            Control("query_y", "query y", 0, self.height - 1),
            Control("angle", "direction \u03c6", options=ANGLES,
                    labels=tuple(f"{a}\u00b0" for a in ANGLES)),
        )
        self.frequencies = {a: grid_frequencies(self.head_dim, self.base, a) for a in ANGLES}
        self.maps = {a: offset_scores(f, self.height, self.width)
                     for a, f in self.frequencies.items()}
        self.temperature = check_base(temperature, "temperature")
        self.scale = 1.0 / self.temperature
        self.score_range = (float(min(m.min() for m in self.maps.values())),
                            float(max(m.max() for m in self.maps.values())))
        self.weight_limit = self._largest_weight()
        super().__init__({
            "query_x": self.width // 2 if query_x is None else query_x,
            "query_y": self.height // 2 if query_y is None else query_y,
            "angle": angle,
        })

    # -- the numbers -------------------------------------------------------------------------
    def window(self, query_x: int | None = None, query_y: int | None = None,
               angle: int | None = None) -> np.ndarray:
        r"""Scores of the query patch against every key patch, shape ``(height, width)``.

        Entry ``[y, x]`` is :math:`s(x - q_x, y - q_y)`: the boxed part of the map.
        """
        qx = self.state["query_x"] if query_x is None else query_x
        qy = self.state["query_y"] if query_y is None else query_y
        scores = self.maps[self.state["angle"] if angle is None else angle]
        top, left = self.height - 1 - qy, self.width - 1 - qx
        return scores[top:top + self.height, left:left + self.width]

    def weights(self, **where: int) -> np.ndarray:
        r"""Attention weights of the query patch: :math:`\mathrm{softmax}(s/\tau)` over the grid.

        Returns:
            shape ``(height, width)``, summing to 1.
        """
        logits = self.window(**where) * self.scale
        exp = np.exp(logits - logits.max())
        return exp / exp.sum()

    def strongest_other(self) -> tuple[int, int, float]:
        """The most-attended patch other than the query, as ``(x, y, weight)``.

        Ties (the maps are symmetric) go to the first patch in raster order.
        """
        w = self.weights().ravel().copy()
        me = self.state["query_y"] * self.width + self.state["query_x"]
        w[me] = -1.0
        best = int(np.nonzero(w >= w.max() - TIE)[0][0])
        return best % self.width, best // self.width, float(w[best])

    def _largest_weight(self) -> float:
        """The colour scale's top: the largest weight on a patch *other* than the query.

        The query's own weight, always the largest, is drawn saturated, so that the colours
        resolve the pattern around it.
        """
        largest = 0.0
        for angle in ANGLES:
            for qy in range(self.height):
                for qx in range(self.width):
                    w = self.weights(query_x=qx, query_y=qy, angle=angle).copy()
                    w[qy, qx] = 0.0
                    largest = max(largest, float(w.max()))
        return largest

    # -- drawing -----------------------------------------------------------------------------
    def _build(self) -> None:
        fig = self.figure
        H, W = self.height, self.width
        self.ax_grid = fig.add_axes((0.07, 0.14, 0.34, 0.70))
        self.ax_grid_bar = fig.add_axes((0.425, 0.14, 0.012, 0.70))
        self.ax_map = fig.add_axes((0.56, 0.14, 0.34, 0.70))
        self.ax_map_bar = fig.add_axes((0.915, 0.14, 0.012, 0.70))

        ax = self.ax_grid
        self._weights_image = self._dynamic(ax.imshow(
            np.zeros((H, W)), cmap=SEQUENTIAL_CMAP, vmin=0.0, vmax=self.weight_limit,
            interpolation="nearest", origin="upper"))
        fig.colorbar(self._weights_image, cax=self.ax_grid_bar, extend="max")
        self.ax_grid_bar.tick_params(labelsize=8)
        ax.set(xlim=(-0.5, W - 0.5), ylim=(H - 0.5, -0.5), aspect="equal",
               xlabel="patch x", ylabel="patch y")
        ax.set_title("Attention weights of the outlined\nquery patch over the grid",
                     fontsize=10.5)
        ax.tick_params(labelsize=8)
        ax.grid(False)
        self._query_box = self._dynamic(ax.add_patch(Rectangle(
            (-0.5, -0.5), 1, 1, fill=False, edgecolor=OKABE_ITO["vermillion"], lw=2.4)))

        axm = self.ax_map
        low, high = self.score_range
        self._map_image = self._dynamic(axm.imshow(
            self.maps[0], cmap=SEQUENTIAL_CMAP, vmin=low, vmax=high,
            interpolation="nearest", origin="upper",
            extent=(-W + 0.5, W - 0.5, H - 0.5, -H + 0.5)))
        fig.colorbar(self._map_image, cax=self.ax_map_bar)
        self.ax_map_bar.tick_params(labelsize=8)
        axm.set(xlim=(-W + 0.5, W - 0.5), ylim=(H - 0.5, -H + 0.5), aspect="equal",
                xlabel="\u0394x = key x \u2212 query x", ylabel="\u0394y = key y \u2212 query y")
        axm.set_title("Score s(\u0394x, \u0394y): the same for every query;\n"
                      "the box is what the first panel shows", fontsize=10.5)
        axm.tick_params(labelsize=8)
        axm.grid(False)
        axm.plot([0], [0], "+", color=OKABE_ITO["black"], ms=8)
        self._window_box = self._dynamic(axm.add_patch(Rectangle(
            (0, 0), W, H, fill=False, edgecolor=OKABE_ITO["black"], lw=1.8)))

    def _apply(self, changed: set[str]) -> bool:
        qx, qy = self.state["query_x"], self.state["query_y"]
        self._weights_image.set_data(self.weights())
        self._query_box.set_xy((qx - 0.5, qy - 0.5))
        if "angle" in changed:
            self._map_image.set_data(self.maps[self.state["angle"]])
        self._window_box.set_xy((-qx - 0.5, -qy - 0.5))
        return False

    def readout(self) -> str:
        qx, qy, angle = self.state["query_x"], self.state["query_y"], self.state["angle"]
        kind = "axial frequency vectors" if angle == 0 else "mixed: axial vectors turned by \u03c6"
        w = self.weights()
        x, y, best = self.strongest_other()
        return (
            f"query patch (x, y) = ({qx}, {qy}); \u03c6 = {angle}\u00b0 ({kind})\n"
            f"attention on itself {w[qy, qx]:.3f}; strongest other patch ({x}, {y}) with "
            f"{best:.3f}\n"
            f"box: \u0394x from {-qx} to {self.width - 1 - qx}, \u0394y from {-qy} to "
            f"{self.height - 1 - qy}; s(0, 0) = {self.head_dim // 2} for every query"
        )

    @property
    def alt_text(self) -> str:
        return (
            "First panel: a grid of image patches coloured by how much attention the outlined "
            "query patch pays to each, brightest on the query and along the directions of the "
            "frequency vectors. Second panel: the attention score as a function of the offset "
            "between key and query patch, a cross for axial 2-D RoPE that turns with the angle "
            "slider, with a box marking the offsets the first panel shows; moving the query "
            "slides the box over the unchanged map."
        )

    # -- the static twin ---------------------------------------------------------------------
    _twin_script = "grid.js"

    def _twin_data(self) -> dict[str, Any]:
        return {
            "height": self.height,
            "width": self.width,
            "headDim": self.head_dim,
            "scale": self.scale,
            "tie": TIE,
            "freqs": {str(a): f.tolist() for a, f in self.frequencies.items()},
            "weightLimit": self.weight_limit,
            "scoreRange": list(self.score_range),
            "lut": colormap_table(SEQUENTIAL_CMAP),
            "colors": {"query": "vermillion", "box": "black"},
        }
