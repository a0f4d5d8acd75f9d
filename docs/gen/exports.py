"""A Griffe extension: the API reference lists what `peernet.__all__` lists.

`peernet/__init__.py` computes `__all__` from its `X as X` imports (each public name is
written once); Griffe reads `__all__` without running the module, so it would find it
empty. This extension hands Griffe the list the running module has.
"""

from __future__ import annotations

from typing import Any

import griffe

import peernet


class Exports(griffe.Extension):
    """Sets the exports of the `peernet` package to the running `peernet.__all__`."""

    def on_package(self, *, pkg: griffe.Module, loader: griffe.GriffeLoader, **kwargs: Any) -> None:
        if pkg.path == "peernet":
            pkg.exports = list(peernet.__all__)
