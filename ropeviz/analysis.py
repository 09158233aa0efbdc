r"""Quantities computed *about* RoPE: bounds and expectations the book plots and checks."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._checks import as_numpy, check_real_finite
from .rope import inv_frequencies

__all__ = ["decay_bound"]


def decay_bound(distances: Any, head_dim: int = 128, base: float = 10_000.0) -> np.ndarray:
    r"""RoFormer's "long-term decay" curve, :math:`\frac{1}{d/2}\sum_{j=1}^{d/2} |S_j|`.

    Su et al. (2021, §3.4.3) bound the RoPE score of an aligned query/key pair at relative
    distance :math:`r` by :math:`\max_i |h_{i+1} - h_i| \sum_j |S_j|` with the partial sums

    .. math:: S_j = \sum_{i=0}^{j-1} e^{\mathrm{i}\, r \theta_i}, \qquad j = 1, \dots, d/2,

    and plot the mean :math:`\frac{1}{d/2}\sum_j |S_j|` against :math:`r` (their Figure 2, with
    :math:`d = 128`). At :math:`r = 0` every term is real and the value is :math:`(d/2 + 1)/2`.

    Args:
        distances: relative distances :math:`r` (any shape ``R``; floats allowed).
        head_dim: :math:`d`.
        base: frequency base.

    Returns:
        float64 array of shape ``R``.
    """
    r = check_real_finite(as_numpy(distances, "distances"), "distances").astype(np.float64)
    phases = np.exp(1j * r[..., None] * inv_frequencies(head_dim, base))
    partial_sums = np.cumsum(phases, axis=-1)  # S_1 .. S_{d/2}
    return np.abs(partial_sums).mean(axis=-1)
