"""SGD and Adam, updating `.data` in place with `torch.optim`'s formulas and operation order.

Results agree with torch.optim in float64 to about 1e-13 relative, not bit
for bit: torch fuses some multiply-adds (`add_(x, alpha=a)`), rounding once
where Python rounds twice. Division by zero gives IEEE's inf/nan as in torch.
"""

import math
from typing import Iterable, Optional, Sequence

from micrograd import ieee, validate
from micrograd.engine import Value

__all__ = ['Optimizer', 'SGD', 'Adam']


class Optimizer:
    """Holds the parameters and their per-parameter state; `step()` is the update rule.

    A step computes every new value and state first and changes them only
    when all are computed, so a step never stops half applied.
    """

    params: list[Value]

    def __init__(self, params: Iterable[Value], lr: float) -> None:
        self.params = validate.items(params, "params", "an iterable of Values")  # a generator is read once
        if not self.params:
            raise ValueError("optimizer got an empty parameter list")
        first_index: dict[Value, int] = {}
        for i, p in enumerate(self.params):
            if not isinstance(p, Value):
                raise TypeError(f"optimizer params must be Values, got {type(p).__name__} at index {i}")
            if first_index.setdefault(p, i) != i:
                raise ValueError(f"optimizer params list the same Value twice, at index {first_index[p]} and {i}")
        self.lr = lr

    @property
    def lr(self) -> float:
        return self._lr

    @lr.setter
    def lr(self, value: float) -> None:
        """Settable between steps (learning-rate schedules), validated like the constructor."""
        self._lr = validate.real(value, "learning rate lr", at_least=0)

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:
        raise NotImplementedError

    def _apply(self, new_data: Sequence[float]) -> None:
        for p, data in zip(self.params, new_data):
            p.data = data


class SGD(Optimizer):
    """torch.optim.SGD with dampening 0 and nesterov False: the first step's momentum buffer is the gradient."""

    def __init__(self, params: Iterable[Value], lr: float, momentum: float = 0.0, weight_decay: float = 0.0) -> None:
        super().__init__(params, lr)
        self.momentum = validate.real(momentum, "momentum", at_least=0)
        self.weight_decay = validate.real(weight_decay, "weight_decay", at_least=0)
        self._buffers: list[Optional[float]] = [None] * len(self.params)

    def step(self) -> None:
        lr, momentum, weight_decay = self.lr, self.momentum, self.weight_decay
        buffers: list[Optional[float]] = []
        new_data: list[float] = []
        for p, buffer in zip(self.params, self._buffers):
            g = p.grad
            if weight_decay:
                g = g + weight_decay * p.data
            if momentum:
                g = buffer = g if buffer is None else buffer * momentum + g
            buffers.append(buffer)
            new_data.append(p.data - lr * g)
        self._buffers = buffers
        self._apply(new_data)


class Adam(Optimizer):
    """torch.optim.Adam (amsgrad False): bias-corrected moment estimates, L2 `weight_decay` added to the gradient."""

    def __init__(self, params: Iterable[Value], lr: float = 1e-3, betas: Sequence[float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0) -> None:
        super().__init__(params, lr)
        if not isinstance(betas, (tuple, list)):
            raise validate.type_error("betas", "a pair (beta1, beta2)", betas)
        if len(betas) != 2:
            raise validate.value_error("betas", "a pair (beta1, beta2)", betas)
        self.betas = tuple(validate.real(beta, f"betas[{i}]", at_least=0, below=1) for i, beta in enumerate(betas))
        self.eps = validate.real(eps, "eps", at_least=0)
        self.weight_decay = validate.real(weight_decay, "weight_decay", at_least=0)
        self.steps = 0
        self._first = [0.0] * len(self.params)
        self._second = [0.0] * len(self.params)

    def step(self) -> None:
        beta1, beta2 = self.betas
        steps = self.steps + 1
        step_size = self.lr / (1 - beta1 ** steps)
        correction2_sqrt = (1 - beta2 ** steps) ** 0.5
        first: list[float] = []
        second: list[float] = []
        new_data: list[float] = []
        for p, m, v in zip(self.params, self._first, self._second):
            g = p.grad
            if self.weight_decay:
                g = g + self.weight_decay * p.data
            m = _lerp(m, g, 1 - beta1)
            v = v * beta2 + (1 - beta2) * g * g
            denominator = math.sqrt(v) / correction2_sqrt + self.eps
            first.append(m)
            second.append(v)
            new_data.append(p.data - ieee.divide(step_size * m, denominator))
        self.steps, self._first, self._second = steps, first, second
        self._apply(new_data)


def _lerp(start: float, end: float, weight: float) -> float:
    """start + weight * (end - start), rounded the way torch.lerp rounds it."""
    if weight < 0.5:
        return start + weight * (end - start)
    return end - (end - start) * (1 - weight)

