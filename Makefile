# evo_cosearch: every target works from a fresh clone with Python 3.11 + pip.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install test demo bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip setuptools wheel
	$(BIN)/python -m pip install --quiet "torch==2.13.0"
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

test: $(STAMP)
	$(BIN)/python -m pytest tests -p no:cacheprovider

demo: $(STAMP)
	$(BIN)/evo-cosearch demo

bench: $(STAMP)
	$(BIN)/evo-cosearch bench simulator

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis
