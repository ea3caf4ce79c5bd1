"""The package's layout: no module imports another that imports it back (at import time)."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / 'micrograd'


def module_imports():
    """{module: the micrograd modules it imports at module level, its own packages left out}."""
    found = {}
    for path in PACKAGE.rglob('*.py'):
        parts = path.relative_to(PACKAGE.parent).with_suffix('').parts
        name = '.'.join(parts[:-1] if parts[-1] == '__init__' else parts)
        imported = set()
        for node in ast.parse(path.read_text(encoding='utf-8')).body:
            if isinstance(node, ast.Import):
                imported |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                imported |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
        found[name] = imported
    # A module's own packages are imported before it anyway: an edge to one of them is no choice of the code.
    return {name: {other for other in imported if other in found and other != name and not name.startswith(other + '.')}
            for name, imported in found.items()}


def cycles(graph):
    """Every cycle a depth-first walk meets, as lists of modules (a package importing its own part is no cycle)."""
    found, done = [], set()
    for start in graph:
        stack = [(start, [start])]
        while stack:
            node, path = stack.pop()
            for other in graph[node]:
                if other == start and not all(part.startswith(start) for part in path):
                    found.append(path + [start])
                elif other not in path and other not in done:
                    stack.append((other, path + [other]))
        done.add(start)
    return found


def test_no_module_imports_one_that_imports_it_back():
    graph = module_imports()
    assert 'micrograd.engine' in graph and 'micrograd.viz.draw' in graph
    assert cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({'a': {'b'}, 'b': {'a'}}) == [['a', 'b', 'a']]
    assert cycles({'p': {'p.x'}, 'p.x': {'p'}}) == []  # a package and its own part
