"""Fail fast, lose nothing, record everything: memory checks before dense allocations, out-of-memory errors as one
line, provenance in every sidecar, atomic writes, resumable long runs, and training results usable as f(0)."""
from __future__ import annotations

import hashlib
import json
import re
import shlex
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

import ntk_fourier as nf
from ntk_fourier import memory, results
from ntk_fourier.cli import main

ROOT = Path(__file__).resolve().parent.parent


def _run(capsys, argv):
    capsys.readouterr()
    code = main([str(a) for a in argv])
    return code, capsys.readouterr()


def _one_line_error(code, captured, *needles):
    lines = captured.err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and lines[0].startswith("ntk-fourier: error:"), captured.err
    assert "Traceback" not in captured.err
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def _stated_bytes(line: str) -> float:
    """The size a memory refusal names ("6.47 GB needed")."""
    value, unit = re.search(r"([0-9.e+]+) (bytes|kB|MB|GB|TB|PB) needed", line).groups()
    return float(value) * {"bytes": 1, "kB": 1e3, "MB": 1e6, "GB": 1e9, "TB": 1e12, "PB": 1e15}[unit]


@pytest.fixture
def data1d(tmp_path):
    path = tmp_path / "d.npz"
    np.savez(path, **nf.one_over_f(n=64, stride=4))
    return path


def test_sizes_parse_and_print():
    assert memory.parse_size("8GB") == 8 * 10**9 and memory.parse_size("512 MiB") == 512 * 2**20
    assert memory.parse_size("1e6") == 10**6 and memory.human(6.47e9) == "6.47 GB" and memory.human(12) == "12 bytes"
    for bad in ("", "lots", "-3GB", "5 XB", "0", "1e400", "1e30GB"):
        with pytest.raises(nf.InputError):
            memory.parse_size(bad)
    assert memory.parse_size("0GB", zero=True) == memory.parse_size("0.0", zero=True) == 0
    with pytest.raises(nf.InputError, match=r"--cache='inf' is not a size; write e.g. 8GB or 512MB or 0"):
        memory.parse_size("inf", zero=True, name="--cache")


def test_free_memory_is_read_from_the_machine():
    """Without a limit set, the free host memory is /proc/meminfo's MemAvailable (capped by a cgroup limit)."""
    meminfo = Path("/proc/meminfo")
    if not meminfo.exists():
        pytest.skip("no /proc/meminfo")
    available = int(re.search(r"MemAvailable:\s+(\d+) kB", meminfo.read_text()).group(1)) * 1024
    assert 0 < memory.host_free() <= available * 1.1


def test_memory_limit_refuses_dense_kernels_before_computing(tmp_path, capsys, monkeypatch):
    """A dense request over the limit is refused at once, naming a size within 2x of the arrays' true size (the two
    float64 n x n results: the oracle), and writing nothing."""
    n = 3000
    np.save(tmp_path / "x.npy", np.random.default_rng(0).uniform(size=(n, 2)))
    monkeypatch.setenv(memory.ENV, "50MB")
    start = time.perf_counter()
    code, captured = _run(capsys, ["kernel", "--x", tmp_path / "x.npy", "--out", tmp_path / "k.npz"])
    line = _one_line_error(code, captured, "3,000 x 3,000 points", "NTK_FOURIER_MEMORY_LIMIT", "--top")
    assert 16 * n * n <= _stated_bytes(line) <= 2 * 16 * n * n
    assert time.perf_counter() - start < 5 and not (tmp_path / "k.npz").exists()
    code, captured = _run(capsys, ["spectrum", "--x", tmp_path / "x.npy", "--out", tmp_path / "s.npz"])
    line = _one_line_error(code, captured, "eigendecomposition", "--top K")
    assert 8 * 3 * n * n <= _stated_bytes(line)  # K, eigh's copy and the eigenvectors at least
    assert not list(tmp_path.glob("s*"))


