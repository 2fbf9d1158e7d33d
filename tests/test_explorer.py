"""The explorer: its pure computation against second computations (the engine's kernels, the grid spectrum, the
closed-form per-mode decay); the default settings show spectral bias, as the page's hint says; `ntk-fourier explore`
in a fresh process listens on the loopback only, and with --host where asked, with a warning and the websocket origins
set; and the served page driven in headless Chromium (selenium): it loads without console errors and from the local
server only, a control changes the plots, and "Train networks" overlays trained fits."""
import base64
import contextlib
import logging
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pytest

import ntk_fourier as nf
from ntk_fourier.explore import model as explore


# --- the pure computation ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("mapping, activation", [("gaussian", "relu"), ("positional", "erf"), ("power", "gelu"),
                                                 ("basic", "sin"), ("none", "relu"), ("grid", "relu"),
                                                 ("hash", "sin")])
def test_kernel_matches_the_engine(mapping, activation):
    settings = explore.Settings(mapping=mapping, activation=activation, sigma=6.5, features=32, depth=2, omega0=3.0,
                                grid=64, frequencies=(2, 5))
    x = nf.grid((64,))
    ntk, nngp = explore.kernel_matrix(settings.model(), x)
    ref = nf.kernels(settings.model(), x, execution=nf.QUIET)
    np.testing.assert_allclose(ntk, ref.ntk, rtol=1e-11, atol=1e-11 * np.abs(ref.ntk).max())
    np.testing.assert_allclose(nngp, ref.nngp, rtol=1e-11, atol=1e-11 * np.abs(ref.nngp).max())


def test_omega0_is_not_compiled_in():
    """Changing omega0 reuses the compiled kernel and still gives the engine's kernel for the new omega0."""
    base = explore.Settings(mapping="power", activation="sin", features=8, depth=2, grid=64, frequencies=(3,))
    x = nf.grid((64,))
    explore.kernel_matrix(base.model(), x)
    fn = explore._layers_fn.cache_info()
    for omega0 in (1.5, 4.0):
        model = base.replace(omega0=omega0).model()
        ntk, _ = explore.kernel_matrix(model, x)
        ref = nf.kernels(model, x, execution=nf.QUIET).ntk
        np.testing.assert_allclose(ntk, ref, rtol=1e-11, atol=1e-11 * np.abs(ref).max())
    assert explore._layers_fn.cache_info().misses == fn.misses


def test_compute_restores_the_blas_threads():
    found = explore._numpy_openblas()
    if found is None:
        pytest.skip("NumPy does not use its bundled OpenBLAS here")
    get, set_ = found
    before = int(get())
    set_(2)
    try:
        inside = []
        with explore.single_threaded_blas():
            inside.append(int(get()))
        assert inside == [1] and int(get()) == 2
    finally:
        set_(before)


def test_compute_spectrum_and_residuals_follow_the_kernel():
    """Periodic stationary kernel: the spectrum is grid_spectrum's, and the residual at each target frequency on the
    (periodic) training grid decays as (1 - lr lambda_f / n)^t, lambda_f the training NTK's FFT eigenvalue."""
    s = explore.Settings(mapping="power", p=1.0, features=16, depth=3, frequencies="5, 2", grid=128, stride=4,
                         steps=500, records=20, lr_fraction=0.7)
    r = explore.compute(s)
    assert tuple(r["residual_freqs"]) == (2, 5)
    ref = nf.grid_spectrum(s.model(), (128,), execution=nf.QUIET)
    lam_ref = {abs(int(f)): v for f, v in zip(ref.frequencies[:, 0], ref.eigenvalues)}
    np.testing.assert_allclose(r["spectrum"], [lam_ref[int(f)] for f in r["spectrum_freqs"]], rtol=1e-10,
                               atol=1e-12 * ref.eigenvalues[0])
    train = r["train"]
    K_train = nf.kernels(s.model(), r["x"][train][:, None], execution=nf.QUIET).ntk
    lam_train = np.real(np.fft.fft(K_train[0]))
    n = len(train)
    assert np.isclose(r["lr"], 0.7 * 2 * n / lam_train.max(), rtol=1e-10)
    start = np.abs(np.fft.fft(r["y_train"], norm="ortho"))[[2, 5]]
    expected = start * np.abs(1 - r["lr"] * lam_train[[2, 5]] / n) ** r["steps"][:, None]
    np.testing.assert_allclose(r["residuals"], expected, rtol=1e-7, atol=1e-13)
    y = np.sin(2 * np.pi * 2 * r["x"]) / 2 + np.sin(2 * np.pi * 5 * r["x"]) / 2
    np.testing.assert_allclose(r["y"], y, atol=1e-14)
    # the target has only these frequencies and the modes decouple, so by Parseval the whole training residual is
    # theirs (f and -f): sum (f_t - y)^2 over the training points = 2 sum_f |residual_f|^2
    np.testing.assert_allclose(np.sum((r["fit"][:, train] - r["y_train"]) ** 2, axis=1),
                               2 * np.sum(expected ** 2, axis=1), rtol=1e-7, atol=1e-20)
    i0 = int(round(s.x0 * 128))
    np.testing.assert_allclose(r["kernel"], nf.kernels(s.model(), r["x"][[i0]][:, None], r["x"][:, None],
                                                       execution=nf.QUIET).ntk[0], rtol=1e-11)


