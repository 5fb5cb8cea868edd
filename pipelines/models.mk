# pipelines/models.mk - the model zoo: each model trained on the training
# subjects with the validation subjects for early stopping and selection
# (the checkpoint kept is the best epoch by validation macro-F1), then scored
# once on the 9 official test subjects.
#
#   make models   -> artifacts/models/NAME-curves.csv   per-epoch curves
#                    artifacts/models/NAME-test.txt     har-eval report (test)
#                    artifacts/models/NAME-test.json    the same for machines
#                    artifacts/models/summary.md        one row per model
#                    artifacts/models/experiments.csv   the experiment log
#                 checkpoints in build/models/ (large, not committed)
#
# Every model uses har-train's defaults (AdamW lr 2e-3, decoupled weight
# decay 1e-2, cosine schedule with 1 warm-up epoch, batch 64, clipping at 5,
# up to 40 epochs, patience 10, seed 1) plus the options below.  Specs and
# options were chosen by 5-fold cross-validation over the training subjects
# (pipelines/recipes.mk, artifacts/models/recipes-cv.md), never on the test
# subjects.

MODELS_WORK := build/models
MODELS_ART  := artifacts/models
MODELS      := gru lstm cnn-gru cnn mlp
MODEL_SPEC_gru     := gru:64:readout=mean,dense:6
MODEL_SPEC_lstm    := lstm:64:readout=mean,dense:6
MODEL_SPEC_cnn-gru := conv1d:64:5,relu,maxpool:2,gru:64,dropout:0.2,dense:6
MODEL_SPEC_cnn     := conv1d:64:5,relu,conv1d:64:5,relu,maxpool:2,conv1d:64:5,relu,gap,dropout:0.5,dense:6
MODEL_SPEC_mlp     := flatten,dense:256,relu,dropout:0.3,dense:256,relu,dropout:0.3,dense:6
MODEL_OPTS         := --seed 1 --jitter 0.02 --scaling 0.1
# The phone worn at other angles (har-train --rotate; how it was chosen:
# pipelines/recipes.mk, which uses it too)
ROTATE             := --rotate 60 --rotate-share 0.67
MODEL_OPTS_gru     := $(MODEL_OPTS) --patience 0 $(ROTATE)
MODEL_OPTS_lstm    := $(MODEL_OPTS) --patience 0 $(ROTATE)
MODEL_OPTS_cnn-gru := $(MODEL_OPTS) --patience 0 $(ROTATE)
MODEL_OPTS_cnn     := $(MODEL_OPTS) --patience 0
MODELS_MK          := pipelines/models.mk

.PHONY: models
pipelines: models
# Checkpoints are results, not intermediates: Make must not delete them.
.SECONDARY: $(MODELS:%=$(MODELS_WORK)/%.safetensors.gz)
models: $(MODELS_ART)/summary.md

$(MODELS_WORK)/%.safetensors.gz: $(DATA_SPLIT)-train-norm$(ST) $(DATA_SPLIT)-val-norm$(ST) $(BIN)/har-train $(MODELS_MK)
	@mkdir -p $(MODELS_WORK) $(MODELS_ART)
	$(BIN)/har-train -q $(DATA_SPLIT)-train-norm$(ST) $(DATA_SPLIT)-val-norm$(ST) \
	    -m '$(MODEL_SPEC_$*)' $(or $(MODEL_OPTS_$*),$(MODEL_OPTS)) -o $@ --curves $(MODELS_ART)/$*-curves.csv \
	    --log $(MODELS_ART)/experiments.csv --run-id $* --note 'make models'

# Raw test windows: har-eval normalises them with the checkpoint's statistics.
$(MODELS_ART)/%-test.txt $(MODELS_ART)/%-test.json &: $(MODELS_WORK)/%.safetensors.gz $(DATA_SPLIT)-test$(ST) $(BIN)/har-eval
	$(BIN)/har-eval $< $(DATA_SPLIT)-test$(ST) --json $(MODELS_ART)/$*-test.json > $(MODELS_ART)/$*-test.txt.tmp
	mv $(MODELS_ART)/$*-test.txt.tmp $(MODELS_ART)/$*-test.txt

$(MODELS_ART)/summary.md: $(MODELS:%=$(MODELS_ART)/%-test.txt) $(MODELS_MK)
	{ echo '| model | spec | parameters | epoch kept | test accuracy | test macro-F1 | test log loss |'; \
	  echo '|---|---|---|---|---|---|---|'; \
	  for m in $(MODELS); do \
	    awk -v m=$$m '/^model /{spec=$$2; p=$$3; sub(/\(/,"",p); e=$$6; sub(/\)/,"",e)} \
	      /^accuracy /{a=$$2} /^macro-F1 /{f=$$2} /^log loss /{l=$$3} \
	      END{printf "| %s | `%s` | %s | %s | %s | %s | %s |\n", m, spec, p, e, a, f, l}' \
	      $(MODELS_ART)/$$m-test.txt; \
	  done; } > $@.tmp && mv $@.tmp $@
