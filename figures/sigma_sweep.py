"""Figure: test (and train) error vs Gaussian mapping scale sigma: trained networks, the NTK prediction from each
network's own start, the infinite-ensemble mean and the converged kernel regression."""
from __future__ import annotations

import numpy as np

from figures import findings as found, style

ANALYSIS = "sigma_sweep"
ORDER = 130
FOLLOW = 2.0  # networks follow the prediction where measured / predicted test MSE is within this factor
FIT = 1e-10  # "fits the training points": train MSE below this
SLOW = 1e-6  # "fits slowly": train MSE at the last step still above this
OVERFIT = 10.0  # "overfits": test MSE at the largest sigma this many times the best while the training points fit
INIT = 2.0  # "the initial function dominates": test MSE from the network's own start this many times the mean's
CLAIMS = {
    "quick": {"test_follows": True, "converged_rises_with_sigma": True, "initial_function_dominates": True,
              "best_at_smallest": True, "small_sigma_slow": True},
    "full": {"test_follows": True, "converged_rises_with_sigma": True, "overfits": True, "small_sigma_slow": True,
             "train_slower": True,
             "best_at_smallest": True, "initial_function_dominates": True},
}


def findings(arrays: dict, meta: dict) -> dict:
    sigmas = arrays["sigmas"].tolist()
    net, train = arrays["net_test"], arrays["net_train"]
    se = net.std(1, ddof=1) / np.sqrt(net.shape[1])
    mean_test, pred = net.mean(1), arrays["pred_test"].mean(1)
    best = int(np.argmin(mean_test))
    ratio = mean_test / pred
    fitted = train.mean(1) < FIT
    fit_from = next((i for i in range(len(sigmas)) if fitted[i:].all()), None)
    init_ratio = pred / arrays["mean_test"]
    pred_train = arrays["pred_train"].mean(1)
    train_ratio = train.mean(1) / pred_train
    resolved = pred_train > FIT  # where the prediction is above the networks' fitting level
    return {
        "width": meta["width"], "seeds": meta["seeds"], "steps": meta["steps"], "features": meta["features"],
        "depth": meta["depth"], "n_train": meta["n_train"], "n_test": meta["n_test"], "sigmas": sigmas,
        "follow_factor": FOLLOW, "fit_level": FIT, "slow_level": SLOW, "overfit_factor": OVERFIT,
        "init_factor": INIT,
        "net_test": mean_test.tolist(), "net_test_se": se.tolist(), "net_train": train.mean(1).tolist(),
        "pred_test": pred.tolist(), "mean_test": arrays["mean_test"].tolist(),
        "converged_test": arrays["converged_test"].tolist(), "test_ratio": ratio.tolist(),
        "test_ratio_range": [float(ratio.min()), float(ratio.max())],
        "test_follows": bool(np.all((ratio <= FOLLOW) & (ratio >= 1 / FOLLOW))),
        "best_sigma": sigmas[best], "best_test": float(mean_test[best]), "best_test_se": float(se[best]),
        "best_at_smallest": best == 0 and bool(mean_test[0] + se[0] < mean_test[1] - se[1]),
        "converged_rises_with_sigma": bool(np.all(np.diff(arrays["converged_test"]) > 0)),
        "fit_from_sigma": None if fit_from is None else sigmas[fit_from],
        "fit_max_train": None if fit_from is None else float(train.mean(1)[fit_from:].max()),
        "small_sigma_slow": bool(train.mean(1)[0] > SLOW),
        "overfits": bool(fitted[-1] and mean_test[-1] > OVERFIT * mean_test[best]),
        "largest_over_best": float(mean_test[-1] / mean_test[best]),
        "peak_sigma": sigmas[int(np.argmax(mean_test))], "peak_test": float(mean_test.max()),
        "init_ratio": init_ratio.tolist(), "pred_train": pred_train.tolist(), "train_ratio": train_ratio.tolist(),
        "train_slower": bool(resolved.any() and np.all(train_ratio[resolved] > FOLLOW)),
        "train_resolved_sigmas": [v for v, r in zip(sigmas, resolved) if r],
        "pred_train_max_fitted": None if fit_from is None else float(pred_train[fit_from:].max()),
        "fit_min_train": None if fit_from is None else float(train.mean(1)[fit_from:].min()),
        # the NTK prediction from each network's own f(0) vs from f(0) = 0, at the largest sigma
        "initial_function_dominates": bool(init_ratio[-1] > INIT),
    }


