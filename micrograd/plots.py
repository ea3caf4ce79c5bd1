"""PNG plots of training: the loss curve and a classifier's decision boundary.

Uses matplotlib's object API with the Agg canvas (no pyplot, no global
backend switch, so notebooks keep their own), imported only when a plot is
made. Files are written atomically.
"""

import micrograd
from micrograd import validate
from micrograd.atomic import write_atomically
from micrograd.losses import predicted_class


def save_loss_curve(history, path):
    """Plot history['loss'] (and history['accuracy'], if present) per epoch into a PNG at path."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(6, 4), layout='tight')
    axes = figure.subplots()
    epochs = range(1, len(history['loss']) + 1)
    axes.plot(epochs, history['loss'], color='tab:blue')
    axes.set(xlabel='epoch', ylabel='loss', title='training')
    axes.tick_params(axis='y', labelcolor='tab:blue')
    if history.get('accuracy'):
        accuracy_axes = axes.twinx()
        accuracy_axes.plot(epochs, history['accuracy'], color='tab:orange')
        accuracy_axes.set(ylabel='accuracy', ylim=(0, 1.05))
        accuracy_axes.tick_params(axis='y', labelcolor='tab:orange')
    _save(figure, path)


def save_decision_boundary(model, X, y, path, threshold=0.0, resolution=100):
    """Colour the plane by the model's predicted class and scatter the labelled points into a PNG at path.

    A one-output model predicts class 1 where its output exceeds `threshold`
    (0 for hinge scores, 0.5 for sigmoid probabilities); a model with several
    outputs predicts the index of the largest. The plane is sampled on a
    resolution x resolution grid (resolution an int >= 2).
    """
    from matplotlib.figure import Figure

    validate.integer(resolution, "resolution (grid points per axis)", at_least=2)
    xs, ys = _grid_axis(X, 0, resolution), _grid_axis(X, 1, resolution)
    with micrograd.no_grad():
        classes = [[predicted_class(model([u, v]), threshold) for u in xs] for v in ys]
    figure = Figure(figsize=(5, 5), layout='tight')
    axes = figure.subplots()
    n_classes = max(max(row) for row in classes) + 1
    colours = {'cmap': 'Spectral', 'vmin': 0, 'vmax': max(n_classes - 1, max(y), 1)}
    axes.contourf(xs, ys, classes, levels=[c - 0.5 for c in range(n_classes + 1)], alpha=0.6, **colours)
    axes.scatter([p[0] for p in X], [p[1] for p in X], c=y, s=30, edgecolors='black', **colours)
    axes.set(xlim=(xs[0], xs[-1]), ylim=(ys[0], ys[-1]), title='decision boundary')
    _save(figure, path)


def _grid_axis(X, column, resolution):
    low, high = min(p[column] for p in X) - 1, max(p[column] for p in X) + 1
    return [low + (high - low) * i / (resolution - 1) for i in range(resolution)]


def _save(figure, path):
    write_atomically(path, lambda file: figure.savefig(file, format='png', dpi=100))