@pytest.mark.parametrize("change, message", [({"frequencies": "2,x"}, "malformed frequencies"),
                                             ({"frequencies": "40"}, "Nyquist"),
                                             ({"lr_fraction": 1.0}, "lr_fraction"),
                                             ({"sigma": -1.0}, "sigma"),
                                             ({"mapping": "laplacian"}, "unknown mapping")])
def test_bad_settings_are_refused(change, message):
    with pytest.raises(nf.InputError, match=message):
        explore.Settings(grid=128, stride=4, frequencies=(2, 5)).replace(**change)


def _half_step(steps, residual):
    """The first step at which ``residual`` is below half its start (inf: never)."""
    below = residual < residual[0] / 2
    return steps[np.argmax(below)] if below.any() else np.inf


def test_default_settings_show_spectral_bias():
    """What the page's hint says of the default settings (a plain ReLU MLP on raw x): the lowest target frequency is
    learnt first, the highest is still far from learnt at the last step; with Gaussian features it is learnt."""
    from ntk_fourier.explore import app
    s = explore.Settings()
    assert (s.mapping, s.activation) == ("none", "relu")
    r = explore.compute(s)
    low, high = r["residuals"][:, 0], r["residuals"][:, -1]
    assert r["residual_freqs"][0] < r["residual_freqs"][-1]
    assert _half_step(r["steps"], low) < _half_step(r["steps"], high)
    assert low[-1] < 0.01 * low[0]  # learnt
    assert high[-1] > 0.5 * high[0]  # still far from learnt
    gaussian = explore.compute(s.replace(mapping="gaussian"))["residuals"][:, -1]
    assert gaussian[-1] < 0.01 * gaussian[0]
    assert "lowest target frequency is learnt first" in app.HINT and "gaussian" in app.HINT


def test_the_page_opens_with_the_hint_above_the_mapping():
    pytest.importorskip("panel")
    import panel as pn
    from ntk_fourier.explore import app
    view = app.Explorer(explore.Settings(grid=64, stride=4, steps=100, records=10, depth=2, frequencies=(2, 5))).view
    sidebar = view[0]
    hint, mapping = sidebar[1], sidebar[2]
    assert isinstance(hint, pn.pane.Alert) and hint.object == app.HINT
    assert mapping.label == "Mapping" and mapping.value == "none" and "gaussian" in mapping.options


def test_latency_script_runs():
    from benchmarks import explorer_latency
    out = explorer_latency.run(grid=64)
    assert out["updates"] == len(explorer_latency.CHANGES) == 20
    assert 0 < out["median_ms"] <= out["max_ms"]


