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
import warnings
from pathlib import Path

from micrograd import ops
from micrograd._optional import require
from micrograd.atomic import write_atomically
from micrograd.engine import Value

graphviz = require('graphviz', extra='viz')

RANKDIRS = ('LR', 'TB', 'RL', 'BT')
FORMATS = ('svg', 'png', 'pdf')
# File extension -> rendered format; '.dot' saves the DOT text itself.
EXTENSIONS = {'.svg': 'svg', '.png': 'png', '.pdf': 'pdf', '.dot': None}

INSTALL_HINT = (
    "Graphviz's 'dot' program was not found on PATH; install Graphviz to render graphs "
    "(Debian/Ubuntu: sudo apt-get install graphviz; macOS: brew install graphviz; "
    "conda: conda install graphviz; others: https://graphviz.org/download/). "
    "The DOT text is available without it as graph.source")


# Graphviz 2.43 cannot read an HTML label longer than 16 KB; a label shows at most this many characters.
MAX_LABEL_CHARS = 1000
# Above this many Values, Graphviz's layout takes seconds to minutes (127 s at 10,000).
LARGE_GRAPH = 2000


class GraphvizNotFound(graphviz.ExecutableNotFound):  # type: ignore[name-defined] # graphviz: require()d, untyped
    """Rendering needs Graphviz's `dot`; the message says how to install it."""

    def __init__(self):
        RuntimeError.__init__(self, INSTALL_HINT)


class GraphvizFailed(RuntimeError):
    """Graphviz's `dot` ran but could not render the graph; the message is dot's own."""


class LargeGraphWarning(UserWarning):
    """The graph is so large that rendering it may take minutes."""


def _explaining_failures(render, stream_errors=()):
    """render, raising GraphvizNotFound or GraphvizFailed (one clear line) where Graphviz fails.

    stream_errors: the OSErrors that can only come from talking to dot (pipe
    writes no file, so a broken pipe there is dot's failure, not a file's).
    """
    @functools.wraps(render)
    def wrapper(*args, **kwargs):
        try:
            return render(*args, **kwargs)
        except graphviz.ExecutableNotFound:
            raise GraphvizNotFound() from None
        except graphviz.CalledProcessError as error:
            said = (error.stderr or b'').decode('utf-8', 'replace').strip().splitlines()
            raise GraphvizFailed(f"Graphviz's dot could not render the graph: "
                                 f"{said[0] if said else f'exit status {error.returncode}'}") from None
        except stream_errors as error:
            raise GraphvizFailed(f"Graphviz's dot stopped reading the graph: {error.strerror or error}") from None
    return wrapper


class Graph(graphviz.Digraph):  # type: ignore[name-defined] # graphviz: require()d, untyped
    """A graphviz.Digraph whose rendering failures say what went wrong in one line."""

    pipe = _explaining_failures(graphviz.Digraph.pipe, OSError)  # also used to show it in Jupyter
    render = _explaining_failures(graphviz.Digraph.render)


def draw_dot(root, format='svg', rankdir='LR', show_grad=True):  # noqa: A002 - graphviz's own name
    """The graph that computed `root`, as a graphviz.Digraph (shown inline in Jupyter).

    Each Value is a box with its label (if any), data and, with show_grad,
    its grad; each op is a small node with edges operand -> op -> result, one
    edge per operand slot (x*x has two edges from x), labelled where operand
    order matters (a - b: '+', '-'). Nodes are numbered in traversal order from
    the root, so the same graph always gives the same DOT text. Warns
    (LargeGraphWarning) above LARGE_GRAPH Values: rendering would take minutes.
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
    if len(ids) > LARGE_GRAPH:
        warnings.warn(LargeGraphWarning(
            f"the graph has {len(ids)} Values (more than {LARGE_GRAPH}): rendering it may take "
            "minutes; consider drawing a smaller sub-expression"), stacklevel=2)
    for value, name in ids.items():
        graph.node(name, _value_label(value, show_grad), shape='none', margin='0')
        if value._operands:
            graph.node(f'{name}op', _html(value._op), shape='ellipse', fontsize='10',
                       width='0', height='0', margin='0.05')
            graph.edge(f'{name}op', name)
            for operand, slot in zip(value._operands, _slot_names(value)):
                graph.edge(ids[operand], f'{name}op', **({'label': slot, 'fontsize': '9'} if slot else {}))
    return graph


def _slot_names(value):
    """An edge label per operand naming its place where the order matters (the op's edge labels), else None each."""
    count, operation = len(value._operands), value._operation
    if count < 2:
        return [None] * count
    if isinstance(operation, ops.Op) and operation.library:
        return operation.operand_labels(count)
    return [str(i) for i in range(count)]  # an op of the user's: operands by position


def _number_nodes(root):
    """Every Value reachable from root -> 'n0', 'n1', ..., in breadth-first order (no recursion)."""
    ids = {root: 'n0'}
    queue = [root]
    for value in queue:  # the list grows while it is walked
        for operand in value._operands:
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
    r"""Text for an HTML-like Graphviz label, shown verbatim and never as markup.

    '\n' (or '\r\n') starts a new line; an empty line keeps its height (a
    no-break space), so a trailing newline shows. Every other control or
    line/paragraph separator character shows as its Python escape (\t, \x0b,
    \u2028). At most MAX_LABEL_CHARS characters are shown, then '… (N characters)'.
    Backslashes are doubled because Graphviz expands \N, \G, ... even in HTML labels.
    """
    one_break_per_line = text.replace('\r\n', '\n')
    lines = one_break_per_line[:MAX_LABEL_CHARS].split('\n')
    if len(one_break_per_line) > MAX_LABEL_CHARS:
        lines[-1] += f'\N{HORIZONTAL ELLIPSIS} ({len(text)} characters)'
    return '<BR/>'.join(_html_line(line) if line else '&#160;' for line in lines)


def _html_line(line):
    escaped = html.escape(''.join(map(_visible, line)))
    return escaped.replace('\\', '\\\\')


def _visible(char):
    """The character itself, or its Python escape where it would be invisible, a line break or invalid XML."""
    if unicodedata.category(char) not in ('Cc', 'Cs', 'Zl', 'Zp') and char not in '\ufffe\uffff':
        return char
    return ascii(char)[1:-1]


def save(graph, path):
    """Write graph to path in the format its extension names (.svg .png .pdf .dot), atomically.

    '.dot' writes the DOT text and needs no Graphviz. dot's messages are not
    echoed; a failure raises GraphvizFailed with dot's first line. The file appears
    complete or not at all: it is written to a temporary file in the same
    directory and then moved into place.
    """
    render_format = output_format(path)
    if render_format is None:
        data = graph.source.encode('utf-8')
    else:
        data = graph.pipe(format=render_format, quiet=True)
    write_atomically(path, lambda file: file.write(data))


def output_format(path):
    """The format a file name asks for: 'svg', 'png', 'pdf', or None for DOT text (.dot)."""
    name = Path(path).name.lower()
    if name in EXTENSIONS:  # '.svg' is a hidden file's name without an extension
        raise ValueError(f"the file name is missing in {str(path)!r}: give a name before {name}")
    extension = Path(path).suffix.lower()
    if extension not in EXTENSIONS:
        raise ValueError(f"cannot tell the output format of {str(path)!r}: "
                         f"its name must end in {', '.join(EXTENSIONS)}")
    return EXTENSIONS[extension]
