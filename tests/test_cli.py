"""The `micrograd` command: mostly in-process through cli.main, plus a few real subprocess runs."""

import os
import re
import signal
import stat
import subprocess
import sys
import time
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
    (['draw', '--expr', 'x +', 'x=1'], r'invalid expression: invalid syntax \(at the end: it is incomplete\)$'),
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


def test_a_long_flat_sum_is_written_as_dot_text_and_refused_at_once_for_rendering(tmp_path, capsys):
    out = tmp_path / 'sum.dot'
    assert run(['draw', '--expr', '+'.join(['x'] * 2500), 'x=1', '-o', str(out)], capsys) == (0, f'wrote {out}\n', '')
    # x is one leaf used 2,500 times: its gradient is 2,500; the layout is marked for dot's fast passes.
    text = out.read_text()
    assert '>data 2500</TD><TD>grad 1<' in text and '>grad 2500<' in text and 'nslimit=1' in text
    status, stdout, stderr = run(['draw', '--expr', '+'.join(['x'] * 2500), 'x=1', '-o', str(tmp_path / 's.svg')],
                                 capsys)
    assert (status, stdout) == (1, '') and stderr.count('\n') == 1
    assert stderr.startswith('micrograd: error: the graph is too large for Graphviz: its layout needs about 12,')
    assert os.listdir(tmp_path) == ['sum.dot']


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


DEMO_FILES = ['apple-backward.svg', 'apple-book.svg', 'apple-forward.svg', 'apple-orange-backward.svg',
              'apple-orange-book.svg', 'apple-orange-forward.svg', 'apple-orange-steps.html', 'neuron-backward.svg']


def test_demo_without_training_draws_the_graphs(tmp_path, capsys):
    out = tmp_path / 'nested' / 'demo'
    status, stdout, _ = run(['demo', '--no-train', '--out', str(out)], capsys)
    assert status == 0
    assert sorted(os.listdir(out)) == DEMO_FILES
    assert 'grad 650' in svg_texts(out / 'apple-orange-backward.svg')
    assert not any(text.startswith('grad') for text in svg_texts(out / 'apple-orange-forward.svg'))
    assert 'circle' not in (out / 'apple-orange-backward.svg').read_text() and '650' in svg_texts(out / 'apple-orange-book.svg')
    assert '"steps"' in (out / 'apple-orange-steps.html').read_text(encoding='utf-8')
    assert f'in {out.resolve()}' in stdout and 'wrote 8 files' in stdout


def test_demo_trains_through_demo_moons_demo(tmp_path, capsys, monkeypatch):
    calls = []

    def moons_demo(out_dir, progress):
        calls.append((out_dir, progress))
        return {'loss': 0.01, 'accuracy': 1.0, 'files': [os.path.join(out_dir, 'loss.png')]}

    monkeypatch.setitem(sys.modules, 'micrograd.demo', types.SimpleNamespace(moons_demo=moons_demo))
    status, stdout, _ = run(['demo', '--out', str(tmp_path)], capsys)
    assert status == 0 and calls == [(str(tmp_path), True)]
    assert 'final loss 0.0100, accuracy 100%' in stdout
    assert 'wrote 9 files' in stdout and os.path.join(str(tmp_path), 'loss.png') in stdout


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


# Hostile review (issue 15): every path ends in one line and a documented status.

@pytest.mark.parametrize('env', [{'PYTHONIOENCODING': 'ascii'}, {'LC_ALL': 'C', 'LANG': 'C', 'PYTHONUTF8': '0'}])
def test_help_works_where_stdout_cannot_encode_its_text(tmp_path, env):
    done = micrograd_process('draw', '--help', cwd=tmp_path, env={**os.environ, **env})
    assert (done.returncode, done.stderr) == (0, '')
    assert 'NFKC-normalized as in Python (\\ufb01 is fi)' in done.stdout and '--expr' in done.stdout


def test_a_full_disk_on_stdout_is_one_line_and_status_1(tmp_path):
    with open('/dev/full', 'w') as full:
        done = subprocess.run([sys.executable, '-m', 'micrograd', 'draw', 'apple', '-o', 'apple.svg'], cwd=tmp_path,
                              stdout=full, stderr=subprocess.PIPE, text=True, timeout=60)
    assert (done.returncode, done.stderr) == (1, 'micrograd: error: cannot write to standard output: '
                                                 'No space left on device\n')
    assert 'data 220' in svg_texts(tmp_path / 'apple.svg')