# --- the page in headless Chromium ---------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def chromium():
    """Paths of (chromium, chromedriver); installs the Debian packages when missing and allowed (root, apt-get)."""
    pytest.importorskip("selenium")
    pytest.importorskip("panel")
    found = shutil.which("chromium"), shutil.which("chromedriver")
    if None in found:
        if not (hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get")):
            pytest.skip("chromium and chromedriver are not installed (Debian: apt-get install chromium "
                        "chromium-driver) and this user cannot install them")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        done = subprocess.run("apt-get update -qq && apt-get install -y -qq chromium chromium-driver", shell=True,
                              env=env, capture_output=True, text=True)
        found = shutil.which("chromium"), shutil.which("chromedriver")
        if done.returncode != 0 or None in found:
            pytest.skip(f"could not install chromium and chromium-driver: {done.stderr.strip()[-300:]}")
    return found


def _free_port() -> int:
    import socket
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# JavaScript helpers: Panel renders widgets inside shadow roots, which document.querySelectorAll does not enter
DEEP = """
const deep = (root, sel, out) => {
  root.querySelectorAll(sel).forEach(e => out.push(e));
  root.querySelectorAll('*').forEach(e => { if (e.shadowRoot) deep(e.shadowRoot, sel, out); });
  return out;
};
"""
SOURCE = ("const doc = window.Bokeh && Bokeh.documents.length ? Bokeh.documents[0] : null;"
          "const m = doc ? doc.get_model_by_name(arguments[0]) : null;"
          "return m ? JSON.parse(JSON.stringify(m.data, (k, v) => ArrayBuffer.isView(v) ? Array.from(v) : v)) : null;")


def _wait(fn, timeout: float, what: str):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = fn()
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


class _Errors(logging.Handler):
    """Collects the server's ERROR log records (exceptions in callbacks are logged, not raised)."""

    def __init__(self):
        super().__init__(logging.ERROR)
        self.records = []

    def emit(self, record):
        self.records.append(self.format(record))


@pytest.fixture(scope="module")
def page(chromium):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from ntk_fourier.explore import app
    errors = _Errors()
    logging.getLogger().addHandler(errors)
    port = _free_port()
    settings = explore.Settings(grid=64, stride=4, steps=100, records=10, features=64, depth=2,
                                frequencies=(2, 5))
    server = app.serve(port=port, open_browser=False, threaded=True, settings=settings)
    options = webdriver.ChromeOptions()
    options.binary_location = chromium[0]
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1000"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=chromium[1]))
    try:
        _wait(lambda: server.is_alive() and _connects(port), 30, "the server")
        driver.get(f"http://127.0.0.1:{port}/")
        _wait(lambda: (driver.execute_script(SOURCE, "fit") or {}).get("y"), 60, "the plots to load")
        yield driver, f"http://127.0.0.1:{port}", errors.records
    finally:
        driver.quit()
        server.stop()
        logging.getLogger().removeHandler(errors)


def _connects(port: int) -> bool:
    import socket
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_page_loads_offline_without_errors(page):
    driver, origin, server_errors = page
    severe = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    assert not severe, severe
    resources = driver.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert resources and all(url.startswith(origin) for url in resources), resources
    data = driver.execute_script(SOURCE, "residuals")
    assert data["label"] == ["f = 2", "f = 5"]
    assert len(driver.execute_script(SOURCE, "kernel")["k"]) == 64
    assert driver.execute_script(DEEP + "return deep(document, '*', []).some(e => e.children.length === 0 && "
                                        "e.textContent.includes('Try first:'));")
    assert not server_errors, server_errors


def test_a_control_changes_the_plots(page):
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import Select
    driver, _, server_errors = page
    before = driver.execute_script(SOURCE, "fit")["y"]
    field = driver.execute_script(DEEP + "return deep(document, 'input', []).find(e => e.value === '2,5');")
    field.clear()
    field.send_keys("3,7" + Keys.ENTER)
    _wait(lambda: driver.execute_script(SOURCE, "residuals")["label"] == ["f = 3", "f = 7"], 30,
          "the residual plot to show the new frequencies")
    assert driver.execute_script(SOURCE, "spectrum-targets")["f"] == [3, 7]
    assert not np.allclose(driver.execute_script(SOURCE, "fit")["y"], before)
    kernel = driver.execute_script(SOURCE, "kernel")["k"]
    select = driver.execute_script(DEEP + "return deep(document, 'select', []).find("
                                          "s => Array.from(s.options).some(o => o.text === 'positional'));")
    Select(select).select_by_visible_text("basic")
    _wait(lambda: not np.allclose(driver.execute_script(SOURCE, "kernel")["k"], kernel), 30,
          "the kernel plot to change with the mapping")
    severe = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    assert not severe, severe
    assert not server_errors, server_errors


def test_train_button_overlays_networks(page):
    driver, _, server_errors = page
    assert driver.execute_script(SOURCE, "networks")["ys"] == []
    width = driver.execute_script(DEEP + "return deep(document, 'input', []).find(e => e.value === '256');")
    width.clear()
    width.send_keys("16\n")
    button = driver.execute_script(DEEP + "return deep(document, 'button', []).find("
                                          "b => b.textContent.trim() === 'Train networks');")
    button.click()
    # the page stays responsive while the networks train (in a background thread): move x0 through its model
    driver.execute_script("const m = Array.from(Bokeh.documents[0]._all_models.values()).find("
                          "m => m.title === 'x0 (kernel row)'); m.value = 0.25; m.value_throttled = 0.25;")
    _wait(lambda: driver.execute_script(SOURCE, "kernel-x0")["x"] == [0.25], 10, "the kernel plot to follow x0")
    assert driver.execute_script(SOURCE, "networks")["ys"] == []  # still training
    data = _wait(lambda: driver.execute_script(SOURCE, "networks")["ys"], 60, "the trained networks' fits")
    assert len(data) == 2 and all(len(y) == 64 for y in data)  # 2 seeds (the default) on the 64-point grid
    assert np.all(np.isfinite(data))
    assert len(driver.execute_script(SOURCE, "network-residuals")["ys"]) == 2  # the target's two frequencies
    assert not server_errors, server_errors


# --- `ntk-fourier explore` in a fresh process ----------------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[1]
LOOPBACK = "127.0.0.1"


def _listening_psutil(pid: int) -> set:
    import psutil
    return {(c.laddr.ip, c.laddr.port) for c in psutil.Process(pid).net_connections(kind="tcp")
            if c.status == psutil.CONN_LISTEN}


def _listening_proc(pid: int) -> set:
    """(ip, port) of the process's listening TCP sockets from /proc: its socket inodes (/proc/PID/fd) looked up in
    /proc/PID/net/tcp and tcp6 (state 0A = LISTEN; addresses in 32-bit words of host byte order)."""
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        with contextlib.suppress(OSError):
            link = os.readlink(f"/proc/{pid}/fd/{fd}")
            if link.startswith("socket:["):
                inodes.add(link[len("socket:["):-1])
    found = set()
    for name, family in (("tcp", socket.AF_INET), ("tcp6", socket.AF_INET6)):
        path = Path(f"/proc/{pid}/net/{name}")
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and fields[9] in inodes:
                ip, port = fields[1].split(":")
                words = [bytes.fromhex(ip[i:i + 8]) for i in range(0, len(ip), 8)]
                packed = b"".join(w[::-1] if sys.byteorder == "little" else w for w in words)
                found.add((socket.inet_ntop(family, packed), int(port, 16)))
    return found


def _listening(pid: int) -> set:
    """(ip, port) of every listening TCP socket of the process: psutil's, checked against /proc's when both exist."""
    try:
        import psutil  # noqa: F401
    except ImportError:
        return _listening_proc(pid)
    found = _listening_psutil(pid)
    if os.path.isdir(f"/proc/{pid}/net"):
        assert _listening_proc(pid) == found
    return found


def _websocket_status(port: int, origin: str) -> int:
    """HTTP status of a websocket handshake on the explorer's /ws from a page at ``origin`` (101: accepted)."""
    key = base64.b64encode(os.urandom(16)).decode()
    request = (f"GET /ws HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nOrigin: http://{origin}\r\n\r\n")
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(request.encode())
        return int(sock.recv(4096).split(b" ")[1])


@contextlib.contextmanager
def _explorer(*args):
    """`python -m ntk_fourier explore --no-browser --port P ARGS` answering HTTP: yields (process, port, stderr), the
    stderr (a list) filled once the process is terminated."""
    pytest.importorskip("panel")
    port, stderr = _free_port(), []
    proc = subprocess.Popen([sys.executable, "-m", "ntk_fourier", "explore", "--no-browser", "--port", str(port),
                             *args], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)

    def answers():
        assert proc.poll() is None, proc.communicate()[1]
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/favicon.ico", timeout=5).close()
        except urllib.error.HTTPError:
            return True
        except OSError:
            return False
        return True

    try:
        _wait(answers, 60, "the explorer to answer")
        yield proc, port, stderr
    finally:
        proc.terminate()
        try:
            stderr.append(proc.communicate(timeout=30)[1])
        except subprocess.TimeoutExpired:
            proc.kill()
            stderr.append(proc.communicate()[1])


def test_explore_listens_on_the_loopback_only():
    with _explorer() as (proc, port, stderr):
        listening = _listening(proc.pid)
        assert (LOOPBACK, port) in listening
        assert all(ip in (LOOPBACK, "::1") for ip, _ in listening), listening
        assert _websocket_status(port, f"127.0.0.1:{port}") == 101
        assert _websocket_status(port, f"localhost:{port}") == 101
        assert _websocket_status(port, f"evil.example:{port}") == 403
    assert f"explorer at http://127.0.0.1:{port} " in stderr[0]
    assert "warning" not in stderr[0]


def test_explore_host_opens_it_with_a_warning():
    name = socket.gethostname()
    with _explorer("--host", "0.0.0.0") as (proc, port, stderr):
        assert _listening(proc.pid) == {("0.0.0.0", port)}
        assert _websocket_status(port, f"{name}:{port}") == 101  # a page opened with the machine's name
        assert _websocket_status(port, f"0.0.0.0:{port}") == 101
        assert _websocket_status(port, f"evil.example:{port}") == 403
    lines = stderr[0].splitlines()
    assert f"ntk-fourier: explorer at http://{name}:{port} (Ctrl-C to stop)" in lines
    warning = [line for line in lines if line.startswith("ntk-fourier: warning:")]
    assert len(warning) == 1 and f"0.0.0.0:{port}" in warning[0] and "no authentication" in warning[0], lines

