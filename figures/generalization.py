"""Figure: kernel regression's test error against n, predicted from the spectrum vs measured; learnability by mode."""
from __future__ import annotations

from figures import style

CAPTION = """**Generalisation from the spectrum.** Test error (mean squared error over all points of the grid) of NTK
regression at convergence (ridgeless) from n training points drawn at random from the grid, against n. Lines: the
eigenlearning prediction (Simon et al. 2021; Bordelon et al. 2020; Canatar et al. 2021) from the NTK's eigenvalues
and the target's coefficients alone; markers: measured, mean of {draws} random training sets (bars: standard
errors). Left: a 1/f signal on a {n1}-point grid of [0, 1); middle: a 1/f field on a {n2} grid. Right: the predicted
learnability L_i = lambda_i / (lambda_i + kappa) of each eigenmode at n = {nl} (1D), against the mode's dominant
frequency: the mapping decides which frequencies a given number of points can learn. Depth-{depth} ReLU networks.
Measured / predicted: median {median:.2f} over all points; farthest {worst:.2f}, for {case} (the equations are
asymptotic in n and in the number of modes, and they underestimate the error most there)."""


def draw(arrays: dict, meta: dict):
    plt = style.plt
    labels, n = meta["labels"], arrays["n"]
    with plt.rc_context(style.RC):
        fig, axes = plt.subplots(1, 3, figsize=(12.5, 3.8))
        for ax, dim in zip(axes[:2], ("1d", "2d")):
            for i, label in enumerate(labels):
                c = style.colour(label, i, len(labels))
                ax.plot(n, arrays[f"{dim}_predicted_{i}"], "-", color=c, lw=1.5, label=label)
                ax.errorbar(n, arrays[f"{dim}_measured_{i}"], yerr=arrays[f"{dim}_se_{i}"], fmt="o", color=c,
                            ms=4, capsize=2)
            shape = "x".join(map(str, meta["sizes"][dim]))
            ax.set(xscale="log", yscale="log", xlabel="training points n", title=f"{dim.upper()}: grid {shape}")
        axes[0].set_ylabel("test MSE (line: predicted, dots: measured)")
        axes[0].legend(frameon=False, fontsize=8)
        ax = axes[2]
        for i, label in enumerate(labels):
            freq = arrays[f"mode_frequency_{i}"]
            keep = freq >= 1  # the constant mode (frequency 0) has no place on a log axis
            ax.plot(freq[keep], arrays[f"learnability_{i}"][keep], ".", color=style.colour(label, i, len(labels)),
                    ms=3, label=label)
        ax.set(xscale="log", xlabel="mode's dominant frequency", ylabel="learnability L_i", ylim=(-0.02, 1.02),
               title=f"learnability at n = {meta['learnability_n']} (1D)")
        fig.tight_layout()
    return fig


def caption(meta: dict) -> str:
    return CAPTION.format(draws=meta["draws"], n1=meta["sizes"]["1d"][0], n2="x".join(map(str, meta["sizes"]["2d"])),
                          nl=meta["learnability_n"], depth=meta["model"]["depth"], median=meta["median_ratio"],
                          worst=meta["worst_ratio"],
                          case="{} {}, n = {}".format(*meta["worst_case"])).replace("\n", " ")
