"""The `micrograd` command: mostly in-process through cli.main, plus a few real subprocess runs."""

import os
import re
import subprocess
import sys
import types
import xml.etree.ElementTree as ET

import pytest

import micrograd
from micrograd import cli, examples, viz

NEURON = ['--expr', 'tanh(x1*w1 + x2*w2 + b)', 'x1=2', 'x2=0', 'w1=-3', 'w2=1', 'b=6.8813735870195432']


def run(argv, capsys):
    """(exit status, stdout, stderr) of cli.main(argv)."""
    status = cli.main(argv)
    out, err = capsys.readouterr()
    return status, out, err


def svg_texts(path):
    return {text.text for text in ET.parse(path).iter('{http://www.w3.org/2000/svg}text')}


def test_draw_apple_orange_svg_shows_the_books_numbers(tmp_path, capsys):
    out = tmp_path / 'ao.svg'
    assert run(['draw', 'apple-orange', '-o', str(out)], capsys) == (0, f'wrote {out}\n', '')
    assert {'data 715', 'grad 650', 'grad 3.3', 'all_price', 'orange_num', 'grad 165'} <= svg_texts(out)


@pytest.mark.parametrize('name', examples.GRAPHS)
@pytest.mark.parametrize('stage', cli.STAGES)
def test_draw_dot_writes_the_examples_dot_text(name, stage, tmp_path, capsys):
    out = tmp_path / 'graph.dot'
    assert run(['draw', name, '--stage', stage, '-o', str(out)], capsys)[0] == 0
    backward = stage == 'backward'
    expected = viz.draw_dot(examples.GRAPHS[name](backward=backward).root, show_grad=backward).source
    assert out.read_text(encoding='utf-8') == expected
    assert ('>grad ' in expected) == backward


def test_draw_expression_shows_hand_derived_gradients(tmp_path, capsys):
    out = tmp_path / 'neuron.svg'
    assert run(['draw', *NEURON, '-o', str(out), '--rankdir', 'TB'], capsys)[0] == 0
    # do/dn = 1 - tanh(n)^2 = 0.5: x1 gets w1 * 0.5 = -1.5, w1 gets x1 * 0.5 = 1.
    assert {'x1', 'data 0.7071', 'grad -1.5', 'grad 1', 'grad 0.5', 'grad 0'} <= svg_texts(out)


def test_draw_expression_forward_stage_has_no_gradients(tmp_path, capsys):
    out = tmp_path / 'neuron.dot'
    assert run(['draw', *NEURON, '--stage', 'forward', '--rankdir', 'BT', '-o', str(out)], capsys)[0] == 0
    source = out.read_text(encoding='utf-8')
    assert 'data 0.7071' in source and '>grad ' not in source and 'rankdir=BT' in source


@pytest.mark.parametrize('argv, message', [
    (['draw', '--expr', "__import__('os').system('touch PWNED')"], 'calling anything but a function name'),
    (['draw', '--expr', 'x.y', 'x=1'], r'attribute access \(\.y\)'),
    (['draw', '--expr', 'x[0]', 'x=1'], 'subscript'),
    (['draw', '--expr', 'lambda: 1'], 'lambda'),
    (['draw', '--expr', '[x for x in y]'], 'listcomp'),
    (['draw', '--expr', 'tanh(x=1)'], 'without keywords'),
    (['draw', '--expr', 'foo(x)', 'x=1'], r'unknown function foo\(\)'),
    (['draw', '--expr', 'x +', 'x=1'], 'invalid expression'),
    (['draw', '--expr', 'x * y', 'x=1'], 'y has no value'),
    (['draw', '--expr', 'x', 'x=1', 'x=2'], 'x is given a value twice'),
    (['draw', '--expr', 'x', 'x=abc'], "the value of x must be a number, got 'abc'"),
    (['draw', '--expr', 'log(x)', 'x=0'], 'log is defined for positive numbers only'),
    (['draw', '--expr', 'x', 'apple'], "expected NAME=NUMBER, got 'apple'"),
    (['draw', 'banana'], "unknown graph 'banana': choose from apple, apple-orange, neuron"),
    (['draw'], 'give one graph name'),
    (['draw', 'apple', 'neuron'], 'give one graph name'),
    (['draw', 'apple', '--rankdir', 'XY'], "invalid choice: 'XY'"),
    (['draw', 'apple', '--stage', 'sideways'], "invalid choice: 'sideways'"),
    (['draw', 'apple', '--format', 'svg'], 'unrecognized arguments'),
    (['paint'], "invalid choice: 'paint'"),
    ([], 'the following arguments are required: COMMAND'),
])
def test_rejections_exit_2_with_one_line(argv, message, tmp_path, capsys):
    out = tmp_path / 'out.svg'
    status, stdout, stderr = run([*argv, '-o', str(out)] if argv else argv, capsys)
    assert status == 2 and stdout == ''
    assert stderr.count('\n') == 1 and stderr.startswith('micrograd')
    assert re.search(message, stderr), stderr
    assert not out.exists()


def test_missing_output_is_a_usage_error(capsys):
    status, _, stderr = run(['draw', 'apple'], capsys)
    assert status == 2 and stderr.count('\n') == 1 and '-o/--output' in stderr


