"""ntk_fourier.plot: every kind of result the command line writes is drawn as the figure of its kind, the figure
shows the numbers of the file, and anything that is not a result is refused in one line."""
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import ntk_fourier as nf
from ntk_fourier import plot
from ntk_fourier.cli import main

MODEL = ["--depth", "1", "--features", "16", "--width", "16", "--quiet"]
ROOT = Path(__file__).resolve().parents[1]


def _run(*argv, model=True):
    assert main([str(a) for a in argv] + (MODEL if model else ["--quiet"])) == 0, argv


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """Each kind of result, from tiny inputs: {kind: path}."""
    d = tmp_path_factory.mktemp("results")
    np.save(d / "x.npy", np.linspace(0, 1, 16, endpoint=False))
    _run("data", "--grid", 32, "--stride", 4, "--out", d / "d.npz", model=False)
    _run("kernel", "--x", d / "x.npy", "--out", d / "k.npz")
    _run("spectrum", "--grid", 64, "--out", d / "s.npz")
    _run("predict", "--data", d / "d.npz", "--lr", 0.1, "--steps", "0,5", "--out", d / "p.npz")
    _run("train", "--data", d / "d.npz", "--lr", 0.1, "--steps", "0,5", "--seeds", 2, "--record-ntk", "--out",
         d / "t.npz")
    _run("regress", "--data", d / "d.npz", "--out", d / "r.npz")
    _run("compare", "--data", d / "d.npz", "--widths", "16,32", "--seeds", 2, "--steps", "0,5,50,500",
         "--no-decompose", "--out", d / "cmp")
    _run("image", "--builtin", "mri", "--size", 16, "--steps", 3, "--mappings", "none", "--out", d / "img",
         model=False)
    _run("design", "--grid", 32, "--stride", 4, "--iterations", 2, "--validation", 1, "--test", 1, "--out",
         d / "design.npz")
    _film(d / "film.gif", FILM)
    return {"data": d / "d.npz", "kernel": d / "k.npz", "spectrum": d / "s.npz", "predict": d / "p.npz",
            "train": d / "t.npz", "regress": d / "r.npz", "compare": d / "cmp", "image": d / "img",
            "design": d / "design.npz", "animation": d / "film.gif"}


FILM = 5  # frames of the test animation: fewer than a contact sheet holds, so it shows every one


