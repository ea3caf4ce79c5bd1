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
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator, Mapping, Optional, Sequence, Tuple, Union

from micrograd import ops
from micrograd._optional import require
from micrograd.atomic import FilePath, write_atomically
from micrograd.engine import Value
from micrograd.messages import PATH_LIMIT, brief_repr

graphviz = require('graphviz', extra='viz')

if TYPE_CHECKING:
    from micrograd.examples import Example

# What can be drawn: a Value, or an examples.Example (its root is drawn).
Drawable = Union[Value, 'Example']
# An element's SVG id as DOT attributes ({'id': ...}), or none at all.
_Ident = Callable[[str], dict[str, str]]
_Gradient = Optional[Callable[[Value], float]]

RANKDIRS = ('LR', 'TB', 'RL', 'BT')
FORMATS = ('svg', 'png', 'pdf')
# File extension -> rendered format; '.dot' saves the DOT text itself.
EXTENSIONS: dict[str, Optional[str]] = {'.svg': 'svg', '.png': 'png', '.pdf': 'pdf', '.dot': None}

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


class GraphvizNotFound(graphviz.ExecutableNotFound):  # type: ignore[name-defined] # graphviz: require()d, untyped
    """Rendering needs Graphviz's `dot`; the message says how to install it."""

    def __init__(self) -> None:
        RuntimeError.__init__(self, INSTALL_HINT)


class GraphvizFailed(RuntimeError):
    """Graphviz's `dot` ran but could not render the graph; the message is dot's own."""


class GraphvizTimeout(GraphvizFailed):
    """dot did not finish within the time limit (it was stopped), or the graph is too large to try."""


class LargeGraphWarning(UserWarning):
    """The graph's layout is so large that rendering it may take minutes."""


def _explaining_failures(render: Callable[..., Any]) -> Callable[..., Any]:
    """render, raising GraphvizNotFound or GraphvizFailed (one clear line) where Graphviz fails."""
    @functools.wraps(render)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return render(*args, **kwargs)
        except graphviz.ExecutableNotFound:
            raise GraphvizNotFound() from None
        except graphviz.CalledProcessError as error:
            raise _failure(error.stderr, error.returncode) from None
    return wrapper


def _failure(stderr: Union[bytes, str, None], status: int) -> 'GraphvizFailed':
    """GraphvizFailed with the first line dot wrote on stderr (bytes or str)."""
    if isinstance(stderr, bytes):
        stderr = stderr.decode('utf-8', 'replace')
    said = (stderr or '').strip().splitlines()
    return GraphvizFailed(f"Graphviz's dot could not render the graph: {said[0] if said else f'exit status {status}'}")


class Graph(graphviz.Digraph):  # type: ignore[name-defined] # graphviz: require()d, untyped
    """A graphviz.Digraph laid out the fast way when it is large, rendered by pipe() with a time limit.

    Its DOT text (`.source`, saved .dot files) carries FAST_LAYOUT_ATTRIBUTES
    when layout_size() exceeds FAST_LAYOUT, so dot run by hand is fast too.
    render() is graphviz's own (no time limit); its failures are one clear line.
    """

    def __iter__(self, subgraph: bool = False) -> Iterator[str]:
        fast = not subgraph and layout_size(self) > FAST_LAYOUT
        attributes = {key: value for key, value in FAST_LAYOUT_ATTRIBUTES.items() if key not in self.graph_attr}
        lines = super().__iter__(subgraph=subgraph)
        for line in lines:
            yield line
            if fast and attributes and not line.startswith('//'):  # right after the head line
                yield '\t// a large layout: dot\'s slowest passes are bounded (micrograd.viz.FAST_LAYOUT)\n'
                yield self._attr('graph', self._attr_list(None, kwargs=attributes))
                fast = False

    def pipe(self, format: Optional[str] = None, renderer: Optional[str] = None,  # noqa: A002 - graphviz's name
             formatter: Optional[str] = None, neato_no_op: Union[bool, int, None] = None, quiet: bool = False, *,
             engine: Optional[str] = None, encoding: Optional[str] = None,
             timeout: Optional[float] = DOT_TIMEOUT) -> Any:  # bytes; str when given an encoding
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


