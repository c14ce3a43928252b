PY ?= python3
VENV := .venv
VPY := $(VENV)/bin/python
OUT ?= out

.PHONY: run test bench clean

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

bench: $(VENV)/.installed-test
	$(VPY) -m benchmarks.ringtest_bench
	$(VPY) -m benchmarks.dense_bench
	$(VPY) -m benchmarks.search_bench
	$(VPY) -m benchmarks.cuda_bench
	$(VPY) -m benchmarks.load_bench

clean:
	rm -rf $(VENV) $(OUT)
