"""The explorer's Panel app: controls on the left, four Bokeh plots on the right, all drawn from `model.compute`.

Works offline: Panel and Bokeh serve their JavaScript and CSS from the Python wheels through the local server (no
CDN, no internet access needed). Every browser tab is its own session with its own settings.

Views: the NTK row k(x0, x) (a shift of k(0, x) when the kernel is stationary), its spectrum by grid frequency (log
scale, target frequencies marked), the predicted training residual at each target frequency against the step (log
axes) and the predicted fit f_t(x) over the target, with a player over the recorded steps. "Train networks" trains
finite networks (`model.train_networks`) in a background thread, the page staying responsive, and overlays their
fits and residuals (dashed). The Bokeh data sources are named (see `SOURCES`) so they can be read from the page.
It opens on a plain ReLU MLP (mapping none), which shows spectral bias, with a line saying what to try first (`HINT`).

`serve` listens on 127.0.0.1 (this machine only) unless given another ``host``.
"""
from __future__ import annotations

import ipaddress
import socket
import sys
import threading
import time

import numpy as np

from ntk_fourier.errors import InputError
from ntk_fourier.explore import model
from ntk_fourier.extras import require
from ntk_fourier.model import points

# name of each ColumnDataSource in the page -> what it holds
SOURCES = {
    "kernel": "x, k = NTK k(x0, x), nngp",
    "kernel-x0": "the point x0",
    "spectrum": "f, lam: the NTK's spectrum by grid frequency",
    "spectrum-targets": "f, lam at the target frequencies",
    "residuals": "xs (steps), ys (|residual|), label, color: one line per target frequency",
    "network-residuals": "the same for the trained networks' mean fit",
    "target": "x, y: the target on the whole grid",
    "train": "x, y: the training points",
    "fit": "x, y: the predicted fit at the player's step",
    "networks": "xs, ys, seed: the trained networks' fits at the player's step",
}
# what to try first, true of the default settings (checked by the tests from `model.compute`)
HINT = ("**Try first:** press Play under the fit. On raw coordinates (Mapping none) the lowest target frequency is "
        "learnt first and the highest is still far from learnt at the last step. Then choose Mapping *gaussian* "
        "(Fourier features) and compare.")
LOOPBACK = "127.0.0.1"
COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf")


def _options(choices: list, value) -> list:
    return sorted(set(choices) | {value})


def _figure(title: str, **kwargs):
    from bokeh.plotting import figure
    fig = figure(title=title, height=310, sizing_mode="stretch_width", tools="pan,wheel_zoom,box_zoom,reset,save",
                 **kwargs)
    fig.toolbar.logo = None
    return fig


def _source(name: str, **columns):
    from bokeh.models import ColumnDataSource
    return ColumnDataSource(data=columns, name=name)


