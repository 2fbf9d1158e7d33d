"""Figure: train and test PSNR of Gaussian Fourier features on one image vs the scale sigma (seed means and standard
deviations), with reconstructions."""
from __future__ import annotations

import numpy as np

from figures import findings as found, style

ANALYSIS = "image_sigma"
ORDER = 150
CLAIMS = {"quick": {"overfits": True, "keeps_rising": False, "best_resolved": False},
          "full": {"underfits": True, "overfits": True, "keeps_rising": False, "train_flat": True,
                   "best_resolved": False}}
FLAT_DB = 1.0  # train PSNR "flat": every seed mean from some sigma on within this of their largest


def _spread(values: np.ndarray) -> np.ndarray:
    """Seed standard deviation per sigma (ddof 1; 0 with one seed)."""
    return values.std(1, ddof=1) if values.shape[1] > 1 else np.zeros(len(values))


def findings(arrays: dict, meta: dict) -> dict:
    s = np.asarray(arrays["sigmas"], dtype=np.float64)
    train, test = np.asarray(arrays["psnr_train"]), np.asarray(arrays["psnr_test"])
    tr, te, tr_s, te_s = train.mean(1), test.mean(1), _spread(train), _spread(test)
    best = int(np.argmax(te))
    neighbours = [j for j in (best - 1, best + 1) if 0 <= j < len(s)]
    # the best sigma is resolved when its mean beats each neighbour's by more than the two seed spreads together
    margins = {float(s[j]): float(te[best] - te[j] - (te_s[best] + te_s[j])) for j in neighbours}
    resolved = bool(neighbours) and all(m > 0 for m in margins.values())
    # sigmas whose test PSNR is within the seed spread of the best (mean +- spread intervals overlap)
    within = [j for j in range(len(s)) if te[j] + te_s[j] >= te[best] - te_s[best]]
    last = len(s) - 1
    # keeps rising: from the best sigma on, the train mean grows by more than the two spreads at every step
    steps_up = [float(tr[j + 1] - tr[j] - (tr_s[j] + tr_s[j + 1])) for j in range(best, last)]
    keeps_rising = bool(steps_up) and all(d > 0 for d in steps_up)
    flat_from = last
    while flat_from > 0 and tr[flat_from - 1:].max() - tr[flat_from - 1:].min() <= FLAT_DB:
        flat_from -= 1
    # underfits: at the smallest sigma both train and test PSNR lie below the best sigma's by more than the spreads
    underfits = bool(tr[0] < tr[best] - (tr_s[0] + tr_s[best]) and te[0] < te[best] - (te_s[0] + te_s[best]))
    overfits = bool(te[last] < te[best] - (te_s[last] + te_s[best]) and tr[last] > tr[best] + (tr_s[last] + tr_s[best]))
    return {"image": meta["image"], "size": meta["size"], "steps": meta["steps"], "seeds": meta["seeds"],
            "features": meta["features"], "width": meta["width"], "depth": meta["depth"],
            "samples_per_unit": meta["size"] // 2, "nyquist": meta["size"] // 4, "sigmas": s.tolist(),
            "train_mean": tr.tolist(), "train_std": tr_s.tolist(), "test_mean": te.tolist(), "test_std": te_s.tolist(),
            "best_sigma": float(s[best]), "best_test": float(te[best]), "best_test_std": float(te_s[best]),
            "best_margins": margins, "best_resolved": resolved,
            "within_best_sigmas": [float(s[j]) for j in within], "within_best_low": float(s[min(within)]),
            "within_best_high": float(s[max(within)]),
            "within_best_test_low": float(te[within].min()), "within_best_test_high": float(te[within].max()),
            "train_steps_up": steps_up, "keeps_rising": keeps_rising,
            "flat_db": FLAT_DB, "train_flat_from": float(s[flat_from]), "train_flat": flat_from < last,
            "train_flat_low": float(tr[flat_from:].min()), "train_flat_high": float(tr[flat_from:].max()),
            "smallest_sigma": float(s[0]), "largest_sigma": float(s[last]),
            "train_smallest": float(tr[0]), "test_smallest": float(te[0]),
            "train_largest": float(tr[last]), "test_largest": float(te[last]),
            "underfits": underfits, "overfits": overfits}


