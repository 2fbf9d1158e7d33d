"""docs/cli.md's output tables against what each command really writes.

Every command (and its main optional variants) runs on tiny inputs; the tables of its section in docs/cli.md are
parsed, and both directions are checked: every array (for `compare` and `image`: every file in the folder, and the
arrays of the .npz and JSON files there) is documented for that command, every documented one that should be present
in that variant is written (and none that should not), and each shape equals the documented symbolic shape with the
symbols (n, m, d, k, T, S, W, N, K, L, F, P, c) resolved from the inputs.
"""
import argparse
import importlib.util
import json
import math
import re
from pathlib import Path

import numpy as np
import pytest

from ntk_fourier.cli import build_parser, main

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "cli.md"
MODEL = ["--width", "16", "--features", "16", "--depth", "2", "--quiet"]
STEPS = "0,1,2"
PILLOW = importlib.util.find_spec("PIL") is not None

# The "when present" cells this file knows how to evaluate, per command. A cell outside these (a new option documented
# in a table) fails the test until a variant below covers it.
CONDITIONS = {
    "kernel": set(),
    "spectrum": {"`--grid`", "`--x` with `--vectors`", "`--x` with `--top`", "`--harmonic`"},
    "predict": {"without `--f0`", "grid training points"},
    "regress": set(),
    "train": {"`--record-ntk`", "`--kernel`", "grid training points"},
    "compare": {"linearised runs", "grid training points", "recorded NTK"},
    "data": set(),
    "design": {"`--kind amplitudes` or `power`", "`--train-seeds`"},
    "image": {"Pillow installed", "`siren` in `--mappings`, Pillow installed", "`siren` in `--mappings`", "`--ntk`",
              "in `parts/siren.npz`"},
}


# ---- the tables of docs/cli.md ----------------------------------------------------------------------------------

def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def parse_tables(text: str) -> dict:
    """{command: {file: rows}}: each table of a command's section whose header starts with ``array`` or ``file``,
    under the file(s) its caption (the line above) names in backticks: ``OUT.npz``, ``DIR`` (the folder's files),
    ``DIR/...`` (a file in it). Rows: dicts header -> cell."""
    parts = re.split(r"^## `(\w+)`[ \t]*$", text, flags=re.M)
    found = {}
    for command, body in zip(parts[1::2], parts[2::2]):
        lines, tables, i = body.splitlines(), {}, 0
        while i < len(lines):
            header = _cells(lines[i]) if lines[i].startswith("|") else []
            if header[:1] not in (["array"], ["file"]):
                i += 1
                continue
            caption = next(line for line in reversed(lines[:i]) if line.strip())
            files = [f for f in re.findall(r"`([^`]+)`", caption) if f == "OUT.npz" or f.startswith("DIR")]
            assert files, f"docs/cli.md, {command}: no file named in the caption of a table: {caption!r}"
            rows, i = [], i + 2  # skip the |---| line
            while i < len(lines) and lines[i].startswith("|"):
                cells = _cells(lines[i])
                assert len(cells) == len(header), f"docs/cli.md, {command}: malformed row {lines[i]!r}"
                rows.append(dict(zip(header, cells)))
                i += 1
            for f in files:
                assert f not in tables, f"docs/cli.md, {command}: two tables for {f}"
                tables[f] = rows
        found[command] = tables
    return found


TABLES = parse_tables(DOC.read_text())


def expected_shape(text: str, sym: dict):
    """``(T, n[, k])`` -> a tuple of ints with the symbols of ``sym``; ``[, k]`` only where ``sym['k_axis']``;
    ``2P`` = 2 x P; None for ``—`` (not an array)."""
    text = text.strip()
    if text == "—":
        return None
    assert text.startswith("(") and text.endswith(")"), f"unreadable shape {text!r}"
    inner = text[1:-1]
    optional = re.findall(r"\[,\s*(\w+)\]", inner)
    assert set(optional) <= {"k"}, f"only the output axis k may be optional: {text!r}"
    axes = [a.strip() for a in re.sub(r"\[,\s*\w+\]", "", inner).split(",") if a.strip()]
    if sym.get("k_axis"):
        axes += optional
    dims = []
    for axis in axes:
        match = re.fullmatch(r"(\d*)([A-Za-z]?)", axis)
        assert match and axis, f"unreadable axis {axis!r} in {text!r}"
        if match[2] and match[2] not in sym:
            raise AssertionError(f"symbol {match[2]} of {text!r} not resolved for this run (known: {sorted(sym)})")
        dims.append((int(match[1]) if match[1] else 1) * (sym[match[2]] if match[2] else 1))
    return tuple(dims)


