PY ?= python3
VENV := .venv
VPY := $(VENV)/bin/python
OUT ?= out

.PHONY: run test quick bench mutate clean

$(VPY):
	$(PY) -m venv $(VENV)
	$(VPY) -m pip install -q --upgrade pip

$(VENV)/.installed: $(VPY) pyproject.toml
	$(VPY) -m pip install -q -e '.[plot]'
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(VPY) -m pip install -q -e '.[test]'
	touch $@

run: $(VENV)/.installed
	mkdir -p $(OUT)
	$(VPY) -m applications.ringtest --nring 16 --ncell 8 --nbranch 16 --ncompart 1 --tstop 100 --out $(OUT)/ringtest_spikes.dat --plot $(OUT)/ringtest_raster.png

test: $(VENV)/.installed-test
	$(VPY) -m pytest -q

# the quick loop while working: every test but those marked slow
quick: $(VENV)/.installed-test
	$(VPY) -m pytest -q -m "not slow"

# plausible bugs (tests/mutations), each applied alone to a temporary copy of the
# repository with the tests that must catch it; fails if any survives
mutate: $(VENV)/.installed-test
	$(VPY) -m tests.mutations

bench: $(VENV)/.installed-test
	$(VPY) -m benchmarks.ringtest_bench
	$(VPY) -m benchmarks.dense_bench
	$(VPY) -m benchmarks.morphology_bench
	$(VPY) -m benchmarks.search_bench
	$(VPY) -m benchmarks.cuda_bench
	$(VPY) -m benchmarks.load_bench

clean:
	rm -rf $(VENV) $(OUT)
