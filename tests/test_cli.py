"""The `micrograd` command: mostly in-process through cli.main, plus a few real subprocess runs."""

import os
import re
import subprocess
import sys
import types
import xml.etree.ElementTree as ET

import pytest

import micrograd
from micrograd import cli, examples
from micrograd.viz import draw as viz

NEURON = ['--expr', 'tanh(x1*w1 + x2*w2 + b)', 'x1=2', 'x2=0', 'w1=-3', 'w2=1', 'b=6.8813735870195432']


def run(argv, capsys):
    """(exit status, stdout, stderr) of cli.main(argv)."""
    status = cli.main(argv)
    out, err = capsys.readouterr()
    return status, out, err


SVG = '{http://www.w3.org/2000/svg}'


def svg_texts(path):
    return {text.text for text in ET.parse(path).iter(f'{SVG}text')}


def svg_boxes(path):
    """The text lines of each Value box (a node with a table: more than one text) in an SVG file."""
    nodes = [group for group in ET.parse(path).iter(f'{SVG}g') if group.get('class') == 'node']
    texts = [[text.text for text in node.iter(f'{SVG}text')] for node in nodes]
    return [lines for lines in texts if len(lines) > 1]


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
    (['draw', '--expr', 'x', '--expr', 'y', 'x=1'], '--expr is given twice'),
    (['draw', '--expr', 'x', 'x=1e400'], "the value of x must be a finite number, got '1e400'"),
    (['draw', '--expr', 'x', 'x=nan'], "the value of x must be a finite number, got 'nan'"),
    (['draw', '--expr', 'x', 'x= -inf'], "the value of x must be a finite number, got '-inf'"),
    (['draw', '--expr', 'x**1e400', 'x=2'], 'the number at column 4 is beyond the float range'),
    (['draw', '--expr', 'x**1' + '0' * 400, 'x=2'], 'the number at column 4 is beyond the float range'),
    (['draw', '--expr', 'x**y', 'x=10', 'y=400'], r'Overflow|too large|out of range'),
    (['draw', '--expr', '1' * 5000 + '*x', 'x=1'], 'a whole number has more than 4300 digits$'),
    (['draw', '--expr', 'x\n+1', 'x=1'], r'invalid syntax \(line 2, column 1\)'),
    (['draw', '--expr', '(x\n+ y[0])', 'x=1', 'y=1'], 'subscript .* at line 2, column 3'),
    (['draw', '--expr', '+'.join(['x'] * 5000), 'x=1'], "too long or nested too deeply for Python's parser"),
])
def test_rejections_exit_2_with_one_line(argv, message, tmp_path, capsys):
    out = tmp_path / 'out.svg'
    status, stdout, stderr = run([*argv, '-o', str(out)] if argv else argv, capsys)
    assert status == 2 and stdout == ''
    assert stderr.count('\n') == 1 and stderr.startswith('micrograd')
    assert re.search(message, stderr), stderr
    assert not out.exists()


@pytest.mark.parametrize('expression, data, grads', [
    # d(-x*y)/dx = -y, d(-x*y)/dy = -x; d(-2*x)/dx = -2; d(-(x - y))/dx = -1.
    ('-x*y', 'data -2', {'x': 'grad -2', 'y': 'grad -1'}),
    ('-2*x', 'data -2', {'x': 'grad -2'}),
    ('-(x - y)', 'data 1', {'x': 'grad -1', 'y': 'grad 1'}),
])
@pytest.mark.parametrize('attached', [False, True])
def test_an_expression_may_start_with_a_minus(expression, data, grads, attached, tmp_path, capsys):
    out = tmp_path / 'minus.svg'
    option = [f'--expr={expression}'] if attached else ['--expr', expression]
    values = [f'{name}={value}' for name, value in {'x': 1, 'y': 2}.items() if name in grads]
    assert run(['draw', *option, *values, '-o', str(out)], capsys) == (0, f'wrote {out}\n', '')
    boxes = svg_boxes(out)
    assert all([name, f'data {value}', grad] in boxes for name, value, grad in
               [(name, {'x': 1, 'y': 2}[name], grad) for name, grad in grads.items()])
    assert [data, 'grad 1'] in boxes  # the root


@pytest.mark.parametrize('source, values, label', [
    ('ﬁ*2', ['ﬁ=3'], 'fi'), ('ﬁ*2', ['fi=3'], 'fi'), ('fi*2', ['ﬁ=3'], 'fi'),
    ('ｘ*2', ['ｘ=3'], 'x'), ('x*2', ['ｘ=3'], 'x'),
])
def test_names_are_nfkc_normalized_like_pythons(source, values, label, tmp_path, capsys):
    out = tmp_path / 'nfkc.svg'
    assert run(['draw', '--expr', source, *values, '-o', str(out)], capsys)[0] == 0
    assert [label, 'data 3', 'grad 2'] in svg_boxes(out)  # d(2x)/dx = 2


