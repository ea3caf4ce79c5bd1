"""The Value: a float that remembers the operation and operands it was computed from.

Every operation is one row of `OPS`: how to compute it on floats, and its
derivative. A derivative is written once and runs on floats during
`backward()` and on Values when `grad(..., create_graph=True)` differentiates
again, so it uses only arithmetic, comparisons and the dual functions below.
"""

import functools
import math
import numbers
import operator

from micrograd import grad_mode, ieee


class Value:
    """A scalar node of a computation graph: its data, its gradient, and how it was made."""

    # _pending and _acc are scratch space for a backward pass (see autodiff.py).
    __slots__ = ('data', 'grad', 'label', '_op', '_prev', '_pending', '_acc')

    def __init__(self, data, _children=(), _op='', label=''):
        self.data = _to_float(data)
        self.grad = 0.0
        self.label = label
        self._op = _to_op_name(_op)
        self._prev = _to_children(_children) if _children else ()
        self._pending = 0
        self._acc = None

    def __repr__(self):
        return f"Value(data={self.data}, grad={self.grad})"

    # Arithmetic: a Value or a real number on either side.
    def __add__(self, other):
        return _binary('+', self, other)

    def __radd__(self, other):
        return _binary('+', other, self)

    def __sub__(self, other):
        return _binary('-', self, other)

    def __rsub__(self, other):
        return _binary('-', other, self)

    def __mul__(self, other):
        return _binary('*', self, other)

    def __rmul__(self, other):
        return _binary('*', other, self)

    def __truediv__(self, other):
        return _binary('/', self, other)

    def __rtruediv__(self, other):
        return _binary('/', other, self)

    def __pow__(self, other):
        if isinstance(other, Value):
            return _binary('**', self, other)
        if not isinstance(other, numbers.Real):
            return NotImplemented
        # A constant exponent is part of the op's name, as in micrograd ('**2').
        return _apply(_constant_power_name(other, self.data), (self,))

    def __rpow__(self, other):
        return _binary('**', other, self)

    def __neg__(self):
        return _apply('neg', (self,))

    def __pos__(self):
        return self

    def __abs__(self):
        return _apply('abs', (self,))

    # Functions.
    def exp(self):
        return _apply('exp', (self,))

    def log(self):
        """Natural logarithm; a non-positive number raises ValueError."""
        return _apply('log', (self,))

    def sqrt(self):
        return _apply('sqrt', (self,))

    def tanh(self):
        return _apply('tanh', (self,))

    def sigmoid(self):
        return _apply('sigmoid', (self,))

    def relu(self):
        return _apply('ReLU', (self,))

    def sin(self):
        return _apply('sin', (self,))

    def cos(self):
        return _apply('cos', (self,))

    # Ordering compares data; == and hash stay identity-based, so nodes work in sets and dicts.
    def __lt__(self, other):
        return bool(self.data < _data_of(other))

    def __le__(self, other):
        return bool(self.data <= _data_of(other))

    def __gt__(self, other):
        return bool(self.data > _data_of(other))

    def __ge__(self, other):
        return bool(self.data >= _data_of(other))

    def backward(self, gradient=1.0):
        """Add d(self)/d(node) * gradient to `.grad` of every node this Value depends on, itself included."""
        from micrograd.autodiff import backward
        backward(self, gradient)


def _to_float(data, what="Value data"):
    if type(data) is float:
        return data
    if isinstance(data, numbers.Real):
        try:
            return float(data)
        except OverflowError:
            raise OverflowError(f"{what} ({type(data).__name__}) is beyond the float range, about ±1.8e308") from None
    raise TypeError(
        f"{what} must be a real number (int, float or numpy scalar), "
        f"got {type(data).__name__}: {data!r:.60}")


def _to_op_name(op):
    if not isinstance(op, str):
        raise TypeError(f"Value _op must be a str naming the operation, got {type(op).__name__}")
    return op


def _to_children(children):
    children = tuple(children)
    for child in children:
        if not isinstance(child, Value):
            raise TypeError(f"Value _children must be Values, got {type(child).__name__}: {child!r:.60}")
    return children


def _data_of(x):
    if isinstance(x, Value):
        return x.data
    if isinstance(x, numbers.Real):
        return x
    raise TypeError(f"cannot compare a Value with {type(x).__name__}")


def _as_value(x):
    """x itself if it is a Value, a new constant leaf if it is a real number, else None."""
    if isinstance(x, Value):
        return x
    if type(x) is float:  # the common case, without Value()'s checks
        return _node(x, (), '')
    if isinstance(x, numbers.Real):
        return Value(x)
    return None


_new_object = object.__new__
_mode = grad_mode.state


def _node(data, children, op):
    """A result node; inside no_grad() a leaf that remembers nothing."""
    out = _new_object(Value)
    out.data = data
    out.grad = 0.0
    out.label = ''
    out._pending = 0
    out._acc = None
    if _mode.enabled:
        out._op = op
        out._prev = children
    else:
        out._op = ''
        out._prev = ()
    return out


