"""Is a change slower? micrograd's demo training step, interpreted, for two versions of this project side by side.

    python benchmarks/compare_revisions.py main            # main against the working tree
    python benchmarks/compare_revisions.py main HEAD~3     # two git revisions

Each version's `micrograd` package (a git revision through `git archive`,
or the working tree) runs in fresh processes that take turns, so both see
the same machine load. A process builds random.seed(1337)'s MLP(2, [16, 16, 1])
and times 15 steps of the demo loop (hinge loss + 1e-4 L2 on 100 moons
points, zero_grad, backward, SGD) written as micrograd's demo writes it; it
reports its fastest step. The table shows, per version, the fastest and
the median of those per-process minima.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORKTREE = 'worktree'

STEP = '''
import random, time
from micrograd import nn
from micrograd.data import make_moons
X, labels = make_moons(100, noise=0.1, random_state=1)
y = [2 * label - 1 for label in labels]
random.seed(1337)
model = nn.MLP(2, [16, 16, 1])
fastest = float('inf')
for _ in range(15):
    start = time.perf_counter()
    scores = [model(x) for x in X]
    losses = [(1 + -yi * si).relu() for yi, si in zip(y, scores)]
    loss = sum(losses) * (1.0 / len(losses)) + 1e-4 * sum(p * p for p in model.parameters())
    model.zero_grad()
    loss.backward()
    for p in model.parameters():
        p.data -= 0.01 * p.grad
    fastest = min(fastest, time.perf_counter() - start)
print(fastest)
'''


def package_of(version, into):
    """A directory whose `micrograd` is the package of `version` (a git revision or WORKTREE)."""
    if version == WORKTREE:
        return str(ROOT)
    archive = subprocess.run(['git', '-C', str(ROOT), 'archive', version, 'micrograd'],
                             capture_output=True, check=True).stdout
    subprocess.run(['tar', '-x', '-C', into], input=archive, check=True)
    return into


def fastest_step(path):
    env = {**os.environ, 'PYTHONPATH': path}
    result = subprocess.run([sys.executable, '-c', STEP], env=env, capture_output=True, text=True, check=True)
    return float(result.stdout)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('a', help='a git revision')
    parser.add_argument('b', nargs='?', default=WORKTREE, help=f'a git revision, or {WORKTREE!r} (the default)')
    parser.add_argument('--processes', type=int, default=20, help='processes per version (default 20)')
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as a_dir, tempfile.TemporaryDirectory() as b_dir:
        paths = {args.a: package_of(args.a, a_dir), args.b: package_of(args.b, b_dir)}
        minima = {version: [] for version in paths}
        for turn in range(args.processes):
            for version in (list(paths) if turn % 2 == 0 else list(paths)[::-1]):
                minima[version].append(fastest_step(paths[version]))
    print(f"| version | fastest step | median of {args.processes} processes' fastest |")
    print("|---|---|---|")
    for version, times in minima.items():
        print(f"| {version} | {min(times) * 1e3:.2f} ms | {statistics.median(times) * 1e3:.2f} ms |")
    a, b = (statistics.median(minima[version]) for version in paths)
    print(f"\n{args.b} / {args.a}: {b / a:.3f} (medians)")


if __name__ == '__main__':
    main()