def _names(cell: str, templates: dict) -> list[str]:
    """The backticked names of a cell, with ``<w>`` / ``<mapping>`` expanded over ``templates``."""
    names = re.findall(r"`([^`]+)`", cell)
    assert names, f"no name in {cell!r}"
    for key, values in templates.items():
        names = [n.replace(f"<{key}>", str(v)) for n in names for v in (values if f"<{key}>" in n else [None])]
    assert not any("<" in n for n in names), f"unexpanded template in {names}"
    return names


def documented(command: str, file: str, conditions: set, templates: dict | None = None) -> dict:
    """name -> (shape text or None, whether it should be present under ``conditions``) of one table."""
    tables = TABLES.get(command, {})
    assert file in tables, f"docs/cli.md documents no table for {file} under `{command}` (has {sorted(tables)})"
    out = {}
    for row in tables[file]:
        when = row["when present"]
        assert when == "always" or when in CONDITIONS[command], (
            f"docs/cli.md, {command}, {file}: condition {when!r} is not one this test evaluates")
        key = "array" if "array" in row else "file"
        for name in _names(row[key], templates or {}):
            assert name not in out, f"docs/cli.md, {command}, {file}: {name} documented twice"
            out[name] = (row.get("shape"), when == "always" or when in conditions)
    return out


def check(command: str, file: str, written: dict, conditions: set, sym: dict, templates: dict | None = None):
    """``written``: name -> shape tuple (None: not an array, or a file) of what the run produced."""
    docs = documented(command, file, conditions, templates)
    undocumented = sorted(set(written) - set(docs))
    missing = sorted(n for n, (_, present) in docs.items() if present and n not in written)
    unexpected = sorted(n for n, (_, present) in docs.items() if not present and n in written)
    where = f"`{command}` {file} (conditions {sorted(conditions)})"
    assert not undocumented, f"{where}: written but not documented in docs/cli.md: {undocumented}"
    assert not missing, f"{where}: documented but not written: {missing}"
    assert not unexpected, f"{where}: written although docs/cli.md says it needs another condition: {unexpected}"
    for name, shape in written.items():
        text = docs[name][0]
        if text is None:  # a file table: no shapes
            continue
        want = expected_shape(text, sym)
        assert shape == want, f"{where}: {name} has shape {shape}, docs/cli.md says {text} = {want}"


# ---- reading what a run wrote -------------------------------------------------------------------------------------

def npz_shapes(path: Path) -> dict:
    with np.load(path, allow_pickle=False) as archive:
        return {k: archive[k].shape for k in archive.files}


def json_shape(value):
    if isinstance(value, dict) or (isinstance(value, str) and value not in ("nan", "inf", "-inf")):
        return None  # not an array (a non-finite number is written as a string)
    return np.shape(value)


def folder_files(folder: Path) -> dict:
    return {p.relative_to(folder).as_posix(): None for p in folder.rglob("*") if p.is_file()}


def run(argv: list[str]) -> None:
    assert main([str(a) for a in argv]) == 0, f"ntk-fourier {' '.join(map(str, argv))} failed"


def data_symbols(path: Path, grid: bool) -> dict:
    """n, m, d, k (and whether y has the output axis), F when the training points form a whole grid."""
    with np.load(path) as z:
        x, y, xt = z["x_train"], z["y_train"], z["x_test"]
    n, d = len(x), (1 if x.ndim == 1 else x.shape[1])
    sym = {"n": n, "m": len(xt), "d": d, "k": 1 if y.ndim == 1 else y.shape[1], "k_axis": y.ndim == 2}
    if grid:
        sym["F"] = n // 2 + 1 if d == 1 else n
    return sym


