# `make demo` and `make test` each do all set-up on a fresh machine:
# a .venv with the project and its dev tools, and Graphviz's `dot` program.
VENV := .venv
PYTHON := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: test demo bench graphviz clean

$(INSTALLED): setup.cfg pyproject.toml
	python3 -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --upgrade pip
	$(PYTHON) -m pip install --quiet -e '.[dev]'
	touch $(INSTALLED)

# Graphviz's `dot` renders the graphs; install it with apt-get where it is missing.
graphviz:
	@command -v dot >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; elif command -v sudo >/dev/null 2>&1; then SUDO=sudo; \
	  else echo "Graphviz's dot is missing: install the 'graphviz' package (apt-get install graphviz)" >&2; exit 1; fi; \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq graphviz >/dev/null; }

test: $(INSTALLED) graphviz
	$(PYTHON) -m pytest -n 2 --nbmake tests notebooks $(PYTEST_ARGS)

demo: $(INSTALLED) graphviz
	$(VENV)/bin/micrograd demo

bench: $(INSTALLED)
	$(PYTHON) benchmarks/run.py

clean:
	rm -rf $(VENV) micrograd-demo .pytest_cache .hypothesis *.egg-info
