"""Figure: an image reconstructed by the infinite-width NTK across gradient-descent steps, one row per mapping, and
the error left in the coarse and the fine frequency band of the training pixels at each step."""
from __future__ import annotations

import numpy as np

from figures import findings as found, style

ANALYSIS = "image_steps"
ORDER = 80
CLAIMS = {"quick": {"coarse_first": True}, "full": {"coarse_first": True}}
WITHIN_DB = 0.5  # "close to converged": the first shown step whose test PSNR is within this of the converged one
LEARNT = 0.01  # a band is learnt once less than this fraction of its error is left


def bands(image: np.ndarray, frames: np.ndarray) -> tuple[np.ndarray, np.ndarray, float, float]:
    """Fraction of the error left at each step, (T,) each, in the coarse band (radial frequency <= m/8 cycles per
    unit) and the fine band (> m/4) of the training pixels (the m x m grid of [::2, ::2], m = size/2 samples per unit):
    the residual's energy there over the image's own (the error at t = 0, where f = 0). Returns (coarse, fine,
    coarse edge, fine edge) with the edges in cycles per unit."""
    y = image[::2, ::2]
    m = y.shape[0]
    k = np.fft.fftfreq(m, 1.0 / m)
    radius = np.hypot(*np.meshgrid(k, k, indexing="ij"))
    coarse, fine = radius <= m / 8, radius > m / 4
    target = np.abs(np.fft.fft2(y, axes=(0, 1))) ** 2
    left = np.abs(np.fft.fft2(frames[:, ::2, ::2] - y, axes=(1, 2))) ** 2
    return (left[:, coarse].sum((1, 2)) / target[coarse].sum(), left[:, fine].sum((1, 2)) / target[fine].sum(),
            m / 8, m / 4)


def findings(arrays: dict, meta: dict) -> dict:
    steps = np.asarray(arrays["steps"], dtype=np.float64)
    finite = np.isfinite(steps) & (steps > 0)
    out = {"size": meta["size"], "image": meta["image"], "mappings": meta["mappings"], "within_db": WITHIN_DB,
           "samples_per_unit": meta["size"] // 2, "steps": [float(t) for t in steps[np.isfinite(steps)]],
           "per_mapping": {}}
    parts = [bands(arrays["image"], np.asarray(arrays[f"frames_{i}"], np.float64))
             for i in range(len(meta["mappings"]))]
    # the step the caption quotes: the last shown one at which every mapping still has over LEARNT of its fine error
    open_steps = finite & np.all([p[1] > LEARNT for p in parts], axis=0)
    middle = int(np.flatnonzero(open_steps)[-1]) if open_steps.any() else int(np.flatnonzero(finite)[0])
    out["quoted_step"], out["learnt_pct"] = float(steps[middle]), 100 * LEARNT
    coarse_first = True
    for i, name in enumerate(meta["mappings"]):
        coarse, fine, low_edge, high_edge = parts[i]
        psnr = np.asarray(arrays[f"psnr_test_{i}"])
        within = int(np.argmax(psnr >= psnr[-1] - WITHIN_DB))
        # coarse first: at every shown step 0 < t < inf where the fine band is not learnt yet (over LEARNT of its error
        # left), less of the coarse band's error is left; and there is such a step
        judged = finite & (fine > LEARNT)
        first = bool(judged.any() and np.all(coarse[judged] < fine[judged]))
        coarse_first &= first
        out["per_mapping"][name] = {
            "psnr_test_converged": float(psnr[-1]), "psnr_test": psnr.tolist(),
            "first_step_within": "inf" if np.isinf(steps[within]) else float(steps[within]),
            "coarse_left_pct": (100 * coarse).tolist(), "fine_left_pct": (100 * fine).tolist(),
            "coarse_left_pct_quoted": float(100 * coarse[middle]), "fine_left_pct_quoted": float(100 * fine[middle]),
            "coarse_first": first, "method": meta["method"][name]}
        out["coarse_edge"], out["fine_edge"] = float(low_edge), float(high_edge)
    out["coarse_first"] = coarse_first
    return out


