"""The housing-safety response workflow (SPEC §4).

`WORKFLOW` (its table of actions, in `workflow`) is imported on first use: the package itself is
light, so `rules` (grading and the plan check) and a command's own module can be imported
without the effects, the record and the documents the table pulls in.
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import Any


def __getattr__(name: str) -> Any:
    """`WORKFLOW` and the rest of the table's module, loaded when first asked for (a submodule's
    name is not: `from workflows.housing_safety import rules` imports only `rules`)."""
    if name.startswith("__") or importlib.util.find_spec(f"{__name__}.{name}") is not None:
        raise AttributeError(name)
    return getattr(importlib.import_module(f"{__name__}.workflow"), name)
