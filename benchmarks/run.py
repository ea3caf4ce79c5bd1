"""Speed and memory, side by side in one process: this project (interpreted and compiled), micrograd 0.1.0 (PyPI)
and PyTorch.

Runs are interleaved (one of each implementation per round) and the table
shows medians and ratios. micrograd 0.1.0 is also called `micrograd`, so its
wheel is downloaded from PyPI once into benchmarks/.ref and imported from the
wheel under its own module objects, next to this project's.

    python benchmarks/run.py            # the full table (about three minutes)
    python benchmarks/run.py --quick    # fewer rounds, smaller graphs
"""

import argparse
import gc
import importlib
import platform
import random
import statistics
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import compile_bench
import torch

import micrograd
from micrograd import nn
from micrograd.data import make_moons

REFERENCE = Path(__file__).resolve().parent / ".ref"
REFERENCE_WHEEL = REFERENCE / "micrograd-0.1.0-py3-none-any.whl"


def load_reference():
    """micrograd 0.1.0's engine and nn modules, imported from its wheel without touching ours."""
    if not REFERENCE_WHEEL.exists():
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                        "--dest", str(REFERENCE), "micrograd==0.1.0"], check=True)
    ours = {name: sys.modules.pop(name) for name in list(sys.modules)
            if name == "micrograd" or name.startswith("micrograd.")}
    sys.path.insert(0, str(REFERENCE_WHEEL))
    try:
        importlib.import_module("micrograd.nn")  # and micrograd.engine, which it imports
        reference = {name: sys.modules.pop(name) for name in list(sys.modules)
                     if name == "micrograd" or name.startswith("micrograd.")}
    finally:
        sys.path.remove(str(REFERENCE_WHEEL))
        sys.modules.update(ours)
    return reference["micrograd.engine"], reference["micrograd.nn"]


# --- 1. One training step of micrograd's demo, the same code for both engines -------------

