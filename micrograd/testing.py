"""Hypothesis strategies for testing gradients: Values, random expression DAGs and small MLPs.

    from hypothesis import given
    from micrograd import check_grads
    from micrograd.testing import expressions, inputs, SMOOTH_OPS

    @given(expressions(n_inputs=2, ops=SMOOTH_OPS), inputs(n_inputs=2))
    def test_second_derivatives(expr, xs):
        check_grads(expr, xs, order=2)

An expression is drawn as a sequence of operations, each on earlier nodes
(inputs or results, often the same node twice), so sub-expressions are
shared. Every operation is checked with interval arithmetic over the whole
input box [min_value, max_value]: when an operand could leave the op's domain
(log, sqrt and ** of a number below MARGIN, division by something or an
integer power of something within MARGIN of 0, where it would blow up) it is
replaced by `a * a + 1`, or by `-1 - a * a` half the time where a negative
number is fine too (denominators and bases of integer powers), and when a
result could exceed BOUND in size the operands are squashed with `tanh(a)`
first. So an expression is finite, in its domains and well-conditioned at
every point of the box, which `inputs()` draws from. Fewer operations,
earlier ops in `ops` and positive guards are simpler draws, so Hypothesis
shrinks a failure to a short expression.

`inputs()` keeps every coordinate at least MARGIN away from 0 by default:
at 0, products, odd functions and kinks make many values and derivatives
exactly 0, and such points tell little about the rest of the box (and
Hypothesis draws 0 far more often than any other float). Test 0 on purpose,
with `min_magnitude=0` or explicit zeros.

Hypothesis is imported here only; the engine does not need it.
"""

import math
import operator
import random
from collections import Counter
from typing import TYPE_CHECKING, Any, Callable, Iterable, Optional, Sequence, Tuple, Union

from micrograd import engine, validate
from micrograd import ops as registry
from micrograd._optional import require
from micrograd.engine import Value

if TYPE_CHECKING:
    from hypothesis.strategies import DrawFn, SearchStrategy

    from micrograd.nn import MLP

st = require('hypothesis.strategies', extra='testing')

# One operation of an expression: (op key or 'const', operand node indices, the number of a 'const' node, else None).
_Step = Tuple[str, Tuple[int, ...], Any]


def _key(op: registry.Op) -> str:
    """How an expression names an op: Python's operator for + - * / **, the function name for the rest."""
    return op.symbol if op.method.startswith('__') and op.arity == 2 else op.name


# Operations an expression draws from: every library op, simplest first (Hypothesis shrinks toward the front).
_LIBRARY = {_key(op): op for op in registry.all_ops() if op.library}
ALL_OPS = tuple(_LIBRARY)
# Without the kinks of abs and relu at 0, where central differences disagree with any subgradient.
SMOOTH_OPS = tuple(op for op in ALL_OPS if op not in ('abs', 'relu'))
CONSTANT_EXPONENTS = (2, 3, -1, 0.5, -0.5)  # for `a ** c`, drawn as often as `a ** b`

BOUND = 100.0  # largest magnitude any node may reach over the input box
MARGIN = 0.1  # how far log, sqrt, ** bases and denominators stay from their singularity at 0


def floats(min_value: float = -10.0, max_value: float = 10.0) -> 'SearchStrategy[float]':
    """Finite, non-subnormal floats in [min_value, max_value]."""
    return st.floats(min_value, max_value, allow_nan=False, allow_infinity=False, allow_subnormal=False)


def values(min_value: float = -10.0, max_value: float = 10.0, label: str = '') -> 'SearchStrategy[Value]':
    """Leaf Values holding finite, non-subnormal floats in [min_value, max_value]."""
    return floats(min_value, max_value).map(lambda x: Value(x, label=label))


def inputs(n_inputs: int = 2, min_value: float = -3.0, max_value: float = 3.0,
           min_magnitude: float = MARGIN) -> 'SearchStrategy[list[float]]':
    """Lists of n_inputs floats: points of the box that `expressions()` is valid on (same defaults).

    Every coordinate is at least min_magnitude away from 0 (see the module doc); 0 allows any point.
    """
    validate.integer(n_inputs, "n_inputs", at_least=1)
    validate.real(min_magnitude, "min_magnitude", at_least=0)
    if min_magnitude == 0:
        coordinate = floats(min_value, max_value)
    else:
        sides: list[Any] = [(max(min_value, min_magnitude), max_value), (min_value, min(max_value, -min_magnitude))]
        sides = [floats(lo, hi) for lo, hi in sides if lo <= hi]
        if not sides:
            raise ValueError(f"no point of [{min_value!r}, {max_value!r}] is min_magnitude={min_magnitude!r} from 0")
        coordinate = st.one_of(sides)
    return st.lists(coordinate, min_size=n_inputs, max_size=n_inputs)


