"""The `micrograd` command (also `python -m micrograd`): draw graphs to files, run the demo.

Every failure is reported as one line on stderr with a non-zero exit status,
never as a traceback: 2 for bad input (an option given twice included), 1 when
a file or standard output cannot be written or Graphviz is missing, fails or
exceeds its time limit, 130 when interrupted (Ctrl-C), 128 + N when ended by
signal N (SIGTERM: 143, SIGHUP: 129). Output the terminal cannot encode is
shown with backslash escapes; quoted arguments are cut to a readable length.
"""

import argparse
import contextlib
import os
import re
import signal
import sys
import threading
import warnings
from pathlib import Path
from typing import Optional, Sequence

import micrograd
from micrograd import examples, expr, viz
from micrograd.atomic import write_atomically
from micrograd.messages import PATH_LIMIT, QUOTE_LIMIT, brief

STAGES = ('forward', 'backward')
# The demo's pictures: (graph name, stage).
DEMO_GRAPHS = (('apple', 'forward'), ('apple', 'backward'),
               ('apple-orange', 'forward'), ('apple-orange', 'backward'),
               ('neuron', 'backward'))
# The demo's book-style drawings (the book's figures, after backward) and step-by-step pages (graph, style).
DEMO_BOOK_FIGURES = ('apple', 'apple-orange')
DEMO_PAGES = (('apple-orange', 'book'),)

DRAW_EXAMPLES = f"""\
examples:
  micrograd draw apple -o apple.svg
  micrograd draw apple-orange --stage forward -o apple_orange.png
  micrograd draw --expr "tanh(x1*w1 + x2*w2 + b)" x1=2 x2=0 w1=-3 w2=1 b=6.88 -o neuron.svg
  micrograd draw neuron -o neuron.dot       (DOT text; needs no Graphviz)
  micrograd draw --expr "-x*y" x=1 y=2 -o negated.svg   (same as --expr="-x*y")

expressions may use {expr.ALLOWED};
names are NFKC-normalized as in Python (ﬁ is fi); values must be finite numbers"""

EXPLAIN_EXAMPLES = f"""\
examples:
  micrograd explain apple-orange -o apple_orange.html    (then open it in a browser)
  micrograd explain apple --style book -o apple.html     (the book's figures: numbers on the arrows)
  micrograd explain --expr "tanh(x1*w1 + x2*w2 + b)" x1=2 x2=0 w1=-3 w2=1 b=6.88 -o neuron.html

the page steps through the forward pass, then the backward pass as backward() takes it;
expressions may use {expr.ALLOWED}"""


__all__ = ['main', 'build_parser', 'CommandError']


class CommandError(Exception):
    """A failure to report as one line on stderr; `status` is the exit status."""

    def __init__(self, message, status=1):
        super().__init__(message)
        self.status = status


class _Parser(argparse.ArgumentParser):
    """One-line usage errors; every option may be given once; help text survives any terminal encoding."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.register('action', None, _Once)
        self.register('action', 'store', _Once)
        self.register('action', 'store_true', _OnceTrue)

    def error(self, message):
        _say(f"{self.prog}: error: {_brief_quotes(message)} (see '{self.prog} --help')", error=True)
        self.exit(2)

    def _print_message(self, message, file=None):
        if message:
            _say(message.rstrip('\n'), error=file is not sys.stdout)


class _Once(argparse.Action):
    """Stores an option's value, refusing a second one (the rule for every option) instead of keeping the last."""

    def __call__(self, parser, namespace, value, option_string=None):
        _first_time(self, parser, namespace)
        setattr(namespace, self.dest, value)


class _OnceTrue(argparse.Action):
    """A flag, given at most once like every other option."""

    def __init__(self, option_strings, dest, default=False, required=False, help=None):  # noqa: A002
        super().__init__(option_strings, dest, nargs=0, default=default, required=required, help=help)

    def __call__(self, parser, namespace, value, option_string=None):
        _first_time(self, parser, namespace)
        setattr(namespace, self.dest, True)