def layout_size(graph: Any) -> int:
    """The number of nodes dot's layout of graph needs (see FAST_LAYOUT); it predicts dot's time and memory.

    graph is a graphviz Digraph or Source; edge statements are read as graphviz writes them, one a line.
    """
    lines = graph.body if hasattr(graph, 'body') else graph.source.splitlines(keepends=True)
    edges: list[Tuple[str, str]] = []
    labelled = False
    for line in lines:
        match = _EDGE_LINE.match(line)
        if match:
            edges.append((_node_id(match['tail']), _node_id(match['head'])))
            labelled = labelled or 'label=' in match['attributes']
    return _layout_size(edges, 2 if labelled else 1)


_ID = r'"(?:[^"\\]|\\.)*"|[^\s"\[\]]+'
_EDGE_LINE = re.compile(rf'\t(?P<tail>{_ID}) -> (?P<head>{_ID})(?P<attributes>.*)', re.DOTALL)


def _node_id(text: str) -> str:
    """A node's id without its port (n3:w -> n3)."""
    return text if text.startswith('"') else text.split(':')[0]


def _layout_size(edges: Sequence[Tuple[str, str]], ranks_per_edge: int) -> int:
    """Nodes + edges + 2 x ranks skipped, with each node ranked by its longest path to an output (as dot does)."""
    uses: dict[str, list[str]] = {}
    pending: dict[str, int] = {}
    nodes: set[str] = set()
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


def run_dot(command: Sequence[str], source: bytes, size: int, timeout: Optional[float] = DOT_TIMEOUT,
            quiet: bool = True) -> bytes:
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


def _timeout(timeout: Optional[float], size: int) -> GraphvizTimeout:
    return GraphvizTimeout(f"Graphviz's dot did not finish the layout within {timeout:g} s and was stopped "
                           f"(the layout needs about {size:,} nodes); draw a smaller sub-expression, allow "
                           "more time, or save it as .dot")


def _limit_cpu(pid: int, timeout: Optional[float]) -> None:
    """Let dot use at most timeout + 1 s of CPU time (SIGXCPU, then SIGKILL), where Linux's prlimit exists."""
    if timeout is None:
        return
    try:
        import resource
        seconds = math.ceil(timeout) + 1
        resource.prlimit(pid, resource.RLIMIT_CPU, (seconds, seconds + 1))
    except (ImportError, AttributeError, OSError):  # not Linux, or dot has already exited
        pass


STYLES = ('micrograd', 'book')
GRADIENT_COLOR = '#c92a2a'  # the book-style drawing writes gradients in red, under the value


def draw_dot(root: Drawable, format: str = 'svg', rankdir: str = 'LR', show_grad: bool = True,  # noqa: A002 - graphviz's name
             style: str = 'micrograd') -> Graph:
    """The graph that computed `root` (a Value or an examples.Example), as a graphviz.Digraph (inline in Jupyter).

    style='micrograd': each Value is a box with its label (if any), data and,
    with show_grad, its grad; each op is a small node with edges operand -> op
    -> result, one edge per operand slot (x*x has two edges from x), labelled
    where operand order matters (a - b: '+', '-').
    style='book': the figures of "Deep Learning from Scratch" ch. 5: each op is
    a circle, each Value an arrow with its data written above it and, with
    show_grad, the gradient that flows back along that arrow below it (the
    Value's grad where it is used once, its share of the grad where it is used
    more than once, after a branch point where the arrow with the total splits);
    inputs are named where their arrows start.
    Nodes are numbered in traversal order from the root, so the same graph
    always gives the same DOT text. Rendering a large one is laid out the
    fast way and limited in time (see Graph.pipe).
    """
    if format not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {format!r}")
    root = root_value(root, "draw_dot needs a Value to draw")
    graph, _ = drawing(root, rankdir=rankdir, show_grad=show_grad, style=style, stacklevel=3)
    graph.format = format
    return graph