def test_a_long_flat_sum_draws_with_a_one_line_size_warning(tmp_path, capsys):
    out = tmp_path / 'sum.dot'
    status, stdout, stderr = run(['draw', '--expr', '+'.join(['x'] * 2500), 'x=1', '-o', str(out)], capsys)
    assert (status, stdout) == (0, f'wrote {out}\n')
    assert stderr == ('micrograd: warning: the graph has 2500 Values (more than 2000): rendering it may take '
                      'minutes; consider drawing a smaller sub-expression\n')
    # x is one leaf used 2,500 times: its gradient is 2,500.
    assert '>data 2500</TD><TD>grad 1<' in out.read_text() and '>grad 2500<' in out.read_text()


@pytest.mark.parametrize('name, message', [
    ('.svg', "the file name is missing in '.svg': give a name before .svg"),
    ('', 'argument -o/--output: the output file name is empty'),
])
def test_an_output_without_a_name_says_so(name, message, capsys):
    status, _, stderr = run(['draw', 'apple', '-o', name], capsys)
    assert status == 2 and stderr.count('\n') == 1 and message in stderr


def test_a_very_long_name_renders_cut_short(tmp_path, capsys):
    out = tmp_path / 'long.png'
    assert run(['draw', '--expr', 'x' * 100_000 + '*2', 'x' * 100_000 + '=1', '-o', str(out)], capsys)[0] == 0
    assert out.read_bytes().startswith(b'\x89PNG')


def test_a_graphviz_failure_is_one_line_and_blames_graphviz_not_the_file(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(viz, 'MAX_LABEL_CHARS', 10**6)  # let the label exceed Graphviz's 16 KB limit
    out = tmp_path / 'long.png'
    status, stdout, stderr = run(['draw', '--expr', 'x' * 100_000, 'x' * 100_000 + '=1', '-o', str(out)], capsys)
    assert status == 1 and stdout == '' and stderr.count('\n') == 1
    assert stderr.startswith("micrograd: error: Graphviz's dot ") and 'cannot write' not in stderr
    assert os.listdir(tmp_path) == []


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


def test_demo_trains_through_demo_moons_demo(tmp_path, capsys, monkeypatch):
    calls = []

    def moons_demo(out_dir, progress):
        calls.append((out_dir, progress))
        return {'loss': 0.01, 'accuracy': 1.0, 'files': [os.path.join(out_dir, 'loss.png')]}

    monkeypatch.setitem(sys.modules, 'micrograd.demo', types.SimpleNamespace(moons_demo=moons_demo))
    status, stdout, _ = run(['demo', '--out', str(tmp_path)], capsys)
    assert status == 0 and calls == [(str(tmp_path), True)]
    assert 'final loss 0.0100, accuracy 100%' in stdout
    assert 'wrote 6 files' in stdout and os.path.join(str(tmp_path), 'loss.png') in stdout


def test_demo_reports_a_training_file_it_cannot_write(tmp_path, capsys, monkeypatch):
    def moons_demo(out_dir, progress):  # writes its PNGs as micrograd.demo does, onto a directory
        with open(os.path.join(out_dir, 'loss_curve.png'), 'wb'):
            pass

    (tmp_path / 'loss_curve.png').mkdir()
    monkeypatch.setitem(sys.modules, 'micrograd.demo', types.SimpleNamespace(moons_demo=moons_demo))
    status, _, stderr = run(['demo', '--out', str(tmp_path)], capsys)
    assert status == 1 and stderr.count('\n') == 1
    assert stderr == f"micrograd: error: cannot write {tmp_path / 'loss_curve.png'}: Is a directory\n"


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


def test_process_prints_a_name_its_terminal_cannot_encode(tmp_path):
    done = micrograd_process('draw', 'apple', '-o', 'é.svg', cwd=tmp_path,
                             env={**os.environ, 'PYTHONIOENCODING': 'ascii'})
    assert (done.returncode, done.stdout, done.stderr) == (0, 'wrote \\xe9.svg\n', '')
    assert 'data 220' in svg_texts(tmp_path / 'é.svg')


def test_process_draws_an_expression_starting_with_a_minus(tmp_path):
    done = micrograd_process('draw', '--expr', '-x*y', 'x=1', 'y=2', '-o', 'f.svg', cwd=tmp_path)
    assert (done.returncode, done.stderr) == (0, '')
    assert {'data -2', 'grad -2', 'grad -1'} <= svg_texts(tmp_path / 'f.svg')


def test_console_script_is_installed(tmp_path):
    script = os.path.join(os.path.dirname(sys.executable), 'micrograd')
    done = subprocess.run([script, '--version'], capture_output=True, text=True, timeout=60)
    assert done.stdout == f'micrograd {micrograd.__version__}\n'