@pytest.mark.parametrize('argv', [['--help'], ['draw', 'apple', '-o', 'apple.svg'], ['--version']])
def test_a_pipe_closed_early_is_one_line_and_status_1(tmp_path, argv):
    read_end, write_end = os.pipe()
    os.close(read_end)  # like `| head -0`: nobody reads, so the first write fails
    try:
        done = subprocess.run([sys.executable, '-m', 'micrograd', *argv], cwd=tmp_path, stdout=write_end,
                              stderr=subprocess.PIPE, text=True, timeout=60)
    finally:
        os.close(write_end)
    assert (done.returncode, done.stderr) == (1, 'micrograd: error: cannot write to standard output: Broken pipe\n')


@pytest.mark.parametrize('expression', [' x+1', 'x+1  ', '\tx + 1'])
def test_an_expression_may_have_leading_and_trailing_blanks(expression, tmp_path, capsys):
    out = tmp_path / 'e.svg'
    assert run(['draw', '--expr', expression, 'x=2', '-o', str(out)], capsys)[0] == 0
    assert ['x', 'data 2', 'grad 1'] in svg_boxes(out) and ['data 3', 'grad 1'] in svg_boxes(out)


def test_an_error_after_leading_blanks_points_at_the_column_the_user_typed(capsys):
    assert run(['draw', '--expr', '   x.y', 'x=1', '-o', 'e.svg'], capsys)[2].startswith(
        'micrograd: error: attribute access (.y) is not allowed at column 4')


@pytest.mark.parametrize('argv, message', [
    (['--expr', 'ｉｆ + 1'], "'ｉｆ' reads as the keyword 'if' (names are NFKC-normalized, as in Python) and cannot "
                          "be a variable name at column 1"),
    (['--expr', 'x', 'ｉｆ=1'], "'ｉｆ' reads as the keyword 'if'"),
    (['--expr', 'if'], "invalid expression: invalid syntax"),
])
def test_a_keyword_in_disguise_gets_a_message_that_can_be_followed(argv, message, capsys):
    status, _, stderr = run(['draw', *argv, '-o', 'e.svg'], capsys)
    assert status == 2 and stderr.count('\n') == 1 and message in stderr


@pytest.mark.parametrize('argv', [
    ['--expr', 'x', 'x' * 1_000_000 + '=1'],
    ['--expr', 'y' * 1_000_000],
    ['--expr', 'x', 'x=' + '9' * 1_000_000],
    ['--expr', 'x', 'apple' * 200_000],
    ['apple', '--rankdir', 'X' * 1_000_000],
    ['apple', '--stage', 'X' * 1_000_000],
    ['banana' * 200_000],
    ['apple', '--timeout', 'X' * 1_000_000],
])
def test_errors_quote_a_bounded_prefix_of_a_long_argument(argv, capsys, tmp_path):
    status, _, stderr = run(['draw', *argv, '-o', str(tmp_path / 'e.svg')], capsys)
    assert status == 2 and stderr.count('\n') == 1 and len(stderr) < 500, stderr[:300]
    assert ' characters)' in stderr


