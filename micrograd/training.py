"""A minibatch training loop with a tqdm progress bar, and micrograd's moons demo built on it."""

import numbers
import os
import random
import warnings

import micrograd
from micrograd import data, losses, nn, optim
from micrograd.nn import _check_size
from micrograd.optim import _at_least_zero


def argmax(outputs):
    """The index of the largest output: the class a multi-output model predicts."""
    return max(range(len(outputs)), key=lambda i: outputs[i].data)


def _mean_cross_entropy(outputs, labels):
    return micrograd.sum([losses.cross_entropy(o, label) for o, label in zip(outputs, labels)]) / len(labels)


# loss name: (loss of a batch of model outputs and 0/1 or class labels, predicted class of one output,
#             whether the model has one output and the labels are 0/1)
LOSSES = {
    'hinge': (lambda outputs, labels: losses.hinge(outputs, [2 * label - 1 for label in labels]),
              lambda output: int(output.data > 0), True),
    'binary_cross_entropy': (losses.binary_cross_entropy, lambda output: int(output.data > 0.5), True),
    'mse': (losses.mse, lambda output: int(output.data > 0.5), True),
    'cross_entropy': (_mean_cross_entropy, argmax, False),
}


def fit(model, X, y, loss='hinge', optimizer=None, epochs=100, batch_size=None, l2=0.0,
        lr_schedule=None, random_state=None, progress=True, compile=False):  # noqa: A002 - as torch's flag
    """Train model on (X, y) and return {'loss': [...], 'accuracy': [...]}, one entry per epoch.

    y holds class labels: 0/1 for 'hinge' (mapped to -1/1), 'binary_cross_entropy'
    (the model should end in a sigmoid) and 'mse'; 0..k-1 for 'cross_entropy'
    (the model outputs k logits). Each step minimises the batch loss plus
    l2 * sum(p*p) (micrograd's regularisation, l2 >= 0) with `optimizer`, an
    object with step() such as micrograd.optim.Adam(model.parameters(), lr=0.01)
    (default SGD(lr=0.1)); `lr_schedule(step)`, if given, sets the learning rate
    before step 0, 1, 2, ... batch_size=None trains on all samples at once;
    otherwise each epoch visits the samples in an order shuffled by
    random.Random(random_state). An epoch's numbers are measured on each batch
    before its update, as in micrograd's demo. The graph is recorded even
    inside micrograd.no_grad(). compile=True runs the loss through
    micrograd.compile (needs numpy) when training on full batches; shuffled
    minibatches hold other labels each step, which a trace would keep as
    constants, so they train uncompiled, with a warning.
    """
    from tqdm import tqdm

    if loss not in LOSSES:
        raise ValueError(f"unknown loss {loss!r}, expected one of {sorted(LOSSES)}")
    batch_loss, predict, binary = LOSSES[loss]
    _check_data(X, y, binary)
    epochs = _check_size(epochs, "epochs")
    batch_size = len(X) if batch_size is None else _check_size(batch_size, "batch_size")
    l2 = _at_least_zero(l2, "l2")
    if not isinstance(compile, bool):
        raise TypeError(f"compile must be True or False, got {type(compile).__name__}: {compile!r:.60}")
    if lr_schedule is not None and not callable(lr_schedule):
        raise TypeError(f"lr_schedule must be a function of the step number, got {type(lr_schedule).__name__}")
    if optimizer is None:
        optimizer = optim.SGD(model.parameters(), lr=0.1)
    if not callable(getattr(optimizer, 'step', None)):
        raise TypeError(f"optimizer must be an object with step(), e.g. micrograd.optim.Adam(model.parameters()), "
                        f"got {type(optimizer).__name__}: {optimizer!r:.60}")
    rng = random.Random(random_state)
    order = list(range(len(X)))
    history = {'loss': [], 'accuracy': []}
    objective = _batch_objective(model, batch_loss, binary, l2)
    if compile:
        objective = _compiled(objective, batch_size < len(X))
    step = 0
    bar = tqdm(range(epochs), desc='training', unit='epoch', disable=not progress)
    with micrograd.enable_grad():  # training inside a no_grad() block still records the graph
        for _ in bar:
            if batch_size < len(X):
                rng.shuffle(order)
            loss_sum = correct = 0
            for start in range(0, len(order), batch_size):
                batch = order[start:start + batch_size]
                labels = tuple(y[i] for i in batch)
                total, outputs = objective([X[i] for i in batch], labels)
                loss_sum += total.data * len(batch)
                correct += sum(predict(o) == label for o, label in zip(outputs, labels))
                model.zero_grad()
                total.backward()
                if lr_schedule is not None:
                    optimizer.lr = lr_schedule(step)
                optimizer.step()
                step += 1
            history['loss'].append(loss_sum / len(X))
            history['accuracy'].append(correct / len(X))
            bar.set_postfix(loss=f"{history['loss'][-1]:.4f}", accuracy=f"{history['accuracy'][-1]:.0%}")
    bar.close()
    return history


