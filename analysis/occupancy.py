"""A 3D coordinate task at CPU scale: the occupancy of two linked tori in [0, 1]^3, learned from random points with
raw coordinates, the positional encoding, Gaussian Fourier features and SIREN. Intersection over union (IoU) of the
predicted solid (output > 0.5) with the true one on held-out random points: NTK regression (ridge 1e-3 of the
kernel's mean diagonal, converged) against trained networks (Adam, the images' protocol).
"""
from __future__ import annotations

import numpy as np

import ntk_fourier as nf

MODELS = {"none": nf.Model(mapping=nf.Mapping("none")),
          "positional": nf.Model(mapping=nf.Mapping("positional", sigma=8.0, features=8)),
          "gaussian": nf.Model(mapping=nf.Mapping("gaussian", sigma=2.0, features=256)),
          "siren": nf.siren_model()}
TORI = (((0.5, 0.5, 0.5), (0.0, 0.0, 1.0)), ((0.75, 0.5, 0.5), (0.0, 1.0, 0.0)))  # (centre, axis): linked rings
RADII = (0.22, 0.09)  # ring radius, tube radius


def occupancy(points: np.ndarray) -> np.ndarray:
    """1 inside either torus of `TORI`, else 0."""
    inside = np.zeros(len(points), bool)
    for centre, axis in TORI:
        d = points - np.array(centre)
        along = d @ np.array(axis)
        radial = np.linalg.norm(d - np.outer(along, axis), axis=1)
        inside |= (radial - RADII[0]) ** 2 + along ** 2 <= RADII[1] ** 2
    return inside.astype(np.float64)


def iou(prediction: np.ndarray, truth: np.ndarray) -> float:
    p, t = prediction > 0.5, truth > 0.5
    return float(np.sum(p & t) / max(np.sum(p | t), 1))


def run(quick: bool = False) -> tuple[dict, dict]:
    n, m = (1024, 2048) if quick else (4096, 8192)
    width, steps, seeds = (64, 300, 1) if quick else (256, 2000, 2)
    rng = np.random.default_rng(0)
    x_train, x_test = rng.uniform(0.05, 0.95, (n, 3)), rng.uniform(0.05, 0.95, (m, 3))
    y_train, y_test = occupancy(x_train), occupancy(x_test)
    arrays = {"x_test": x_test, "y_test": y_test}
    meta = {"labels": list(MODELS), "n": n, "m": m, "width": width, "steps": steps, "seeds": seeds,
            "occupied_fraction": float(y_test.mean()), "iou_kernel": {}, "iou_trained": {}}
    for label, model in MODELS.items():
        k_train = nf.kernels(model, x_train, show_progress=False).ntk
        k_test = nf.kernels(model, x_test, x_train, show_progress=False).ntk
        ridge = 1e-3 * np.mean(np.diag(k_train))
        f_kernel = k_test @ np.linalg.solve(k_train + ridge * np.eye(n), y_train)
        siren = label == "siren"
        scale = (lambda v: 2.0 * v - 1.0) if siren else (lambda v: v)  # noqa: E731  SIREN on [-1, 1], as in images
        run = nf.train(model.replace(width=width), scale(x_train), y_train, scale(x_test), y_test,
                       lr=1e-4 if siren else 1e-3, steps=[0, steps], seeds=seeds, optimizer="adam",
                       show_progress=False)
        f_trained = run.f_test[-1][:, :, 0]  # (seeds, m)
        arrays[f"kernel_{label}"], arrays[f"trained_{label}"] = f_kernel, f_trained[0]
        meta["iou_kernel"][label] = iou(f_kernel, y_test)
        meta["iou_trained"][label] = float(np.mean([iou(f, y_test) for f in f_trained]))
    return arrays, meta
