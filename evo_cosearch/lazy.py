"""Names a package imports on first use (PEP 562), so that importing it stays light."""

from __future__ import annotations

from importlib import import_module
from typing import Any, Callable, Mapping

__all__ = ["lazy_names"]


def lazy_names(package: str, namespace: dict[str, Any],
               home: Mapping[str, str]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The module-level ``__getattr__`` and ``__dir__`` of ``package``, whose names ``home`` maps to
    the module that defines each (absolute, or relative to ``package`` when it starts with no
    ``evo_cosearch.``); a loaded name is kept in ``namespace``, the package's ``globals()``."""

    def __getattr__(name: str) -> Any:
        if name not in home:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        where = home[name]
        module = import_module(where if where.startswith("evo_cosearch.") else f"{package}.{where}")
        value = getattr(module, name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:  # the lazy names too (tab completion, help())
        return sorted(set(namespace) | set(home))

    return __getattr__, __dir__
