"""Synthetic tasks, training and evaluation of :mod:`ropeviz.tasks`.

Labels are checked against their definition by hand; training runs a handful of steps on a
tiny model, twice, to check bit-for-bit determinism.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from ropeviz.models import TinyDecoder
from ropeviz.tasks import IGNORE, KINDS, RecallCopyTask, evaluate, train

SMALL = dict(d_model=16, n_heads=2, n_layers=1, d_ff=32)


def test_vocabulary_layout():
    task = RecallCopyTask(n_keys=5, n_values=7)
    assert task.vocab_size == 3 + 5 + 7
    np.testing.assert_array_equal(task.key_ids, [3, 4, 5, 6, 7])
    np.testing.assert_array_equal(task.value_ids, np.arange(8, 15))


def test_copy_labels_by_hand():
    task = RecallCopyTask(n_keys=4, n_values=4, offset=2, kinds=("copy",))
    batch = task.batch(3, 10, seed=5)
    assert batch.tokens.shape == batch.targets.shape == (3, 10)
    assert torch.all(batch.kinds == KINDS.index("copy"))
    for tokens, targets in zip(batch.tokens.tolist(), batch.targets.tolist()):
        assert tokens[:2] == [RecallCopyTask.BOS, RecallCopyTask.COPY]
        assert all(3 <= t < task.vocab_size for t in tokens[2:])
        assert targets[:4] == [IGNORE] * 4  # positions 2, 3 have nothing 2 places back in data
        assert targets[4:] == tokens[2:8]  # target at t is the token at t - 2


def test_recall_labels_by_hand():
    task = RecallCopyTask(n_keys=6, n_values=5, kinds=("recall",))
    seq_len = 15  # 13 body tokens: 6 pairs + a lone final key; store of 3 pairs
    assert task.store_size(seq_len) == 3
    batch = task.batch(4, seq_len, seed=1)
    for tokens, targets in zip(batch.tokens.tolist(), batch.targets.tolist()):
        assert tokens[:2] == [RecallCopyTask.BOS, RecallCopyTask.RECALL]
        body = tokens[2:]
        store = {body[2 * i]: body[2 * i + 1] for i in range(3)}
        assert len(store) == 3, "store keys are distinct"
        assert all(k in task.key_ids for k in store)
        assert all(v in task.value_ids for v in store.values())
        for position in range(seq_len):
            i = position - 2
            if i >= 6 and i % 2 == 0:  # a query key (the last one has no value after it)
                assert tokens[position] in store
                assert targets[position] == store[tokens[position]]
                if position + 1 < seq_len:
                    assert tokens[position + 1] == store[tokens[position]]
            else:
                assert targets[position] == IGNORE


def test_mixed_batches_hold_both_kinds_and_markers_match():
    batch = RecallCopyTask().batch(64, 20, seed=0)
    kinds = batch.kinds.tolist()
    assert set(kinds) == {0, 1}
    for kind, tokens in zip(kinds, batch.tokens.tolist()):
        marker = RecallCopyTask.COPY if KINDS[kind] == "copy" else RecallCopyTask.RECALL
        assert tokens[1] == marker


def test_batches_are_seeded_and_splits_are_disjoint():
    task = RecallCopyTask(n_keys=8, n_values=8)
    a = task.batch(8, 16, split="train", seed=3, step=2)
    b = task.batch(8, 16, split="train", seed=3, step=2)
    assert torch.equal(a.tokens, b.tokens) and torch.equal(a.targets, b.targets)
    train_rows = {
        tuple(row)
        for step in range(50)
        for row in task.batch(16, 16, seed=0, step=step).tokens.tolist()
    }
    eval_rows = {
        tuple(row)
        for step in range(50)
        for row in task.batch(16, 16, split="eval", seed=0, step=step).tokens.tolist()
    }
    assert not train_rows & eval_rows
    assert not torch.equal(task.batch(8, 16, seed=0).tokens, task.batch(8, 16, seed=1).tokens)


def test_any_sequence_length_and_its_limits():
    task = RecallCopyTask(n_keys=16, n_values=16)
    for seq_len in (8, 24, 33, 64):
        assert task.batch(2, seq_len).tokens.shape == (2, seq_len)
    with pytest.raises(ValueError, match=r"^seq_len\b.*n_keys"):
        task.batch(2, 200)  # a store of 50 distinct keys needs n_keys >= 50


def test_training_is_deterministic_and_learns():
    task = RecallCopyTask(n_keys=4, n_values=4, offset=1)
    runs = []
    for _ in range(2):
        model = TinyDecoder(task.vocab_size, position="rope", seed=1, **SMALL)
        history = train(model, task, steps=12, batch_size=8, lr=1e-2, seq_len=12, seed=0,
                        progress=False)
        runs.append((history["loss"], [p.detach().clone() for p in model.parameters()]))
    np.testing.assert_array_equal(runs[0][0], runs[1][0])
    assert all(torch.equal(a, b) for a, b in zip(runs[0][1], runs[1][1]))
    assert runs[0][0].shape == (12,) and runs[0][0][-3:].mean() < runs[0][0][:3].mean()
    assert torch.get_num_threads() >= 1 and not torch.are_deterministic_algorithms_enabled()


def test_training_can_evaluate_along_the_way():
    task = RecallCopyTask(n_keys=8, n_values=8)
    model = TinyDecoder(task.vocab_size, **SMALL)
    history = train(model, task, steps=12, batch_size=4, lr=1e-3, seq_len=12, seed=0,
                    eval_every=5, eval_seq_len=20, progress=False)
    assert [row["step"] for row in history["eval"]] == [5, 10, 12]
    assert all(row["seq_len"] == 20 for row in history["eval"])
    assert not model.training
    assert train(model, task, steps=2, batch_size=2, lr=1e-3, seq_len=12, seed=0,
                 progress=False)["eval"] == []


def test_evaluate_reports_per_kind_and_is_deterministic():
    task = RecallCopyTask(n_keys=8, n_values=8)
    model = TinyDecoder(task.vocab_size, **SMALL)
    first = evaluate(model, task, seq_len=12, batches=2, batch_size=8)
    assert first == evaluate(model, task, seq_len=12, batches=2, batch_size=8)
    assert set(first) == {
        "loss", "accuracy", "copy_loss", "copy_accuracy", "recall_loss", "recall_accuracy",
        "seq_len", "targets",
    }
    assert 0.0 <= first["accuracy"] <= 1.0 and first["loss"] > 0
    # an untrained model is near chance: its logits are about N(0, 1) (unit-norm LayerNorm
    # output times weights of std 1/sqrt(d)), so the loss is about ln(vocab_size) + 1/2
    assert abs(first["loss"] - (np.log(task.vocab_size) + 0.5)) < 0.5
    # evaluation at a longer length than anything trained on works
    assert evaluate(model, task, seq_len=24, batches=1, batch_size=4)["seq_len"] == 24


@pytest.mark.parametrize(
    ("call", "pattern"),
    [
        (lambda: RecallCopyTask(n_keys=0), r"^n_keys\b"),
        (lambda: RecallCopyTask(n_values=-1), r"^n_values\b"),
        (lambda: RecallCopyTask(offset=0), r"^offset\b"),
        (lambda: RecallCopyTask(kinds=("copy", "sort")), r"^kinds\b"),
        (lambda: RecallCopyTask(kinds=()), r"^kinds\b"),
        (lambda: RecallCopyTask(store_fraction=1.0), r"^store_fraction\b"),
        (lambda: RecallCopyTask().batch(0, 10), r"^batch_size\b"),
        (lambda: RecallCopyTask().batch(2, 3), r"^seq_len\b"),
        (lambda: RecallCopyTask().batch(2, 10, split="test"), r"^split\b"),
        (lambda: RecallCopyTask().batch(2, 10, seed=-1), r"^seed\b"),
        (
            lambda: train(TinyDecoder(67, **SMALL), RecallCopyTask(n_keys=32, n_values=32),
                          steps=0, batch_size=2, lr=1e-3, seq_len=8, seed=0),
            r"^steps\b",
        ),
        (
            lambda: train(TinyDecoder(67, **SMALL), RecallCopyTask(n_keys=32, n_values=32),
                          steps=1, batch_size=2, lr=float("nan"), seq_len=8, seed=0),
            r"^lr\b",
        ),
        (
            lambda: evaluate(TinyDecoder(67, **SMALL), RecallCopyTask(n_keys=32, n_values=32),
                             seq_len=8, batches=0),
            r"^batches\b",
        ),
        (
            lambda: train(TinyDecoder(67, **SMALL), RecallCopyTask(n_keys=32, n_values=32),
                          steps=1, batch_size=2, lr=1e-3, seq_len=8, seed=0, eval_every=0),
            r"^eval_every\b",
        ),
    ],
)
def test_bad_input(call, pattern):
    with pytest.raises(ValueError, match=pattern):
        call()
