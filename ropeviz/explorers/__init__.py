"""Explorers: figures with sliders, live in Jupyter and Colab, alive in the static HTML book.

Each explorer is one call in a notebook; display it as a cell's last expression. See
:mod:`ropeviz.explorers._base` for the contract every explorer keeps.

* :class:`RotationExplorer`: one pair as a rotating arrow and all pairs as clock faces.
* :class:`RelativeExplorer`: query and key positions; the score depends only on m - n.
"""

from ._base import Control, Explorer
from .relative import RelativeExplorer
from .rotation import RotationExplorer

__all__ = ["Control", "Explorer", "RelativeExplorer", "RotationExplorer"]
