r"""Quantities computed *about* RoPE: bounds and expectations the book plots and checks."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from ._checks import (
    as_numpy,
    check_head_dim,
    check_positive_int,
    check_real_array,
    check_real_finite,
    is_torch,
)
from .rope import inv_frequencies, pair_slices

__all__ = ["decay_bound"]


def decay_bound(distances: Any, head_dim: int = 128, base: float = 10_000.0) -> np.ndarray:
    r"""RoFormer's "long-term decay" curve, :math:`\frac{1}{d/2}\sum_{j=1}^{d/2} |S_j|`.

    Su et al. (2021, §3.4.3) bound the RoPE score at relative distance :math:`r` by
    :math:`\max_i |h_{i+1} - h_i| \sum_j |S_j|`, where :math:`h_i` is pair :math:`i` of the query
    times the conjugate of pair :math:`i` of the key, extended by :math:`h_{d/2} = 0` (required,
    not a convention: summation by parts leaves a term :math:`h_{d/2} S_{d/2}` that only this
    makes vanish; chapter 5 checks it), and the partial sums are

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


# ------------------------------------------------------------------------------------------
# Frequency usage, expected logits, spectra (chapters 7 and 8; Barbero et al. 2025,
# Ruscio & Silvestri 2024)
# ------------------------------------------------------------------------------------------

__all__ += [
    "pair_norms",
    "frequency_norms",
    "expected_logits",
    "exact_expected_logits",
    "spectrum",
    "spectral_peaks",
    "attention_entropy",
]

LOGIT_KINDS = ("gaussian", "aligned", "constant")
"""Query/key distributions of :func:`expected_logits`."""


def pair_norms(x: Any, pairing: str = "interleaved") -> np.ndarray:
    r"""The 2-norm of every rotating pair, :math:`\|x^{(i)}\| = \sqrt{a_i^2 + b_i^2}`.

    Rotations leave these norms unchanged, so they can be taken before or after RoPE.

    Args:
        x: queries or keys, shape ``(..., head_dim)`` (NumPy or torch).
        pairing: ``"interleaved"`` (pairs ``(2i, 2i+1)``) or ``"half"`` (pairs
            ``(i, i + d/2)``, Hugging Face's layout).

    Returns:
        float64 array of shape ``(..., head_dim // 2)``; entry ``i`` belongs to the pair with
        frequency ``inv_frequencies(head_dim)[i]`` (index 0 is the fastest).
    """
    values = as_numpy(check_real_array(x, "x"), "x").astype(np.float64)
    if values.ndim < 1:
        raise ValueError(f"x must have shape (..., head_dim), got shape {values.shape}")
    head_dim = check_head_dim(values.shape[-1], name="head_dim (x.shape[-1])")
    first, second = pair_slices(head_dim, pairing)
    return np.hypot(values[..., first], values[..., second])


def frequency_norms(x: Any, pairing: str = "interleaved") -> np.ndarray:
    r"""Mean 2-norm of every pair, per head: Barbero et al.'s frequency-usage measure.

    Barbero et al. (2025, §4) plot, for every head, the mean over tokens of
    :math:`\|q^{(i)}\|` (or :math:`\|k^{(i)}\|`) for each frequency :math:`i`, since by
    Cauchy-Schwarz a pair can contribute at most :math:`\|q^{(i)}\|\|k^{(i)}\|` to a logit.

    Args:
        x: one layer's queries or keys, shape ``(batch, heads, seq, head_dim)`` or
            ``(heads, seq, head_dim)`` (what :meth:`ropeviz.models.TinyDecoder.queries_keys`
            returns).
        pairing: the layout of the pairs, ``"interleaved"`` or ``"half"``.

    Returns:
        float64 array ``(heads, head_dim // 2)``: the mean over batch and sequence.

    Raises:
        ValueError: ``x`` has the wrong number of axes, an odd ``head_dim``, or no token to
            average over (batch or seq of 0).
    """
    norms = pair_norms(x, pairing)
    shape = norms.shape[:-1] + (2 * norms.shape[-1],)
    if norms.ndim not in (3, 4):
        raise ValueError(
            "x must have shape (batch, heads, seq, head_dim) or (heads, seq, head_dim), "
            f"got {shape}"
        )
    axes = (0, 2) if norms.ndim == 4 else (1,)
    if any(norms.shape[axis] == 0 for axis in axes):
        raise ValueError(f"x must hold at least one token (batch and seq >= 1), got shape {shape}")
    return norms.mean(axis=axes)


def _relative_logits(q: np.ndarray, k: np.ndarray, r: np.ndarray, freqs: np.ndarray) -> np.ndarray:
    """``(R_{n+r} q) . (R_n k)`` for every sample and distance: ``(samples, len(r))``.

    Per pair this is ``A cos(r theta) + B sin(r theta)`` with ``A = q_a k_a + q_b k_b`` and
    ``B = q_a k_b - q_b k_a`` (interleaved pairs; the layout does not change the value).
    """
    qa, qb, ka, kb = q[:, 0::2], q[:, 1::2], k[:, 0::2], k[:, 1::2]
    a, b = qa * ka + qb * kb, qa * kb - qb * ka
    phase = r[None, :] * freqs[:, None]  # (d/2, R)
    return a @ np.cos(phase) + b @ np.sin(phase)


