# framing: make report (the whole study) and make test (every test, notebooks included) do all the set-up.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
INSTALL_LOG := $(VENV)/install.log
# torch's CPU build; on this machine class pip takes it from disk (any other request pulls a multi-GB CUDA build)
TORCH_SPEC ?= torch==2.13.0
# corpus sizes of the scale benchmark (`make bench SCALE_ARGS="--sizes 10000 1000000"`)
SCALE_ARGS ?= --sizes 10000
# the whole-study benchmark (`make bench STUDY_ARGS="--baseline reports/<run_id>"` also compares the seed tables)
STUDY_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help venv browser report test test-retrain test-fast lab lint bench clean

help: ## Show this help
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  make %-13s %s\n", $$1, $$2}'

# pip's output goes to $(INSTALL_LOG): one line when it worked, the log's end when it did not
$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@start=$$(date +%s); \
	{ $(BIN)/python -m pip install -q --upgrade pip \
	  && $(BIN)/python -m pip install -q '$(TORCH_SPEC)' \
	  && $(BIN)/python -m pip install -q -c constraints.txt -e '.[dev]'; } > $(INSTALL_LOG) 2>&1 \
	  || { echo "pip install failed; the end of $(INSTALL_LOG):" >&2; tail -n 30 $(INSTALL_LOG) >&2; exit 1; }; \
	echo "installed framing and its dependencies into $(VENV) ($$(( $$(date +%s) - start )) s); log: $(INSTALL_LOG)"
	@touch $(STAMP)

venv: $(STAMP) ## Create .venv and install the package with its dev extras

# The browser tests (explorer page, hostile text in reports) drive Debian's chromium through playwright. Best effort:
# installed with apt where we may; otherwise those tests skip and say why.
browser: ## Install Debian's chromium for the headless-browser tests (best effort)
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing chromium for the browser tests (apt-get)"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	      || echo "could not install chromium: browser tests will be skipped"; \
	  else echo "chromium not found and apt-get unavailable: browser tests will be skipped"; fi; }

# One line per stage on stderr, the report's path last. FRAMING_WORKERS=1 runs the notebooks one at a time;
# REPORT_ARGS=--no-cache-validation executes the validation notebook even when its cached copy is current.
REPORT_ARGS ?=
report: $(STAMP) ## Run the whole study on data/raw -> reports/<run_id>/ and reports/latest
	@$(BIN)/framing run --params notebooks/params/default.yaml $(REPORT_ARGS)

test: $(STAMP) browser ## Unit tests and doctests, then nbval over the notebooks (all but test-retrain)
	$(BIN)/pytest -m "not retrain"
	$(BIN)/pytest --nbval-lax --nbval-sanitize-with notebooks/nbval_sanitize.cfg notebooks/ -p no:cacheprovider -o addopts="" -o testpaths="" -n 2 --dist loadfile

# Retraining every model takes about 5 minutes on 2 cores, so it has its own target; .ci/run runs it after make test.
test-retrain: $(STAMP) ## The one test that retrains every shipped model and checks it reproduces them exactly
	$(BIN)/pytest -m retrain

test-fast: $(STAMP) ## Unit tests without the slow end-to-end runs
	$(BIN)/pytest -m "not slow and not retrain"

lab: $(STAMP) ## Open JupyterLab on the project (the package is importable)
	$(BIN)/jupyter lab --notebook-dir=.

lint: $(STAMP) ## ruff and mypy on src
	$(BIN)/ruff check src tests
	$(BIN)/mypy

bench: $(STAMP) ## Throughput, scale and whole-study benchmarks, with their targets -> benchmarks/results/
	taskset -c 0 $(BIN)/python benchmarks/bench_vader.py
	taskset -c 0 $(BIN)/python benchmarks/bench_actors.py
	$(BIN)/python benchmarks/bench_pipeline.py  # both cores: the fast pipeline runs 2 worker processes
	$(BIN)/python benchmarks/bench_scale.py $(SCALE_ARGS)
	$(BIN)/python benchmarks/bench_study.py $(STUDY_ARGS)  # first report, reruns after +1%: fresh clones of HEAD

clean: ## Remove caches and outputs (keeps .venv and reports/)
	rm -rf data/interim data/processed .pytest_cache .mypy_cache .ruff_cache
