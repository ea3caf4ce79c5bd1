"""micrograd.training and micrograd.plots: micrograd's recorded demo losses, target accuracies, files, errors."""

import json
import math
import os
import random
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import micrograd

from micrograd import data, losses, nn, optim, plots, training

DATA = os.path.join(os.path.dirname(__file__), 'data')
PNG = b'\x89PNG\r\n\x1a\n'


@pytest.fixture(scope='module')
def reference():
    with open(os.path.join(DATA, 'micrograd_reference.json')) as file:
        return json.load(file)


def test_fit_reproduces_micrograds_demo_losses_and_accuracies(reference):
    model = nn.MLP(2, [16, 16, 1], rng=random.Random(1337))
    steps = len(reference['demo_losses'])
    history = training.fit(model, reference['X'], reference['y'], loss='hinge',
                           optimizer=optim.SGD(model.parameters(), lr=1.0), epochs=steps, l2=1e-4,
                           lr_schedule=lambda k: 1.0 - 0.9 * k / 100, progress=False)
    assert history['loss'] == pytest.approx(reference['demo_losses'], rel=1e-11, abs=0)
    assert history['accuracy'] == reference['demo_accuracies']


def test_fit_inside_no_grad_still_trains_like_micrograd(reference):
    model = nn.MLP(2, [16, 16, 1], rng=random.Random(1337))
    with micrograd.no_grad():
        history = training.fit(model, reference['X'], reference['y'], optimizer=optim.SGD(model.parameters(), lr=1.0),
                               epochs=np.int64(3), l2=1e-4, lr_schedule=lambda k: 1.0 - 0.9 * k / 100,
                               progress=False)
        assert not micrograd.is_grad_enabled()
    assert history['loss'] == pytest.approx(reference['demo_losses'][:3], rel=1e-11, abs=0)


def test_the_xor_network_learns_xor():
    """The backprop walkthrough's 2-3-1 network: tanh hidden units, a sigmoid output, cross-entropy."""
    X, y = data.make_xor(4, random_state=0)
    model = nn.MLP(2, [3, 1], activation='tanh', output_activation='sigmoid', rng=random.Random(0))
    history = training.fit(model, X, y, loss='binary_cross_entropy',
                           optimizer=optim.Adam(model.parameters(), lr=0.1), epochs=200, progress=False)
    assert history['accuracy'][-1] == 1.0
    assert [int(model(x).data > 0.5) for x in X] == y == [int(a != b) for a, b in X]


def test_cross_entropy_trains_a_two_logit_classifier():
    X, y = data.make_moons(60, noise=0.05, random_state=3)
    model = nn.MLP(2, [8, 2], activation='tanh', rng=random.Random(1))
    history = training.fit(model, X, y, loss='cross_entropy', optimizer=optim.Adam(model.parameters(), lr=0.05),
                           epochs=60, batch_size=20, random_state=0, progress=False)
    assert history['loss'][-1] < history['loss'][0] / 3 and history['accuracy'][-1] >= 0.95


def test_minibatch_epochs_average_their_batches():
    """With lr = 0 nothing changes, so an epoch over batches measures the full-batch mean loss and accuracy."""
    X, y = data.make_moons(23, noise=0.1, random_state=0)
    model = nn.MLP(2, [4, 1], rng=random.Random(2))
    steps = []

    def schedule(step):
        steps.append(step)
        return 0.0
    history = training.fit(model, X, y, loss='hinge', optimizer=optim.SGD(model.parameters(), lr=0.0),
                           epochs=2, batch_size=5, lr_schedule=schedule, random_state=0, progress=False)
    scores = [model(x) for x in X]
    expected = losses.hinge(scores, [2 * label - 1 for label in y]).data
    assert history['loss'] == pytest.approx([expected, expected], rel=1e-13)
    accuracy = sum(int(s.data > 0) == label for s, label in zip(scores, y)) / len(y)
    assert history['accuracy'] == [accuracy, accuracy]
    assert steps == list(range(10))  # ceil(23 / 5) = 5 batches per epoch


def test_minibatch_order_is_deterministic_for_a_random_state():
    X, y = data.make_moons(30, noise=0.1, random_state=0)

    def run(seed):
        model = nn.MLP(2, [4, 1], rng=random.Random(2))
        return training.fit(model, X, y, epochs=3, batch_size=7, random_state=seed, progress=False)
    assert run(5) == run(5) and run(5) != run(6)