# ---- inputs -------------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    """The built-in data (grid 32, every 4th point: 8 grid training points, 24 test), 2-output data on random
    points, point sets, a start f(0), and the analytic NTK on the grid data's training points."""
    root = tmp_path_factory.mktemp("inputs")
    run(["data", "--grid", 32, "--stride", 4, "--out", root / "grid.npz"])
    with np.load(root / "grid.npz") as z:
        np.save(root / "x.npy", z["x_train"])
        n, m = len(z["x_train"]), len(z["x_test"])
    rng = np.random.default_rng(0)
    np.savez(root / "multi.npz", x_train=rng.uniform(size=(6, 2)), y_train=rng.normal(size=(6, 2)),
             x_test=rng.uniform(size=(5, 2)), y_test=rng.normal(size=(5, 2)))
    np.save(root / "a.npy", rng.uniform(size=(5, 2)))
    np.save(root / "b.npy", rng.uniform(size=(3, 2)))
    np.savez(root / "f0.npz", f_train=np.linspace(-1, 1, n), f_test=np.linspace(1, -1, m))
    run(["kernel", "--x", root / "x.npy", "--out", root / "k.npz", *MODEL])
    return root


def _grid(p):
    return data_symbols(p / "grid.npz", grid=True)


def _multi(p):
    return data_symbols(p / "multi.npz", grid=False)


def _len(p, name):
    return len(np.load(p / f"{name}.npy"))


T = len(STEPS.split(","))
TRAIN = ["--lr", 0.1, "--steps", STEPS]
# id: (argv with {name} = a file of `inputs`, conditions, symbols from the inputs)
NPZ_CASES = {
    "data": (["data", "--grid", 32, "--stride", 4], set(), lambda p: {**_grid(p), "N": 32}),
    "kernel": (["kernel", "--x", "{x.npy}"], set(), lambda p: {"n": _len(p, "x"), "m": _len(p, "x")}),
    "kernel-x2": (["kernel", "--x", "{a.npy}", "--x2", "{b.npy}"], set(),
                  lambda p: {"n": _len(p, "a"), "m": _len(p, "b")}),
    "spectrum-grid": (["spectrum", "--grid", 16], {"`--grid`"}, lambda p: {"N": 16, "L": 16, "d": 1}),
    "spectrum-grid2d-top": (["spectrum", "--grid", "4x4", "--top", 3], {"`--grid`"},
                            lambda p: {"N": 16, "K": 3, "L": 3, "d": 2}),
    "spectrum-x-vectors": (["spectrum", "--x", "{x.npy}", "--vectors"], {"`--x` with `--vectors`"},
                           lambda p: {"n": _len(p, "x"), "L": _len(p, "x"), "d": 1}),
    "spectrum-x-top": (["spectrum", "--x", "{a.npy}", "--top", 2], {"`--x` with `--top`"},
                       lambda p: {"n": _len(p, "a"), "K": 2, "L": 2, "d": 2}),
    "spectrum-x-top-vectors": (["spectrum", "--x", "{x.npy}", "--top", 3, "--vectors"],
                               {"`--x` with `--top`", "`--x` with `--vectors`"},
                               lambda p: {"n": _len(p, "x"), "K": 3, "L": 3}),
    "spectrum-harmonic": (["spectrum", "--harmonic", 2, "--max-degree", 8, "--mapping", "none"], {"`--harmonic`"},
                          lambda p: {"L": 9}),
    "predict": (["predict", "--data", "{grid.npz}", *TRAIN], {"without `--f0`", "grid training points"},
                lambda p: {**_grid(p), "T": T}),
    "predict-f0": (["predict", "--data", "{grid.npz}", *TRAIN, "--f0", "{f0.npz}"], {"grid training points"},
                   lambda p: {**_grid(p), "T": T}),
    "predict-outputs-flow": (["predict", "--data", "{multi.npz}", *TRAIN, "--flow"], {"without `--f0`"},
                             lambda p: {**_multi(p), "T": T}),
    "regress": (["regress", "--data", "{grid.npz}"], set(), _grid),
    "regress-outputs-precondition": (["regress", "--data", "{multi.npz}", "--precondition", 2], set(), _multi),
    "train": (["train", "--data", "{grid.npz}", *TRAIN, "--seeds", 2], {"grid training points"},
              lambda p: {**_grid(p), "T": T, "S": 2}),
    "train-ntk-kernel": (["train", "--data", "{grid.npz}", *TRAIN, "--seeds", 2, "--record-ntk", "--kernel",
                          "{k.npz}"], {"grid training points", "`--record-ntk`", "`--kernel`"},
                         lambda p: {**_grid(p), "T": T, "S": 2}),
    "train-outputs-linearize": (["train", "--data", "{multi.npz}", *TRAIN, "--linearize"], set(),
                                lambda p: {**_multi(p), "T": T, "S": 1}),
    "design": (["design", "--grid", 32, "--stride", 4, "--iterations", 2, "--validation", 2, "--test", 3,
                "--train-seeds", 2, "--train-width", 8], {"`--kind amplitudes` or `power`", "`--train-seeds`"},
               lambda p: {"G": 25, "I": 3, "J": 16, "S": 2, "V": 3}),
    "design-sigma": (["design", "--kind", "sigma", "--grid", 32, "--stride", 4, "--iterations", 2, "--steps", "inf",
                      "--validation", 2, "--test", 2], set(), lambda p: {"G": 19, "I": 3, "J": 1}),
}


