"""draw_dot: the rendered SVG shows the book's numbers, labels verbatim and safe, deterministic DOT."""

import math
import os
import xml.etree.ElementTree as ET

import graphviz
import pytest

from micrograd import Value, draw_dot, examples, viz

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


def test_control_characters_show_as_escapes():
    v = Value(1.0, label='bell\x07 nul\x00 \ud800')
    assert value_boxes(svg_tree(draw_dot(v)))[0][0] == 'bell\\x07 nul\\x00 \\ud800'


def test_multiline_labels_show_one_line_per_line():
    v = Value(1.0, label='first\r\nsecond\nthird')
    assert value_boxes(svg_tree(draw_dot(v)))[0] == ['first', 'second', 'third', 'data 1', 'grad 0']


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
    source = draw_dot(y).source
    assert source.count('op -> ') == 20_000
    assert f'\tn{2 * 20_000} [' in source  # 20,000 results + 20,000 constants + x


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


def test_save_picks_the_format_from_the_extension(tmp_path):
    graph = draw_dot(examples.buy_apple().root)
    viz.save(graph, tmp_path / 'apple.SVG')
    assert ET.parse(tmp_path / 'apple.SVG').getroot().tag == f'{SVG}svg'
    with pytest.raises(ValueError, match=r"apple\.gif.*\.svg, \.png, \.pdf, \.dot"):
        viz.save(graph, tmp_path / 'apple.gif')
    assert os.listdir(tmp_path) == ['apple.SVG']