def expressions(n_inputs: int = 2, max_ops: int = 8, ops: Iterable[str] = ALL_OPS, min_value: float = -3.0,
                max_value: float = 3.0, min_ops: int = 1) -> 'SearchStrategy[Expression]':
    """Random expression DAGs of n_inputs inputs with min_ops..max_ops drawn operations (see the module doc)."""
    validate.integer(n_inputs, "n_inputs", at_least=1)
    validate.integer(min_ops, "min_ops", at_least=0)
    validate.integer(max_ops, "max_ops", at_least=min_ops)
    ops = tuple(ops)
    unknown = [op for op in ops if op not in _APPLY]
    if unknown or not ops:
        raise ValueError(f"ops must be a non-empty selection of {', '.join(ALL_OPS)}; got {ops!r}")
    min_value = validate.real(min_value, "min_value", at_least=-BOUND, below=BOUND)
    max_value = validate.real(max_value, "max_value", above=min_value, at_most=BOUND)
    return _expressions(n_inputs, min_ops, max_ops, ops, min_value, max_value)


@st.composite
def _expressions(draw: 'DrawFn', n_inputs: int, min_ops: int, max_ops: int, ops: Sequence[str], min_value: float,
                 max_value: float) -> 'Expression':
    # A list of operations shrinks well: Hypothesis deletes whole elements and simplifies the rest.
    operations = draw(st.lists(_operations(ops, n_inputs + max_ops), min_size=min_ops, max_size=max_ops))
    builder = _Builder(n_inputs, min_value, max_value)
    for op, distances, exponent, negative in operations:
        # Operands are counted back from the newest node (0), so the simplest draws chain the operations.
        operands = [builder.pool[-1 - distance % len(builder.pool)] for distance in distances]
        if exponent is not None:
            operands.append(builder.constant(exponent))
        builder.pool.append(builder.place(op, operands, negative))
    return builder.finish()


@st.composite
def _operations(draw: 'DrawFn', ops: Sequence[str], nodes: int) -> Tuple[str, list[int], Optional[float], bool]:
    """(op, operand distances, constant exponent or None, negative guard?): one operation before its operands are known."""
    op = draw(st.sampled_from(ops))
    if op == 'dot':
        count = 2 * draw(st.integers(1, 3)) + draw(st.integers(0, 1))  # odd: with a bias
    elif op == 'sum':
        count = draw(st.integers(1, 4))
    else:
        count = _LIBRARY[op].arity
    exponent = None
    if op == '**' and not draw(st.booleans()):
        count, exponent = 1, draw(st.sampled_from(CONSTANT_EXPONENTS))
    distances = draw(st.lists(st.integers(0, nodes - 1), min_size=count, max_size=count))
    # Denominators and bases of integer powers only need to stay off 0: a guard may make them negative.
    negative = (op == '/' or isinstance(exponent, int)) and draw(st.booleans())
    return op, distances, exponent, negative


