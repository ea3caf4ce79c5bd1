"""Record micrograd 0.1.0's initial MLP weights and first demo-loop steps as tests/data/micrograd_reference.json.

Run by hand, never by the tests (they read only the JSON):

    mkdir -p /tmp/mgref_pkg && cp -r <unpacked micrograd-0.1.0>/micrograd /tmp/mgref_pkg/micrograd_ref
    sed -i 's/from micrograd.engine/from micrograd_ref.engine/' /tmp/mgref_pkg/micrograd_ref/nn.py
    PYTHONPATH=/tmp/mgref_pkg python tests/data/record_micrograd_reference.py

The moons points are made here with the standard library only (scikit-learn's
half circles, Gaussian noise 0.1 from random.Random(2024)) and stored, so the
reference does not depend on micrograd.data.
"""

import json
import math
import os
import random

from micrograd_ref.engine import Value
from micrograd_ref.nn import MLP

STEPS = 10


def moons(n=100, noise=0.1, seed=2024):
    rng = random.Random(seed)
    n_out, n_in = n // 2, n - n // 2
    outer = [(math.cos(math.pi * i / (n_out - 1)), math.sin(math.pi * i / (n_out - 1))) for i in range(n_out)]
    inner = [(1 - math.cos(math.pi * i / (n_in - 1)), 1 - math.sin(math.pi * i / (n_in - 1)) - 0.5)
             for i in range(n_in)]
    points = [[x + rng.gauss(0, noise), y + rng.gauss(0, noise)] for x, y in outer + inner]
    labels = [0] * n_out + [1] * n_in
    return points, labels


def demo_steps(model, X, y01):
    """micrograd's demo.ipynb loop, verbatim apart from names: hinge + 1e-4 L2, SGD 1.0 - 0.9*k/100."""
    yb = [yi * 2 - 1 for yi in y01]
    losses, accuracies = [], []
    for k in range(STEPS):
        inputs = [list(map(Value, xrow)) for xrow in X]
        scores = list(map(model, inputs))
        hinge = [(1 + -yi * scorei).relu() for yi, scorei in zip(yb, scores)]
        data_loss = sum(hinge) * (1.0 / len(hinge))
        reg_loss = 1e-4 * sum((p * p for p in model.parameters()))
        total_loss = data_loss + reg_loss
        accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(yb, scores)]
        losses.append(total_loss.data)
        accuracies.append(sum(accuracy) / len(accuracy))
        model.zero_grad()
        total_loss.backward()
        learning_rate = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= learning_rate * p.grad
    return losses, accuracies


def main():
    X, y = moons()
    random.seed(1337)
    model = MLP(2, [16, 16, 1])
    weights = [p.data for p in model.parameters()]
    losses, accuracies = demo_steps(model, X, y)
    record = {'source': 'micrograd 0.1.0 (PyPI), nn.MLP and the loop of its demo.ipynb',
              'seed': 1337, 'architecture': [2, [16, 16, 1]], 'repr': repr(model),
              'initial_parameters': weights, 'X': X, 'y': y,
              'demo_losses': losses, 'demo_accuracies': accuracies}
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'micrograd_reference.json')
    with open(path, 'w') as file:
        json.dump(record, file, indent=1)


if __name__ == '__main__':
    main()