def _frame(k: int, height: int = 40, width: int = 64) -> np.ndarray:
    """Frame k of the test animation: a few colours (a GIF palette holds them exactly), red telling the frames
    apart."""
    rows, columns = np.mgrid[:height, :width]
    return np.stack([np.full((height, width), 40 * k + 20), columns // 8 * 32, rows // 8 * 50], -1).astype(np.uint8)


def _film(path: Path, count: int) -> None:
    from PIL import Image
    frames = [Image.fromarray(_frame(k)) for k in range(count)]
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=100, loop=0)


def _picture(path: Path) -> np.ndarray:
    from PIL import Image
    with Image.open(path) as image:
        assert image.format == "PNG"
        return np.asarray(image.convert("L"), dtype=float)


@pytest.mark.parametrize("kind", plot.KINDS)
def test_each_result_is_drawn_as_its_kind(made, kind):
    path = made[kind]
    assert plot.kind_of(path) == kind
    out = plot.plot_file(path)
    assert out == plot.default_out(path) and out.is_file()
    pixels = _picture(out)
    assert min(pixels.shape) > 200 and pixels.std() > 10  # a real figure, not a blank page
    assert len(np.unique(pixels)) > 20


def test_folder_results_by_folder_or_file(made):
    cmp, img = made["compare"], made["image"]
    for path in (cmp, cmp / "comparison.json"):
        assert plot.kind_of(path) == "compare" and plot.default_out(path) == cmp / "comparison.png"
    for path in (img, img / "reconstructions.npz", img / "results.json"):
        assert plot.kind_of(path) == "image" and plot.default_out(path) == img / "montage.png"
    assert plot.kind_of(cmp / "runs" / "width_16.npz") == "train"  # compare's saved runs are train results
    assert plot.kind_of(made["predict"].with_suffix(".json")) == "predict"  # a sidecar stands for its result


def test_figures_show_the_numbers_of_the_file(made):
    arrays, meta = nf.load(made["spectrum"])
    fig = plot.spectrum(arrays, meta)  # the per-kind functions work on loaded arrays, as in a notebook
    line = fig.axes[0].lines[0]
    where = np.linalg.norm(arrays["frequencies"], axis=1)
    np.testing.assert_array_equal(line.get_xdata(), np.where(where > 0, where, 0.5))
    lam = arrays["eigenvalues"]  # non-positive ones (the circulant approximation's) are not drawn on the log axis
    np.testing.assert_array_equal(line.get_ydata(), np.where(lam > 0, lam, np.nan))
    assert fig.axes[0].get_xscale() == fig.axes[0].get_yscale() == "log"

    arrays, meta = nf.load(made["predict"])
    fig = plot.figure_of(made["predict"])
    mse, fit = fig.axes[0], fig.axes[1]
    np.testing.assert_array_equal(mse.lines[0].get_ydata(), arrays["mse_train"])
    np.testing.assert_array_equal(mse.lines[1].get_ydata(), arrays["mse_test"])
    data = nf.load(made["data"])[0]  # found from the recorded --data: the fit is drawn over the target against x
    assert fit.get_xlabel().startswith("x ")
    np.testing.assert_array_equal(fit.lines[0].get_ydata(), data["y"])
    last = fit.lines[-1]
    x = np.concatenate([data["x_train"][:, 0], data["x_test"][:, 0]])
    f = np.concatenate([arrays["f_train"][-1], arrays["f_test"][-1]])
    np.testing.assert_array_equal(last.get_xdata(), np.sort(x))
    np.testing.assert_array_equal(last.get_ydata(), f[np.argsort(x)])

    numbers = json.loads((made["compare"] / "comparison.json").read_text())
    fig = plot.figure_of(made["compare"])
    np.testing.assert_array_equal(fig.axes[0].lines[0].get_xdata(), numbers["widths"])
    np.testing.assert_array_equal(fig.axes[0].lines[0].get_ydata(), numbers["deviation"])

    fig = plot.figure_of(made["kernel"])  # the points of --x are found too: the slice is drawn against x'
    ntk = nf.load(made["kernel"])[0]["ntk"]
    np.testing.assert_array_equal(fig.axes[2].lines[0].get_xdata(), np.linspace(0, 1, 16, endpoint=False))
    np.testing.assert_array_equal(fig.axes[2].lines[0].get_ydata(), ntk[8])

    import matplotlib.figure
    _, ax = matplotlib.figure.Figure().subplots(1, 2)
    assert plot.spectrum(*nf.load(made["spectrum"]), ax=ax) is ax.figure


def test_plot_command_draws_design_animation_and_drift_in_a_fresh_process(made, tmp_path):
    """`python -m ntk_fourier plot RESULT` as a user runs it: exit 0 and a PNG, for a design result, an animation
    and a training run with its recorded NTK (the other kinds: `test_each_result_is_drawn_as_its_kind`)."""
    runs = {kind: subprocess.Popen([sys.executable, "-m", "ntk_fourier", "plot", str(made[kind]), "--out",
                                    str(tmp_path / f"{kind}.png")], cwd=ROOT, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True) for kind in ("design", "animation", "train")}
    for kind, run in runs.items():
        out, err = run.communicate()
        assert run.returncode == 0, (kind, err[-2000:])
        assert out.startswith(f"wrote {tmp_path / kind}.png") and _picture(tmp_path / f"{kind}.png").std() > 10


def test_compare_deviation_panel_shows_what_its_title_says(made):
    """The deviation against width is each seed's largest deviation over the recorded steps, averaged over seeds, as
    the title says: recomputed here from the per-step curves of comparison.json (where the largest is not the last
    step's, so the two cannot be confused)."""
    numbers = json.loads((made["compare"] / "comparison.json").read_text())
    curves = np.array(numbers["deviation_curve"])  # (widths, steps, seeds)
    assert not np.allclose(curves.max(1), curves[:, -1])  # the last step is not the largest: the check can tell
    ax = plot.figure_of(made["compare"]).axes[0]
    assert "max over recorded steps" in ax.get_title() and "mean over seeds" in ax.get_title()
    np.testing.assert_allclose(ax.lines[0].get_ydata(), curves.max(1).mean(1), rtol=1e-12)
    drift = [label for label in ax.get_legend_handles_labels()[1] if "drift" in label]
    assert drift == [] or "max over steps and seeds" in drift[0]


def test_train_with_recorded_ntk_draws_its_drift(made):
    arrays = nf.load(made["train"])[0]
    ax = plot.figure_of(made["train"]).axes[-1]
    assert "drift" in ax.get_title() and ax.get_ylabel() == "||K_t - K_0||_F / ||K_0||_F"
    ntk = arrays["ntk"].astype(float)  # (T, S, n, n): the drift recomputed from the saved kernels
    drift = np.linalg.norm(ntk - ntk[:1], axis=(2, 3)) / np.linalg.norm(ntk[:1], axis=(2, 3))
    assert drift[-1].min() > 0
    for s, line in enumerate(ax.lines):
        np.testing.assert_array_equal(line.get_ydata(), np.where(arrays["drift"][:, s] > 0, arrays["drift"][:, s],
                                                                 np.nan))
        np.testing.assert_allclose(line.get_ydata()[1:], drift[1:, s], rtol=1e-5)
    assert len(ax.lines) == arrays["drift"].shape[1] == 2


def test_design_result_draws_grid_search_history_and_amplitudes(made):
    arrays, meta = nf.load(made["design"])
    grid_ax, history_ax, amplitude_ax = plot.figure_of(made["design"]).axes
    for column in range(3):  # design class, validation, test signals
        np.testing.assert_array_equal(grid_ax.lines[column].get_xdata(), arrays["grid"])
        np.testing.assert_array_equal(grid_ax.lines[column].get_ydata(), arrays["grid_errors"][:, column])
    levels = [line.get_ydata()[0] for line in grid_ax.lines if np.ptp(line.get_ydata()) == 0]
    assert arrays["predicted_test"][1] in levels  # the designed mapping's predicted test MSE
    for column in range(2):  # design class, validation signals
        np.testing.assert_array_equal(history_ax.lines[column].get_ydata(), arrays["history"][:, column])
    assert history_ax.lines[2].get_xdata()[0] == meta["best_iteration"]
    a = np.exp(arrays["theta"] - arrays["theta"].max())  # the log-amplitudes designed, normalised: a second route
    np.testing.assert_allclose(amplitude_ax.lines[0].get_ydata(), a / np.linalg.norm(a), rtol=1e-12)
    np.testing.assert_array_equal(amplitude_ax.lines[0].get_xdata(), np.arange(1, len(a) + 1))


def test_an_animation_is_drawn_as_a_contact_sheet_of_its_frames(made, tmp_path):
    """Every frame of a short GIF, in order; of a longer MP4, up to 12 spread from the first to the last, each panel
    the frame its title names (MP4 is lossy: frames of one grey level each, told apart within a few levels)."""
    fig = plot.figure_of(made["animation"])
    panels = [ax for ax in fig.axes if ax.images]
    assert len(panels) == FILM
    for k, ax in enumerate(panels):
        assert ax.get_title() == f"frame {k + 1} of {FILM}"
        np.testing.assert_array_equal(ax.images[0].get_array(), _frame(k))
    imageio_ffmpeg = pytest.importorskip("imageio_ffmpeg")
    count, size = 20, (64, 48)
    writer = imageio_ffmpeg.write_frames(str(tmp_path / "film.mp4"), size, fps=10)
    writer.send(None)
    for k in range(count):
        writer.send(np.full((size[1], size[0], 3), 10 * k + 20, np.uint8).tobytes())
    writer.close()
    assert plot.kind_of(tmp_path / "film.mp4") == "animation"
    panels = [ax for ax in plot.figure_of(tmp_path / "film.mp4").axes if ax.images]
    shown = [int(ax.get_title().split()[1]) - 1 for ax in panels]
    assert len(panels) == 12 and shown[0] == 0 and shown[-1] == count - 1 and np.all(np.diff(shown) > 0)
    for k, ax in zip(shown, panels):
        assert ax.get_title().endswith(f"of {count}")
        assert np.abs(ax.images[0].get_array().astype(float) - (10 * k + 20)).mean() < 3
    (tmp_path / "broken.gif").write_bytes(b"GIF89a not really")
    assert "cannot read animation" in _one_line(lambda: plot.plot_file(tmp_path / "broken.gif"))


def test_data_titles_name_the_signal(made, tmp_path):
    assert plot.figure_of(made["data"]).axes[0].get_title() == ("1/f^1 signal on a grid of 32 points, every 4th for "
                                                                "training (data seed 0)")
    _run("data", "--grid", 64, "--stride", 8, "--freqs", "3,5", "--amps", "1,0.5", "--out", tmp_path / "s.npz",
         model=False)
    title = plot.figure_of(tmp_path / "s.npz").axes[0].get_title()
    assert title == "sum of sines, frequencies 3, 5, amplitudes 1, 0.5, on a grid of 64 points, every 8th for training"


def test_data_found_beside_a_moved_result_and_only_if_unchanged(made, tmp_path, monkeypatch):
    first = tmp_path / "first"
    first.mkdir()
    monkeypatch.chdir(first)
    _run("data", "--grid", 16, "--stride", 2, "--out", "d.npz", model=False)
    _run("predict", "--data", "d.npz", "--lr", 0.1, "--steps", "0,3", "--out", "p.npz")
    monkeypatch.chdir(tmp_path)
    moved = shutil.move(first, tmp_path / "moved")  # the recorded working folder is gone
    meta = nf.load(moved / "p.npz")[1]
    assert plot.input_file(meta, "--data", moved / "p.npz") == moved / "d.npz"
    data = dict(nf.load(moved / "d.npz")[0])
    np.savez(moved / "d.npz", **{**data, "y_train": data["y_train"] + 1})  # another data set under the same name
    assert plot.input_file(meta, "--data", moved / "p.npz") is None
    fig = plot.figure_of(moved / "p.npz")  # drawn without the data: against the point index
    assert fig.axes[1].get_xlabel() == "training point index"
    assert _picture(plot.plot_file(moved / "p.npz")).std() > 10


def test_points_in_2d_with_two_outputs_and_other_spectra(tmp_path):
    g = (np.arange(4) + 0.5) / 4
    x = np.stack(np.meshgrid(g, g, indexing="ij"), -1).reshape(-1, 2)
    y = np.stack([np.sin(2 * np.pi * x[:, 0]), np.cos(2 * np.pi * x[:, 1])], 1)
    np.savez(tmp_path / "d2.npz", x_train=x, y_train=y, x_test=x[:5] + 0.1, y_test=y[:5])
    _run("predict", "--data", tmp_path / "d2.npz", "--lr", 0.1, "--steps", "0,2", "--out", tmp_path / "p2.npz")
    np.save(tmp_path / "x.npy", np.linspace(0, 1, 9))
    _run("spectrum", "--x", tmp_path / "x.npy", "--out", tmp_path / "sx.npz")
    _run("spectrum", "--harmonic", 2, "--max-degree", 6, "--mapping", "none", "--out", tmp_path / "sh.npz")
    _run("spectrum", "--grid", "8x8", "--out", tmp_path / "s2.npz")
    for name in ("p2", "sx", "sh", "s2"):
        assert _picture(plot.plot_file(tmp_path / f"{name}.npz")).std() > 10
    fig = plot.figure_of(tmp_path / "p2.npz")
    assert fig.axes[1].get_xlabel().startswith("target y") and "output 1 of 2" in fig.axes[1].get_title()
    arrays = nf.load(tmp_path / "sx.npz")[0]
    line = plot.figure_of(tmp_path / "sx.npz").axes[0].lines[0]  # by rank: 1 ... L
    np.testing.assert_array_equal(line.get_xdata(), np.arange(1, len(arrays["eigenvalues"]) + 1))
    arrays = nf.load(tmp_path / "sh.npz")[0]
    line = plot.figure_of(tmp_path / "sh.npz").axes[0].lines[0]  # by degree, degree 0 at 1/2
    np.testing.assert_array_equal(line.get_xdata(), np.r_[0.5, arrays["degrees"][1:]])


def test_formats_by_suffix(made, tmp_path):
    assert plot.plot_file(made["spectrum"], tmp_path / "a" / "s.pdf").read_bytes().startswith(b"%PDF")
    assert b"<svg" in plot.plot_file(made["spectrum"], tmp_path / "s.svg").read_bytes()[:2000]
    with pytest.raises(nf.InputError, match="must end in .png"):
        plot.plot_file(made["spectrum"], tmp_path / "s.jpg")
    assert not list(tmp_path.glob(".s.*"))  # no temporary file left behind


def _one_line(call):
    with pytest.raises(nf.InputError) as err:
        call()
    assert "\n" not in str(err.value)
    return str(err.value)


def test_bad_inputs_are_refused_in_one_line(made, tmp_path):
    assert "does not exist" in _one_line(lambda: plot.plot_file(tmp_path / "missing.npz"))
    (tmp_path / "notes.txt").write_text("not a result\n")
    assert "is not a result" in _one_line(lambda: plot.plot_file(tmp_path / "notes.txt"))
    np.savez(tmp_path / "plain.npz", a=np.ones(3))
    assert "has no sidecar" in _one_line(lambda: plot.plot_file(tmp_path / "plain.npz"))
    nf.save(tmp_path / "other.npz", {"a": np.ones(3)}, command="unknown")
    assert "naming no command" in _one_line(lambda: plot.kind_of(tmp_path / "other.npz"))
    nf.save(tmp_path / "partial.npz", {"steps": np.arange(3)}, command="predict")
    assert "lacks mse_train" in _one_line(lambda: plot.plot_file(tmp_path / "partial.npz"))
    shutil.copy(made["data"].with_suffix(".json"), tmp_path / "damaged.json")
    (tmp_path / "damaged.npz").write_bytes(made["data"].read_bytes()[:200])
    damaged = _one_line(lambda: plot.plot_file(tmp_path / "damaged.npz"))  # unreadable, or not the recorded file
    assert "cannot read" in damaged or "does not match its sidecar" in damaged
    (tmp_path / "empty").mkdir()
    assert "holds no result" in _one_line(lambda: plot.plot_file(tmp_path / "empty"))
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "comparison.json").write_text("{")
    assert "cannot read" in _one_line(lambda: plot.plot_file(tmp_path / "bad"))
    assert not (tmp_path / "plain.png").exists()


