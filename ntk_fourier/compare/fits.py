"""Fits of a quantity against width (or any positive x): the log-log slope with a confidence interval from the
spread over seeds, and the two-term law a x^-1/2 + b x^-1 whose terms are the kernel's fluctuation at initialisation
and its drift / the network's nonlinearity. Used by the compare report and the gallery's findings."""
from __future__ import annotations

import math

import numpy as np
from scipy import stats

LEVEL = 0.95  # confidence level of the intervals


def power_fit(x, y) -> dict:
    """Least-squares slope of log y against log x, for ``y`` of shape (len(x),) or (len(x), seeds). With seeds
    (>= 2), a 95% confidence interval from the spread of the per-seed slopes (Student t); the slope is that of the
    seed mean (intervals at `LEVEL`), ``intercept`` its log-space intercept (the line is exp(intercept) x^slope).
    Also the local slopes between neighbouring x."""
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    mean = y if y.ndim == 1 else y.mean(1)
    lx = np.log(x)
    slope, intercept = (float(v) for v in np.polyfit(lx, np.log(mean), 1))
    out = {"slope": slope, "intercept": intercept, "local_slopes": np.diff(np.log(mean)) / np.diff(lx)}
    if y.ndim == 2 and y.shape[1] >= 2:
        per_seed = np.array([np.polyfit(lx, np.log(y[:, s]), 1)[0] for s in range(y.shape[1])])
        half = float(stats.t.ppf(0.5 + LEVEL / 2, len(per_seed) - 1) * per_seed.std(ddof=1) / math.sqrt(len(per_seed)))
        out.update(low=slope - half, high=slope + half, level=LEVEL, seeds=int(y.shape[1]), per_seed=per_seed)
    out["local_slopes"] = [float(v) for v in out["local_slopes"]]
    if "per_seed" in out:
        out["per_seed"] = [float(v) for v in out["per_seed"]]
    return out


def two_power_fit(x, y) -> dict:
    """Non-negative least squares y ~ a x^-1/2 + b x^-1: the coefficients and each term's share of y at the
    smallest and largest x (which term dominates in the measured range). ``y`` of shape (len(x),) or
    (len(x), seeds): the seed mean is fitted."""
    from scipy.optimize import nnls
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    y = y if y.ndim == 1 else y.mean(1)
    design = np.stack([x ** -0.5, x ** -1.0], 1) / y[:, None]  # relative residuals
    (a, b), _ = nnls(design, np.ones_like(y))
    share = lambda v: float(a * v ** -0.5 / (a * v ** -0.5 + b / v)) if a + b > 0 else float("nan")  # noqa: E731
    return {"a": float(a), "b": float(b), "share_half_low": share(x[0]), "share_half_high": share(x[-1]),
            "max_rel_residual": float(np.max(np.abs(design @ [a, b] - 1)))}


def two_power_curve(fit: dict, x) -> np.ndarray:
    """The fitted law a x^-1/2 + b x^-1 of a `two_power_fit` at ``x``."""
    x = np.asarray(x, float)
    return fit["a"] * x ** -0.5 + fit["b"] / x


def dominant_term(fit: dict) -> str:
    """Which term of a `two_power_fit` is the larger across the measured range: "x^-1/2" or "x^-1" (the larger at
    both ends), or "crossover" (the -1/2 term is the larger at one end only; it grows relative to the other with
    x)."""
    low, high = fit["share_half_low"], fit["share_half_high"]
    if not (math.isfinite(low) and math.isfinite(high)):
        return "undetermined"
    if low > 0.5 and high > 0.5:
        return "x^-1/2"
    if low < 0.5 and high < 0.5:
        return "x^-1"
    return "crossover"


def contains(fit: dict, value: float) -> bool | None:
    """Whether the seed interval of a `power_fit` contains ``value`` (None: no interval, fewer than 2 seeds)."""
    if "low" not in fit or not (math.isfinite(fit["low"]) and math.isfinite(fit["high"])):
        return None
    return bool(fit["low"] <= value <= fit["high"])


