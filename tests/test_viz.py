"""draw_dot: the rendered SVG shows the book's numbers, labels verbatim and safe, deterministic DOT."""

import math
import os
import re
import signal
import subprocess
import sys
import time
import warnings
import xml.etree.ElementTree as ET

import graphviz
import pytest

import micrograd
from micrograd import Value, draw_dot, examples
from micrograd.viz import draw as viz

SVG = '{http://www.w3.org/2000/svg}'
# Every element Graphviz's SVG output of our graphs may contain.
SVG_ELEMENTS = {'svg', 'g', 'title', 'polygon', 'polyline', 'text', 'path', 'ellipse'}


def svg_tree(graph):
    return ET.fromstring(graph.pipe(format='svg'))


def node_texts(tree):
    """{node name: [the text lines of the node, in order]} from Graphviz's SVG."""
    nodes = {}
    for group in tree.iter(f'{SVG}g'):
        if group.get('class') == 'node':
            name = group.find(f'{SVG}title').text
            nodes[name] = [text.text or '' for text in group.iter(f'{SVG}text')]
    return nodes


def value_boxes(tree):
    """The texts of the Value boxes (op nodes, named 'n<i>op', left out)."""
    return [texts for name, texts in node_texts(tree).items() if not name.endswith('op')]


# The book's numbers ("Deep Learning from Scratch" ch. 5), as the diagrams should show them.
BOOK_APPLE_ORANGE = [
    ['apple', 'data 100', 'grad 2.2'], ['apple_num', 'data 2', 'grad 110'],
    ['orange', 'data 150', 'grad 3.3'], ['orange_num', 'data 3', 'grad 165'],
    ['tax', 'data 1.1', 'grad 650'], ['apple_price', 'data 200', 'grad 1.1'],
    ['orange_price', 'data 450', 'grad 1.1'], ['all_price', 'data 650', 'grad 1.1'],
    ['price', 'data 715', 'grad 1'],
]


def test_svg_of_apple_orange_shows_the_books_numbers():
    boxes = value_boxes(svg_tree(draw_dot(examples.buy_apple_orange().root)))
    assert sorted(boxes) == sorted(BOOK_APPLE_ORANGE)


def test_svg_of_apple_shows_the_books_numbers():
    boxes = value_boxes(svg_tree(draw_dot(examples.buy_apple().root)))
    assert sorted(boxes) == sorted([
        ['apple', 'data 100', 'grad 2.2'], ['apple_num', 'data 2', 'grad 110'],
        ['tax', 'data 1.1', 'grad 200'], ['apple_price', 'data 200', 'grad 1.1'],
        ['price', 'data 220', 'grad 1']])


def test_forward_stage_shows_values_only():
    boxes = value_boxes(svg_tree(draw_dot(examples.buy_apple(backward=False).root, show_grad=False)))
    assert sorted(boxes) == sorted([['apple', 'data 100'], ['apple_num', 'data 2'], ['tax', 'data 1.1'],
                                    ['apple_price', 'data 200'], ['price', 'data 220']])


def test_ops_are_small_nodes_between_operands_and_result():
    a, b = Value(2.0, label='a'), Value(3.0, label='b')
    c = a * b
    source = draw_dot(c).source
    # n0 is c, found first from the root; a and b follow in operand order.
    assert '\tn0op -> n0\n' in source
    assert '\tn1 -> n0op\n' in source and '\tn2 -> n0op\n' in source
    assert node_texts(svg_tree(draw_dot(c)))['n0op'] == ['*']


def test_a_repeated_operand_gets_one_edge_per_slot():
    x = Value(3.0, label='x')
    source = draw_dot(x * x).source
    assert source.count('\tn1 -> n0op\n') == 2
    assert source.count('\tn1 [') == 1


def test_unlabelled_values_show_data_and_grad():
    y = Value(-1.5) * 2
    y.backward()
    assert value_boxes(svg_tree(draw_dot(y))) == [['data -3', 'grad 1'], ['data -1.5', 'grad 2'],
                                                  ['data 2', 'grad -1.5']]


