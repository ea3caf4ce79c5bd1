"""A safe arithmetic expression language for building graphs from text.

`evaluate("tanh(x1*w1 + b)", {"x1": 2, "w1": -3, "b": 6.88})` builds the
graph with Values labelled by the variable names and returns its output.
The text is parsed with `ast` and only a whitelist is evaluated: numbers,
names, + - * / **, unary - and +, parentheses and calls of the Value
functions below with one argument. It is never given to eval, exec or
compile, so no expression can run code. Every rejection is an
`ExpressionError` with a one-line message. Names are compared after NFKC
normalization, as Python's parser does for identifiers, so the value given
for 'ﬁ' or a full-width 'ｘ' is the value of fi or x.
"""

from __future__ import annotations

import ast
import keyword
import math
import numbers
import operator
import re
import sys
import unicodedata
from collections.abc import Mapping
from typing import Any, Callable, Iterable, Optional, Sequence

from micrograd import ops
from micrograd.engine import Number, Value
from micrograd.messages import brief, brief_repr

__all__ = ['evaluate', 'parse', 'parse_values', 'ExpressionError', 'FUNCTIONS', 'ALLOWED']

FUNCTIONS: dict[str, Callable[[Value], Value]] = {op.name: getattr(Value, op.method) for op in ops.unary_functions()}

BINARY: dict[type[ast.operator], Callable[[Any, Any], Value]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv, ast.Pow: operator.pow}
UNARY: dict[type[ast.unaryop], Callable[[Value], Value]] = {ast.USub: operator.neg, ast.UAdd: operator.pos}

ALLOWED = f"numbers, names, + - * / **, parentheses and the functions {', '.join(FUNCTIONS)}"


class ExpressionError(ValueError):
    """An expression or a variable value that cannot be evaluated; the message is one line."""


def evaluate(source: str, values: Mapping[str, Number]) -> Value:
    """Build the graph of `source` with each name a Value labelled by it; return the output Value.

    `values` maps every name in the expression to a real number. Nothing is
    run backward. Raises ExpressionError for anything outside the language,
    a name without a value, a value for a name that is not used, or a math
    error such as log(0); TypeError if `values` is not a mapping with string keys.
    """
    if not isinstance(values, Mapping):
        raise TypeError(f"values must be a mapping of names to numbers, got {type(values).__name__}")
    named: dict[str, object] = {}
    for name, value in values.items():
        if not isinstance(name, str):
            raise TypeError(f"the names in values must be strings, got {type(name).__name__} {name!r:.40}")
        _add(named, name, value)
    tree = parse(source)
    callees = {node.func for node in ast.walk(tree) if isinstance(node, ast.Call)}
    used = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and node not in callees}
    unused = sorted(set(named) - used)
    if unused:
        raise ExpressionError(f"{brief(unused[0])} is given a value but is not used in the expression")
    leaves = {name: _leaf(name, named) for name in sorted(used)}
    try:
        return _build(tree.body, leaves)
    except (ArithmeticError, ValueError) as error:
        raise ExpressionError(' '.join(str(error).split())) from None


def _add(values: dict[str, Any], name: str, value: Any) -> None:
    """values[name] = value, with name NFKC-normalized as Python normalizes identifiers."""
    name = unicodedata.normalize('NFKC', name)
    if name in values:
        raise ExpressionError(f"{brief(name)} is given a value twice")
    values[name] = value


