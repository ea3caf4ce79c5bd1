"""Gradient checking: reverse-mode derivatives against central differences.

`check_grads(f, inputs, order=k)` checks orders 1, 2, ... k in turn, as JAX's
`check_grads` does in reverse mode. At order j it computes every j-th partial
derivative d^j f / dx_i1 ... dx_ij (the full derivative tensor: n ** j entries
for n inputs, so orders above 1 are meant for functions of a few inputs) and
compares each with a central difference of the (j-1)-th partial it came from:

    (D[i1..i(j-1)](x + eps e_ij) - D[i1..i(j-1)](x - eps e_ij)) / (2 eps)

where D is computed by the engine (`grad(..., create_graph=True)`, then one
`backward()`), and the order-0 "derivative" is f itself, evaluated under
`no_grad()`. Order j-1 is checked first, so a passing order j is a check
against a trusted reference, and every level uses a single difference
(never a difference of differences). Each difference still loses precision:
its rounding error grows like |D| * 1e-16 / eps and the derivatives computed
at higher orders go through bigger graphs, so the default step and
tolerances grow with the order (see `DEFAULT_TOLERANCES`).

`gradcheck(f, inputs)` is the order-1 case.
"""

import numbers
from typing import Callable, Iterable, Optional, Sequence, Tuple, Union

from micrograd import validate
from micrograd.autodiff import grad
from micrograd.engine import Number, Value
from micrograd.grad_mode import enable_grad, no_grad

__all__ = ['gradcheck', 'check_grads', 'GradcheckError', 'DEFAULT_TOLERANCES']

# One entry that disagrees: (input indices, analytic, numeric, tolerance).
Failure = Tuple[Tuple[int, ...], float, float, float]

# order: (eps, atol, rtol); orders above 3 use the last row.
DEFAULT_TOLERANCES: dict[int, Tuple[float, float, float]] = {
    1: (1e-6, 1e-5, 1e-3),
    2: (1e-5, 1e-4, 1e-3),
    3: (1e-5, 1e-3, 1e-2),
}


class GradcheckError(AssertionError):
    """Analytic and numeric derivatives disagree.

    `.order` is the derivative order that failed and `.failures` a list of
    (input indices, analytic, numeric, tolerance) tuples, one per bad entry.
    """

    def __init__(self, message: str, order: int, failures: list[Failure]) -> None:
        super().__init__(message)
        self.order = order
        self.failures = failures


def gradcheck(f: Callable[..., Value], inputs: Iterable[Union[Value, Number]], *, eps: float = 1e-6, atol: float = 1e-5,
              rtol: float = 1e-3) -> bool:
    """Check `backward()` gradients of f at inputs against central differences; True or GradcheckError.

    f takes one Value per input and returns a Value. An entry passes when
    |analytic - numeric| <= atol + rtol * |numeric|.
    """
    return check_grads(f, inputs, order=1, eps=eps, atol=atol, rtol=rtol)


def check_grads(f: Callable[..., Value], inputs: Iterable[Union[Value, Number]], order: int = 1, *,
                eps: Optional[float] = None, atol: Optional[float] = None, rtol: Optional[float] = None) -> bool:
    """Check derivatives of f at inputs of orders 1..order against central differences.

    inputs are real numbers or Values (their data and label are used). eps,
    atol and rtol, when given, apply to every order; left out, each order
    uses its row of DEFAULT_TOLERANCES. Returns True or raises GradcheckError
    for the lowest order that fails, naming every failing entry.
    """
    validate.function(f, "f", "a function of Values")
    point, labels = _read_inputs(inputs)
    order = validate.integer(order, "order", at_least=1)
    function = _Function(f, labels)
    for k in range(1, order + 1):
        defaults = DEFAULT_TOLERANCES[min(k, max(DEFAULT_TOLERANCES))]
        settings = [_setting(name, given, default)
                    for name, given, default in zip(("eps", "atol", "rtol"), (eps, atol, rtol), defaults)]
        failures = _compare(function, point, k, *settings)
        if failures:
            raise GradcheckError(_report(point, labels, k, failures, *settings), k, failures)
    return True