@pytest.mark.parametrize('x, shown', [
    (220.00000000000003, '220'), (2.2, '2.2'), (1 / math.sqrt(2), '0.7071'), (-1.5, '-1.5'),
    (0.0, '0'), (-0.0, '0'), (1.0, '1'), (0.99999, '1'), (-0.00016, '-0.0002'),
    (math.inf, 'inf'), (-math.inf, '-inf'), (math.nan, 'nan'),
    (1e20, '1e+20'), (-1.23456789e300, '-1.2346e+300'), (1.23456789e-7, '1.2346e-07'),
    (5e-324, '4.9407e-324'), (123456789.125, '123456789.125'), (1e15, '1e+15'),
])
def test_numbers_are_shown_readably(x, shown):
    assert viz.format_number(x) == shown


HOSTILE_LABELS = [
    '<script>alert(1)</script>',
    '"><svg onload="alert(1)"><text>x</text>',
    '{a|b} <port> | {',
    'back\\slash \\N \\G \\l \\n "quoted"',
    '&amp; &lt; ]]> <![CDATA[x]]> <!-- c -->',
    '苹果 \U0001F34E 税',
    'label=<b>x</b>, shape=box];\n n9 [label="x"',
]


@pytest.mark.parametrize('label', HOSTILE_LABELS)
def test_labels_show_verbatim_and_never_become_markup(label):
    v = Value(1.0, label=label) * 2
    tree = svg_tree(draw_dot(v))
    assert {element.tag.removeprefix(SVG) for element in tree.iter()} <= SVG_ELEMENTS
    assert not list(tree.iter(f'{SVG}script'))
    boxes = value_boxes(tree)
    assert len(boxes) == 3  # the injected text made no extra nodes
    assert ['\n'.join(box[:-2]) for box in boxes if len(box) > 2] == [label]


# Every control, surrogate and line/paragraph separator character but '\n' shows as its Python escape.
ESCAPED = {'\t': '\\t', '\r': '\\r', '\x0b': '\\x0b', '\x0c': '\\x0c', '\x1c': '\\x1c', '\x1d': '\\x1d',
           '\x1e': '\\x1e', '\x85': '\\x85', '\u2028': '\\u2028', '\u2029': '\\u2029', '\x07': '\\x07',
           '\x00': '\\x00', '\x7f': '\\x7f', '\ud800': '\\ud800', '\ufffe': '\\ufffe'}


@pytest.mark.parametrize('char', ESCAPED)
def test_control_and_separator_characters_show_as_escapes(char):
    v = Value(1.0, label=f'a{char}b')
    assert value_boxes(svg_tree(draw_dot(v)))[0] == [f'a{ESCAPED[char]}b', 'data 1', 'grad 0']


@pytest.mark.parametrize('label, lines', [
    ('first\r\nsecond\nthird', ['first', 'second', 'third']),
    ('tab\there', ['tab\\there']),
    ('trailing\n', ['trailing', '\xa0']),  # an empty line is kept as a no-break space
    ('\n', ['\xa0', '\xa0']),
    ('a\n\nb', ['a', '\xa0', 'b']),
    ('a\r\n\r\n', ['a', '\xa0', '\xa0']),
])
def test_only_newlines_break_lines_and_empty_lines_show(label, lines):
    assert value_boxes(svg_tree(draw_dot(Value(1.0, label=label))))[0] == [*lines, 'data 1', 'grad 0']


@pytest.mark.parametrize('label', ['<' * 4100, '\x00' * 17_000, 'x' * 100_000, 'ab\n' * 9000])
def test_a_very_long_label_is_cut_with_a_visible_marker_and_renders(label):
    # Graphviz 2.43 cannot read an HTML label above 16 KB ('<' is 4 characters as '&lt;').
    box = value_boxes(svg_tree(draw_dot(Value(1.0, label=label))))[0]
    shown = '\n'.join(box[:-2])
    marker = f'\N{HORIZONTAL ELLIPSIS} ({len(label)} characters)'
    assert shown.endswith(marker)
    kept = label[:viz.MAX_LABEL_CHARS]
    assert shown == '\n'.join(line or '\xa0' for line in kept.split('\n')).replace('\x00', '\\x00') + marker


