"""Figure: the top NTK eigenfunctions in x-space, raw inputs (non-stationary) beside Gaussian features (sinusoids)."""
from __future__ import annotations

import numpy as np

from figures import style
from figures.findings import f as fixed, g, pct

ANALYSIS = "eigenfunctions"
ORDER = 40
PURE = 0.75  # "close to a sinusoid": at least this share of the eigenvector's power at one frequency
PAIR = 0.85  # a cos/sin pair: the same dominant frequency and eigenvalues within this ratio
SHAPE = 0.95  # |correlation| for "the first two are |x| and x"
CLAIMS = {"quick": {"none_first_abs_and_x": True, "none_drop_after_two": True, "gaussian_sinusoidal": True,
                    "none_less_sinusoidal": True, "gaussian_pairs": True, "gaussian_falls_slower": True},
          "full": {"none_first_abs_and_x": True, "none_drop_after_two": True, "gaussian_sinusoidal": True,
                   "none_less_sinusoidal": True, "gaussian_pairs": True, "gaussian_falls_slower": True}}


def findings(arrays: dict, meta: dict) -> dict:
    labels, top, size = meta["labels"], meta["top"], meta["size"]
    none, gauss = labels.index("none"), 1 - labels.index("none")
    x = arrays["x"]
    model = meta["model"]
    out = {"depth": model["depth"], "sigma": model["mapping"]["sigma"], "features": model["mapping"]["features"],
           "size": size, "top": top, "interval": [-1, 1], "pure": PURE, "pair": PAIR, "shape": SHAPE,
           "frequencies": meta["frequencies"], "purity": meta["purity"],
           "eigenvalues": {label: (arrays[f"eigenvalues_{i}"][:top] / size).tolist() for i, label in enumerate(labels)}}
    v = arrays[f"vectors_{none}"]
    out["corr_abs_x"] = float(abs(np.corrcoef(v[:, 0], np.abs(x))[0, 1]))
    out["corr_x"] = float(abs(np.corrcoef(v[:, 1], x)[0, 1]))
    out["none_first_abs_and_x"] = out["corr_abs_x"] >= SHAPE and out["corr_x"] >= SHAPE
    lam_none, lam_gauss = arrays[f"eigenvalues_{none}"], arrays[f"eigenvalues_{gauss}"]
    out["none_drop"] = float(lam_none[1] / lam_none[2])  # second over third eigenvalue
    out["none_drop_after_two"] = out["none_drop"] > 10
    purity = {label: np.array(meta["purity"][label]) for label in labels}
    out["purity_min"] = {label: float(p.min()) for label, p in purity.items()}
    out["purity_mean"] = {label: float(p.mean()) for label, p in purity.items()}
    out["gaussian_sinusoidal"] = out["purity_min"][labels[gauss]] >= PURE
    out["none_less_sinusoidal"] = out["purity_mean"]["none"] < out["purity_mean"][labels[gauss]]
    freq = meta["frequencies"][labels[gauss]]
    pairs = [(j, j + 1) for j in range(1, top - 1, 2)]  # after the constant-like first one: (2, 3), (4, 5), ...
    out["pair_ratios"] = [float(lam_gauss[b] / lam_gauss[a]) for a, b in pairs]
    out["gaussian_pairs"] = bool(all(freq[a] == freq[b] for a, b in pairs) and min(out["pair_ratios"]) >= PAIR)
    out["fall"] = {label: float(arrays[f"eigenvalues_{i}"][top - 1] / arrays[f"eigenvalues_{i}"][0])
                   for i, label in enumerate(labels)}
    out["gaussian_falls_slower"] = out["fall"][labels[gauss]] > out["fall"]["none"]
    return out


