"""The op registry: everything the package knows about an operation, in one entry per op.

The engine computes an op with `forward` and differentiates it with
`derivative`; drawings read `symbol` and `edge_labels`; the step-by-step page
reads `expression` and `local`; the compiler and the PyTorch bridge read the
array forms. Built-in ops and the user's `define_op` ops enter through the same
`register`, and nothing else in the package lists op names.

A derivative rule is `derivative(g, out, *operands) -> one gradient per
operand`, given the upstream gradient g and the result out. It gets floats in
`backward()` and Values under `grad(..., create_graph=True)`, so it is written
with arithmetic, comparisons and the `either` functions below, never with the
math module directly. An array form gets `xp` first: a namespace with numpy's
function names (xp.exp, xp.where, xp.power, ...) plus xp.sigmoid, which the
compiler backs with numpy or torch, so this module imports neither.
"""

from __future__ import annotations

import functools
import math
import operator
from dataclasses import dataclass, replace
from typing import Any, Callable, Optional, Sequence, Tuple, TypeVar

from micrograd import ieee

__all__ = ['Op', 'register', 'get', 'by_symbol', 'constant_power', 'unary_functions', 'all_ops',
           'dot_operands', 'dot_parts']

# A number in a derivative rule: a float in backward(), a Value under grad(create_graph=True). Rules use
# only what both have (arithmetic, comparisons, the `either` functions), which no static type spells.
Scalar = Any
# (operand names, expression, local formulas) of a node, as Op.describe gives them.
Description = Tuple[Tuple[str, ...], str, Tuple[str, ...]]
_T = TypeVar('_T')


@dataclass(frozen=True, eq=False)
class Op:
    """One operation. Fixed-arity ops name their operands 'a', 'b'; n-ary ops (dot, sum) describe themselves per count."""

    name: str  # registry key, also the Value method and expression function of a unary op: 'tanh', 'relu'
    symbol: str  # what Value._op reads and drawings show, as micrograd spells it: '+', 'ReLU', '**2'
    arity: Optional[int]  # number of operands; None for n-ary ops
    # On floats; raises Python's exception where float math does. None for dot and sum, which the engine adds up.
    forward: Optional[Callable[..., float]]
    derivative: Optional[Callable[..., Sequence[Scalar]]]  # (g, out, *operands) -> gradients, see the module docstring
    expression: str  # the result in terms of the operands: 'a * b', 'tanh(a)'
    local: Tuple[str, ...]  # d result / d operand, one readable formula per operand
    # Operand slot names drawn on edges where the order is not visible; () for an n-ary op labelled by describe().
    edge_labels: Optional[Tuple[str, ...]] = None
    domain: str = ''  # why forward raises ValueError, for messages: 'log is defined for positive numbers only'
    singular: Optional[Callable[..., float]] = None  # forward with IEEE inf/nan where forward raises
    array_forward: Optional[Callable[..., Any]] = None  # (xp, *arrays) -> array
    array_derivative: Optional[Callable[..., Sequence[Any]]] = None  # (xp, g, out, *arrays) -> one array per operand
    torch_name: Optional[str] = None  # the torch function with this meaning, for exported programs
    method: str = ''  # the Value method that applies it ('' for none; defaults to name for unary ops)
    param: Optional[float] = None  # the constant of a parametrised op (the c of x ** c)
    library: bool = True  # False for the user's define_op ops
    monotone: bool = False  # a unary op increasing or decreasing on its domain (interval bounds for micrograd.testing)
    n_ary: Optional[Callable[[int], Description]] = None

    def describe(self, count: int) -> Description:
        """(operand names, expression, local formulas) for a node with `count` operands."""
        if self.n_ary is not None:
            return self.n_ary(count)
        return ('a', 'b')[:self.arity], self.expression, self.local

    def operand_labels(self, count: int) -> Tuple[Optional[str], ...]:
        """The label drawn on each operand edge, or None where operand order does not matter."""
        if self.n_ary is not None and self.edge_labels is not None:
            return self.n_ary(count)[0]
        return self.edge_labels or (None,) * count

    def __repr__(self) -> str:
        return f"<op {self.name} ({self.symbol})>"

    def __reduce__(self) -> Tuple[Callable[..., Op], Tuple[Any, ...]]:  # entries are singletons: pickle by name
        if self.param is not None:
            return constant_power, (self.param,)
        return get, (self.name,)


