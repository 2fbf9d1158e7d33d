"""Whole-image NTK regression by FFT on the grid vs dense kernel regression (`predict` + lstsq)."""
import numpy as np
import pytest

import ntk_fourier as nf
from ntk_fourier.images import regress


def _dense_reference(model, image, lr, steps):
    d = nf.images.split(image)
    K = nf.kernels(model, d["x_train"], execution=nf.QUIET).ntk
    K_all = nf.kernels(model, d["x"], d["x_train"], execution=nf.QUIET).ntk
    p = nf.predict(K, d["y_train"], lr=lr, steps=steps, ntk_test=K_all)
    converged = K_all @ np.linalg.lstsq(K, d["y_train"], rcond=1e-12)[0]
    return np.concatenate([p.f_test, converged[None]]).reshape((len(steps) + 1,) + image.shape)


@pytest.mark.parametrize("mapping", [nf.Mapping("power", features=4, p=1.0), nf.Mapping("basic"),
                                     nf.Mapping("positional", sigma=4.0, features=2)], ids=lambda m: m.kind)
def test_fft_regression_equals_dense_for_periodic_kernels(mapping):
    model = nf.Model(mapping=mapping, depth=2)
    image = nf.images.builtin("hopper", 16)
    r = regress(model, image, steps=[0, 7, 100, np.inf])
    assert r.method == "fft"
    ref = _dense_reference(model, image, r.lr, [0, 7, 100])
    np.testing.assert_allclose(r.images, ref, atol=1e-10 * np.abs(ref).max(), err_msg="FFT vs dense regression")
    np.testing.assert_array_equal(r.images[0], 0.0)  # the infinite-ensemble mean starts at zero
    assert r.psnr_train[2] > r.psnr_train[1] > r.psnr_train[0]  # GD below the stable rate: train error falls


def test_non_stationary_kernels_use_dense_and_refuse_large_images():
    model = nf.Model(mapping=nf.Mapping("none"), depth=1)
    image = nf.images.builtin("mri", 8)
    r = regress(model, image, steps=[0, 5, np.inf])
    assert r.method == "dense"
    np.testing.assert_allclose(r.images, _dense_reference(model, image, r.lr, [0, 5]), rtol=1e-12, atol=1e-14)
    with pytest.raises(nf.InputError, match="not stationary"):
        regress(model, np.zeros((256, 256, 1)), steps=[1])


def test_gaussian_features_are_labelled_approximate():
    r = regress(nf.Model(mapping=nf.Mapping("gaussian", sigma=3.0)), nf.images.builtin("mri", 8), steps=[10])
    assert r.method == "fft-circulant"
