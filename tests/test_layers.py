"""The layers hold (issue 16): the kernel names no housing or district word and writes no Chinese
(every word a person reads is the workflow's, the templates' or the config's); no import circle;
only the composition root (main.py) joins the kernel, the web side and the workflow."""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("engine", "workflows", "web", "documents", "notifiers")
CHINESE = re.compile(r"[\u4e00-\u9fff]")
HOUSING = re.compile(r"\bhous(e|es|ing)\b|collaps|hanyang|jianghan", re.IGNORECASE)


def _kernel_files() -> list[Path]:
    return [p for p in sorted((ROOT / "engine").rglob("*.py")) if "versions" not in p.parts]


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def _module(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def test_the_kernel_writes_no_chinese_and_no_housing_word() -> None:
    found = [
        f"{p.relative_to(ROOT)}:{n}: {line.strip()}"
        for p in _kernel_files()
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if CHINESE.search(line) or HOUSING.search(line)
    ]
    assert found == []


def test_the_kernel_imports_neither_the_web_side_nor_a_workflow() -> None:
    found = [
        f"{p.relative_to(ROOT)}: {m}"
        for p in _kernel_files()
        for m in _imports(p)
        if m.split(".")[0] in ("web", "workflows", "main")
    ]
    assert found == []


def test_no_import_circle() -> None:
    modules = {
        _module(p): p
        for top in PACKAGES
        for p in (ROOT / top).rglob("*.py")
        if "versions" not in p.parts
    }
    graph: dict[str, set[str]] = defaultdict(set)
    for name, path in modules.items():
        for target in _imports(path):
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name and not name.startswith(target + "."):
                graph[name].add(target)
    state: dict[str, int] = {}
    cycles: list[str] = []

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append(" → ".join([*trail[trail.index(nxt) :], nxt]))
            elif nxt not in state:
                visit(nxt, [*trail, nxt])
        state[node] = 2

    for start in sorted(modules):
        if start not in state:
            visit(start, [start])
    assert cycles == []