_REGISTRY: dict[str, Op] = {}
_BY_SYMBOL: dict[str, Op] = {}


def register(op: Op) -> Op:
    """Add an op; a name or symbol that is taken raises ValueError (a library op is never replaced by accident)."""
    for key, table, what in ((op.name, _REGISTRY, 'name'), (op.symbol, _BY_SYMBOL, 'symbol')):
        taken = table.get(key)
        if taken is not None and (taken.library or op.library):
            owner = "the library" if taken.library else "define_op"
            raise ValueError(f"the op {what} {key!r} is already used by {owner}; choose another name")
    _REGISTRY[op.name] = _BY_SYMBOL[op.symbol] = op
    return op


def get(name: str) -> Op:
    """The op registered under name; KeyError names the known ops."""
    try:
        return _REGISTRY[name]
    except KeyError:
        raise KeyError(f"no op named {name!r}; known ops: {', '.join(sorted(_REGISTRY))}") from None


def by_symbol(symbol: str) -> Optional[Op]:
    """The op a node's `_op` string stands for ('**2' included), or None for an op the engine does not know."""
    op = _BY_SYMBOL.get(symbol)
    if op is None and symbol.startswith('**') and len(symbol) > 2:
        try:
            return constant_power(float(symbol[2:]))
        except ValueError:
            return None
    return op


def all_ops() -> list[Op]:
    """Every registered op, library ops first in registration order."""
    return list(_REGISTRY.values())


def unary_functions() -> list[Op]:
    """The library's one-operand ops written as calls, `name(a)`: the functions expressions may call."""
    return [op for op in _REGISTRY.values() if op.library and op.arity == 1 and op.expression == f"{op.name}(a)"]


# Functions that take a float or a Value, so that a rule runs in both modes.

def either(float_function: Callable[[float], float], method_name: str) -> Callable[[Scalar], Scalar]:
    """A function applying `method_name` to a Value, `float_function` to a float (nan off its domain, as PyTorch)."""
    def function(x: Scalar) -> Scalar:
        if _is_value(x):
            return getattr(x, method_name)()
        return float_function(x) if math.isfinite(x) else math.nan
    function.__name__ = method_name
    return function


_cos = either(math.cos, 'cos')
_sin = either(math.sin, 'sin')


def _is_value(x: object) -> bool:
    """True for a Value (this module cannot import the engine, which imports it); floats answer fastest."""
    return type(x) is not float and hasattr(x, '_operands')


def _is_zero(x: Scalar) -> bool:
    return (x.data if _is_value(x) else x) == 0


def _sign(x: float) -> float:
    return 1.0 if x > 0 else -1.0 if x < 0 else 0.0


def _divide(x: Scalar, y: Scalar) -> Scalar:
    """x / y; on floats IEEE's inf or nan for a zero denominator, as PyTorch gives."""
    if _is_value(x) or _is_value(y):
        return x / y
    return ieee.divide(x, y)


# Float forwards that need more than the math module.

def _power(base: float, exponent: float) -> float:
    if base < 0 and math.isfinite(exponent) and not float(exponent).is_integer():
        raise ValueError("a negative number to a non-integer power is not a real number")
    return float(base ** exponent)  # 0 ** negative raises ZeroDivisionError, overflow OverflowError


def _ieee_power(base: float, exponent: float) -> float:
    if base < 0 and math.isfinite(exponent) and not float(exponent).is_integer():
        return math.nan
    return ieee.power(base, exponent)


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)  # never overflows: x < 0
    return z / (1.0 + z)


def _relu(x: float) -> float:
    return 0.0 if x < 0 else x


def _ieee_log(x: float) -> float:
    return -math.inf if x == 0 else math.nan if x < 0 else math.log(x)


def _overflow_to_inf(function: Callable[..., float]) -> Callable[..., float]:
    def singular(*data: float) -> float:
        try:
            return function(*data)
        except OverflowError:
            return math.inf
        except ValueError:
            return math.nan
    return singular


# Derivatives of powers, shared by a ** b and a ** c.