def _binary(op, left, right):
    if type(left) is not Value:
        left = _as_value(left)
        if left is None:
            return NotImplemented
    if type(right) is not Value:
        right = _as_value(right)
        if right is None:
            return NotImplemented
    a, b = left.data, right.data
    try:
        data = OPS[op][0](a, b)
    except (ArithmeticError, ValueError) as error:
        data = _failed(op, (a, b), error)
    return _node(data, (left, right), op)


def _apply(op, operands):
    """Compute op on the operands' data and record the result as a node."""
    data = [operand.data for operand in operands]
    try:
        result = _row(op)[0](*data)
    except (ArithmeticError, ValueError) as error:
        result = _failed(op, data, error)
    return _node(result, operands, op)


def _failed(op, data, error):
    """Raise Python's own exception type, with a message naming the op and its operands.

    Except while grad(create_graph=True) builds derivatives: there a singular
    point gives the IEEE inf or nan PyTorch gives, as backward() does on floats.
    """
    if not _mode.ieee:
        raise type(error)(f"{_expression(op, data)}: {_reason(op, error)}") from None
    if op == '/':
        return ieee.divide(*data)
    if isinstance(error, ValueError):
        return -math.inf if op == 'log' and data[0] == 0 else math.nan
    if op.startswith('**'):
        return ieee.power(data[0], data[1] if len(data) == 2 else float(op[2:]))
    return math.inf


def _expression(op, data):
    if len(data) == 2:
        return f"{data[0]!r} {op} {data[1]!r}"
    if op.startswith('**'):
        return f"{data[0]!r} ** {op[2:]}"
    return f"{op}({', '.join(map(repr, data))})"


_DOMAINS = {
    'log': "log is defined for positive numbers only",
    'sqrt': "sqrt is defined for numbers >= 0 only",
    'sin': "sin is defined for finite numbers only",
    'cos': "cos is defined for finite numbers only",
}


def _reason(op, error):
    if isinstance(error, OverflowError):
        return "the result is too large for a float"
    if isinstance(error, ValueError):
        return _DOMAINS.get(op, str(error))
    return str(error)


# Float forward functions that need more than the math module.

def _power(base, exponent):
    if base < 0 and math.isfinite(exponent) and not float(exponent).is_integer():
        raise ValueError("a negative number to a non-integer power is not a real number")
    return float(base ** exponent)  # 0 ** negative raises ZeroDivisionError, overflow OverflowError


def _sigmoid(x):
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)  # never overflows: x < 0
    return z / (1.0 + z)


def _relu(x):
    return 0.0 if x < 0 else x


# Dual functions: the same name on floats (backward) and on Values (create_graph=True).

def _dual(float_function, method_name):
    def function(x):
        if isinstance(x, Value):
            return getattr(x, method_name)()
        return float_function(x) if math.isfinite(x) else math.nan  # IEEE, as PyTorch
    return function


_cos = _dual(math.cos, 'cos')
_sin = _dual(math.sin, 'sin')


def _is_zero(x):
    return (x.data if isinstance(x, Value) else x) == 0


def _sign(x):
    return 1.0 if x > 0 else -1.0 if x < 0 else 0.0


def _divide(x, y):
    """x / y on Values; on floats with IEEE's inf or nan for a zero denominator, as PyTorch gives."""
    if isinstance(x, Value) or isinstance(y, Value):
        return x / y
    return ieee.divide(x, y)


def _power_slope(a, b):
    """d(a ** b)/da. On floats as PyTorch computes it: 0 where b == 0, inf where a ** (b - 1) is.

    A Value exponent keeps its own dependence even at b == 0, so that higher
    orders stay right (PyTorch's mask drops it there).
    """
    if isinstance(b, Value):
        return 0.0 if _is_zero(a) and _is_zero(b) else b * a ** (b - 1)
    if b == 0:
        return 0.0
    if isinstance(a, Value):
        return b * a ** (b - 1)
    return b * ieee.power(a, b - 1)


def _log_of_base(a):
    """d(a ** b)/db / (a ** b): log(a), 0 at a == 0 (PyTorch's mask), nan for a < 0."""
    if a > 0:
        return a.log() if isinstance(a, Value) else math.log(a)
    return 0.0 if _is_zero(a) else math.nan


def _dot_derivative(g, out, *operands):
    pairs = len(operands) // 2 * 2
    grads = [g] * len(operands)  # the bias, if any, keeps g
    grads[0:pairs:2] = [g * x for x in operands[1:pairs:2]]
    grads[1:pairs:2] = [g * w for w in operands[0:pairs:2]]
    return grads


