"""micrograd.demo: micrograd's moons demo in one call, and a package whose modules import each other without cycles."""

import os
import subprocess
import sys

import pytest

import micrograd
from micrograd import demo, optim

PNG = b'\x89PNG\r\n\x1a\n'


def _recording_learning_rates(monkeypatch):
    rates = []
    step = optim.SGD.step

    def recording_step(self):
        rates.append(self.lr)
        step(self)
    monkeypatch.setattr(optim.SGD, 'step', recording_step)
    return rates


@pytest.mark.parametrize('steps', [100, 150])
def test_moons_demo_reaches_100_percent_and_writes_its_pngs(tmp_path, monkeypatch, steps):
    """The schedule is micrograd's 1.0 - 0.9*k/100 for 100 steps and stretches to other step counts."""
    rates = _recording_learning_rates(monkeypatch)
    out_dir = tmp_path / 'new' / 'dir'
    result = demo.moons_demo(str(out_dir), progress=False, steps=steps)
    assert rates == [1.0 - 0.9 * k / steps for k in range(steps)]
    assert result['accuracy'] == 1.0
    assert len(result['history']['loss']) == steps and result['loss'] == result['history']['loss'][-1]
    assert sorted(os.listdir(out_dir)) == ['decision_boundary.png', 'loss_curve.png']
    for path in result['files']:
        with open(path, 'rb') as file:
            assert file.read(8) == PNG


@pytest.mark.parametrize('module, must_not_load', [
    ('micrograd.plots', 'micrograd.training'),
    ('micrograd.training', 'micrograd.plots'),
    ('micrograd.losses', 'micrograd.training'),
])
def test_plots_and_training_do_not_import_each_other(module, must_not_load):
    """The old cycle: plots took argmax from training, training imported plots for moons_demo."""
    code = f"import sys, {module}; print({must_not_load!r} in sys.modules)"
    result = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, check=True,
                            env={**os.environ, 'PYTHONPATH': os.path.dirname(os.path.dirname(micrograd.__file__))})
    assert result.stdout.strip() == 'False'