def _power_slope(a: Scalar, b: Scalar) -> Scalar:
    """d(a ** b)/da. On floats as PyTorch computes it: 0 where b == 0, inf where a ** (b - 1) is.

    A Value exponent keeps its own dependence even at b == 0, so that higher
    orders stay right (PyTorch's mask drops it there).
    """
    if _is_value(b):
        return 0.0 if _is_zero(a) and _is_zero(b) else b * a ** (b - 1)
    if b == 0:
        return 0.0
    if _is_value(a):
        return b * a ** (b - 1)
    return b * ieee.power(a, b - 1)


def _log_of_base(a: Scalar) -> Scalar:
    """d(a ** b)/db / (a ** b): log(a), 0 at a == 0 (PyTorch's mask), nan for a < 0."""
    if a > 0:
        return a.log() if _is_value(a) else math.log(a)
    return 0.0 if _is_zero(a) else math.nan


def _array_power_slope(xp: Any, a: Any, b: Any) -> Any:
    return xp.where(b == 0, 0.0, b * xp.power(a, b - 1))


def _array_log_of_base(xp: Any, a: Any) -> Any:
    return xp.where(a > 0, xp.log(xp.where(a > 0, a, 1.0)), xp.where(a == 0, 0.0, math.nan))


# The dot layout [w0, x0, w1, x1, ..., bias?]: known here only.

def dot_operands(weights: Sequence[_T], inputs: Sequence[_T], bias: Optional[_T] = None) -> list[_T]:
    """The operand list of a dot node: weights and inputs interleaved, then the bias if there is one."""
    operands: list[Any] = [None] * (2 * len(weights))
    operands[0::2], operands[1::2] = weights, inputs
    if bias is not None:
        operands.append(bias)
    return operands


def dot_parts(operands: Sequence[_T]) -> Tuple[list[_T], list[_T], Optional[_T]]:
    """(weights, inputs, bias or None) of a dot node's operands."""
    pairs = len(operands) // 2 * 2
    bias = operands[-1] if len(operands) % 2 else None
    return list(operands[0:pairs:2]), list(operands[1:pairs:2]), bias


def _dot_derivative(g: Scalar, out: Scalar, *operands: Scalar) -> list[Scalar]:
    """d/dw_i = g x_i, d/dx_i = g w_i, d/db = g, written into the layout above in place (the hot path of training)."""
    pairs = len(operands) // 2 * 2
    grads = [g] * len(operands)  # the bias, if any, keeps g
    grads[0:pairs:2] = [g * x for x in operands[1:pairs:2]]
    grads[1:pairs:2] = [g * w for w in operands[0:pairs:2]]
    return grads


def _describe_dot(count: int) -> Description:
    pairs = count // 2
    names = dot_operands([f"w{i}" for i in range(pairs)], [f"x{i}" for i in range(pairs)],
                         'b' if count % 2 else None)
    terms = [f"w{i}*x{i}" for i in range(pairs)] + (['b'] if count % 2 else [])
    local = dot_operands([f"x{i}" for i in range(pairs)], [f"w{i}" for i in range(pairs)],
                         '1' if count % 2 else None)
    return tuple(names), ' + '.join(terms), tuple(local)


def _describe_sum(count: int) -> Description:
    names = tuple(f"t{i}" for i in range(count))
    return names, ' + '.join(names) or '0', ('1',) * count


def _library(name: str, symbol: str, arity: Optional[int], forward: Optional[Callable[..., float]],
             derivative: Callable[..., Sequence[Scalar]], expression: str, local: Tuple[str, ...], **facts: Any) -> Op:
    facts.setdefault('method', name if arity == 1 else '')
    return register(Op(name, symbol, arity, forward, derivative, expression, local, **facts))


# Simplest first: micrograd.testing draws ops in this order, and Hypothesis shrinks toward the front.
ADD = _library('add', '+', 2, operator.add, lambda g, out, a, b: (g, g), 'a + b', ('1', '1'),
               array_forward=lambda xp, a, b: a + b, array_derivative=lambda xp, g, out, a, b: (g, g),
               method='__add__', torch_name='add')
