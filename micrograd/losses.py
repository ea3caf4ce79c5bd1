"""Loss functions on Values, averaged over the samples like PyTorch's default reduction='mean', and the class a model predicts.

Predictions may be Values or plain numbers; targets and labels are plain
numbers (they are data, not parameters).
"""

from typing import Callable, Iterable, Sequence, Union

import micrograd
from micrograd import validate
from micrograd.engine import Number, Value, as_values

__all__ = ['mse', 'hinge', 'binary_cross_entropy', 'softmax', 'cross_entropy', 'predicted_class']

# What the losses take: a Value or a plain number for each prediction, a plain number (int, float) for each target.
Scalar = Union[Value, Number]
Scalars = Iterable[Scalar]
Numbers = Iterable[float]

LOG_CLAMP = -100.0  # torch.nn.BCELoss clamps each log at -100 so a 0 or 1 probability gives a finite loss


def mse(predictions: Scalars, targets: Numbers) -> Value:
    """Mean of (prediction - target)**2."""
    predictions, targets = _paired(predictions, targets, "predictions", "targets")
    return micrograd.sum([(p - t) ** 2 for p, t in zip(predictions, targets)]) / len(predictions)


def hinge(scores: Scalars, labels: Numbers) -> Value:
    """micrograd demo's max-margin loss: mean of relu(1 - y*s) for labels y in {-1, 1}."""
    scores, labels = _paired(scores, labels, "scores", "labels")
    for i, y in enumerate(labels):
        if y not in (-1, 1):
            raise ValueError(f"hinge labels must be -1 or 1 (use 2*y - 1 for 0/1 labels), got {y!r} at index {i}")
    # The same operations as micrograd's demo, so the same floats.
    losses = [(1 + -y * s).relu() for y, s in zip(labels, scores)]
    return micrograd.sum(losses) * (1.0 / len(losses))


def binary_cross_entropy(probabilities: Scalars, targets: Numbers) -> Value:
    """Mean of -(t*log(p) + (1 - t)*log1p(-p)), each log clamped at -100 like torch's BCELoss.

    The gradient is the exact derivative of that expression (a clamped log is
    a constant); it equals PyTorch's wherever p*(1-p) >= 1e-12, where PyTorch's
    own backward divides by max(p*(1-p), 1e-12) instead.
    """
    probabilities, targets = _paired(probabilities, targets, "probabilities", "targets")
    for i, (p, t) in enumerate(zip(probabilities, targets)):
        if not 0 <= p.data <= 1:
            raise ValueError(f"probabilities must be in [0, 1], got {p.data!r} at index {i}")
        if not 0 <= t <= 1:
            raise ValueError(f"targets must be in [0, 1], got {t!r} at index {i}")
    terms = [t * _clamped(Value.log, p) + (1 - t) * _clamped(Value.log1p, -p) for p, t in zip(probabilities, targets)]
    return -micrograd.sum(terms) / len(terms)


def softmax(values: Scalars) -> list[Value]:
    """exp(v_i) / sum_j exp(v_j), computed after subtracting the largest value so it never overflows."""
    values = _values(values, "softmax values")
    exps = [v.exp() for v in _shifted(values)]
    total = micrograd.sum(exps)
    return [e / total for e in exps]


def cross_entropy(logits: Scalars, target: int) -> Value:
    """-log softmax(logits)[target], stable and accurate for logits of any size.

    Computed as log(sum exp(v - m)) - (v_target - m) with m the largest logit,
    so m cancels exactly (adding it back would round away the result for
    logits like 1e17).

    Equal to torch.nn.functional.cross_entropy on one sample (the mean over one sample is the sample).
    """
    logits = _values(logits, "cross_entropy logits")
    validate.integer(target, "cross_entropy target")
    if not 0 <= target < len(logits):
        raise validate.value_error("cross_entropy target", f"a class index in [0, {len(logits) - 1}]", target)
    shifted = _shifted(logits)
    return micrograd.sum([v.exp() for v in shifted]).log() - shifted[target]


def predicted_class(output: Union[Value, Sequence[Value]], threshold: float = 0.0) -> int:
    """The class a model's output stands for: 1 if a single output exceeds threshold, else 0; of several, the largest's index.

    threshold is 0 for scores (hinge loss) and 0.5 for probabilities (a sigmoid output).
    """
    if isinstance(output, Value):
        return int(output.data > threshold)
    return max(range(len(output)), key=lambda i: output[i].data)


def _shifted(values: list[Value]) -> list[Value]:
    """values minus the largest one, so exp never overflows (a constant shift: softmax does not depend on it)."""
    largest = max(v.data for v in values)
    return [v - largest for v in values]


def _clamped(log: Callable[[Value], Value], x: Value) -> Value:
    """log(x), or the constant LOG_CLAMP where that is smaller or -inf (x at the edge of the domain)."""
    try:
        result = log(x)
    except ValueError:
        return Value(LOG_CLAMP)
    return Value(LOG_CLAMP) if result.data < LOG_CLAMP else result


def _values(xs: Scalars, what: str) -> list[Value]:
    """xs as a non-empty list of Values (plain numbers become constants)."""
    xs = validate.items(xs, what, "a list of Values or numbers")
    if not xs:
        raise ValueError(f"{what} must not be empty")
    return as_values(xs, what)


def _paired(outputs: Scalars, targets: Numbers, outputs_name: str, targets_name: str) -> tuple[list[Value], list[float]]:
    """Check lengths and types: outputs as Values, targets as plain numbers."""
    outputs = _values(outputs, outputs_name)
    targets = validate.items(targets, targets_name, "a list of numbers")
    if len(outputs) != len(targets):
        raise ValueError(f"{outputs_name} and {targets_name} must have the same length, "
                         f"got {len(outputs)} and {len(targets)}")
    for i, t in enumerate(targets):
        validate.real(t, f"{targets_name}[{i}]", finite=False)
    return outputs, targets