class Explorer:
    """One session's app: widgets, figures and their sources. `view` is the Panel layout."""

    def __init__(self, settings: model.Settings | None = None):
        pn = require("explore", "panel")
        self.settings = settings or model.Settings()
        self.result: dict | None = None
        self.networks: dict | None = None  # last training, for the settings in self.network_settings
        self.network_settings = None
        self._doc = None
        s = self.settings
        w = pn.widgets
        self.controls = {
            "mapping": w.Select(label="Mapping", options=list(model.MAPPINGS), value=s.mapping),
            "sigma": w.FloatSlider(label="sigma (frequency scale)", start=0.5, end=64.0, step=0.5, value=s.sigma),
            "p": w.FloatSlider(label="p (power mapping exponent)", start=0.0, end=4.0, step=0.1, value=s.p),
            "features": w.IntSlider(label="features", start=1, end=512, step=1, value=s.features),
            "depth": w.IntSlider(label="depth (hidden layers)", start=1, end=8, value=s.depth),
            "activation": w.Select(label="Activation", options=list(model.ACTIVATIONS), value=s.activation),
            "omega0": w.FloatSlider(label="omega0 (sin activation)", start=0.5, end=60.0, step=0.5, value=s.omega0),
            "lr_fraction": w.FloatSlider(label="learning rate / largest stable", start=0.01, end=0.99, step=0.01,
                                         value=s.lr_fraction),
            "frequencies": w.TextInput(label="Target frequencies", value=",".join(map(str, s.frequencies))),
            "grid": w.Select(label="Grid points", options=_options([64, 128, 256], s.grid), value=s.grid, width=140),
            "stride": w.Select(label="Train on every", options=_options([2, 4, 8], s.stride), value=s.stride,
                               width=140),
            "steps": w.Select(label="Steps", options=_options([100, 1000, 2000, 10000, 100000], s.steps),
                              value=s.steps),
            "x0": w.FloatSlider(label="x0 (kernel row)", start=0.0, end=1.0, step=1.0 / 256, value=s.x0),
        }
        for key, widget in self.controls.items():
            sliding = isinstance(widget, (w.FloatSlider, w.IntSlider))
            widget.param.watch(lambda event, key=key: self._changed(key, event.new),
                               "value_throttled" if sliding else "value")
        self.width = w.IntInput(label="Network width", value=256, start=1, step=64, width=120)
        self.seeds = w.IntInput(label="Seeds", value=2, start=1, end=16, width=80)
        self.train_button = w.Button(label="Train networks", color="primary", width=140, align="end")
        self.train_button.on_click(self._train_clicked)
        self.progress = pn.indicators.Progress(active=False, value=0, max=100, width=160, visible=False,
                                               align="center")
        self.net_status = pn.pane.Markdown("", sizing_mode="stretch_width")
        self.status = pn.pane.Markdown("", sizing_mode="stretch_width")
        self.hint = pn.pane.Alert(HINT, alert_type="info", sizing_mode="stretch_width")
        self.error = pn.pane.Alert("", alert_type="danger", visible=False, sizing_mode="stretch_width")
        self.player = w.Player(label="step", start=0, end=1, value=1, interval=150, loop_policy="once",
                               show_value=False, show_loop_controls=False, sizing_mode="stretch_width",
                               visible_buttons=["first", "previous", "reverse", "pause", "play", "next", "last"])
        self.player.param.watch(lambda event: self._show_step(), "value")
        self._build_figures()
        self._enable_controls()
        self._update()
        self.view = self._layout()

    # --- figures -------------------------------------------------------------------------------------------------
    def _build_figures(self):
        import panel as pn
        from bokeh.models import Span
        empty = lambda *names: {name: [] for name in names}  # noqa: E731
        self.sources = {
            "kernel": _source("kernel", **empty("x", "k", "nngp")),
            "kernel-x0": _source("kernel-x0", **empty("x", "k")),
            "spectrum": _source("spectrum", **empty("f", "lam")),
            "spectrum-targets": _source("spectrum-targets", **empty("f", "lam")),
            "residuals": _source("residuals", **empty("xs", "ys", "label", "color")),
            "network-residuals": _source("network-residuals", **empty("xs", "ys", "label", "color")),
            "target": _source("target", **empty("x", "y")),
            "train": _source("train", **empty("x", "y")),
            "fit": _source("fit", **empty("x", "y")),
            "networks": _source("networks", **empty("xs", "ys", "seed")),
        }
        src = self.sources
        k = _figure("NTK k(x0, x)", x_axis_label="x")
        k.line("x", "k", source=src["kernel"], line_width=2, legend_label="NTK")
        k.line("x", "nngp", source=src["kernel"], line_dash="dashed", color="gray", legend_label="NNGP")
        k.scatter("x", "k", source=src["kernel-x0"], size=8, color="black")
        k.legend.location = "top_left"
        spec = _figure("NTK spectrum by frequency (grid)", y_axis_type="log", x_axis_label="frequency f",
                       y_axis_label="lambda_f")
        spec.line("f", "lam", source=src["spectrum"], line_width=2)
        spec.scatter("f", "lam", source=src["spectrum-targets"], size=10, color="#d62728",
                     legend_label="target frequencies")
        res = _figure("Training residual per target frequency", y_axis_type="log", x_axis_type="log",
                      x_axis_label="step", y_axis_label="|residual_f|")
        res.multi_line("xs", "ys", source=src["residuals"], color="color", line_width=2, legend_field="label")
        res.multi_line("xs", "ys", source=src["network-residuals"], color="color", line_dash="dashed",
                       line_width=1.5, legend_label="networks (mean fit)")
        res.legend.location = "bottom_left"
        self.step_marker = Span(location=1, dimension="height", line_color="gray", line_dash="dotted")
        res.add_layout(self.step_marker)
        fit = _figure("Predicted fit", x_axis_label="x")
        fit.line("x", "y", source=src["target"], color="lightgray", line_width=4, legend_label="target")
        fit.multi_line("xs", "ys", source=src["networks"], color="#ff7f0e", line_alpha=0.7, line_dash="dashed",
                       legend_label="networks")
        fit.line("x", "y", source=src["fit"], color="#1f77b4", line_width=2, legend_label="NTK prediction")
        fit.scatter("x", "y", source=src["train"], color="black", size=5, legend_label="training points")
        fit.legend.location = "bottom_left"
        for f in (k, spec, res, fit):
            f.legend.click_policy, f.legend.background_fill_alpha = "hide", 0.6
        self.figures = {"kernel": k, "spectrum": spec, "residuals": res, "fit": fit}
        self.panes = {name: pn.pane.Bokeh(f, sizing_mode="stretch_width") for name, f in self.figures.items()}

    def _layout(self):
        import panel as pn
        c = self.controls
        sidebar = pn.Column(
            pn.pane.Markdown("## NTK explorer\nInfinite-width NTK of a coordinate MLP with Fourier features and its "
                             "gradient-descent dynamics on a sum of sines."),
            self.hint, c["mapping"], c["sigma"], c["p"], c["features"], c["depth"], c["activation"], c["omega0"],
            c["lr_fraction"], c["frequencies"], pn.Row(c["grid"], c["stride"]), c["steps"], c["x0"],
            self.error, self.status,
            width=330,
        )
        networks = pn.Row(self.width, self.seeds, self.train_button, self.progress, self.net_status,
                          sizing_mode="stretch_width")
        plots = pn.Column(
            pn.Row(self.panes["kernel"], self.panes["spectrum"], sizing_mode="stretch_width"),
            pn.Row(self.panes["residuals"], pn.Column(self.panes["fit"], self.player, sizing_mode="stretch_width"),
                   sizing_mode="stretch_width"),
            networks,
            sizing_mode="stretch_width",
        )
        return pn.Row(sidebar, plots, sizing_mode="stretch_width")

    # --- updates -------------------------------------------------------------------------------------------------
    def _changed(self, key: str, value):
        """A control moved: settings from every control's current value (so a combination refused now, e.g. a
        target frequency above a coarser grid's Nyquist limit, is taken up once another control fixes it)."""
        values = {name: widget.value for name, widget in self.controls.items()}
        try:
            settings = model.Settings(**values, records=self.settings.records)
        except InputError as err:
            self.error.object, self.error.visible = str(err), True
            return
        self.settings = settings
        self._enable_controls()
        self._update()

    def _enable_controls(self):
        """Disable the controls the current mapping / activation ignores."""
        kind, c = self.settings.mapping, self.controls
        c["sigma"].disabled = kind not in ("gaussian", "positional")
        c["p"].disabled = kind != "power"
        c["features"].disabled = kind in ("none", "basic", "grid", "hash")
        c["omega0"].disabled = self.settings.activation != "sin"

    def _update(self):
        import panel as pn
        with pn.io.unlocked():  # Bokeh models changed from a Panel callback: dispatch the changes (Panel's way)
            self._recompute()

    def _recompute(self):
        start = time.perf_counter()
        try:
            r = model.compute(self.settings)
        except InputError as err:
            self.error.object, self.error.visible = str(err), True
            return
        ms = 1e3 * (time.perf_counter() - start)
        self.error.visible = False
        self.result = r
        if self.networks is not None and self.network_settings != self.settings.replace(x0=0.0):
            self.networks, self.net_status.object = None, ""  # trained for other settings
        src = self.sources
        src["kernel"].data = {"x": r["x"], "k": r["kernel"], "nngp": r["kernel_nngp"]}
        i0 = int(np.argmin(np.abs(r["x"] - r["x0"])))
        src["kernel-x0"].data = {"x": [r["x0"]], "k": [r["kernel"][i0]]}
        self.figures["kernel"].title.text = f"NTK k(x0, x), x0 = {float(r['x0']):.4g}"
        floor = float(np.max(r["spectrum"])) * 1e-16
        lam = np.maximum(r["spectrum"], floor)
        src["spectrum"].data = {"f": r["spectrum_freqs"], "lam": lam}
        targets = r["residual_freqs"].astype(int)
        src["spectrum-targets"].data = {"f": r["spectrum_freqs"][targets], "lam": lam[targets]}
        src["target"].data = {"x": r["x"], "y": r["y"]}
        src["train"].data = {"x": r["x_train"], "y": r["y_train"]}
        src["residuals"].data = self._residual_lines(r["steps"], r["residuals"])
        T = len(r["steps"])
        keep = self.player.end == T - 1  # same recorded steps: stay at the player's step
        self.player.param.update(end=T - 1, value=self.player.value if keep else T - 1)
        self._show_networks()
        self._show_step()
        kind = "periodic stationary" if r["periodic"] else ("stationary" if r["stationary"] else "non-stationary")
        self.status.object = (f"lr = {float(r['lr']):.4g} (largest stable {float(r['lr_max']):.4g}); "
                              f"kernel {kind}; updated in {ms:.0f} ms")

    def _residual_lines(self, steps, residuals):
        keep = steps >= 1  # log axis
        freqs = self.result["residual_freqs"].astype(int)
        return {"xs": [steps[keep]] * len(freqs),
                "ys": [np.maximum(residuals[keep, j], model.RESIDUAL_FLOOR) for j in range(len(freqs))],
                "label": [f"f = {f}" for f in freqs],
                "color": [COLORS[j % len(COLORS)] for j in range(len(freqs))]}

    def _show_step(self):
        import panel as pn
        with pn.io.unlocked():
            self._draw_step()

    def _draw_step(self):
        r = self.result
        if r is None:
            return
        t = min(int(self.player.value), len(r["steps"]) - 1)
        step = int(r["steps"][t])
        self.sources["fit"].data = {"x": r["x"], "y": r["fit"][t]}
        self.step_marker.location = max(step, 1)
        self.figures["fit"].title.text = f"Predicted fit at step {step} (test MSE {r['mse_test'][t]:.3g})"
        if self.networks is not None and t < len(self.networks["steps"]):
            fits = self.networks["fit"][t]
            self.sources["networks"].data = {"xs": [r["x"]] * len(fits), "ys": list(fits),
                                             "seed": list(range(len(fits)))}

    def _show_networks(self):
        r, nets = self.result, self.networks
        if nets is None:
            self.sources["networks"].data = {"xs": [], "ys": [], "seed": []}
            self.sources["network-residuals"].data = {"xs": [], "ys": [], "label": [], "color": []}
            return
        train = r["train"]
        mean_fit = nets["fit"].mean(axis=1)  # (T, n)
        found = points.fourier_residuals(r["x_train"][:, None], (mean_fit[:, train] - r["y_train"])[:, :, None])
        freqs, spectrum = found
        pick = [int(np.flatnonzero(freqs[:, 0] == f)[0]) for f in r["residual_freqs"].astype(int)]
        self.sources["network-residuals"].data = self._residual_lines(nets["steps"], spectrum[:, pick, 0])

    # --- finite networks (background thread) ----------------------------------------------------------------------
    def _train_clicked(self, event):
        import panel as pn
        if self.progress.visible:
            return  # already training
        self._doc = pn.state.curdoc
        settings, width, seeds = self.settings, int(self.width.value), int(self.seeds.value)
        self.train_button.disabled = True
        self.progress.visible, self.progress.active, self.progress.value = True, True, -1
        self.net_status.object = f"training {seeds} network(s) of width {width}..."
        threading.Thread(target=self._train, args=(settings, width, seeds), daemon=True).start()

    def _train(self, settings, width, seeds):
        try:
            result, message = model.train_networks(settings, width=width, seeds=seeds), None
        except Exception as err:  # shown in the page; the thread must not die silently
            result, message = None, f"training failed: {err}"
        self._on_doc(lambda: self._trained(settings, result, message))

    def _on_doc(self, fn):
        """Run ``fn`` on the session's document (the Bokeh-safe way to update it from another thread)."""
        if self._doc is not None and getattr(self._doc, "session_context", None) is not None:
            self._doc.add_next_tick_callback(fn)
        else:
            fn()

    def _trained(self, settings, result, message):
        self.train_button.disabled = False
        self.progress.visible, self.progress.active = False, False
        if result is None:
            self.net_status.object = message
            return
        if settings.replace(x0=0.0) != self.settings.replace(x0=0.0):
            self.net_status.object = "the settings changed during training: train again"
            return
        self.networks, self.network_settings = result, settings.replace(x0=0.0)
        mse = result["mse_test"][-1]
        self.net_status.object = (f"{mse.size} network(s) trained in {float(result['seconds']):.1f} s; final test "
                                  f"MSE {np.mean(mse):.3g} (NTK prediction {self.result['mse_test'][-1]:.3g})")
        self._show_networks()
        self._show_step()


