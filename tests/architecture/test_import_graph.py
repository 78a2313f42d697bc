"""ss_tui's import graph stays a hierarchy (docs/architecture.md, "Layers").

Layers themselves are import-linter contracts in pyproject.toml; this checks what they do not:
no two modules anywhere in ss_tui import each other, directly or round a loop. Imports inside
functions count too (a deferred import hides a cycle, it does not remove it); only
``if TYPE_CHECKING:`` imports, which never run, are left out.
"""

from __future__ import annotations

import grimp


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative: groups of two or more modules that reach each other."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    top = stack.pop()
                    on_stack.discard(top)
                    group.append(top)
                    if top == node:
                        break
                if len(group) > 1:
                    found.append(sorted(group))
    return sorted(found)


def module_graph() -> dict[str, set[str]]:
    graph = grimp.build_graph("ss_tui", exclude_type_checking_imports=True)
    modules = graph.modules
    return {m: graph.find_modules_directly_imported_by(m) & modules for m in modules}


def test_the_cycle_finder_finds_a_loop_of_three_and_not_a_chain():
    loop = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert strongly_connected(loop) == [["a", "b", "c"]]
    assert strongly_connected({"a": {"b"}, "b": {"c"}, "c": set()}) == []


def test_no_two_modules_of_ss_tui_import_each_other():
    cycles = strongly_connected(module_graph())
    assert cycles == [], "import cycles (break them: docs/architecture.md):\n" + "\n".join(
        " <-> ".join(group) for group in cycles
    )
