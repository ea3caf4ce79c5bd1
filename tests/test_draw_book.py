"""draw_dot(style='book'): the figures of "Deep Learning from Scratch" ch. 5, numbers read back from Graphviz's SVG."""

import xml.etree.ElementTree as ET

import pytest

from micrograd import Value, draw_dot, examples
from micrograd.viz import draw

SVG = '{http://www.w3.org/2000/svg}'


def groups(graph):
    """{Graphviz node name: [its text lines]} and [shapes of the op circles] from the rendered SVG."""
    tree = ET.fromstring(graph.pipe(format='svg'))
    texts, circles = {}, []
    for group in tree.iter(f'{SVG}g'):
        if group.get('class') == 'node':
            name = group.find(f'{SVG}title').text
            texts[name] = [text.text or '' for text in group.iter(f'{SVG}text')]
            if name.endswith('op'):
                circles.append(group.find(f'{SVG}ellipse'))
    return texts, circles


def arrows(graph):
    """(value above, gradient below) of every arrow, from the number nodes in the middle of the arrows."""
    texts, _ = groups(graph)
    return sorted(tuple(lines) for name, lines in texts.items() if name.endswith('v'))


def test_apple_orange_has_the_books_numbers_on_its_arrows():
    # Figure 5-17: each value above its arrow, each derivative below it.
    assert arrows(draw_dot(examples.buy_apple_orange(), style='book')) == sorted([
        ('100', '2.2'), ('2', '110'), ('150', '3.3'), ('3', '165'), ('200', '1.1'), ('450', '1.1'),
        ('650', '1.1'), ('1.1', '650'), ('715', '1')])


def test_the_forward_figure_has_values_only():
    # Figure 5-2/5-3: the forward pass of the apple graph.
    graph = draw_dot(examples.buy_apple(backward=False), style='book', show_grad=False)
    assert arrows(graph) == sorted([('100', '\xa0'), ('2', '\xa0'), ('200', '\xa0'), ('1.1', '\xa0'), ('220', '\xa0')])


def test_ops_are_circles_and_inputs_are_named_where_their_arrows_start():
    texts, circles = groups(draw_dot(examples.buy_apple(), style='book'))
    assert len(circles) == 2 and all(c is not None and c.get('rx') == c.get('ry') for c in circles)
    assert sorted(lines[0] for name, lines in texts.items() if name.endswith('op')) == ['*', '*']
    assert sorted(lines[0] for name, lines in texts.items() if name[1:].isdigit() or name == 'out') == [
        'apple', 'apple_num', 'price', 'tax']


def test_a_value_used_twice_shows_its_total_then_each_uses_share():
    x = Value(3.0, label='x')
    y = x * x + x  # d/dx = 2x + 1 = 7: 3 and 3 through the product, 1 through the sum
    y.backward()
    assert arrows(draw_dot(y, style='book')) == sorted([
        ('3', '7'),  # x up to the branch point: its total
        ('3', '3'), ('3', '3'), ('3', '1'),  # one arrow per use, with what that use sent back
        ('9', '1'), ('12', '1')])


def test_operand_order_is_written_where_it_matters():
    a, b = Value(1.0, label='a'), Value(2.0, label='b')
    source = draw_dot(a - b, style='book').source
    assert 'headlabel="+"' in source and 'headlabel="-"' in source


@pytest.mark.parametrize('label', ['</text><script>alert(1)</script>', '{a|b} "q" \\N', '苹果\n税'])
def test_labels_show_verbatim_in_book_style(label):
    x = Value(1.0, label=label)
    tree = ET.fromstring(draw_dot(x * 2, style='book').pipe(format='svg'))
    assert not list(tree.iter(f'{SVG}script'))
    texts, _ = groups(draw_dot(x * 2, style='book'))
    names = ['\n'.join(lines) for name, lines in texts.items() if name == 'n1']
    assert names == [label]


def test_a_node_without_a_rule_draws_no_gradient_rather_than_a_wrong_one():
    x = Value(2.0, label='x')
    y = Value(4.0, (x,), 'mystery', label='y')
    assert arrows(draw_dot(y, style='book')) == sorted([('2', '\xa0'), ('4', '0')])


def test_the_default_style_is_micrographs_and_a_bad_style_is_named():
    bill = examples.buy_apple_orange()
    assert draw_dot(bill).source == draw_dot(bill.root, style='micrograd').source
    assert 'circle' not in draw_dot(bill).source
    with pytest.raises(ValueError, match="style must be one of micrograd, book, got 'fancy'"):
        draw_dot(bill, style='fancy')


def test_drawings_for_the_page_give_every_element_an_id():
    bill = examples.buy_apple_orange()
    for style in draw.STYLES:
        graph, marks = draw.drawing(bill.root, style=style, element_ids=True)
        tree = ET.fromstring(graph.pipe(format='svg'))
        ids = {element.get('id') for element in tree.iter()}
        named = {i for shapes in marks.shapes.values() for i in shapes} | {i for i, _, _ in marks.texts}
        assert named <= ids and set(marks.shapes) == set(bill.values())
        # the gradients given replace .grad, so a page can draw what explain() found without backward()
        half = {value: value.grad / 2 for value in bill.values()}
        graph, _ = draw.drawing(bill.root, style=style, gradients=half)
        assert 'grad 325' in graph.source if style == 'micrograd' else '>325<' in graph.source