def _first_time(action, parser, namespace):
    if not action.option_strings:  # a positional: argparse may call it more than once
        return
    given = vars(namespace).setdefault('_given_options', set())
    if action.dest in given:
        parser.error(f"{'/'.join(action.option_strings)} is given twice")
    given.add(action.dest)


def _brief_quotes(message):
    """message with each quoted value (argparse quotes what the user typed) cut to a readable length."""
    return re.sub(r"'([^']{%d,})'" % (QUOTE_LIMIT + 1), lambda quoted: f"'{brief(quoted[1])}'", message)


def _seconds(text):
    try:
        seconds = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not seconds >= 0 or seconds == float('inf'):
        raise argparse.ArgumentTypeError(f"expected a number of seconds >= 0 (0: no limit), got {text!r}")
    return seconds or None


def _output_file(text):
    if not text:
        raise argparse.ArgumentTypeError("the output file name is empty")
    return Path(text)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog='micrograd', description="Draw computational graphs with their values "
                     "and gradients, step through backpropagation on a page, and train a small network "
                     "on the moons data set.")
    parser.add_argument('--version', action='version', version=f'%(prog)s {micrograd.__version__}')
    commands = parser.add_subparsers(dest='command', required=True, metavar='COMMAND')

    draw = commands.add_parser(
        'draw', help="draw a graph to a file (.svg .png .pdf .dot)",
        description="Draw one of the example graphs, or the graph of an expression, "
                    "with each node's data and gradient.",
        epilog=DRAW_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    _graph_arguments(draw, 'draw')
    draw.add_argument('-o', '--output', required=True, type=_output_file, metavar='FILE',
                      help="output file; its extension (.svg .png .pdf .dot) picks the format")
    draw.add_argument('--stage', choices=STAGES, default='backward',
                      help="forward: values only, before backward; backward (default): "
                           "values and gradients")
    draw.add_argument('--rankdir', choices=viz.RANKDIRS, default='LR',
                      help="direction of the graph: left to right (default), top to bottom, ...")
    draw.add_argument('--style', choices=viz.STYLES, default='micrograd',
                      help="micrograd (default): a box per value; book: the figures of \"Deep Learning from "
                           "Scratch\", ops as circles and each value and gradient written on its arrow")
    draw.add_argument('--timeout', type=_seconds, default=viz.DOT_TIMEOUT, metavar='SECONDS',
                      help=f"stop Graphviz after this many seconds (default {viz.DOT_TIMEOUT}; 0: no limit)")
    draw.set_defaults(run=run_draw)

    explain = commands.add_parser(
        'explain', help="write a page that steps through the forward and backward pass (.html)",
        description="Write one self-contained HTML page (it works offline) that plays the forward pass\n"
                    "and then backward()'s own backward pass of a graph, one node at a time, with the\n"
                    "chain rule in numbers at every step.",
        epilog=EXPLAIN_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    _graph_arguments(explain, 'explain')
    explain.add_argument('-o', '--output', required=True, type=_output_file, metavar='FILE.html',
                         help="the page to write")
    explain.add_argument('--style', choices=viz.STYLES, default='micrograd',
                         help="the drawing on the page: micrograd (default, a box per value) or book "
                              "(numbers on the arrows)")
    explain.set_defaults(run=run_explain)

    demo = commands.add_parser(
        'demo', help="draw the example graphs and train the moons MLP",
        description="Write the consumption-tax graphs (forward and backward, and as the book draws "
                    "them) and the tanh neuron as SVG, the tax graph's step-by-step page, then train "
                    "an MLP on the moons data set and plot it.")
    demo.add_argument('--out', type=Path, default=Path('micrograd-demo'), metavar='DIR',
                      help="directory for the files (default: ./micrograd-demo)")
    demo.add_argument('--no-train', action='store_true', help="only draw the graphs; skip training")
    demo.set_defaults(run=run_demo)
    return parser


def _graph_arguments(command, verb):
    """The graph a command works on: a named example, or --expr with the value of each name."""
    command.add_argument('items', nargs='*', metavar='GRAPH | NAME=VALUE',
                         help=f"a graph name ({', '.join(examples.GRAPHS)}), or with --expr "
                              "the value of each name in the expression")
    command.add_argument('--expr', action=_Once, metavar='EXPRESSION',
                         help=f"{verb} the graph of this expression (one starting with '-' works too)")


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the command line; returns the exit status (see the module's docstring)."""
    with _signals_end_the_command():
        try:
            status = _run(sys.argv[1:] if argv is None else argv)
        except KeyboardInterrupt:
            status = _fail("interrupted", 130)
        except _Ended as ended:
            status = _fail(f"ended by {signal.Signals(ended.signal).name}", 128 + ended.signal)
    return _flushed(status)


def _run(argv):
    try:
        args = build_parser().parse_args(_attach_expressions(argv))
        args.run(args)
    except SystemExit as done:  # --help, --version and usage errors
        return done.code if isinstance(done.code, int) else 0
    except CommandError as error:
        return _fail(error, error.status)
    except expr.ExpressionError as error:
        return _fail(error, 2)
    except (viz.GraphvizNotFound, viz.GraphvizFailed) as error:
        return _fail(error, 1)
    except _StdoutFailed as error:
        return _fail(f"cannot write to standard output: {error.reason}", 1)
    return 0


class _Ended(BaseException):
    """SIGTERM or SIGHUP arrived: unwinds like Ctrl-C, so a running dot is stopped and temporary files go."""

    def __init__(self, number):
        super().__init__(number)
        self.signal = number


class _StdoutFailed(Exception):
    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


@contextlib.contextmanager
def _signals_end_the_command():
    """While the command runs (in the main thread), SIGTERM and SIGHUP raise _Ended instead of killing Python."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    numbers = [getattr(signal, name) for name in ('SIGTERM', 'SIGHUP') if hasattr(signal, name)]
    previous = {number: signal.getsignal(number) for number in numbers}

    def end(number, frame):
        raise _Ended(number)
    for number in numbers:
        signal.signal(number, end)
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def _flushed(status):
    """status, once stdout is flushed; a full disk or a closed pipe there is one line and status 1."""
    try:
        if sys.stdout is not None:
            sys.stdout.flush()
    except OSError as error:
        _quiet_stdout()
        return _fail(f"cannot write to standard output: {error.strerror or error}", 1)
    return status


def _quiet_stdout():
    """Point stdout at /dev/null, so Python's own flush at exit has nothing left to fail on."""
    try:
        sys.stdout = open(os.devnull, "w")  # open until the process exits
        os.dup2(sys.stdout.fileno(), 1)
    except (OSError, ValueError):
        pass


def _attach_expressions(argv):
    """['--expr', '-x*y'] -> ['--expr=-x*y']: argparse would take '-x*y' for an option."""
    attached: list[str] = []
    for arg in argv:
        if attached and attached[-1] == '--expr' and arg.startswith('-'):
            attached[-1] = f'--expr={arg}'
        else:
            attached.append(arg)
    return attached


def _fail(message, status):
    try:
        _say(f"micrograd: error: {message}", error=True)
    except OSError:  # stderr itself cannot be written: the status is all that is left
        pass
    return status


def _say(line, error=False):
    """Print line to stdout (stderr if error) even where its encoding cannot show it (é becomes \\xe9).

    Nothing is printed where the stream is closed (None). A failure to write
    stdout (a closed pipe, a full disk) raises _StdoutFailed.
    """
    stream = sys.stderr if error else sys.stdout
    if stream is None:
        return
    encoding = getattr(stream, 'encoding', None) or 'utf-8'
    try:
        print(line.encode(encoding, 'backslashreplace').decode(encoding), file=stream)
    except OSError as failure:
        if error:
            raise
        _quiet_stdout()
        raise _StdoutFailed(failure.strerror or str(failure)) from None


def run_draw(args):
    _check_output(args.output)
    backward = args.stage == 'backward'
    root = _expression_root(args.expr, args.items, backward) if args.expr is not None \
        else _example_root(args.items, backward)
    graph = viz.draw_dot(root, rankdir=args.rankdir, show_grad=backward, style=args.style)
    _save(graph, args.output, args.timeout)
    _say(f"wrote {args.output}")


def run_explain(args):
    if args.output.suffix.lower() != '.html' or args.output.name.lower() == '.html':
        raise CommandError(f"the page is HTML: give a file name ending in .html, got {str(args.output)!r}", status=2)
    root = _expression_root(args.expr, args.items, False) if args.expr is not None \
        else _example_root(args.items, False)
    _write_page(viz.explain(root, style=args.style), args.output)
    _say(f"wrote {args.output}")


def _write_page(walkthrough, path):
    """Save the walkthrough's page, saying in one line why it has no drawing if it has none."""
    from micrograd.viz import page
    text, note = page.build(walkthrough)
    if note:
        _say(f"micrograd: note: {note}", sys.stderr)
    data = text.encode('utf-8')
    with _reporting_write_errors(path):
        write_atomically(path, lambda file: file.write(data))


def _check_output(path):
    try:
        viz.output_format(path)
    except ValueError as error:
        raise CommandError(error, status=2) from None


def _example_root(items, backward):
    if len(items) != 1:
        raise CommandError(f"give one graph name ({', '.join(examples.GRAPHS)}) "
                           "or --expr EXPRESSION with NAME=VALUE for each name", status=2)
    name = items[0]
    if name not in examples.GRAPHS:
        raise CommandError(f"unknown graph {brief(repr(name))}: choose from {', '.join(examples.GRAPHS)}", status=2)
    return examples.GRAPHS[name](backward=backward).root


def _expression_root(source, assignments, backward):
    root = expr.evaluate(source, expr.parse_values(assignments))
    if backward:
        root.backward()
    return root


def _save(graph, path, timeout=viz.DOT_TIMEOUT):
    """viz.save, with its warnings shown as one line each (not as Python's two-line warning)."""
    with _reporting_write_errors(path), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        try:
            viz.save(graph, path, timeout)
        finally:
            for warning in caught:
                _say(f"micrograd: warning: {warning.message}", error=True)


@contextlib.contextmanager
def _reporting_write_errors(path=None):
    """Turn an OSError into the one-line 'cannot write FILE: reason' (FILE: path, else the one the error names)."""
    try:
        yield
    except OSError as error:
        raise CommandError(f"cannot write {brief(path or error.filename or 'a file', PATH_LIMIT)}: "
                           f"{error.strerror or error}") from None


def run_demo(args):
    out = args.out
    try:
        out.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise CommandError(f"cannot create the directory {brief(out, PATH_LIMIT)}: it exists and is not a directory") from None
    except OSError as error:
        raise CommandError(f"cannot create the directory {out}: {error.strerror or error}") from None
    written = []
    for name, stage in DEMO_GRAPHS:
        path = out / f'{name}-{stage}.svg'
        root = examples.GRAPHS[name](backward=stage == 'backward').root
        _save(viz.draw_dot(root, show_grad=stage == 'backward'), path)
        written.append(path)
    for name in DEMO_BOOK_FIGURES:
        path = out / f'{name}-book.svg'
        _save(viz.draw_dot(examples.GRAPHS[name](), style='book'), path)
        written.append(path)
    _say(f"graphs: {len(written)} SVG files in {out.resolve()}")
    for name, style in DEMO_PAGES:
        path = out / f'{name}-steps.html'
        _write_page(viz.explain(examples.GRAPHS[name](backward=False), style=style), path)
        written.append(path)
        _say(f"step-by-step page: open {path.resolve().as_uri()} in a browser")
    if not args.no_train:
        from micrograd.demo import moons_demo
        with _reporting_write_errors():
            result = moons_demo(str(out), progress=True)
        written += [Path(file) for file in result['files']]
        _say(f"moons MLP: final loss {result['loss']:.4f}, accuracy {result['accuracy']:.0%}")
    _say(f"wrote {len(written)} files:")
    for path in written:
        _say(f"  {path}")
