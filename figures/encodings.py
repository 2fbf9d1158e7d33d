"""Figure: coordinate encodings compared on the same 2D points: the NTK's eigenvalues, its energy by frequency, and the
predicted and trained convergence of each frequency of one target."""
from __future__ import annotations

import numpy as np

from figures import findings as found, style

ANALYSIS = "encodings"
ORDER = 55
LEARNED = 0.1  # a frequency is learned once its residual is below this fraction of where it started
CLOSE = 0.1  # trained networks "follow the prediction": every residual fraction within this of the predicted one
FLOOR = 1e-12  # lambda_min / lambda_max below this is round-off of the dense eigenvalues
PAPER_ORDERS = {"over plain MLP": 8, "over Fourier features": 2}  # Audia et al. 2025 (finite networks, ImageNet)
CLAIMS = {
    "quick": {"ordered": True},
    "full": {"ordered": True, "grids_drift_most": True},
}


def findings(arrays: dict, meta: dict) -> dict:
    names, steps, ks = meta["names"], arrays["steps"], [int(k) for k in arrays["frequencies"]]
    ratio = {name: float(arrays[f"eigenvalues_{i}"][0] / arrays[f"eigenvalues_{i}"][-1]) for i, name in
             enumerate(names)}
    grid = min(ratio["dense grid"], ratio["hash grid"])
    learned, deviation = {}, {}
    for i, name in enumerate(names):
        predicted = arrays[f"predicted_{i}"] / arrays[f"predicted_{i}"][0]  # (T, K), 1 at step 0
        learned[name] = [int(steps[np.argmax(predicted[:, j] <= LEARNED)]) if np.any(predicted[:, j] <= LEARNED)
                         else None for j in range(len(ks))]
        if name in meta["trained"]:
            trained = arrays[f"trained_{i}"] / arrays[f"predicted_{i}"][0]  # (T, S, K)
            deviation[name] = float(np.max(np.abs(trained.mean(axis=1) - predicted)))
    worst = max(deviation, key=deviation.get)
    drift = {name: float(np.mean(arrays[f"drift_{names.index(name)}"][-1])) for name in meta["trained"]}
    grids = [name for name in drift if "grid" in name]
    return {
        "points": meta["points"], "size": meta["size"], "depth": meta["depth"], "width": meta["width"],
        "seeds": meta["seeds"], "names": names, "trained": meta["trained"], "frequencies": ks,
        "steps": [int(s) for s in steps], "ratio": ratio,
        "orders_over_plain": float(np.log10(grid / ratio["plain MLP"])),
        "orders_over_fourier": float(np.log10(grid / ratio["Fourier features"])),
        "paper_orders": PAPER_ORDERS,
        "ordered": bool(ratio["plain MLP"] < ratio["Fourier features"] < grid),
        "hash_vs_dense": float(ratio["hash grid"] / ratio["dense grid"]), "floor": FLOOR,
        "drift": drift, "grids_drift_most": bool(min(drift[g] for g in grids) > max(
            v for name, v in drift.items() if name not in grids)),
        "learned_level": LEARNED, "learned_at": learned, "deviation": deviation, "worst": worst,
        "max_deviation": deviation[worst], "close": CLOSE, "follows": bool(deviation[worst] <= CLOSE),
    }


