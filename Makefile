# Two commands set up everything on a fresh machine: `make demo` and `make test`.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PYTEST_WORKERS ?= 2

.PHONY: demo test lint typecheck unit bench bench-full clean lsml-venv gallery-wheel

$(BIN)/python:
	@command -v $(PY) >/dev/null 2>&1 || { echo "need $(PY) on PATH (or run: make PY=python3 ...)"; exit 1; }
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[flask]'
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[dev,s3]'
	touch $@ $(VENV)/.installed

# The example Flask host with labeling at /label, on an embedded SQLite file (labelcore-demo.db).
demo: $(VENV)/.installed
	$(BIN)/python -m examples.flask_app

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check src tests bench examples
	$(BIN)/ruff format --check src

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy --strict

# The real label-studio-ml 1.0.9 server for tests/ml (it pins an old Flask: its own venv).
# CI builds it so `make test` runs those tests; elsewhere they skip until `make lsml-venv`.
LSML_VENV := .venv-lsml
$(LSML_VENV)/.installed:
	$(PY) -m venv $(LSML_VENV)
	$(LSML_VENV)/bin/pip install -q "label-studio-ml==1.0.9" rq
	touch $@

lsml-venv: $(LSML_VENV)/.installed

# Label Studio's own template gallery, read from its wheel by tests/config/test_config_ls_gallery.py
# (nothing of it is copied into the repo). CI fetches it so `make test` runs those tests;
# elsewhere they skip until `make gallery-wheel`.
LS_VERSION := 1.23.2
LS_WHEEL := .cache/label-studio/label_studio-$(LS_VERSION)-py3-none-any.whl
$(LS_WHEEL): | $(BIN)/python
	$(BIN)/pip download -q --no-deps --only-binary=:all: "label-studio==$(LS_VERSION)" -d $(dir $@)

gallery-wheel: $(LS_WHEEL)

unit: $(VENV)/.installed-dev $(if $(filter true,$(CI)),$(LSML_VENV)/.installed $(LS_WHEEL))
	$(BIN)/pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

test: lint typecheck unit

bench: $(VENV)/.installed-dev
	$(BIN)/python bench/run.py --n 10000

bench-full: $(VENV)/.installed-dev
	$(BIN)/python bench/run.py --full

clean:
	rm -rf $(VENV) $(LSML_VENV) .cache/label-studio .pytest_cache .mypy_cache .ruff_cache
