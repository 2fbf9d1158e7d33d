"""Figure: deviation of trained networks from their NTK prediction vs width (log-log, seeds, fitted slope)."""
from __future__ import annotations

from figures import findings as fd, style

ANALYSIS = "width_sweep"
ORDER = 110
CLAIMS = {"quick": {"shrinks": True}, "full": {"shrinks": True, "consistent_with_theory": True}}
THEORY = -0.5  # the infinite-width theory's exponent (Lee et al. 2019)


def findings(arrays: dict, meta: dict) -> dict:
    widths = arrays["widths"]
    train, test = fd.power_fit(widths, arrays["deviation"]), fd.power_fit(widths, arrays["deviation_test"])
    return {"depth": meta["model"]["depth"], "sigma": meta["model"]["mapping"]["sigma"], "seeds": meta["seeds"],
            "widths": [int(w) for w in widths], "n_train": meta["n_train"], "theory": THEORY,
            "train": train, "test": test, "mean_train": arrays["deviation"].mean(1),
            "shrinks": bool(train["high"] < 0),
            "consistent_with_theory": bool(train["low"] <= THEORY <= train["high"]),
            "test_consistent_with_theory": bool(test["low"] <= THEORY <= test["high"])}


def draw(arrays: dict, meta: dict, f: dict):
    plt = style.plt
    with plt.rc_context(style.RC):
        fig, ax = plt.subplots(figsize=(4.8, 3.5))
        style.deviation_vs_width(ax, arrays["widths"], arrays["deviation"], fit=f["train"], label="train")
        style.deviation_vs_width(ax, arrays["widths"], arrays["deviation_test"], fit=f["test"], label="test",
                                 marker="s", filled=False, reference=f["theory"])
        ax.set_ylabel("relative deviation from the NTK prediction")
        ax.legend(frameon=False, fontsize=7)
    return fig


def caption(f: dict) -> str:
    train, test = f["train"], f["test"]
    locals_ = ", ".join(fd.f(v) for v in train["local_slopes"])
    text = (f"**Deviation from the NTK prediction vs width.** At each width {', '.join(map(str, f['widths']))}, "
            f"{f['seeds']} networks (Gaussian features sigma {fd.g(f['sigma'])}, {f['depth']} hidden ReLU "
            f"layer{'s' if f['depth'] > 1 else ''}) trained by gradient descent on the 1D 1/f problem "
            f"({f['n_train']} training points), each compared with the NTK prediction started from its own outputs "
            f"at step 0: the largest relative gap over training, max_t ||f_net - f_NTK|| / ||y - f_net(0)||; "
            f"markers are seed means with the standard error of the mean, lines the fits. Fitted log-log slope "
            f"{fd.interval(train)} on training points and {fd.interval(test)} on test points; between neighbouring "
            f"widths the training slope is {locals_}.")
    if f["consistent_with_theory"]:
        text += (f" The training interval contains the infinite-width theory's {fd.g(f['theory'])} (dotted), so "
                 "the measured slope is consistent with it.")
    elif f["shrinks"]:
        text += (f" The deviation shrinks with width, but the training interval excludes the theory's "
                 f"{fd.g(f['theory'])} (dotted).")
    else:
        text += " The interval does not exclude zero: over these widths the deviation is not shown to shrink."
    return text