def test_a_label_of_exactly_the_limit_is_shown_whole():
    label = 'y' * viz.MAX_LABEL_CHARS
    assert value_boxes(svg_tree(draw_dot(Value(1.0, label=label))))[0][0] == label


def test_a_graphviz_failure_is_one_clear_error(monkeypatch):
    # A label cut to MAX_LABEL_CHARS always renders; without the cut, dot rejects the label.
    monkeypatch.setattr(viz, 'MAX_LABEL_CHARS', 10**6)
    graph = draw_dot(Value(1.0, label='<' * 4100))
    with pytest.raises(viz.GraphvizFailed, match=r"^Graphviz's dot could not render the graph: Error: .*HTML string"):
        graph.pipe()
    with pytest.raises(viz.GraphvizFailed, match="Graphviz's dot (could not render|stopped reading)"):
        draw_dot(Value(1.0, label='x' * 100_000)).pipe(format='png')


def test_a_failed_render_leaves_no_file(monkeypatch, tmp_path):
    monkeypatch.setattr(viz, 'MAX_LABEL_CHARS', 10**6)
    with pytest.raises(viz.GraphvizFailed):
        viz.save(draw_dot(Value(1.0, label='<' * 4100)), tmp_path / 'long.svg')
    assert os.listdir(tmp_path) == []


def edge_labels(graph):
    """{(tail, head): [edge label, ...]} from the SVG, in the order of the edges."""
    labels = {}
    for group in svg_tree(graph).iter(f'{SVG}g'):
        if group.get('class') == 'edge':
            tail, head = group.find(f'{SVG}title').text.split('->')
            labels.setdefault((tail, head), []).append(''.join(t.text for t in group.iter(f'{SVG}text')))
    return labels


def slots(root):
    """Each labelled operand of root -> the labels on its edges into root's op node."""
    graph = draw_dot(root)
    names = {name: texts[0] for name, texts in node_texts(svg_tree(graph)).items() if not name.endswith('op')}
    return {names[tail]: texts for (tail, head), texts in edge_labels(graph).items() if head == 'n0op'}


a, b = Value(6.0, label='a'), Value(3.0, label='b')


@pytest.mark.parametrize('root, expected', [
    (a - b, {'a': ['+'], 'b': ['-']}), (b - a, {'b': ['+'], 'a': ['-']}),
    (a / b, {'a': ['num'], 'b': ['den']}), (b / a, {'b': ['num'], 'a': ['den']}),
    (a ** b, {'a': ['base'], 'b': ['exp']}), (b ** a, {'b': ['base'], 'a': ['exp']}),
    (a - a, {'a': ['+', '-']}),
])
def test_operand_order_is_labelled_for_non_commutative_ops(root, expected):
    assert slots(root) == expected


def test_dot_labels_weights_inputs_and_bias():
    w = [Value(0.5, label='w0'), Value(-1.0, label='w1')]
    x = [Value(2.0, label='in0'), Value(3.0, label='in1')]
    bias = Value(0.1, label='bias')
    assert slots(micrograd.dot(w, x, bias)) == {'w0': ['w0'], 'in0': ['x0'], 'w1': ['w1'], 'in1': ['x1'],
                                                'bias': ['b']}
    assert slots(micrograd.dot(x, w)) == {'in0': ['w0'], 'w0': ['x0'], 'in1': ['w1'], 'w1': ['x1']}


@pytest.mark.parametrize('root', [a + b, a * b, micrograd.sum([a, b]), a.tanh(), -a, a ** 2])
def test_commutative_and_unary_ops_have_no_edge_labels(root):
    assert all(texts == [''] * len(texts) for texts in slots(root).values())