def _check_kind(kind: Any) -> str:
    if not isinstance(kind, str) or kind not in LOGIT_KINDS:
        raise ValueError(f"kind must be one of {LOGIT_KINDS}, got {kind!r}")
    return kind


def expected_logits(
    distances: Any,
    head_dim: int = 128,
    base: float = 10_000.0,
    *,
    kind: str = "gaussian",
    samples: int = 1_000,
    seed: int = 0,
) -> np.ndarray:
    r"""Monte Carlo mean of the RoPE logit :math:`\langle R_{n+r} q, R_n k\rangle` at distance r.

    The logit does not depend on :math:`n` (RoPE is relative), only on the distance :math:`r`
    between the query and the key. ``kind`` says how ``q`` and ``k`` are drawn:

    * ``"gaussian"``: independent, :math:`q, k \sim \mathcal N(0, I_d)`. The exact mean is 0
      at every distance (Barbero et al. 2025, Prop. 3.2);
    * ``"aligned"``: :math:`k = q \sim \mathcal N(0, I_d)`;
    * ``"constant"``: :math:`q = k = (1, \dots, 1)` (deterministic).

    The last two have the mean :math:`2\sum_i \cos(r\theta_i)`
    (:func:`exact_expected_logits`), which decays, with oscillations, from :math:`d` at
    :math:`r = 0`.

    Args:
        distances: relative distances ``r`` (any shape ``R``).
        head_dim: :math:`d`.
        base: frequency base.
        kind: ``"gaussian"``, ``"aligned"`` or ``"constant"``.
        samples: number of ``(q, k)`` draws.
        seed: seed of ``numpy.random.default_rng``, a non-negative integer.

    Returns:
        float64 array of shape ``R``: the sample mean of the logit at each distance.
    """
    r = check_real_finite(as_numpy(distances, "distances"), "distances").astype(np.float64)
    freqs = inv_frequencies(head_dim, base)
    kind = _check_kind(kind)
    samples = check_positive_int(samples, "samples")
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    rng = np.random.default_rng(int(seed))
    flat = r.reshape(-1)
    total = np.zeros(flat.size)
    chunk = max(1, 2_000_000 // max(1, flat.size))
    done = 0
    while done < samples:
        n = min(chunk, samples - done)
        if kind == "constant":
            q = k = np.ones((n, head_dim))
        else:
            q = rng.standard_normal((n, head_dim))
            k = q if kind == "aligned" else rng.standard_normal((n, head_dim))
        total += _relative_logits(q, k, flat, freqs).sum(axis=0)
        done += n
    return (total / samples).reshape(r.shape)


def exact_expected_logits(
    distances: Any, head_dim: int = 128, base: float = 10_000.0, *, kind: str = "gaussian"
) -> np.ndarray:
    r"""The exact expectation that :func:`expected_logits` estimates.

    ``"gaussian"``: :math:`\mathbb E[q^\top R_{-r} k] = \mathbb E[q]^\top R_{-r}\,\mathbb E[k]
    = 0` (independence, zero means). ``"aligned"``: every pair contributes
    :math:`\mathbb E\|q^{(i)}\|^2 \cos(r\theta_i) = 2\cos(r\theta_i)` (the :math:`\sin` term is
    :math:`q_a q_b - q_b q_a = 0`). ``"constant"``: the all-ones pair :math:`(1, 1)` gives
    the same :math:`2\cos(r\theta_i)`.

    Returns:
        float64 array of the shape of ``distances``.
    """
    r = check_real_finite(as_numpy(distances, "distances"), "distances").astype(np.float64)
    freqs = inv_frequencies(head_dim, base)
    if _check_kind(kind) == "gaussian":
        return np.zeros(r.shape)
    return 2.0 * np.cos(r[..., None] * freqs).sum(axis=-1)


def spectrum(
    x: Any, *, axis: int = -2, window: str | None = "hann", remove_mean: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    r"""Amplitude spectrum over positions (a real FFT along ``axis``).

    Scaled so that a sinusoid :math:`A\cos(\omega m + \phi)` whose frequency falls on an FFT
    bin shows a peak of height :math:`A` at :math:`\omega`.

    Args:
        x: signals sampled at positions ``0 .. N-1`` along ``axis`` (default: the ``seq``
            axis of a ``(..., seq, dim)`` array), NumPy or torch.
        axis: the position axis.
        window: ``"hann"`` (periodic Hann: less leakage between bins, exact heights on bins)
            or ``None`` (rectangular).
        remove_mean: subtract the mean over positions first (drops the 0-frequency bin).

    Returns:
        ``(omega, amplitude)``: ``omega`` in rad/token, shape ``(N // 2 + 1,)``, from 0 to
        :math:`\pi`; ``amplitude`` has ``x``'s shape with ``axis`` replaced by ``N // 2 + 1``.
    """
    values = as_numpy(check_real_array(x, "x"), "x").astype(np.float64)
    if values.ndim == 0:
        raise ValueError("x must have at least one axis of positions, got a scalar")
    if not isinstance(axis, (int, np.integer)) or not -values.ndim <= axis < values.ndim:
        raise ValueError(f"axis must index one of x's {values.ndim} axes, got {axis!r}")
    values = np.moveaxis(values, axis, -1)
    n = values.shape[-1]
    if n < 2:
        raise ValueError(f"x must hold at least 2 positions along axis {axis}, got {n}")
    if not np.all(np.isfinite(values)):
        raise ValueError("x must be finite, got a non-finite value")
    if remove_mean:
        values = values - values.mean(axis=-1, keepdims=True)
    if window is None:
        taper = np.ones(n)
    elif window == "hann":
        taper = 0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(n) / n)  # periodic Hann
    else:
        raise ValueError(f"window must be 'hann' or None, got {window!r}")
    amplitude = 2.0 * np.abs(np.fft.rfft(values * taper, axis=-1)) / taper.sum()
    amplitude[..., 0] /= 2.0  # the mean is not folded
    if n % 2 == 0:
        amplitude[..., -1] /= 2.0  # nor is the Nyquist bin
    omega = 2.0 * np.pi * np.fft.rfftfreq(n)
    return omega, np.moveaxis(amplitude, -1, axis)


def spectral_peaks(
    omega: Any, amplitude: Any, *, count: int = 5, min_relative_height: float = 0.01
) -> np.ndarray:
    """Frequencies of the highest local maxima of a 1-D spectrum.

    Args:
        omega: the frequencies, shape ``(F,)`` (from :func:`spectrum`).
        amplitude: the spectrum, shape ``(F,)``.
        count: at most this many peaks.
        min_relative_height: ignore maxima below this fraction of the highest one.

    Returns:
        float64 array of at most ``count`` frequencies, sorted in increasing order (empty for
        an empty spectrum).
    """
    w = check_real_finite(as_numpy(omega, "omega"), "omega").astype(np.float64)
    a = check_real_finite(as_numpy(amplitude, "amplitude"), "amplitude").astype(np.float64)
    if w.ndim != 1 or a.shape != w.shape:
        raise ValueError(f"amplitude must be 1-D with omega's shape {w.shape}, got {a.shape}")
    count = check_positive_int(count, "count")
    if a.size == 0:
        return np.zeros(0)
    padded = np.concatenate([[-np.inf], a, [-np.inf]])
    is_peak = (padded[1:-1] > padded[:-2]) & (padded[1:-1] >= padded[2:])
    is_peak &= a >= min_relative_height * a.max()
    index = np.flatnonzero(is_peak)
    best = index[np.argsort(-a[index], kind="stable")[:count]]
    return np.sort(w[best])


def attention_entropy(weights: Any, axis: int = -1) -> np.ndarray:
    r"""Shannon entropy (nats) of attention distributions, :math:`-\sum_j \alpha_j \ln\alpha_j`.

    0 for a head that puts all its weight on one token; :math:`\ln n` for uniform attention
    over :math:`n` tokens. Lower means sharper.

    Args:
        weights: non-negative weights summing to 1 along ``axis`` (NumPy or torch). The sums
            may be off by rounding (``numpy.allclose`` with ``atol`` 1e-5, or 4 times the
            resolution ``eps`` of ``weights``' dtype when that is coarser: 0.004 for float16,
            0.03 for bfloat16, since every weight is rounded to that dtype). The entropy is
            that of the weights as given.
        axis: the key axis.

    Returns:
        float64 array of ``weights``' shape without ``axis``.
    """
    checked = check_real_array(weights, "weights")
    tolerance = max(1e-5, 4.0 * _resolution(checked))
    w = check_real_finite(as_numpy(checked, "weights"), "weights")
    w = w.astype(np.float64)
    if w.ndim == 0:
        raise ValueError("weights must have at least one axis, got a scalar")
    if np.any(w < 0) or not np.allclose(w.sum(axis=axis), 1.0, atol=tolerance):
        raise ValueError(
            f"weights must be non-negative and sum to 1 along axis (within {tolerance:.2g} "
            "for their dtype)"
        )
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(w > 0, w * np.log(np.where(w > 0, w, 1.0)), 0.0)
    return -terms.sum(axis=axis)


def _resolution(x: Any) -> float:
    """The machine epsilon of the dtype of ``x`` (a tensor or an array); 0 for integers."""
    if is_torch(x):
        import torch

        return float(torch.finfo(x.dtype).eps) if x.dtype.is_floating_point else 0.0
    return float(np.finfo(x.dtype).eps) if np.issubdtype(x.dtype, np.floating) else 0.0