def _read_inputs(inputs: Iterable[Union[Value, Number]]) -> Tuple[list[float], list[str]]:
    point: list[float] = []
    labels: list[str] = []
    for i, x in enumerate(validate.items(inputs, "inputs", "a list of numbers or Values")):
        if not isinstance(x, (Value, numbers.Real)) or isinstance(x, bool):
            raise validate.type_error(f"inputs[{i}]", "a real number or a Value", x)
        point.append(validate.real(x.data if isinstance(x, Value) else x, f"inputs[{i}]"))
        labels.append(x.label if isinstance(x, Value) else "")
    if not point:
        raise ValueError("inputs is empty: f needs at least one input to differentiate")
    return point, labels


def _setting(name: str, given: Optional[float], default: float) -> float:
    value = default if given is None else given
    if name == "eps":
        return validate.real(value, name, above=0)
    return validate.real(value, name, at_least=0)


class _Function:
    """The user's f, called on fresh leaves, with its derivatives of any order."""

    def __init__(self, f: Callable[..., Value], labels: Sequence[str]) -> None:
        self.f = f
        self.labels = labels

    def call(self, xs: Sequence[Value]) -> Value:
        out = self.f(*xs)
        if not isinstance(out, Value):
            raise TypeError(f"f must return a Value, got {type(out).__name__}: {out!r:.60}")
        return out

    def partials(self, point: Sequence[float], order: int) -> dict[Tuple[int, ...], float]:
        """{(i1, ..., i_order): d^order f / dx_i1 ... dx_i_order at point}; order 0 gives {(): f(point)}."""
        xs = [Value(x, label=label) for x, label in zip(point, self.labels)]
        if order == 0:
            with no_grad():
                return {(): self.call(xs).data}
        with enable_grad():  # also when the check runs inside the caller's no_grad()
            layer: dict[tuple[int, ...], Value] = {(): self.call(xs)}
        for _ in range(order - 1):
            layer = {index + (i,): d
                     for index, node in layer.items()
                     for i, d in enumerate(grad(node, xs, create_graph=True))}
        result: dict[Tuple[int, ...], float] = {}
        for index, node in layer.items():
            for x in xs:
                x.grad = 0.0
            node.backward()
            result.update({index + (i,): x.grad for i, x in enumerate(xs)})
        return result

    def shifted_partials(self, point: Sequence[float], order: int, i: int,
                         step: float) -> Tuple[dict[Tuple[int, ...], float], float]:
        shifted = list(point)
        shifted[i] += step
        try:
            return self.partials(shifted, order), shifted[i]
        except (ArithmeticError, ValueError) as error:
            raise ValueError(
                f"f failed at input {i} = {shifted[i]!r} (the checked point {point[i]!r} moved by {step!r} "
                f"for a central difference): {type(error).__name__}: {error}") from None


def _compare(function: _Function, point: Sequence[float], order: int, eps: float, atol: float,
             rtol: float) -> list[Failure]:
    """The (indices, analytic, numeric, tolerance) entries of order `order` that disagree."""
    analytic = function.partials(point, order)
    failures: list[Failure] = []
    for i in range(len(point)):
        above, x_above = function.shifted_partials(point, order - 1, i, eps)
        below, x_below = function.shifted_partials(point, order - 1, i, -eps)
        width = x_above - x_below  # the step actually taken, after rounding
        for index, high in above.items():
            indices = index + (i,)
            numeric = (high - below[index]) / width
            tolerance = atol + rtol * abs(numeric)
            if not abs(analytic[indices] - numeric) <= tolerance:  # also fails on nan
                failures.append((indices, analytic[indices], numeric, tolerance))
    return sorted(failures)


def _report(point: Sequence[float], labels: Sequence[str], order: int, failures: Sequence[Failure], eps: float,
            atol: float, rtol: float) -> str:
    def name(i: int) -> str:
        return f"{i} ({labels[i]!r})" if labels[i] else f"{i}"

    what = "gradients" if order == 1 else f"order-{order} derivatives"
    reference = "f" if order == 1 else f"the order-{order - 1} derivatives"
    lines = [f"{what} disagree with central differences of {reference} at inputs {point} "
             f"(eps={eps:g}; an entry passes when |analytic - numeric| <= atol + rtol * |numeric|, "
             f"atol={atol:g}, rtol={rtol:g}):"]
    for indices, analytic, numeric, tolerance in failures:
        which = ("input " if order == 1 else "inputs ") + ", ".join(map(name, indices))
        lines.append(f"  {which}: analytic {analytic!r}, numeric {numeric!r}, "
                     f"difference {abs(analytic - numeric):.3g} > tolerance {tolerance:.3g}")
    return "\n".join(lines)
