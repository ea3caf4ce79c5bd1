"""The package as pip users get it: no required dependency, extras that name their packages, a clean build.

The extras are read from setup.cfg, the file pip's metadata comes from, so a
message that names an extra which does not install the missing package fails.
"""

import configparser
import importlib
import random
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import micrograd
from micrograd._optional import MissingDependency, require

ROOT = Path(__file__).resolve().parent.parent
SETUP = configparser.ConfigParser(interpolation=None)
SETUP.read(ROOT / 'setup.cfg', encoding='utf-8')
FEATURE_EXTRAS = ('viz', 'train', 'compile', 'torch', 'testing')
# Pinned in `dev` because the test suite's oracle is this exact version.
TORCH_PIN = 'torch==2.13.0'
# Paths a source copy leaves out: version control, environments, caches and build output.
NOT_SOURCE = shutil.ignore_patterns('.*', '__pycache__', '*.egg-info', 'build', 'dist', 'site', 'micrograd-demo')


def requirement_name(requirement):
    """'mkdocstrings[python]>=0.26' -> 'mkdocstrings'."""
    return re.match(r'[A-Za-z0-9._-]+', requirement).group().lower()


def extra(name):
    return [line for line in SETUP['options.extras_require'][name].splitlines() if line.strip()]


def extra_names(name):
    return {requirement_name(requirement) for requirement in extra(name)}


# --- setup.cfg ------------------------------------------------------------------------------------

def test_the_core_requires_no_third_party_package():
    assert not SETUP['options'].get('install_requires', '').strip()


def test_all_is_every_feature_extra_and_dev_is_all_plus_tools():
    features = [requirement for name in FEATURE_EXTRAS for requirement in extra(name)]
    assert sorted(extra('all')) == sorted(features)
    assert extra_names('dev') >= extra_names('all') | {'pytest', 'nbmake', 'build', 'twine', 'mkdocs'}
    assert TORCH_PIN in extra('dev')


def test_the_version_is_read_from_the_package():
    assert SETUP['metadata']['version'] == 'attr: micrograd.__version__'
    assert re.fullmatch(r'\d+\.\d+\.\d+', micrograd.__version__)


def test_the_changelog_has_an_unreleased_section_and_one_for_this_version():
    headings = re.findall(r'^## (.+)$', (ROOT / 'CHANGELOG.md').read_text(encoding='utf-8'), flags=re.MULTILINE)
    assert headings[0] == 'Unreleased'
    assert micrograd.__version__ in headings


# --- missing optional packages --------------------------------------------------------------------

def _missing(monkeypatch, *modules):
    """Make `import module` fail for each module, as when it is not installed."""
    for module in modules:
        monkeypatch.setitem(sys.modules, module, None)


def _forget(monkeypatch, *modules):
    """Drop micrograd modules from the import cache, so the next import runs them again."""
    for module in modules:
        monkeypatch.delitem(sys.modules, module, raising=False)


def _draw(monkeypatch):
    _forget(monkeypatch, 'micrograd.viz', 'micrograd.viz.draw')
    return micrograd.draw_dot


def _import_viz(monkeypatch):
    _forget(monkeypatch, 'micrograd.viz', 'micrograd.viz.draw')
    importlib.import_module('micrograd.viz')


def _fit(monkeypatch):
    from micrograd import nn, training
    training.fit(nn.MLP(2, [1], rng=random.Random(0)), [[0.0, 1.0]], [1], epochs=1, progress=False)


def _plot(monkeypatch, tmp_path):
    from micrograd import plots
    plots.save_loss_curve({'loss': [1.0, 0.5]}, tmp_path / 'loss.png')


def _import_testing(monkeypatch):
    _forget(monkeypatch, 'micrograd.testing')
    importlib.import_module('micrograd.testing')


@pytest.mark.parametrize('blocked, use, extra_name, package', [
    (('graphviz',), _draw, 'viz', 'graphviz'),
    (('graphviz',), _import_viz, 'viz', 'graphviz'),
    (('tqdm',), _fit, 'train', 'tqdm'),
    (('matplotlib', 'matplotlib.figure'), _plot, 'train', 'matplotlib'),
    (('hypothesis', 'hypothesis.strategies'), _import_testing, 'testing', 'hypothesis'),
], ids=['draw_dot', 'micrograd.viz', 'training.fit', 'plots', 'micrograd.testing'])
def test_a_missing_package_is_reported_with_the_pip_line_of_the_extra_that_installs_it(
        monkeypatch, tmp_path, blocked, use, extra_name, package):
    _missing(monkeypatch, *blocked)
    arguments = (monkeypatch, tmp_path) if use is _plot else (monkeypatch,)
    with pytest.raises(ModuleNotFoundError) as caught:
        use(*arguments)
    assert isinstance(caught.value, MissingDependency) and caught.value.name == package
    assert f"needs the '{package}' package" in str(caught.value)
    assert str(caught.value).endswith(f"install it with: pip install 'micrograd[{extra_name}]'")
    assert package in extra_names(extra_name)


def test_require_returns_the_module_when_it_is_installed():
    assert require('json.decoder', extra='viz') is importlib.import_module('json.decoder')