def caption(f: dict) -> str:
    d = found.f
    text = (f"**Image regression across Gaussian feature scales.** The built-in {f['image']} image at {f['size']} x "
            f"{f['size']} pixels, fitted on every other pixel of every other row and tested on the pixels in between "
            f"by a {f['depth']} x {f['width']} ReLU MLP on {f['features']} Gaussian Fourier features of scale sigma "
            f"(cycles per unit; sigmoid output, Adam, {f['steps']} steps). Markers: mean over {f['seeds']} network "
            "initialisations (one draw of the frequencies), bars: their standard deviation; bottom: the first "
            f"network's reconstructions. The training pixels have {f['samples_per_unit']} samples per unit (Nyquist "
            f"frequency {f['nyquist']} cycles per unit). ")
    small = f"at sigma = {f['smallest_sigma']:g}, train {d(f['train_smallest'])} dB and test {d(f['test_smallest'])} dB"
    text += (f"Small sigma underfits (blurry): {small}, both below the best scale's by more than the seed spread. "
             if f["underfits"] else f"Smallest scale: {small}. ")
    large = (f"at sigma = {f['largest_sigma']:g}, train {d(f['train_largest'])} dB and test "
             f"{d(f['test_largest'])} dB")
    text += (f"Large sigma overfits: {large}; the training pixels are fitted better and the test pixels worse than "
             "at the best scale" if f["overfits"] else f"Largest scale: {large}")
    if f["keeps_rising"]:
        text += ", and train PSNR keeps rising with sigma beyond the best scale (by more than the seed spread at "\
                "every step). "
    elif f["train_flat"]:
        text += (f"; train PSNR is flat from sigma = {f['train_flat_from']:g} on ({d(f['train_flat_low'])} to "
                 f"{d(f['train_flat_high'])} dB). ")
    else:
        text += ". "
    if f["best_resolved"]:
        edge = f["best_sigma"] in (f["smallest_sigma"], f["largest_sigma"])
        text += (f"Best test PSNR {d(f['best_test'])} +- {d(f['best_test_std'])} dB at sigma = {f['best_sigma']:g}, "
                 + ("the edge of the sweep, above its neighbouring scale" if edge else "above both neighbouring scales")
                 + " by more than the seed spread.")
    else:
        text += (f"The best scale is not resolved: test PSNR at sigma = {f['within_best_low']:g} to "
                 f"{f['within_best_high']:g} ({d(f['within_best_test_low'])} to {d(f['within_best_test_high'])} dB) "
                 f"lies within the seed spread of the highest mean, {d(f['best_test'])} +- {d(f['best_test_std'])} dB "
                 f"at sigma = {f['best_sigma']:g}.")
    return text


def draw(arrays: dict, meta: dict, f: dict):
    plt = style.plt
    s = np.asarray(arrays["sigmas"])
    with plt.rc_context(style.RC):
        fig = plt.figure(figsize=(9.2, 5.6))
        grid = fig.add_gridspec(2, len(s), height_ratios=[2.2, 1.4])
        half = (len(s) + 1) // 2
        both, zoom = fig.add_subplot(grid[0, :half]), fig.add_subplot(grid[0, half:])
        for key, label, colour, axes in (("train", "train pixels", "tab:grey", (both,)),
                                         ("test", "test pixels", "tab:red", (both, zoom))):
            for ax in axes:
                ax.errorbar(s, f[f"{key}_mean"], yerr=f[f"{key}_std"], fmt="o-", color=colour, label=label,
                            capsize=3, ms=4)
        if f["best_resolved"]:
            zoom.axvline(f["best_sigma"], color="tab:red", lw=0.8, ls=":", label=f"best: sigma = {f['best_sigma']:g}")
        else:
            zoom.axvspan(f["within_best_low"] / 1.15, f["within_best_high"] * 1.15, color="tab:red", alpha=0.1,
                         label=f"within the seed spread of the best\n(sigma {f['within_best_low']:g} to "
                               f"{f['within_best_high']:g})")
        both.set_title("train and test pixels", fontsize=9)
        zoom.set_title("test pixels (zoomed), seed standard deviation as bars", fontsize=9)
        for ax in (both, zoom):
            ax.set(xscale="log", xlabel="Gaussian feature scale sigma (cycles per unit)", ylabel="PSNR (dB)")
            ax.set_xticks(s)
            ax.set_xticklabels([f"{v:g}" for v in s], fontsize=7)
            ax.minorticks_off()
            ax.legend(loc="best")
        for i, recon in enumerate(arrays["reconstructions"]):
            sub = fig.add_subplot(grid[1, i])
            sub.imshow(np.clip(recon, 0, 1).squeeze(), cmap="gray" if recon.shape[-1] == 1 else None, vmin=0, vmax=1)
            sub.set_axis_off()
            sub.set_title(f"sigma {s[i]:g}", fontsize=7)
        fig.tight_layout()
    return fig
