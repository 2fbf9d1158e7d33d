"""The docs: the tutorial's code runs as written, the site builds (mkdocs --strict), the README's commands run, the
repository address is declared once (pyproject.toml), and every figure is measured on the current code or dated."""
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_tutorial_code_runs(capsys):
    blocks = re.findall(r"```python\n(.*?)```", (ROOT / "docs" / "tutorial.md").read_text(), flags=re.S)
    assert len(blocks) >= 5
    namespace = {}
    for block in blocks:
        exec(compile(block, "docs/tutorial.md", "exec"), namespace)  # noqa: S102 - our own documentation
    out = capsys.readouterr().out
    assert "(64, 1)" in out and "relative difference" in out and "deviation from the NTK prediction" in out


def test_docs_build_strict(tmp_path):
    done = subprocess.run([str(Path(sys.executable).parent / "mkdocs"), "build", "--strict", "--site-dir",
                           str(tmp_path / "site")], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / "site" / "tutorial" / "index.html").exists()


def test_cli_docs_list_every_numeric_option_with_its_range():
    from ntk_fourier import bounds
    assert bounds.table() in (ROOT / "docs" / "cli.md").read_text()


# --- the README and the user docs: what a newcomer reads first, one repository address, no stale figures ---

README = ROOT / "README.md"
USER_DOCS = [README, *sorted((ROOT / "docs").glob("*.md"))]
NOTEBOOKS = sorted((ROOT / "docs" / "notebooks").glob("*.ipynb"))
URLS = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["urls"]
# "measured on 2026-11-23 at commit bb9a238": how a figure that was not measured on the current code is dated
STAMP = re.compile(r"measured on (\d{4}-\d{2}-\d{2}) at commit ([0-9a-f]{7,40})\b")
BUILD_TALK = ("lent to the project", "will run", "before the engine became the default", "session", "issue #",
              "not in yet", "the gpu machine", "this cpu", "the first gpu")


def flat(text: str) -> str:
    """Whitespace (line breaks included) as single spaces, so that phrases are found across lines."""
    return " ".join(text.split())


def sections(text: str) -> dict[str, str]:
    """The README's `## ` sections by heading."""
    parts = re.split(r"^## (.+)$", text, flags=re.M)
    return dict(zip(parts[1::2], parts[2::2]))


def commands(text: str) -> list[list[str]]:
    """Every command line of the ```bash blocks in ``text`` (continuations joined, comments dropped), as argv."""
    lines = [shlex.split(line, comments=True) for block in re.findall(r"```bash\n(.*?)```", text, flags=re.S)
             for line in block.replace("\\\n", " ").splitlines()]
    return [argv for argv in lines if argv]


def notebook_text(path: Path, kind: str | None = None) -> list[str]:
    cells = json.loads(path.read_text())["cells"]
    return ["".join(cell["source"]) for cell in cells if kind is None or cell["cell_type"] == kind]


def test_readme_starts_with_quick_start_then_the_users_path():
    text = README.read_text()
    headings = re.findall(r"^## (.+)$", text, flags=re.M)
    assert headings[:4] == ["Quick start", "What it does", "Install", "First commands"], headings
    assert re.match(r"# ntk_fourier\n\n## Quick start\n", text)
    assert [argv[:2] for argv in commands(sections(text)["Quick start"])] == [["./dev", "gallery"], ["./dev", "test"]]
    # developer set-up (environments and their sizes) comes after the user's sections
    assert headings.index("Developer set-up") > headings.index("First commands")
    assert "GB" not in "".join(sections(text)[h] for h in headings[:4])


def test_repository_address_is_declared_once_in_pyproject():
    repository = URLS["Repository"]
    owner_name = re.fullmatch(r"https://github\.com/([\w.-]+/[\w.-]+)", repository).group(1)
    assert URLS["Documentation"].startswith(repository + "/") and URLS["Issues"] == repository + "/issues"
    # the README's install line (and every other pip line from git in the user docs)
    install = sections(README.read_text())["Install"]
    assert f'pip install "ntk-fourier @ git+{repository}"' in install
    sources = {source for path in USER_DOCS for source in re.findall(r"git\+(\S+?)[\"'\s]", path.read_text())}
    assert sources == {repository}, sources
    # every notebook: the Colab badge opens this very notebook from the repository; the install cell uses the address
    colab = f"https://colab.research.google.com/github/{owner_name}/blob/main/docs/notebooks/"
    assert NOTEBOOKS
    for path in NOTEBOOKS:
        cells = notebook_text(path)
        badges = re.findall(r"colab-badge\.svg\)\]\(([^)]*)\)", cells[0])  # the badge's link target
        assert badges == [colab + path.name], (path.name, badges)
        assert re.findall(r'^REPOSITORY = "([^"]*)"$', cells[1], flags=re.M) == [repository], path.name
        assert '%pip install -q "ntk-fourier @ git+{REPOSITORY}"' in cells[1], path.name
    # no other repository address anywhere a user reads
    for path in [*USER_DOCS, *NOTEBOOKS]:
        named = set(re.findall(r"github\.com/([\w.-]+/[\w.-]+)", path.read_text()))
        assert named <= {owner_name}, (path.name, named)