def test_edge_labels_keep_the_dot_text_deterministic():
    def build():
        w, x = [Value(1.0), Value(2.0)], [Value(3.0), Value(4.0)]
        return (micrograd.dot(w, x) - x[0]) / w[1] ** x[1]
    assert draw_dot(build()).source == draw_dot(build()).source


def test_the_same_graph_gives_the_same_dot_text():
    sources = {draw_dot(examples.buy_apple_orange().root).source for _ in range(2)}
    assert len(sources) == 1
    assert 'n0 ' in sources.pop()


def test_rankdir_is_checked_and_used():
    root = examples.buy_apple().root
    assert 'rankdir=TB' in draw_dot(root, rankdir='TB').source
    with pytest.raises(ValueError, match="rankdir must be one of LR, TB, RL, BT, got 'XY'"):
        draw_dot(root, rankdir='XY')


def test_unknown_format_names_the_allowed_ones():
    with pytest.raises(ValueError, match="format must be one of svg, png, pdf, got 'gif'"):
        draw_dot(examples.buy_apple().root, format='gif')


def test_only_values_can_be_drawn():
    with pytest.raises(TypeError, match="draw_dot needs a Value to draw, got float"):
        draw_dot(2.0)


def test_png_and_pdf_render():
    graph = draw_dot(examples.buy_apple().root, format='png')
    assert graph.pipe().startswith(b'\x89PNG')
    assert graph.pipe(format='pdf').startswith(b'%PDF')


def test_deep_graphs_draw_without_recursion():
    x = Value(1.0, label='x')
    y = x
    for _ in range(20_000):
        y = y + 1.0
    graph = draw_dot(y)
    source = graph.source
    assert source.count('op -> ') == 20_000
    assert f'\tn{2 * 20_000} [' in source  # 20,000 results + 20,000 constants + x
    # 60,001 nodes (Values and ops) and 60,000 edges; each constant feeds the op next to it, so no edge skips a rank.
    assert viz.layout_size(graph) == 120_001


def test_jupyter_displays_the_graph_as_svg():
    bundle = draw_dot(examples.buy_apple().root)._repr_mimebundle_()
    assert ET.fromstring(bundle['image/svg+xml']).tag == f'{SVG}svg'


def test_without_dot_the_source_works_and_rendering_says_how_to_install(no_dot, tmp_path):
    graph = draw_dot(examples.buy_apple().root)
    assert 'data 220' in graph.source
    with pytest.raises(graphviz.ExecutableNotFound, match='install Graphviz.*apt-get install graphviz'):
        graph.pipe()
    with pytest.raises(viz.GraphvizNotFound):
        graph._repr_mimebundle_()
    with pytest.raises(viz.GraphvizNotFound):
        graph.render(tmp_path / 'apple', format='svg')


def test_save_writes_dot_text_without_graphviz(no_dot, tmp_path):
    graph = draw_dot(examples.buy_apple().root)
    viz.save(graph, tmp_path / 'apple.dot')
    assert (tmp_path / 'apple.dot').read_text(encoding='utf-8') == graph.source


def test_a_failed_save_leaves_the_old_file_and_no_temporary_files(no_dot, tmp_path):
    target = tmp_path / 'apple.svg'
    target.write_text('old')
    with pytest.raises(viz.GraphvizNotFound):
        viz.save(draw_dot(examples.buy_apple().root), target)
    assert target.read_text() == 'old'
    assert sorted(os.listdir(tmp_path)) == ['apple.svg', 'bin']


@pytest.mark.parametrize('name', ['.svg', 'out/.PNG'])
def test_a_name_that_is_only_an_extension_is_called_missing(name):
    with pytest.raises(ValueError, match=r"the file name is missing in .*: give a name before \.(svg|png)$"):
        viz.output_format(name)


