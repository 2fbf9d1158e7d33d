"""Smoke tests of the analysis and figure scripts at toy size (they must keep running over the public API)."""
import json

import numpy as np
import pytest

import ntk_fourier as nf

from analysis import kernel_1d
from figures import kernel_1d as fig_kernel_1d


def test_kernel_1d_analysis_and_figure(tmp_path):
    data = tmp_path / "k.npz"
    kernel_1d.main(["--out", str(data), "--grid", "64", "--features", "16"])
    arrays, meta = nf.load(data)
    assert arrays["row_0"].shape == (64,) and np.all(np.diff(arrays["eig_1"]) <= 0)
    f = fig_kernel_1d.findings(arrays, meta)
    assert "NTK in space" in fig_kernel_1d.caption(f) and len(fig_kernel_1d.draw(arrays, meta, f).axes) == 4


def test_crosscheck_1d_quick(tmp_path):
    from analysis import crosscheck_1d
    table = crosscheck_1d.run(tmp_path, [16, 32], seeds=2, depth=1, steps=[0, 1, 5], execution=nf.QUIET)
    assert set(table) == {"gaussian_relu", "none_relu", "siren"}
    for name in table:
        summary = json.loads((tmp_path / name / "comparison.json").read_text())
        assert summary["widths"] == [16, 32] and len(summary["deviation"]) == 2
    assert "| [siren](siren/report.md) |" in (tmp_path / "summary.md").read_text()


def test_benchmark_scripts_at_toy_size(tmp_path):
    from benchmarks import benchmark_spectra, benchmark_training
    r = benchmark_spectra.run(dense=8, large=16, top=4)
    assert r["lanczos_top_k_max_rel_error_vs_eigvalsh"] < 1e-6 and r["dense_kernel_s"] > 0
    t = benchmark_training.run(seeds=2, width=16, steps=3, n=16)
    assert 0 < t["fraction_of_matmul"] and t["ensemble_gflops"] > 0


def test_benchmark_points_at_toy_size(tmp_path):
    from benchmarks import benchmark_points
    benchmark_points.main(["--dense", "300", "--dense-engine", "native", "--large", "400", "--top", "5", "--out",
                           str(tmp_path / "p.json")])
    r = json.loads((tmp_path / "p.json").read_text())
    assert r["dense"]["max_relative_error_vs_eigvalsh"] < 1e-9
    assert r["dense"]["regression"]["deflated_cg_alpha_relative_error"] < 1e-5
    assert r["large"]["regression"]["converged"] and r["target_8gb_met"]
    assert len(r["large"]["pass_seconds"]) == r["large"]["passes"]
    assert len(r["large"]["regression"]["pass_seconds"]) == r["large"]["regression"]["iterations"]
    assert r["large"]["first_pass_entries_per_s"] > 0 and r["large"]["dense_entries_per_s"] > 0


def test_benchmark_pass_guard_at_toy_size(tmp_path, capsys):
    """The guard prints the pass / dense ratio and exits with status 1 above its limit."""
    from benchmarks import benchmark_pass
    r = benchmark_pass.main(["--n", "300", "--block", "4", "--limit", "1000", "--out", str(tmp_path / "g.json")])
    assert r["ratio_pass_over_dense"] > 0 and r["kept_pass_s"] > 0 and r["kept_bytes"] == 8 * 300 * 300
    assert "pass / dense = " in capsys.readouterr().out
    with pytest.raises(SystemExit) as stop:
        benchmark_pass.main(["--n", "300", "--block", "4", "--limit", "0", "--out", str(tmp_path / "g.json")])
    assert stop.value.code == 1 and "above the limit 0.0" in capsys.readouterr().err


def test_benchmark_engine_at_toy_size(tmp_path):
    from benchmarks import benchmark_engine
    r = benchmark_engine.main(["--sizes", "256", "--engines", "native", "--repeats", "1", "--memory", "512",
                               "--out", str(tmp_path / "e.json")])
    assert [row["case"] for row in r["rows"]] == ["gaussian-1d", "raw-2d"] and r["rows"][0]["native_s"] > 0
    assert r["memory"]["n"] == 512 and r["memory"]["peak_rss_gb"] > r["memory"]["results_gb"]

