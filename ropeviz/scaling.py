r"""Context-length extension: RoPE frequency schedules stretched to longer sequences.

A model trained on sequences of length :math:`L` has seen pair :math:`i` turn through the angles
:math:`m\theta_i` for :math:`m < L` only. Every method here changes the frequencies
:math:`\theta_i = \text{base}^{-2i/d}` (and sometimes the attention temperature) so that a
longer sequence :math:`L' = sL` produces angles the model has seen, or nearly:

* ``"linear"``: Position Interpolation (Chen et al. 2023), :math:`\theta'_i = \theta_i / s`;
* ``"ntk"``: NTK-aware scaling (bloc97 2023), a larger base
  :math:`b' = b\,s^{d/(d-2)}`: the fastest pair is untouched, the slowest is divided by
  :math:`s`;
* ``"dynamic"``: dynamic NTK (emozilla 2023), the NTK base recomputed from the current
  sequence length (Hugging Face's formula);
* ``"yarn"``: YaRN (Peng et al. 2024), "NTK-by-parts" (a ramp between extrapolated fast
  pairs and interpolated slow pairs) plus an attention temperature :math:`0.1\ln s + 1`;
* ``"llama3"``: Llama 3.1's three frequency bands (Grattafiori et al. 2024);
* ``"p-rope"``: p-RoPE (Barbero et al. 2025; Hugging Face's ``"proportional"``): keep the
  fastest fraction :math:`p` of the pairs and set the others' frequency to 0;
* ``"longrope"``: LongRoPE (Ding et al. 2024; Phi-3's ``"longrope"``, first spelled ``"su"``):
  one searched rescale factor per pair, a *short* set used up to the original length and a
  *long* set beyond it, plus an attention factor
  :math:`\sqrt{1 + \ln s / \ln L}`.

YaRN's attention factor ("mscale") has a second, DeepSeek-style spelling: :func:`yarn_mscale`
gives :math:`0.1\,m \ln s + 1`, and with both ``mscale`` and ``mscale_all_dim`` given the factor
on cos and sin is their ratio (1 when they are equal, as in DeepSeek-V3), while DeepSeek's
attention module multiplies its softmax scale by ``yarn_mscale(s, mscale_all_dim) ** 2``
instead. Applying both the plain factor and that softmax correction counts the temperature
twice (chapter 11).

:func:`scaled_inv_frequencies` returns ``(inv_freq, attention_factor)`` exactly like the
initialisation functions of Hugging Face ``transformers``
(``transformers.modeling_rope_utils.ROPE_INIT_FUNCTIONS``), against which the tests check it:
``attention_factor`` multiplies both cos and sin, so the attention logits are multiplied by its
square.

:func:`min_base_for_context` is the lower bound on the base from "Base of RoPE Bounds Context
Length" (Men et al. 2024), found by a grid search because the condition is not monotone in the
base.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

from ._checks import (
    as_numpy,
    check_base,
    check_fraction,
    check_head_dim,
    check_positive_int,
    check_positive_number,
    check_real_finite,
)
from .rope import inv_frequencies

__all__ = [
    "METHODS",
    "scaled_inv_frequencies",
    "rope_pairs_kept",
    "yarn_ramp",
    "yarn_mscale",
    "cosine_sum",
    "min_base_for_context",
]

METHODS: tuple[str, ...] = ("linear", "ntk", "dynamic", "yarn", "llama3", "p-rope", "longrope")
"""The context-extension methods :func:`scaled_inv_frequencies` knows."""

_REQUIRED: dict[str, tuple[str, ...]] = {
    "linear": ("factor",),
    "ntk": ("factor",),
    "dynamic": ("factor", "original_length", "seq_len"),
    "yarn": ("factor", "original_length"),
    "llama3": ("factor", "original_length"),
    "p-rope": ("p",),
    "longrope": ("short_factor", "long_factor", "original_length", "factor"),
}
_OPTIONAL: dict[str, dict[str, Any]] = {
    "linear": {},
    "ntk": {},
    "dynamic": {},
    "yarn": {"beta_fast": 32.0, "beta_slow": 1.0, "attention_factor": None, "ramp": "index",
             "truncate": True, "mscale": None, "mscale_all_dim": None},
    "llama3": {"low_freq_factor": 1.0, "high_freq_factor": 4.0},
    "p-rope": {"factor": 1.0},
    "longrope": {"seq_len": None, "attention_factor": None},
}
YARN_RAMPS = ("index", "ratio")
"""How YaRN's ramp interpolates between its two boundaries (see :func:`yarn_ramp`)."""


