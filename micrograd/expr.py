"""A safe arithmetic expression language for building graphs from text.

`evaluate("tanh(x1*w1 + b)", {"x1": 2, "w1": -3, "b": 6.88})` builds the
graph with Values labelled by the variable names and returns its output.
The text is parsed with `ast` and only a whitelist is evaluated: numbers,
names, + - * / **, unary - and +, parentheses and calls of the Value
functions below with one argument. It is never given to eval, exec or
compile, so no expression can run code. Every rejection is an
`ExpressionError` with a one-line message.
"""

import ast
import keyword
import numbers
import operator

from micrograd.engine import Value

FUNCTIONS = {name: getattr(Value, name)
             for name in ('exp', 'log', 'tanh', 'sigmoid', 'relu', 'sqrt', 'sin', 'cos')}
FUNCTIONS['abs'] = Value.__abs__

BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
          ast.Div: operator.truediv, ast.Pow: operator.pow}
UNARY = {ast.USub: operator.neg, ast.UAdd: operator.pos}

ALLOWED = f"numbers, names, + - * / **, parentheses and the functions {', '.join(FUNCTIONS)}"


class ExpressionError(ValueError):
    """An expression or a variable value that cannot be evaluated; the message is one line."""


def evaluate(source, values):
    """Build the graph of `source` with each name a Value labelled by it; return the output Value.

    `values` maps every name in the expression to a real number. Nothing is
    run backward. Raises ExpressionError for anything outside the language,
    a name without a value, a value for a name that is not used, or a math
    error such as log(0).
    """
    tree = parse(source)
    callees = {node.func for node in ast.walk(tree) if isinstance(node, ast.Call)}
    used = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and node not in callees}
    unused = sorted(set(values) - used)
    if unused:
        raise ExpressionError(f"{unused[0]} is given a value but is not used in the expression")
    leaves = {name: _leaf(name, values) for name in sorted(used)}
    try:
        result = _Evaluator(leaves).visit(tree.body)
    except (ArithmeticError, ValueError) as error:
        raise ExpressionError(str(error)) from None
    except RecursionError:
        raise ExpressionError("the expression is nested too deeply") from None
    return result


def parse(source):
    """The expression's syntax tree after checking every node against the whitelist."""
    if not isinstance(source, str):
        raise ExpressionError(f"the expression must be a string, got {type(source).__name__}")
    if not source.strip():
        raise ExpressionError("the expression is empty")
    try:
        tree = ast.parse(source, mode='eval')
    except SyntaxError as error:
        raise ExpressionError(f"invalid expression: {error.msg} (column {error.offset})") from None
    except ValueError as error:  # e.g. a null character
        raise ExpressionError(f"invalid expression: {error}") from None
    except (RecursionError, MemoryError):
        raise ExpressionError("the expression is nested too deeply") from None
    for node in ast.walk(tree):
        problem = _problem(node)
        if problem:
            column = getattr(node, 'col_offset', 0) + 1
            raise ExpressionError(f"{problem} at column {column}: use only {ALLOWED}")
    return tree


def _problem(node):
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


def _call_problem(call):
    if not isinstance(call.func, ast.Name):
        return "calling anything but a function name is not allowed"
    if call.func.id not in FUNCTIONS:
        return f"unknown function {call.func.id}()"
    if call.keywords or len(call.args) != 1 or isinstance(call.args[0], ast.Starred):
        return f"{call.func.id}() takes exactly one argument, without keywords"
    return None


def _source_name(node):
    """A readable name for a kind of syntax node: 'Subscript' -> 'subscript'."""
    return {ast.Lambda: 'lambda', ast.Subscript: 'subscript (x[...])', ast.Compare: 'comparison',
            ast.BoolOp: 'and/or', ast.IfExp: 'if/else', ast.Mod: '%', ast.FloorDiv: '//',
            ast.MatMult: '@', ast.Not: 'not', ast.Invert: '~'}.get(type(node), type(node).__name__.lower())


def _leaf(name, values):
    if name not in values:
        raise ExpressionError(f"{name} has no value: give it as {name}=NUMBER")
    try:
        return Value(values[name], label=name)
    except (TypeError, OverflowError) as error:
        raise ExpressionError(f"the value of {name} is not a usable number: {error}") from None


class _Evaluator(ast.NodeVisitor):
    """Evaluates a checked tree on Values: names are the leaves, literal numbers become constants."""

    def __init__(self, leaves):
        self.leaves = leaves

    def visit_Name(self, node):
        return self.leaves[node.id]

    def visit_Constant(self, node):
        return Value(node.value)

    def visit_UnaryOp(self, node):
        return UNARY[type(node.op)](self.visit(node.operand))

    def visit_BinOp(self, node):
        exponent = _literal(node.right) if isinstance(node.op, ast.Pow) else None
        right = self.visit(node.right) if exponent is None else exponent
        return BINARY[type(node.op)](self.visit(node.left), right)

    def visit_Call(self, node):
        return FUNCTIONS[node.func.id](self.visit(node.args[0]))


def _literal(node):
    """The number a literal like 2 or -0.5 stands for, else None (x ** 2 draws as micrograd's '**2' op)."""
    sign = 1
    if isinstance(node, ast.UnaryOp):
        sign, node = (-1 if isinstance(node.op, ast.USub) else 1), node.operand
    return sign * node.value if isinstance(node, ast.Constant) else None


def parse_values(assignments):
    """Turn ['x=2', 'w=-3.5', ...] into {'x': 2.0, 'w': -3.5}; each name once, each value a number."""
    values = {}
    for text in assignments:
        name, equals, number = text.partition('=')
        name = name.strip()
        if not equals or not name.isidentifier() or keyword.iskeyword(name):
            raise ExpressionError(f"expected NAME=NUMBER, got {text!r}")
        if name in values:
            raise ExpressionError(f"{name} is given a value twice")
        try:
            values[name] = float(number)
        except ValueError:
            raise ExpressionError(f"the value of {name} must be a number, got {number!r}") from None
    return values
