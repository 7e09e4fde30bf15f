# `make demo` and `make test` create or reuse .venv themselves; nothing else is needed first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
TORCH_VERSION := 2.13.0
DEMO_DIR := demo-data

.PHONY: install demo test lint clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# The CPU build first, so that nothing below pulls a CUDA build of several gigabytes.
	$(BIN)/python -m pip install --quiet torch==$(TORCH_VERSION)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/nextbest sample-data $(DEMO_DIR) --accounts 500 --seed 7
	$(BIN)/nextbest score $(DEMO_DIR) --out .nextbest/demo-ranked.csv --limit 10
	$(BIN)/nextbest top --tier A --limit 5
	$(BIN)/nextbest content index $(DEMO_DIR)/content
	$(BIN)/nextbest brief --markdown

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

test: $(STAMP)
	# A PostgreSQL server and Chromium for the store and browser tests, installed when missing
	# and possible (root with apt-get); otherwise those tests skip and say why.
	bash scripts/ensure-postgres.sh
	sh scripts/ensure-chromium.sh
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/python -m pytest -q

clean:
	rm -rf $(DEMO_DIR) .nextbest .pytest_cache