class Expression:
    """A drawn expression: call it on Values or floats (in input order) to get a Value.

    `str(expr)` / `expr.source` is readable Python-like text: a node used more
    than once is named once (`t1 = x0 * x1; tanh(t1) + t1`), everything else
    is written inline. `expr.evaluate(tensors)` runs the same operations, in
    the same order, on anything with Python's operators and the methods exp,
    log, sqrt, tanh, sigmoid, relu, sin, cos (PyTorch tensors, for example).
    """

    def __init__(self, n_inputs: int, steps: Iterable[_Step], output: int) -> None:
        self.n_inputs = n_inputs
        self.steps = tuple(steps)  # (op, operand node indices, constant); nodes are the inputs, then the steps
        self.output = output
        self.ops = frozenset(op for op, _, _ in self.steps if op != 'const')
        self.source = _source(n_inputs, self.steps, output)

    def __call__(self, *inputs: Union[Value, float]) -> Value:
        xs = [x if isinstance(x, Value) else Value(x, label=f"x{i}") for i, x in enumerate(self._check(inputs))]
        return self.evaluate(xs, dot=engine.dot, sum=engine.sum)

    def evaluate(self, inputs: Iterable[Any], *, dot: Optional[Callable[..., Any]] = None,
                 sum: Optional[Callable[..., Any]] = None) -> Any:  # noqa: A002 - the op's name
        """The output for inputs of any number type; dot and sum default to plain arithmetic folds."""
        return self.trace(inputs, dot=dot, sum=sum)[self.output]

    def trace(self, inputs: Iterable[Any], *, dot: Optional[Callable[..., Any]] = None,
              sum: Optional[Callable[..., Any]] = None) -> list[Any]:  # noqa: A002
        """Every node's result: the inputs, then one per step (constants as plain numbers)."""
        backend = _Backend(dot or fold_dot, sum or fold_sum)
        nodes = list(self._check(inputs))
        for step in self.steps:
            nodes.append(_run_step(step, nodes, backend))
        return nodes

    def _check(self, inputs: Iterable[Any]) -> list[Any]:
        inputs = list(inputs)
        if len(inputs) != self.n_inputs:
            raise TypeError(f"this expression takes {self.n_inputs} inputs, got {len(inputs)}")
        return inputs

    def __str__(self) -> str:
        return self.source

    def __repr__(self) -> str:
        return f"Expression({self.source!r})"


def fold_dot(weights: Iterable[Any], inputs: Iterable[Any], bias: Any = None) -> Any:
    """bias + w0*x0 + w1*x1 + ... with plain operators, in the order micrograd.dot adds."""
    total = 0.0 if bias is None else bias
    for w, x in zip(weights, inputs):
        total = total + w * x
    return total


def fold_sum(terms: Iterable[Any]) -> Any:
    """0.0 + t0 + t1 + ... with plain operators, in the order micrograd.sum adds."""
    total = 0.0
    for term in terms:
        total = total + term
    return total


class _Backend:
    def __init__(self, dot: Callable[..., Any], sum: Callable[..., Any]) -> None:  # noqa: A002
        self.dot = dot
        self.sum = sum


def _applier(op: registry.Op) -> Callable[..., Any]:
    """How to apply a registry op to operand objects of any number type: Python's operator or the method."""
    if op is registry.DOT:
        return lambda backend, *operands: backend.dot(*registry.dot_parts(operands))
    if op is registry.SUM:
        return lambda backend, *operands: backend.sum(list(operands))
    if op.method.startswith('__'):
        function = getattr(operator, op.method.strip('_'))  # operator.add, operator.neg, ...
        return lambda backend, *operands: function(*operands)
    return lambda backend, a: getattr(a, op.method)()


# op: how to apply it to operand objects; 'const' is a plain number node.
_APPLY = {key: _applier(op) for key, op in _LIBRARY.items()}
# Operand positions whose value must stay off 0 (a singularity or the edge of the domain there):
# the denominator, the base of a power, the operand of a monotone function with a domain (log, sqrt, ...).
_DOMAIN_OPERANDS = {'/': (1,), '**': (0,),
                    **{key: (0,) for key, op in _LIBRARY.items() if op.arity == 1 and op.monotone and op.domain}}


def _run_step(step: _Step, nodes: Sequence[Any], backend: _Backend) -> Any:
    op, operands, constant = step
    if op == 'const':  # a plain number node
        return constant
    return _APPLY[op](backend, *[nodes[i] for i in operands])


