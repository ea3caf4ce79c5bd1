"""The `micrograd` command (also `python -m micrograd`): draw graphs to files, run the demo.

Every failure is reported as one line on stderr with a non-zero exit status
(2 for bad input, 1 when a file cannot be written or Graphviz is missing),
never as a traceback.
"""

import argparse
import contextlib
import sys
import warnings
from pathlib import Path

import micrograd
from micrograd import examples, expr, viz

STAGES = ('forward', 'backward')
# The demo's pictures: (graph name, stage).
DEMO_GRAPHS = (('apple', 'forward'), ('apple', 'backward'),
               ('apple-orange', 'forward'), ('apple-orange', 'backward'),
               ('neuron', 'backward'))

DRAW_EXAMPLES = f"""\
examples:
  micrograd draw apple -o apple.svg
  micrograd draw apple-orange --stage forward -o apple_orange.png
  micrograd draw --expr "tanh(x1*w1 + x2*w2 + b)" x1=2 x2=0 w1=-3 w2=1 b=6.88 -o neuron.svg
  micrograd draw neuron -o neuron.dot       (DOT text; needs no Graphviz)
  micrograd draw --expr "-x*y" x=1 y=2 -o negated.svg   (same as --expr="-x*y")

expressions may use {expr.ALLOWED};
names are NFKC-normalized as in Python (ﬁ is fi); values must be finite numbers"""


class CommandError(Exception):
    """A failure to report as one line on stderr; `status` is the exit status."""

    def __init__(self, message, status=1):
        super().__init__(message)
        self.status = status


class _Parser(argparse.ArgumentParser):
    """Reports usage errors in one line instead of the usage text plus the error."""

    def error(self, message):
        _say(f"{self.prog}: error: {message} (see '{self.prog} --help')", sys.stderr)
        self.exit(2)


class _Once(argparse.Action):
    """Stores an option's value, refusing a second one instead of silently keeping the last."""

    def __call__(self, parser, namespace, value, option_string=None):
        if getattr(namespace, self.dest) is not None:
            parser.error(f"{option_string} is given twice")
        setattr(namespace, self.dest, value)


def _output_file(text):
    if not text:
        raise argparse.ArgumentTypeError("the output file name is empty")
    return Path(text)


