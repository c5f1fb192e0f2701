# The study, headless. Two commands do everything on a fresh clone:
#   make reproduce-table2      (builds what it needs, then runs the notebooks with papermill)
#   make reproduce-table3      (Table III: Places with DATASET=places DATA_ROOT=..., else the offline stand-in)
#   make reproduce-table4      (Table IV: the loss ablation)      make reproduce-table5  (Table V: the scales)
#   make figures               (Figures 3 and 5, training curves)  make reproduce         (every table and figure)
#   make test                  (unit tests + nbval replay of the notebooks at the smoke profile)
# Options: DATASET=birds|flowers|cub|oxford|places  PROFILE=smoke|default|paper  DATA_ROOT=/path  SEED=0 (data)
#          TRAIN_SEED=1234 (training)  TRAIN_SEEDS="1234 1235 1236" (Tables II, IV, V: every chain per seed,
#          each seed's files in results/<dataset>/<profile>/seeds/<seed>/, the table combined over every seed there)
#          SEEDS="1 2" (more GANs per training seed)  SEED_SYSTEMS="tsl two_stage" (only these get SEEDS)
#   make combine-table2        (Table II from the committed seeds alone: trains nothing)
#   make seeds-table2 TRAIN_SEEDS="1235 1236"   (those seeds' chains of Table II headless, then the table combined)
#          PART="tsl" (only these systems' chains: a part of each seed, joined to the rows its other parts wrote)
#   make seeds-table4 TRAIN_SEEDS="1235 1236"   (likewise Table IV; seeds-table5: Table V; no figures, no sweep)
# Every run is keyed by these and the stages' settings (s2i_lib/stages/runs.py): `make runs` lists them.

DATASET ?= birds
PROFILE ?= default
DATA_ROOT ?=
SEED ?= 0
TRAIN_SEED ?= 1234
TRAIN_SEEDS ?= $(TRAIN_SEED)
SEEDS ?=
SEED_SYSTEMS ?=
PART ?=
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# S2I_RESULTS (environment): another folder for the executed notebooks, tables and figures (tests use one).
EXECUTED = $(or $(S2I_RESULTS),results)/$(DATASET)/$(PROFILE)
# A relative DATA_ROOT is made absolute here: papermill runs the notebooks from notebooks/.
ABS_DATA_ROOT = $(if $(DATA_ROOT),$(shell cd "$(CURDIR)" && realpath -m -- "$(DATA_ROOT)"))
PAPERMILL = S2I_PROGRESS=log $(PY) -m papermill --log-output --cwd notebooks -p dataset $(DATASET) -p profile $(PROFILE) \
            -p data_root "$(ABS_DATA_ROOT)" -p seed $(SEED) -p train_seed $(TRAIN_SEED)
CLI_ARGS = --dataset $(DATASET) --profile $(PROFILE) --seed $(SEED) $(if $(DATA_ROOT),--data-root "$(ABS_DATA_ROOT)")

.PHONY: setup check-options data runs combine-table2 seeds-table2 seeds-table4 seeds-table5 reproduce-table2 reproduce-table3 reproduce-table4 reproduce-table5 figures reproduce translate your-voice test unit nbval lab clean-artifacts

setup: $(STAMP)

$(STAMP): pyproject.toml
	@bash tools/install_debian_voices.sh
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[notebooks,test]'
	$(PY) -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $(STAMP)

# A bad option is a one-line error here, before anything runs or any results folder is made.
check-options:
	@case "$(PROFILE)" in smoke|default|paper) ;; *) \
	    echo "PROFILE must be one of smoke default paper, not '$(PROFILE)'" >&2; exit 2;; esac
	@case "$(DATASET)" in birds|flowers|cub|oxford|places) ;; *) \
	    echo "DATASET must be one of birds flowers cub oxford places, not '$(DATASET)'" >&2; exit 2;; esac
	@for v in "SEED=$(SEED)" "TRAIN_SEED=$(TRAIN_SEED)"; do case "$${v#*=}" in \
	    ''|*[!0-9]*) echo "$${v%%=*} must be a non-negative integer, not '$${v#*=}'" >&2; exit 2;; esac; done
	@for v in SEEDS="$(SEEDS)" TRAIN_SEEDS="$(TRAIN_SEEDS)"; do for s in $$(echo "$${v#*=}" | tr ',' ' '); do \
	    case "$$s" in *[!0-9]*) echo "$${v%%=*} must be non-negative integers separated by spaces, not" \
	    "'$${v#*=}'" >&2; exit 2;; esac; done; done
	@for s in $$(echo "$(SEED_SYSTEMS) $(PART)" | tr ',' ' '); do case "$$s" in tsl|classifier|text|two_stage) ;; *) \
	    echo "SEED_SYSTEMS and PART must name systems among tsl classifier text two_stage, not '$$s'" >&2; exit 2;; \
	    esac; done

data: setup check-options
	$(PY) -m s2i_lib data $(CLI_ARGS)

runs: setup check-options
	$(PY) -m s2i_lib runs $(CLI_ARGS)

# The study in order: data, encoders (every system), the TSL GAN, Table II (every system's GAN, FID / KID,
# attribute accuracy, the paper's claims). Each resumes whatever keyed runs exist.
NOTEBOOKS := 00_data 01_encoder 02_gan 03_table2
CHECKED_NOTEBOOKS := $(NOTEBOOKS) 04_table3_standin 05_table4 06_table5 07_figures 08_your_voice