def test_unknown_extension_is_rejected_before_any_work(tmp_path, capsys):
    status, _, stderr = run(['draw', 'apple', '-o', str(tmp_path / 'apple.gif')], capsys)
    assert status == 2
    assert stderr.rstrip('\n').endswith("its name must end in .svg, .png, .pdf, .dot")
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize('target', ['missing-dir/apple.svg', 'a-directory.svg'])
def test_unwritable_output_is_one_line_and_status_1(target, tmp_path, capsys):
    (tmp_path / 'a-directory.svg').mkdir()
    status, stdout, stderr = run(['draw', 'apple', '-o', str(tmp_path / target)], capsys)
    assert status == 1 and stdout == ''
    assert stderr.startswith(f'micrograd: error: cannot write {tmp_path / target}: ')
    assert stderr.count('\n') == 1
    assert sorted(os.listdir(tmp_path)) == ['a-directory.svg']  # no temporary file left behind


def test_without_dot_rendering_says_how_to_install_and_dot_text_still_works(no_dot, tmp_path, capsys):
    svg = tmp_path / 'apple.svg'
    svg.write_text('old')
    status, _, stderr = run(['draw', 'apple', '-o', str(svg)], capsys)
    assert status == 1 and stderr.count('\n') == 1
    assert 'install Graphviz' in stderr and 'apt-get install graphviz' in stderr
    assert svg.read_text() == 'old'
    assert run(['draw', 'apple', '-o', str(tmp_path / 'apple.dot')], capsys)[0] == 0


def test_help_and_version(capsys):
    status, out, _ = run(['--help'], capsys)
    assert status == 0 and 'draw' in out and 'demo' in out
    status, out, _ = run(['draw', '--help'], capsys)
    assert status == 0 and '--expr' in out and 'tanh(x1*w1 + x2*w2 + b)' in out and '.dot' in out
    assert run(['--version'], capsys)[:2] == (0, f'micrograd {micrograd.__version__}\n')


DEMO_FILES = ['apple-backward.svg', 'apple-forward.svg', 'apple-orange-backward.svg',
              'apple-orange-forward.svg', 'neuron-backward.svg']


def test_demo_without_training_draws_the_graphs(tmp_path, capsys):
    out = tmp_path / 'nested' / 'demo'
    status, stdout, _ = run(['demo', '--no-train', '--out', str(out)], capsys)
    assert status == 0
    assert sorted(os.listdir(out)) == DEMO_FILES
    assert 'grad 650' in svg_texts(out / 'apple-orange-backward.svg')
    assert not any(text.startswith('grad') for text in svg_texts(out / 'apple-orange-forward.svg'))
    assert f'in {out.resolve()}' in stdout and 'wrote 5 files' in stdout


def test_demo_trains_through_training_moons_demo(tmp_path, capsys, monkeypatch):
    calls = []

    def moons_demo(out_dir, progress):
        calls.append((out_dir, progress))
        return {'loss': 0.01, 'accuracy': 1.0, 'files': [os.path.join(out_dir, 'loss.png')]}

    monkeypatch.setitem(sys.modules, 'micrograd.training', types.SimpleNamespace(moons_demo=moons_demo))
    status, stdout, _ = run(['demo', '--out', str(tmp_path)], capsys)
    assert status == 0 and calls == [(str(tmp_path), True)]
    assert 'final loss 0.0100, accuracy 100%' in stdout
    assert 'wrote 6 files' in stdout and os.path.join(str(tmp_path), 'loss.png') in stdout


def test_demo_reports_an_uncreatable_directory(tmp_path, capsys):
    (tmp_path / 'file').write_text('')
    status, _, stderr = run(['demo', '--no-train', '--out', str(tmp_path / 'file' / 'demo')], capsys)
    assert status == 1 and stderr.startswith('micrograd: error: cannot create the directory')


# A few real runs of `python -m micrograd`.

def micrograd_process(*argv, cwd, env=None):
    return subprocess.run([sys.executable, '-m', 'micrograd', *argv], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=60)


def test_process_draws_an_svg(tmp_path):
    done = micrograd_process('draw', 'apple', '-o', 'apple.svg', cwd=tmp_path)
    assert (done.returncode, done.stdout, done.stderr) == (0, 'wrote apple.svg\n', '')
    assert {'data 220', 'grad 200', 'grad 110', 'grad 2.2'} <= svg_texts(tmp_path / 'apple.svg')


def test_process_never_runs_code_from_an_expression(tmp_path):
    done = micrograd_process('draw', '--expr', "__import__('os').system('touch PWNED')", '-o', 'x.svg',
                             cwd=tmp_path)
    assert done.returncode == 2 and done.stdout == ''
    assert done.stderr.count('\n') == 1 and 'Traceback' not in done.stderr
    assert os.listdir(tmp_path) == []


def test_process_without_dot_explains_in_one_line(tmp_path, no_dot):
    done = micrograd_process('draw', 'neuron', '-o', 'neuron.png', cwd=tmp_path, env=no_dot)
    assert done.returncode == 1 and done.stderr.count('\n') == 1 and 'install Graphviz' in done.stderr


def test_console_script_is_installed(tmp_path):
    script = os.path.join(os.path.dirname(sys.executable), 'micrograd')
    done = subprocess.run([script, '--version'], capture_output=True, text=True, timeout=60)
    assert done.stdout == f'micrograd {micrograd.__version__}\n'
