"""Work spread over devices and processes (`ntk_fourier.devices`, `kernel.sharded`): equal to one device.

The sharded routines run in fresh processes: 4 virtual CPU devices (XLA_FLAGS=--xla_force_host_platform_device_count,
which must be set before JAX starts), and 2 processes x 2 devices joined on 127.0.0.1 with CPU collectives (gloo),
each compared with the same computation on one device.
"""
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from helpers import ROOT
from ntk_fourier import cli, devices
from ntk_fourier.kernel import sharded

PYTHON_BIN = Path(sys.executable).parent


def _env(device_count: int, tmp: Path | None = None) -> dict:
    env = {**os.environ, "XLA_FLAGS": f"--xla_force_host_platform_device_count={device_count}",
           "TF_CPP_MIN_LOG_LEVEL": "3", "PATH": f"{PYTHON_BIN}:{os.environ.get('PATH', '/usr/bin:/bin')}"}
    if tmp is not None:
        env["TMPDIR"] = str(tmp)
    return env


@pytest.mark.parametrize("n1,n2,rows,cols,symmetric", [(10, 10, 3, 3, True), (10, 7, 4, 3, False),
                                                       (5, 5, 8, 8, True), (1, 9, 1, 4, False)])
def test_tile_pairs_cover_every_entry_once(n1, n2, rows, cols, symmetric):
    count = np.zeros((n1, n2), int)
    for i, j in sharded.tile_pairs(n1, n2, rows, cols, symmetric):
        count[i * rows:(i + 1) * rows, j * cols:(j + 1) * cols] += 1
        if symmetric and i != j:
            count[j * cols:(j + 1) * cols, i * rows:(i + 1) * rows] += 1
    assert np.all(count == 1)


@pytest.mark.parametrize("count,parts", [(10, 4), (3, 4), (8, 4), (1, 1)])
def test_round_robin_deals_every_item_once_in_equal_shares(count, parts):
    order, valid = devices.round_robin(count, parts)
    assert sorted(order[valid]) == list(range(count))
    share = len(order) // parts
    loads = valid.reshape(parts, share).sum(1)
    assert len(order) == parts * share and loads.max() - loads.min() <= 1