def demo_step(model, X, y, Value, learning_rate=1.0):
    """micrograd's demo.ipynb step: hinge loss + 1e-4 L2, zero_grad, backward, SGD."""
    inputs = [list(map(Value, row)) for row in X]
    scores = list(map(model, inputs))
    losses = [(1 + -yi * score).relu() for yi, score in zip(y, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = 1e-4 * sum(p * p for p in model.parameters())
    total = data_loss + reg_loss
    model.zero_grad()
    total.backward()
    for p in model.parameters():
        p.data -= learning_rate * p.grad
    return total.data


def micrograd_weights(model):
    """Weight rows per layer (neuron by neuron) and biases, as floats, for building the torch models."""
    return [([[w.data for w in n.w] for n in layer.neurons], [n.b.data for n in layer.neurons])
            for layer in model.layers]


class TorchScalarMLP:
    """The same MLP with one 0-d float64 tensor per number, driven one scalar op at a time."""

    def __init__(self, weights):
        self.layers = [([[torch.tensor(w, dtype=torch.float64, requires_grad=True) for w in row] for row in rows],
                        [torch.tensor(b, dtype=torch.float64, requires_grad=True) for b in biases])
                       for rows, biases in weights]

    def parameters(self):
        return [p for rows, biases in self.layers for row, b in zip(rows, biases) for p in (*row, b)]

    def __call__(self, x):
        for index, (rows, biases) in enumerate(self.layers):
            last = index == len(self.layers) - 1
            outs = [sum((w * xi for w, xi in zip(row, x)), b) for row, b in zip(rows, biases)]
            x = outs if last else [torch.relu(o) for o in outs]
        return x[0]


def torch_scalar_step(model, X, y, learning_rate=1.0):
    inputs = [[torch.tensor(v, dtype=torch.float64) for v in row] for row in X]
    scores = [model(x) for x in inputs]
    losses = [torch.relu(1 + -yi * score) for yi, score in zip(y, scores)]
    total = sum(losses) * (1.0 / len(losses)) + 1e-4 * sum(p * p for p in model.parameters())
    for p in model.parameters():
        p.grad = None
    total.backward()
    with torch.no_grad():
        for p in model.parameters():
            p -= learning_rate * p.grad
    return total.item()


class TorchVectorMLP:
    def __init__(self, weights):
        self.params = []
        for rows, biases in weights:
            self.params.append(torch.tensor(rows, dtype=torch.float64).T.clone().requires_grad_())
            self.params.append(torch.tensor(biases, dtype=torch.float64).requires_grad_())

    def __call__(self, X):
        h = X
        for i in range(0, len(self.params), 2):
            h = h @ self.params[i] + self.params[i + 1]
            if i + 2 < len(self.params):
                h = torch.relu(h)
        return h[:, 0]


def torch_vector_step(model, X, y, learning_rate=1.0):
    scores = model(X)
    total = torch.relu(1 - y * scores).mean() + 1e-4 * sum((p * p).sum() for p in model.params)
    for p in model.params:
        p.grad = None
    total.backward()
    with torch.no_grad():
        for p in model.params:
            p -= learning_rate * p.grad
    return total.item()


def training_step(reference_engine, reference_nn, rounds):
    X, labels = make_moons(n_samples=100, noise=0.1, random_state=1)
    y = [2 * label - 1 for label in labels]
    random.seed(1337)
    ours = nn.MLP(2, [16, 16, 1])
    random.seed(1337)
    theirs = reference_nn.MLP(2, [16, 16, 1])
    weights = micrograd_weights(theirs)
    scalar, vector = TorchScalarMLP(weights), TorchVectorMLP(weights)
    X_tensor, y_tensor = torch.tensor(X, dtype=torch.float64), torch.tensor(y, dtype=torch.float64)
    random.seed(1337)
    compiled_model = nn.MLP(2, [16, 16, 1])
    step = micrograd.compile(compile_bench.demo_loss(compiled_model))
    runs = {
        "this project": lambda: demo_step(ours, X, y, micrograd.Value),
        "this project, compiled": lambda: compile_bench.sgd_step(step, compiled_model, X, y),
        "micrograd 0.1.0": lambda: demo_step(theirs, X, y, reference_engine.Value),
        "PyTorch, 0-d tensors": lambda: torch_scalar_step(scalar, X, y),
        "PyTorch, matrices": lambda: torch_vector_step(vector, X_tensor, y_tensor),
    }
    first = runs["this project, compiled"]()  # the tracing call, timed in section 5
    # Steps of a millisecond or less are timed 30 times a round, for steadier medians.
    times, losses = interleave(runs, rounds, {"this project, compiled": 30, "PyTorch, matrices": 30},
                               {"this project, compiled": [first]})
    # Every implementation took the same steps from the same weights: the losses agree.
    for name, values in losses.items():
        for ours_loss, their_loss in zip(losses["micrograd 0.1.0"], values):
            tolerance = 1e-9 if name.startswith("this project") else 1e-6
            assert abs(ours_loss - their_loss) <= tolerance * abs(their_loss), (name, ours_loss, their_loss)
    return times, losses["this project"], (X, y)


def interleave(runs, rounds, repeats=None, results=None):
    """Each round runs every implementation in turn (repeats[name] times); returns times and results by name."""
    times = {name: [] for name in runs}
    results = {name: list((results or {}).get(name, [])) for name in runs}
    for _ in range(rounds):
        for name, run in runs.items():
            gc.collect()
            for _ in range((repeats or {}).get(name, 1)):
                start = time.perf_counter()
                results[name].append(run())
                times[name].append(time.perf_counter() - start)
    return times, results


# --- 2-4. Graph size and shape ----------------------------------------------------------------

def chain(Value, operations):
    """y = y * w + b repeated: `operations` nodes in one line, as deep as it is long."""
    x, w, b = Value(0.5), Value(0.999999), Value(1e-7)
    y = x
    for _ in range(operations // 2):
        y = y * w + b
    return x, y


def sum_of_products(Value, terms):
    xs = [Value(i / terms) for i in range(terms)]
    return xs, sum(x * x for x in xs)  # builtin sum: a chain of `terms` additions


def nary_sum_of_products(Value, terms):
    xs = [Value(i / terms) for i in range(terms)]
    return xs, micrograd.sum(x * x for x in xs)  # one n-ary node instead of a chain


def wide_dag(Value, width, depth, seed=0):
    """Layers that each combine three random earlier nodes: heavy sharing, modest depth."""
    rng = random.Random(seed)
    pool = [Value(rng.uniform(-1, 1)) for _ in range(width)]
    leaves = list(pool)
    for _ in range(depth):
        pool += [(pool[rng.randrange(len(pool))] * pool[rng.randrange(len(pool))]
                  + pool[rng.randrange(len(pool))]) * 0.5 for _ in range(width)]
    return leaves, pairwise_sum(pool[-width:])


def pairwise_sum(values):
    """A balanced tree of additions, shallow enough for micrograd's recursive backward."""
    while len(values) > 1:
        values = [values[i] + values[i + 1] if i + 1 < len(values) else values[i]
                  for i in range(0, len(values), 2)]
    return values[0]


def torch_scalar(x):
    return torch.tensor(x, dtype=torch.float64, requires_grad=True)


def build_and_backward(build, Value, size):
    """Seconds to build and to backpropagate, or the exception's name when it fails."""
    gc.collect()
    start = time.perf_counter()
    try:
        leaves, out = build(Value, *size) if isinstance(size, tuple) else build(Value, size)
        built = time.perf_counter()
        out.backward()
    except RecursionError:
        return "RecursionError"
    done = time.perf_counter()
    del leaves, out
    return built - start, done - built


def bytes_per_node(build, Value, size, nodes, backward=True):
    """tracemalloc peak while building (and backpropagating), per node."""
    gc.collect()
    tracemalloc.start()
    leaves, out = build(Value, size)
    if backward:
        out.backward()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    del leaves, out
    return peak / nodes


def cycle_garbage(build, Value, size):
    """Objects the cycle collector must find after a graph is dropped (0: reference counting frees it)."""
    gc.collect()
    gc.disable()
    try:
        leaves, out = build(Value, size)
        del leaves, out
        return gc.collect()
    finally:
        gc.enable()


def graph_rows(reference_engine, quick):
    million = 200_000 if quick else 1_000_000
    cases = [
        ("chain y = y*w + b", chain, million),
        ("builtin sum() of x*x", sum_of_products, million),
        ("wide DAG, heavy sharing", wide_dag, (500, 40) if quick else (2000, 60)),
    ]
    engines = {"this project": micrograd.Value, "micrograd 0.1.0": reference_engine.Value,
               "PyTorch, 0-d tensors": torch_scalar}
    rows = []
    for title, build, size in cases:
        for engine, Value in engines.items():
            rows.append((title, size, engine, build_and_backward(build, Value, size)))
    rows.append(("micrograd.sum() of x*x (one n-ary node)", million, "this project",
                 build_and_backward(nary_sum_of_products, micrograd.Value, million)))
    return rows


# --- Report ------------------------------------------------------------------------------------

def seconds(value):
    if value < 0.01:
        return f"{value * 1000:.2f} ms"
    return f"{value * 1000:.1f} ms" if value < 1 else f"{value:.2f} s"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds and smaller graphs")
    args = parser.parse_args()
    reference_engine, reference_nn = load_reference()
    # PyTorch's fastest setting here: small matrices gain nothing from a second thread, and on a shared
    # machine its threads wait for each other (2 threads: 0.7 ms to 40 ms a step; 1 thread: 0.6-0.9 ms).
    torch.set_num_threads(1)
    print(f"# micrograd benchmarks\n\nPython {platform.python_version()}, torch {torch.__version__}, "
          f"{platform.machine()}, {platform.processor() or 'cpu'}, {torch.get_num_threads()} torch thread\n")

    rounds = 3 if args.quick else 7
    times, our_losses, (X, y) = training_step(reference_engine, reference_nn, rounds)
    medians = {name: statistics.median(values) for name, values in times.items()}
    ours = medians["this project"]
    print("## 1. One training step: MLP(2, [16, 16, 1]), 100 moons points, hinge + L2, SGD\n")
    print("| implementation | median step | its time / this project's | micrograd 0.1.0's time / its time |")
    print("|---|---|---|---|")
    for name, median in medians.items():
        print(f"| {name} | {seconds(median)} | {median / ours:.{1 if median >= ours else 3}f} "
              f"| {medians['micrograd 0.1.0'] / median:.{0 if median < medians['micrograd 0.1.0'] else 2}f} |")
    print(f"\nLosses agree with micrograd 0.1.0 to 1e-9 relative on every step "
          f"(first {our_losses[0]:.12f}, last {our_losses[-1]:.12f}), compiled too. The compiled step is "
          f"micrograd's notebook code run through `micrograd.compile`; its first call, which traces, is not in "
          f"these times (section 5).\n")

    print("## 2-4. Build and backward of large graphs\n")
    print("| graph | size | implementation | build | backward |")
    print("|---|---|---|---|---|")
    rows = graph_rows(reference_engine, args.quick)
    for title, size, engine, result in rows:
        shown = (f"{seconds(result[0])} | {seconds(result[1])}" if isinstance(result, tuple)
                 else f"{result} | -")
        print(f"| {title} | {size} | {engine} | {shown} |")

    operations = 200_000 if args.quick else 1_000_000
    small = 100_000
    print("\n## Memory and freeing\n")
    print("| measure | this project | micrograd 0.1.0 |")
    print("|---|---|---|")
    ours_bytes = bytes_per_node(chain, micrograd.Value, operations, operations + 3)
    theirs_bytes = bytes_per_node(chain, reference_engine.Value, small, small + 3, backward=False)
    print(f"| tracemalloc peak per node, chain build + backward | {ours_bytes:.0f} B ({operations} nodes) "
          f"| {theirs_bytes:.0f} B ({small} nodes, build only: backward hits RecursionError) |")
    our_garbage = cycle_garbage(chain, micrograd.Value, small)
    print(f"| objects left for the cycle collector after dropping a {small}-node chain "
          f"| {our_garbage} | {cycle_garbage(chain, reference_engine.Value, small)} |")

    print()
    compile_targets = compile_bench.report(ours, medians["this project, compiled"], medians["micrograd 0.1.0"],
                                           medians["PyTorch, matrices"], X, y, rounds, seconds)
    targets = {
        "training step at least 10x faster than micrograd 0.1.0": medians["micrograd 0.1.0"] >= 10 * ours,
        "training step at least 5x faster than PyTorch 0-d tensors": medians["PyTorch, 0-d tensors"] >= 5 * ours,
        "every graph builds and backpropagates": all(isinstance(result, tuple) for _, _, engine, result in rows
                                                     if engine == "this project"),
        "at most 200 bytes per node": ours_bytes <= 200,
        "no reference cycles": our_garbage == 0,
        **compile_targets,
    }
    print("\n## Targets\n")
    for target, met in targets.items():
        print(f"- {'met' if met else 'MISSED'}: {target}")
    if not all(targets.values()):
        sys.exit(1)


if __name__ == "__main__":
    main()
