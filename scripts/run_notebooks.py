"""Execute chapter notebooks in place and store their outputs the way the book expects.

Usage::

    python scripts/run_notebooks.py                 # every notebook in chapters/
    python scripts/run_notebooks.py chapters/01_*.ipynb

Each notebook runs top to bottom in a fresh kernel of this Python (the one with ``ropeviz``
installed), from the ``chapters/`` folder, exactly as nbval and the book build run it. Then:

* widget state (``metadata.widgets``) is dropped: it is large, changes every run, and the book
  never needs it;
* execution counts are renumbered 1, 2, 3, ... so an unchanged notebook gives an unchanged file;
* per-cell execution timestamps and editor leftovers are removed from cell metadata.

A failing cell stops the run with the cell's traceback and the file is left untouched.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent


def run(path: Path, timeout: int) -> None:
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    started = time.perf_counter()
    client.execute()
    notebook.metadata.pop("widgets", None)
    count = 0
    for cell in notebook.cells:
        if cell.cell_type == "code":
            count += 1
            cell.execution_count = count
            for output in cell.get("outputs", []):
                if "execution_count" in output:
                    output["execution_count"] = count
            cell.metadata.pop("execution", None)
        cell.metadata.pop("lines_to_next_cell", None)  # left by jupytext, meaningless here
    notebook.metadata["kernelspec"] = {
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
        "name": "python3",
    }
    nbformat.validate(notebook)
    nbformat.write(notebook, path)
    print(f"{path.relative_to(ROOT)}: {count} code cells in {time.perf_counter() - started:.1f} s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--timeout", type=int, default=900, help="seconds per cell")
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted((ROOT / "chapters").glob("*.ipynb"))
    for path in paths:
        run(path.resolve(), args.timeout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