def test_require_keeps_the_original_error_as_its_cause(monkeypatch):
    _missing(monkeypatch, 'numpy')
    with pytest.raises(MissingDependency, match=r"\(import of numpy halted; None in sys.modules\)") as caught:
        require('numpy', extra='compile')
    assert isinstance(caught.value.__cause__, ImportError)


# --- the wheel and sdist, and a clean install -----------------------------------------------------

@pytest.fixture(scope='module')
def dist(tmp_path_factory):
    """sdist and wheel built by `python -m build` from a copy of the source (the wheel from the sdist)."""
    work = tmp_path_factory.mktemp('packaging')
    source = work / 'source'
    shutil.copytree(ROOT, source, ignore=NOT_SOURCE)
    # No isolation: setuptools comes from this environment instead of a download, so the build is
    # offline and takes about a second; the dependency check is skipped for pyproject's `wheel`,
    # which setuptools >= 70.1 no longer needs.
    subprocess.run([sys.executable, '-m', 'build', '--no-isolation', '--skip-dependency-check',
                    '--outdir', str(work / 'dist'), str(source)],
                   check=True, capture_output=True, text=True, timeout=120)
    return work / 'dist'


def test_build_makes_a_wheel_and_an_sdist_that_twine_accepts(dist):
    version = micrograd.__version__
    wheel, sdist = dist / f'micrograd-{version}-py3-none-any.whl', dist / f'micrograd-{version}.tar.gz'
    assert sorted(dist.iterdir()) == sorted([wheel, sdist])
    checked = subprocess.run([sys.executable, '-m', 'twine', 'check', '--strict', str(wheel), str(sdist)],
                             check=False, capture_output=True, text=True, timeout=60)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_wheel_ships_every_module_the_typing_marker_and_only_optional_requirements(dist):
    with zipfile.ZipFile(next(dist.glob('*.whl'))) as wheel:
        names = set(wheel.namelist())
        metadata = wheel.read(f'micrograd-{micrograd.__version__}.dist-info/METADATA').decode()
    modules = {path.relative_to(ROOT).as_posix() for path in (ROOT / 'micrograd').rglob('*.py')}
    assert modules | {'micrograd/py.typed'} <= names
    requirements = re.findall(r'^Requires-Dist: (.*)$', metadata, flags=re.MULTILINE)
    assert requirements and all('extra ==' in requirement for requirement in requirements)
    assert set(re.findall(r'^Provides-Extra: (.*)$', metadata, flags=re.MULTILINE)) == {*FEATURE_EXTRAS, 'all', 'dev'}


@pytest.fixture(scope='module')
def clean_venv(dist, tmp_path_factory):
    """A new venv with nothing but the wheel, installed with no package index to fetch anything from."""
    venv = tmp_path_factory.mktemp('venv') / 'venv'
    subprocess.run([sys.executable, '-m', 'venv', '--without-pip', str(venv)], check=True, timeout=60)
    python = venv / 'bin' / 'python'
    # `pip install .` builds this same wheel through the same backend, then installs it. With no
    # index, any required dependency would make the install fail.
    subprocess.run([sys.executable, '-m', 'pip', '--python', str(python), 'install', '--no-index',
                    '--no-cache-dir', '--quiet', str(next(dist.glob('*.whl')))],
                   check=True, capture_output=True, text=True, timeout=120)
    return python


def run_isolated(python, code, cwd):
    """Run code with the venv's python in isolated mode: no PYTHONPATH, user site or source tree on sys.path."""
    return subprocess.run([str(python), '-I', '-c', code], check=False, cwd=cwd, capture_output=True, text=True,
                          timeout=60)


def test_a_clean_install_has_no_third_party_package_and_runs_the_readme_example(clean_venv, tmp_path):
    readme = (ROOT / 'README.md').read_text(encoding='utf-8')
    example = re.search(r'## 30-second example\s+```python\n(.*?)```', readme, flags=re.DOTALL).group(1)
    done = run_isolated(clean_venv, example, tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ['24.7041', '138.8338', '645.5773']  # micrograd's README numbers
    listed = run_isolated(clean_venv, 'import importlib.metadata as m, micrograd; '
                          'print(micrograd.__file__); print(*sorted(d.name for d in m.distributions()))', tmp_path)
    location, distributions = listed.stdout.splitlines()
    assert Path(location).is_relative_to(clean_venv.parent.parent) and distributions == 'micrograd'


def test_a_clean_install_imports_the_core_and_names_the_extra_for_the_rest(clean_venv, tmp_path):
    core = 'import micrograd.nn, micrograd.optim, micrograd.losses, micrograd.data, micrograd.examples, micrograd.expr'
    assert run_isolated(clean_venv, core, tmp_path).returncode == 0
    for module, extra_name in [('micrograd.viz', 'viz'), ('micrograd.testing', 'testing')]:
        failed = run_isolated(clean_venv, f'import {module}', tmp_path)
        assert failed.stderr.splitlines()[-1].endswith(f"install it with: pip install 'micrograd[{extra_name}]'")
