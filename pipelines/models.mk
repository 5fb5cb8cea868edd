# pipelines/models.mk - the model zoo, each model scored on the 9 official
# test subjects.
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
# 40 epochs, seed 1) plus the options below.  Specs and options were compared
# by cross-validation over the 21 training subjects (pipelines/recipes.mk,
# artifacts/models/recipes-cv.md, on the last epoch of each fold), but the
# test subjects had been scored while they were developed: report 3's
# selection record lists when, with what scores (pipelines/selection.mk).
#
# Two protocols:
#  - MODELS_REFIT, the recurrent and convolutional models: the final
#    fit on all 21 training subjects (normalisation fitted on them too), no
#    validation split, the last of the 40 epochs kept -- what the folds'
#    last-epoch scores estimate.  The 4 validation subjects alone cannot
#    choose an epoch (every recipe scores 97-99.7 % on them), and they are
#    a fifth of the subjects there are to learn from.
#  - MODELS_VAL, the MLP baseline: trained on 17 subjects with early stopping
#    on the 4 validation subjects, the best epoch by validation macro-F1 kept.

MODELS_WORK := $(PIPE_WORK)/models
MODELS_ART  := $(ARTIFACTS)/models
MODELS_REFIT := gru lstm cnn-gru cnn
MODELS_VAL   := mlp
MODELS      := $(MODELS_REFIT) $(MODELS_VAL)
FIT_PREFIX  := $(MODELS_WORK)/fit
# The specs, the augmentation (AUG_OPTS) and the rotation (ROTATE) are named
# in pipelines/specs.mk, which the recipes' cross-validation uses too.
MODEL_SPEC_gru     := $(SPEC_gru-mean)
MODEL_SPEC_lstm    := $(SPEC_lstm-mean)
MODEL_SPEC_cnn-gru := $(SPEC_cnn-gru)
MODEL_SPEC_cnn     := $(SPEC_cnn)
MODEL_SPEC_mlp     := $(SPEC_mlp)
MODEL_OPTS         := $(AUG_OPTS)
MODEL_OPTS_gru     := $(MODEL_OPTS) --patience 0 $(ROTATE)
MODEL_OPTS_lstm    := $(MODEL_OPTS) --patience 0 $(ROTATE)
MODEL_OPTS_cnn-gru := $(MODEL_OPTS) --patience 0 $(ROTATE)
MODEL_OPTS_cnn     := $(MODEL_OPTS) --patience 0
MODELS_MK          := pipelines/models.mk
# Everything in MODELS_ART but the ablation study (pipelines/recipes.mk),
# which make all does not remake.
GENERATED          += $(filter-out %/recipes-ablation.md,$(wildcard $(MODELS_ART)/*)) $(MODELS_WORK)

.PHONY: models
pipelines: models
# Checkpoints are results, not intermediates: Make must not delete them.
.SECONDARY: $(MODELS:%=$(MODELS_WORK)/%.safetensors.gz) $(MODELS:%=$(MODELS_WORK)/%.cfg) \
            $(MODELS:%=$(MODELS_WORK)/%.log.csv)
models: $(MODELS_ART)/summary.md $(MODELS_ART)/experiments.csv

# All 21 training subjects in one file (FIT_PREFIX-train; FIT_PREFIX-test is
# the official test split again, unused) and their normalisation.
.SECONDARY: $(FIT_PREFIX)-train$(ST) $(FIT_PREFIX)-test$(ST) $(FIT_PREFIX)-stats$(ST)
$(FIT_PREFIX)-train$(ST) $(FIT_PREFIX)-test$(ST) &: $(DATA_WORK)/windows$(ST) $(PIPE_BIN)/har-split
	@mkdir -p $(MODELS_WORK)
	$(RUN) $(PIPE_BIN)/har-split -q -o $(FIT_PREFIX) $<

$(FIT_PREFIX)-stats$(ST): $(FIT_PREFIX)-train$(ST) $(PIPE_BIN)/har-norm
	$(RUN) $(PIPE_BIN)/har-norm fit $< -o $@

# A model depends on its own definition (NAME.cfg: spec and options,
# rewritten only when they change), not on this whole file: editing one
# model retrains that model alone.
model_opts = $(strip $(or $(MODEL_OPTS_$(1)),$(MODEL_OPTS)) $(TRAIN_EXTRA))
model_note = make models: $(if $(filter $(1),$(MODELS_VAL)),early stopping on the validation subjects,final fit on every training subject)
$(MODELS_WORK)/%.cfg: FORCE
	@mkdir -p $(@D)
	@printf '%s\n' '$(MODEL_SPEC_$*)' '$(call model_opts,$*)' '$(call model_note,$*)' | sh pipelines/update_if_changed.sh $@

# Each run writes its curves and its own row of the experiment log
# (NAME.log.csv): the log is assembled in MODELS order, whatever order
# make -j finished the runs in.
$(MODELS_REFIT:%=$(MODELS_WORK)/%$(ST)): $(MODELS_WORK)/%$(ST): $(MODELS_WORK)/%.cfg $(FIT_PREFIX)-train$(ST) \
                                          $(FIT_PREFIX)-stats$(ST) $(PIPE_BIN)/har-train
	@mkdir -p $(MODELS_ART)
	rm -f $(MODELS_WORK)/$*.log.csv
	resume=$$($(RESUME_ARGS) $(MODELS_WORK)/$*-last$(ST) $^) && \
	$(RUN) $(PIPE_BIN)/har-train -q $(FIT_PREFIX)-train$(ST) --stats $(FIT_PREFIX)-stats$(ST) \
	    -m '$(MODEL_SPEC_$*)' $(call model_opts,$*) -o $@ --curves $(MODELS_ART)/$*-curves.csv \
	    --log $(MODELS_WORK)/$*.log.csv --run-id $* --note '$(call model_note,$*)' $$resume

$(MODELS_VAL:%=$(MODELS_WORK)/%$(ST)): $(MODELS_WORK)/%$(ST): $(MODELS_WORK)/%.cfg $(DATA_SPLIT)-train-norm$(ST) \
                                        $(DATA_SPLIT)-val-norm$(ST) $(PIPE_BIN)/har-train
	@mkdir -p $(MODELS_ART)
	rm -f $(MODELS_WORK)/$*.log.csv
	resume=$$($(RESUME_ARGS) $(MODELS_WORK)/$*-last$(ST) $^) && \
	$(RUN) $(PIPE_BIN)/har-train -q $(DATA_SPLIT)-train-norm$(ST) $(DATA_SPLIT)-val-norm$(ST) \
	    -m '$(MODEL_SPEC_$*)' $(call model_opts,$*) -o $@ --curves $(MODELS_ART)/$*-curves.csv \
	    --log $(MODELS_WORK)/$*.log.csv --run-id $* --note '$(call model_note,$*)' $$resume

# The curves and the log row are written by the run that writes the
# checkpoint (and so are never older than the run's inputs).
$(MODELS_WORK)/%.log.csv $(MODELS_ART)/%-curves.csv: $(MODELS_WORK)/%$(ST)
	test -s $(MODELS_WORK)/$*.log.csv && test -s $(MODELS_ART)/$*-curves.csv
	touch $(MODELS_WORK)/$*.log.csv $(MODELS_ART)/$*-curves.csv

$(MODELS_ART)/experiments.csv: $(MODELS:%=$(MODELS_WORK)/%.log.csv)
	{ head -n 1 $<; for f in $^; do tail -n +2 $$f; done; } > $@.tmp && mv $@.tmp $@

# Raw test windows: har-eval normalises them with the checkpoint's statistics.
$(MODELS_ART)/%-test.txt $(MODELS_ART)/%-test.json &: $(MODELS_WORK)/%.safetensors.gz $(DATA_SPLIT)-test$(ST) $(PIPE_BIN)/har-eval
	$(RUN) $(PIPE_BIN)/har-eval $< $(DATA_SPLIT)-test$(ST) --json $(MODELS_ART)/$*-test.json > $(MODELS_ART)/$*-test.txt.tmp
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