class _Builder:
    """Adds operations to an expression, guarding each one with interval arithmetic over the input box."""

    def __init__(self, n_inputs: int, min_value: float, max_value: float) -> None:
        self.n_inputs = n_inputs
        self.steps: list[_Step] = []
        self.ranges: list[Any] = [_Range(min_value, max_value) for _ in range(n_inputs)]  # one per node, distinct objects
        self.pool = list(range(n_inputs))  # nodes later operations may use: inputs and drawn results

    def add(self, op: str, operands: Iterable[int], constant: Optional[float] = None) -> int:
        step: _Step = (op, tuple(operands), constant)
        self.ranges.append(_run_step(step, self.ranges, _RANGE_BACKEND))  # raises _Unsafe
        self.steps.append(step)
        return len(self.ranges) - 1

    def constant(self, number: float) -> int:
        return self.add('const', (), number)

    def place(self, op: str, operands: Sequence[int], negative: bool = False) -> int:
        """op on the operands, else with domain guards, else with squashed and guarded operands.

        negative: guard with `-1 - a * a` instead of `a * a + 1`, for ops where only 0 is out of the domain.
        """
        for squash in (None, False, True):
            mark = len(self.steps)
            try:
                if squash is None:
                    return self.add(op, operands)
                ready = [self.squashed(i) if squash else i for i in operands]
                ready = [self.guarded(i, negative) if position in _DOMAIN_OPERANDS.get(op, ()) else i
                         for position, i in enumerate(ready)]
                return self.add(op, ready)
            except _Unsafe:
                del self.steps[mark:]
                del self.ranges[self.n_inputs + mark:]
        raise AssertionError(f"squashed and guarded operands must be safe for {op}")

    def squashed(self, node: int) -> int:
        value = self.ranges[node]
        if not isinstance(value, _Range) or -1 <= value.lo <= value.hi <= 1:
            return node
        return self.add('tanh', (node,))

    def guarded(self, node: int, negative: bool) -> int:
        square = self.add('*', (node, node))
        if negative:
            return self.add('-', (self.constant(-1), square))
        return self.add('+', (square, self.constant(1)))

    def finish(self) -> Expression:
        """The last drawn node, plus every other drawn node nothing uses, so every drawn operation counts."""
        used = {i for _, operands, _ in self.steps for i in operands}
        drawn = self.pool[self.n_inputs:]
        output = self.pool[-1]
        for node in reversed(drawn[:-1]):
            if node not in used:
                output = self.place('+', (output, node))
        return Expression(self.n_inputs, self.steps, output)


class _Unsafe(Exception):
    """An operation could leave its domain, or a result could exceed BOUND, somewhere in the input box."""


class _Range:
    """An interval [lo, hi] that every node value lies in; operations check domains and BOUND."""

    def __init__(self, lo: float, hi: float) -> None:
        if not (-BOUND <= lo <= hi <= BOUND):  # also rejects nan
            raise _Unsafe(f"[{lo}, {hi}]")
        self.lo, self.hi = lo, hi

    @staticmethod
    def of(x: Union['_Range', float]) -> '_Range':
        return x if isinstance(x, _Range) else _Range(x, x)

    @staticmethod
    def hull(points: Sequence[float]) -> '_Range':
        return _Range(min(points), max(points))

    def corners(self, other: Union['_Range', float], function: Callable[[float, float], float]) -> '_Range':
        other = _Range.of(other)
        try:
            return _Range.hull([function(a, b) for a in (self.lo, self.hi) for b in (other.lo, other.hi)])
        except (OverflowError, ZeroDivisionError, ValueError) as error:
            raise _Unsafe(str(error)) from None

    def monotone(self, function: Callable[[float], float]) -> '_Range':
        try:
            return _Range.hull([function(self.lo), function(self.hi)])
        except (OverflowError, ValueError) as error:
            raise _Unsafe(str(error)) from None

    def off_zero(self) -> '_Range':
        if self.lo < MARGIN and self.hi > -MARGIN:
            raise _Unsafe("too close to 0")
        return self

    def positive(self) -> '_Range':
        if self.lo < MARGIN:
            raise _Unsafe("not positive enough")
        return self

    def __add__(self, other: Union['_Range', float]) -> '_Range':
        return self.corners(other, operator.add)

    def __sub__(self, other: Union['_Range', float]) -> '_Range':
        return self.corners(other, operator.sub)

    def __mul__(self, other: Union['_Range', float]) -> '_Range':
        if other is self:  # a square is never negative
            return abs(self).corners(abs(self), operator.mul)
        return self.corners(other, operator.mul)

    def __truediv__(self, other: Union['_Range', float]) -> '_Range':
        return self.corners(_Range.of(other).off_zero(), operator.truediv)

    def __pow__(self, other: Union['_Range', float]) -> '_Range':
        if isinstance(other, int) and other > 0:
            base = abs(self) if other % 2 == 0 else self
            return base.monotone(lambda a: a ** other)
        if isinstance(other, int):  # monotone on either side of its pole at 0
            return self.off_zero().monotone(lambda a: a ** other)
        return self.positive().corners(other, math.pow)

    def __radd__(self, other: float) -> '_Range':
        return _Range.of(other) + self

    def __rsub__(self, other: float) -> '_Range':
        return _Range.of(other) - self

    def __neg__(self) -> '_Range':
        return _Range(-self.hi, -self.lo)

    def __abs__(self) -> '_Range':
        if self.lo >= 0:
            return self
        if self.hi <= 0:
            return -self
        return _Range(0.0, max(-self.lo, self.hi))

    def __getattr__(self, name: str) -> Callable[[], '_Range']:
        """A monotone unary op of the registry (exp, tanh, log, ...): the hull of its ends; off its domain, unsafe."""
        op = _LIBRARY.get(name)
        if op is None or not op.monotone:
            raise AttributeError(name)
        return lambda: (self.positive() if op.domain else self).monotone(op.forward)  # type: ignore[arg-type] # a unary op's forward

    def sin(self) -> '_Range':
        return _Range(-1.0, 1.0)

    cos = sin