def caption(f: dict) -> str:
    per = f["per_mapping"]
    t = f"{f['quoted_step']:g}"
    summary = "; ".join(
        f"{name} {found.f(p['psnr_test_converged'], 1)} dB (t = "
        f"{p['first_step_within'] if p['first_step_within'] == 'inf' else format(p['first_step_within'], 'g')})"
        for name, p in per.items())
    left = "; ".join(f"{name} {p['coarse_left_pct_quoted']:.0f}% vs {p['fine_left_pct_quoted']:.0f}%"
                     for name, p in per.items())
    approximate = [name for name, p in per.items() if p["method"] == "fft-circulant"]
    text = (f"**Spectral bias on an image.** The infinite-width NTK's reconstruction of the built-in {f['image']} "
            f"image ({f['size']} x {f['size']} pixels) from every other pixel of every other row, after t steps of "
            "full-batch gradient descent from f = 0 at half the largest stable rate (columns; inf: converged), for "
            "three input mappings (rows; the image-regression models of docs/images.md, scaled to this size), with "
            "the test PSNR on the pixels in between. Computed by FFT on the pixel grid (`nf.images.regress`"
            + (f"; for {' and '.join(approximate)}, whose frequencies are not integers, the circulant approximation"
               if approximate else "") + "). Bottom: the fraction of the error left on the training pixels in the "
            f"coarse band (radial frequency up to {f['coarse_edge']:g} cycles per unit; solid) and the fine band "
            f"(above {f['fine_edge']:g}; dashed) of their {f['samples_per_unit']} x {f['samples_per_unit']} grid. ")
    if f["coarse_first"]:
        text += ("Every mapping learns the coarse image first: at every step shown before the fine band is learnt "
                 f"(while over {f['learnt_pct']:g}% of its error is left) less of the coarse band's error is left than "
                 "of the fine band's")
    else:
        text += "Coarse vs fine band, error left at the steps shown: " + "; ".join(
            f"{name} {'coarse first' if p['coarse_first'] else 'not coarse first at every step'}"
            for name, p in per.items())
    text += (f" (at t = {t}, coarse vs fine: {left}). Converged test PSNR and the first shown step within "
             f"{f['within_db']:g} dB of it: {summary}.")
    return text


def draw(arrays: dict, meta: dict, f: dict):
    plt = style.plt
    steps, names = arrays["steps"], meta["mappings"]
    with plt.rc_context(style.RC):
        fig = plt.figure(figsize=(1.7 * (len(steps) + 1), 2.15 * len(names) + 2.4))
        grid = fig.add_gridspec(len(names) + 1, len(steps) + 1, height_ratios=[1] * len(names) + [1.1])
        for row, name in enumerate(names):
            frames, psnr = np.clip(arrays[f"frames_{row}"], 0.0, 1.0), arrays[f"psnr_test_{row}"]
            for col, t in enumerate(steps):
                ax = fig.add_subplot(grid[row, col])
                ax.imshow(frames[col].squeeze(), cmap="gray", vmin=0, vmax=1, interpolation="nearest")
                ax.set_title(f"t = {'inf' if np.isinf(t) else f'{t:g}'}\n{psnr[col]:.1f} dB", fontsize=7.5)
                if col == 0:
                    ax.set_ylabel(name, fontsize=9)
                ax.set_xticks([])
                ax.set_yticks([])
                ax.grid(False)
            ax = fig.add_subplot(grid[row, -1])
            ax.imshow(arrays["image"].squeeze(), cmap="gray", vmin=0, vmax=1, interpolation="nearest")
            ax.set_title("image", fontsize=7.5)
            ax.set_axis_off()
        ax = fig.add_subplot(grid[-1, 1:-1])
        finite = np.isfinite(steps)
        x = style.step_axis(steps[finite])
        for i, name in enumerate(names):
            p = f["per_mapping"][name]
            colour = style.colour(name, 0)
            ax.plot(x, np.asarray(p["coarse_left_pct"])[finite], "o-", color=colour, ms=3, label=f"{name}: coarse")
            ax.plot(x, np.asarray(p["fine_left_pct"])[finite], "s--", color=colour, ms=3, label=f"{name}: fine")
        ax.set(xscale="log", xlabel="gradient-descent step t (log; t = 0 at the left edge)",
               ylabel="error left (%)", ylim=(-3, 103))
        key = fig.add_subplot(grid[-1, -1])  # the legend in the cell beside the curves
        key.set_axis_off()
        key.legend(*ax.get_legend_handles_labels(), fontsize=6.5, loc="center", title="error left in band",
                   title_fontsize=7)
        fig.tight_layout(h_pad=1.0, w_pad=0.2)
    return fig