def test_plotting_loads_matplotlib_only_when_drawing_and_changes_no_global_state(tmp_path):
    """`import ntk_fourier.plot` loads no matplotlib; drawing uses neither pyplot nor a global style or backend."""
    code = """
import sys
import numpy as np
import ntk_fourier as nf
from ntk_fourier import plot
assert "matplotlib" not in sys.modules
path = sys.argv[1]
nf.save(path, {"eigenvalues": 1.0 / np.arange(1, 20) ** 2}, command="spectrum")
import matplotlib
def settings():  # reading rcParams["backend"] would resolve the backend, which loads pyplot
    return {k: matplotlib.rcParams[k] for k in matplotlib.rcParams if k != "backend"}
backend, rc = matplotlib.rcParams._get_backend_or_none(), settings()
plot.plot_file(path)
assert "matplotlib.pyplot" not in sys.modules
assert matplotlib.rcParams._get_backend_or_none() == backend and settings() == rc
"""
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path / "s.npz")], capture_output=True, text=True,
                          cwd=ROOT, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert done.returncode == 0, done.stderr[-2000:]
    assert (tmp_path / "s.png").is_file()


def test_deviation_vs_width_draws_seed_means_error_bars_and_the_fit(tmp_path):
    """The one deviation-vs-width drawing (figures, compare report, plot): seed means with the seeds' standard error,
    the fitted line exp(intercept) w^slope with its slope and seed interval in the legend; a two-term fit drawn as
    a w^-1/2 + b w^-1; saved as PNG + PDF + caption."""
    import matplotlib.figure
    from ntk_fourier import drawing
    from ntk_fourier.compare.fits import power_fit, two_power_fit
    w = np.array([256, 512, 1024, 2048], float)
    rng = np.random.default_rng(0)
    values = w[:, None] ** -0.5 * np.exp(0.1 * rng.standard_normal((4, 3)))
    fig = matplotlib.figure.Figure()
    ax, ax2 = fig.subplots(1, 2)
    fit = drawing.deviation_vs_width(ax, w, values, label="train", reference=-0.5)
    expected = power_fit(w, values)
    assert fit["slope"] == expected["slope"] and fit["low"] < fit["slope"] < fit["high"]
    marker, line = ax.lines[0], ax.lines[-2]  # the seed means; the fitted line (the reference is drawn last)
    np.testing.assert_allclose(marker.get_ydata(), values.mean(1), rtol=1e-12)
    np.testing.assert_allclose(line.get_ydata(), np.exp(fit["intercept"]) * line.get_xdata() ** fit["slope"])
    bars = ax.containers[0]
    segments = bars.lines[2][0].get_segments()  # the error bars: mean +- standard error of the seeds
    np.testing.assert_allclose([s[1, 1] - s[0, 1] for s in segments], 2 * values.std(1, ddof=1) / np.sqrt(3))
    labels = ax.get_legend_handles_labels()[1]
    assert f"train: slope {fit['slope']:.2f} (95%: {fit['low']:.2f} to {fit['high']:.2f})" in labels
    assert "width^-1/2" in labels and ax.get_xscale() == ax.get_yscale() == "log"
    np.testing.assert_array_equal(ax.get_xticks(), w)
    two = two_power_fit(w, values)
    drawing.deviation_vs_width(ax2, w, values.mean(1), fit=two, label="kernel part", spread=None)
    assert not ax2.containers and ax2.get_legend_handles_labels()[1][0].startswith("kernel part: ")
    np.testing.assert_allclose(ax2.lines[1].get_ydata(), two["a"] * ax2.lines[1].get_xdata() ** -0.5
                               + two["b"] / ax2.lines[1].get_xdata())
    written = drawing.save(fig, tmp_path / "dev", "A caption.")
    assert [p.name for p in written] == ["dev.png", "dev.pdf", "dev.md"] and all(p.stat().st_size for p in written)
    assert (tmp_path / "dev.md").read_text() == "A caption.\n" and not list(tmp_path.glob(".*"))