@pytest.mark.parametrize('argv, option', [
    (['draw', 'apple', '-o', 'a.svg', '-o', 'b.svg'], '-o/--output'),
    (['draw', 'apple', '-o', 'a.svg', '--output=b.svg'], '-o/--output'),
    (['draw', 'apple', '-o', 'a.svg', '--stage', 'forward', '--stage', 'backward'], '--stage'),
    (['draw', 'apple', '-o', 'a.svg', '--rankdir', 'LR', '--rankdir', 'LR'], '--rankdir'),
    (['draw', 'apple', '-o', 'a.svg', '--timeout', '5', '--timeout', '9'], '--timeout'),
    (['draw', '--expr', 'x', '--expr=y', 'x=1', '-o', 'a.svg'], '--expr'),
    (['demo', '--out', 'a', '--out', 'b'], '--out'),
    (['demo', '--no-train', '--no-train'], '--no-train'),
])
def test_every_option_given_twice_is_refused_by_the_same_rule(argv, option, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    status, stdout, stderr = run(argv, capsys)
    assert (status, stdout) == (2, '') and os.listdir(tmp_path) == []
    assert stderr == f"micrograd {argv[0]}: error: {option} is given twice (see 'micrograd {argv[0]} --help')\n"


@pytest.mark.parametrize('make', ['device', 'fifo'])
def test_an_output_that_is_not_a_regular_file_is_refused_in_one_line(make, tmp_path, capsys):
    special = tmp_path / 'special'
    if make == 'fifo':
        os.mkfifo(special)
    else:
        try:
            os.mknod(special, stat.S_IFCHR | 0o666, os.makedev(1, 7))  # like /dev/full
        except PermissionError:
            pytest.skip("creating a device node needs root")
    (tmp_path / 'full.svg').symlink_to(special)
    status, stdout, stderr = run(['draw', 'apple', '-o', str(tmp_path / 'full.svg')], capsys)
    kind = 'a FIFO' if make == 'fifo' else 'a character device'
    assert (status, stdout) == (1, '')
    assert stderr == (f"micrograd: error: cannot write {tmp_path / 'full.svg'}: it is {kind}, not a regular file; "
                      "micrograd only writes and reads regular files\n")
    assert not stat.S_ISREG(os.lstat(special).st_mode)


def test_a_read_only_output_is_refused_in_one_line(tmp_path, capsys):
    out = tmp_path / 'apple.svg'
    out.write_text('mine')
    out.chmod(0o444)
    status, _, stderr = run(['draw', 'apple', '-o', str(out)], capsys)
    assert status == 1 and out.read_text() == 'mine'
    assert stderr == (f"micrograd: error: cannot write {out}: the file is read-only (mode 0444) for this process; "
                      "micrograd does not replace it\n")


SLOW_SUM = '+'.join(['x'] * 300)


def test_a_render_over_the_time_limit_is_one_line_and_status_1(tmp_path, capsys):
    out = tmp_path / 'sum.svg'
    status, stdout, stderr = run(['draw', '--expr', SLOW_SUM, 'x=1', '--timeout', '0.3', '-o', str(out)], capsys)
    assert (status, stdout) == (1, '') and os.listdir(tmp_path) == []
    warning, error = stderr.splitlines()
    # 599 nodes, 897 edges; the edge from x to the i-th op from the top skips 598 - 2i ranks: 89,102 in all, x 2.
    assert warning.startswith("micrograd: warning: the graph's layout needs about 179,700 nodes")
    assert error.startswith("micrograd: error: Graphviz's dot did not finish the layout within 0.3 s and was stopped")


@pytest.mark.parametrize('signal_number, status, name', [(signal.SIGTERM, 143, 'SIGTERM'), (signal.SIGHUP, 129, 'SIGHUP'),
                                                         (signal.SIGINT, 130, None)])
def test_ending_the_command_stops_dot_and_leaves_no_file(tmp_path, signal_number, status, name):
    process = subprocess.Popen([sys.executable, '-m', 'micrograd', 'draw', '--expr', SLOW_SUM, 'x=1', '--timeout', '0',
                                '-o', 'sum.svg'], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    dots = _wait_for_dot(process.pid)
    process.send_signal(signal_number)
    stdout, stderr = process.communicate(timeout=60)
    assert (process.returncode, stdout) == (status, '')
    assert stderr.splitlines()[-1] == f"micrograd: error: {f'ended by {name}' if name else 'interrupted'}"
    assert 'Traceback' not in stderr and all(not _alive(dot) for dot in dots) and os.listdir(tmp_path) == []


def _wait_for_dot(pid):
    from tests.test_viz import dot_children
    for _ in range(1200):
        dots = dot_children(pid)
        if dots:
            return dots
        time.sleep(0.05)
    raise AssertionError("dot never started")


def _alive(pid):
    try:
        with open(f'/proc/{pid}/stat') as file:
            return file.read().rsplit(')', 1)[1].split()[0] != 'Z'
    except FileNotFoundError:
        return False


def test_demo_into_something_that_is_not_a_directory_says_so(tmp_path, capsys):
    (tmp_path / 'file').write_text('')
    status, _, stderr = run(['demo', '--no-train', '--out', str(tmp_path / 'file')], capsys)
    assert (status, stderr) == (1, f"micrograd: error: cannot create the directory {tmp_path / 'file'}: it exists and "
                                   "is not a directory\n")


def test_demo_refuses_to_replace_a_read_only_file_in_one_line(tmp_path, capsys):
    (tmp_path / 'apple-forward.svg').write_text('mine')
    (tmp_path / 'apple-forward.svg').chmod(0o444)
    status, _, stderr = run(['demo', '--no-train', '--out', str(tmp_path)], capsys)
    assert status == 1 and stderr.count('\n') == 1 and 'read-only (mode 0444)' in stderr
    assert (tmp_path / 'apple-forward.svg').read_text() == 'mine'
