"""micrograd's moons demo as one call: data, model, training and the two plots (what `micrograd demo` runs).

It sits above training and plots, which do not import each other.
"""

import os
import random
from typing import Any, Union

from micrograd import data, nn, optim, plots, training

__all__ = ['moons_demo']


def moons_demo(out_dir: Union[str, 'os.PathLike[str]'], progress: bool = True, random_state: Any = 1,
               steps: int = 100, compile: bool = True) -> dict[str, Any]:  # noqa: A002 - fit's flag
    """micrograd's demo: MLP(2, [16, 16, 1]) from random.seed(1337) on 100 noisy moons.

    Hinge loss + 1e-4 L2, SGD with learning rate 1.0 - 0.9*k/steps at step k
    (micrograd's 1.0 - 0.9*k/100 for the default 100 steps), full batch.
    Writes loss_curve.png and decision_boundary.png into out_dir; returns the
    last step's loss and accuracy, the history and the files written.
    compile=True trains through micrograd.compile (the same losses, faster).
    """
    X, y = data.make_moons(n_samples=100, noise=0.1, random_state=random_state)
    model = nn.MLP(2, [16, 16, 1], rng=random.Random(1337))  # the draws of random.seed(1337), global random untouched
    history = training.fit(model, X, y, loss='hinge', optimizer=optim.SGD(model.parameters(), lr=1.0),
                           epochs=steps, l2=1e-4, lr_schedule=lambda k: 1.0 - 0.9 * k / steps, progress=progress,
                           compile=compile)
    os.makedirs(out_dir, exist_ok=True)
    files = [os.path.join(out_dir, 'loss_curve.png'), os.path.join(out_dir, 'decision_boundary.png')]
    plots.save_loss_curve(history, files[0])
    plots.save_decision_boundary(model, X, y, files[1])
    return {'loss': history['loss'][-1], 'accuracy': history['accuracy'][-1], 'history': history, 'files': files}