def test_progress_bar_shows_loss_and_accuracy_and_can_be_disabled(capsys):
    X, y = data.make_xor(8, random_state=0)
    for progress in (True, False):
        training.fit(nn.MLP(2, [3, 1], rng=random.Random(0)), X, y, epochs=2, progress=progress)
        err = capsys.readouterr().err
        assert ('loss=' in err and 'accuracy=' in err and '2/2' in err) is progress


@pytest.mark.parametrize('kwargs, message', [
    ({'loss': 'l1'}, "loss must be one of 'hinge', 'binary_cross_entropy', 'mse', 'cross_entropy', got 'l1'"),
    ({'y': [0, 1, 0]}, 'same length, got 4 and 3'),
    ({'X': [], 'y': []}, 'must not be empty'),
    ({'y': [0, 1, 2, 1]}, r'labels\[2\] must be 0 or 1, got 2'),
    ({'y': [0, 1, -1, 1]}, r'labels\[2\] must be 0 or 1, got -1'),
    ({'epochs': 0}, 'epochs must be a positive int, got 0'),
    ({'batch_size': 0}, 'batch_size must be a positive int, got 0'),
    ({'model': nn.MLP(2, [3, 2])}, 'needs a model with one output, got 2 outputs'),
    ({'loss': 'cross_entropy', 'y': [0, 1, -3, 1], 'model': nn.MLP(2, [2])}, 'a class index >= 0, got -3'),
    ({'l2': -1}, 'l2 must be a finite number >= 0, got -1'),
    ({'l2': math.nan}, 'l2 must be a finite number >= 0, got nan'),
])
def test_fit_rejects_bad_arguments(kwargs, message):
    _fails_before_training(ValueError, message, **kwargs)


@pytest.mark.parametrize('kwargs, message', [
    ({'optimizer': 'adam'}, r"optimizer must be an object with step\(\), e.g. micrograd.optim.Adam\(model.parameters\(\)\), "
                            "got str: 'adam'"),
    ({'loss': None}, "loss must be one of 'hinge', .*, got NoneType: None"),
    ({'y': [0, 1, 1.0, 1]}, r'labels\[2\] must be an int, got float: 1.0'),
    ({'l2': 'a'}, "l2 must be a finite number >= 0, got str: 'a'"),
    ({'lr_schedule': 0.1}, 'lr_schedule must be a function of the step number, got float'),
    ({'epochs': 2.0}, 'epochs must be a positive int, got float'),
    ({'batch_size': True}, 'batch_size must be a positive int, got bool'),
])
def test_fit_rejects_wrong_types(kwargs, message):
    _fails_before_training(TypeError, message, **kwargs)


def _fails_before_training(error, message, **kwargs):
    arguments = {'model': nn.MLP(2, [3, 1]), 'X': [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]],
                 'y': [0, 1, 1, 0], 'progress': False, **kwargs}
    before = arguments['model'].state_dict()
    with pytest.raises(error, match=message):
        training.fit(**arguments)
    assert arguments['model'].state_dict() == before
    assert all(p.grad == 0 for p in arguments['model'].parameters())  # nothing ran


@pytest.mark.parametrize('resolution, error', [(1, ValueError), (0, ValueError), (-3, ValueError),
                                               (2.5, TypeError), (True, TypeError), ('50', TypeError)])
def test_a_decision_boundary_needs_a_grid_of_at_least_2_points(tmp_path, resolution, error):
    X, y = data.make_xor(8, random_state=0)
    with pytest.raises(error, match=re.escape("resolution (grid points per axis) must be an int >= 2, got ")):
        plots.save_decision_boundary(nn.MLP(2, [3, 1]), X, y, str(tmp_path / 'b.png'), resolution=resolution)
    assert os.listdir(tmp_path) == []


