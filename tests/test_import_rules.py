"""The scripts (analysis/, figures/) and the modules above the views (compare/, explore/, kernel/design.py) use
ntk_fourier through its public names only: those of ``nf.__all__`` and, recursively, of the sub-namespaces it lists
(``nf.kernel``, ``nf.model.points``, ...). Checked on the source with `ast`, so a rename inside the views cannot
silently break a script, and the views stay free to change what they do not export."""
import ast
import types
from pathlib import Path

import pytest

import ntk_fourier as nf

ROOT = Path(nf.__file__).parent.parent
# not part of the kernel, network or model views: modules inside the package may import them, scripts may not
INFRASTRUCTURE = ("errors", "progress", "files", "results", "provenance", "precision", "memory", "bounds", "steps",
                  "traced", "execution", "drawing", "plot", "datasets", "animate", "extras")
FILES = sorted(str(p.relative_to(ROOT)) for pattern in ("analysis/*.py", "figures/*.py", "ntk_fourier/compare/*.py",
                                                        "ntk_fourier/explore/*.py", "ntk_fourier/kernel/design.py")
               for p in ROOT.glob(pattern))


def _public() -> dict[str, set[str]]:
    """Public namespace (module name) -> its public names: ``__all__`` (a module without one: its names without a
    leading underscore, except the modules, classes and functions it imports from elsewhere), starting from
    ntk_fourier and following every public name that is a submodule."""
    found = {}

    def visit(module):
        def own(name, value):
            if isinstance(value, types.ModuleType):
                return value.__name__ == f"{module.__name__}.{name}"
            return not isinstance(value, (type, types.FunctionType)) or value.__module__ == module.__name__

        names = getattr(module, "__all__", None)
        if names is None:
            names = [n for n, v in vars(module).items() if not n.startswith("_") and own(n, v)]
        found[module.__name__] = set(names)
        for name in names:
            value = getattr(module, name, None)
            if isinstance(value, types.ModuleType) and value.__name__ == f"{module.__name__}.{name}" \
                    and value.__name__ not in found:
                visit(value)

    visit(nf)
    return found


PUBLIC = _public()


def _allowed_module(module: str, path: str) -> bool:
    """Any name may be imported from this module: the file's own subpackage (compare/ from compare/, explore/ from
    explore/), or an infrastructure module for a file inside the package."""
    if path.startswith("ntk_fourier/"):
        own = "ntk_fourier." + ".".join(Path(path).parent.relative_to("ntk_fourier").parts)
        if own in ("ntk_fourier.compare", "ntk_fourier.explore") and (module == own or module.startswith(own + ".")):
            return True
        return module.split(".")[1] in INFRASTRUCTURE if module.count(".") == 1 else False
    return False


def _chain(node) -> list[str] | None:
    """``a.b.c`` -> ["a", "b", "c"]; None when the root is not a plain name."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    return [node.id] + parts[::-1] if isinstance(node, ast.Name) else None


def _resolve(namespace: str, attributes: list[str]) -> str | None:
    """The first name of ``namespace.a.b...`` that is not public (None if all are): each name is checked while the
    chain is still in a public namespace; attributes of what a public name holds (a class, a function) are free."""
    for attribute in attributes:
        if namespace not in PUBLIC:
            return None
        if attribute not in PUBLIC[namespace]:
            return f"{namespace}.{attribute}"
        value = getattr(__import__(namespace, fromlist=["_"]), attribute, None)
        if not isinstance(value, types.ModuleType):
            return None
        namespace = value.__name__
    return None


def violations(path: str) -> list[str]:
    """What ``path`` uses of ntk_fourier that is not public, one line each with its line number."""
    tree = ast.parse((ROOT / path).read_text())
    script = not path.startswith("ntk_fourier/")
    bound = {}  # local name -> the public namespace (module) it holds
    bad = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module and \
                node.module.split(".")[0] == "ntk_fourier":
            if _allowed_module(node.module, path):
                continue
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                if node.module in PUBLIC and alias.name in PUBLIC[node.module]:
                    if full in PUBLIC:
                        bound[alias.asname or alias.name] = full
                elif not script and node.module == "ntk_fourier" and alias.name in INFRASTRUCTURE:
                    continue
                else:
                    bad.append(f"line {node.lineno}: from {node.module} import {alias.name}")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] != "ntk_fourier" or _allowed_module(alias.name, path):
                    continue
                if alias.name not in PUBLIC:
                    bad.append(f"line {node.lineno}: import {alias.name}")
                elif alias.asname or alias.name == "ntk_fourier":
                    bound[alias.asname or alias.name] = alias.name
    inner = {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
    for node in ast.walk(tree):
        chain = _chain(node) if isinstance(node, ast.Attribute) and id(node) not in inner else None
        if chain and chain[0] in bound:
            name = _resolve(bound[chain[0]], chain[1:])
            if name is not None:
                bad.append(f"line {node.lineno}: {'.'.join(chain)} ({name} is not public)")
    return sorted(set(bad), key=lambda line: int(line.split(":")[0].split()[1]))


def test_the_rules_see_what_they_check():
    """The public names come from __all__ (and a module is public only when listed); a private import, an infrastructure
    module in a script, and an attribute chain into a module that is not exported are all reported."""
    assert "kernels" in PUBLIC["ntk_fourier"] and "Execution" in PUBLIC["ntk_fourier"]
    assert "ntk_fourier.model.points" in PUBLIC and "ntk_fourier.kernel.engine" not in PUBLIC
    assert _resolve("ntk_fourier", ["kernel", "engine", "tile_fn"]) == "ntk_fourier.kernel.engine"
    assert _resolve("ntk_fourier", ["model", "points", "grid"]) is None
    assert _resolve("ntk_fourier", ["Model", "replace"]) is None  # attributes of a public class are its own
    assert _allowed_module("ntk_fourier.progress", "ntk_fourier/compare/crosscheck.py")
    assert not _allowed_module("ntk_fourier.progress", "analysis/common.py")
    assert not _allowed_module("ntk_fourier.kernel.engine", "ntk_fourier/compare/crosscheck.py")


def test_the_rules_report_a_private_use(tmp_path, monkeypatch):
    """A script with one public use of each kind and four private ones: exactly the four are reported."""
    probe = tmp_path / "analysis" / "probe.py"
    probe.parent.mkdir()
    probe.write_text("import ntk_fourier as nf\nfrom ntk_fourier.kernel import native\n"
                     "from ntk_fourier.progress import status\nimport ntk_fourier.kernel.engine\n"
                     "K = nf.kernel.engine.kernels\nok = nf.model.points.grid(4)\n"
                     "from ntk_fourier.model import points as p\nq = p.grid_of\nr = nf.Model().replace\n")
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    assert violations("analysis/probe.py") == [
        "line 2: from ntk_fourier.kernel import native", "line 3: from ntk_fourier.progress import status",
        "line 4: import ntk_fourier.kernel.engine",
        "line 5: nf.kernel.engine.kernels (ntk_fourier.kernel.engine is not public)"]


@pytest.mark.parametrize("path", FILES)
def test_public_names_only(path):
    assert not violations(path), f"{path} uses names ntk_fourier does not export: {violations(path)}"
