"""The layout the README's architecture notes describe, checked on the source (issue #11).

Every `import` in apps/ and segmentflow/ counts, at module level or inside a function (a lazy
import still ties two modules together); only imports under `if TYPE_CHECKING:` do not.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("apps", "segmentflow")
# The modules that mount every app (the routers, the URLconf): they import the apps by design,
# and the apps import the API plumbing they carry.
MOUNTING_MODULES = {"segmentflow.api", "segmentflow.urls", "segmentflow.dashboard_urls"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def source_files() -> Iterator[Path]:
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


MODULES = {module_name(path): path for path in source_files()}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _resolve(name: str) -> str | None:
    """The project module `name` is, or is in (`apps.x.models.Profile` → `apps.x.models`)."""
    while name:
        if name in MODULES:
            return name
        name = name.rpartition(".")[0]
    return None


def imports_of(module: str) -> set[str]:
    path = MODULES[module]
    tree = ast.parse(path.read_text(), str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            for alias in node.names:
                target = _resolve(alias.name)
                if target:
                    found.add(target)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                target = _resolve(f"{base}.{alias.name}") or _resolve(base)
                if target:
                    found.add(target)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    found.discard(module)
    return found


GRAPH = {module: imports_of(module) for module in MODULES}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_there_is_no_import_circle_outside_the_mounting_modules() -> None:
    graph = {module: targets for module, targets in GRAPH.items() if module not in MOUNTING_MODULES}
    assert cycles(graph) == []


def test_the_apps_depend_on_each_other_one_way() -> None:
    apps_graph: dict[str, set[str]] = {}
    for module, targets in GRAPH.items():
        if module.startswith("apps."):
            app = module.split(".")[1]
            apps_graph.setdefault(app, set()).update(
                target.split(".")[1]
                for target in targets
                if target.startswith("apps.") and target.split(".")[1] != app
            )
    assert cycles(apps_graph) == []


def test_segmentflow_imports_no_app_except_where_it_mounts_them() -> None:
    offenders = {
        module: sorted(target for target in targets if target.startswith("apps."))
        for module, targets in GRAPH.items()
        if module.startswith("segmentflow") and module not in MOUNTING_MODULES
    }
    assert {module: targets for module, targets in offenders.items() if targets} == {}


def test_every_app_names_its_modules_the_same_way() -> None:
    # views.py is the dashboard; other HTTP endpoints are named for what they serve.
    misnamed = [
        module
        for module in MODULES
        if module.startswith("apps.") and module.rpartition(".")[2].endswith("dashboard_views")
    ]
    assert misnamed == []


def test_no_module_grows_past_500_lines() -> None:
    long = {
        module: lines
        for module, path in MODULES.items()
        if (lines := len(path.read_text().splitlines())) > 500
    }
    assert long == {}


def test_the_checker_sees_a_circle_and_a_lazy_import() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    # A function-level import is an edge like any other: the routers are imported inside
    # segmentflow.api._product_routers.
    assert "apps.sending.api" in GRAPH["segmentflow.api"]
    # Wiring through settings (SEGMENTFLOW_API_KEY_LOOKUP, SEGMENTFLOW_PERIODIC_TASKS) is by
    # design not an import; each dotted path must still name something real.


def test_every_dotted_path_in_the_settings_resolves() -> None:
    from django.conf import settings
    from django.utils.module_loading import import_string

    for path in [settings.SEGMENTFLOW_API_KEY_LOOKUP, *settings.SEGMENTFLOW_PERIODIC_TASKS]:
        assert callable(import_string(path)) or hasattr(import_string(path), "enqueue"), path