@pytest.mark.parametrize("case", list(NPZ_CASES))
def test_npz_command_outputs_match_docs(case, inputs, tmp_path):
    argv, conditions, symbols = NPZ_CASES[case]
    argv = [re.sub(r"\{(.+)\}", lambda m: str(inputs / m[1]), str(a)) for a in argv]
    command = argv[0]
    out = tmp_path / "out" / "result.npz"
    run([*argv, "--out", out, *(MODEL if command != "data" else [])])
    assert sorted(folder_files(out.parent)) == ["result.json", "result.npz"]  # OUT.npz and its sidecar, nothing else
    check(command, "OUT.npz", npz_shapes(out), conditions, symbols(inputs))


# ---- compare ------------------------------------------------------------------------------------------------------

def check_compare(folder: Path, widths: list[int], conditions: set, run_conditions: dict, sym: dict):
    """``run_conditions``: file of the runs table -> its conditions (recorded NTK or not)."""
    sym = {**sym, "W": len(widths)}
    templates = {"w": widths}
    check("compare", "DIR", folder_files(folder), conditions, sym, templates)
    for name, extra in run_conditions.items():
        for w in widths:
            path = folder / name.replace("<w>", str(w)).removeprefix("DIR/")
            if path.exists():
                check("compare", name, npz_shapes(path), conditions | extra, sym)
    numbers = json.loads((folder / "comparison.json").read_text())
    recorded = "recorded NTK" in next(iter(run_conditions.values()))
    check("compare", "DIR/comparison.json", {k: json_shape(v) for k, v in numbers.items()},
          conditions | ({"recorded NTK"} if recorded else set()), sym)
    assert numbers["widths"] == sorted(widths)
    row = next(r for r in TABLES["compare"]["DIR/comparison.json"] if r["array"] == "`validity_horizon`")
    keys = set(re.findall(r"`([^`]+)`", row["meaning"]))
    always = {"measured_0.05", "measured_0.1"}
    for horizon in numbers["validity_horizon"]:
        assert set(horizon) == (keys if recorded else always), f"validity_horizon keys {sorted(horizon)} vs docs"


RUNS = ("DIR/runs/width_<w>.npz", "DIR/runs/width_<w>_linear.npz")


def test_compare_outputs_match_docs(inputs, tmp_path):
    """Trains both widths and their linearised twins on grid training points."""
    widths = [32, 16]
    out = tmp_path / "cmp"
    run(["compare", "--data", inputs / "grid.npz", "--widths", ",".join(map(str, widths)), "--seeds", 2,
         "--steps", STEPS, "--out", out, *MODEL])
    check_compare(out, widths, {"linearised runs", "grid training points"},
                  {RUNS[0]: {"recorded NTK"}, RUNS[1]: set()}, {**_grid(inputs), "T": T, "S": 2})


