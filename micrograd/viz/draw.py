"""Draw a computation graph with Graphviz: one box per Value, one small node per op.

The DOT text is built without running anything, so `draw_dot(...).source`
works without Graphviz's `dot` program; only rendering needs it, and then a
missing `dot` is reported with the way to install it. Labels are shown as
HTML-escaped text, so no label can turn into DOT syntax or SVG markup.
"""

import functools
import html
import math
import re
import subprocess
import sys
import unicodedata
import warnings
from pathlib import Path

import graphviz

from micrograd.engine import Value
from micrograd.atomic import write_atomically
from micrograd.messages import brief_repr

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
# Graphviz's dot lays a graph out on a grid of ranks: one layout node per node, one per edge and two
# per rank an edge skips (a value used far from where it is made skips many; edge labels double the
# ranks), so layout_size() counts them. dot's positioning and crossing passes grow faster than that
# count; past FAST_LAYOUT they are bounded with FAST_LAYOUT_ATTRIBUTES (nslimit: network-simplex
# iterations per node; mclimit: crossing-minimization passes), which measured in benchmarks/layout.py
# turns x+x+...+x with 80 terms from about 100 s into 0.4 s and a degree-70 polynomial in Horner
# form from over 150 s into 2 s while leaving smaller graphs, whose passes end sooner, unchanged.
FAST_LAYOUT = 3000
FAST_LAYOUT_ATTRIBUTES = {'nslimit': '1', 'mclimit': '0.1'}
# Rendering warns above LARGE_LAYOUT layout nodes (10 s to minutes), and refuses above MAX_LAYOUT
# (minutes to hours and gigabytes of memory) unless it may take as long as dot needs (timeout=None).
LARGE_LAYOUT = 50_000
MAX_LAYOUT = 300_000
# Seconds dot may run for one rendering before it is stopped.
DOT_TIMEOUT = 60
# Ops whose operand order is invisible in the result; every other op with several operands
# labels its edges: by the names below, 'dot' by w0, x0, w1, x1, ..., b, others by position.
COMMUTATIVE = {'+', '*', 'sum'}
SLOT_NAMES = {'-': ('+', '-'), '/': ('num', 'den'), '**': ('base', 'exp')}


class GraphvizNotFound(graphviz.ExecutableNotFound):
    """Rendering needs Graphviz's `dot`; the message says how to install it."""

    def __init__(self):
        RuntimeError.__init__(self, INSTALL_HINT)


class GraphvizFailed(RuntimeError):
    """Graphviz's `dot` ran but could not render the graph; the message is dot's own."""


class GraphvizTimeout(GraphvizFailed):
    """dot did not finish within the time limit (it was stopped), or the graph is too large to try."""


class LargeGraphWarning(UserWarning):
    """The graph's layout is so large that rendering it may take minutes."""


def _explaining_failures(render):
    """render, raising GraphvizNotFound or GraphvizFailed (one clear line) where Graphviz fails."""
    @functools.wraps(render)
    def wrapper(*args, **kwargs):
        try:
            return render(*args, **kwargs)
        except graphviz.ExecutableNotFound:
            raise GraphvizNotFound() from None
        except graphviz.CalledProcessError as error:
            raise _failure(error.stderr, error.returncode) from None
    return wrapper


def _failure(stderr, status):
    """GraphvizFailed with the first line dot wrote on stderr (bytes or str)."""
    if isinstance(stderr, bytes):
        stderr = stderr.decode('utf-8', 'replace')
    said = (stderr or '').strip().splitlines()
    return GraphvizFailed(f"Graphviz's dot could not render the graph: {said[0] if said else f'exit status {status}'}")