@pytest.mark.parametrize("argv, needles", [
    (["train", "--lr", "0.1", "--steps", "0,5", "--width", "10000000"], ("width 10000000", "smaller --width")),
    (["train", "--lr", "0.1", "--steps", "0,5", "--seeds", "100000", "--width", "4096"], ("100000 network",)),
    (["kernel", "--mapping", "power", "--features", "30000"], ("3,600,120,000 features", "fewer --features")),
    (["predict", "--lr", "0.1", "--steps", "0,5", "--mapping", "power", "--features", "30000"], ("features",)),
    (["compare", "--widths", "16,3000000", "--lr", "0.1", "--steps", "0,5"], ("width 3000000",)),
])
def test_inputs_too_large_for_this_machine_are_refused_at_once(argv, needles, data1d, tmp_path, capsys):
    """No limit set: the real free memory. Each refusal comes in seconds, before any kernel or network."""
    np.save(tmp_path / "x2d.npy", np.random.default_rng(0).uniform(size=(100, 2)))
    source = ["--x", tmp_path / "x2d.npy"] if argv[0] == "kernel" else ["--data", data1d]
    if argv[0] == "predict":
        x = np.random.default_rng(1).uniform(size=(40, 2))
        np.savez(tmp_path / "d2.npz", x_train=x[:20], y_train=x[:20, 0], x_test=x[20:], y_test=x[20:, 0])
        source = ["--data", tmp_path / "d2.npz"]
    out = tmp_path / ("cmp" if argv[0] == "compare" else "out.npz")
    start = time.perf_counter()
    code, captured = _run(capsys, [*argv, *source, "--out", out, "--quiet"])
    _one_line_error(code, captured, "needed", *needles)
    assert time.perf_counter() - start < 20 and not out.exists()


def test_out_of_memory_that_still_happens_is_one_line(tmp_path, capsys, monkeypatch):
    """With the estimates switched off, NumPy's MemoryError and XLA's RESOURCE_EXHAUSTED become one line, exit 2."""
    monkeypatch.setattr(memory, "require", lambda *a, **k: None)
    np.save(tmp_path / "x.npy", np.linspace(0, 1, 3_000_000))  # two 3e6 x 3e6 float64 results: 144 TB
    code, captured = _run(capsys, ["kernel", "--x", tmp_path / "x.npy", "--mapping", "none", "--out",
                                   tmp_path / "k.npz"])
    _one_line_error(code, captured, "out of memory")
    np.savez(tmp_path / "d.npz", **nf.one_over_f(n=64, stride=4))
    code, captured = _run(capsys, ["train", "--data", tmp_path / "d.npz", "--lr", "0.1", "--steps", "0,5",
                                   "--width", "10000000", "--out", tmp_path / "t.npz", "--quiet"])
    _one_line_error(code, captured, "out of device memory: XLA could not allocate")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.npz", "x.npy"]


def test_every_sidecar_records_command_line_version_commit_and_inputs(data1d, tmp_path, capsys):
    argv = ["train", "--data", str(data1d), "--lr", "0.5", "--steps", "0,3", "--width", "16", "--out",
            str(tmp_path / "r.npz"), "--quiet"]
    assert _run(capsys, argv)[0] == 0
    prov = json.loads((tmp_path / "r.json").read_text())["provenance"]
    assert prov["command_line"] == shlex.join(["ntk-fourier", *argv])
    assert prov["inputs"] == {str(data1d): hashlib.sha256(data1d.read_bytes()).hexdigest()}
    assert prov["package"]["version"] == nf.__version__
    head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True)
    if (ROOT / ".git").exists() and head.returncode == 0:
        assert prov["package"]["git_commit"] == head.stdout.strip()
    # a folder of inputs (compare --runs) records each file in it
    runs = tmp_path / "runs"
    runs.mkdir()
    for suffix in (".npz", ".json"):
        (runs / f"width_16{suffix}").write_bytes((tmp_path / f"r{suffix}").read_bytes())
    assert _run(capsys, ["compare", "--data", data1d, "--widths", "16", "--seeds", "1", "--lr", "0.5", "--steps",
                         "0,3", "--runs", runs, "--out", tmp_path / "cmp", "--quiet"])[0] == 0
    config = json.loads((tmp_path / "cmp" / "comparison.json").read_text())["config"]
    assert config["provenance"]["inputs"][str(runs / "width_16.npz")] == hashlib.sha256(
        (runs / "width_16.npz").read_bytes()).hexdigest()


