"""`nf.Execution`: one value for how a computation runs (engine, mesh, tile, cache, progress), checked when made, and
without effect on the numbers."""
import subprocess
import sys

import numpy as np
import pytest

import ntk_fourier as nf
from helpers import ROOT


@pytest.mark.parametrize("fields, needle", [
    ({"engine": "jax"}, "unknown engine 'jax'; choose one of native, neural-tangents"),
    ({"tile": 0}, "tile must be a positive integer or None, got 0"),
    ({"tile": 2.5}, "got 2.5"),
    ({"tile": float("nan")}, "got nan"),
    ({"tile": "64"}, "got '64'"),
    ({"tile": True}, "got True"),
    ({"cache": -1}, "cache must be a number of bytes (0 or more) or None, got -1"),
    ({"cache": 1.5}, "got 1.5"),
    ({"cache": "8GB"}, "got '8GB'"),
    ({"cache": True}, "got True"),
    ({"cache": float("inf")}, "got inf"),
    ({"mesh": 4}, "mesh must be a mesh from ntk_fourier.devices.mesh(...) or None, got 4"),
])
def test_bad_fields_are_refused_in_one_line(fields, needle):
    with pytest.raises(nf.InputError) as err:
        nf.Execution(**fields)
    assert needle in str(err.value) and "\n" not in str(err.value)


def test_defaults_and_copies():
    e = nf.Execution()
    assert (e.engine, e.mesh, e.tile, e.progress, e.cache) == ("native", None, None, True, None) and not e.spread
    assert type(e.replace(cache=np.int64(2**30)).cache) is int
    assert nf.QUIET == e.replace(progress=False) and nf.QUIET.replace(tile=np.int64(64)).tile == 64
    assert type(nf.QUIET.replace(tile=np.int64(64)).tile) is int
    assert nf.ENGINES == ("native", "neural-tangents")


def test_tile_changes_no_number():
    """The tile side only changes how the kernel is cut: dense kernels, the diagonal and a tiled product agree."""
    model = nf.Model(mapping=nf.Mapping("gaussian", sigma=3.0, features=16), depth=2)
    x = np.random.default_rng(0).uniform(size=(37, 2))
    whole = nf.kernels(model, x, execution=nf.QUIET)
    cut = nf.kernels(model, x, execution=nf.QUIET.replace(tile=5))
    np.testing.assert_allclose(cut.ntk, whole.ntk, rtol=1e-13)
    diagonal = nf.kernel_diagonal(model, x, execution=nf.QUIET.replace(tile=6))
    np.testing.assert_allclose(diagonal.nngp, np.diag(whole.nngp), rtol=1e-13)
    V = np.random.default_rng(1).standard_normal((37, 3))
    product = nf.KernelOperator(model, x, execution=nf.QUIET.replace(tile=8)) @ V
    np.testing.assert_allclose(product, whole.ntk @ V, rtol=1e-12)


def test_progress_goes_to_stderr_unless_quiet():
    """In a fresh process: progress lines for a kernel of several tiles, and nothing with nf.QUIET."""
    code = ("import sys, numpy as np, ntk_fourier as nf\n"
            "x = np.linspace(0, 1, 40)[:, None]\n"
            "nf.kernels(nf.Model(depth=1), x, execution=nf.Execution(tile=8, progress=sys.argv[1] == 'on'))\n")
    err = {mode: subprocess.run([sys.executable, "-c", code, mode], cwd=ROOT, capture_output=True, text=True,
                                check=True).stderr for mode in ("on", "off")}
    assert "kernel tiles" in err["on"] and "kernel tiles" not in err["off"]
