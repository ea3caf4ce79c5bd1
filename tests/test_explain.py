"""micrograd.explain: the steps against the book's numbers, PyTorch and grad(); the page's text, safety and size."""

import base64
import hashlib
import html
import math
import re
from html.parser import HTMLParser

import pytest
import torch
from hypothesis import given, settings

import micrograd
from micrograd import Value, examples, ops
from micrograd.testing import ALL_OPS, expressions, inputs
from micrograd.viz import Walkthrough, explain, format_number, page

RTOL = 1e-12  # one op's derivative in two engines: the same formula, at most an ulp or two apart
FLOOR = 1e-15


def by_name(walkthrough, phase):
    return {walkthrough.names[step.node]: step for step in walkthrough.steps if step.phase == phase}


# ---- the book's numbers ("Deep Learning from Scratch" ch. 5) ----

def test_apple_steps_have_the_books_numbers():
    walkthrough = explain(examples.buy_apple(backward=False))
    forward, backward = by_name(walkthrough, 'forward'), by_name(walkthrough, 'backward')
    assert {name: step.value for name, step in forward.items()} == pytest.approx(
        {'apple': 100, 'apple_num': 2, 'tax': 1.1, 'apple_price': 200, 'price': 220})
    assert {name: step.value for name, step in backward.items()} == pytest.approx(
        {'price': 1, 'apple_price': 1.1, 'tax': 200, 'apple': 2.2, 'apple_num': 110})
    # price = apple_price * tax: 1 x 1.1 (local d(a*b)/da = b = tax) to apple_price, 1 x 200 to tax.
    sends = [(walkthrough.names[s.operand], s.local, s.contribution) for s in backward['price'].sends]
    assert sends == [('apple_price', pytest.approx(1.1), pytest.approx(1.1)), ('tax', 200, 200)]


def test_apple_orange_steps_have_the_books_numbers():
    walkthrough = explain(examples.buy_apple_orange())
    backward = by_name(walkthrough, 'backward')
    assert {name: step.value for name, step in backward.items()} == pytest.approx(
        {'price': 1, 'all_price': 1.1, 'tax': 650, 'apple_price': 1.1, 'orange_price': 1.1,
         'apple': 2.2, 'apple_num': 110, 'orange': 3.3, 'orange_num': 165})
    assert by_name(walkthrough, 'forward')['price'].value == pytest.approx(715)
    # all_price = apple_price + orange_price passes 1.1 x 1 to each.
    assert [(s.local, s.contribution) for s in backward['all_price'].sends] == [(1, pytest.approx(1.1))] * 2


def test_explain_leaves_grad_untouched_and_accepts_an_example():
    bill = examples.buy_apple_orange(backward=False)
    walkthrough = explain(bill)
    assert walkthrough.root is bill.root
    assert all(value.grad == 0 for value in bill.values())
    assert len(walkthrough.steps) == 2 * len(bill)


def test_steps_look_as_design_says():
    x = Value(3.0, label='x')
    y = x * x
    first, second, out, leaf = explain(y).steps
    assert (first.phase, first.node, first.value, first.sends) == ('forward', x, 3.0, ())
    assert (second.phase, second.node, second.value) == ('forward', y, 9.0)
    assert (out.phase, out.node, out.value) == ('backward', y, 1.0)
    assert out.sends == ((x, 3.0, 3.0), (x, 3.0, 3.0))  # one triple per operand slot
    assert (leaf.phase, leaf.node, leaf.value, leaf.sends) == ('backward', x, 6.0, ())


# ---- random graphs: the engine's pass, checked against grad() and PyTorch ----

def torch_local(node):
    """d node / d operand for each operand slot, by PyTorch autograd on the node's op alone."""
    operands = [torch.tensor(o.data, dtype=torch.float64, requires_grad=True) for o in node._operands]
    op = node._operation
    if op.param is not None:
        out = torch.pow(operands[0], op.param)
    elif op is ops.DOT:
        weights, xs, bias = ops.dot_parts(operands)
        out = sum(w * x for w, x in zip(weights, xs)) + (0.0 if bias is None else bias)
    elif op is ops.SUM:
        out = sum(operands)
    else:
        out = getattr(torch, op.torch_name)(*operands)
    grads = torch.autograd.grad(out, operands, allow_unused=True)
    return [0.0 if g is None else g.item() for g in grads]


def reachable(root):
    seen, stack = {root}, [root]
    while stack:
        for operand in stack.pop()._operands:
            if operand not in seen:
                seen.add(operand)
                stack.append(operand)
    return seen