def test_decision_boundary_for_a_multi_output_model_and_atomic_files(tmp_path):
    X, y = data.make_circles(20, noise=0.05, random_state=0)
    model = nn.MLP(2, [4, 2], rng=random.Random(0))
    path = tmp_path / 'boundary.png'
    path.write_bytes(b'old')
    plots.save_decision_boundary(model, X, y, str(path), resolution=np.int64(2))
    plots.save_loss_curve({'loss': [1.0, 0.5]}, str(tmp_path / 'loss.png'))
    assert sorted(os.listdir(tmp_path)) == ['boundary.png', 'loss.png']  # no temporary files left
    assert path.read_bytes()[:8] == PNG and (tmp_path / 'loss.png').read_bytes()[:8] == PNG


def test_a_crash_while_saving_a_plot_keeps_the_old_file(tmp_path, monkeypatch):
    from matplotlib.figure import Figure

    def crash_half_way(self, file, **kwargs):
        file.write(PNG)
        raise OSError('disk full')
    monkeypatch.setattr(Figure, 'savefig', crash_half_way)
    path = tmp_path / 'loss.png'
    path.write_bytes(b'old')
    with pytest.raises(OSError, match='disk full'):
        plots.save_loss_curve({'loss': [1.0, 0.5]}, str(path))
    assert path.read_bytes() == b'old' and os.listdir(tmp_path) == ['loss.png']


# Hostile review (issue 15)

def test_fit_refuses_an_optimizer_over_another_models_parameters():
    X, y = data.make_xor(8, random_state=0)
    model, other = nn.MLP(2, [3, 1], rng=random.Random(0)), nn.MLP(2, [3, 1], rng=random.Random(1))
    before = model.state_dict()
    with pytest.raises(ValueError, match=r"the optimizer updates none of the model's 13 parameters \(was it made for "
                                         r"another model"):
        training.fit(model, X, y, optimizer=optim.SGD(other.parameters(), lr=0.1), epochs=2, progress=False)
    assert model.state_dict() == before
    # Training part of the model (its last layer) is fine.
    last = model.layers[-1].parameters()
    training.fit(model, X, y, optimizer=optim.SGD(last, lr=0.1), epochs=2, progress=False)
    assert {name: value for name, value in model.state_dict().items() if name.startswith('layers.0')} == {
        name: value for name, value in before.items() if name.startswith('layers.0')}


@pytest.mark.parametrize('extension, magic', [('png', PNG), ('svg', b'<?xml'), ('pdf', b'%PDF')])
@pytest.mark.parametrize('plot', ['loss', 'boundary'])
def test_plots_are_written_in_the_format_their_extension_names(tmp_path, extension, magic, plot):
    path = tmp_path / f'plot.{extension.upper() if extension == "svg" else extension}'
    if plot == 'loss':
        plots.save_loss_curve({'loss': [1.0, 0.5], 'accuracy': [0.5, 1.0]}, str(path))
    else:
        X, y = data.make_xor(8, random_state=0)
        plots.save_decision_boundary(nn.MLP(2, [3, 1], rng=random.Random(0)), X, y, path, resolution=3)
    content = path.read_bytes()
    assert content.startswith(magic)
    if extension == 'svg':
        assert ET.fromstring(content).tag == '{http://www.w3.org/2000/svg}svg'


@pytest.mark.parametrize('name, message', [
    ('loss.gif', r"cannot tell the output format of '.*loss.gif': its name must end in .png, .svg, .pdf"),
    ('.png', r"the file name is missing in '.*\.png': give a name before \.png"),
])
def test_a_plot_with_an_unknown_extension_is_refused_before_any_work(tmp_path, name, message):
    with pytest.raises(ValueError, match=message):
        plots.save_loss_curve({'loss': [1.0]}, str(tmp_path / name))
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize('history', [{}, {'loss': []}, [0.5, 0.25], {'loss': 0.5}])
def test_a_loss_curve_needs_a_history_like_fits(tmp_path, history):
    with pytest.raises(ValueError, match="history must be a dict with a non-empty 'loss' list, as training.fit returns"):
        plots.save_loss_curve(history, tmp_path / 'loss.png')
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize('X, y', [([], []), ([[0.0, 1.0]], [0, 1])])
def test_a_decision_boundary_needs_matching_non_empty_data(tmp_path, X, y):
    with pytest.raises(ValueError, match=f"X and y must be non-empty and of the same length, got {len(X)} and {len(y)}"):
        plots.save_decision_boundary(nn.MLP(2, [3, 1]), X, y, tmp_path / 'b.png')
    assert os.listdir(tmp_path) == []