def parse(source: str) -> ast.Expression:
    """The expression's syntax tree after checking every node against the whitelist."""
    if not isinstance(source, str):
        raise ExpressionError(f"the expression must be a string, got {type(source).__name__}")
    if not source.strip():
        raise ExpressionError("the expression is empty")
    body = source.lstrip(' \t')  # " x+1": a leading space is how people keep argparse off "-x"
    indent = len(source) - len(body)
    try:
        tree = ast.parse(body, mode='eval')
    except SyntaxError as error:
        if 'int_max_str_digits' in error.msg:
            raise ExpressionError(f"invalid expression: a whole number has more than "
                                  f"{sys.get_int_max_str_digits()} digits") from None
        if not error.offset:  # Python's parser reports the end of the text as column 0
            raise ExpressionError(f"invalid expression: {error.msg} (at the end: it is incomplete)") from None
        column = error.offset + (indent if error.lineno == 1 else 0)
        raise ExpressionError(f"invalid expression: {error.msg} ({_place(source, error.lineno, column)})") from None
    except ValueError as error:  # e.g. a null character
        raise ExpressionError(f"invalid expression: {error}") from None
    except (RecursionError, MemoryError):
        raise ExpressionError("the expression is too long or nested too deeply for Python's parser") from None
    for node in ast.walk(tree):
        problem = _problem(node)
        if isinstance(node, ast.Name) and keyword.iskeyword(node.id):  # 'ｉｆ' reads as 'if'
            problem = _keyword_problem(ast.get_source_segment(body, node) or node.id, node.id)
        if problem:
            raise ExpressionError(f"{problem} at {_node_place(source, body, node)}: use only {ALLOWED}")
        if isinstance(node, ast.Constant) and not _finite(node.value):
            raise ExpressionError(f"the number at {_node_place(source, body, node)} is beyond the float range "
                                  f"(its size must be below about 1.8e308)")
    return tree


def _place(source: str, line: Optional[int], column: Optional[int]) -> str:
    """'column C', or 'line L, column C' when the expression has several lines (both 1-based)."""
    return f"line {line}, column {column}" if re.search('[\r\n]', source) else f"column {column}"


def _node_place(source: str, body: str, node: Any) -> str:
    """Where a syntax node of body (source without its leading blanks) starts, in source's characters.

    ast counts columns in UTF-8 bytes, people in characters.
    """
    line = re.split('\r\n|\r|\n', body)[node.lineno - 1]
    column = len(line.encode('utf-8')[:node.col_offset].decode('utf-8', 'ignore')) + 1
    return _place(source, node.lineno, column + (len(source) - len(body) if node.lineno == 1 else 0))


def _finite(number: Any) -> bool:
    try:
        return math.isfinite(number)
    except OverflowError:  # an int too large for a float
        return False


def _problem(node: ast.AST) -> Optional[str]:
    """Why a syntax node is outside the language, or None if it is allowed."""
    if isinstance(node, (ast.Expression, ast.Load, ast.Name)) or type(node) in BINARY or type(node) in UNARY:
        return None
    if isinstance(node, ast.BinOp):
        return None if type(node.op) in BINARY else f"the operator {_source_name(node.op)} is not allowed"
    if isinstance(node, ast.UnaryOp):
        return None if type(node.op) in UNARY else f"the operator {_source_name(node.op)} is not allowed"
    if isinstance(node, ast.Constant):
        number = isinstance(node.value, numbers.Real) and not isinstance(node.value, bool)
        return None if number else f"{node.value!r} is not a number"
    if isinstance(node, ast.Call):
        return _call_problem(node)
    if isinstance(node, ast.Attribute):
        return f"attribute access (.{node.attr}) is not allowed"
    return f"{_source_name(node)} is not allowed"


def _call_problem(call: ast.Call) -> Optional[str]:
    if not isinstance(call.func, ast.Name):
        return "calling anything but a function name is not allowed"
    if call.func.id not in FUNCTIONS:
        return f"unknown function {call.func.id}()"
    if call.keywords or len(call.args) != 1 or isinstance(call.args[0], ast.Starred):
        return f"{call.func.id}() takes exactly one argument, without keywords"
    return None


def _source_name(node: ast.AST) -> str:
    """A readable name for a kind of syntax node: 'Subscript' -> 'subscript'."""
    return {ast.Lambda: 'lambda', ast.Subscript: 'subscript (x[...])', ast.Compare: 'comparison',
            ast.BoolOp: 'and/or', ast.IfExp: 'if/else', ast.Mod: '%', ast.FloorDiv: '//',
            ast.MatMult: '@', ast.Not: 'not', ast.Invert: '~'}.get(type(node), type(node).__name__.lower())


def _keyword_problem(written: str, keyword_name: str) -> str:
    if written == keyword_name:
        return f"{keyword_name!r} is a Python keyword and cannot be a variable name"
    return (f"{brief_repr(written)} reads as the keyword {keyword_name!r} (names are NFKC-normalized, as in "
            "Python) and cannot be a variable name")