class Graph(graphviz.Digraph):
    """A graphviz.Digraph laid out the fast way when it is large, rendered by pipe() with a time limit.

    Its DOT text (`.source`, saved .dot files) carries FAST_LAYOUT_ATTRIBUTES
    when layout_size() exceeds FAST_LAYOUT, so dot run by hand is fast too.
    render() is graphviz's own (no time limit); its failures are one clear line.
    """

    def __iter__(self, subgraph=False):
        fast = not subgraph and layout_size(self) > FAST_LAYOUT
        attributes = {key: value for key, value in FAST_LAYOUT_ATTRIBUTES.items() if key not in self.graph_attr}
        lines = super().__iter__(subgraph=subgraph)
        for line in lines:
            yield line
            if fast and attributes and not line.startswith('//'):  # right after the head line
                yield '\t// a large layout: dot\'s slowest passes are bounded (micrograd.viz.FAST_LAYOUT)\n'
                yield self._attr('graph', self._attr_list(None, kwargs=attributes))
                fast = False

    def pipe(self, format=None, renderer=None, formatter=None, neato_no_op=None, quiet=False, *,  # noqa: A002
             engine=None, encoding=None, timeout=DOT_TIMEOUT):
        """The graph rendered by dot, as graphviz's pipe(), stopped after timeout seconds (None: no limit).

        Raises GraphvizNotFound, GraphvizFailed, or GraphvizTimeout (also at once for
        a layout above MAX_LAYOUT while a limit is set); warns above LARGE_LAYOUT.
        """
        command = graphviz.backend.dot_command.command(engine or self.engine, format or self.format,
                                                        renderer=renderer, formatter=formatter,
                                                        neato_no_op=neato_no_op)
        output = run_dot(command, self.source.encode(self.encoding), layout_size(self), timeout, quiet)
        return output if encoding is None else output.decode(encoding)

    render = _explaining_failures(graphviz.Digraph.render)


def layout_size(graph):
    """The number of nodes dot's layout of graph needs (see FAST_LAYOUT); it predicts dot's time and memory.

    graph is a graphviz Digraph or Source; edge statements are read as graphviz writes them, one a line.
    """
    lines = graph.body if hasattr(graph, 'body') else graph.source.splitlines(keepends=True)
    edges, labelled = [], False
    for line in lines:
        match = _EDGE_LINE.match(line)
        if match:
            edges.append((_node_id(match['tail']), _node_id(match['head'])))
            labelled = labelled or 'label=' in match['attributes']
    return _layout_size(edges, 2 if labelled else 1)


_ID = r'"(?:[^"\\]|\\.)*"|[^\s"\[\]]+'
_EDGE_LINE = re.compile(rf'\t(?P<tail>{_ID}) -> (?P<head>{_ID})(?P<attributes>.*)', re.DOTALL)


def _node_id(text):
    """A node's id without its port (n3:w -> n3)."""
    return text if text.startswith('"') else text.split(':')[0]


def _layout_size(edges, ranks_per_edge):
    """Nodes + edges + 2 x ranks skipped, with each node ranked by its longest path to an output (as dot does)."""
    uses, pending, nodes = {}, {}, set()
    for tail, head in edges:
        uses.setdefault(head, []).append(tail)
        pending[tail] = pending.get(tail, 0) + 1
        nodes.update((tail, head))
    depth = dict.fromkeys(nodes, 0)
    ready = [node for node in nodes if node not in pending]
    while ready:  # Kahn's order from the outputs back: a node after every node it feeds
        node = ready.pop()
        for tail in uses.get(node, ()):
            depth[tail] = max(depth[tail], depth[node] + 1)
            pending[tail] -= 1
            if not pending[tail]:
                ready.append(tail)
    skipped = sum(ranks_per_edge * (depth[tail] - depth[head]) - 1 for tail, head in edges)
    return len(nodes) + len(edges) + 2 * max(skipped, 0)


