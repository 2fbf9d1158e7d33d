"""Run by tests/test_devices.py in a fresh process with N virtual CPU devices (XLA_FLAGS set before JAX starts):
every sharded routine against the same routine on one device (mesh=None), in one process. Prints one JSON object:
name -> largest relative difference (max |a - b| / max |b|), plus "devices": the mesh size."""
import json
import sys

import numpy as np

import ntk_fourier as nf
from ntk_fourier import datasets, devices
from ntk_fourier.images import grid_regression

mesh = devices.mesh()
rng = np.random.default_rng(0)
out = {"devices": devices.size(mesh)}


def on(mesh, tile=None):
    """The execution on ``mesh`` (None: one device), quiet."""
    return nf.Execution(mesh=mesh, tile=tile, progress=False)


def rel(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))


models = {"gaussian": nf.Model(mapping=nf.Mapping("gaussian", sigma=4.0, features=32, seed=1), depth=3),
          "raw-relu": nf.Model(mapping=nf.Mapping("none"), depth=2),
          "siren": nf.siren_model(depth=2)}
x = rng.uniform(size=(203, 2))
xs = rng.uniform(size=(57, 2))
V = rng.standard_normal((203, 6))
for name, model in models.items():
    one, many = (nf.kernels(model, x, execution=on(m, 64)) for m in (None, mesh))
    out[f"dense/{name}"] = max(rel(many.ntk, one.ntk), rel(many.nngp, one.nngp))
    one, many = (nf.kernels(model, xs, x, execution=on(m, 64)) for m in (None, mesh))
    out[f"dense-rect/{name}"] = max(rel(many.ntk, one.ntk), rel(many.nngp, one.nngp))
    op = nf.KernelOperator(model, x, execution=on(mesh, 48))
    assert op.sharded is not None
    out[f"product/{name}"] = rel(op @ V, nf.KernelOperator(model, x, execution=on(None, 48)) @ V)
    out[f"product-rect/{name}"] = rel(nf.KernelOperator(model, xs, x2=x, execution=on(mesh, 48)) @ V,
                                      nf.KernelOperator(model, xs, x2=x, execution=on(None, 48)) @ V)

model = models["gaussian"]
e1, e4 = (nf.top_eigenpairs_points(model, x, 8, tol=1e-10, execution=on(m, 48)) for m in (None, mesh))
out["lanczos/values"] = rel(e4.values, e1.values)
out["lanczos/vectors"] = rel(np.abs(e4.vectors), np.abs(e1.vectors))
y = np.sin(6 * x[:, :1]) + x[:, 1:] ** 2
r1, r4 = (nf.regress_points(model, x, y, x_test=xs, ridge=0.1, tol=1e-12, execution=on(m, 48))
          for m in (None, mesh))
out["cond"] = float((e1.values[0] + 0.1) / 0.1)  # bound on cond(K + ridge I)
out["cg/alpha"], out["cg/f_test"] = rel(r4.alpha, r1.alpha), rel(r4.f_test, r1.f_test)
p1, p4 = (nf.regress_points(model, x, y, x_test=xs, ridge=0.1, tol=1e-12, eigenpairs=(e.values, e.vectors),
                            execution=on(m, 48)) for m, e in ((None, e1), (mesh, e4)))
out["deflated-cg/f_test"] = rel(p4.f_test, p1.f_test)
g1, g4 = (nf.grid_spectrum(model, (24, 20), execution=on(m)) for m in (None, mesh))
out["grid/eigenvalues"] = rel(g4.eigenvalues, g1.eigenvalues)
t1, t4 = (nf.top_eigenpairs(model, (32, 32), 6, execution=on(m))[0] for m in (None, mesh))
out["grid-top/eigenvalues"] = rel(t4, t1)
image = rng.uniform(size=(16, 16, 3))
i1, i4 = (grid_regression.regress(model, image, steps=(0, 10, np.inf), execution=on(m)).images for m in (None, mesh))
out["image-regression"] = rel(i4, i1)
d = datasets.one_over_f(n=64, stride=2)
net = nf.Model(mapping=nf.Mapping("gaussian", sigma=3.0, features=16), depth=2, width=32)
for optimizer in ("gd", "adam"):
    a, b = (nf.train(net, d["x_train"], d["y_train"], d["x_test"], d["y_test"], lr=0.1, steps=[0, 5, 20], seeds=3,
                     optimizer=optimizer, dtype=np.float64, record_ntk=True, execution=on(m))
            for m in (None, mesh))
    out[f"train-{optimizer}/f_train"] = rel(b.f_train, a.f_train)
    out[f"train-{optimizer}/f_test"] = rel(b.f_test, a.f_test)
    out[f"train-{optimizer}/ntk"] = rel(b.ntk, a.ntk)
    assert b.f_train.shape == a.f_train.shape
c1, c4 = (nf.cross_check(net, d, [16, 32], seeds=2, lr=0.5, steps=[0, 5, 20], dtype=np.float64,
                         execution=on(m)) for m in (None, mesh))
out["cross-check/deviation"] = rel([c.deviation for c in c4.checks], [c.deviation for c in c1.checks])
json.dump(out, sys.stdout)