# op: (forward on floats, derivative(upstream gradient, result, *operands) -> one gradient per operand)
OPS = {
    '+': (operator.add, lambda g, out, a, b: (g, g)),
    '-': (operator.sub, lambda g, out, a, b: (g, -g)),
    '*': (operator.mul, lambda g, out, a, b: (g * b, g * a)),
    '/': (operator.truediv, lambda g, out, a, b: (_divide(g, b), -g * _divide(out, b))),
    '**': (_power, lambda g, out, a, b: (g * _power_slope(a, b), g * out * _log_of_base(a))),
    'neg': (operator.neg, lambda g, out, a: (-g,)),
    'abs': (abs, lambda g, out, a: (g * _sign(a),)),
    'exp': (math.exp, lambda g, out, a: (g * out,)),
    'log': (math.log, lambda g, out, a: (_divide(g, a),)),
    'sqrt': (math.sqrt, lambda g, out, a: (_divide(g, 2 * out),)),
    'tanh': (math.tanh, lambda g, out, a: (g * ((1 - out) * (1 + out)),)),  # no cancellation near ±1
    'sigmoid': (_sigmoid, lambda g, out, a: (g * out * (1 - out),)),
    'ReLU': (_relu, lambda g, out, a: (0.0 if a <= 0 else g,)),  # nan passes g, as in PyTorch
    'sin': (math.sin, lambda g, out, a: (g * _cos(a),)),
    'cos': (math.cos, lambda g, out, a: (-g * _sin(a),)),
    # n-ary nodes: dot() and sum() below add up their operands' data themselves.
    'dot': (None, _dot_derivative),
    'sum': (None, lambda g, out, *operands: [g] * len(operands)),
}


_BUILT_IN_OPS = frozenset(OPS)


def define_op(name, forward, derivative):
    """Teach the engine a new operation; returns a function that applies it to Values or numbers.

    forward(*floats) computes the result. derivative(g, out, *operands) returns
    one gradient per operand, given the upstream gradient g and the result out.
    It gets floats during backward() and Values under grad(create_graph=True),
    so write it with arithmetic and Value methods (like the rows of OPS) for
    the derivative to be differentiable again. Defining a name again replaces it.
    """
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"an op name must be an identifier, got {name!r}")
    if name in _BUILT_IN_OPS:
        raise ValueError(f"{name!r} is a built-in op; choose another name")
    if not callable(forward) or not callable(derivative):
        raise TypeError("define_op needs a forward function and a derivative function")
    OPS[name] = (lambda *data: _to_float(forward(*data)), derivative)

    def operation(*operands):
        return _apply(name, tuple(_values(operands, f"{name}() operands")))
    operation.__name__ = operation.__qualname__ = name
    operation.__doc__ = getattr(forward, '__doc__', None)
    return operation


def _constant_power_name(exponent, base):
    """'**2', '**0.5': an int exponent that a float holds exactly keeps its int spelling."""
    if isinstance(exponent, numbers.Integral) and abs(exponent) <= 2 ** 53:
        return f"**{int(exponent)!r}"
    return f"**{_to_float(exponent, f'the exponent in {base!r} ** exponent')!r}"


def _row(op):
    """The OPS row of an op by name (x ** c included), or None for an op the engine does not know."""
    return OPS.get(op) or (_constant_power(op) if op.startswith('**') else None)


@functools.lru_cache(maxsize=1024)
def _constant_power(op):
    """The row of x ** c, read back from its name '**c' (repr round-trips the exponent exactly)."""
    try:
        exponent = float(op[2:])
    except ValueError:
        return None
    return (lambda a: _power(a, exponent),
            lambda g, out, a: (g * _power_slope(a, exponent),))


def derivative_rule(op):
    """The derivative of an op by name, or None for an op the engine does not know."""
    row = _row(op)
    return row and row[1]


def _values(xs, what):
    """xs as a list of Values, numbers becoming constant leaves."""
    return [x if type(x) is Value else _lifted(x, what) for x in xs]


def _lifted(x, what):
    value = _as_value(x)
    if value is None:
        raise TypeError(f"{what} must be Values or real numbers, got {type(x).__name__}: {x!r:.60}")
    return value


def dot(weights, inputs, bias=None):
    """sum(w * x) + bias as one graph node (the building block of a neuron).

    Computes the same floats as micrograd's `sum((w*x for ...), bias)` but
    records one node instead of 2n, which makes training much faster.
    """
    weights, inputs = _values(weights, "dot weights"), _values(inputs, "dot inputs")
    if len(weights) != len(inputs):
        raise ValueError(f"dot needs as many weights as inputs, got {len(weights)} and {len(inputs)}")
    operands = [None] * (2 * len(weights))
    operands[0::2], operands[1::2] = weights, inputs
    total = 0.0
    if bias is not None:
        bias = _lifted(bias, "dot bias")
        operands.append(bias)
        total = bias.data
    for w, x in zip(weights, inputs):  # from the bias, left to right, as micrograd's Neuron adds
        total += w.data * x.data
    return _node(total, tuple(operands), 'dot')


def sum(values):  # noqa: A001 - mirrors torch.sum; the builtin stays available as builtins.sum
    """The sum of Values and numbers as one graph node, added left to right."""
    operands = _values(values, "sum terms")
    total = 0.0
    for x in operands:
        total += x.data
    return _node(total, tuple(operands), 'sum')
