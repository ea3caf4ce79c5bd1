"""The `micrograd` command (also `python -m micrograd`): draw graphs to files, run the demo.

Every failure is reported as one line on stderr with a non-zero exit status
(2 for bad input, 1 when a file cannot be written or Graphviz is missing),
never as a traceback.
"""

import argparse
import sys
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

expressions may use {expr.ALLOWED}"""


class CommandError(Exception):
    """A failure to report as one line on stderr; `status` is the exit status."""

    def __init__(self, message, status=1):
        super().__init__(message)
        self.status = status


class _Parser(argparse.ArgumentParser):
    """Reports usage errors in one line instead of the usage text plus the error."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


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
    draw.add_argument('--expr', metavar='EXPRESSION', help="draw the graph of this expression")
    draw.add_argument('-o', '--output', required=True, type=Path, metavar='FILE',
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
        args = build_parser().parse_args(argv)
        args.run(args)
    except SystemExit as done:  # --help, --version and usage errors
        return done.code if isinstance(done.code, int) else 0
    except CommandError as error:
        return _fail(error, error.status)
    except expr.ExpressionError as error:
        return _fail(error, 2)
    except viz.GraphvizNotFound as error:
        return _fail(error, 1)
    except KeyboardInterrupt:
        return _fail("interrupted", 130)
    return 0


def _fail(message, status):
    print(f"micrograd: error: {message}", file=sys.stderr)
    return status


def run_draw(args):
    _check_output(args.output)
    backward = args.stage == 'backward'
    root = _expression_root(args.expr, args.items, backward) if args.expr is not None \
        else _example_root(args.items, backward)
    _save(viz.draw_dot(root, rankdir=args.rankdir, show_grad=backward), args.output)
    print(f"wrote {args.output}")


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
    try:
        viz.save(graph, path)
    except OSError as error:
        raise CommandError(f"cannot write {path}: {error.strerror or error}") from None


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
    print(f"graphs: {len(written)} SVG files in {out.resolve()}")
    if not args.no_train:
        from micrograd.training import moons_demo
        result = moons_demo(str(out), progress=True)
        written += [Path(file) for file in result['files']]
        print(f"moons MLP: final loss {result['loss']:.4f}, accuracy {result['accuracy']:.0%}")
    print(f"wrote {len(written)} files:")
    for path in written:
        print(f"  {path}")
