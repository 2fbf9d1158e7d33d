"""What a user of `pip install .` gets: a fresh virtual environment with the newest JAX stack (requirements/main.txt),
no neural-tangents, no TensorFlow, no extras (explore, video), no checkout on the path; every command runs (those of
an extra say in one line which to install), and the ReLU kernels equal the arc-cosine closed forms on random 3D points
to 1e-10. About a minute (pip's cache); needs the package index."""
import subprocess
import sys
import textwrap

import pytest

from helpers import ROOT

CHECK = textwrap.dedent('''
    import numpy as np, ntk_fourier as nf
    rng = np.random.default_rng(0)
    x1, x2 = rng.normal(size=(20, 3)), rng.normal(size=(15, 3))
    w, b = 1.4, 0.2
    k = nf.kernels(nf.Model(mapping=nf.Mapping("none"), depth=1, w_std=w, b_std=b), x1, x2, execution=nf.QUIET)
    u1 = np.hstack([w * x1 / np.sqrt(3), np.full((20, 1), b)])  # first pre-activation's covariance factors
    u2 = np.hstack([w * x2 / np.sqrt(3), np.full((15, 1), b)])
    n1, n2 = np.linalg.norm(u1, axis=1), np.linalg.norm(u2, axis=1)
    theta = np.arccos(np.clip(u1 @ u2.T / np.outer(n1, n2), -1, 1))
    nngp = w**2 * np.outer(n1, n2) * (np.sin(theta) + (np.pi - theta) * np.cos(theta)) / (2 * np.pi) + b**2
    ntk = nngp + w**2 * (u1 @ u2.T) * (np.pi - theta) / (2 * np.pi)
    for got, want in ((k.nngp, nngp), (k.ntk, ntk)):
        assert np.max(np.abs(got - want)) <= 1e-10 * np.max(np.abs(want)), np.max(np.abs(got - want))
    import importlib.util, jax
    assert importlib.util.find_spec("neural_tangents") is None and importlib.util.find_spec("tensorflow") is None
    assert importlib.util.find_spec("panel") is None and importlib.util.find_spec("imageio_ffmpeg") is None  # extras
    print("arc-cosine ok, jax", jax.__version__)
''')

COMMANDS = [
    ["data", "--grid", "64", "--stride", "4", "--out", "d.npz"],
    ["kernel", "--x", "x.npy", "--out", "k.npz"],
    ["spectrum", "--grid", "64", "--out", "s1.npz"],
    ["spectrum", "--grid", "16x16", "--top", "5", "--out", "s2.npz"],
    ["spectrum", "--x", "x.npy", "--mapping", "none", "--out", "s3.npz"],
    ["spectrum", "--x", "x.npy", "--top", "3", "--mapping", "none", "--out", "s4.npz"],
    ["spectrum", "--harmonic", "3", "--mapping", "none", "--max-degree", "8", "--out", "s5.npz"],
    ["predict", "--data", "d.npz", "--lr", "0.1", "--steps", "0,10,100", "--out", "p.npz"],
    ["regress", "--data", "d.npz", "--ridge", "1e-3", "--out", "r.npz"],
    ["train", "--data", "d.npz", "--width", "32", "--seeds", "2", "--lr", "0.1", "--steps", "0,10", "--out", "t.npz"],
    ["compare", "--data", "d.npz", "--widths", "32,64", "--seeds", "1", "--steps", "0,1,10", "--depth", "2",
     "--out", "cmp"],
    ["image", "--builtin", "mri", "--size", "8", "--steps", "5", "--mappings", "gaussian,siren", "--ntk", "--out",
     "img"],
]


@pytest.fixture(scope="module")
def fresh_env(tmp_path_factory):
    env = tmp_path_factory.mktemp("fresh-install")
    venv = env / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    done = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                           "-c", str(ROOT / "requirements" / "main.txt"), str(ROOT)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.fail("pip install . failed: " + done.stderr[-2000:])
    return env, venv


def test_fresh_install_runs_every_command(fresh_env):
    env, venv = fresh_env
    work = env / "work"  # not the checkout: the installed package only
    work.mkdir()
    import numpy as np
    np.save(work / "x.npy", np.random.default_rng(0).uniform(-1, 1, (200, 2)))
    done = subprocess.run([str(venv / "bin" / "python"), "-c", CHECK], capture_output=True, text=True, cwd=work)
    assert done.returncode == 0 and "arc-cosine ok" in done.stdout, done.stderr
    for argv in COMMANDS:
        done = subprocess.run([str(venv / "bin" / "ntk-fourier"), *argv, "--quiet"], capture_output=True, text=True,
                              cwd=work)
        assert done.returncode == 0, f"ntk-fourier {' '.join(argv)}: {done.stderr}"
        assert done.stdout.startswith("wrote "), done.stdout
    for extra, argv in (("explore", ["explore", "--no-browser"]), ("video", ["animate", "--out", "a.mp4"])):
        done = subprocess.run([str(venv / "bin" / "ntk-fourier"), *argv], capture_output=True, text=True, cwd=work)
        assert done.returncode == 2 and len(done.stderr.splitlines()) == 1, done.stderr
        assert f'the {extra!r} extra: pip install "ntk-fourier[{extra}]"' in done.stderr, done.stderr