def draw(arrays: dict, meta: dict, f: dict):
    plt = style.plt
    names, trained = meta["names"], meta["trained"]
    colours = {name: plt.get_cmap("tab10")(i) for i, name in enumerate(names)}
    with plt.rc_context(style.RC):
        fig = plt.figure(figsize=(12.5, 7.0))
        grid = fig.add_gridspec(2, len(trained))
        top = [fig.add_subplot(grid[0, :len(trained) // 2]), fig.add_subplot(grid[0, len(trained) // 2:])]
        for i, name in enumerate(names):
            lam = arrays[f"eigenvalues_{i}"][::-1]
            dash = "--" if name == "hash grid" else "-"  # drawn over the dense grid, which it nearly equals
            top[0].plot(np.arange(1, len(lam) + 1), lam / lam[0], dash, color=colours[name], lw=1.4,
                        label=f"{name} ({found.sci(f['ratio'][name])})")
            energy = arrays[f"energy_{i}"]
            top[1].plot(arrays["radius"], energy / lam[0], dash, color=colours[name], lw=1.4, marker="o", ms=3)
        top[0].set(xscale="log", yscale="log", xlabel="eigenvalue index", ylabel="lambda_i / lambda_max",
                   title="NTK eigenvalues (legend: lambda_min / lambda_max)")
        top[0].legend(frameon=False, fontsize=7, loc="lower left")
        top[1].set(yscale="log", xlabel="frequency |k| (cycles per unit)", ylabel="energy / lambda_max",
                   title="NTK energy by frequency")
        steps = arrays["steps"]
        for j, name in enumerate(trained):
            ax = fig.add_subplot(grid[1, j])
            i = names.index(name)
            start = arrays[f"predicted_{i}"][0]
            for c, k in enumerate(f["frequencies"]):
                colour = plt.get_cmap("viridis")(0.85 * c / max(len(f["frequencies"]) - 1, 1))
                ax.plot(steps, arrays[f"predicted_{i}"][:, c] / start[c], color=colour, lw=1.4, label=f"k = {k}")
                ax.plot(steps, arrays[f"trained_{i}"][:, :, c].mean(axis=1) / start[c], "o", color=colour, ms=3.5)
            ax.axhline(f["learned_level"], color="0.6", lw=0.7, ls=":")
            ax.set_xscale("symlog", linthresh=1.0)
            ax.set(xlim=(0, steps[-1] * 1.2), ylim=(-0.02, 1.05), xlabel="gradient-descent step", title=name)
            if j == 0:
                ax.set_ylabel("residual at k (fraction of start)")
                ax.legend(frameon=False, fontsize=7)
        fig.tight_layout()
    return fig


def caption(f: dict) -> str:
    ratio = f["ratio"]
    listed = "; ".join(f"{name} {found.sci(ratio[name])}" if ratio[name] >= f["floor"] else
                       f"{name} below {found.sci(f['floor'])} (round-off)" for name in f["names"])
    text = [f"**Encodings compared on the same points.** The NTK of a {f['depth']}-hidden-layer MLP on the "
            f"{f['size']} x {f['size']} grid of [0, 1)^2 ({f['points']} points) behind each encoding (ReLU, "
            "infinite width; SIREN with its own sine layers). Top left: the eigenvalues relative to the largest; "
            f"lambda_min / lambda_max: {listed}. Top right: the kernel's energy at each frequency |k|, the mean of "
            "phi_k^H K phi_k / n over the Fourier modes phi_k of that radius (the eigenvalue where the kernel is "
            "stationary and periodic)."]
    if f["ordered"]:
        text.append(f"The smallest eigenvalue orders plain MLP < Fourier features < grid encodings: the grid "
                    f"encodings raise it by {found.f(f['orders_over_plain'], 1)} orders of magnitude over the plain "
                    f"MLP and {found.f(f['orders_over_fourier'], 1)} over Fourier features, where Audia et al. "
                    f"2025 report about {f['paper_orders']['over plain MLP']} and "
                    f"{f['paper_orders']['over Fourier features']} for finite networks on their images.")
    else:
        text.append(f"The smallest eigenvalue does not order plain MLP < Fourier features < grid encodings here "
                    f"(grid over plain: {found.f(f['orders_over_plain'], 1)} orders of magnitude, over Fourier "
                    f"features {found.f(f['orders_over_fourier'], 1)}).")
    text.append(f"Hash over dense grid: lambda_min / lambda_max {found.f(f['hash_vs_dense'], 3)} times.")
    ks = ", ".join(str(k) for k in f["frequencies"])
    text.append(f"Bottom: the residual of each frequency of the target sum of cos(2 pi k x_1), k = {ks}, under "
                "gradient descent at half the largest stable rate: lines the kernel's prediction, dots "
                + (f"the mean of {f['seeds']} centred networks" if f["seeds"] > 1 else "one centred network")
                + f" of width {f['width']}.")
    if f["follows"]:
        text.append(f"The networks follow the prediction: every residual fraction within "
                    f"{found.f(f['max_deviation'], 3)} of it (at most {found.f(f['close'], 1)}).")
    else:
        deviations = "; ".join(f"{name} {found.f(v, 3)}" for name, v in f["deviation"].items())
        text.append(f"Largest departure of the networks from the prediction, in fractions of a starting residual: "
                    f"{deviations}.")
    drift = "; ".join(f"{name} {found.f(v, 2)}" for name, v in f["drift"].items())
    text.append(f"Relative change of the networks' empirical NTK by the last step, |K_t - K_0| / |K_0|: {drift}.")
    if f["grids_drift_most"]:
        text.append("The grid encodings' kernels move most during training.")
    return " ".join(text)
