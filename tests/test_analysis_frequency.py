"""Frequency usage, expected logits, spectra and attention entropy (:mod:`ropeviz.analysis`).

Each helper is checked against a hand computation: pair norms against the definition in both
layouts, the Monte Carlo logits against :func:`ropeviz.apply_rope` and against the exact
expectations (0 for independent Gaussians), spectra against sinusoids of known frequency and
amplitude.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from ropeviz import (
    apply_rope,
    attention_entropy,
    exact_expected_logits,
    expected_logits,
    frequency_norms,
    inv_frequencies,
    pair_norms,
    pairing_permutation,
    spectral_peaks,
    spectrum,
)
from ropeviz.analysis import _relative_logits


def test_pair_norms_by_hand_in_both_layouts():
    x = np.array([3.0, 4.0, 1.0, 0.0, 0.0, 2.0])  # pairs (3,4), (1,0), (0,2) interleaved
    np.testing.assert_allclose(pair_norms(x), [5.0, 1.0, 2.0])
    # half layout: pairs (x0, x3), (x1, x4), (x2, x5)
    np.testing.assert_allclose(pair_norms(x, "half"), [3.0, 4.0, np.hypot(1.0, 2.0)])
    # the permutation that turns interleaved into half keeps the norms
    rng = np.random.default_rng(0)
    y = rng.normal(size=(5, 8))
    np.testing.assert_allclose(pair_norms(y[:, pairing_permutation(8)], "half"), pair_norms(y))
    # rotation leaves them unchanged
    np.testing.assert_allclose(pair_norms(apply_rope(y)), pair_norms(y))
    assert pair_norms(torch.ones(2, 3, 4)).shape == (2, 3, 2)


def test_frequency_norms_average_over_batch_and_tokens():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(2, 3, 5, 8))  # (batch, heads, seq, head_dim)
    expected = np.zeros((3, 4))
    for h in range(3):
        for i in range(4):
            expected[h, i] = np.mean([np.hypot(x[b, h, s, 2 * i], x[b, h, s, 2 * i + 1])
                                      for b in range(2) for s in range(5)])
    np.testing.assert_allclose(frequency_norms(x), expected)
    np.testing.assert_allclose(frequency_norms(x[0]), pair_norms(x[0]).mean(axis=1))


def test_relative_logits_agree_with_apply_rope():
    rng = np.random.default_rng(2)
    q, k = rng.normal(size=(3, 8)), rng.normal(size=(3, 8))
    r = np.array([0.0, 1.0, 5.0, 17.0])
    got = _relative_logits(q, k, r, inv_frequencies(8))
    n = 11  # the key's position; the query sits r tokens later
    for s in range(3):
        for j, dist in enumerate(r):
            qr = apply_rope(q[s][None], positions=[n + dist])[0]
            kr = apply_rope(k[s][None], positions=[n])[0]
            assert got[s, j] == pytest.approx(qr @ kr, abs=1e-12)


def test_expected_logits_gaussian_mean_is_zero_aligned_and_constant_decay():
    r = np.arange(0, 2001, 50)
    exact_gauss = exact_expected_logits(r, 64, kind="gaussian")
    np.testing.assert_array_equal(exact_gauss, 0.0)
    mc = expected_logits(r, 64, kind="gaussian", samples=4_000, seed=0)
    # each logit has variance d = 64, so the sample mean has standard error 8 / sqrt(4000)
    assert np.all(np.abs(mc) < 5 * 8 / np.sqrt(4_000))
    exact = exact_expected_logits(r, 64, kind="aligned")
    assert exact[0] == pytest.approx(64.0)
    np.testing.assert_allclose(exact, 2 * np.cos(r[:, None] * inv_frequencies(64)).sum(-1))
    np.testing.assert_allclose(exact_expected_logits(r, 64, kind="constant"), exact)
    np.testing.assert_allclose(expected_logits(r, 64, kind="constant", samples=3), exact, atol=1e-9)
    aligned = expected_logits(r, 64, kind="aligned", samples=4_000, seed=0)
    assert np.max(np.abs(aligned - exact)) < 0.1 * 64
    assert exact[r == 1000][0] < 0.3 * exact[0]  # it decays
    # same seed, same numbers
    again = expected_logits(r, 64, kind="gaussian", samples=4_000, seed=0)
    np.testing.assert_array_equal(mc, again)


def test_spectrum_of_a_sinusoid_peaks_at_its_frequency_with_its_amplitude():
    n = 256
    m = np.arange(n)
    omega_true = 2 * np.pi * 16 / n  # on a bin
    x = 3.0 * np.cos(omega_true * m + 0.4) + 1.0 * np.sin(3 * omega_true * m)
    omega, amp = spectrum(x[:, None])  # (seq, dim) along axis -2
    assert omega.shape == (n // 2 + 1,) and amp.shape == (n // 2 + 1, 1)
    assert omega[0] == 0.0 and omega[-1] == pytest.approx(np.pi)
    peaks = spectral_peaks(omega, amp[:, 0], count=2)
    np.testing.assert_allclose(peaks, [omega_true, 3 * omega_true])
    assert amp[16, 0] == pytest.approx(3.0) and amp[48, 0] == pytest.approx(1.0)
    _, rect = spectrum(x, axis=0, window=None)
    assert rect[16] == pytest.approx(3.0) and rect[48] == pytest.approx(1.0)


def test_spectrum_of_a_rotated_vector_has_one_line_per_pair():
    # the same vector at every position, rotated by RoPE: pair i oscillates at theta_i
    n, head_dim, base = 512, 8, 10.0
    freqs = inv_frequencies(head_dim, base)
    x = apply_rope(np.tile([1.0, 0.0] * (head_dim // 2), (n, 1)), base=base)
    omega, amp = spectrum(x)
    for i, theta in enumerate(freqs):
        peak = omega[np.argmax(amp[:, 2 * i])]
        assert abs(peak - theta) <= 2 * np.pi / n


def test_attention_entropy_by_hand():
    w = np.array([[1.0, 0.0, 0.0], [0.5, 0.5, 0.0], [1 / 3, 1 / 3, 1 / 3]])
    np.testing.assert_allclose(attention_entropy(w), [0.0, np.log(2), np.log(3)])
    assert attention_entropy(torch.tensor(w)).shape == (3,)
    with pytest.raises(ValueError, match=r"^weights\b"):
        attention_entropy(np.array([0.5, 0.6]))


@pytest.mark.parametrize(
    ("call", "pattern"),
    [
        (lambda: pair_norms(np.ones(5)), r"^head_dim\b"),
        (lambda: pair_norms(np.ones(4), "halves"), r"^pairing\b"),
        (lambda: pair_norms(np.ones(4, dtype=complex)), r"^x\b"),
        (lambda: frequency_norms(np.ones((4, 4))), r"^x\b"),
        (lambda: expected_logits([0, np.nan]), r"^distances\b"),
        (lambda: expected_logits([0, 1], kind="uniform"), r"^kind\b"),
        (lambda: expected_logits([0, 1], samples=0), r"^samples\b"),
        (lambda: expected_logits([0, 1], head_dim=7), r"^head_dim\b"),
        (lambda: exact_expected_logits([0, 1], base=-1.0), r"^base\b"),
        (lambda: spectrum(np.ones((1, 3))), r"^x\b"),
        (lambda: spectrum(np.ones((4, 3)), axis=2), r"^axis\b"),
        (lambda: spectrum(np.ones((8, 1)), window="hamming"), r"^window\b"),
        (lambda: spectral_peaks(np.ones(4), np.ones(3)), r"^amplitude\b"),
        (lambda: spectral_peaks(np.ones(3), np.ones(3), count=0), r"^count\b"),
    ],
)
def test_bad_input(call, pattern):
    with pytest.raises(ValueError, match=pattern):
        call()