def _leaf(name: str, values: Mapping[str, Any]) -> Value:
    if name not in values:
        raise ExpressionError(f"{brief(name)} has no value: give it as {brief(name)}=NUMBER")
    try:
        return Value(values[name], label=name)
    except (TypeError, OverflowError) as error:
        raise ExpressionError(f"the value of {brief(name)} is not a usable number: {error}") from None


def _build(body: ast.expr, leaves: Mapping[str, Value]) -> Value:
    """Evaluate a checked tree on Values, operands before operators, with an explicit stack.

    No recursion, so a flat sum of thousands of terms (a deeply left-nested
    tree) works. Names are the leaves; literal numbers become constants.
    """
    results: list[Value] = []
    stack = [(body, False)]
    while stack:
        node, operands_done = stack.pop()
        operands = _operands(node)
        if operands_done:
            start = len(results) - len(operands)
            results[start:] = [_combine(node, results[start:], leaves)]
        else:
            stack.append((node, True))
            stack.extend((operand, False) for operand in reversed(operands))
    return results[0]


def _operands(node: ast.expr) -> Sequence[ast.expr]:
    """The sub-expressions node needs evaluated first, left to right."""
    if isinstance(node, ast.BinOp):
        return (node.left,) if _exponent(node) is not None else (node.left, node.right)
    if isinstance(node, ast.UnaryOp):
        return (node.operand,)
    if isinstance(node, ast.Call):
        return tuple(node.args)
    return ()


def _combine(node: Any, operands: Sequence[Value], leaves: Mapping[str, Value]) -> Value:
    """node's Value from its operands' Values (node: an ast.expr of a tree parse() has checked)."""
    if isinstance(node, ast.Name):
        return leaves[node.id]
    if isinstance(node, ast.Constant):
        return Value(node.value)  # type: ignore[arg-type] # parse() lets only real numbers through
    if isinstance(node, ast.UnaryOp):
        return UNARY[type(node.op)](*operands)
    if isinstance(node, ast.Call):
        return FUNCTIONS[node.func.id](*operands)  # type: ignore[attr-defined] # parse(): a function name
    exponent = _exponent(node)
    return BINARY[type(node.op)](*operands, *(() if exponent is None else (exponent,)))


def _exponent(binop: ast.BinOp) -> Optional[float]:
    """The literal exponent of x ** 2 or x ** -0.5, else None (x ** 2 draws as micrograd's '**2' op)."""
    return _literal(binop.right) if isinstance(binop.op, ast.Pow) else None


def _literal(node: ast.expr) -> Optional[float]:
    """The number a literal like 2 or -0.5 stands for, else None."""
    sign = 1
    if isinstance(node, ast.UnaryOp):
        sign, node = (-1 if isinstance(node.op, ast.USub) else 1), node.operand
    return sign * node.value if isinstance(node, ast.Constant) else None  # type: ignore[operator, return-value] # a number


def parse_values(assignments: Iterable[str]) -> dict[str, float]:
    """Turn ['x=2', 'w=-3.5', ...] into {'x': 2.0, 'w': -3.5}; each name once, each value a finite number.

    Names are NFKC-normalized as in the expression ('ﬁ=3' gives fi).
    """
    if isinstance(assignments, (str, bytes)) or not hasattr(assignments, '__iter__'):
        raise TypeError(f"assignments must be a list of 'NAME=NUMBER' strings, got {type(assignments).__name__}")
    values: dict[str, float] = {}
    for text in assignments:
        if not isinstance(text, str):
            raise TypeError(f"each assignment must be a 'NAME=NUMBER' string, got {type(text).__name__} {text!r:.40}")
        name, equals, number = text.partition('=')
        name = unicodedata.normalize('NFKC', name.strip())
        if equals and keyword.iskeyword(name):
            raise ExpressionError(_keyword_problem(text.partition('=')[0].strip(), name))
        if not equals or not name.isidentifier():
            raise ExpressionError(f"expected NAME=NUMBER, got {brief_repr(text)}")
        try:
            value = float(number)
        except ValueError:
            raise ExpressionError(f"the value of {brief(name)} must be a number, got {brief_repr(number)}") from None
        if not math.isfinite(value):
            raise ExpressionError(f"the value of {brief(name)} must be a finite number, got {brief_repr(number.strip())}")
        _add(values, name, value)
    return values