def create_app(settings: model.Settings | None = None):
    """A new explorer session's layout (a Panel object)."""
    pn = require("explore", "panel")
    pn.extension()
    return Explorer(settings).view


def url(host: str | None, port: int) -> str:
    """The address to open in a browser for the explorer served on ``host`` (None: 127.0.0.1) and ``port``; the
    machine's name for a wildcard host (0.0.0.0, ::)."""
    host = host or LOOPBACK
    if host in ("0.0.0.0", "::"):
        host = socket.gethostname()
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _check_listen(host: str, port: int) -> bool:
    """Whether ``host`` names loopback addresses only; InputError when it names no address of this machine or
    ``port`` is taken on one of them (checked by binding each address, as the server then does)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (socket.gaierror, UnicodeError) as err:
        raise InputError(f"unknown host {host!r} ({err}): give a name or an IP address of this machine, e.g. "
                         "0.0.0.0 for every interface")
    for family, kind, proto, _, where in infos:
        with socket.socket(family, kind, proto) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            try:
                sock.bind(where)
            except OSError as err:
                raise InputError(f"cannot listen on {host}:{port} ({err.strerror}): choose another port, or a host "
                                 "address of this machine")
    return all(ipaddress.ip_address(info[4][0].split("%")[0]).is_loopback for info in infos)


def _origins(host: str | None, port: int) -> list[str]:
    """The page addresses (HOST:PORT) whose pages may open the explorer's websocket: localhost and 127.0.0.1, and for
    another ``host`` that host, the machine's names and IPv4 addresses."""
    names = {"localhost", LOOPBACK}
    if host is not None:
        names |= {host, socket.gethostname(), socket.getfqdn()}
        try:
            names |= {info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)}
        except OSError:
            pass
    return sorted(f"{name}:{port}" for name in names if name and ":" not in name)  # Bokeh's list takes no IPv6