@settings(max_examples=300)
@given(expressions(n_inputs=3, max_ops=12, ops=ALL_OPS, min_ops=2), inputs(3))
def test_random_graphs_contributions_locals_and_order(expr, xs):
    root = expr(*xs)
    walkthrough = explain(root)
    nodes = reachable(root)
    forward, backward = walkthrough.forward_steps, walkthrough.backward_steps
    assert [step.node for step in forward].count(root) == 1 and len(forward) == len(backward) == len(nodes)
    assert {step.node for step in forward} == {step.node for step in backward} == nodes
    # Forward: operands before results. Backward: a node after every node that uses it.
    seen = set()
    for step in forward:
        assert set(step.node._operands) <= seen and step.value == step.node.data
        seen.add(step.node)
    done = set()
    for step in backward:
        users = {n for n in nodes if step.node in n._operands}
        assert users <= done, f"{expr}: a node came before a node that uses it"
        done.add(step.node)
    # Contributions add up (in the engine's order, so exactly) to grad()'s result.
    order = list(nodes)
    expected = dict(zip(order, micrograd.grad(root, order)))
    for step in backward:
        received = [send.contribution for _, _, send in walkthrough.received(step.node)]
        total = 1.0 if step.node is root else received[0]
        for contribution in received[1:]:
            total += contribution
        assert total == step.value == expected[step.node].data
        if step.node is root:
            assert received == []
    # Each local derivative is PyTorch's; each contribution is upstream x local.
    for step in backward:
        if not step.sends:
            continue
        for slot, (send, theirs) in enumerate(zip(step.sends, torch_local(step.node))):
            assert math.isclose(send.local, theirs, rel_tol=RTOL, abs_tol=FLOOR), \
                f"{expr} at {xs}: local of {step.node._op} slot {slot}: {send.local!r} vs torch {theirs!r}"
            assert math.isclose(send.contribution, step.value * send.local, rel_tol=RTOL, abs_tol=FLOOR)
    assert all(node.grad == 0 for node in nodes)


def test_locals_match_central_differences_on_a_neuron():
    neuron = examples.neuron(backward=False)
    for step in explain(neuron).backward_steps:
        for slot, send in enumerate(step.sends):
            forward = step.node._operation.forward
            data = [o.data for o in step.node._operands]
            h = 1e-6
            up, down = list(data), list(data)
            up[slot] += h
            down[slot] -= h
            assert send.local == pytest.approx((forward(*up) - forward(*down)) / (2 * h), rel=1e-6, abs=1e-8)


def test_a_micrograd_style_closure_is_explained_with_its_own_numbers():
    x = Value(0.5, label='x')
    t = math.tanh(x.data)
    out = Value(t, (x,), 'mytanh', label='out')

    def _backward():
        x.grad += (1 - t ** 2) * out.grad
    out._backward = _backward
    walkthrough = explain(out * 3)
    step = by_name(walkthrough, 'backward')['out']
    assert step.value == 3 and step.sends == ((x, pytest.approx(1 - t ** 2), pytest.approx(3 * (1 - t ** 2))),)
    data = walkthrough.page_data()
    node = data['nodes'][[n['name'] for n in data['nodes']].index('out')]
    assert node['named'] == 'mytanh(x)' and 'local' not in node


def test_define_op_ops_show_their_formula_names():
    cube = micrograd.define_op('cube_for_explain', lambda a: a ** 3, lambda g, out, a: (3 * g * a * a,))
    x = Value(2.0, label='x')
    walkthrough = explain(cube(x))
    assert walkthrough.backward_steps[0].sends[0].local == 12
    node = walkthrough.page_data()['nodes'][1]
    assert (node['expression'], node['named'], node['local']) == (
        'cube_for_explain(a)', 'cube_for_explain(x)', ['d cube_for_explain / d a'])


def test_bad_arguments_are_named():
    with pytest.raises(TypeError, match="explain needs a Value to explain, got float"):
        explain(3.0)
    with pytest.raises(ValueError, match="style must be 'micrograd' or 'book'"):
        explain(Value(1.0), style='fancy')
    with pytest.raises(ValueError, match="define_op"):
        explain(Value(1.0, (Value(2.0),), 'mystery'))


# ---- what the page shows ----

def test_names_are_labels_else_numbered_and_never_taken():
    a, b = Value(1.0, label='t1'), Value(2.0)
    walkthrough = explain(a * b + b)
    assert sorted(walkthrough.names.values()) == ['out', 't1', 't2', 't3']


