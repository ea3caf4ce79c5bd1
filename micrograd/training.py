"""A minibatch training loop with a tqdm progress bar."""

import random
import warnings
from typing import Callable, Optional, Sequence

import micrograd
from micrograd import losses, nn, optim, validate
from micrograd._optional import require


def _mean_cross_entropy(outputs, labels):
    return micrograd.sum([losses.cross_entropy(o, label) for o, label in zip(outputs, labels)]) / len(labels)


# loss name: (loss of a batch of model outputs and 0/1 or class labels, predicted class of one output,
#             whether the model has one output and the labels are 0/1)
LOSSES = {
    'hinge': (lambda outputs, labels: losses.hinge(outputs, [2 * label - 1 for label in labels]),
              lambda output: losses.predicted_class(output, 0.0), True),
    'binary_cross_entropy': (losses.binary_cross_entropy, lambda output: losses.predicted_class(output, 0.5), True),
    'mse': (losses.mse, lambda output: losses.predicted_class(output, 0.5), True),
    'cross_entropy': (_mean_cross_entropy, losses.predicted_class, False),
}


def fit(model: nn.Module, X: Sequence[Sequence[float]], y: Sequence[int], loss: str = 'hinge',
        optimizer: Optional[optim.Optimizer] = None, epochs: int = 100, batch_size: Optional[int] = None, l2: float = 0.0,
        lr_schedule: Optional[Callable[[int], float]] = None, random_state: Optional[int] = None,
        progress: bool = True, compile: bool = False) -> dict[str, list[float]]:  # noqa: A002 - as torch's flag
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
    tqdm = require('tqdm', extra='train').tqdm
    trainer = _Trainer(model, X, y, loss, optimizer, batch_size, l2, lr_schedule, random_state, compile)
    epochs = validate.integer(epochs, "epochs", at_least=1)
    history: dict[str, list[float]] = {'loss': [], 'accuracy': []}
    bar = tqdm(range(epochs), desc='training', unit='epoch', disable=not progress)
    with micrograd.enable_grad():  # training inside a no_grad() block still records the graph
        for _ in bar:
            epoch_loss, accuracy = trainer.epoch()
            history['loss'].append(epoch_loss)
            history['accuracy'].append(accuracy)
            bar.set_postfix(loss=f"{epoch_loss:.4f}", accuracy=f"{accuracy:.0%}")
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


class _Trainer:
    """fit()'s checked settings, and what one epoch and one batch do with them."""

    def __init__(self, model, X, y, loss, optimizer, batch_size, l2, lr_schedule, random_state, compile):  # noqa: A002
        self.batch_loss, self.predict, self.binary = LOSSES[validate.choice(loss, "loss", LOSSES)]
        _check_data(X, y, self.binary)
        self.model, self.X, self.y = model, X, y
        self.batch_size = len(X) if batch_size is None else validate.integer(batch_size, "batch_size", at_least=1)
        self.l2 = validate.real(l2, "l2", at_least=0)
        if lr_schedule is not None:
            validate.function(lr_schedule, "lr_schedule", "a function of the step number")
        self.lr_schedule = lr_schedule
        self.optimizer = _checked_optimizer(optimizer, model)
        self.rng = random.Random(random_state)
        self.order = list(range(len(X)))
        self.steps = 0
        if not isinstance(compile, bool):
            raise validate.type_error("compile", "True or False", compile)
        self.objective = _batch_objective(model, self.batch_loss, self.binary, self.l2)
        if compile:
            self.objective = _compiled(self.objective, self.batch_size < len(X))

    def epoch(self) -> tuple[float, float]:
        """One pass over the samples, shuffled when in batches: (mean loss, accuracy), each batch before its update."""
        if self.batch_size < len(self.order):
            self.rng.shuffle(self.order)
        loss_sum = correct = 0
        for start in range(0, len(self.order), self.batch_size):
            batch = self.order[start:start + self.batch_size]
            loss, hits = self.step(batch)
            loss_sum += loss * len(batch)
            correct += hits
        return loss_sum / len(self.order), correct / len(self.order)

    def step(self, batch):
        """Loss (+ l2 * sum(p*p)) of the samples in batch, backward, one optimizer step: (loss, correct predictions)."""
        labels = tuple(self.y[i] for i in batch)
        total, outputs = self.objective([self.X[i] for i in batch], labels)
        correct = sum(self.predict(o) == label for o, label in zip(outputs, labels))
        self.model.zero_grad()
        total.backward()
        if self.lr_schedule is not None:
            self.optimizer.lr = self.lr_schedule(self.steps)
        self.optimizer.step()
        self.steps += 1
        return total.data, correct


def _checked_optimizer(optimizer, model):
    """The optimizer fit() uses: SGD(lr=0.1) by default; anything without step(), or training nothing, refused."""
    if optimizer is None:
        return optim.SGD(model.parameters(), lr=0.1)
    if not callable(getattr(optimizer, 'step', None)):
        raise validate.type_error("optimizer", "an object with step(), e.g. micrograd.optim.Adam(model.parameters())",
                                  optimizer)
    _check_optimizer_trains(optimizer, model)
    return optimizer


def _check_optimizer_trains(optimizer, model):
    """Refuse an optimizer whose params (where it lists them) hold none of the model's: it would train nothing."""
    params = getattr(optimizer, 'params', None)
    if params is None:
        return
    ours = {id(p) for p in model.parameters()}
    if not any(id(p) in ours for p in params):
        raise ValueError(f"the optimizer updates none of the model's {len(ours)} parameters (was it made for "
                         "another model, or before the model's parameters were replaced?); make it from this "
                         "model, e.g. micrograd.optim.SGD(model.parameters(), lr=0.1)")


def _check_data(X, y, binary):
    if len(X) != len(y):
        raise ValueError(f"X and y must have the same length, got {len(X)} and {len(y)}")
    if len(X) == 0:
        raise ValueError("X and y must not be empty")
    expected = "0 or 1" if binary else "a class index >= 0"
    for i, label in enumerate(y):
        validate.integer(label, f"labels[{i}]")
        if label < 0 or (binary and label > 1):
            raise validate.value_error(f"labels[{i}]", expected, label)


def _checked_output(output, binary):
    if binary and not isinstance(output, micrograd.Value):
        raise ValueError(f"this loss needs a model with one output, got {len(output)} outputs")
    return output
