"""Graphviz layout time of micrograd drawings: dot's defaults against the bounded passes large graphs get.

    python benchmarks/layout.py [--limit SECONDS]

For graphs whose shape makes dot slow (a value shared across the whole graph, dense
layers), prints the predicted layout size (micrograd.viz.layout_size), the CPU time
dot takes with its defaults and with micrograd.viz.FAST_LAYOUT_ATTRIBUTES, each run
stopped at --limit seconds (default 120). The SVG each produces has the same nodes
and edges; only the positions differ.
"""

import argparse
import random
import resource
import subprocess
import sys
import time

import graphviz

from micrograd import Value, losses, nn, viz


def flat_sum(terms):
    x = Value(1.0, label='x')
    out = x
    for _ in range(terms - 1):
        out = out + x
    return out


def horner(degree):
    x, out = Value(0.5, label='x'), Value(1.0)
    for k in range(degree):
        out = out * x + (k + 1)
    return out


def mlp_loss(samples):
    rng = random.Random(1337)
    model = nn.MLP(2, [16, 16, 1], rng=rng)
    points = [[rng.uniform(-1, 1), rng.uniform(-1, 1)] for _ in range(samples)]
    return losses.hinge([model(p) for p in points], [1.0] * samples)


GRAPHS = [
    ('x+x+...+x, 40 terms', lambda: flat_sum(40)),
    ('x+x+...+x, 80 terms', lambda: flat_sum(80)),
    ('x+x+...+x, 200 terms', lambda: flat_sum(200)),
    ('Horner polynomial, degree 30', lambda: horner(30)),
    ('Horner polynomial, degree 70', lambda: horner(70)),
    ('Horner polynomial, degree 100', lambda: horner(100)),
    ('MLP(2, [16, 16, 1]) output', lambda: nn.MLP(2, [16, 16, 1], rng=random.Random(0))([1.0, -2.0])),
    ('MLP(2, [16, 16, 1]) hinge loss, 5 points', lambda: mlp_loss(5)),
    ('MLP(2, [16, 16, 1]) hinge loss, 10 points', lambda: mlp_loss(10)),
]


def dot_seconds(source, limit):
    """dot's CPU time for source (children's user + system time), or None if it ran past limit seconds."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    try:
        subprocess.run(['dot', '-Tsvg'], input=source.encode('utf-8'), capture_output=True, timeout=limit, check=True)
    except subprocess.TimeoutExpired:
        return None
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def shown(seconds, limit):
    return f"> {limit:g} s" if seconds is None else f"{seconds:.2f} s"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--limit', type=float, default=120.0, help="seconds before a dot run is stopped")
    limit = parser.parse_args().limit
    print(f"{subprocess.run(['dot', '-V'], capture_output=True, text=True).stderr.strip()}, "
          f"Python {sys.version.split()[0]}, {time.strftime('%Y-%m-%d')}\n")
    print("| graph | layout nodes | dot's defaults | bounded passes | bounded in the DOT text |")
    print("|---|---|---|---|---|")
    for name, make in GRAPHS:
        graph = viz.draw_dot(make())
        size = viz.layout_size(graph)
        # Plain graphviz Digraphs with the same body: one with dot's defaults, one with the bounded passes.
        default = graphviz.Digraph(name='micrograd', graph_attr=graph.graph_attr, node_attr=graph.node_attr,
                                   body=graph.body)
        bounded = graphviz.Digraph(name='micrograd', graph_attr=dict(graph.graph_attr, **viz.FAST_LAYOUT_ATTRIBUTES),
                                   node_attr=graph.node_attr, body=graph.body)
        print(f"| {name} | {size:,} | {shown(dot_seconds(default.source, limit), limit)} | "
              f"{shown(dot_seconds(bounded.source, limit), limit)} | {'yes' if size > viz.FAST_LAYOUT else 'no'} |",
              flush=True)


if __name__ == '__main__':
    main()