def test_page_data_holds_formulas_and_the_numbers_as_draw_dot_writes_them():
    walkthrough = explain(examples.buy_apple_orange(backward=False))
    data = walkthrough.page_data()
    nodes = {node['name']: node for node in data['nodes']}
    price = nodes['price']
    assert (price['expression'], price['named'], price['numbers'], price['local']) == (
        'a * b', 'all_price * tax', '650 * 1.1', ['b', 'a'])
    assert price['data'] == '715' and nodes['tax']['received'] == [[data['root'], 1, '650']]
    step = data['steps'][price['backward']]
    assert step['value'] == '1' and step['sends'] == [[data['nodes'].index(nodes['all_price']), '1.1', '1.1'],
                                                      [data['nodes'].index(nodes['tax']), '650', '650']]
    for step, source in zip(data['steps'], walkthrough.steps):
        assert step['value'] == format_number(source.value)


@pytest.mark.parametrize('build, named, numbers', [
    (lambda a, b: a - b, 'a - b', '2 - (-3)'),
    (lambda a, b: (a * b).tanh(), 'tanh(t1)', 'tanh(-6)'),
    (lambda a, b: micrograd.dot([a, b], [b, a], bias=1.5), 'a*b + b*a + t1', '2*(-3) + (-3)*2 + 1.5'),
])
def test_forward_text_writes_each_operand_by_name_and_by_number(build, named, numbers):
    out = build(Value(2.0, label='a'), Value(-3.0, label='b'))
    node = explain(out).page_data()['nodes'][-1]
    assert (node['named'], node['numbers']) == (named, numbers)


HOSTILE = '</script><img src=x onerror=alert(1)>&amp; <!-- \u2028'
PAGE_TAGS = {'html', 'head', 'meta', 'title', 'style', 'body', 'header', 'h1', 'p', 'nav', 'button', 'input', 'span',
             'main', 'section', 'div', 'script', 'svg', 'g', 'polygon', 'text', 'path', 'ellipse', 'i'}


class Tags(HTMLParser):
    """Every element name, attribute name and text of a page, as a browser's parser reads them."""

    def __init__(self):
        super().__init__()
        self.names, self.attributes, self.text = set(), set(), ''

    def handle_starttag(self, tag, attrs):
        self.names.add(tag)
        self.attributes.update(name for name, _ in attrs)

    def handle_data(self, data):
        self.text += data


@pytest.mark.parametrize('style', ['micrograd', 'book'])
def test_the_page_is_self_contained_and_no_label_becomes_markup(style):
    x = Value(2.0, label=HOSTILE)
    text = explain(x * x + 1, style=style).to_html()
    assert text.count('<script') == 2 and text.count('</script>') == 2  # the data and the page's own script
    assert '<img' not in text and 'onerror=alert(1)>' not in text
    data = re.search(r'<script type="application/json" id="wt-data">(.*?)</script>', text, re.S).group(1)
    assert not set('<>&') & set(data) and '\u2028' not in data
    tags = Tags()
    tags.feed(text)
    assert tags.names <= PAGE_TAGS, tags.names - PAGE_TAGS  # no img, link, iframe, object, ...
    assert not tags.attributes & {'src', 'href', 'xlink:href', 'action', 'style'} and not any(
        name.startswith('on') for name in tags.attributes)  # nothing to load or follow, no handlers
    assert HOSTILE.replace('\u2028', '') in tags.text  # the label shows as those characters
    assert '@import' not in text and 'url(' not in text