reproduce-table2: setup check-options
	@mkdir -p $(EXECUTED)
	@for nb in $(filter-out 03_table2,$(NOTEBOOKS)); do echo "== $$nb ($$(date +%H:%M:%S))"; \
	    $(PAPERMILL) notebooks/$$nb.ipynb $(EXECUTED)/$$nb.ipynb || exit 1; done
	@echo "== 03_table2 ($$(date +%H:%M:%S))"
	$(PAPERMILL) -r train_seeds "$(TRAIN_SEEDS)" -r gan_seeds "$(SEEDS)" -r seed_systems "$(SEED_SYSTEMS)" \
	    notebooks/03_table2.ipynb $(EXECUTED)/03_table2.ipynb
	@echo "reproduce-table2: executed notebooks, seeds/<seed>/, table2.md, table2.csv, table2_grid.png in $(EXECUTED)/"

combine-table2: setup check-options
	$(PY) -m s2i_lib combine --dataset $(DATASET) --profile $(PROFILE)

# More training seeds of Table II without the notebooks (a background job, another machine): each of TRAIN_SEEDS'
# chains trained or resumed, measured, written to seeds/<seed>/, then the table combined over every seed.
seeds-table2: setup check-options
	$(PY) -m s2i_lib table2 $(CLI_ARGS) --train-seeds $(TRAIN_SEEDS) $(if $(SEEDS),--gan-seeds $(SEEDS)) \
	    $(if $(SEED_SYSTEMS),--seed-systems $(SEED_SYSTEMS)) $(if $(PART),--systems $(PART))

# The same for Tables IV and V: each seed's variants (or branch counts) trained or reused, measured, written to
# seeds/<seed>/, then the table combined; the notebooks' encoder-level cells and figures are not run.
seeds-table4 seeds-table5: setup check-options
	$(PY) -m s2i_lib $(@:seeds-%=%) $(CLI_ARGS) --train-seeds $(TRAIN_SEEDS)

# Table III: on Places audio captions (DATASET=places DATA_ROOT=...) the paper's experiment (04_table3_places); on
# the built-in data set the offline stand-in (04_table3_standin: held-out voices in noise and reverberation, not
# real speech). Each builds or reuses the data, the encoders and the GANs it needs (Table II's, when
# reproduce-table2 ran).
TABLE3_NOTEBOOK = 04_table3_$(if $(filter places,$(DATASET)),places,standin)

reproduce-table3: setup check-options
	@mkdir -p $(EXECUTED)
	$(PAPERMILL) notebooks/$(TABLE3_NOTEBOOK).ipynb $(EXECUTED)/$(TABLE3_NOTEBOOK).ipynb
	@echo "reproduce-table3: the executed notebook and the table3* files in $(EXECUTED)/"

# Table IV (loss terms), Table V (image scales) and the figures: each notebook builds or reuses what it needs
# (Table II's TSL encoder and GAN, the text encoder that judges R-precision) through the runs' keys.
reproduce-table4: setup check-options
	@mkdir -p $(EXECUTED)
	$(PAPERMILL) -r train_seeds "$(TRAIN_SEEDS)" notebooks/05_table4.ipynb $(EXECUTED)/05_table4.ipynb
	@echo "reproduce-table4: the executed notebook and the table4* files in $(EXECUTED)/"

reproduce-table5: setup check-options
	@mkdir -p $(EXECUTED)
	$(PAPERMILL) -r train_seeds "$(TRAIN_SEEDS)" notebooks/06_table5.ipynb $(EXECUTED)/06_table5.ipynb
	@echo "reproduce-table5: the executed notebook and the table5* files in $(EXECUTED)/"

figures: setup check-options
	@mkdir -p $(EXECUTED)
	$(PAPERMILL) notebooks/07_figures.ipynb $(EXECUTED)/07_figures.ipynb
	@echo "figures: the executed notebook and figure3.png, figure5*.png, training_curves.png in $(EXECUTED)/"

reproduce: reproduce-table2 reproduce-table3 reproduce-table4 reproduce-table5 figures

# Your own recording through the trained TSL encoder and its GAN (after reproduce-table2): AUDIO=path/to/file
translate: setup
	@test -n "$(AUDIO)" || { echo "give a recording: make translate AUDIO=path/to/file.wav"; exit 2; }
	$(PY) -m s2i_lib translate "$(AUDIO)" $(CLI_ARGS)

your-voice: setup
	@mkdir -p $(EXECUTED)
	$(PAPERMILL) -p audio_path "$(if $(AUDIO),$(shell realpath -m -- "$(AUDIO)"))" notebooks/08_your_voice.ipynb \
	    $(EXECUTED)/08_your_voice.ipynb
	@echo "your-voice: the executed notebook and its images in $(EXECUTED)/"

# make test: the unit tests and the notebooks' replay at smoke in one pytest run, one process per core
# (pytest-xdist, one thread each: conftest.py; each notebook's cells in order in one process). unit / nbval: alone.
NBVAL = --nbval-lax --nbval-current-env -p no:cacheprovider $(foreach nb,$(CHECKED_NOTEBOOKS),notebooks/$(nb).ipynb)

test: setup
	S2I_PROFILE=smoke $(PY) -m pytest -q -n auto --dist loadscope --durations=12 $(NBVAL) tests

unit: setup
	$(PY) -m pytest -q tests

nbval: setup
	S2I_PROFILE=smoke $(PY) -m pytest -q $(NBVAL)

lab: setup
	$(VENV)/bin/jupyter lab notebooks/

clean-artifacts:
	rm -rf artifacts/