def root_value(root: object, need: str) -> Value:
    """The Value to show: root itself, or an examples.Example's root; TypeError (saying `need`) for anything else."""
    from micrograd.examples import Example
    if isinstance(root, Example):
        return root.root
    if not isinstance(root, Value):
        raise TypeError(f"{need}, got {type(root).__name__} (an examples.Example works too)")
    return root


@dataclass
class Marks:
    """Where a drawing shows each Value, by SVG element id, for the step-by-step page to light up.

    shapes: Value -> the elements that stand for it; inputs: Value -> the
    elements that carry its operands into it; texts: (element id, position of
    the text counted from the element's last text (-1), what it shows), where
    what is ('data', value), ('grad', value) or ('share', value, slot): the
    gradient that value sends back to its operand in that slot.
    """

    shapes: dict[Value, list[str]] = field(default_factory=dict)
    inputs: dict[Value, list[str]] = field(default_factory=dict)
    texts: list[Tuple[str, int, Tuple[Any, ...]]] = field(default_factory=list)


def drawing(root: Value, rankdir: str = 'LR', show_grad: bool = True, style: str = 'micrograd',
            names: Optional[Mapping[Value, str]] = None, gradients: Optional[Mapping[Value, float]] = None,
            element_ids: bool = False, stacklevel: int = 2) -> Tuple[Graph, Marks]:
    """(Graph, Marks) of root's graph; names: Value -> the name to show for it (the step-by-step page's names).

    A name shows where a label would be missing (micrograd style) and beside each op's circle (book style).

    gradients (Value -> d root / d Value) replaces each `.grad` where given;
    element_ids gives every node and edge a stable SVG id (the ids in Marks);
    off, the DOT text stays what draw_dot always gave.
    """
    if rankdir not in RANKDIRS:
        raise ValueError(f"rankdir must be one of {', '.join(RANKDIRS)}, got {rankdir!r}")
    if style not in STYLES:
        raise ValueError(f"style must be one of {', '.join(STYLES)}, got {style!r}")
    graph = Graph(name='micrograd', graph_attr={'rankdir': rankdir},
                  node_attr={'fontname': 'Helvetica', 'fontsize': '11'})
    ids = _number_nodes(root)
    marks = Marks()
    draw = _draw_book if style == 'book' else _draw_boxes
    gradient = (lambda value: value.grad) if gradients is None else gradients.__getitem__
    draw(graph, ids, gradient if show_grad else None, names or {}, marks, _identify if element_ids else _anonymous)
    return graph, marks


def _identify(element_id: str) -> dict[str, str]:
    return {'id': element_id}


def _anonymous(element_id: str) -> dict[str, str]:
    return {}


def _draw_boxes(graph: Graph, ids: dict[Value, str], gradient: _Gradient, names: Mapping[Value, str], marks: Marks,
                ident: _Ident) -> None:
    """micrograd's drawing: a box per Value, a small node per op; gradient: Value -> its gradient, or None."""
    show_grad = gradient is not None
    for value, name in ids.items():
        shown = gradient(value) if gradient is not None else None
        graph.node(name, _value_label(value, shown, names.get(value)), shape='none', margin='0', **ident(name))
        marks.shapes[value] = [name]
        marks.texts.append((name, -2 if show_grad else -1, ('data', value)))
        if show_grad:
            marks.texts.append((name, -1, ('grad', value)))
        if value._operands:
            graph.node(f'{name}op', _html(value._op), shape='ellipse', fontsize='10',
                       width='0', height='0', margin='0.05', **ident(f'{name}op'))
            graph.edge(f'{name}op', name, **ident(f'{name}out'))
            marks.shapes[value] += [f'{name}op', f'{name}out']
            marks.inputs[value] = []
            for slot, (operand, slot_name) in enumerate(zip(value._operands, _slot_names(value))):
                edge = f'{name}in{slot}'
                graph.edge(ids[operand], f'{name}op', **({'label': slot_name, 'fontsize': '9'} if slot_name else {}),
                           **ident(edge))
                marks.inputs[value].append(edge)


