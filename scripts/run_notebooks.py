"""Execute chapter notebooks in place and store their outputs the way the book expects.

Usage::

    python scripts/run_notebooks.py                 # every notebook in chapters/
    python scripts/run_notebooks.py chapters/01_*.ipynb
    python scripts/run_notebooks.py --references-only   # only rewrite the reference lists

First the notebook's last cell, ``## References``, is rewritten from ``references.bib`` to list
exactly the works the chapter cites (``_ext/plain_notebooks.py`` describes the conventions).
Then each notebook runs top to bottom in a fresh kernel of this Python (the one with ``ropeviz``
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
sys.path.insert(0, str(ROOT / "_ext"))
import plain_notebooks  # noqa: E402


def refresh_references(notebook: nbformat.NotebookNode) -> None:
    """Rewrite the last cell, ``## References``, to list the works the chapter cites."""
    last = notebook.cells[-1]
    if last.cell_type != "markdown" or not last.source.startswith("## References\n"):
        raise SystemExit("the notebook's last cell must be its '## References' list")
    cited = plain_notebooks.cited_keys(
        "\n".join(cell.source for cell in notebook.cells[:-1] if cell.cell_type == "markdown")
    )
    last.source = plain_notebooks.references_markdown(cited, plain_notebooks.load_bibliography())


def run(path: Path, timeout: int, execute: bool = True) -> None:
    notebook = nbformat.read(path, as_version=4)
    refresh_references(notebook)
    if not execute:
        nbformat.write(notebook, path)
        print(f"{path.relative_to(ROOT)}: reference list written")
        return
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
    parser.add_argument("--references-only", action="store_true",
                        help="only rewrite each notebook's reference list; run nothing")
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted((ROOT / "chapters").glob("*.ipynb"))
    for path in paths:
        run(path.resolve(), args.timeout, execute=not args.references_only)
    return 0


if __name__ == "__main__":
    sys.exit(main())
