"""Training animations: a tiny one written end to end (GIF and MP4 decode, with one frame per recorded step), its
arrays against oracles (the NTK prediction starts at the network's own f(0); the raw-input model's predicted residual
never grows along an eigenvector of its NTK, recomputed here; the residual spectra against numpy's FFT), and
one-line refusals of bad arguments before any training."""
import re
import subprocess

import numpy as np
import pytest

import ntk_fourier as nf
from ntk_fourier import animate

TINY = {"grid": 32, "steps": 20, "frames": 4, "width": 32}


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
        written = animate.animate(path, show_progress=False, **TINY)
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
    _, V = np.linalg.eigh(nf.kernels(model, x[train][:, None], show_progress=False).ntk)
    modes = np.abs((arrays["predicted_0"][:, train] - y[train]) @ V)  # (frames, n)
    assert np.all(np.diff(modes, axis=0) <= 1e-9 * modes[0].max())
    assert modes[-1, -1] < 1e-3 * modes[0, -1]
    assert meta["keys"] == ["none", "gaussian", "siren"] and meta["depth"] == 1


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
        animate.animate(tmp_path / name, show_progress=False, **kwargs)
    assert "\n" not in str(err.value)
    assert name == "folder.gif" or not (tmp_path / name).exists()