def _params_for(method: str, params: dict[str, Any]) -> dict[str, Any]:
    """Check the keyword arguments of one method; return them with defaults filled in."""
    if not isinstance(method, str) or method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    required, optional = _REQUIRED[method], _OPTIONAL[method]
    unknown = sorted(set(params) - set(required) - set(optional))
    if unknown:
        allowed = list(required) + list(optional)
        raise ValueError(
            f"{unknown[0]} is not a parameter of method {method!r}; it takes {allowed}"
        )
    missing = [name for name in required if name not in params]
    if missing:
        raise ValueError(f"{missing[0]} is required by method {method!r}")
    return {**optional, **params}


def rope_pairs_kept(head_dim: int, p: float) -> int:
    r"""How many of the ``head_dim // 2`` pairs keep rotating under p-RoPE (the fastest ones).

    The count is ``int(p * head_dim // 2)``, computed in floating point exactly as
    Hugging Face ``transformers`` does for its ``"proportional"`` RoPE type
    (``_compute_proportional_rope_parameters``). Barbero et al.'s reference code uses the same
    expression, ``int(rope_percentage * head_dim // 2)``, so the two agree for every input.
    This is the one definition in the package: :func:`scaled_inv_frequencies` (``"p-rope"``),
    :func:`ropeviz.models.model_inv_frequencies` and :class:`ropeviz.models.TinyDecoder` use it.

    It is :math:`\lfloor p\,d/2
floor` evaluated with :math:`p\,d` rounded to a float first, so
    for a few inputs it is one less than the exact value: ``0.58 * 100`` is
    ``57.99999999999999``, so ``rope_pairs_kept(100, 0.58)`` is 28, not 29. The pairs a
    checkpoint was trained with are the ones this expression gives, so it is kept as is.

    Args:
        head_dim: :math:`d`, a positive even integer.
        p: the fraction of pairs that rotate, a number in :math:`[0, 1]`.

    Returns:
        An int between 0 (NoPE) and ``head_dim // 2`` (RoPE).
    """
    head_dim = check_head_dim(head_dim)
    p = check_fraction(p, "p")
    return int(p * head_dim // 2)


def yarn_ramp(
    head_dim: int,
    base: float = 10_000.0,
    *,
    original_length: int,
    beta_fast: float = 32.0,
    beta_slow: float = 1.0,
    ramp: str = "index",
    truncate: bool = True,
) -> np.ndarray:
    r"""YaRN's per-pair blend :math:`\gamma_i`: 1 keeps :math:`\theta_i`, 0 divides it by s.

    Pair :math:`i` turns :math:`r_i = L/\lambda_i` times within the original context
    :math:`L` (:math:`\lambda_i = 2\pi/\theta_i`). Pairs with :math:`r_i > \beta_{fast}` (many
    turns) are left alone (:math:`\gamma = 1`), pairs with :math:`r_i < \beta_{slow}` (less than
    a turn) are fully interpolated (:math:`\gamma = 0`), and the pairs in between are blended.

    Two shapes of the blend exist:

    * ``"index"`` (default): linear in the pair index between the (fractional) pair indices
      where :math:`r = \beta_{fast}` and :math:`r = \beta_{slow}`, widened to whole indices
      when ``truncate`` is true. This is what the YaRN authors' code and Hugging Face
      ``transformers`` (``_compute_yarn_parameters``) do; it is linear in :math:`\log r`.
    * ``"ratio"``: the paper's equation, :math:`\gamma(r) = (r - \alpha)/(\beta - \alpha)`
      clipped to :math:`[0, 1]`, with :math:`\alpha = \beta_{slow}`, :math:`\beta = \beta_{fast}`.

    Both give :math:`\gamma = 0` for :math:`r < \beta_{slow}` and :math:`\gamma = 1` for
    :math:`r > \beta_{fast}`; they differ only in between.

    Args:
        head_dim: :math:`d`, a positive even integer.
        base: the frequency base.
        original_length: :math:`L`, the context length the model was trained on.
        beta_fast, beta_slow: the two boundaries, in turns per :math:`L`
            (``beta_fast > beta_slow > 0``; 32 and 1 for Llama in the paper).
        ramp: ``"index"`` or ``"ratio"``.
        truncate: for ``"index"``, round the boundaries outwards to whole pair indices
            (Hugging Face's default); ignored for ``"ratio"``.

    Returns:
        float64 array of shape ``(head_dim // 2,)`` with values in :math:`[0, 1]`.
    """
    head_dim = check_head_dim(head_dim)
    base = check_base(base)
    length = check_positive_int(original_length, "original_length")
    fast = check_positive_number(beta_fast, "beta_fast")
    slow = check_positive_number(beta_slow, "beta_slow")
    if fast <= slow:
        raise ValueError(f"beta_fast must be larger than beta_slow, got {fast} <= {slow}")
    if not isinstance(ramp, str) or ramp not in YARN_RAMPS:
        raise ValueError(f"ramp must be one of {YARN_RAMPS}, got {ramp!r}")
    if not isinstance(truncate, (bool, np.bool_)):
        raise ValueError(f"truncate must be True or False, got {truncate!r}")
    if base <= 1.0:
        raise ValueError(f"base must be larger than 1 for YaRN's ramp, got {base}")
    theta = inv_frequencies(head_dim, base)
    if ramp == "ratio":
        turns = length * theta / (2.0 * np.pi)
        return np.clip((turns - slow) / (fast - slow), 0.0, 1.0)

    def pair_index(turns: float) -> float:
        # the fractional pair index i at which L / lambda_i = turns
        return head_dim * math.log(length / (turns * 2.0 * math.pi)) / (2.0 * math.log(base))

    low, high = pair_index(fast), pair_index(slow)
    if truncate:
        low, high = math.floor(low), math.ceil(high)
    low, high = max(low, 0), min(high, head_dim - 1)
    if low == high:
        high += 0.001  # as transformers does, to avoid dividing by zero
    index = np.arange(head_dim // 2, dtype=np.float64)
    return 1.0 - np.clip((index - low) / (high - low), 0.0, 1.0)


def yarn_mscale(factor: float, mscale: float = 1.0) -> float:
    r"""YaRN's attention temperature :math:`0.1\,m \ln s + 1` for a scale factor :math:`s`.

    The YaRN paper's :math:`\sqrt{1/t} = 0.1 \ln s + 1` is ``mscale=1``; DeepSeek's configs
    name :math:`m` ``mscale`` or ``mscale_all_dim``. With :math:`s \le 1` (no extension) it is 1.
    This is ``get_mscale`` in Hugging Face ``transformers`` and ``yarn_get_mscale`` in
    DeepSeek's code.

    Args:
        factor: :math:`s`, a finite positive number.
        mscale: :math:`m`, a finite non-negative number.

    Returns:
        The factor as a float: it multiplies cos and sin, so attention logits scale by its
        square.
    """
    s = check_positive_number(factor, "factor")
    m = _check_mscale(mscale, "mscale")
    if s <= 1.0:
        return 1.0
    return 0.1 * m * math.log(s) + 1.0


def _check_mscale(value: Any, name: str) -> float:
    """Return ``value`` as a float after checking it is a finite non-negative number."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not (
        math.isfinite(float(value)) and float(value) >= 0.0
    ):
        raise ValueError(f"{name} must be a finite non-negative number, got {value!r}")
    return float(value)


def _longrope_factors(values: Any, name: str, pairs: int) -> np.ndarray:
    """LongRoPE's per-pair rescale factors as a float64 array of shape ``(pairs,)``."""
    array = check_real_finite(as_numpy(values, name), name).astype(np.float64)
    if array.shape != (pairs,):
        raise ValueError(
            f"{name} must hold one factor per pair, shape ({pairs},) = (head_dim // 2,), "
            f"got shape {array.shape}"
        )
    if np.any(array <= 0.0):
        raise ValueError(f"{name} must hold positive factors, got minimum {array.min()}")
    return array


def scaled_inv_frequencies(
    head_dim: int,
    base: float = 10_000.0,
    method: str = "linear",
    **params: Any,
) -> tuple[np.ndarray, float]:
    r"""The frequencies :math:`\theta'_i` of a context-extension method, and its attention factor.

    Args:
        head_dim: :math:`d`, a positive even integer (at least 4 for ``"ntk"`` and
            ``"dynamic"``, whose exponent is :math:`d/(d-2)`).
        base: the original base :math:`b` (``rope_theta``).
        method: one of :data:`METHODS`.
        **params: the method's parameters, named as below. :math:`s` is ``factor``, :math:`L`
            is ``original_length``.

            * ``"linear"`` (Position Interpolation): ``factor``. :math:`\theta'_i = \theta_i/s`.
            * ``"ntk"`` (NTK-aware): ``factor``. :math:`\theta'_i = b'^{-2i/d}` with
              :math:`b' = b\,s^{d/(d-2)}`.
            * ``"dynamic"`` (dynamic NTK): ``factor``, ``original_length``, ``seq_len`` (the
              current length :math:`\ell`). The NTK base with
              :math:`s_{\text{eff}} = s\,\ell/L - (s - 1)` for :math:`\ell > L` (Hugging Face's
              formula; with ``factor=1`` it is :math:`\ell/L`, as in the YaRN paper), and the
              original frequencies for :math:`\ell \le L`.
            * ``"yarn"``: ``factor``, ``original_length``; optional ``beta_fast=32``,
              ``beta_slow=1``, ``attention_factor``, ``mscale``, ``mscale_all_dim``,
              ``ramp="index"`` and ``truncate=True`` (see :func:`yarn_ramp`).
              :math:`\theta'_i = (1 - \gamma_i)\,\theta_i/s + \gamma_i\,\theta_i`. The
              attention factor is ``attention_factor`` if given; else, when ``mscale`` and
              ``mscale_all_dim`` are both given and non-zero, ``yarn_mscale(s, mscale) /
              yarn_mscale(s, mscale_all_dim)`` (DeepSeek); else ``yarn_mscale(s)`` =
              :math:`0.1\ln s + 1` (1 when :math:`s \le 1`). A lone ``mscale`` is ignored,
              exactly as in ``transformers``.
            * ``"llama3"``: ``factor``, ``original_length``; optional ``low_freq_factor=1``,
              ``high_freq_factor=4``. Pairs with wavelength below :math:`L/\text{high}` are kept,
              above :math:`L/\text{low}` divided by :math:`s`, and smoothly blended between.
            * ``"p-rope"``: ``p`` in :math:`[0, 1]`; optional ``factor=1``. The first
              :func:`rope_pairs_kept` ``(head_dim, p)`` pairs (the fastest) keep
              :math:`\theta_i` (divided by ``factor``), the others get frequency 0 and are not
              rotated at all.
            * ``"longrope"``: ``short_factor`` and ``long_factor`` (one positive number per
              pair each, shape ``(head_dim // 2,)``), ``original_length`` and ``factor``;
              optional ``seq_len`` (the current length :math:`\ell`) and ``attention_factor``.
              :math:`\theta'_i = \theta_i / r_i` with :math:`r` the long factors when
              :math:`\ell > L` and the short ones otherwise (also when ``seq_len`` is not
              given). The attention factor, for every length, is ``attention_factor`` if given,
              else :math:`\sqrt{1 + \ln s / \ln L}` (1 when :math:`s \le 1`).

    Returns:
        ``(inv_freq, attention_factor)``: a float64 array of shape ``(head_dim // 2,)`` and a
        float. ``attention_factor`` multiplies cos and sin (logits scale by its square); it is
        1 for every method but ``"yarn"`` and ``"longrope"``.

    Raises:
        ValueError: naming the argument: an unknown ``method``, a parameter the method does not
            take or a missing one, a non-positive or non-finite ``factor``, ``base`` or length,
            ``p`` outside :math:`[0, 1]`, ``beta_fast <= beta_slow``,
            ``high_freq_factor <= low_freq_factor``, LongRoPE factors of the wrong shape or
            not positive, a negative ``mscale``.

    Example::

        inv_freq, attention_factor = scaled_inv_frequencies(
            128, 10_000.0, "yarn", factor=8.0, original_length=4096)
    """
    head_dim = check_head_dim(head_dim)
    base = check_base(base)
    p = _params_for(method, params)
    theta = inv_frequencies(head_dim, base)

    if method == "p-rope":
        kept = rope_pairs_kept(head_dim, p["p"])
        factor = check_positive_number(p["factor"], "factor")
        out = np.where(np.arange(head_dim // 2) < kept, theta, 0.0) / factor
        return out, 1.0

    factor = check_positive_number(p["factor"], "factor")
    if method == "linear":
        return theta / factor, 1.0

    if method in ("ntk", "dynamic") and head_dim < 4:
        raise ValueError(f"head_dim must be at least 4 for method {method!r}, got {head_dim}")
    if method == "ntk":
        return _ntk_frequencies(head_dim, base, factor, math.log(factor)), 1.0

    length = check_positive_int(p["original_length"], "original_length")
    if method == "dynamic":
        seq_len = check_positive_int(p["seq_len"], "seq_len")
        if seq_len <= length:
            return theta, 1.0
        effective = factor * seq_len / length - (factor - 1.0)
        # the same number as a logarithm, for factors whose product with seq_len overflows
        log_effective = math.log(factor) + math.log((seq_len - length) / length + 1.0 / factor)
        return _ntk_frequencies(head_dim, base, effective, log_effective), 1.0

    if method == "yarn":
        gamma = yarn_ramp(head_dim, base, original_length=length, beta_fast=p["beta_fast"],
                          beta_slow=p["beta_slow"], ramp=p["ramp"], truncate=p["truncate"])
        mscale, mscale_all_dim = (
            None if p[name] is None else _check_mscale(p[name], name)
            for name in ("mscale", "mscale_all_dim")
        )
        attention = p["attention_factor"]
        if attention is not None:
            attention = check_positive_number(attention, "attention_factor")
        elif mscale and mscale_all_dim:
            attention = yarn_mscale(factor, mscale) / yarn_mscale(factor, mscale_all_dim)
        else:
            attention = yarn_mscale(factor)
        return (1.0 - gamma) * theta / factor + gamma * theta, float(attention)

    if method == "longrope":
        pairs = head_dim // 2
        short = _longrope_factors(p["short_factor"], "short_factor", pairs)
        long = _longrope_factors(p["long_factor"], "long_factor", pairs)
        seq_len = p["seq_len"]
        if seq_len is not None:
            seq_len = check_positive_int(seq_len, "seq_len")
        attention = p["attention_factor"]
        if attention is not None:
            attention = check_positive_number(attention, "attention_factor")
        elif factor <= 1.0:
            attention = 1.0
        else:
            if length < 2:
                raise ValueError(
                    f"original_length must be at least 2 for LongRoPE's attention factor "
                    f"sqrt(1 + ln(factor) / ln(original_length)), got {length}"
                )
            attention = math.sqrt(1.0 + math.log(factor) / math.log(length))
        rescale = long if seq_len is not None and seq_len > length else short
        return theta / rescale, float(attention)

    # llama3
    low = check_positive_number(p["low_freq_factor"], "low_freq_factor")
    high = check_positive_number(p["high_freq_factor"], "high_freq_factor")
    if high <= low:
        raise ValueError(
            f"high_freq_factor must be larger than low_freq_factor, got {high} <= {low}"
        )
    wavelength = 2.0 * np.pi / theta
    smooth = (length / wavelength - low) / (high - low)
    blended = (1.0 - smooth) * theta / factor + smooth * theta
    out = np.where(wavelength < length / high, theta,
                   np.where(wavelength > length / low, theta / factor, blended))
    return out, 1.0


def _ntk_frequencies(head_dim: int, base: float, scale: float, log_scale: float) -> np.ndarray:
    r"""The NTK frequencies ``inv_frequencies(d, base * scale ** (d / (d - 2)))``, without overflow.

    ``log_scale`` is :math:`\ln s`. While the new base is a finite positive float64 the plain
    formula is used (bit for bit what Hugging Face computes); beyond that the frequencies are
    computed from the logarithm of the base, :math:`\theta_i = \exp(-\tfrac{2i}{d}\,(\ln b
    + \tfrac{d}{d-2}\ln s))`, which stays finite as long as the frequencies themselves do.
    """
    exponent = head_dim / (head_dim - 2)
    try:
        new_base = base * scale**exponent
    except OverflowError:  # a Python float power that leaves float64 raises instead of inf
        new_base = math.inf
    if math.isfinite(new_base) and new_base > 0.0:
        freqs = inv_frequencies(head_dim, new_base)
    else:
        log_base = math.log(base) + exponent * log_scale
        with np.errstate(over="ignore"):
            freqs = np.exp(-(np.arange(0, head_dim, 2, dtype=np.float64) / head_dim) * log_base)
    if not np.all(np.isfinite(freqs)):
        raise ValueError(
            f"factor is too small: the NTK base {base:g} * s ** {exponent:g} with s = {scale:g} "
            "is so close to 0 that the frequencies overflow float64"
        )
    return freqs


def cosine_sum(distances: Any, head_dim: int, base: float = 10_000.0) -> np.ndarray:
    r"""Men et al.'s :math:`B(m) = \sum_{i=0}^{d/2-1} \cos(m\,\theta_i)` at every distance.

    For queries with i.i.d. components, :math:`2\sigma^2 B(m)` is how much more a key similar
    to the query scores than a random key at distance :math:`m` (Men et al. 2024). A negative
    value means RoPE makes the similar key *less* attractive than a random one.

    Args:
        distances: relative distances :math:`m`, any shape ``P``.
        head_dim: :math:`d`.
        base: frequency base.

    Returns:
        float64 array of shape ``P``; :math:`B(0) = d/2`.
    """
    m = check_real_finite(as_numpy(distances, "distances"), "distances").astype(np.float64)
    theta = inv_frequencies(head_dim, base)
    out = np.zeros(m.shape)
    for theta_i in theta:  # a loop over pairs keeps memory at one copy of m
        out += np.cos(m * theta_i)
    return out


def _cosine_sum_prefix(length: int, theta: np.ndarray, block: int = 512) -> np.ndarray:
    r""":func:`cosine_sum` at distances ``0 .. length - 1``, by angle addition.

    With :math:`m = a + b` (:math:`a` a multiple of ``block``, :math:`0 \le b <` ``block``),
    :math:`\sum_i \cos(m\theta_i) = \sum_i \cos a\theta_i \cos b\theta_i - \sin a\theta_i
    \sin b\theta_i`: two small matrix products instead of ``length * pairs`` cosines.
    Agrees with :func:`cosine_sum` to about 1e-11 at a million tokens (the rounding of
    :math:`m\theta` itself).
    """
    a = np.arange(0, length, block, dtype=np.float64)[:, None] * theta  # (blocks, pairs)
    b = np.arange(block, dtype=np.float64)[:, None] * theta  # (block, pairs)
    values = np.cos(a) @ np.cos(b).T - np.sin(a) @ np.sin(b).T  # (blocks, block)
    return values.reshape(-1)[:length]


WITNESSES = 16
"""How many negative local minima of a failing base :func:`min_base_for_context` keeps."""


def _failures(length: int, theta: np.ndarray, most: int = WITNESSES) -> list[float]:
    """Distances below ``length`` where the cosine sum has a negative local minimum.

    Most negative first, at most ``most`` of them; empty when the sum is non-negative at every
    distance (the base passes).
    """
    values = _cosine_sum_prefix(length, theta)
    if values.min() >= 0.0:
        return []
    padded = np.concatenate([[np.inf], values, [np.inf]])
    minima = np.flatnonzero(
        (values <= padded[:-2]) & (values <= padded[2:]) & (values < 0.0)
    )
    order = minima[np.argsort(values[minima], kind="stable")][:most]
    return [float(m) for m in order]


def min_base_for_context(
    context_length: int,
    head_dim: int,
    *,
    points_per_decade: int = 10_000,
    max_base: float = 1e10,
) -> float:
    r"""The smallest base with :math:`\sum_i \cos(m\theta_i) \ge 0` for every :math:`m <` context.

    Men et al. (2024) derive this as a lower bound on the base for a context length :math:`L`:
    below it, some distance :math:`m < L` makes a key similar to the query score lower, in
    expectation, than a random key (:func:`cosine_sum`). The condition is *not* monotone in the
    base: a base can pass while a slightly larger one fails. So the bound is found on a grid,
    scanning upwards and returning the first base that passes.

    The grid is geometric, :math:`b_k = 10^{k/N}` for :math:`k = 0, 1, \dots` with
    :math:`N` = ``points_per_decade`` (the default 10 000 spaces neighbours 0.023 % apart). The
    passing bases near the bound can form narrow islands: at :math:`L = 4096`, :math:`d = 128`
    the first one is about 0.08 % wide, and a grid of 1 000 points per decade steps over it.
    A finer grid can only lower the answer, never raise it.

    The scan is fast because a failing base almost always fails near a distance that made an
    earlier base fail too: the negative local minima of every fully checked base are kept as
    "witness" distances and tried first (for a block of bases at once), and the full check over
    every :math:`m < L` runs only for bases that survive them. And a base that passes for
    :math:`L` passes for every shorter context, so the scan for a long context starts at the
    bound for a quarter of it, computed the same way.

    Args:
        context_length: :math:`L`; distances :math:`0 \le m < L` are checked.
        head_dim: :math:`d`, a positive even integer.
        points_per_decade: grid resolution :math:`N`.
        max_base: give up above this base.

    Returns:
        The first grid base :math:`b_k` that satisfies the condition, a float.

    Raises:
        ValueError: a bad argument (named), or no base up to ``max_base`` passes.
    """
    length = check_positive_int(context_length, "context_length")
    head_dim = check_head_dim(head_dim)
    per_decade = check_positive_int(points_per_decade, "points_per_decade")
    top = check_positive_number(max_base, "max_base")
    if top <= 1.0:
        raise ValueError(f"max_base must be larger than 1, got {top}")
    exponents = np.arange(0, head_dim, 2, dtype=np.float64) / head_dim
    last = int(math.floor(math.log10(top) * per_decade))
    witnesses: list[float] = []
    block = 256
    start = 0
    if length > 2048:  # no grid base below the bound for L // 4 can pass for L
        shorter = min_base_for_context(
            length // 4, head_dim, points_per_decade=per_decade, max_base=top
        )
        start = int(round(math.log10(shorter) * per_decade))
    while start <= last:
        ks = np.arange(start, min(start + block, last + 1))
        bases = 10.0 ** (ks / per_decade)
        theta = bases[:, None] ** -exponents  # (bases, pairs)
        survivors = np.arange(len(ks))
        useful = []
        for witness in witnesses:
            failing = np.cos(witness * theta[survivors]).sum(-1) < 0.0
            if failing.any():
                useful.append(witness)
                survivors = survivors[~failing]
                if len(survivors) == 0:
                    break
        # witnesses that failed bases in this block are tried first in the next one
        witnesses = useful + [w for w in witnesses if w not in useful]
        if len(survivors) == 0:
            start += block
            continue
        index = int(survivors[0])
        found = _failures(length, theta[index], most=WITNESSES)
        if not found:
            return float(bases[index])
        witnesses = found + [w for w in witnesses if w not in found]
        start = int(ks[index]) + 1
    raise ValueError(
        f"context_length {length}: no base up to max_base = {top:g} keeps the cosine sum "
        "non-negative; raise max_base"
    )