def _compiled(objective, minibatches):
    from micrograd.compiler import CompileWarning
    if minibatches:
        warnings.warn("fit(compile=True) compiles full-batch training (batch_size=None): shuffled minibatches "
                      "would be traced anew at every step; training uncompiled", CompileWarning, stacklevel=3)
        return objective
    return micrograd.compile(objective, static_argnums=1)  # the labels: numbers the losses index with, part of the trace


def _batch_objective(model, batch_loss, binary, l2):
    """(loss + l2 penalty, model outputs) of a batch of inputs and their labels."""
    def objective(inputs, labels):
        outputs = [_checked_output(model(x), binary) for x in inputs]
        total = batch_loss(outputs, list(labels))
        if l2:
            total = total + l2 * micrograd.sum([p * p for p in model.parameters()])
        return total, outputs
    return objective


def moons_demo(out_dir, progress=True, random_state=1, steps=100, compile=True):  # noqa: A002 - fit's flag
    """micrograd's demo: MLP(2, [16, 16, 1]) from random.seed(1337) on 100 noisy moons.

    Hinge loss + 1e-4 L2, SGD with learning rate 1.0 - 0.9*k/steps at step k
    (micrograd's 1.0 - 0.9*k/100 for the default 100 steps), full batch.
    Writes loss_curve.png and decision_boundary.png into out_dir; returns the
    last step's loss and accuracy, the history and the files written.
    """
    from micrograd import plots

    X, y = data.make_moons(n_samples=100, noise=0.1, random_state=random_state)
    model = nn.MLP(2, [16, 16, 1], rng=random.Random(1337))  # the draws of random.seed(1337), global random untouched
    history = fit(model, X, y, loss='hinge', optimizer=optim.SGD(model.parameters(), lr=1.0),
                  epochs=steps, l2=1e-4, lr_schedule=lambda k: 1.0 - 0.9 * k / steps, progress=progress,
                  compile=compile)
    os.makedirs(out_dir, exist_ok=True)
    files = [os.path.join(out_dir, 'loss_curve.png'), os.path.join(out_dir, 'decision_boundary.png')]
    plots.save_loss_curve(history, files[0])
    plots.save_decision_boundary(model, X, y, files[1])
    return {'loss': history['loss'][-1], 'accuracy': history['accuracy'][-1], 'history': history, 'files': files}


def _check_data(X, y, binary):
    if len(X) != len(y):
        raise ValueError(f"X and y must have the same length, got {len(X)} and {len(y)}")
    if len(X) == 0:
        raise ValueError("X and y must not be empty")
    for i, label in enumerate(y):
        if not isinstance(label, numbers.Integral) or isinstance(label, bool) or label < 0 or (binary and label > 1):
            expected = "0 or 1" if binary else "a class index >= 0"
            raise ValueError(f"labels must be {expected}, got {label!r} at index {i}")


def _checked_output(output, binary):
    if binary and not isinstance(output, micrograd.Value):
        raise ValueError(f"this loss needs a model with one output, got {len(output)} outputs")
    return output
