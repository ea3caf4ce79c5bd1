"""micrograd.compile's benchmarks: the demo step compiled, what its tracing call costs, and a digits classifier.

Imported by run.py, which interleaves the compiled demo step with the other implementations of
section 1 and prints these sections after it.
"""

import gc
import random
import statistics
import time
import tracemalloc

import torch

import micrograd
from micrograd import nn


def demo_loss(model):
    """micrograd's demo loss as its notebook writes it (builtin sum and all); X and y arrive as Values already."""
    def loss(Xb, yb):
        scores = list(map(model, Xb))
        losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(yb, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        reg_loss = 1e-4 * sum((p * p for p in model.parameters()))
        return data_loss + reg_loss
    return loss


def sgd_step(step, model, X, y, learning_rate=1.0):
    """One SGD step through a loss function (compiled or not): the loop of micrograd's notebook."""
    total = step(X, y)
    model.zero_grad()
    total.backward()
    for p in model.parameters():
        p.data -= learning_rate * p.grad
    return total.data


def graph_nodes(root):
    """Nodes (not leaves) of the graph below root."""
    seen, stack, count = {root}, [root], 0
    while stack:
        node = stack.pop()
        count += bool(node._operands)
        for child in node._operands:
            if child not in seen:
                seen.add(child)
                stack.append(child)
    return count


def first_calls(X, y, rounds):
    """Seconds of the first step of a freshly compiled demo loss (trace, replay, backward, update) and, in
    turn with it (the machine's load changes), of an interpreted step."""
    firsts, interpreted = [], []
    for _ in range(rounds):
        model = nn.MLP(2, [16, 16, 1], rng=random.Random(1337))
        loss = demo_loss(model)
        step = micrograd.compile(loss)
        gc.collect()
        start = time.perf_counter()
        sgd_step(step, model, X, y)
        firsts.append(time.perf_counter() - start)
        gc.collect()
        start = time.perf_counter()
        sgd_step(lambda Xb, yb, loss=loss: loss([list(map(micrograd.Value, row)) for row in Xb],
                                                list(map(micrograd.Value, yb))), model, X, y, 0.0)
        interpreted.append(time.perf_counter() - start)
    return firsts, interpreted


def trace_memory(X, y):
    """(nodes traced, tracemalloc peak of the first call, bytes the compiled program keeps), for the demo loss."""
    model = nn.MLP(2, [16, 16, 1], rng=random.Random(1337))
    loss = demo_loss(model)
    nodes = graph_nodes(loss([[micrograd.Value(v) for v in row] for row in X], [micrograd.Value(v) for v in y]))
    gc.collect()
    tracemalloc.start()
    step = micrograd.compile(loss)
    sgd_step(step, model, X, y)
    gc.collect()
    kept, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del step
    return nodes, peak, kept


# --- A 64-50-10 softmax classifier on scikit-learn's digits, minibatches of 100 --------------------

def digits():
    """Pixels scaled to [0, 1] and one-hot labels, as float64 numpy arrays."""
    import numpy as np
    from sklearn.datasets import load_digits
    data = load_digits()
    return data.data / 16.0, np.eye(10)[data.target]


def digits_loss(model):
    """Mean cross-entropy log(sum exp z) - z[label], the label given as a one-hot row of data."""
    def loss(Xb, Tb):
        terms = [micrograd.sum([z.exp() for z in logits]).log() - micrograd.dot(t, logits)
                 for logits, t in zip(map(model, Xb), Tb)]
        return micrograd.sum(terms) * (1.0 / len(terms))
    return loss


class TorchDigits:
    """The same network as float64 matrices."""

    def __init__(self, model):
        self.params = []
        for layer in model.layers:
            weights = [[w.data for w in n.w] for n in layer.neurons]
            self.params.append(torch.tensor(weights, dtype=torch.float64).T.clone().requires_grad_())
            self.params.append(torch.tensor([n.b.data for n in layer.neurons], dtype=torch.float64).requires_grad_())

    def step(self, X, T, learning_rate):
        W1, b1, W2, b2 = self.params
        Z = torch.relu(X @ W1 + b1) @ W2 + b2
        total = (torch.logsumexp(Z, dim=1) - (T * Z).sum(dim=1)).mean()
        for p in self.params:
            p.grad = None
        total.backward()
        with torch.no_grad():
            for p in self.params:
                p -= learning_rate * p.grad
        return total.item()


def digits_epochs(rounds, learning_rate=0.5, batch=100):
    """Seconds per epoch and batch losses of the same training, compiled, interpreted (two epochs) and in torch."""
    X, T = digits()
    models = {name: nn.MLP(64, [50, 10], init='xavier', rng=random.Random(0))
              for name in ("this project, compiled", "this project, interpreted")}
    losses = {name: digits_loss(model) for name, model in models.items()}
    steps = {"this project, compiled": micrograd.compile(losses["this project, compiled"]),
             "this project, interpreted": losses["this project, interpreted"]}
    torch_model = TorchDigits(models["this project, compiled"])
    X_tensor, T_tensor = torch.from_numpy(X), torch.from_numpy(T)

    def ours(name, order):  # numpy batches to the compiled step, as torch gets tensors; lists to the interpreted one
        convert = (lambda a: a) if name.endswith("compiled") else (lambda a: a.tolist())
        return [sgd_step(steps[name], models[name], convert(X[order[s:s + batch]]), convert(T[order[s:s + batch]]),
                              learning_rate) for s in range(0, len(order), batch)]

    def theirs(order):
        index = torch.tensor(order)
        return [torch_model.step(X_tensor[index[s:s + batch]], T_tensor[index[s:s + batch]], learning_rate)
                for s in range(0, len(order), batch)]

    times = {"this project, compiled": [], "this project, interpreted": [], "PyTorch, matrices": []}
    histories = {name: [] for name in times}
    for epoch in range(rounds):
        order = list(range(len(X)))
        random.Random(epoch).shuffle(order)
        runs = {"this project, compiled": lambda order=order: ours("this project, compiled", order),
                "PyTorch, matrices": lambda order=order: theirs(order)}
        if epoch < 2:  # an interpreted epoch takes seconds
            runs["this project, interpreted"] = lambda order=order: ours("this project, interpreted", order)
        for name, run in runs.items():
            gc.collect()
            start = time.perf_counter()
            histories[name] += run()
            times[name].append(time.perf_counter() - start)
    compiled = histories["this project, compiled"]
    for name in ("PyTorch, matrices", "this project, interpreted"):
        for a, b in zip(compiled, histories[name]):
            assert abs(a - b) <= 1e-9 * abs(b), (name, a, b)
    return times, compiled, steps["this project, compiled"].traces


def report(interpreted_step, compiled_step, micrograd_step, torch_step, X, y, rounds, seconds):
    """Print the compile sections; returns {target: met}."""
    firsts, interpreted = first_calls(X, y, rounds)
    first, interpreted_now = statistics.median(firsts), statistics.median(interpreted)
    nodes, peak, kept = trace_memory(X, y)
    print("## 5. micrograd.compile: tracing and memory (the demo step of section 1)\n")
    print("| measure | value |")
    print("|---|---|")
    print(f"| compiled step (section 1) | {seconds(compiled_step)}: {micrograd_step / compiled_step:.0f}x "
          f"micrograd 0.1.0, {interpreted_step / compiled_step:.0f}x interpreted, "
          f"{torch_step / compiled_step:.2f}x PyTorch matrices |")
    print(f"| first call: trace + replay + backward + update | {seconds(first)} "
          f"({first / interpreted_now:.1f} interpreted steps of {seconds(interpreted_now)}, timed in turn with it) |")
    print(f"| nodes traced | {nodes} |")
    print(f"| tracemalloc peak of the first call | {peak / 1e6:.1f} MB ({peak / nodes:.0f} B per traced node) |")
    print(f"| kept by the compiled program | {kept / 1e6:.2f} MB ({kept / nodes:.0f} B per traced node) |")

    times, losses, traces = digits_epochs(rounds=3 if rounds < 5 else 5)
    print("\n## 6. A 64-50-10 softmax classifier on the 8x8 digits (1797 images), minibatches of 100, SGD\n")
    print("| implementation | first epoch | median later epoch | its time / PyTorch's |")
    print("|---|---|---|---|")
    torch_epoch = statistics.median(times["PyTorch, matrices"][1:])
    for name, values in times.items():
        later = statistics.median(values[1:]) if len(values) > 1 else values[0]
        print(f"| {name} | {seconds(values[0])} | {seconds(later)} | {later / torch_epoch:.2f} |")
    print(f"\nThe same batches from the same weights: batch losses agree to 1e-9 relative (first {losses[0]:.12f}, "
          f"last {losses[-1]:.12f}); {traces} traces (batches of 100 and the last one of 97).\n")
    return {
        "compiled training step at least as fast as PyTorch on whole matrices": compiled_step <= torch_step,
        "first (tracing) call at most 4 interpreted steps": first <= 4 * interpreted_now,
    }