def test_compare_runs_without_decomposition_match_docs(inputs, tmp_path):
    """Reads a `train` run (no recorded NTK, no linearised twin) on 2-output data off any grid."""
    runs = tmp_path / "runs"
    run(["train", "--data", inputs / "multi.npz", *TRAIN, "--seeds", 2, "--out", runs / "width_16.npz", *MODEL])
    out = tmp_path / "cmp"
    run(["compare", "--data", inputs / "multi.npz", "--widths", 16, "--seeds", 2, "--lr", 0.1, "--steps", STEPS,
         "--runs", runs, "--no-decompose", "--out", out, *MODEL])
    check_compare(out, [16], set(), {RUNS[0]: set(), RUNS[1]: set()}, {**_multi(inputs), "T": T, "S": 2})


# ---- image --------------------------------------------------------------------------------------------------------

def test_image_outputs_match_docs(tmp_path):
    from ntk_fourier.images import builtin
    mappings, size, seeds = ["none", "siren"], 16, 1
    out = tmp_path / "img"
    run(["image", "--builtin", "hopper", "--size", size, "--steps", 5, "--mappings", ",".join(mappings), "--seeds",
         seeds, "--ntk", "--quiet", "--out", out])
    conditions = {"`siren` in `--mappings`", "`--ntk`"}
    if PILLOW:
        conditions |= {"Pillow installed", "`siren` in `--mappings`, Pillow installed"}
    sym = {"P": size, "c": builtin("hopper", size).shape[2], "S": seeds}
    templates = {"mapping": mappings}
    check("image", "DIR", folder_files(out), conditions, sym, templates)
    check("image", "DIR/reconstructions.npz", npz_shapes(out / "reconstructions.npz"), conditions, sym, templates)
    for mapping in mappings:
        check("image", "DIR/parts/<mapping>.npz", npz_shapes(out / "parts" / f"{mapping}.npz"),
              conditions | ({"in `parts/siren.npz`"} if mapping == "siren" else set()), sym)
    table = json.loads((out / "results.json").read_text())
    assert sorted(table) == sorted(mappings)
    for entries in table.values():
        check("image", "DIR/results.json", {k: json_shape(v) for k, v in entries.items()}, conditions, sym)


# ---- the tables themselves, and that the check can fail ------------------------------------------------------------

def test_every_command_has_output_tables():
    parser = build_parser()
    # the commands that write result arrays (plot, animate and explore write a figure, a film or nothing)
    commands = {name for action in parser._actions if isinstance(action, argparse._SubParsersAction)
                for name, sub in action.choices.items() if sub.get_default("out_kind") is None}
    assert {"plot", "animate", "explore"}.isdisjoint(commands) and len(commands) == 9  # with design
    assert set(TABLES) - {"plot", "animate", "explore"} == commands
    for command, tables in TABLES.items():
        if command not in commands:
            assert not tables, f"docs/cli.md: `{command}` writes no result arrays, but has an output table"
            continue
        assert tables, f"docs/cli.md: no output table for `{command}`"
        assert ("OUT.npz" in tables) != ("DIR" in tables), f"`{command}`: one OUT.npz table or a DIR file table"
    for command, known in CONDITIONS.items():  # the conditions this test evaluates are the documented ones
        cells = {row["when present"] for rows in TABLES[command].values() for row in rows}
        assert known <= cells, f"`{command}`: conditions no longer in docs/cli.md: {sorted(known - cells)}"


def test_check_catches_mismatches():
    sym = {"n": 4, "m": 3}
    good = {"ntk": (4, 3), "nngp": (4, 3)}
    check("kernel", "OUT.npz", good, set(), sym)
    for bad in ({**good, "extra": (4,)}, {"ntk": (4, 3)}, {"ntk": (4, 3), "nngp": (3, 4)}):
        with pytest.raises(AssertionError):
            check("kernel", "OUT.npz", bad, set(), sym)
    with pytest.raises(AssertionError, match="another condition"):  # present without its option
        check("predict", "OUT.npz", {n: None for n in documented("predict", "OUT.npz", set())}, set(), {})
    assert expected_shape("(T, S, F[, k])", {"T": 2, "S": 3, "F": 4, "k": 5, "k_axis": True}) == (2, 3, 4, 5)
    assert expected_shape("(T, n[, k])", {"T": 2, "n": 3, "k": 1, "k_axis": False}) == (2, 3)
    assert expected_shape("(4P, 4P, c)", {"P": 2, "c": 3}) == (8, 8, 3)
    assert expected_shape("()", {}) == ()