def serve(port: int = 8765, open_browser: bool = True, *, host: str | None = None, threaded: bool = False,
          settings=None):
    """Serve the explorer on ``http://127.0.0.1:PORT``, reachable from this machine only (blocking, until
    interrupted); opens a browser tab unless ``open_browser`` is False. ``host`` (a name or IP address of this
    machine, e.g. ``"0.0.0.0"`` for every interface) listens there instead: anyone who can reach HOST:PORT can then
    use the explorer (there is no authentication), which a warning on stderr says. The start message (stderr) gives
    the address; ``threaded=True`` returns the running server thread instead (``.stop()`` ends it), without it."""
    pn = require("explore", "panel")  # first: a missing extra is one line, before any check
    if isinstance(port, bool) or int(port) != port or not 1 <= port <= 65535:
        raise InputError(f"port must be an integer from 1 to 65535, got {port}")
    port = int(port)
    address = host or LOOPBACK
    local = _check_listen(address, port)
    if not threaded:
        print(f"ntk-fourier: explorer at {url(host, port)} (Ctrl-C to stop)", file=sys.stderr, flush=True)
    if not local:
        where = f"this machine on port {port}" if address in ("0.0.0.0", "::") else f"{address}:{port}"
        print(f"ntk-fourier: warning: the explorer listens on {address}:{port} with no authentication: anyone who "
              f"can reach {where} can use it", file=sys.stderr, flush=True)
    return pn.serve(lambda: create_app(settings), port=port, address=address,
                    websocket_origin=_origins(host, port), show=open_browser, title="ntk_fourier explorer",
                    threaded=threaded, verbose=False)