EXPECTED = {"kernel": -0.5, "linearization": -1.0}
"""Slopes against width the perturbative theory gives each part of the deviation: the kernel's fluctuation at
initialisation ~ width^-1/2; the kernel's drift during training and the network's nonlinearity ~ width^-1."""
PERTURBATIVE_DRIFT = 1.0  # a width whose NTK moves by this fraction of its size or more: outside the series in 1/width
Z_CONSISTENT = 3.0  # seed mean vs infinite-ensemble mean, in predicted standard deviations: above, inconsistent


def _fit_or_none(fit, widths, values):
    values = np.asarray(values, float)
    ok = np.all(np.isfinite(values) & (values > 0), axis=tuple(range(1, values.ndim)))
    if ok.sum() < 2:
        return None
    return fit(np.asarray(widths, float)[ok], values[ok])


def width_laws(widths, parts: dict, drift=None, z=None) -> dict:
    """How the deviation and its parts fall with width, as the compare report states it.

    ``parts``: name -> values (W,) or (W, S) per seed (``total``, ``kernel``, ``linearization``; any subset);
    ``drift``: the largest relative NTK drift ||K_t - K_0|| / ||K_0|| per width (W,) (None: not recorded);
    ``z``: the seed mean vs infinite-ensemble mean per width (W,).

    Returns (JSON-able): ``fits`` (name -> `power_fit`, with ``expected`` (`EXPECTED` or None) and ``consistent``:
    whether the seed interval contains it (None without seeds), ``contains_other``: whether it also contains the
    other part's exponent, i.e. the data do not tell the two laws apart), ``two_power`` (name -> `two_power_fit` of
    the seed means, with ``dominant``: `dominant_term`), ``linearization_share`` (W,) = linearisation / (kernel +
    linearisation) of the seed means and ``dominant_part`` ("linearization", "kernel" or "mixed" over the widths),
    ``perturbative`` (W,) (drift below `PERTURBATIVE_DRIFT`) and ``fits_perturbative`` (the fits over those widths
    only, when some are left out and two or more remain), ``ensemble_z`` and ``ensemble_inconsistent`` (W,) (z above
    `Z_CONSISTENT`)."""
    widths = [int(w) for w in widths]
    out = {"widths": widths, "expected": dict(EXPECTED), "perturbative_drift": PERTURBATIVE_DRIFT,
           "z_consistent": Z_CONSISTENT}

    def fits_over(keep):
        found = {}
        for name, values in parts.items():
            values = np.asarray(values, float)[keep]
            fit = _fit_or_none(power_fit, np.asarray(widths)[keep], values)
            if fit is None:
                continue
            expected = EXPECTED.get(name)
            fit["expected"] = expected
            fit["consistent"] = None if expected is None else contains(fit, expected)
            others = [v for k, v in EXPECTED.items() if k != name]
            fit["contains_other"] = None if expected is None or "low" not in fit else any(
                contains(fit, v) for v in others)
            found[name] = fit
        return found

    everything = np.ones(len(widths), bool)
    out["fits"] = fits_over(everything)
    out["two_power"] = {}
    for name, values in parts.items():
        fit = _fit_or_none(two_power_fit, widths, values)
        if fit is not None:
            fit["dominant"] = dominant_term(fit)
            out["two_power"][name] = fit
    if "kernel" in parts and "linearization" in parts:
        mean = lambda v: np.asarray(v, float) if np.ndim(v) == 1 else np.asarray(v, float).mean(1)  # noqa: E731
        kernel, linear = mean(parts["kernel"]), mean(parts["linearization"])
        share = linear / (kernel + linear)
        out["linearization_share"] = [float(v) for v in share]
        out["dominant_part"] = ("linearization" if np.all(share > 0.5) else "kernel" if np.all(share < 0.5)
                                else "mixed")
    if drift is not None and all(d is not None for d in drift):
        perturbative = np.asarray(drift, float) < PERTURBATIVE_DRIFT
        out["max_ntk_drift"] = [float(d) for d in drift]
        out["perturbative"] = [bool(p) for p in perturbative]
        if 2 <= perturbative.sum() < len(widths):
            out["fits_perturbative"] = fits_over(perturbative)
    if z is not None:
        out["ensemble_z"] = [float(v) for v in z]
        out["ensemble_inconsistent"] = [bool(v > Z_CONSISTENT) for v in z]
    return out