def test_writes_are_atomic(tmp_path, monkeypatch):
    """An interrupted write leaves the previous result whole (or nothing), and no temporary file."""
    target = tmp_path / "r.npz"
    results.save(target, {"a": np.arange(3.0)})
    before = target.read_bytes(), target.with_suffix(".json").read_bytes()

    def interrupted(path, **arrays):
        Path(path).write_bytes(b"PK\x03\x04 half an archive")
        raise KeyboardInterrupt

    monkeypatch.setattr(results.np, "savez", interrupted)
    with pytest.raises(KeyboardInterrupt):
        results.save(target, {"a": np.arange(1e6)})
    assert (target.read_bytes(), target.with_suffix(".json").read_bytes()) == before
    with pytest.raises(KeyboardInterrupt):
        results.save(tmp_path / "new.npz", {"a": np.arange(3.0)})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.json", "r.npz"]
    assert np.array_equal(nf.load(target)[0]["a"], np.arange(3.0))


def test_predict_starts_from_a_training_result(data1d, tmp_path, capsys):
    """--f0 RUN.npz --f0-seed I == --f0 with that network's step-0 outputs saved by hand."""
    common = ["--data", data1d, "--quiet", "--width", "32"]
    assert _run(capsys, ["train", *common, "--lr", "0.5", "--steps", "0,4", "--seeds", "3", "--out",
                         tmp_path / "r.npz"])[0] == 0
    run = nf.load_run(tmp_path / "r.npz")
    np.savez(tmp_path / "f0.npz", f_train=run.f_train[0, 2, :, 0], f_test=run.f_test[0, 2, :, 0])
    predict = ["predict", *common, "--lr", "0.5", "--steps", "0,10,100"]
    assert _run(capsys, [*predict, "--f0", tmp_path / "r.npz", "--f0-seed", "2", "--out", tmp_path / "a.npz"])[0] == 0
    assert _run(capsys, [*predict, "--f0", tmp_path / "f0.npz", "--out", tmp_path / "b.npz"])[0] == 0
    a, b = nf.load(tmp_path / "a.npz")[0], nf.load(tmp_path / "b.npz")[0]
    assert np.array_equal(a["f_train"][0], run.f_train[0, 2, :, 0]) and np.array_equal(a["f_test"], b["f_test"])
    assert _run(capsys, [*predict, "--f0", tmp_path / "r.npz", "--out", tmp_path / "c.npz"])[0] == 0  # network 0
    assert np.array_equal(nf.load(tmp_path / "c.npz")[0]["f_train"][0], run.f_train[0, 0, :, 0])
    # refused, one line each
    _one_line_error(*_run(capsys, [*predict, "--f0", tmp_path / "r.npz", "--f0-seed", "3", "--out",
                                   tmp_path / "x.npz"]), "0..2")
    _one_line_error(*_run(capsys, [*predict, "--f0-seed", "1", "--out", tmp_path / "x.npz"]), "give --f0")
    _one_line_error(*_run(capsys, [*predict, "--f0", tmp_path / "f0.npz", "--f0-seed", "1", "--out",
                                   tmp_path / "x.npz"]), "one set of outputs")
    _one_line_error(*_run(capsys, [*predict, "--sigma", "3", "--f0", tmp_path / "r.npz", "--out",
                                   tmp_path / "x.npz"]), "another model")
    assert _run(capsys, ["train", *common, "--lr", "0.5", "--steps", "2,4", "--out", tmp_path / "late.npz"])[0] == 0
    _one_line_error(*_run(capsys, [*predict, "--f0", tmp_path / "late.npz", "--out", tmp_path / "x.npz"]), "no step 0")
    other = nf.one_over_f(n=64, stride=4, seed=1)
    np.savez(tmp_path / "other.npz", **other)
    _one_line_error(*_run(capsys, ["predict", "--data", tmp_path / "other.npz", "--quiet", "--lr", "0.5", "--steps",
                                   "0,1", "--f0", tmp_path / "r.npz", "--out", tmp_path / "x.npz"]), "other data")
    assert not (tmp_path / "x.npz").exists()