def test_everything_sharded_over_four_devices_equals_one_device():
    """Dense kernels, tiled products, block Lanczos, CG and deflated CG, grid spectra, the grid's top-K, whole-image
    regression, training (GD and Adam, float64) and the cross-check, on 4 devices vs 1, three models."""
    done = subprocess.run([sys.executable, str(ROOT / "tests" / "devices_check.py")], capture_output=True, text=True,
                          env=_env(4), cwd=ROOT, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    found = json.loads(done.stdout)
    assert found.pop("devices") == 4
    # CG solves: the products differ by round-off (1e-16), which a solve amplifies by up to cond(K + ridge I)
    # (5e3 at ridge 0.1): within 1e-12 then (measured 1.8e-13); at ridge 1e-3 alpha differed by 1.4e-12
    assert found.pop("cond") < 1e4
    assert len(found) == 27
    assert all(v <= 1e-12 for v in found.values()), {k: v for k, v in found.items() if v > 1e-12}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _two_processes(argv: list, tmp: Path) -> subprocess.CompletedProcess:
    """``ntk-fourier ARGV`` as 2 processes of 2 devices each on 127.0.0.1; returns process 0's result and checks
    that process 1 succeeded silently and left nothing behind."""
    port = _free_port()
    scratch = tmp / "scratch-1"
    scratch.mkdir(exist_ok=True)
    common = [*map(str, argv), "--coordinator", f"127.0.0.1:{port}", "--num-processes", "2"]
    other = subprocess.Popen(["ntk-fourier", *common, "--process-id", "1"], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, env=_env(2, scratch), cwd=tmp)
    main = subprocess.run(["ntk-fourier", *common, "--process-id", "0"], capture_output=True, text=True,
                          env=_env(2), cwd=tmp, timeout=600)
    out, err = other.communicate(timeout=600)
    assert other.returncode == 0, err[-3000:]
    assert "wrote" not in out and list(scratch.iterdir()) == []  # process 1 wrote nothing, kept no scratch folder
    assert main.returncode == 0, main.stderr[-3000:]
    return main


@pytest.fixture(scope="module")
def problem(tmp_path_factory):
    from ntk_fourier import datasets
    root = tmp_path_factory.mktemp("devices")
    np.savez(root / "d.npz", **datasets.one_over_f(n=128, stride=2))
    np.save(root / "x.npy", np.random.default_rng(0).uniform(size=(150, 2)))
    return root


MODEL = ["--mapping", "gaussian", "--sigma", "4", "--features", "16", "--depth", "2", "--quiet"]
RUNS = {  # name: (command line, arrays compared)
    "kernel": (["kernel", "--x", "x.npy"], ("ntk", "nngp")),
    "spectrum": (["spectrum", "--x", "x.npy", "--top", "6", "--tile", "40", "--vectors"],
                 ("eigenvalues", "eigenvectors")),  # not the residuals: round-off themselves (1e-12 of lambda_1)
    "regress": (["regress", "--data", "d.npz", "--ridge", "0.01", "--tile", "24", "--tol", "1e-12"],
                ("f_test", "alpha")),
    "train": (["train", "--data", "d.npz", "--lr", "0.2", "--steps", "0,10,30", "--seeds", "3", "--width", "32",
               "--dtype", "float64"], ("f_train", "f_test", "mse_test")),
}


@pytest.mark.parametrize("name", list(RUNS))
def test_two_processes_write_the_one_device_result(problem, tmp_path, name):
    argv, keys = RUNS[name]
    main = _two_processes([*argv, *MODEL, "--out", tmp_path / "many.npz"], problem)
    assert main.stdout.startswith(f"wrote {tmp_path / 'many.npz'}")
    one = subprocess.run(["ntk-fourier", *argv, *MODEL, "--out", str(tmp_path / "one.npz")], capture_output=True,
                         text=True, env=_env(1), cwd=problem, timeout=600)
    assert one.returncode == 0, one.stderr
    a, b = np.load(tmp_path / "many.npz"), np.load(tmp_path / "one.npz")
    for key in keys:  # eigenvectors up to sign
        x, y = (np.abs(a[key]), np.abs(b[key])) if key == "eigenvectors" else (a[key], b[key])
        assert np.max(np.abs(x - y)) <= 1e-12 * np.max(np.abs(y)), key
    sidecar = json.loads((tmp_path / "many.json").read_text())
    assert sidecar["provenance"]["devices"] == {"count": 4, "processes": 2, "platform": "cpu", "kind": "cpu"}


def test_two_processes_compare_splits_the_widths(problem, tmp_path):
    argv = ["compare", "--data", "d.npz", "--widths", "16,32,64", "--seeds", "3", "--steps", "0,5,20", "--dtype",
            "float64", *MODEL]
    _two_processes([*argv, "--out", tmp_path / "many"], problem)
    one = subprocess.run(["ntk-fourier", *argv, "--out", str(tmp_path / "one")], capture_output=True, text=True,
                         env=_env(1), cwd=problem, timeout=600)
    assert one.returncode == 0, one.stderr
    a, b = (json.loads((tmp_path / f / "comparison.json").read_text()) for f in ("many", "one"))
    for key in ("deviation", "deviation_test", "deviation_kernel", "deviation_linearization", "final_mse_test"):
        assert np.allclose(a[key], b[key], rtol=1e-12, atol=0), key
    assert sorted(p.name for p in (tmp_path / "many" / "runs").iterdir()) == sorted(
        p.name for p in (tmp_path / "one" / "runs").iterdir())


@pytest.mark.parametrize("argv,message", [
    (["--devices", "2"], "--devices 2: this process has 1 cpu device(s); on a CPU, set XLA_FLAGS="),
    (["--devices", "0"], "argument --devices: must be an integer >= 1"),
    (["--coordinator", "127.0.0.1:1"], "several processes need all of --coordinator"),
    (["--coordinator", "localhost", "--num-processes", "2", "--process-id", "0"], "--coordinator must be HOST:PORT"),
    (["--coordinator", "h:1", "--num-processes", "2", "--process-id", "2"], "--process-id must be between 0 and 1"),
])
def test_device_options_refuse_bad_values_in_one_line(tmp_path, capsys, argv, message):
    x = tmp_path / "x.npy"
    np.save(x, np.random.default_rng(0).uniform(size=(5, 2)))
    assert cli.main(["kernel", "--x", str(x), "--quiet", "--out", str(tmp_path / "k.npz"), *argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err
    assert not (tmp_path / "k.npz").exists()