def test_the_policy_admits_only_the_pages_own_script_and_style():
    text = explain(examples.buy_apple()).to_html()
    policy = html.unescape(re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', text).group(1))
    script = re.search(r'<script>(.*?)</script>', text, re.S).group(1)
    style = re.search(r'<style>(.*?)</style>', text, re.S).group(1)

    def digest(body):
        return 'sha256-' + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
    assert policy.startswith("default-src 'none'; ")
    assert f"script-src '{digest(script)}'" in policy and f"style-src '{digest(style)}'" in policy
    assert "unsafe" not in policy


def test_a_large_graph_has_the_steps_without_the_drawing():
    x = Value(1.0, label='x')
    y = x
    for _ in range(page.DRAW_LIMIT):
        y = y * 1.0001
    walkthrough = explain(y)
    text, note = page.build(walkthrough)
    assert '<svg' not in text and 'more than the 300 this page draws' in note
    assert len(walkthrough.steps) == 2 * (2 * page.DRAW_LIMIT + 1)


def test_without_graphviz_the_page_still_plays_with_a_note(no_dot):
    text, note = page.build(explain(examples.buy_apple()))
    assert '<svg' not in text and 'install Graphviz' in note and '"steps"' in text


def test_save_writes_the_page_atomically(tmp_path):
    walkthrough = explain(examples.buy_apple())
    path = tmp_path / 'apple.html'
    walkthrough.save(path)
    assert path.read_text(encoding='utf-8') == walkthrough.to_html()
    assert [p.name for p in tmp_path.iterdir()] == ['apple.html']
    with pytest.raises(OSError, match='missing'):
        walkthrough.save(tmp_path / 'missing' / 'x.html')


def test_jupyter_shows_the_page_in_a_sandboxed_frame():
    walkthrough = explain(examples.buy_apple())
    shown = walkthrough._repr_html_()
    srcdoc = re.fullmatch(r'<iframe srcdoc="([^"]*)" sandbox="allow-scripts" [^>]*></iframe>', shown).group(1)
    assert html.unescape(srcdoc) == walkthrough.to_html()
    assert isinstance(walkthrough, Walkthrough) and 'price: 5 forward and 5 backward steps' in repr(walkthrough)


def test_an_example_shows_its_drawing_in_jupyter_and_text_without_graphviz(no_dot):
    assert examples.buy_apple()._repr_html_() is None  # no dot: Jupyter falls back to the text repr


def test_an_example_shows_its_drawing_in_jupyter():
    shown = examples.buy_apple_orange()._repr_html_()
    assert shown.startswith('<svg') and 'all_price' in shown and 'grad 650' in shown


def test_a_small_value_draws_itself_for_jupyter():
    from micrograd.viz import jupyter
    shown = jupyter.graph_html(examples.neuron().root)
    assert shown.startswith('<svg') and 'data 0.7071' in shown


def test_a_large_graph_shows_as_text_in_jupyter():
    from micrograd.viz import jupyter
    x = Value(1.0)
    for _ in range(jupyter.INLINE_LIMIT):
        x = x + 1
    assert jupyter.graph_html(x) is None


# ---- the command line ----

def run_cli(*args):
    from micrograd import cli
    return cli.main(list(args))


def test_cli_explain_writes_the_page_of_a_named_graph(tmp_path, capsys):
    path = tmp_path / 'bill.html'
    assert run_cli('explain', 'apple-orange', '-o', str(path)) == 0
    assert capsys.readouterr().out == f"wrote {path}\n"
    assert path.read_text(encoding='utf-8') == explain(examples.buy_apple_orange(backward=False)).to_html()


def test_cli_explain_of_an_expression_in_book_style(tmp_path, capsys):
    path = tmp_path / 'neg.html'
    assert run_cli('explain', '--expr', '-x*y', 'x=2', 'y=3', '--style', 'book', '-o', str(path)) == 0
    x, y = Value(2.0, label='x'), Value(3.0, label='y')
    assert path.read_text(encoding='utf-8') == explain(-x * y, style='book').to_html()


@pytest.mark.parametrize('args, message', [
    (['apple', '-o', 'page.svg'], "give a file name ending in .html, got 'page.svg'"),
    (['apple', '-o', '.html'], "give a file name ending in .html"),
    (['nope', '-o', 'p.html'], f"unknown graph 'nope': choose from {', '.join(examples.GRAPHS)}"),
    (['-o', 'p.html'], "give one graph name"),
    (['--expr', "__import__('os')", '-o', 'p.html'], "unknown function __import__()"),
    (['--expr', 'x*y', 'x=1', '-o', 'p.html'], "y"),
    (['apple', '--style', 'fancy', '-o', 'p.html'], "invalid choice: 'fancy'"),
])
def test_cli_explain_refuses_bad_input_in_one_line(args, message, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert run_cli('explain', *args) == 2
    err = capsys.readouterr().err
    assert message in err and err.count('\n') == 1 and list(tmp_path.iterdir()) == []


def test_cli_explain_reports_an_unwritable_file(tmp_path, capsys):
    assert run_cli('explain', 'apple', '-o', str(tmp_path / 'no' / 'p.html')) == 1
    assert capsys.readouterr().err == f"micrograd: error: cannot write {tmp_path / 'no' / 'p.html'}: No such file or directory\n"


def test_cli_draw_in_book_style(tmp_path):
    path = tmp_path / 'apple.dot'
    assert run_cli('draw', 'apple', '--style', 'book', '-o', str(path)) == 0
    assert path.read_text(encoding='utf-8') == micrograd.draw_dot(examples.buy_apple(), style='book').source


def test_without_the_graphviz_package_an_example_shows_as_text(monkeypatch):
    import sys
    monkeypatch.setitem(sys.modules, 'micrograd.viz.jupyter', None)  # importing it now raises ImportError
    assert examples.buy_apple()._repr_html_() is None
