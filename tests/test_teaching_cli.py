"""The teaching commands as a user runs them: plot, animate and explore through the command line."""
from __future__ import annotations

import numpy as np
from PIL import Image

import ntk_fourier as nf
from ntk_fourier.cli import main


def _error(capsys, argv, needle):
    capsys.readouterr()
    assert main([str(a) for a in argv]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], lines


def test_plot_command_draws_any_result(tmp_path, capsys):
    np.savez(tmp_path / "d.npz", **nf.one_over_f(n=64, stride=4))
    assert main(["predict", "--data", str(tmp_path / "d.npz"), "--lr", "0.5", "--steps", "0,10,100", "--depth", "1",
                 "--out", str(tmp_path / "p.npz"), "--quiet"]) == 0
    assert main(["plot", str(tmp_path / "p.npz")]) == 0  # default: beside the result
    assert main(["plot", str(tmp_path / "p.npz"), "--out", str(tmp_path / "fig.pdf")]) == 0
    with Image.open(tmp_path / "p.png") as im:
        assert min(im.size) > 200 and np.asarray(im.convert("L")).std() > 10
    assert (tmp_path / "fig.pdf").read_bytes().startswith(b"%PDF")
    _error(capsys, ["plot", tmp_path / "p.npz", "--out", tmp_path / "fig.jpg"], ".png, .pdf, .svg")
    _error(capsys, ["plot", tmp_path / "nothing.npz"], "nothing.npz")
    assert not (tmp_path / "fig.jpg").exists()


def test_animate_and_explore_refuse_bad_options_before_work(tmp_path, capsys):
    _error(capsys, ["animate", "--out", tmp_path / "a.avi"], ".gif, .mp4")
    _error(capsys, ["animate", "--out", tmp_path / "a.gif", "--frames", "0"], "--frames")
    _error(capsys, ["animate", "--out", tmp_path / "a.gif", "--freqs", "2,x"], "--freqs")
    _error(capsys, ["explore", "--port", "0"], "--port")
    _error(capsys, ["explore", "--port", "70000"], "--port")
    assert not list(tmp_path.iterdir())
