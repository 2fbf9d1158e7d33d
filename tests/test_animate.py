"""Training animations: a tiny one written end to end (GIF and MP4 decode, with one frame per recorded step), its
arrays against oracles (the NTK prediction starts at the network's own f(0); the raw-input model's predicted residual
never grows along an eigenvector of its NTK, recomputed here; the residual spectra against numpy's FFT; the target
is `data --freqs`'s sum of sines; the caption's numbers recomputed), the film drawn by `plot` as a contact sheet, and
one-line refusals of bad arguments before any training."""
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import ntk_fourier as nf
from ntk_fourier import animate, datasets, plot

TINY = {"grid": 64, "steps": 20, "frames": 4, "width": 32}
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """One tiny animation through `animate` (GIF), and the arrays it was drawn from (caught on their way)."""
    caught = {}
    compute = animate.compute

    def spy(**kwargs):  # shallow networks: compiled in a fraction of the time (animate's default depth is 4)
        caught["arrays"], caught["meta"] = compute(**kwargs, depth=1)
        return caught["arrays"], caught["meta"]

    path = tmp_path_factory.mktemp("animate") / "tiny.gif"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(animate, "compute", spy)
        written = animate.animate(path, execution=nf.QUIET, **TINY)
    return written, caught["arrays"], caught["meta"]


def test_gif_has_one_frame_per_step(tiny):
    from PIL import Image
    path, arrays, _ = tiny
    with Image.open(path) as gif:
        assert gif.format == "GIF" and gif.n_frames == TINY["frames"] == len(arrays["steps"])
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".")]  # no temporary file left (atomic)


def test_mp4_decodes_with_one_frame_per_step(tiny, tmp_path):
    import imageio_ffmpeg
    _, arrays, meta = tiny
    path = animate.write(arrays, meta, tmp_path / "tiny.mp4", fps=4)
    head = path.read_bytes()[:12]
    assert head[4:8] == b"ftyp"
    decoded = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-i", str(path), "-f", "null", "-"],
                             capture_output=True, text=True)
    assert int(re.findall(r"frame=\s*(\d+)", decoded.stderr)[-1]) == TINY["frames"]


def test_frames_against_oracles(tiny):
    _, arrays, meta = tiny
    steps, train, x, y = arrays["steps"], arrays["train"], arrays["x"], arrays["y"]
    assert steps[0] == 0 and steps[-1] == TINY["steps"] and len(steps) == TINY["frames"]
    for i in range(len(meta["keys"])):
        # step 0: the NTK prediction starts from the network's own outputs, exactly
        np.testing.assert_array_equal(arrays[f"predicted_{i}"][0], arrays[f"measured_{i}"][0])
        # the residual spectra are |FFT(f - y)| / |FFT(y)| at the shown frequencies (numpy's rfft: a second route)
        f = arrays["frequencies"]
        for kind in ("measured", "predicted"):
            expected = np.abs(np.fft.rfft(arrays[f"{kind}_{i}"] - y, axis=1)[:, f]) / np.abs(np.fft.rfft(y)[f])
            np.testing.assert_allclose(arrays[f"residual_{kind}_{i}"], expected, rtol=1e-10)
    # raw inputs: along every eigenvector of the NTK on the training points (computed here, not taken from the
    # module), the predicted residual never grows, and the largest mode is learned
    model = animate.models(TINY["width"], seed=0, depth=meta["depth"])["none"]
    _, V = np.linalg.eigh(nf.kernels(model, x[train][:, None], execution=nf.QUIET).ntk)
    modes = np.abs((arrays["predicted_0"][:, train] - y[train]) @ V)  # (frames, n)
    assert np.all(np.diff(modes, axis=0) <= 1e-9 * modes[0].max())
    assert modes[-1, -1] < 1e-3 * modes[0, -1]
    assert meta["keys"] == ["none", "gaussian", "siren"] and meta["depth"] == 1


def test_target_is_the_sum_of_sines_that_data_writes(tiny, capsys):
    _, arrays, meta = tiny
    data = datasets.sines(animate.DEFAULT_FREQS, grid=TINY["grid"], stride=4)  # as `data --freqs 2,6,12`
    np.testing.assert_array_equal(arrays["x"], data["x"][:, 0])
    np.testing.assert_array_equal(arrays["y"], data["y"])
    np.testing.assert_array_equal(arrays["y"][arrays["train"]], data["y_train"])
    assert meta["freqs"] == animate.DEFAULT_FREQS and list(arrays["frequencies"]) == list(animate.DEFAULT_FREQS)
    from ntk_fourier.cli import main
    with pytest.raises(SystemExit):
        main(["animate", "--help"])
    helps = " ".join(capsys.readouterr().out.split())
    assert "sum of sines" in helps and "cos" not in helps


