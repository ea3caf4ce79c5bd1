"""Draw a computation graph with Graphviz: one box per Value, one small node per op.

The DOT text is built without running anything, so `draw_dot(...).source`
works without Graphviz's `dot` program; only rendering needs it, and then a
missing `dot` is reported with the way to install it. Labels are shown as
HTML-escaped text, so no label can turn into DOT syntax or SVG markup.
"""

import functools
import html
import math
import unicodedata
from pathlib import Path

import graphviz

from micrograd.engine import Value
from micrograd.atomic import write_atomically

RANKDIRS = ('LR', 'TB', 'RL', 'BT')
FORMATS = ('svg', 'png', 'pdf')
# File extension -> rendered format; '.dot' saves the DOT text itself.
EXTENSIONS = {'.svg': 'svg', '.png': 'png', '.pdf': 'pdf', '.dot': None}

INSTALL_HINT = (
    "Graphviz's 'dot' program was not found on PATH; install Graphviz to render graphs "
    "(Debian/Ubuntu: sudo apt-get install graphviz; macOS: brew install graphviz; "
    "conda: conda install graphviz; others: https://graphviz.org/download/). "
    "The DOT text is available without it as graph.source")


class GraphvizNotFound(graphviz.ExecutableNotFound):
    """Rendering needs Graphviz's `dot`; the message says how to install it."""

    def __init__(self):
        RuntimeError.__init__(self, INSTALL_HINT)


def _explaining_missing_dot(render):
    """render, raising GraphvizNotFound (with install instructions) where Graphviz is missing."""
    @functools.wraps(render)
    def wrapper(*args, **kwargs):
        try:
            return render(*args, **kwargs)
        except graphviz.ExecutableNotFound:
            raise GraphvizNotFound() from None
    return wrapper


class Graph(graphviz.Digraph):
    """A graphviz.Digraph whose rendering explains how to install a missing Graphviz."""

    pipe = _explaining_missing_dot(graphviz.Digraph.pipe)  # also used to show it in Jupyter
    render = _explaining_missing_dot(graphviz.Digraph.render)


def draw_dot(root, format='svg', rankdir='LR', show_grad=True):
    """The graph that computed `root`, as a graphviz.Digraph (shown inline in Jupyter).

    Each Value is a box with its label (if any), data and, with show_grad,
    its grad; each op is a small node with edges operand -> op -> result, one
    edge per operand slot (x*x has two edges from x). Nodes are numbered in
    traversal order from the root, so the same graph always gives the same DOT text.
    """
    if not isinstance(root, Value):
        raise TypeError(f"draw_dot needs a Value to draw, got {type(root).__name__}")
    if format not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {format!r}")
    if rankdir not in RANKDIRS:
        raise ValueError(f"rankdir must be one of {', '.join(RANKDIRS)}, got {rankdir!r}")
    graph = Graph(name='micrograd', format=format, graph_attr={'rankdir': rankdir},
                  node_attr={'fontname': 'Helvetica', 'fontsize': '11'})
    ids = _number_nodes(root)
    for value, name in ids.items():
        graph.node(name, _value_label(value, show_grad), shape='none', margin='0')
        if value._prev:
            graph.node(f'{name}op', _html(value._op), shape='ellipse', fontsize='10',
                       width='0', height='0', margin='0.05')
            graph.edge(f'{name}op', name)
            for operand in value._prev:
                graph.edge(ids[operand], f'{name}op')
    return graph


def _number_nodes(root):
    """Every Value reachable from root -> 'n0', 'n1', ..., in breadth-first order (no recursion)."""
    ids = {root: 'n0'}
    queue = [root]
    for value in queue:  # the list grows while it is walked
        for operand in value._prev:
            if operand not in ids:
                ids[operand] = f'n{len(ids)}'
                queue.append(operand)
    return ids


def _value_label(value, show_grad):
    cells = [_html(str(value.label))] if value.label else []
    cells.append(f'data {format_number(value.data)}')
    if show_grad:
        cells.append(f'grad {format_number(value.grad)}')
    row = ''.join(f'<TD>{cell}</TD>' for cell in cells)
    return f'<<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="4"><TR>{row}</TR></TABLE>>'


def format_number(x):
    """A readable number: up to 4 decimals, no trailing zeros ('220', '0.7071', '-1.5', '1.2346e-07')."""
    if math.isnan(x):
        return 'nan'
    if x == 0:
        return '0'  # also -0.0
    if math.isinf(x) or not 1e-4 <= abs(x) < 1e15:
        mantissa, _, exponent = f'{x:.4e}'.partition('e')
        return f'{_strip_zeros(mantissa)}e{exponent}' if exponent else mantissa
    return _strip_zeros(f'{x:.4f}')


def _strip_zeros(number):
    return number.rstrip('0').rstrip('.') if '.' in number else number


def _html(text):
    """Text for an HTML-like Graphviz label: escaped, line breaks as <BR/>, control characters visible.

    Backslashes are doubled because Graphviz expands \\N, \\G, ... even in HTML labels.
    """
    return '<BR/>'.join(map(_html_line, text.splitlines() or ['']))


def _html_line(line):
    escaped = html.escape(''.join(map(_visible, line)))
    return escaped.replace('\\', '\\\\')


def _visible(char):
    """The character itself, or its Python escape where SVG/XML cannot hold it (control characters)."""
    if char == '\t' or (unicodedata.category(char) not in ('Cc', 'Cs') and char not in '\ufffe\uffff'):
        return char
    return ascii(char)[1:-1]


def save(graph, path):
    """Write graph to path in the format its extension names (.svg .png .pdf .dot), atomically.

    '.dot' writes the DOT text and needs no Graphviz. The file appears
    complete or not at all: it is written to a temporary file in the same
    directory and then moved into place.
    """
    render_format = output_format(path)
    data = graph.source.encode('utf-8') if render_format is None else graph.pipe(format=render_format)
    write_atomically(path, lambda file: file.write(data))


def output_format(path):
    """The format a file name asks for: 'svg', 'png', 'pdf', or None for DOT text (.dot)."""
    extension = Path(path).suffix.lower()
    if extension not in EXTENSIONS:
        raise ValueError(f"cannot tell the output format of {str(path)!r}: "
                         f"its name must end in {', '.join(EXTENSIONS)}")
    return EXTENSIONS[extension]