def draw(arrays: dict, meta: dict, f: dict):
    plt = style.plt
    s = arrays["sigmas"]
    net, train = arrays["net_test"], arrays["net_train"]
    with plt.rc_context(style.RC):
        fig, (ax, right) = plt.subplots(1, 2, figsize=(9.6, 3.7))
        ax.errorbar(s, net.mean(1), yerr=[net.mean(1) - net.min(1), net.max(1) - net.mean(1)], fmt="o", mfc="none",
                    color="tab:red", capsize=0, lw=0.8, label=f"networks, width {f['width']} (seed range)")
        ax.plot(s, arrays["pred_test"].mean(1), "-", color="tab:red", label="NTK from each network's start")
        ax.plot(s, arrays["mean_test"], "--", color="tab:blue", label="NTK ensemble mean (start 0)")
        ax.plot(s, arrays["converged_test"], "-.", color="k", lw=1, label="kernel regression, t -> inf")
        ax.axvline(f["best_sigma"], color="tab:red", lw=0.6, ls=(0, (1, 3)))
        ax.set(title="test MSE", ylabel=f"mean squared error at step {f['steps']}")
        ax.legend(frameon=False, fontsize=6.5)
        right.errorbar(s, train.mean(1), yerr=[train.mean(1) - train.min(1), train.max(1) - train.mean(1)], fmt="s",
                       mfc="none", color="tab:red", ms=3.5, capsize=0, lw=0.8, label="networks (seed range)")
        right.plot(s, arrays["pred_train"].mean(1), "-", color="tab:red", label="NTK from each network's start")
        right.plot(s, arrays["mean_train"], "--", color="tab:blue", label="NTK ensemble mean (start 0)")
        right.set(title="train MSE")
        right.legend(frameon=False, fontsize=6.5)
        for a in (ax, right):
            a.set(xscale="log", yscale="log", xlabel="Gaussian mapping scale sigma (cycles per unit interval)")
        fig.tight_layout()
    return fig



def caption(f: dict) -> str:
    sig = f["sigmas"]
    text = [f"**Test error vs Gaussian feature scale sigma.** 1D 1/f problem ({f['n_train']} training, {f['n_test']} "
            f"test points), Gaussian Fourier features ({f['features']}) with scale sigma = "
            f"{', '.join(found.g(v) for v in sig)}, {f['depth']} hidden ReLU layers. After {f['steps']} "
            f"gradient-descent steps at half the largest stable rate: trained networks of width {f['width']} (mean "
            f"and range over {f['seeds']} seeds), the NTK prediction from each network's own start, and the "
            f"infinite-ensemble mean (start at zero); and the converged infinite-width kernel regression "
            f"(t -> infinity)."]
    ratio = f"{found.f(f['test_ratio_range'][0])} to {found.f(f['test_ratio_range'][1])}"
    if f["test_follows"]:
        text.append(f"The networks' test error follows the prediction from their own start within a factor "
                    f"{found.g(f['follow_factor'])} at every sigma (measured / predicted {ratio}).")
    else:
        text.append(f"Networks' test MSE / predicted: {ratio}.")
    best = (f"The networks' test MSE is lowest at sigma = {found.g(f['best_sigma'])} ({found.sci(f['best_test'])} +- "
            f"{found.sci(f['best_test_se'], 1)})")
    if f["best_at_smallest"]:
        best += ", the smallest sigma tried, apart from the next by its seed error"
    text.append(best + ".")
    if f["small_sigma_slow"]:
        text.append(f"Small sigma fits the training points slowly (train MSE {found.sci(f['net_train'][0])} at sigma "
                    f"{found.g(sig[0])} after {f['steps']} steps)"
                    + (", without a cost in test error here" if f["best_at_smallest"] else "") + ".")
    if f["overfits"]:
        fit = (f" (train MSE at most {found.sci(f['fit_max_train'])} from sigma {found.g(f['fit_from_sigma'])} on)"
               if f["fit_from_sigma"] is not None else "")
        text.append(f"Large sigma overfits: the networks fit the training points{fit} while their test MSE grows to "
                    f"{found.sci(f['peak_test'])} (sigma {found.g(f['peak_sigma'])}; {found.sci(f['net_test'][-1])} at sigma "
                    f"{found.g(sig[-1])}, {found.f(f['largest_over_best'], 0)} times the best).")
    if f["train_slower"]:
        ratios = ", ".join(f"{found.sci(r)} (sigma {found.g(v)})" for v, r in zip(sig, f["train_ratio"])
                           if v in f["train_resolved_sigmas"])
        text.append(f"On the training points the networks are slower than predicted where the prediction is above "
                    f"{found.sci(f['fit_level'])}: measured / predicted train MSE {ratios}.")
    if f["fit_from_sigma"] is not None:
        text.append(f"For sigma >= {found.g(f['fit_from_sigma'])}, where both are below it, the networks' train MSE "
                    f"is {found.sci(f['fit_min_train'])} to {found.sci(f['fit_max_train'])}, "
                    f"the prediction's at most {found.sci(f['pred_train_max_fitted'])}.")
    conv = ", ".join(found.sci(v, 3) for v in f["converged_test"])
    text.append(f"The converged kernel regression's test MSE is {conv}"
                + (" (rising with sigma: a narrower kernel interpolates worse between the training points)"
                   if f["converged_rises_with_sigma"] else "") + ".")
    if f["initial_function_dominates"]:
        text.append(f"At the largest sigma most of the networks' test error is their own random initial function, "
                    f"which training leaves in place between the training points: the prediction from each network's "
                    f"start gives {found.sci(f['pred_test'][-1])}, the ensemble mean from zero {found.sci(f['mean_test'][-1])} "
                    f"({found.f(f['init_ratio'][-1], 1)} times less).")
    return " ".join(text)
