"""The notebooks in docs/notebooks: stored without outputs, with the Colab badge and the Colab-only install cell, listed
in the site's navigation, and runnable from top to bottom (executed here with nbclient in a fresh kernel; the docs
site executes nothing). The exercise solutions (fenced code in <details> cells) run with --runslow."""
import re
import time
import tomllib
from pathlib import Path

import pytest
import yaml

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "docs" / "notebooks").glob("*.ipynb"))
REPOSITORY = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["urls"]["Repository"]  # declared once
COLAB = f"https://colab.research.google.com/github/{REPOSITORY.removeprefix('https://github.com/')}/blob/main/docs/notebooks/"
SOLUTION = "<summary>Solution</summary>"


def read(path: Path):
    return nbformat.read(path, as_version=4)


def solutions(nb) -> list[str]:
    """The code of every exercise solution: fenced Python blocks inside the <details> Markdown cells."""
    return [block for cell in nb.cells if cell.cell_type == "markdown" and SOLUTION in cell.source
            for block in re.findall(r"```python\n(.*?)```", cell.source, flags=re.S)]


def execute(nb, cwd: Path, name: str) -> float:
    """Run every cell in a fresh python3 kernel (cwd = ``cwd``); fail on the first error. Returns seconds."""
    start = time.perf_counter()
    client = nbclient.NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(cwd)}})
    try:
        client.execute()
    except nbclient.exceptions.CellExecutionError as err:
        pytest.fail(f"{name}: {err}")
    seconds = time.perf_counter() - start
    print(f"{name}: {seconds:.1f} s")
    return seconds


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 3, [p.name for p in NOTEBOOKS]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_structure(path):
    nb = read(path)
    nbformat.validate(nb)
    # stored without outputs, so the repository stays small and the docs show the code only
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{path.name} has stored outputs"
    # first cell: a title and the Open-in-Colab badge that links to this very notebook
    first = nb.cells[0]
    assert first.cell_type == "markdown" and first.source.startswith("# ")
    assert f"]({COLAB}{path.name})" in first.source and "colab-badge.svg" in first.source
    # second cell: installs the package only when running in Colab, from the repository URL defined once there
    install = nb.cells[1]
    assert install.cell_type == "code"
    assert 'if "google.colab" in sys.modules:' in install.source and "%pip install" in install.source
    assert re.findall(r"https://github\.com/[\w.-]+/[\w.-]+", install.source) == [REPOSITORY]
    assert all("%pip" not in cell.source for cell in nb.cells[2:] if cell.cell_type == "code")
    # the public API, and exercises with collapsible, runnable solutions
    assert any("import ntk_fourier as nf" in cell.source for cell in nb.cells if cell.cell_type == "code")
    exercises = sum(cell.source.count(SOLUTION) for cell in nb.cells if cell.cell_type == "markdown")
    assert exercises >= 2 and len(solutions(nb)) >= exercises
    assert nb.metadata["kernelspec"]["name"] == "python3"


def test_notebooks_in_site_navigation():
    config = yaml.load((ROOT / "mkdocs.yml").read_text(), Loader=yaml.BaseLoader)
    nav = str(config["nav"])
    for path in NOTEBOOKS:
        assert f"notebooks/{path.name}" in nav, f"{path.name} is missing from the mkdocs nav"
    plugin = [p for p in config["plugins"] if isinstance(p, dict) and "mkdocs-jupyter" in p]
    assert plugin and plugin[0]["mkdocs-jupyter"]["execute"] == "false"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs(path, tmp_path):
    seconds = execute(read(path), tmp_path, path.name)
    assert seconds < 180, f"{path.name} took {seconds:.0f} s: keep notebooks small"


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_solutions_run(path, tmp_path):
    nb = read(path)
    nb.cells += [nbformat.v4.new_code_cell(code) for code in solutions(nb)]
    execute(nb, tmp_path, f"{path.name} with solutions")