def test_compare_resumes_after_an_interruption(data1d, tmp_path, capsys, monkeypatch):
    """Interrupted while training the second width, `compare --resume` trains only that width and reports exactly
    what an uninterrupted run reports; a resume with other settings is refused."""
    from ntk_fourier.compare import crosscheck
    argv = ["compare", "--data", data1d, "--widths", "16,32", "--seeds", "2", "--lr", "0.5", "--steps", "0,3,10",
            "--quiet"]
    assert _run(capsys, [*argv, "--out", tmp_path / "full"])[0] == 0
    real_train, trained = crosscheck.train, []

    def interrupt_at_32(model, *args, **kwargs):
        if model.width == 32:
            raise KeyboardInterrupt
        trained.append((model.width, kwargs["linearize"]))
        return real_train(model, *args, **kwargs)

    monkeypatch.setattr(crosscheck, "train", interrupt_at_32)
    assert _run(capsys, [*argv, "--out", tmp_path / "cut"])[0] == 130
    saved = sorted(p.name for p in (tmp_path / "cut" / "runs").iterdir())
    assert saved == ["width_16.json", "width_16.npz", "width_16_linear.json", "width_16_linear.npz"]
    assert not (tmp_path / "cut" / "comparison.json").exists()
    first = (tmp_path / "cut" / "runs" / "width_16.npz").read_bytes()

    def counted(model, *args, **kwargs):
        trained.append((model.width, kwargs["linearize"]))
        return real_train(model, *args, **kwargs)

    trained.clear()
    monkeypatch.setattr(crosscheck, "train", counted)
    code, captured = _run(capsys, [*argv, "--out", tmp_path / "cut", "--resume"])
    assert code == 0 and "widths 16 already trained" in captured.err
    assert trained == [(32, False), (32, True)]
    assert (tmp_path / "cut" / "runs" / "width_16.npz").read_bytes() == first
    full, cut = (json.loads((tmp_path / d / "comparison.json").read_text()) for d in ("full", "cut"))
    for key in ("deviation", "deviation_test", "deviation_kernel", "deviation_linearization", "slope"):
        assert full[key] == cut[key], key
    _one_line_error(*_run(capsys, [*argv, "--seeds", "3", "--out", tmp_path / "cut", "--resume"]),
                    "seeds")
    _one_line_error(*_run(capsys, [*argv, "--lr", "0.25", "--out", tmp_path / "cut", "--resume"]), "lr")


def test_image_resumes_after_an_interruption(tmp_path, capsys, monkeypatch):
    from ntk_fourier.images import experiment, fitting
    argv = ["image", "--builtin", "mri", "--size", "16", "--steps", "5", "--mappings", "none,gaussian", "--quiet"]
    assert _run(capsys, [*argv, "--out", tmp_path / "full"])[0] == 0
    real_fit, fitted = fitting.fit, []

    def interrupt_at_gaussian(image, mapping, **kwargs):
        if mapping == "gaussian":
            raise KeyboardInterrupt
        fitted.append(mapping)
        return real_fit(image, mapping, **kwargs)

    monkeypatch.setattr(experiment.fitting, "fit", interrupt_at_gaussian)
    assert _run(capsys, [*argv, "--out", tmp_path / "cut"])[0] == 130
    assert sorted(p.name for p in (tmp_path / "cut" / "parts").iterdir()) == ["none.json", "none.npz"]
    fitted.clear()
    monkeypatch.setattr(experiment.fitting, "fit", lambda image, mapping, **kw: fitted.append(mapping) or real_fit(
        image, mapping, **kw))
    assert _run(capsys, [*argv, "--out", tmp_path / "cut", "--resume"])[0] == 0
    assert fitted == ["gaussian"]
    full, cut = (json.loads((tmp_path / d / "results.json").read_text()) for d in ("full", "cut"))
    for mapping in ("none", "gaussian"):
        assert full[mapping]["psnr_test"] == cut[mapping]["psnr_test"]
    a, b = nf.load(tmp_path / "full" / "reconstructions.npz")[0], nf.load(tmp_path / "cut" / "reconstructions.npz")[0]
    assert a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)
    _one_line_error(*_run(capsys, [*argv, "--steps", "6", "--out", tmp_path / "cut", "--resume"]),
                    "steps differ")