def _draw_book(graph: Graph, ids: dict[Value, str], gradient: _Gradient, names: Mapping[Value, str], marks: Marks,
               ident: _Ident) -> None:
    """The book's figures: a circle per op, an arrow per use of a Value, numbers on the arrows."""
    graph.edge_attr.update(fontname='Helvetica')
    sources: dict[Value, str] = {}  # where the arrows carrying each Value start
    root = next(iter(ids))
    for value, name in ids.items():
        if value._operands:
            sources[value] = f'{name}op'
            named = {'xlabel': f'<<FONT POINT-SIZE="9" COLOR="#666666">{_html(names[value])}</FONT>>'} \
                if value in names and value is not root else {}
            graph.node(sources[value], _html(value._op), shape='circle', fontsize='13', width='0.4',
                       margin='0.02', **named, **ident(sources[value]))
        else:
            sources[value] = name
            graph.node(name, _end_label(value, names), **_END, **ident(name))
        marks.shapes[value] = [sources[value]]
    uses = Counter(operand for value in ids for operand in value._operands)
    for value, name in ids.items():
        if uses[value] > 1:  # one arrow with the total up to a branch point, then an arrow per use
            split = f'{name}split'
            graph.node(split, '', shape='point', width='0.06', **ident(split))
            pieces = _arrow(graph, sources[value], split, value.data, None if gradient is None else gradient(value),
                            f'{name}trunk', None, ident, arrowhead='none')
            marks.shapes[value] += pieces + [split]
            marks.texts += [(pieces[1], -2, ('data', value)), (pieces[1], -1, ('grad', value))]
            sources[value] = split
    for value, name in ids.items():
        shares = None if gradient is None else _shares(value, gradient(value))
        marks.inputs[value] = []
        for slot, (operand, slot_name) in enumerate(zip(value._operands, _slot_names(value))):
            pieces = _arrow(graph, sources[operand], f'{name}op', operand.data,
                            None if shares is None else shares[slot], f'{name}in{slot}', slot_name, ident)
            marks.shapes[operand] += pieces
            marks.inputs[value] += pieces
            marks.texts += [(pieces[1], -2, ('data', operand)), (pieces[1], -1, ('share', value, slot))]
    graph.node('out', _end_label(root, names) if root._operands else '', **_END, **ident('out'))
    pieces = _arrow(graph, sources[root], 'out', root.data, None if gradient is None else gradient(root), 'n0out', None, ident)
    marks.shapes[root] += pieces
    marks.texts += [(pieces[1], -2, ('data', root)), (pieces[1], -1, ('grad', root))]


# Where an arrow starts (an input) or ends (the output): its name only, or nothing at all.
_END = {'shape': 'none', 'width': '0', 'height': '0', 'margin': '0.04'}


def _end_label(value: Value, names: Mapping[Value, str]) -> str:
    name = value.label or names.get(value, '')
    return f'<{_html(str(name))}>' if name else ''


def _shares(value: Value, gradient: float) -> Optional[Sequence[float]]:
    """What value sends back to each operand slot (the engine's rule on its gradient), or None if it has no rule."""
    if not value._operands or type(value._operation) is str:
        return None
    from micrograd.autodiff import operand_gradients
    try:
        return operand_gradients(value, gradient, False)
    except ValueError:  # a rule that cannot run on this node: no numbers rather than wrong ones
        return None


def _arrow(graph: Graph, tail: str, head: str, above: float, below: Optional[float], key: str, slot_name: Optional[str],
           ident: _Ident, arrowhead: str = 'normal') -> list[str]:
    """An arrow tail -> head with `above` written over its middle and `below` under it; the ids of its 3 pieces.

    The numbers are a node of their own that both halves of the arrow pass
    through (not clipped at its border), so the line runs between them.
    """
    middle = f'{key}v'
    under = '&#160;' if below is None else f'<FONT COLOR="{GRADIENT_COLOR}">{format_number(below)}</FONT>'
    graph.node(middle, f'<<TABLE BORDER="0" CELLSPACING="0" CELLPADDING="1"><TR><TD>{format_number(above)}'
                       f'</TD></TR><TR><TD HEIGHT="3"></TD></TR><TR><TD>{under}</TD></TR></TABLE>>',
               shape='plain', **ident(middle))
    graph.edge(tail, middle, arrowhead='none', headclip='false', **ident(f'{key}t'))
    graph.edge(middle, head, tailclip='false', arrowsize='0.7', arrowhead=arrowhead,
               **({'headlabel': slot_name, 'fontsize': '8', 'fontcolor': '#555555'} if slot_name else {}),
               **ident(f'{key}h'))
    return [f'{key}t', middle, f'{key}h']


