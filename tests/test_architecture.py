"""The dependency rule of docs/architecture.md, checked on the import graph.

- money and errors import nothing of mallcore but each other (errors nothing);
- the domain packages (catalog, pricing, shipping, loyalty, orders,
  reconciliation) import
  only money, errors and each other, without cycles, and no I/O, clock,
  environment or randomness;
- ports import only the domain; services only the domain and ports;
- nothing in the core imports an adapter.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import mallcore

SRC = Path(mallcore.__file__).parent
DOMAIN = (
    "catalog",
    "pricing",
    "shipping",
    "loyalty",
    "orders",
    "merchant",
    "coupons",
    "reconciliation",
)
FORBIDDEN_IN_DOMAIN = {"sqlite3", "os", "time", "random", "secrets", "socket", "subprocess"}
CLOCK_READS = {"now", "today", "utcnow"}


def _modules() -> Iterator[tuple[str, Path]]:
    for path in sorted(SRC.rglob("*.py")):
        parts = path.relative_to(SRC).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        yield ".".join(("mallcore", *parts)), path


def _area(module: str) -> str:
    """The top-level part of mallcore a module belongs to: 'pricing', 'money', ..."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "mallcore"


def _imports(module: str, path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                found.add(".".join([*base, node.module] if node.module else base))
            elif node.module:
                found.add(node.module)
    return found


GRAPH = {module: _imports(module, path) for module, path in _modules()}
BASE = ("money", "errors", "_fields", "limits")
"""What every layer may import: money, the errors, the field validators and the limits."""
DOMAIN_MODULES = [m for m in GRAPH if _area(m) in (*DOMAIN, *BASE)]


@pytest.mark.parametrize("module", DOMAIN_MODULES)
def test_domain_module_imports_only_the_domain_and_no_io(module: str) -> None:
    allowed = {*DOMAIN, *BASE}

    inside = {_area(name) for name in GRAPH[module] if name.startswith("mallcore.")}
    outside = {name.split(".")[0] for name in GRAPH[module] if not name.startswith("mallcore")}

    assert inside <= allowed, f"{module} imports {sorted(inside - allowed)}"
    assert not outside & FORBIDDEN_IN_DOMAIN, f"{module} imports {outside & FORBIDDEN_IN_DOMAIN}"


@pytest.mark.parametrize("module", DOMAIN_MODULES)
def test_domain_module_never_reads_the_clock(module: str) -> None:
    path = dict(_modules())[module]
    tree = ast.parse(path.read_text(encoding="utf-8"))

    reads = [
        f"line {node.lineno}: .{node.func.attr}()"
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in CLOCK_READS
        and not node.args
        and not node.keywords
    ]

    assert not reads, f"{module} reads the clock: {reads}"


def test_money_and_errors_depend_on_nothing_else_in_mallcore() -> None:
    money = {_area(n) for n in GRAPH["mallcore.money"] if n.startswith("mallcore.")}
    errors = {_area(n) for n in GRAPH["mallcore.errors"] if n.startswith("mallcore.")}

    assert money <= {"errors"}
    assert errors == set()


def test_domain_packages_form_no_cycle() -> None:
    edges: dict[str, set[str]] = {area: set() for area in DOMAIN}
    for module, imported in GRAPH.items():
        source = _area(module)
        if source in edges:
            edges[source] |= {_area(n) for n in imported if _area(n) in edges} - {source}

    visiting: list[str] = []
    done: set[str] = set()

    def visit(area: str) -> None:
        assert area not in visiting, f"cycle: {' -> '.join([*visiting, area])}"
        if area in done:
            return
        visiting.append(area)
        for target in sorted(edges[area]):
            visit(target)
        visiting.pop()
        done.add(area)

    for area in DOMAIN:
        visit(area)


@pytest.mark.parametrize(
    ("layer", "allowed"),
    [
        ("ports", {*DOMAIN, *BASE, "ports"}),
        ("services", {*DOMAIN, *BASE, "ports", "services"}),
    ],
)
def test_ports_and_services_stay_inside_the_hexagon(layer: str, allowed: set[str]) -> None:
    for module, imported in GRAPH.items():
        if _area(module) != layer:
            continue

        inside = {_area(name) for name in imported if name.startswith("mallcore.")}

        assert inside <= allowed, f"{module} imports {sorted(inside - allowed)}"


def test_no_core_module_imports_an_adapter() -> None:
    hosts = {"adapters", "cli", "demo", "__main__", "testing", "reconcile_report"}
    offenders = [
        module
        for module, imported in GRAPH.items()
        if _area(module) not in hosts and any(_area(n) == "adapters" for n in imported)
    ]

    assert offenders == []


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_every_module_declares_a_sorted_all(module: str) -> None:
    if module.endswith("__main__"):
        return
    tree = ast.parse(dict(_modules())[module].read_text(encoding="utf-8"))
    declared = [
        node.value
        for node in tree.body
        if isinstance(node, ast.Assign | ast.AnnAssign)
        and any(
            isinstance(target, ast.Name) and target.id == "__all__"
            for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
        )
    ]

    assert declared, f"{module} has no __all__"
    value = declared[0]
    assert isinstance(value, ast.List | ast.Tuple)
    names = [str(element.value) for element in value.elts if isinstance(element, ast.Constant)]
    assert names == sorted(names), f"{module}.__all__ is not sorted"


def test_importing_mallcore_does_not_import_hypothesis_or_pytest() -> None:
    packages = ["mallcore", *(f"mallcore.{area}" for area in DOMAIN if (SRC / area).exists())]
    code = (
        f"import sys\nfor name in {packages!r}: __import__(name)\n"
        "print(sorted(m for m in ('hypothesis', 'pytest') if m in sys.modules))"
    )

    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )

    assert result.stdout.strip() == "[]"


def test_the_top_level_public_surface_is_pinned() -> None:
    assert mallcore.__all__ == [
        "Checkout",
        "Mall",
        "MallcoreError",
        "Money",
        "Rounding",
        "__version__",
    ]
