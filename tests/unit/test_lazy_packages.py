"""kontakt.domain and kontakt.store load their names on first use (PEP 562): every name they
export still comes from the module that defines it, and importing a leaf module (the
driver, the text guard) does not import the rest of the package."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest


@pytest.mark.parametrize("package", ["kontakt.domain", "kontakt.store"])
def test_every_exported_name_is_the_defining_modules_own(package):
    module = importlib.import_module(package)
    assert sorted(module.__all__) == sorted(module._MODULE_OF)
    for name in module.__all__:
        home = importlib.import_module(f"{package}.{module._MODULE_OF[name]}")
        assert getattr(module, name) is getattr(home, name), name
    with pytest.raises(AttributeError):
        module.no_such_name  # noqa: B018
    with pytest.raises(ImportError):
        exec(f"from {package} import no_such_name")


def test_a_leaf_module_does_not_import_its_package():
    code = ("import sys, kontakt.store.driver, kontakt.domain.text; "
            "print(sorted(m for m in sys.modules if m.startswith('kontakt')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == str(sorted(
        ["kontakt", "kontakt.domain", "kontakt.domain.text", "kontakt.lazy", "kontakt.store",
         "kontakt.store.driver"]))
