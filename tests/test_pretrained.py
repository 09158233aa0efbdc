"""The pretrained-model loader on a tiny random Llama saved to disk (nothing is downloaded).

The model has grouped-query attention (4 query heads, 2 key/value heads) and a ``head_dim``
(16) that differs from ``hidden_size // num_heads`` (8), so the loader must read both from the
config. Its pair norms are compared with a direct computation from the ``q_proj``/``k_proj``
weights and the hidden states in Hugging Face's half pairing.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from ropeviz import inv_frequencies


@pytest.fixture(scope="module")
def tiny_llama_path(tmp_path_factory, require_peer):
    transformers = require_peer("transformers")
    config = transformers.LlamaConfig(
        vocab_size=64,
        hidden_size=32,
        intermediate_size=48,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        head_dim=16,
        max_position_embeddings=128,
        rope_parameters={"rope_type": "default", "rope_theta": 500.0},
    )
    torch.manual_seed(0)
    model = transformers.LlamaForCausalLM(config)
    path = tmp_path_factory.mktemp("tiny_llama")
    model.save_pretrained(path)
    return path


def test_loads_from_disk_and_captures_pre_rotation_q_k(tiny_llama_path):
    from ropeviz.pretrained import capture_queries_keys, load_causal_lm

    model, tokenizer = load_causal_lm(tiny_llama_path)
    assert tokenizer is None and not model.training
    ids = torch.randint(0, 64, (2, 9), generator=torch.Generator().manual_seed(1))
    layers = capture_queries_keys(model, ids)
    assert len(layers) == 2
    for q, k in layers:
        assert q.shape == (2, 4, 9, 16) and k.shape == (2, 2, 9, 16)
    # layer 0 directly: input_layernorm(embeddings) @ W^T, split into heads, no rotation
    with torch.no_grad():
        h = model.model.layers[0].input_layernorm(model.model.embed_tokens(ids))
        q0 = model.model.layers[0].self_attn.q_proj(h).view(2, 9, 4, 16).transpose(1, 2)
    torch.testing.assert_close(layers[0][0], q0)


def test_frequency_usage_matches_a_direct_computation(tiny_llama_path):
    from ropeviz.pretrained import frequency_usage, load_causal_lm

    model, _ = load_causal_lm(tiny_llama_path)
    ids = torch.randint(0, 64, (3, 11), generator=torch.Generator().manual_seed(2))
    usage = frequency_usage(model, ids)
    assert usage["q"].shape == (2, 4, 8) and usage["k"].shape == (2, 2, 8)
    assert usage["head_dim"] == usage["rotated_dim"] == 16
    assert (usage["num_attention_heads"], usage["num_key_value_heads"]) == (4, 2)
    assert usage["inv_freq"].shape == (2, 8)
    for row in usage["inv_freq"]:
        np.testing.assert_allclose(row, inv_frequencies(16, 500.0), rtol=1e-6)

    with torch.no_grad():
        hidden = model(input_ids=ids, output_hidden_states=True).hidden_states
    for layer in range(2):
        attention = model.model.layers[layer].self_attn
        with torch.no_grad():
            h = model.model.layers[layer].input_layernorm(hidden[layer]).double()
        for name, heads, weight in (
            ("q", 4, attention.q_proj.weight),
            ("k", 2, attention.k_proj.weight),
        ):
            x = (h @ weight.detach().double().T).reshape(3, 11, heads, 16).numpy()
            # Hugging Face pairs dimension i with i + 8 (rotate_half)
            norms = np.sqrt(x[..., :8] ** 2 + x[..., 8:] ** 2).mean(axis=(0, 1))
            np.testing.assert_allclose(usage[name][layer], norms, rtol=1e-4, atol=1e-6)


def test_attention_mask_leaves_padding_out(tiny_llama_path):
    from ropeviz.pretrained import frequency_usage, load_causal_lm

    model, _ = load_causal_lm(tiny_llama_path)
    ids = torch.randint(0, 64, (1, 6), generator=torch.Generator().manual_seed(3))
    padded = torch.cat([ids, torch.zeros(1, 4, dtype=torch.long)], dim=1)
    mask = torch.cat([torch.ones(1, 6), torch.zeros(1, 4)], dim=1).long()
    full = frequency_usage(model, ids)
    masked = frequency_usage(model, padded, attention_mask=mask)
    np.testing.assert_allclose(masked["q"], full["q"], rtol=1e-5)


def test_bad_input(tiny_llama_path):
    from ropeviz.pretrained import attention_modules, capture_queries_keys, load_causal_lm

    model, _ = load_causal_lm(tiny_llama_path)
    with pytest.raises(ValueError, match=r"^input_ids\b"):
        capture_queries_keys(model, torch.zeros(5, dtype=torch.long))
    with pytest.raises(ValueError, match=r"^model\b"):
        attention_modules(torch.nn.Linear(2, 2))
    with pytest.raises(ValueError, match=r"^name_or_path\b"):
        load_causal_lm("")


def test_layer_types_with_their_own_base_keep_their_own_frequencies(tmp_path, require_peer):
    """Gemma 3 rotates local layers with base 10 000 and global ones with 1 000 000."""
    transformers = require_peer("transformers")
    from ropeviz.pretrained import frequency_usage, load_causal_lm

    config = transformers.Gemma3TextConfig(
        vocab_size=64, hidden_size=32, intermediate_size=48, num_hidden_layers=3,
        num_attention_heads=2, num_key_value_heads=1, head_dim=16,
        max_position_embeddings=128, sliding_window=8,
        layer_types=["sliding_attention", "sliding_attention", "full_attention"],
        rope_parameters={
            "sliding_attention": {"rope_type": "default", "rope_theta": 10_000.0},
            "full_attention": {"rope_type": "default", "rope_theta": 1_000_000.0},
        },
    )
    torch.manual_seed(0)
    transformers.Gemma3ForCausalLM(config).save_pretrained(tmp_path)
    model, _ = load_causal_lm(tmp_path)
    usage = frequency_usage(model, torch.randint(0, 64, (1, 7)))
    np.testing.assert_allclose(usage["inv_freq"][0], inv_frequencies(16, 10_000.0), rtol=1e-6)
    np.testing.assert_allclose(usage["inv_freq"][1], inv_frequencies(16, 10_000.0), rtol=1e-6)
    np.testing.assert_allclose(usage["inv_freq"][2], inv_frequencies(16, 1e6), rtol=1e-6)