def test_readme_commands_parse():
    """Every `ntk-fourier` line of the README (and of the docs' home page) names a command and options that exist."""
    from ntk_fourier import cli

    lines = [argv for path in (README, ROOT / "docs" / "index.md") for argv in commands(path.read_text())
             if argv[0] == "ntk-fourier"]
    assert len(lines) >= 15
    for argv in lines:
        args = cli.build_parser().parse_args(argv[1:])
        if not getattr(args, "no_model", False):
            cli.model_from_args(args)


def test_readme_first_commands_run_and_show_spectral_bias(tmp_path):
    """The README's first commands, as a user types them, each in a fresh process, and what the README says of them."""
    argvs = commands(sections(README.read_text())["First commands"])
    assert [argv[0] for argv in argvs] == ["ntk-fourier"] * 3 + ["python", "ntk-fourier"]
    assert ["--mapping", "none"] == argvs[1][argvs[1].index("--mapping"):][:2]  # spectral bias needs raw inputs
    exe = Path(sys.executable).parent / "ntk-fourier"
    program = {"ntk-fourier": [str(exe)] if exe.exists() else [sys.executable, "-m", "ntk_fourier"],
               "python": [sys.executable]}
    for argv in argvs:
        done = subprocess.run(program[argv[0]] + argv[1:], cwd=tmp_path, capture_output=True, text=True,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
        assert done.returncode == 0, (argv, done.stderr)
    assert (tmp_path / "P.png").stat().st_size > 10_000
    with np.load(tmp_path / "K.npz") as k:
        assert k["ntk"].shape == k["nngp"].shape == (500, 500) and k["ntk"].dtype == np.float64
    # "the residual at frequency 1 falls to a tenth ... in about 300 steps, at frequency 4 in about 4,000, while after
    # 10,000 steps frequencies 8 to 16 keep 11% to 29% of theirs"
    with np.load(tmp_path / "P.npz") as p:
        steps, frequencies = p["steps"], list(np.abs(p["frequencies"][:, 0]))
        share = np.abs(p["residual_freq"]) / np.abs(p["target_freq"])  # (steps, frequencies)

    def steps_to_a_tenth(f):
        below = share[:, frequencies.index(f)] < 0.1
        return steps[np.argmax(below)] if below.any() else np.inf

    assert 200 <= steps_to_a_tenth(1) <= 500 and 2000 <= steps_to_a_tenth(4) <= 6000
    assert steps[-1] == 10000
    kept = share[-1, [frequencies.index(f) for f in range(8, 17)]]
    assert 0.10 <= kept.min() and kept.max() <= 0.30, kept
    assert share[-1, [frequencies.index(f) for f in range(1, 5)]].max() < 0.01


def test_user_docs_speak_of_the_toolkit_not_of_its_making():
    found = [(path.name, phrase) for path in USER_DOCS for phrase in BUILD_TALK if phrase in flat(path.read_text()).lower()]
    found += [(path.name, phrase) for path in NOTEBOOKS for phrase in BUILD_TALK
              if phrase in flat(" ".join(notebook_text(path, "markdown"))).lower()]
    assert not found, found


def test_jax_versions_are_pinned_or_dated():
    """A JAX version named beside a figure is one of the pinned environments', or its paragraph dates the figure."""
    pinned = set(re.findall(r"^jax==(\S+)$", (ROOT / "requirements" / "main.txt").read_text()
                            + (ROOT / "requirements" / "reference.txt").read_text(), flags=re.M))
    assert len(pinned) == 2, pinned
    named = 0
    for path in USER_DOCS:
        for paragraph in re.split(r"\n\s*\n", path.read_text()):
            text = flat(paragraph)
            for version in re.findall(r"\bjax(?:lib)?\b[^0-9|]{0,12}?(\d+\.\d+\.\d+)", text, flags=re.I):
                named += 1
                assert version in pinned or STAMP.search(text), (path.name, version, text[:200])
    benchmarks = flat((ROOT / "docs" / "benchmarks.md").read_text())
    assert named > 10 and "jax 0.11.2" in benchmarks  # the H100 memory check's own JAX, dated in its paragraph


def test_dated_figures_name_real_commits():
    """Each "measured on DATE at commit HASH" names a commit of this repository made on that date."""
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs the repository's git history")
    shallow = subprocess.run(["git", "rev-parse", "--is-shallow-repository"], cwd=ROOT, capture_output=True, text=True)
    if shallow.stdout.strip() != "false":
        pytest.skip("needs the whole git history")
    stamps = {stamp for path in USER_DOCS for stamp in STAMP.findall(flat(path.read_text()))}
    assert len(stamps) >= 10, stamps
    for date, commit in sorted(stamps):
        done = subprocess.run(["git", "show", "-s", "--format=%ad", "--date=short", f"{commit}^{{commit}}"], cwd=ROOT,
                              capture_output=True, text=True)
        assert done.returncode == 0 and done.stdout.strip() == date, (date, commit, done.stdout, done.stderr)


def test_jax_page_code_runs(capsys):
    """docs/jax.md runs as written: jit, grad in the model and the points, a vmapped sweep, and the fit of sigma,
    whose predicted test error falls."""
    blocks = re.findall(r"```python\n(.*?)```", (ROOT / "docs" / "jax.md").read_text(), flags=re.S)
    assert len(blocks) >= 4
    namespace = {}
    for block in blocks:
        exec(compile(block, "docs/jax.md", "exec"), namespace)  # noqa: S102 - our own documentation
    assert namespace["K"].ntk.shape == (64, 64) and namespace["dk_dx"].shape == (64, 1)
    assert np.isfinite(float(namespace["grads"].mapping.sigma))
    assert namespace["spectra"].shape == (16, 256)
    assert float(namespace["error"]) < namespace["first_error"]
    assert "sigma 16 ->" in capsys.readouterr().out


def test_depth_table_is_the_benchmarks_json():
    """docs/benchmarks.md's depth table and ratio are docs/benchmarks/depth.json, rounded."""
    text = (ROOT / "docs" / "benchmarks.md").read_text()
    data = json.loads((ROOT / "docs" / "benchmarks" / "depth.json").read_text())
    depths = re.search(r"^\| depth \|(.*)\|$", text, flags=re.M).group(1).split("|")
    seconds = re.search(r"^\| compile \+ run \(s\) \|(.*)\|$", text, flags=re.M).group(1).split("|")
    assert [int(d) for d in depths] == [row["depth"] for row in data["rows"]]
    assert [float(s) for s in seconds] == [round(row["first_s"], 2) for row in data["rows"]]
    assert f"Depth 256 takes {data['ratio_256_to_8']:.2f} times as long as depth 8" in text


def test_sweep_table_is_the_benchmarks_json():
    """docs/benchmarks.md's sweep table and its sentences are docs/benchmarks/sweep.json, rounded and counted."""
    text = (ROOT / "docs" / "benchmarks.md").read_text()
    data = {k: v for k, v in json.loads((ROOT / "docs" / "benchmarks" / "sweep.json").read_text()).items()
            if isinstance(v, dict)}
    for task, r in data.items():
        n, j, v = r["numpy_loop_s"], r["jit_loop_s"], r["vmap_s"]
        row = (f"| {task} | {n[0]:.2f} / {n[1]:.3f} | {j[0]:.2f} / {j[1]:.3f} | {v[0]:.2f} / {v[1]:.3f} | "
               f"{n[0] / v[0]:.1f}x / {n[1] / v[1]:.1f}x | {r['max_relative_difference']:.1e} |")
        assert row in text, row
        assert r["max_relative_difference"] < 1e-12
    steady_fastest = {t for t, r in data.items() if r["vmap_s"][1] < min(r["numpy_loop_s"][1], r["jit_loop_s"][1])}
    assert steady_fastest == {"spectra, grid 64", "predictions, 16 training points"}
    slower = sum(r["vmap_s"][0] > r["numpy_loop_s"][0] for r in data.values())
    words = {1: "one", 2: "two", 3: "three", 4: "four"}
    assert f"slower vmapped than the NumPy loop in {words[slower]} of the four tasks" in flat(text)