def test_caption_gives_the_last_frame_lag_from_the_drawn_data(tiny):
    """The caption's numbers: the mean over the shown frequencies of |FFT(f - y)| / |FFT(y)| at the last frame, for
    network and NTK prediction (numpy's rfft of the drawn outputs: a second route); the networks named as lagging
    are those more than 10% above their prediction; the figure shows the caption."""
    _, arrays, meta = tiny
    y, f = arrays["y"], arrays["frequencies"]
    text = animate.caption(arrays, meta)
    lagging = []
    for i, key in enumerate(meta["keys"]):
        net, ntk = (np.mean(np.abs(np.fft.rfft(arrays[f"{kind}_{i}"][-1] - y)[f]) / np.abs(np.fft.rfft(y)[f]))
                    for kind in ("measured", "predicted"))
        assert f"{animate.NAMES[key]} {net:.2f} / {ntk:.2f}" in text, (key, text)
        if net > 1.1 * ntk:
            lagging.append(animate.NAMES[key])
    assert text.startswith(f"At step {TINY['steps']} (last frame)")
    if lagging:
        named = text.split(". The ", 1)[1].split(" network")[0]
        assert set(re.split(", | and ", named)) == set(lagging), text
        assert f"at width {TINY['width']}" in text and "finite-width effects" in text
    else:
        assert "lag" not in text
    fig, _ = animate.figure(arrays, meta)
    assert fig.legends[0].get_title().get_text().replace("\n", " ") == text


def test_plot_draws_the_film_as_a_contact_sheet(tiny, tmp_path):
    from PIL import Image
    path = tiny[0]
    done = subprocess.run([sys.executable, "-m", "ntk_fourier", "plot", str(path), "--out", str(tmp_path / "s.png")],
                          cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    with Image.open(tmp_path / "s.png") as sheet:
        assert sheet.format == "PNG" and min(sheet.size) > 200
    panels = [ax for ax in plot.figure_of(path).axes if ax.images]
    assert len(panels) == TINY["frames"]
    with Image.open(path) as gif:
        for k, ax in enumerate(panels):
            gif.seek(k)
            assert ax.get_title() == f"frame {k + 1} of {TINY['frames']}"
            np.testing.assert_array_equal(ax.images[0].get_array(), np.asarray(gif.convert("RGB")))


def test_frame_steps_are_distinct_and_span_the_run():
    for steps in range(1, 40):
        for frames in range(2, steps + 2):
            s = animate.frame_steps(steps, frames)
            assert len(s) == frames and s[0] == 0 and s[-1] == steps and np.all(np.diff(s) > 0), (steps, frames)


@pytest.mark.parametrize("name, kwargs", [
    ("anim.png", {}),
    ("anim.gif", {"steps": 0}),
    ("anim.gif", {"frames": 1}),
    ("anim.gif", {"steps": 5, "frames": 7}),
    ("anim.gif", {"width": 2.5}),
    ("anim.mp4", {"fps": 0}),
    ("anim.gif", {"grid": 30, "stride": 4}),
    ("anim.gif", {"freqs": (0, 3)}),
    ("anim.gif", {"freqs": (2, 40), "grid": 64}),
    ("anim.gif", {"freqs": (2, 32), "grid": 64}),  # the grid's Nyquist frequency: its sine is 0 on the grid
    ("anim.gif", {"freqs": (2, 16), "grid": 128}),  # its sine is 0 at every 4th point: on every training point
    ("anim.gif", {"stride": 1}),
    ("anim.gif", {"freqs": "2,x"}),
    ("anim.gif", {"freqs": None, "stride": 1}),
    ("anim.gif", {"seed": -1}),
    ("folder.gif", {}),  # an existing folder
    ("blocker/anim.gif", {}),  # below a file
])
def test_bad_arguments_are_refused_before_training(tmp_path, monkeypatch, name, kwargs):
    (tmp_path / "folder.gif").mkdir()
    (tmp_path / "blocker").write_text("a file")
    monkeypatch.setattr(animate, "compute", lambda **_: pytest.fail("computed before checking the arguments"))
    with pytest.raises(nf.InputError) as err:
        animate.animate(tmp_path / name, execution=nf.QUIET, **kwargs)
    assert "\n" not in str(err.value)
    assert name == "folder.gif" or not (tmp_path / name).exists()
