# Teacher Printer. `make help` lists the targets.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUNTIME := $(VENV)/.runtime-installed
DEV := $(VENV)/.dev-installed

# Settings may live in .env (KEY=VALUE lines; see .env.example).
-include .env
export

.DEFAULT_GOAL := help
.PHONY: help run worker test lint format bench clean office

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(RUNTIME): requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	@touch $@

$(DEV): requirements.txt requirements-dev.txt $(RUNTIME)
	$(BIN)/pip install --quiet -r requirements-dev.txt
	@touch $@

run: $(RUNTIME) ## Start Redis (unless REDIS_URL is set), the workers and the web app
	$(BIN)/python run.py

worker: $(RUNTIME) ## Start one more worker against the running app's Redis
	$(BIN)/python -m worker

test: $(DEV) ## Run the whole test suite
	$(BIN)/python -m pytest

lint: $(DEV) ## Check style (ruff lint and format)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(DEV) ## Rewrite the code in the house style
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(DEV) ## Measure speed and memory of everything; prints tables (BENCH_ARGS=--quick: a smoke check)
	$(BIN)/python -m bench.run_all $(BENCH_ARGS)

office: ## Install LibreOffice and fonts (Debian/Ubuntu, uses sudo unless root) so Word and PowerPoint files work
	@packages="$$(grep -v '^#' docker/office-packages.txt | xargs)"; \
	sudo=""; [ "$$(id -u)" -eq 0 ] || sudo=sudo; \
	$$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	$$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$packages

clean: ## Remove the virtual environment and caches (keeps ./data)
	rm -rf $(VENV) .pytest_cache .ruff_cache
