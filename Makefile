# Two commands: `make demo` (set up, run the flow on the sample scans) and `make test`.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
OCR := $(VENV)/bin/ocr
OUT ?= out
export OMP_THREAD_LIMIT := 1
export PREFECT_HOME ?= $(CURDIR)/.prefect
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export DO_NOT_TRACK := 1

.PHONY: setup demo run test test-unit lint sample server serve review bench figures fuzz clean
INBOX ?= inbox

setup:
	bash scripts/install.sh

demo: setup
	$(OCR) flow scans --gt ground_truth --out $(OUT)
	@echo "Reports: $(OUT)/<document>/report.json   Database: $(OUT)/ocr.db"

run: setup
	$(OCR) run scans --gt ground_truth --out $(OUT)

# Lint and type checks first: any finding fails the build (ruff and mypy pinned in the dev extra).
LINT_PATHS := ocr flows tests scripts bench devtools
test: lint
	$(PY) -m pytest -q

test-unit: setup
	$(PY) -m pytest -q -m unit

lint: setup
	$(VENV)/bin/ruff check $(LINT_PATHS)
	$(VENV)/bin/ruff format --check $(LINT_PATHS)
	$(VENV)/bin/mypy ocr flows

sample: setup
	$(PY) scripts/make_sample.py

server: setup
	$(VENV)/bin/prefect server start --host 127.0.0.1 --port 4200

# The scheduled inbox deployment (point PREFECT_API_URL at `make server` to see it in the UI).
serve: setup
	mkdir -p $(INBOX)
	$(OCR) serve $(INBOX) --gt ground_truth --out $(OUT)

review: setup
	$(OCR) review --out $(OUT)

# Benchmarks (synthetic sets + real pages; tens of minutes on 2 cores): bench/results*.md.
bench: setup
	EXTRAS=dev,dask,postgres,bench bash scripts/install.sh
	$(PY) -m bench.run_bench
	$(PY) -m bench.bench_real --ocrmypdf
	$(PY) -m bench.real_variants
	$(PY) -m bench.bench_detect --seeds 6
	$(PY) -m bench.bench_flag_effects --pages 10
	$(PY) -m bench.bench_correct --out bench/results_correct.md
	$(PY) -m bench.bench_dask --pages 12
	$(PY) -m bench.bench_publish --pages 300
	$(PY) -m bench.bench_review --pages 48
	$(PY) -m bench.bench_casing --synthetic 24 --seed 8801

# The README's demo figures, from a real run on the sample (scripts/readme_figures.py).
figures: setup
	$(PY) scripts/readme_figures.py

# A short fuzz campaign over the loaders and parsers (FUZZ_SECONDS in all): bench/results_fuzz.md.
FUZZ_SECONDS ?= 300
fuzz: setup
	$(PY) -m bench.fuzz --seconds $(FUZZ_SECONDS)

clean:
	rm -rf $(OUT) .pytest_cache