def run_dot(command, source, size, timeout=DOT_TIMEOUT, quiet=True):
    """dot's output for source (bytes), stopped after timeout seconds; one clear error for every failure.

    An interrupted or timed-out dot is killed and reaped before the exception
    leaves, so no dot process outlives the call; dot's CPU time is also capped
    (RLIMIT_CPU, where available) so it dies even if this process is killed.
    """
    if timeout is not None and size > MAX_LAYOUT:
        raise GraphvizTimeout(f"the graph is too large for Graphviz: its layout needs about {size:,} nodes "
                              f"(more than {MAX_LAYOUT:,}; values used far from where they are made add long "
                              "edges), which takes minutes to hours and gigabytes; draw a smaller "
                              "sub-expression, or save it as .dot")
    if size > LARGE_LAYOUT:
        warnings.warn(LargeGraphWarning(
            f"the graph's layout needs about {size:,} nodes (more than {LARGE_LAYOUT:,}): rendering it may "
            f"take minutes{f' (dot is stopped after {timeout:g} s)' if timeout is not None else ''}; "
            "consider drawing a smaller sub-expression"), stacklevel=3)
    try:
        process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except FileNotFoundError:
        raise GraphvizNotFound() from None
    except OSError as error:
        raise GraphvizFailed(f"Graphviz's dot could not be started: {error.strerror or error}") from None
    with process:  # waits for dot on the way out, also after an exception
        _limit_cpu(process.pid, timeout)
        try:
            output, errors = process.communicate(source, timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            raise _timeout(timeout, size) from None
        except BaseException:  # KeyboardInterrupt, SystemExit from a signal handler, ...
            process.kill()
            raise
    if process.returncode != 0:
        if process.returncode in (-9, -24) and timeout is not None:  # killed at its CPU limit (SIGKILL, SIGXCPU)
            raise _timeout(timeout, size)
        raise _failure(errors, process.returncode)
    if errors and not quiet:
        sys.stderr.write(errors.decode('utf-8', 'replace'))
    return output


def _timeout(timeout, size):
    return GraphvizTimeout(f"Graphviz's dot did not finish the layout within {timeout:g} s and was stopped "
                           f"(the layout needs about {size:,} nodes); draw a smaller sub-expression, allow "
                           "more time, or save it as .dot")


def _limit_cpu(pid, timeout):
    """Let dot use at most timeout + 1 s of CPU time (SIGXCPU, then SIGKILL), where Linux's prlimit exists."""
    if timeout is None:
        return
    try:
        import resource
        seconds = math.ceil(timeout) + 1
        resource.prlimit(pid, resource.RLIMIT_CPU, (seconds, seconds + 1))
    except (ImportError, AttributeError, OSError):  # not Linux, or dot has already exited
        pass


def draw_dot(root, format='svg', rankdir='LR', show_grad=True):
    """The graph that computed `root`, as a graphviz.Digraph (shown inline in Jupyter).

    Each Value is a box with its label (if any), data and, with show_grad,
    its grad; each op is a small node with edges operand -> op -> result, one
    edge per operand slot (x*x has two edges from x), labelled where operand
    order matters (a - b: '+', '-'). Nodes are numbered in traversal order from
    the root, so the same graph always gives the same DOT text. Rendering a
    large one is laid out the fast way and limited in time (see Graph.pipe).
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
            for operand, slot in zip(value._prev, _slot_names(value)):
                graph.edge(ids[operand], f'{name}op', **({'label': slot, 'fontsize': '9'} if slot else {}))
    return graph


def _slot_names(value):
    """An edge label per operand naming its place where the order matters, else None each."""
    count, op = len(value._prev), value._op
    if count < 2 or op in COMMUTATIVE:
        return [None] * count
    if op == 'dot':  # operands w0, x0, w1, x1, ..., then the bias if their number is odd
        return [f"{'wx'[i % 2]}{i // 2}" for i in range(count - count % 2)] + ['b'] * (count % 2)
    return SLOT_NAMES.get(op, [str(i) for i in range(count)])


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


def save(graph, path, timeout=DOT_TIMEOUT):
    """Write graph (any graphviz graph) to path in the format its extension names (.svg .png .pdf .dot), atomically.

    '.dot' writes the DOT text and needs no Graphviz. dot's messages are not
    echoed; a failure raises GraphvizFailed with dot's first line, and dot is
    stopped after timeout seconds (GraphvizTimeout; None: no limit). The file
    appears complete or not at all, following micrograd.atomic's rules (a target
    that is not a regular file, or is read-only, is refused).
    """
    render_format = output_format(path)
    if render_format is None:
        data = graph.source.encode('utf-8')
    else:
        command = graphviz.backend.dot_command.command(graph.engine, render_format)
        data = run_dot(command, graph.source.encode(graph.encoding), layout_size(graph), timeout)
    write_atomically(path, lambda file: file.write(data))


def output_format(path, extensions=None):
    """The format a file name asks for: 'svg', 'png', 'pdf', or None for DOT text (.dot).

    extensions maps each accepted extension to its format (default EXTENSIONS).
    """
    extensions = EXTENSIONS if extensions is None else extensions
    name = Path(path).name.lower()
    if name in extensions:  # '.svg' is a hidden file's name without an extension
        raise ValueError(f"the file name is missing in {brief_repr(str(path))}: give a name before {name}")
    extension = Path(path).suffix.lower()
    if extension not in extensions:
        raise ValueError(f"cannot tell the output format of {brief_repr(str(path))}: "
                         f"its name must end in {', '.join(extensions)}")
    return extensions[extension]