def test_save_picks_the_format_from_the_extension(tmp_path):
    graph = draw_dot(examples.buy_apple().root)
    viz.save(graph, tmp_path / 'apple.SVG')
    assert ET.parse(tmp_path / 'apple.SVG').getroot().tag == f'{SVG}svg'
    with pytest.raises(ValueError, match=r"apple\.gif.*\.svg, \.png, \.pdf, \.dot"):
        viz.save(graph, tmp_path / 'apple.gif')
    assert os.listdir(tmp_path) == ['apple.SVG']


# Layout time (hostile review, issue 15): predicted from the graph, bounded, and never a hang.

def flat_sum(terms):
    """x + x + ... + x after backward: one leaf feeding ops at every rank (dot took 100 s at 80 terms)."""
    out = micrograd.expr.evaluate('+'.join(['x'] * terms), {'x': 1.0})
    out.backward()
    return out


def horner(degree):
    """((x + 1) * x + 2) * x + ...: x shared by every level of a polynomial in Horner form."""
    source = 'x'
    for k in range(1, degree + 1):
        source = f'({source} + {k}) * x' if k < degree else f'{source} + {k}'
    return micrograd.expr.evaluate(source, {'x': 0.5})


def dots_layout_nodes(graph):
    """The node count of dot's positioning pass, from `dot -v` (the oracle for layout_size)."""
    done = subprocess.run(['dot', '-v', '-Tsvg', '-o', os.devnull], input=graph.source.encode(),
                          capture_output=True, timeout=120, check=True)
    counts = re.findall(r'network simplex: +(\d+) nodes', done.stderr.decode())
    return int(counts[-1])


@pytest.mark.parametrize('make', [
    lambda: examples.buy_apple_orange().root, lambda: examples.neuron().root, lambda: flat_sum(30),
    lambda: horner(20), lambda: (Value(2.0) - Value(3.0)) / Value(4.0) ** Value(0.5),
    lambda: micrograd.nn.MLP(2, [4, 4, 1])([1.0, -1.0]),
])
def test_layout_size_predicts_the_nodes_dot_lays_out(make):
    graph = draw_dot(make())
    assert viz.layout_size(graph) == pytest.approx(dots_layout_nodes(graph), rel=0.05)


def test_a_small_graph_keeps_dots_default_layout_and_a_large_one_is_laid_out_fast():
    small = draw_dot(examples.neuron().root)
    assert 'nslimit' not in small.source and viz.layout_size(small) <= viz.FAST_LAYOUT
    large = draw_dot(flat_sum(80))
    assert viz.layout_size(large) > viz.FAST_LAYOUT
    assert '\tgraph [mclimit=0.1 nslimit=1]\n' in large.source
    # Every value still shows: x with gradient 80 and the 79 partial sums 2..80.
    boxes = value_boxes(svg_tree(large))
    assert ['x', 'data 1', 'grad 80'] in boxes and sorted(int(b[0][5:]) for b in boxes if b[0] != 'x') == list(
        range(2, 81))


def test_attributes_the_user_set_are_kept():
    graph = draw_dot(flat_sum(80))
    graph.graph_attr['nslimit'] = '5'
    assert 'nslimit=5' in graph.source and 'nslimit=1' not in graph.source and 'mclimit=0.1' in graph.source


def test_a_large_layout_warns_and_a_huge_one_is_refused_at_once(monkeypatch, tmp_path):
    monkeypatch.setattr(viz, 'LARGE_LAYOUT', 26)
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        draw_dot(examples.buy_apple_orange().root).pipe()  # 25 layout nodes
    with pytest.warns(viz.LargeGraphWarning, match=r"layout needs about 29 nodes \(more than 26\).*stopped after 60 s"):
        draw_dot(examples.neuron().root).pipe()
    monkeypatch.setattr(viz, 'MAX_LAYOUT', 28)
    with pytest.raises(viz.GraphvizTimeout, match=r"too large for Graphviz: its layout needs about 29 nodes"):
        viz.save(draw_dot(examples.neuron().root), tmp_path / 'neuron.svg')
    assert os.listdir(tmp_path) == []
    with pytest.warns(viz.LargeGraphWarning):
        viz.save(draw_dot(examples.neuron().root), tmp_path / 'neuron.svg', timeout=None)  # waits as long as dot needs


