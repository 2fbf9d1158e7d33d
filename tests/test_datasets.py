"""Built-in data sets: sums of sines (1D) and plane waves (2D) have exactly the asked spectrum (FFT oracle); the 2D
1/f field has the 1/|f|^alpha amplitudes; the CLI writes them and refuses unresolvable frequencies in one line."""
from __future__ import annotations

import numpy as np
import pytest

import ntk_fourier as nf
from ntk_fourier import datasets
from ntk_fourier.cli import main


@pytest.mark.parametrize("grid, freqs, amps", [(64, [2, 6, 13], [1.0, 0.5, 0.25]), ((32, 32), [(3, 0), (0, 5), (4, -3)], None)])
def test_sines_have_exactly_the_asked_spectrum(grid, freqs, amps):
    d = datasets.sines(freqs, amps, grid=grid, stride=4)
    shape = (grid,) if isinstance(grid, int) else grid
    spectrum = np.fft.fftn(d["y"].reshape(shape)) / np.prod(shape)  # sin(2 pi f.x) -> -i/2 at f, +i/2 at -f
    expected = np.zeros(shape, complex)
    for f, a in zip(freqs, amps or [1.0] * len(freqs)):
        f = np.atleast_1d(f)
        expected[tuple(f % np.array(shape))] += -0.5j * a
        expected[tuple(-f % np.array(shape))] += 0.5j * a
    np.testing.assert_allclose(spectrum, expected, atol=1e-12)
    n_train = int(np.prod([s // 4 for s in shape]))
    assert len(d["x_train"]) == n_train and len(d["x_test"]) == int(np.prod(shape)) - n_train
    assert np.all(np.round(d["x_train"] * np.array(shape)) % 4 == 0)


def test_one_over_f_2d_amplitudes():
    d = datasets.one_over_f((16, 16), stride=4, alpha=1.5, seed=3)
    spectrum = np.abs(np.fft.fft2(d["y"].reshape(16, 16)))
    f = np.fft.fftfreq(16, 1 / 16)
    norm = np.hypot(f[:, None], f[None, :])
    inside = (norm > 0) & (np.abs(f)[:, None] < 8) & (np.abs(f)[None, :] < 8)  # no Nyquist edges
    ratio = spectrum[inside] * norm[inside] ** 1.5
    np.testing.assert_allclose(ratio, ratio[0], rtol=1e-10)  # |y_f| proportional to |f|^-alpha
    assert abs(d["y"].mean()) < 1e-12 and np.isclose(np.abs(d["y"]).max(), 1.0)


def test_data_command_sines_and_2d(tmp_path, capsys):
    assert main(["data", "--freqs", "3x0,0x5", "--amps", "1,0.5", "--grid", "32x32", "--stride", "4", "--out",
                 str(tmp_path / "w.npz")]) == 0
    arrays, meta = nf.load(tmp_path / "w.npz")
    np.testing.assert_array_equal(arrays["y"], datasets.sines([(3, 0), (0, 5)], [1, 0.5], grid=(32, 32))["y"])
    assert meta["freqs"] == [[3, 0], [0, 5]] and meta["grid"] == [32, 32]
    for argv, needle in ((["--freqs", "40", "--grid", "64"], "Nyquist"), (["--freqs", "2x2", "--grid", "64"],
                                                                          "1 component"),
                         (["--freqs", "2,a"], "malformed --freqs"), (["--amps", "1"], "give --freqs"),
                         (["--freqs", "2,3", "--amps", "1"], "one finite amplitude"),
                         (["--grid", "30", "--stride", "4"], "divisible")):
        capsys.readouterr()
        assert main(["data", *argv, "--out", str(tmp_path / "x.npz")]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and needle in err[0], err
    assert not (tmp_path / "x.npz").exists()


def test_a_frequency_silent_at_every_training_point_is_refused():
    """sin(2 pi f x) vanishes at every stride-th grid point when 2 f stride is a multiple of the grid size."""
    for grid, stride, f in ((256, 8, 16), (64, 4, 8), ((32, 32), 4, (4, -4))):
        shape = (grid,) if isinstance(grid, int) else grid
        x_train = datasets.sines([[1] * len(shape)], grid=grid, stride=stride)["x_train"]
        assert np.allclose(np.sin(2 * np.pi * x_train @ np.atleast_1d(f).astype(float)), 0, atol=1e-12)  # oracle
        with pytest.raises(nf.InputError, match="zero at every training point"):
            datasets.sines([f], grid=shape if len(shape) > 1 else grid, stride=stride)


@pytest.mark.parametrize("shape, alpha", [((64,), 1.0), ((16, 12), 1.5), ((8, 8, 6), 0.5)])
def test_one_over_f_equals_the_dense_sum(shape, alpha):
    """The 1/f signal by one inverse FFT equals the sum of cosines written out point by point."""
    from ntk_fourier.model import points
    d = datasets.one_over_f(shape if len(shape) > 1 else shape[0], stride=2, alpha=alpha, seed=3)
    rng, x = np.random.default_rng(3), points.grid(shape)
    if len(shape) == 1:
        freqs = np.arange(1, shape[0] // 2 + 1)[:, None]
    else:
        freqs = np.stack(np.meshgrid(*[np.arange(-(s // 2), s // 2 + 1) for s in shape], indexing="ij"),
                         -1).reshape(-1, len(shape))
        freqs = freqs[freqs[np.arange(len(freqs)), np.argmax(freqs != 0, axis=1)] > 0]
    y = np.cos(2 * np.pi * x @ freqs.T + rng.uniform(0, 2 * np.pi, len(freqs))) @ np.linalg.norm(freqs, axis=1) ** -alpha
    y = y - y.mean()
    np.testing.assert_allclose(d["y"].reshape(-1), y / np.abs(y).max(), atol=1e-13)
