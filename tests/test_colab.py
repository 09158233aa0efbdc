"""Every chapter runs in a simulated Colab: Colab's own packages, Colab's install route.

Colab's runtime package list is public (``googlecolab/backend-info``, ``pip-freeze.txt``); the
book keeps a dated copy in ``tests/colab/`` and this test builds environments from it:

* **Python 3.11 with torch**: a fresh virtual environment outside the repository holding the
  packages the book uses (numpy, matplotlib, ipywidgets 7.7.1, ipykernel 6.17.1, IPython 7.34,
  tqdm, Pillow, transformers, torchtune, ...) at Colab's versions, resolved with Colab's whole list
  as pip constraints. Only torch differs: the project's machines have one offline wheel,
  ``torch==2.13.0``, which stands in for Colab's 2.11 build (and needs a newer setuptools than
  Colab's, so setuptools is not constrained). **Every** chapter runs there, copied alone into an
  empty folder, with a stand-in ``google.colab`` module so that its first cell takes the Colab
  branch and runs ``%pip install "ropeviz @ git+https://..."`` for real: git is told (through a
  private global config) to fetch that URL from a local clone of this checkout's HEAD.
* **Python 3.13 without torch** (Colab has been on 3.13 since 2026-08; no torch wheel for it is
  on these machines): the same pins; the explorers are displayed and every slider is moved, and
  every chapter that needs no torch runs whole. Where no Python 3.13 exists this part says so and
  skips, except under ``CI``, where it fails.

A chapter fails the test if a cell errors, if an explorer displays no live widget, or if its
install cell changed the version of any package Colab already has (a new package is allowed
only where the chapter installs it on purpose). Everything here takes several minutes (pip
installs, every chapter executed again); ``pytest -m "not colab"`` skips it locally.
"""

from __future__ import annotations

import re
import sys

import nbformat
import pytest

from colab_simulation import (
    CHAPTERS,
    COLAB_PINS,
    ROOT,
    build,
    changed_packages,
    colab_pins,
    execute,
    find_python,
    freeze,
    needs_torch,
    normalise,
    problems_in,
)

pytestmark = pytest.mark.colab


# ------------------------------------------------------------------------------ Python 3.11
@pytest.fixture(scope="module")
def colab311(tmp_path_factory):
    python = find_python("3.11") or sys.executable
    return build(tmp_path_factory.mktemp("colab311"), python, with_torch=True)


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_runs_in_colab(colab311, path, monkeypatch, tmp_path):
    if not needs_torch(path) and find_python("3.13"):
        pytest.skip("needs no torch: runs on Python 3.13, Colab's, in test_colab_313.py")
    notebook = nbformat.read(path, as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell(
        "import ropeviz, sys\nprint(ropeviz.__file__)\nprint(sys.executable)"))
    execute(colab311, notebook, tmp_path / "work", monkeypatch)
    assert problems_in(notebook) == []
    module_file, executable = "".join(o.get("text", "") for o in notebook.cells[-1].outputs
                                      ).strip().splitlines()[-2:]
    assert module_file.startswith(str(colab311["site"])), f"ropeviz came from {module_file}"
    assert executable == str(colab311["python"])
    assert changed_packages(colab311["baseline"], freeze(colab311["python"])) == []


def test_colab_pins_are_dated_and_sourced():
    header = COLAB_PINS.read_text().splitlines()[:3]
    assert "googlecolab/backend-info" in header[1] and "pip-freeze.txt" in header[1]
    assert re.search(r"of 2026-08-19", header[2])
    pins = colab_pins()
    assert pins["ipywidgets"] == "7.7.1" and pins["ipykernel"] == "6.17.1"
    assert "rotary-embedding-torch" not in pins  # chapter 6 installs it in Colab


def test_pyproject_ranges_admit_colab_versions():
    """ropeviz's own dependencies accept every version Colab ships, and do not force torch."""
    text = (ROOT / "pyproject.toml").read_text()
    dependencies = re.findall(r'"([^"]+)"', re.search(r"^dependencies = \[(.*?)\]", text,
                                                      re.M | re.S).group(1))
    pins = colab_pins()
    from packaging.requirements import Requirement

    for line in dependencies:
        requirement = Requirement(line)
        assert requirement.specifier.contains(pins[normalise(requirement.name)]), line
    assert not any(Requirement(line).name == "torch" for line in dependencies)