_RANGE_BACKEND = _Backend(fold_dot, fold_sum)


# Source text. Precedence: + - < * / < unary minus < ** < names, numbers and calls.
_INFIX = {'+': 1, '-': 1, '*': 2, '/': 2}
_ATOM = 5


def _source(n_inputs: int, steps: Sequence[_Step], output: int) -> str:
    uses = Counter(i for _, operands, _ in steps for i in operands)
    uses[output] += 1
    texts = [(f"x{i}", _ATOM) for i in range(n_inputs)]
    lets: list[str] = []
    for step in steps:
        text = _render(step, texts)
        node = len(texts)
        if uses[node] > 1 and step[0] != 'const':
            lets.append(f"t{len(lets) + 1} = {text[0]}")
            text = (f"t{len(lets)}", _ATOM)
        texts.append(text)
    return "; ".join(lets + [texts[output][0]])


def _render(step: _Step, texts: Sequence[Tuple[str, int]]) -> Tuple[str, int]:
    """(text, precedence) of one step, given those of its operands."""
    op, operands, constant = step
    if op == 'const':
        return repr(constant), 3 if constant < 0 else _ATOM
    args = [texts[i] for i in operands]

    def at_least(arg: Tuple[str, int], precedence: int) -> str:
        return arg[0] if arg[1] >= precedence else f"({arg[0]})"

    if op in _INFIX:
        p = _INFIX[op]
        return f"{at_least(args[0], p)} {op} {at_least(args[1], p + 1)}", p
    if op == '**':
        return f"{at_least(args[0], _ATOM)} ** {at_least(args[1], 3)}", 4
    if op == 'neg':
        return f"-{at_least(args[0], _ATOM)}", 3
    names = [arg[0] for arg in args]
    if op == 'dot':
        weights, inputs, bias = registry.dot_parts(names)
        bias = "" if bias is None else f", {bias}"
        return f"dot([{', '.join(weights)}], [{', '.join(inputs)}]{bias})", _ATOM
    if op == 'sum':
        return f"sum([{', '.join(names)}])", _ATOM
    return f"{op}({names[0]})", _ATOM


def mlps(max_inputs: int = 3, max_hidden_layers: int = 2, max_width: int = 4,
         activations: Iterable[str] = ('relu', 'tanh', 'sigmoid'), min_value: float = -1.0,
         max_value: float = 1.0) -> 'SearchStrategy[Tuple[MLP, list[float]]]':
    """(model, x): a micrograd.nn.MLP with one output and drawn weights, and an input list of matching length.

    Shapes, the hidden activation, every weight and bias and every input are
    drawn from [min_value, max_value], so Hypothesis shrinks all of them.
    """
    validate.integer(max_inputs, "max_inputs", at_least=1)
    validate.integer(max_hidden_layers, "max_hidden_layers", at_least=0)
    validate.integer(max_width, "max_width", at_least=1)
    return _mlps(max_inputs, max_hidden_layers, max_width, tuple(activations), min_value, max_value)


@st.composite
def _mlps(draw: 'DrawFn', max_inputs: int, max_hidden_layers: int, max_width: int, activations: Sequence[str],
          min_value: float, max_value: float) -> Tuple['MLP', list[float]]:
    from micrograd.nn import MLP

    nin = draw(st.integers(1, max_inputs))
    hidden = draw(st.lists(st.integers(1, max_width), max_size=max_hidden_layers))
    # The weights are drawn below; a private generator keeps the global `random` untouched.
    model = MLP(nin, hidden + [1], activation=draw(st.sampled_from(activations)), rng=random.Random(0))
    parameters = model.parameters()
    weights = draw(st.lists(floats(min_value, max_value), min_size=len(parameters), max_size=len(parameters)))
    for parameter, weight in zip(parameters, weights):
        parameter.data = weight
    x = draw(st.lists(floats(min_value, max_value), min_size=nin, max_size=nin))
    return model, x
