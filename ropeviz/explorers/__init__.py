"""Explorers: figures with sliders, live in Jupyter and Colab, alive in the static HTML book.

Each explorer is one call in a notebook; display it as a cell's last expression. See
:mod:`ropeviz.explorers._base` for the contract every explorer keeps.

* :class:`RotationExplorer`: one pair as a rotating arrow and all pairs as clock faces.
* :class:`SinusoidalExplorer`: the sinusoidal table; PE(p) -> PE(p+k) is a rotation by k theta_i.
* :class:`BinarySinusoidalExplorer`: the bits of p jump; a smooth code of the same periods glides.
* :class:`RelativeExplorer`: query and key positions; the score depends only on m - n.
* :class:`GridExplorer`: 2-D RoPE on image patches; the score depends only on (dx, dy).
* :class:`PairingExplorer`: interleaved vs half pairing, and the permutation between them.
* :class:`ScoreDistanceExplorer`: score against distance for aligned, related, random q, k; p-RoPE.
* :class:`PhaseExplorer`: the score as a sum of per-pair phasors that interfere.
* :class:`ScalingExplorer`: PI, NTK, dynamic NTK, YaRN and Llama 3 on every pair's wavelength.
* :class:`ModelScalingExplorer`: a real model's config (the presets) at a target context.
"""

from ._base import Control, Explorer
from .binary import BinarySinusoidalExplorer
from .extension import ScalingExplorer
from .grid import GridExplorer
from .model_scaling import ModelScalingExplorer
from .pairing import PairingExplorer
from .phase import PhaseExplorer
from .relative import RelativeExplorer
from .rotation import RotationExplorer
from .score_distance import ScoreDistanceExplorer
from .sinusoidal import SinusoidalExplorer

__all__ = [
    "BinarySinusoidalExplorer",
    "Control",
    "Explorer",
    "GridExplorer",
    "ModelScalingExplorer",
    "PairingExplorer",
    "PhaseExplorer",
    "RelativeExplorer",
    "RotationExplorer",
    "ScalingExplorer",
    "ScoreDistanceExplorer",
    "SinusoidalExplorer",
]
