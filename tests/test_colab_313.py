"""The Colab simulation on Python 3.13 (Colab's Python since 2026-08), without torch.

See ``test_colab.py`` for the simulation. Here: every explorer displays with Colab's
ipywidgets 7.7.1 and every slider redraws its picture, and every chapter that needs no torch
runs whole. Where no Python 3.13 exists this skips, except under ``CI``, where it fails.
"""

from __future__ import annotations

import nbformat
import pytest

from colab_simulation import (
    CHAPTERS,
    WIDGET_VIEW,
    build,
    changed_packages,
    colab_pins,
    execute,
    find_python,
    freeze,
    needs_torch,
    problems_in,
)
from conftest import in_ci

import set_repository_url  # noqa: E402 (colab_simulation puts scripts/ on the path)

pytestmark = pytest.mark.colab


# ------------------------------------------------------------------------------ Python 3.13
@pytest.fixture(scope="module")
def colab313(tmp_path_factory):
    python = find_python("3.13")
    if python is None:
        message = "no Python 3.13 on this machine: the Colab check on 3.13 cannot run"
        if in_ci():
            pytest.fail(f"{message} (CI is set, so this is an error)", pytrace=False)
        pytest.skip(message)
    return build(tmp_path_factory.mktemp("colab313"), python, with_torch=False)


WIDGET_CHECK = r'''
import numpy as np
import ipywidgets
from IPython.display import display
from ropeviz import explorers

def leaves(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from leaves(child)

classes = [getattr(explorers, n) for n in explorers.__all__
           if n.endswith("Explorer") and n != "Explorer"]
report = []
for cls in classes:
    explorer = cls()
    display(explorer)
    view = explorer.widget
    images = [w for w in leaves(view) if isinstance(w, ipywidgets.Image)]
    sliders = [w for w in leaves(view)
               if isinstance(w, (ipywidgets.IntSlider, ipywidgets.SelectionSlider))]
    assert len(images) == 1 and sliders, cls.__name__
    moved = 0
    for slider in sliders:
        before = images[0].value
        if isinstance(slider, ipywidgets.SelectionSlider):
            options = list(slider.options)
            labels = [o[0] if isinstance(o, tuple) else o for o in options]
            current = slider.label
            slider.label = next(label for label in labels if label != current)
        else:
            slider.value = slider.max if slider.value != slider.max else slider.min
        assert images[0].value != before, f"{cls.__name__}: {slider.description} did not redraw"
        moved += 1
    report.append(f"{cls.__name__}: {moved} sliders redraw the picture")
print(ipywidgets.__version__)
print("\n".join(report))
'''


def test_explorers_are_live_with_colab_widgets(colab313, monkeypatch, tmp_path):
    """ipywidgets 7.7.1 on Python 3.13: every explorer displays, every slider redraws it."""
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell('%pip install --quiet "ropeviz @ git+'
                                  + set_repository_url.current_url() + '"'),
        nbformat.v4.new_code_cell(WIDGET_CHECK),
    ])
    execute(colab313, notebook, tmp_path / "work", monkeypatch, timeout=600)
    assert problems_in(notebook) == []
    outputs = notebook.cells[1].outputs
    views = [o for o in outputs if WIDGET_VIEW in o.get("data", {})]
    text = "".join(o.get("text", "") for o in outputs)
    assert text.startswith(colab_pins()["ipywidgets"] + "\n")
    assert len(views) == text.count("sliders redraw the picture") >= 5
    assert all("text/html" in o["data"] for o in views)  # the static twin rides along
    assert changed_packages(colab313["baseline"], freeze(colab313["python"])) == []


@pytest.mark.parametrize("path", [p for p in CHAPTERS if not needs_torch(p)],
                         ids=lambda p: p.stem)
def test_torch_free_chapter_runs_on_python_313(colab313, path, monkeypatch, tmp_path):
    notebook = nbformat.read(path, as_version=4)
    execute(colab313, notebook, tmp_path / "work", monkeypatch)
    assert problems_in(notebook) == []
    assert changed_packages(colab313["baseline"], freeze(colab313["python"])) == []
