"""The core layers never pull in Textual: cli/tui → services → store/domain, one direction."""

import subprocess
import sys

CORE = ["kontakt.domain", "kontakt.store", "kontakt.services", "kontakt.config", "kontakt.paths"]


def test_importing_the_core_layers_does_not_import_textual():
    # Every submodule too: a services/review.py that imports Textual must fail this.
    script = (
        "import importlib, pkgutil, sys\n"
        f"for name in {CORE!r}:\n"
        "    module = importlib.import_module(name)\n"
        "    for info in pkgutil.walk_packages(getattr(module, '__path__', []), name + '.'):\n"
        "        importlib.import_module(info.name)\n"
        "loaded = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        "print(','.join(loaded))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "", f"textual imported by the core: {result.stdout.strip()}"
