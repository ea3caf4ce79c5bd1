"""The example graphs against the book's numbers ("Deep Learning from Scratch" ch. 5) and hand-derived tanh derivatives."""

import math

import pytest

from micrograd import examples

TOL = {'rel': 1e-12, 'abs': 1e-12}


def data_and_grads(example):
    return ({label: value.data for label, value in example.items()},
            {label: value.grad for label, value in example.items()})


def test_buy_apple_has_the_books_numbers():
    data, grads = data_and_grads(examples.buy_apple())
    assert data == pytest.approx({'apple': 100, 'apple_num': 2, 'tax': 1.1, 'apple_price': 200,
                                  'price': 220}, **TOL)
    # price = apple * apple_num * tax, so d price/d apple = apple_num * tax = 2.2, and so on.
    assert grads == pytest.approx({'apple': 2.2, 'apple_num': 110, 'tax': 200, 'apple_price': 1.1,
                                   'price': 1}, **TOL)


def test_buy_apple_orange_has_the_books_numbers():
    data, grads = data_and_grads(examples.buy_apple_orange())
    assert data == pytest.approx({'apple': 100, 'apple_num': 2, 'orange': 150, 'orange_num': 3,
                                  'tax': 1.1, 'apple_price': 200, 'orange_price': 450,
                                  'all_price': 650, 'price': 715}, **TOL)
    assert grads == pytest.approx({'apple': 2.2, 'apple_num': 110, 'orange': 3.3, 'orange_num': 165,
                                   'tax': 650, 'apple_price': 1.1, 'orange_price': 1.1,
                                   'all_price': 1.1, 'price': 1}, **TOL)


def test_floats_are_floats():
    assert examples.buy_apple().root.data == 100 * 2 * 1.1 == 220.00000000000003


@pytest.mark.parametrize('build', examples.GRAPHS.values())
def test_forward_only_leaves_grads_zero(build):
    before, after = build(backward=False), build()
    assert data_and_grads(before)[0] == data_and_grads(after)[0]
    assert set(data_and_grads(before)[1].values()) == {0.0}


@pytest.mark.parametrize('build', examples.GRAPHS.values())
def test_values_are_found_by_their_labels(build):
    example = build()
    assert all(value.label == label for label, value in example.items())
    assert example.root is list(example.values())[-1]
    assert len({id(value) for value in example.values()}) == len(example)


def test_neuron_matches_hand_derived_tanh_derivatives():
    x1, x2, w1, w2, b = 2.0, 0.0, -3.0, 1.0, 6.8813735870195432
    n = x1 * w1 + x2 * w2 + b
    do_dn = 1 - math.tanh(n) ** 2  # tanh' = 1 - tanh^2
    data, grads = data_and_grads(examples.neuron())
    assert data['o'] == pytest.approx(1 / math.sqrt(2), **TOL)
    assert data['n'] == pytest.approx(n, **TOL)
    assert grads == pytest.approx({
        'o': 1, 'n': do_dn, 'b': do_dn, 'x1w1x2w2': do_dn, 'x1w1': do_dn, 'x2w2': do_dn,
        'x1': w1 * do_dn, 'w1': x1 * do_dn, 'x2': w2 * do_dn, 'w2': x2 * do_dn}, **TOL)
    # The lecture's rounded numbers.
    assert [round(grads[k], 4) for k in ('x1', 'w1', 'x2', 'w2', 'b', 'n')] == [-1.5, 1.0, 0.5, 0.0, 0.5, 0.5]


def test_repr_lists_the_values():
    assert repr(examples.buy_apple(backward=False)).startswith('Example(apple=100, apple_num=2, tax=1.1,')
