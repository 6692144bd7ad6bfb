# ClueGraph: the two commands a newcomer needs are `make demo` and `make test`.
VENV   ?= .venv
PY     := $(VENV)/bin/python
CG     := $(VENV)/bin/cluegraph
PYTHON ?= python3
PACKAGES := app cli graph loaders media service

.PHONY: install system-deps test-deps demo test test-fast bench lint format db-start db-stop clean

install: $(VENV)/.installed

# the Debian packages of $(1) that are not installed yet, installed (as root, or with sudo)
define apt_missing
	@missing=$$(for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  sudo=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$sudo apt-get update -qq && $$sudo apt-get install -y -qq --no-install-recommends $$missing; \
	fi
endef

## make system-deps: the Debian packages the Python code needs (root; .ci/run does the same).
## Tesseract + script models read text in pictures (media/visual/text.py); DejaVu draws signs.
DEBIAN_TEXT := tesseract-ocr tesseract-ocr-osd tesseract-ocr-script-latn tesseract-ocr-script-cyrl \
	tesseract-ocr-script-grek tesseract-ocr-ara tesseract-ocr-script-hebr fonts-dejavu-core
system-deps:
	$(call apt_missing,$(DEBIAN_TEXT))

## make test-deps: Debian packages only the tests need. opencv-doc ships OpenCV's sample
## photographs (public benign pictures): the visual tests run on real photographs too
## (tests/media/photos.py).
DEBIAN_TEST := opencv-doc
test-deps:
	$(call apt_missing,$(DEBIAN_TEST))

$(VENV)/.installed: pyproject.toml
	@command -v exiftool >/dev/null || { echo "installing exiftool (camera serials)"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get install -y -qq libimage-exiftool-perl; \
	  else sudo apt-get install -y -qq libimage-exiftool-perl; fi; } \
	  || echo "exiftool missing: install libimage-exiftool-perl (serials in maker notes are missed without it)"
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q -U pip
	$(VENV)/bin/pip install -q -e ".[dev]"
	@# an editable install leaves the project's modules uncompiled; where the environment
	@# sets PYTHONDONTWRITEBYTECODE every command compiled ~66 of them again (0.2 s)
	$(PY) -m compileall -q $(PACKAGES) >/dev/null
	touch $@

## make demo: start the local Neo4j, load the demo world (once), serve the app.
demo: install system-deps
	$(CG) db start
	$(CG) demo up
	$(CG) serve --open

## make test: the whole suite against a real Neo4j the tests start themselves.
test: install system-deps test-deps
	$(PY) -m pytest

test-fast: install test-deps
	$(PY) -m pytest -m "not slow and not browser"

bench: install
	$(PY) -m bench.run_all

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

db-start: install
	$(CG) db start

db-stop:
	$(CG) db stop

clean:
	-$(CG) db stop
	rm -rf .cluegraph/test
