"""Screenshots of the explorer for the docs, taken in headless Chromium (selenium; Debian packages chromium and
chromium-driver): docs/images/explorer.png (Gaussian features, two trained networks overlaid, mid-training) and
docs/images/explorer-raw.png (no Fourier features: the high target frequency is barely learnt).

    python -m benchmarks.explorer_screenshots [--out docs/images] [--width 256]
"""
from __future__ import annotations

import argparse
import shutil
import socket
import time
from pathlib import Path

import numpy as np

from ntk_fourier.explore import app, model

DEEP = """
const deep = (root, sel, out) => {
  root.querySelectorAll(sel).forEach(e => out.push(e));
  root.querySelectorAll('*').forEach(e => { if (e.shadowRoot) deep(e.shadowRoot, sel, out); });
  return out;
};
"""
SOURCE = "return Bokeh.documents[0].get_model_by_name(arguments[0]).data[arguments[1]].length;"
SET_PLAYER = ("const doc = Bokeh.documents[0];"
              "Array.from(doc._all_models.values()).find(m => m.type.endsWith('Player')).value = arguments[0];")


def _wait(fn, timeout: float):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            if fn():
                return
        except Exception:  # the page is still loading
            pass
        time.sleep(0.5)
    raise TimeoutError("the explorer did not update in time")


def main(argv=None) -> None:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.support.ui import Select
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="docs/images")
    parser.add_argument("--width", type=int, default=256, help="width of the trained networks")
    args = parser.parse_args(argv)
    out = Path(args.out)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = app.serve(port=port, open_browser=False, threaded=True, settings=model.Settings(mapping="gaussian"))
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1000"):
        options.add_argument(arg)
    driver = webdriver.Chrome(options=options, service=Service(shutil.which("chromedriver")))
    try:
        _wait(lambda: driver.get(f"http://127.0.0.1:{port}/") is None, 30)
        _wait(lambda: driver.execute_script(SOURCE, "fit", "y"), 60)
        steps = model.record_steps(model.Settings().steps, model.Settings().records)
        middle = int(np.argmin(np.abs(steps - 150)))
        width = driver.execute_script(DEEP + "return deep(document, 'input', []).find(e => e.value === '256');")
        width.clear()
        width.send_keys(f"{args.width}\n")
        driver.execute_script(DEEP + "deep(document, 'button', []).find("
                                     "b => b.textContent.trim() === 'Train networks').click();")
        _wait(lambda: driver.execute_script(SOURCE, "networks", "ys"), 600)
        driver.execute_script(SET_PLAYER, middle)
        time.sleep(2)
        driver.save_screenshot(str(out / "explorer.png"))
        select = driver.execute_script(DEEP + "return deep(document, 'select', []).find("
                                              "s => Array.from(s.options).some(o => o.text === 'positional'));")
        Select(select).select_by_visible_text("none")
        _wait(lambda: not driver.execute_script(SOURCE, "networks", "ys"), 60)  # networks were for other settings
        time.sleep(2)
        driver.save_screenshot(str(out / "explorer-raw.png"))
        print(f"wrote {out / 'explorer.png'} and {out / 'explorer-raw.png'}")
    finally:
        driver.quit()
        server.stop()


if __name__ == "__main__":
    main()