MUL = _library('mul', '*', 2, operator.mul, lambda g, out, a, b: (g * b, g * a), 'a * b', ('b', 'a'),
               array_forward=lambda xp, a, b: a * b, array_derivative=lambda xp, g, out, a, b: (g * b, g * a),
               method='__mul__', torch_name='mul')
SUB = _library('sub', '-', 2, operator.sub, lambda g, out, a, b: (g, -g), 'a - b', ('1', '-1'),
               edge_labels=('+', '-'),
               array_forward=lambda xp, a, b: a - b, array_derivative=lambda xp, g, out, a, b: (g, -g),
               method='__sub__', torch_name='sub')
DIV = _library('div', '/', 2, operator.truediv, lambda g, out, a, b: (_divide(g, b), -g * _divide(out, b)),
               'a / b', ('1 / b', '-a / b^2'), edge_labels=('num', 'den'), singular=ieee.divide,
               array_forward=lambda xp, a, b: a / b,
               array_derivative=lambda xp, g, out, a, b: (g / b, -g * out / b), method='__truediv__', torch_name='div')
NEG = _library('neg', 'neg', 1, operator.neg, lambda g, out, a: (-g,), '-a', ('-1',), method='__neg__',
               array_forward=lambda xp, a: -a, array_derivative=lambda xp, g, out, a: (-g,), torch_name='neg')
POW = _library('pow', '**', 2, _power, lambda g, out, a, b: (g * _power_slope(a, b), g * out * _log_of_base(a)),
               'a ** b', ('b * a^(b-1)', 'a^b * log(a)'), edge_labels=('base', 'exp'), singular=_ieee_power,
               domain="a negative number to a non-integer power is not a real number",
               array_forward=lambda xp, a, b: xp.power(a, b),
               array_derivative=lambda xp, g, out, a, b: (g * _array_power_slope(xp, a, b),
                                                           g * out * _array_log_of_base(xp, a)),
               method='__pow__', torch_name='pow')
EXP = _library('exp', 'exp', 1, math.exp, lambda g, out, a: (g * out,), 'exp(a)', ('exp(a)',),
               singular=_overflow_to_inf(math.exp),
               array_forward=lambda xp, a: xp.exp(a), array_derivative=lambda xp, g, out, a: (g * out,),
               monotone=True, torch_name='exp')
LOG = _library('log', 'log', 1, math.log, lambda g, out, a: (_divide(g, a),), 'log(a)', ('1 / a',),
               domain="log is defined for positive numbers only", singular=_ieee_log,
               array_forward=lambda xp, a: xp.log(a), array_derivative=lambda xp, g, out, a: (g / a,),
               monotone=True, torch_name='log')
SQRT = _library('sqrt', 'sqrt', 1, math.sqrt, lambda g, out, a: (_divide(g, 2 * out),), 'sqrt(a)',
                ('1 / (2 sqrt(a))',), domain="sqrt is defined for numbers >= 0 only",
                singular=lambda a: math.nan if a < 0 else math.sqrt(a),
                array_forward=lambda xp, a: xp.sqrt(a), array_derivative=lambda xp, g, out, a: (g / (2 * out),),
                monotone=True, torch_name='sqrt')
TANH = _library('tanh', 'tanh', 1, math.tanh, lambda g, out, a: (g * ((1 - out) * (1 + out)),),  # exact near ±1
                'tanh(a)', ('1 - tanh(a)^2',),
                array_forward=lambda xp, a: xp.tanh(a),
                array_derivative=lambda xp, g, out, a: (g * ((1 - out) * (1 + out)),), monotone=True, torch_name='tanh')
SIGMOID = _library('sigmoid', 'sigmoid', 1, _sigmoid, lambda g, out, a: (g * out * (1 - out),), 'sigmoid(a)',
                   ('sigmoid(a) (1 - sigmoid(a))',),
                   array_forward=lambda xp, a: xp.sigmoid(a),
                   array_derivative=lambda xp, g, out, a: (g * out * (1 - out),), monotone=True, torch_name='sigmoid')
SIN = _library('sin', 'sin', 1, math.sin, lambda g, out, a: (g * _cos(a),), 'sin(a)', ('cos(a)',),
               domain="sin is defined for finite numbers only", singular=lambda a: math.nan,
               array_forward=lambda xp, a: xp.sin(a), array_derivative=lambda xp, g, out, a: (g * xp.cos(a),),
               torch_name='sin')