def caption(f: dict) -> str:
    labels = list(f["purity"])
    gauss = [label for label in labels if label != "none"][0]
    lo, hi = f["interval"]
    text = [f"**What the NTK's eigenvectors look like.** The {f['top']} eigenvectors of largest eigenvalue of the NTK "
            f"Gram matrix on {f['size']} evenly spaced points of [{lo}, {hi}) (dense eigendecomposition, "
            f"`nf.dense_spectrum`; each scaled to unit RMS and shifted for legibility; lambda: the Gram matrix's "
            f"eigenvalue divided by the number of points, f: the eigenvector's dominant frequency in cycles per "
            f"unit), for a ReLU MLP of depth {f['depth']}. Left: raw coordinates (mapping `none`): the kernel is not "
            f"stationary (it depends on x and x', not only on x - x')."]
    if f["none_first_abs_and_x"]:
        text.append(f"The first two eigenvectors are |x| and x (correlations {fixed(f['corr_abs_x'], 3)} and "
                    f"{fixed(f['corr_x'], 3)}): the origin is special.")
    else:
        text.append(f"Correlation of the first eigenvector with |x|: {fixed(f['corr_abs_x'], 3)}; of the second "
                    f"with x: {fixed(f['corr_x'], 3)}.")
    drop = f"the second eigenvalue is {g(f['none_drop'], 3)} times the third"
    text.append(f"After them the eigenvalues drop by more than an order of magnitude ({drop})." if
                f["none_drop_after_two"] else f"Then {drop}.")
    purity = (f"the share of an eigenvector's power at its dominant frequency is {pct(f['purity_min'][gauss])} to "
              f"{pct(max(f['purity'][gauss]))} (mean {pct(f['purity_mean'][gauss])}; raw coordinates: mean "
              f"{pct(f['purity_mean']['none'])})")
    right = f"Right: Gaussian Fourier features (sigma {g(f['sigma'])}, {f['features']} features)"
    if f["gaussian_sinusoidal"] and f["none_less_sinusoidal"]:
        right += (f": the kernel depends on x - x' only, so its eigenvectors are close to sinusoids ({purity}; "
                  f"exact sinusoids for a periodic kernel, `docs/conventions.md`)")
    else:
        right += f": {purity}"
    ratios = ", ".join(fixed(r) for r in f["pair_ratios"])
    if f["gaussian_pairs"]:
        right += f", in cos/sin pairs of one frequency and nearly equal eigenvalue (ratios {ratios})"
    fall = (f"the {f['top']}th eigenvalue is {pct(f['fall'][gauss], 0)} of the first, against "
            f"{pct(f['fall']['none'], 2)} for raw coordinates")
    right += (f"; the eigenvalues fall slowly ({fall})." if f["gaussian_falls_slower"] else f"; {fall}.")
    text.append(right)
    text.append("Gradient descent learns each eigenvector at its own rate, set by its eigenvalue "
                "(`docs/tutorial.md`).")
    return " ".join(text)


def draw(arrays: dict, meta: dict, f: dict):
    plt = style.plt
    labels, top, size = meta["labels"], meta["top"], meta["size"]
    x = arrays["x"]
    titles = {"none": "raw coordinates (non-stationary)"}
    with plt.rc_context(style.RC):
        fig, axes = plt.subplots(1, len(labels), figsize=(4.5 * len(labels), 4.6), sharey=True)
        for ax, (i, label) in zip(np.atleast_1d(axes), enumerate(labels)):
            lam, vectors = arrays[f"eigenvalues_{i}"] / size, arrays[f"vectors_{i}"]
            for j in range(top):
                offset = -3.2 * j
                colour = plt.get_cmap("viridis" if label == "none" else "autumn")(0.8 * j / max(top - 1, 1))
                ax.axhline(offset, color="0.8", lw=0.6)
                ax.plot(x, vectors[:, j] + offset, color=colour, lw=1.5)
                ax.text(1.02, offset, f"{j + 1}: lambda={lam[j]:.3g}\n    f~{meta['frequencies'][label][j]:g}, "
                        f"{100 * meta['purity'][label][j]:.0f}%", transform=ax.get_yaxis_transform(), va="center",
                        fontsize=7)
            title = titles.get(label, f"Gaussian features, {label.split()[-1].replace('=', ' = ')} (stationary)")
            ax.set(xlim=(-1, 1), xlabel="x", title=title)
            ax.set_yticks([])
            ax.grid(False)
        np.atleast_1d(axes)[0].set_ylabel("eigenvector (unit RMS, shifted)")
        fig.text(0.5, -0.02, f"lambda: Gram-matrix eigenvalue / N (N = {size}); f: dominant frequency (cycles per "
                 "unit) and the share of the power there", ha="center", fontsize=7.5)
        fig.tight_layout(w_pad=5)
    return fig