def dot_children(pid):
    """The ids of the dot processes whose parent is pid (from /proc)."""
    found = []
    for entry in os.listdir('/proc'):
        try:
            with open(f'/proc/{entry}/stat') as file:
                fields = file.read().rsplit(')', 1)
            name = fields[0].split('(', 1)[1]
        except (OSError, IndexError):
            continue
        if entry.isdigit() and name == 'dot' and int(fields[1].split()[1]) == pid:
            found.append(int(entry))
    return found


def test_dot_is_stopped_at_the_time_limit_and_leaves_no_process(tmp_path):
    target = tmp_path / 'sum.svg'
    with pytest.raises(viz.GraphvizTimeout, match=r"dot did not finish the layout within 0.2 s and was stopped"), \
            pytest.warns(viz.LargeGraphWarning, match='stopped after 0.2 s'):
        viz.save(draw_dot(flat_sum(250)), target, timeout=0.2)
    assert dot_children(os.getpid()) == [] and os.listdir(tmp_path) == []


SLOW_RENDER = """
import os, signal, sys, time
from micrograd import Value, draw_dot, viz
x = Value(1.0); out = x
for _ in range(349):
    out = out + x
print(os.getpid(), flush=True)
viz.save(draw_dot(out), 'sum.svg', timeout=None if sys.argv[1] == 'none' else float(sys.argv[1]))
"""


def _start_slow_render(tmp_path, timeout):
    process = subprocess.Popen([sys.executable, '-c', SLOW_RENDER, timeout], cwd=tmp_path, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, env={**os.environ, 'PYTHONPATH': ROOT})
    pid = int(process.stdout.readline())
    for _ in range(600):
        dots = dot_children(pid)
        if dots:
            return process, dots
        time.sleep(0.05)
    process.kill()
    raise AssertionError("dot never started")


def _gone(pid, seconds):
    for _ in range(int(seconds / 0.05)):
        if not os.path.exists(f'/proc/{pid}') or open(f'/proc/{pid}/stat').read().rsplit(')', 1)[1].split()[0] == 'Z':
            return True
        time.sleep(0.05)
    return False


ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.mark.parametrize('signal_number', [signal.SIGINT])
def test_interrupting_a_render_stops_dot_too(tmp_path, signal_number):
    process, dots = _start_slow_render(tmp_path, 'none')
    process.send_signal(signal_number)
    process.communicate(timeout=60)
    assert all(_gone(dot, 10) for dot in dots) and os.listdir(tmp_path) == []


def test_dot_dies_at_its_cpu_limit_even_when_its_parent_is_killed(tmp_path):
    process, dots = _start_slow_render(tmp_path, '2')
    process.kill()  # SIGKILL: no Python code runs to stop dot
    process.communicate(timeout=60)
    assert all(_gone(dot, 120) for dot in dots)  # RLIMIT_CPU: 3 s of CPU time at most


def test_any_graphviz_graph_saves_with_the_same_rules(tmp_path):
    plain = graphviz.Digraph()
    plain.edges([('a', 'b'), ('b', 'c'), ('a', 'c')])
    source = graphviz.Source(plain.source)
    # 3 nodes, 3 edges; a -> c skips the rank of b: 2 more layout nodes.
    assert viz.layout_size(plain) == viz.layout_size(source) == 8
    for graph, name in [(plain, 'plain.svg'), (source, 'source.png')]:
        viz.save(graph, tmp_path / name)
    assert ET.parse(tmp_path / 'plain.svg').getroot().tag == f'{SVG}svg'
    assert (tmp_path / 'source.png').read_bytes().startswith(b'\x89PNG')