def build_parser():
    parser = _Parser(prog='micrograd', description="Draw computational graphs with their values "
                     "and gradients, and train a small network on the moons data set.")
    parser.add_argument('--version', action='version', version=f'%(prog)s {micrograd.__version__}')
    commands = parser.add_subparsers(dest='command', required=True, metavar='COMMAND')

    draw = commands.add_parser(
        'draw', help="draw a graph to a file (.svg .png .pdf .dot)",
        description="Draw one of the example graphs, or the graph of an expression, "
                    "with each node's data and gradient.",
        epilog=DRAW_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    draw.add_argument('items', nargs='*', metavar='GRAPH | NAME=VALUE',
                      help=f"a graph name ({', '.join(examples.GRAPHS)}), or with --expr "
                           "the value of each name in the expression")
    draw.add_argument('--expr', action=_Once, metavar='EXPRESSION',
                      help="draw the graph of this expression (one starting with '-' works too)")
    draw.add_argument('-o', '--output', required=True, type=_output_file, metavar='FILE',
                      help="output file; its extension (.svg .png .pdf .dot) picks the format")
    draw.add_argument('--stage', choices=STAGES, default='backward',
                      help="forward: values only, before backward; backward (default): "
                           "values and gradients")
    draw.add_argument('--rankdir', choices=viz.RANKDIRS, default='LR',
                      help="direction of the graph: left to right (default), top to bottom, ...")
    draw.set_defaults(run=run_draw)

    demo = commands.add_parser(
        'demo', help="draw the example graphs and train the moons MLP",
        description="Write the consumption-tax graphs (forward and backward) and the tanh neuron "
                    "as SVG, then train an MLP on the moons data set and plot it.")
    demo.add_argument('--out', type=Path, default=Path('micrograd-demo'), metavar='DIR',
                      help="directory for the files (default: ./micrograd-demo)")
    demo.add_argument('--no-train', action='store_true', help="only draw the graphs; skip training")
    demo.set_defaults(run=run_demo)
    return parser


def main(argv=None):
    """Run the command line; returns the exit status."""
    try:
        args = build_parser().parse_args(_attach_expressions(sys.argv[1:] if argv is None else argv))
        args.run(args)
    except SystemExit as done:  # --help, --version and usage errors
        return done.code if isinstance(done.code, int) else 0
    except CommandError as error:
        return _fail(error, error.status)
    except expr.ExpressionError as error:
        return _fail(error, 2)
    except (viz.GraphvizNotFound, viz.GraphvizFailed) as error:
        return _fail(error, 1)
    except KeyboardInterrupt:
        return _fail("interrupted", 130)
    return 0


def _attach_expressions(argv):
    """['--expr', '-x*y'] -> ['--expr=-x*y']: argparse would take '-x*y' for an option."""
    attached = []
    for arg in argv:
        if attached and attached[-1] == '--expr' and arg.startswith('-'):
            attached[-1] = f'--expr={arg}'
        else:
            attached.append(arg)
    return attached


def _fail(message, status):
    _say(f"micrograd: error: {message}", sys.stderr)
    return status


def _say(line, stream=None):
    """Print line to stream (stdout) even where its encoding cannot show it (é becomes \\xe9)."""
    stream = stream or sys.stdout
    encoding = getattr(stream, 'encoding', None) or 'utf-8'
    print(line.encode(encoding, 'backslashreplace').decode(encoding), file=stream)


def run_draw(args):
    _check_output(args.output)
    backward = args.stage == 'backward'
    root = _expression_root(args.expr, args.items, backward) if args.expr is not None \
        else _example_root(args.items, backward)
    with warnings.catch_warnings(record=True) as caught:  # shown as one line each, not as Python's warning
        warnings.simplefilter('always')
        graph = viz.draw_dot(root, rankdir=args.rankdir, show_grad=backward)
    for warning in caught:
        _say(f"micrograd: warning: {warning.message}", sys.stderr)
    _save(graph, args.output)
    _say(f"wrote {args.output}")


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
        raise CommandError(f"unknown graph {name!r}: choose from {', '.join(examples.GRAPHS)}", status=2)
    return examples.GRAPHS[name](backward=backward).root


def _expression_root(source, assignments, backward):
    root = expr.evaluate(source, expr.parse_values(assignments))
    if backward:
        root.backward()
    return root


def _save(graph, path):
    with _reporting_write_errors(path):
        viz.save(graph, path)


@contextlib.contextmanager
def _reporting_write_errors(path=None):
    """Turn an OSError into the one-line 'cannot write FILE: reason' (FILE: path, else the one the error names)."""
    try:
        yield
    except OSError as error:
        raise CommandError(f"cannot write {path or error.filename or 'a file'}: {error.strerror or error}") from None


def run_demo(args):
    out = args.out
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise CommandError(f"cannot create the directory {out}: {error.strerror or error}") from None
    written = []
    for name, stage in DEMO_GRAPHS:
        path = out / f'{name}-{stage}.svg'
        root = examples.GRAPHS[name](backward=stage == 'backward').root
        _save(viz.draw_dot(root, show_grad=stage == 'backward'), path)
        written.append(path)
    _say(f"graphs: {len(written)} SVG files in {out.resolve()}")
    if not args.no_train:
        from micrograd.demo import moons_demo
        with _reporting_write_errors():
            result = moons_demo(str(out), progress=True)
        written += [Path(file) for file in result['files']]
        _say(f"moons MLP: final loss {result['loss']:.4f}, accuracy {result['accuracy']:.0%}")
    _say(f"wrote {len(written)} files:")
    for path in written:
        _say(f"  {path}")
