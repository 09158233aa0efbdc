"""Explorer state under hostile input: wrong types, values past a slider's end, random sequences.

``update`` must either apply every value given or raise a ``ValueError`` naming the control and
leave the state exactly as it was (issue 13, rows 7 and 8). A value that was *not* given moves
only when the end of its slider moves past it (the pair follows a smaller head dimension). The
property test drives every explorer with random sequences of valid and invalid updates and
checks the state against a model written here, independently of the explorers' code.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ropeviz as rv
from ropeviz.explorers import (
    BinarySinusoidalExplorer,
    GridExplorer,
    ModelScalingExplorer,
    PairingExplorer,
    PhaseExplorer,
    RelativeExplorer,
    RotationExplorer,
    ScalingExplorer,
    ScoreDistanceExplorer,
    SinusoidalExplorer,
)


# -- issue 13, rows 7 and 8 -------------------------------------------------------------------
@pytest.mark.parametrize("values, name", [
    ({"pair": "3"}, "pair"),
    ({"pair": None}, "pair"),
    ({"head_dim": "16"}, "head_dim"),
    ({"head_dim": None}, "head_dim"),
    ({"position": 2.0}, "position"),
    ({"position": True}, "position"),
    ({"position": [5]}, "position"),
    ({"base": "10000"}, "base"),
    ({"base": np.array([10_000.0, 100.0])}, "base"),
    ({"pair": 3, "head_dim": "16"}, "head_dim"),  # one bad value spoils the whole update
])
def test_bad_types_name_the_control_and_leave_the_state(values, name):
    explorer = RotationExplorer(head_dim=32, position=3, pair=2)
    before = dict(explorer.state)
    with pytest.raises(ValueError, match=rf"^{name} must be "):
        explorer.update(**values)
    assert explorer.state == before
    # and the explorer still works: the next valid update moves the picture
    explorer.update(position=5)
    assert explorer.state == {**before, "position": 5}
    end = explorer._end_arrow._posA_posB[1]
    start = explorer._start_arrow._posA_posB[1]
    turn = math.atan2(end[1], end[0]) - math.atan2(start[1], start[0])
    expected = 5 * rv.inv_frequencies(32)[2]
    assert abs(np.exp(1j * turn) - np.exp(1j * expected)) < 1e-9


@pytest.mark.parametrize("pair", [16, 31, 1000, -1])
def test_a_pair_past_the_slider_raises_and_is_not_clamped(pair):
    explorer = RotationExplorer(head_dim=32, pair=4)
    with pytest.raises(ValueError, match=rf"^pair must be an integer in \[0, 15\], got {pair}$"):
        explorer.update(pair=pair)
    assert explorer.state["pair"] == 4
    explorer.update(pair=15)  # the last pair of d = 32 is allowed
    assert explorer.state["pair"] == 15


def test_a_smaller_head_dim_moves_a_pair_that_was_not_given():
    explorer = RotationExplorer(head_dim=128, pair=60)
    explorer.update(head_dim=8)  # documented: the pair follows the slider's end
    assert explorer.state == {"position": 0, "pair": 3, "base": 10_000.0, "head_dim": 8}
    explorer.update(head_dim=128, pair=63)
    with pytest.raises(ValueError, match=r"^pair must be an integer in \[0, 3\], got 4"):
        explorer.update(head_dim=8, pair=4)  # given together: checked against the new end
    assert explorer.state["head_dim"] == 128 and explorer.state["pair"] == 63
    explorer.update(head_dim=8, pair=2)
    assert (explorer.state["head_dim"], explorer.state["pair"]) == (8, 2)


def test_values_are_stored_as_plain_ints_and_as_the_options_themselves():
    explorer = RotationExplorer(head_dim=16)
    explorer.update(position=np.int64(7), base=500_000, head_dim=np.int32(32))
    assert explorer.state == {"position": 7, "pair": 0, "base": 500_000.0, "head_dim": 32}
    assert type(explorer.state["position"]) is int and type(explorer.state["base"]) is float
    assert type(explorer.state["head_dim"]) is int
    assert repr(explorer) == "RotationExplorer(position=7, pair=0, base=500000, head_dim=32)"


def test_the_docstring_promise_is_kept():
    doc = RotationExplorer.__init__.__doc__ or RotationExplorer.__doc__
    assert "raises ``ValueError``" in doc


# -- property: random update sequences never corrupt the state ---------------------------------
class Model:
    """What the state must be after each update, written from the rules, not from the code."""

    def __init__(self, integers, options, limits):
        self.integers = integers  # name -> (minimum, maximum)
        self.options = options  # name -> tuple of options
        self.limits = limits  # state -> {name: dependent maximum}

    @staticmethod
    def is_int(value):
        return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))

    def option(self, name, value):
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, str, np.number)):
            return None
        for option in self.options[name]:
            if isinstance(option, str) != isinstance(value, str):
                continue
            if value == option:
                return option
        return None

    def apply(self, state, values):
        """The new state, or ``None`` when the update must be refused."""
        new = dict(state)
        for name, value in values.items():
            if name in self.options:
                option = self.option(name, value)
                if option is None:
                    return None
                new[name] = option
            elif name in self.integers:
                low, high = self.integers[name]
                if not self.is_int(value) or not low <= value <= high:
                    return None
                new[name] = int(value)
            else:
                return None
        for name, top in self.limits(new).items():
            if new[name] > top:
                if name in values:
                    return None
                new[name] = top
        return new


def rotation_case():
    explorer = RotationExplorer(head_dim=16, max_position=40)
    model = Model({"position": (0, 40), "pair": (0, 127)},
                  {"base": explorer.bases, "head_dim": explorer.head_dims},
                  lambda s: {"pair": s["head_dim"] // 2 - 1})
    return explorer, model


def model_scaling_case():
    from ropeviz.explorers.model_scaling import MODELS, TARGETS

    explorer = ModelScalingExplorer(model="llama2_7b", target=4096, pair=3)
    pairs = {key: explorer.layer(key).rotary_dim // 2 for key, _ in MODELS}  # from the configs
    model = Model({"pair": (0, 127)}, {"model": tuple(pairs), "target": TARGETS},
                  lambda s: {"pair": pairs[s["model"]] - 1})
    return explorer, model


CASES = {
    "rotation": rotation_case,
    "model-scaling": model_scaling_case,
    "sinusoidal": lambda: (
        SinusoidalExplorer(dim=8, num_positions=20, position=3, offset=2, pair=1, max_offset=6),
        Model({"position": (0, 19), "offset": (0, 6), "pair": (0, 3)}, {},
              lambda s: {"position": 19 - s["offset"]})),
    "binary": lambda: (BinarySinusoidalExplorer(bits=5, num_positions=32, position=3),
                       Model({"position": (0, 31)}, {}, lambda s: {})),
    "relative": lambda: (RelativeExplorer(head_dim=8, max_position=30),
                         Model({"query_position": (0, 30), "key_position": (0, 30)}, {},
                               lambda s: {})),
    "grid": lambda: (GridExplorer(height=4, width=5, head_dim=8),
                     Model({"query_x": (0, 4), "query_y": (0, 3)},
                           {"angle": (0, 15, 30, 45, 60, 75, 90)}, lambda s: {})),
    "pairing": lambda: (PairingExplorer(head_dim=8, dim=3),
                        Model({"dim": (0, 127)}, {"head_dim": (4, 8, 16, 32, 64, 128)},
                              lambda s: {"dim": s["head_dim"] - 1})),
    "phase": lambda: (PhaseExplorer(head_dim=8, max_distance=30),
                      Model({"distance": (0, 30), "focus": (0, 30)},
                            {"spread": tuple(round(0.1 * k, 1) for k in range(11))},
                            lambda s: {})),
    "score-distance": lambda: (
        ScoreDistanceExplorer(head_dim=8, max_distance=30, distance=3),
        Model({"distance": (0, 30)},
              {"base": (10.0, 100.0, 1_000.0, 10_000.0, 100_000.0, 500_000.0, 1_000_000.0),
               "p": tuple(round(0.05 * k, 2) for k in range(21))}, lambda s: {})),
    "scaling": lambda: (
        ScalingExplorer(head_dim=8, base=100.0, original_length=32),
        Model({"pair": (0, 3)},
              {"method": ("linear", "ntk", "dynamic", "yarn", "llama3"),
               "factor": (2.0, 4.0, 8.0, 16.0, 32.0)}, lambda s: {})),
}


def values_for(model):
    """Hypothesis strategy: one update's keyword arguments, valid or not."""
    names = sorted(model.integers) + sorted(model.options) + ["bogus"]
    junk = st.one_of(st.none(), st.booleans(), st.text(max_size=3), st.floats(allow_nan=True),
                     st.integers(-3, 300), st.integers(-3, 300).map(np.int64),
                     st.integers(-3, 300).map(float), st.just([1]))

    def value(name):
        if name in model.options:
            return st.one_of(st.sampled_from(model.options[name]), junk)
        if name in model.integers:
            low, high = model.integers[name]
            return st.one_of(st.integers(low, high), st.integers(low, high).map(np.int64), junk)
        return junk

    return st.lists(st.sampled_from(names), min_size=1, max_size=2, unique=True).flatmap(
        lambda chosen: st.fixed_dictionaries({name: value(name) for name in chosen}))


@pytest.fixture(scope="module")
def cases():
    return {name: make() for name, make in CASES.items()}


@pytest.mark.parametrize("case", sorted(CASES))
def test_random_update_sequences_never_corrupt_the_state(cases, case):
    explorer, model = cases[case]
    start = dict(explorer.state)

    @settings(max_examples=40)
    @given(st.lists(values_for(model), min_size=1, max_size=8))
    def run(sequence):
        explorer.update(**start)
        expected = dict(start)
        assert explorer.state == expected
        for values in sequence:
            after = model.apply(expected, values)
            if after is None:
                with pytest.raises(ValueError):
                    explorer.update(**values)
            else:
                explorer.update(**values)
                expected = after
            assert explorer.state == expected, (values, explorer.state, expected)
            assert all(type(v) in (int, float, str) for v in explorer.state.values())
        # whatever happened, the explorer still reads out and draws its state
        assert explorer.readout()
        assert explorer.png()[:8] == b"\x89PNG\r\n\x1a\n"

    run()