COS = _library('cos', 'cos', 1, math.cos, lambda g, out, a: (-g * _sin(a),), 'cos(a)', ('-sin(a)',),
               domain="cos is defined for finite numbers only", singular=lambda a: math.nan,
               array_forward=lambda xp, a: xp.cos(a), array_derivative=lambda xp, g, out, a: (-g * xp.sin(a),),
               torch_name='cos')
ABS = _library('abs', 'abs', 1, abs, lambda g, out, a: (g * _sign(a),), 'abs(a)', ('sign(a)',), method='__abs__',
               array_forward=lambda xp, a: xp.abs(a), array_derivative=lambda xp, g, out, a: (g * xp.sign(a),),
               torch_name='abs')
RELU = _library('relu', 'ReLU', 1, _relu, lambda g, out, a: (0.0 if a <= 0 else g,),  # nan passes g, as PyTorch
                'relu(a)', ('1 if a > 0 else 0',),
                array_forward=lambda xp, a: xp.where(a < 0, 0.0, a),
                array_derivative=lambda xp, g, out, a: (xp.where(a <= 0, 0.0, g),), monotone=True, torch_name='relu')
# log1p(a) = log(1 + a), exact for tiny a where log(1 + a) would first round 1 + a (for binary cross-entropy).
LOG1P = _library('log1p', 'log1p', 1, math.log1p, lambda g, out, a: (_divide(g, 1 + a),), 'log1p(a)',
                 ('1 / (1 + a)',), domain="log1p is defined for numbers > -1 only",
                 singular=lambda a: -math.inf if a == -1 else math.nan if a < -1 else math.log1p(a),
                 array_forward=lambda xp, a: xp.log1p(a), array_derivative=lambda xp, g, out, a: (g / (1 + a),),
                 monotone=True, torch_name='log1p')
ATAN = _library('atan', 'atan', 1, math.atan, lambda g, out, a: (_divide(g, 1 + a * a),), 'atan(a)', ('1 / (1 + a^2)',),
                monotone=True, array_forward=lambda xp, a: xp.arctan(a),
                array_derivative=lambda xp, g, out, a: (g / (1 + a * a),), torch_name='atan')
# n-ary nodes: engine.dot() and engine.sum() add up their operands' data themselves.
DOT = _library('dot', 'dot', None, None, _dot_derivative, 'w0*x0 + w1*x1 + ... + b', (),
               edge_labels=(), n_ary=_describe_dot)
SUM = _library('sum', 'sum', None, None, lambda g, out, *operands: [g] * len(operands), 't0 + t1 + ...', (),
               n_ary=_describe_sum)


@functools.lru_cache(maxsize=1024)
def constant_power(exponent: float) -> Op:
    """The op x ** c for one constant c, which it carries as `param`; `_op` reads '**2', '**0.5' as in micrograd."""
    exponent = float(exponent)
    spelled = repr(int(exponent)) if exponent.is_integer() and abs(exponent) <= 2 ** 53 else repr(exponent)
    return replace(
        _POWER_OF_CONSTANT, symbol=f"**{spelled}", param=exponent,
        forward=lambda a: _power(a, exponent), singular=lambda a: _ieee_power(a, exponent),
        derivative=lambda g, out, a: (g * _power_slope(a, exponent),),
        expression=f"a ** {spelled}", local=(f"{spelled} * a^{_minus_one(exponent)}",),
        array_forward=lambda xp, a: xp.power(a, exponent),
        array_derivative=lambda xp, g, out, a: (g * (0.0 if exponent == 0 else exponent * xp.power(a, exponent - 1)),))


def _minus_one(exponent: float) -> str:
    lower = exponent - 1
    return repr(int(lower)) if lower.is_integer() and abs(lower) <= 2 ** 53 else repr(lower)


# The template of constant powers; not registered: each exponent is its own op, made on demand.
_POWER_OF_CONSTANT = Op('pow_constant', '**c', 1, None, None, 'a ** c', ('c * a^(c-1)',),
                        domain=POW.domain, torch_name='pow')
