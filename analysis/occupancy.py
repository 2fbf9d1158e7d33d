"""A 3D coordinate task at CPU scale: the occupancy of two linked tori in [0, 1]^3, learned from random points with
raw coordinates, the positional encoding, Gaussian Fourier features and SIREN. Intersection over union (IoU) of the
predicted solid (output > 0.5) with the true one on held-out random points: NTK regression (ridge 1e-3 of the
kernel's mean diagonal, converged; for several draws of the training points) against trained networks (full-batch
Adam on the first draw, several seeds trained together).
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
RIDGE = 1e-3  # of the kernel's mean diagonal
SETTINGS = {
    "quick": {"n": 1024, "m": 2048, "draws": 2, "width": 64, "steps": 300, "seeds": 2, "lr": 3e-3, "siren_lr": 1e-3},
    "full": {"n": 2048, "m": 4096, "draws": 2, "width": 96, "steps": 1000, "seeds": 2, "lr": 3e-3,
             "siren_lr": 1e-3},
    "paper": {"n": 4096, "m": 8192, "draws": 1, "width": 256, "steps": 2000, "seeds": 2, "lr": 1e-3,
              "siren_lr": 1e-4},
}


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


def points(n: int, m: int, draws: int) -> tuple[list, np.ndarray]:
    """(training points of each draw ``(n, 3)``, the held-out points ``(m, 3)``), uniform in [0.05, 0.95]^3; draw 0
    and the held-out points from seed 0 (as the networks'), draw k > 0 from seed 1000 + k."""
    rng = np.random.default_rng(0)
    first, x_test = rng.uniform(0.05, 0.95, (n, 3)), rng.uniform(0.05, 0.95, (m, 3))
    return [first] + [np.random.default_rng(1000 + k).uniform(0.05, 0.95, (n, 3)) for k in range(1, draws)], x_test


def run(*, n: int, m: int, draws: int, width: int, steps: int, seeds: int, lr: float, siren_lr: float
        ) -> tuple[dict, dict]:
    """Outputs on the held-out points: ``kernel_LABEL (draws, m)`` of NTK regression on each draw of ``n`` training
    points, ``trained_LABEL (seeds, m)`` of networks of ``width`` after ``steps`` Adam steps on draw 0 (rate ``lr``;
    SIREN ``siren_lr``, on coordinates scaled to [-1, 1] as in the images)."""
    x_trains, x_test = points(n, m, draws)
    y_test = occupancy(x_test)
    arrays = {"x_test": x_test, "y_test": y_test}
    for label, model in MODELS.items():
        outputs = []
        for x_train in x_trains:
            k = nf.kernels(model, np.concatenate([x_train, x_test]), x_train, execution=nf.QUIET).ntk
            k_train, k_test = k[:n], k[n:]
            ridge = RIDGE * np.mean(np.diag(k_train))
            outputs.append(k_test @ np.linalg.solve(k_train + ridge * np.eye(n), occupancy(x_train)))
        arrays[f"kernel_{label}"] = np.array(outputs)
        siren = label == "siren"
        scale = (lambda v: 2.0 * v - 1.0) if siren else (lambda v: v)  # noqa: E731  SIREN on [-1, 1], as in images
        run = nf.train(model.replace(width=width), scale(x_trains[0]), occupancy(x_trains[0]), scale(x_test), y_test,
                       lr=siren_lr if siren else lr, steps=[0, steps], seeds=seeds, optimizer="adam",
                       execution=nf.QUIET)
        arrays[f"trained_{label}"] = run.f_test[-1][:, :, 0]  # (seeds, m)
    meta = {"labels": list(MODELS), "models": MODELS, "n": n, "m": m, "draws": draws, "width": width,
            "depth": MODELS["none"].depth, "steps": steps, "seeds": seeds, "lr": lr, "siren_lr": siren_lr,
            "ridge": RIDGE, "optimizer": "adam", "occupied_fraction": float(y_test.mean())}
    return arrays, meta
