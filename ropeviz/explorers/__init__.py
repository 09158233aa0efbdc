"""Explorers: figures with sliders, live in Jupyter and Colab, alive in the static HTML book.

Each explorer is one call in a notebook; display it as a cell's last expression. See
:mod:`ropeviz.explorers._base` for the contract every explorer keeps.

* :class:`RotationExplorer`: one pair as a rotating arrow and all pairs as clock faces.
* :class:`SinusoidalExplorer`: the sinusoidal table; PE(p) -> PE(p+k) is a rotation by k theta_i.
* :class:`BinarySinusoidalExplorer`: the bits of p jump; a smooth code of the same periods glides.
* :class:`RelativeExplorer`: query and key positions; the score depends only on m - n.
* :class:`GridExplorer`: 2-D RoPE on image patches; the score depends only on (dx, dy).
"""

from ._base import Control, Explorer
from .binary import BinarySinusoidalExplorer
from .grid import GridExplorer
from .relative import RelativeExplorer
from .rotation import RotationExplorer
from .sinusoidal import SinusoidalExplorer

__all__ = [
    "BinarySinusoidalExplorer",
    "Control",
    "Explorer",
    "GridExplorer",
    "RelativeExplorer",
    "RotationExplorer",
    "SinusoidalExplorer",
]
