"""Names of a package loaded from their module on first use (PEP 562), so that importing one
leaf module (the driver, the text guard) does not import the whole package."""

from __future__ import annotations

import importlib
from collections.abc import Callable

# typing costs ~1.5 ms at start-up; the quick paths (kontakt.quick) import this module.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def lazy_exports(package: str, module_of: dict[str, str], namespace: dict[str, Any],
                 ) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The package's `__getattr__` and `__dir__`: `module_of` maps each exported name to the
    submodule that defines it; a name, once loaded, becomes an ordinary attribute."""

    def __getattr__(name: str) -> Any:
        module = module_of.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f".{module}", package), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(module_of))

    return __getattr__, __dir__
