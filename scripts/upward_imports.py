"""Count imports that point up the stack of layers.

The layers are read from the import-linter ``layers`` contract in
``pyproject.toml`` so the linter and this count never disagree. Every
``import`` statement of the project's packages (tests and migrations left out)
is resolved to a module, both modules are placed in their layer, and an import
whose target sits in a higher layer is counted as upward. Imports written
inside functions are counted apart, with or without a reason beside them.

Run: ``python scripts/upward_imports.py`` (``-v`` lists every upward import).
Exit status 1 when any import points upward.
"""

from __future__ import annotations

import argparse
import ast
import sys
import tomllib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SKIPPED_DIRS = {"migrations", "tests", "testing", "__pycache__", "templates", "static"}


@dataclass(frozen=True)
class Found:
    source: str
    target: str
    line: int
    in_function: bool
    reason_written: bool


def layer_table(pyproject: Path) -> tuple[list[str], list[list[str]]]:
    config = tomllib.loads(pyproject.read_text(encoding="utf-8"))["tool"]["importlinter"]
    contract = next(c for c in config["contracts"] if c["type"] == "layers")
    layers = [
        [name.strip() for name in layer.replace(":", "|").split("|")]
        for layer in contract["layers"]
    ]
    return config["root_packages"], layers


def layer_of(module: str, layers: list[list[str]]) -> int | None:
    """Index from the top (0) of the most specific layer that holds ``module``."""
    best: tuple[int, int] | None = None
    for index, names in enumerate(layers):
        for name in names:
            inside = module == name or module.startswith(name + ".")
            if inside and (best is None or len(name) > best[1]):
                best = (index, len(name))
    return None if best is None else best[0]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _reason_near(lines: list[str], node: ast.stmt) -> bool:
    """A comment on the line itself, or above the block of imports it belongs to, says why."""
    if "#" in lines[node.lineno - 1]:
        return True
    index = node.lineno - 2
    while index >= 0:
        above = lines[index].strip()
        if above.startswith("#"):
            return True
        if not above.startswith(("from ", "import ", ")")) and not above.endswith(","):
            return False
        index -= 1
    return False


def _targets(node: ast.Import | ast.ImportFrom, package: str) -> list[str]:
    """The modules (or module.name) an import statement names, relative ones resolved."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:
        anchor = package.split(".")
        anchor = anchor[: len(anchor) - (node.level - 1)]
        base = ".".join([*anchor, base] if base else anchor)
    return [f"{base}.{alias.name}" for alias in node.names]


def imports_of(path: Path, roots: list[str]) -> list[tuple[str, int, bool, bool]]:
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    package = module_name(path)
    if path.name != "__init__.py":
        package = package.rpartition(".")[0]
    found: list[tuple[str, int, bool, bool]] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import | ast.ImportFrom):
                reason = _reason_near(lines, child)
                found.extend(
                    (target, child.lineno, in_function, reason)
                    for target in _targets(child, package)
                )
            function = isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
            visit(child, in_function or function)

    visit(ast.parse(text, filename=str(path)), False)
    return [item for item in found if item[0].split(".")[0] in roots]


def scan() -> tuple[list[Found], int, list[Found]]:
    roots, layers = layer_table(ROOT / "pyproject.toml")
    upward: list[Found] = []
    inside: list[Found] = []
    total = 0
    for root in roots:
        for path in sorted((ROOT / root).rglob("*.py")):
            if SKIPPED_DIRS & set(path.relative_to(ROOT).parts):
                continue
            source = module_name(path)
            source_layer = layer_of(source, layers)
            for target, line, in_function, reason in imports_of(path, roots):
                total += 1
                if in_function:
                    inside.append(Found(source, target, line, in_function, reason))
                target_layer = layer_of(target, layers)
                if source_layer is None or target_layer is None:
                    continue
                if target_layer < source_layer:
                    upward.append(Found(source, target, line, in_function, reason))
    return upward, total, inside


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="list every upward import")
    parser.add_argument(
        "--inside", action="store_true", help="list the imports inside functions with no reason"
    )
    args = parser.parse_args()
    upward, total, inside = scan()
    unexplained = [item for item in inside if not item.reason_written]
    print(f"imports between the project's packages: {total}")
    upward_inside = sum(1 for item in upward if item.in_function)
    print(f"upward imports: {len(upward)} ({upward_inside} inside functions)")
    print(
        f"imports inside functions: {len(inside)} "
        f"({len(inside) - len(unexplained)} with their reason written beside them)"
    )
    pairs = Counter((item.source.split(".")[0], item.target.rsplit(".", 1)[0]) for item in upward)
    if args.verbose:
        for item in upward:
            where = "function" if item.in_function else "module"
            print(f"  {item.source}:{item.line} -> {item.target} ({where})")
    else:
        for (source, target), count in pairs.most_common(40):
            print(f"  {count:4d}  {source} -> {target}")
    if args.inside:
        for item in unexplained:
            print(f"  {item.source}:{item.line} -> {item.target}")
    return 1 if upward else 0


if __name__ == "__main__":
    sys.exit(main())