def test_console_script_quiets_xla_logging_before_jax_loads(tmp_path):
    """XLA reads TF_CPP_MIN_LOG_LEVEL once, when JAX loads: the launcher sets it first (unless set, or debugging), so
    an accelerator's out-of-memory message is not buried under XLA's allocator log lines."""
    import os
    import sys
    probe = ("import os, sys, ntk_fourier_launcher as launcher; "
             "sys.argv = ['ntk-fourier', 'data', '--grid', 'x', '--out', sys.argv[1]]; code = launcher.main(); "
             "print(os.environ.get('TF_CPP_MIN_LOG_LEVEL'), code)")
    env = {k: v for k, v in os.environ.items() if k not in ("TF_CPP_MIN_LOG_LEVEL", "NTK_FOURIER_DEBUG")}
    # (JAX itself sets the level to 1 where nothing set it before it loads)
    for extra, expected in (({}, "3 2"), ({"TF_CPP_MIN_LOG_LEVEL": "0"}, "0 2"), ({"NTK_FOURIER_DEBUG": "1"}, "1 2")):
        done = subprocess.run([sys.executable, "-c", probe, str(tmp_path / "a.npz")], capture_output=True, text=True,
                              env={**env, **extra}, cwd=tmp_path)
        assert done.stdout.split() == expected.split(), done.stderr
        assert done.stderr.count("\n") == 1 and "malformed" not in done.stdout


def test_image_sizes_that_cannot_fit_are_refused_before_loading(tmp_path, capsys):
    code, captured = _run(capsys, ["image", "--builtin", "mri", "--size", "100000", "--out", tmp_path / "im"])
    line = _one_line_error(code, captured, "100000 x 100000", "smaller --size")
    assert _stated_bytes(line) >= 8 * 100000**2 * (1 + 4 + 16)  # the image and its 2x and 4x versions, float64
    assert not (tmp_path / "im").exists()


@pytest.mark.parametrize("cut", [30, 200, -40, "corrupt"])
def test_truncated_archives_are_one_line_errors(data1d, tmp_path, capsys, cut):
    """A data set or f(0) cut short (a copy interrupted) or corrupted: refused in one line, whether the damage is
    found when the archive is opened or only when a member is read (its CRC)."""
    whole = data1d.read_bytes()
    if cut == "corrupt":  # the first member's data zeroed: the archive opens, reading x_train fails its CRC
        start = whole.index(b"NUMPY") + 200
        (tmp_path / "cut.npz").write_bytes(whole[:start] + bytes(64) + whole[start + 64:])
    else:
        (tmp_path / "cut.npz").write_bytes(whole[:cut])
    for argv in (["predict", "--data", tmp_path / "cut.npz", "--lr", "0.5", "--steps", "0,1"],
                 ["predict", "--data", data1d, "--lr", "0.5", "--steps", "0,1", "--f0", tmp_path / "cut.npz"]):
        _one_line_error(*_run(capsys, [*argv, "--out", tmp_path / "p.npz", "--quiet"]), "cut.npz")
    assert not (tmp_path / "p.npz").exists()