def _slot_names(value: Value) -> Sequence[Optional[str]]:
    """An edge label per operand naming its place where the order matters (the op's edge labels), else None each."""
    count, operation = len(value._operands), value._operation
    if count < 2:
        return [None] * count
    if isinstance(operation, ops.Op) and operation.library:
        return operation.operand_labels(count)
    return [str(i) for i in range(count)]  # an op of the user's: operands by position


def _number_nodes(root: Value) -> dict[Value, str]:
    """Every Value reachable from root -> 'n0', 'n1', ..., in breadth-first order (no recursion)."""
    ids = {root: 'n0'}
    queue = [root]
    for value in queue:  # the list grows while it is walked
        for operand in value._operands:
            if operand not in ids:
                ids[operand] = f'n{len(ids)}'
                queue.append(operand)
    return ids


def _value_label(value: Value, grad: Optional[float], name: Optional[str] = None) -> str:
    """A Value's box: its label (or, in italics, the name it is given), data and grad (None: not shown)."""
    cells = [_html(str(value.label))] if value.label else [f'<I>{_html(name)}</I>'] if name else []
    cells.append(f'data {format_number(value.data)}')
    if grad is not None:
        cells.append(f'grad {format_number(grad)}')
    row = ''.join(f'<TD>{cell}</TD>' for cell in cells)
    return f'<<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="4"><TR>{row}</TR></TABLE>>'


def format_number(x: float) -> str:
    """A readable number: up to 4 decimals, no trailing zeros ('220', '0.7071', '-1.5', '1.2346e-07')."""
    if math.isnan(x):
        return 'nan'
    if x == 0:
        return '0'  # also -0.0
    if math.isinf(x) or not 1e-4 <= abs(x) < 1e15:
        mantissa, _, exponent = f'{x:.4e}'.partition('e')
        return f'{_strip_zeros(mantissa)}e{exponent}' if exponent else mantissa
    return _strip_zeros(f'{x:.4f}')


def _strip_zeros(number: str) -> str:
    return number.rstrip('0').rstrip('.') if '.' in number else number


def _html(text: str) -> str:
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


def _html_line(line: str) -> str:
    escaped = html.escape(''.join(map(_visible, line)))
    return escaped.replace('\\', '\\\\')


def _visible(char: str) -> str:
    """The character itself, or its Python escape where it would be invisible, a line break or invalid XML."""
    if unicodedata.category(char) not in ('Cc', 'Cs', 'Zl', 'Zp') and char not in '\ufffe\uffff':
        return char
    return ascii(char)[1:-1]


def save(graph: Any, path: FilePath, timeout: Optional[float] = DOT_TIMEOUT) -> None:
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


def output_format(path: FilePath, extensions: Optional[Mapping[str, Optional[str]]] = None) -> Optional[str]:
    """The format a file name asks for: 'svg', 'png', 'pdf', or None for DOT text (.dot).

    extensions maps each accepted extension to its format (default EXTENSIONS).
    """
    extensions = EXTENSIONS if extensions is None else extensions
    name = Path(path).name.lower()
    if name in extensions:  # '.svg' is a hidden file's name without an extension
        raise ValueError(f"the file name is missing in {brief_repr(str(path), PATH_LIMIT)}: give a name before {name}")
    extension = Path(path).suffix.lower()
    if extension not in extensions:
        raise ValueError(f"cannot tell the output format of {brief_repr(str(path), PATH_LIMIT)}: "
                         f"its name must end in {', '.join(extensions)}")
    return extensions[extension]
