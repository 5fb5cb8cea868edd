# pipelines/recipes.mk - the recipes' cross-validation: CV_K-fold
# cross-validation over the 21 training subjects (folds dealt with seed 1 by
# har-split; each fold's normalisation fitted on its own training part; the
# official test subjects are never read here).  Four validation subjects
# cannot tell recipes apart (every recipe scores 97-99.7 % on them); folds of
# seven subjects can (one recipe's fold accuracies spread by several points).
# make all's choice uses 3 folds: 40 % fewer runs than 5, which keeps a
# local `make all` within its budget; the 5-fold CV is its own target (part
# of `make all RUNNER=slurm`).  Recipes are compared on the mean over the folds of the last
# epoch's PRIMARY_METRIC (Makefile); every fold run keeps its best epoch by
# the same metric (--monitor PRIMARY_MONITOR) too, reported as "kept".
#
#   make recipes -> artifacts/models/recipes-cv.md   the recipes the final
#                   model is chosen among (RECIPES_CHOICE, the zoo's recurrent
#                   models): per recipe, the folds' scores and their means, of
#                   the kept checkpoint (best on the fold's validation
#                   subjects: optimistic) and of the last epoch (the fair
#                   estimate, which recipes are compared on).  About 3
#                   minutes of `make -j2 all`, which it is part of.
#                   artifacts/models/cv/scores.csv   the same, one row per
#                   recipe and fold (recipe,fold,kept_accuracy,kept_macro_f1,
#                   last_accuracy,last_macro_f1)
#                   artifacts/models/cv/experiments.csv   the experiment log:
#                   one row per fold run, in RECIPES_CHOICE and fold order
#                   artifacts/models/cv/RECIPE-FOLD-curves.csv   each fold
#                   run's curves
#                   build/recipes/   folds, checkpoints, per-fold reports
#
#   make recipes-ablation -> artifacts/models/recipes-ablation.md   the same
#                   table for every recipe, RECIPES_ABLATION too: what each
#                   ingredient of the zoo's recipes is worth (readout,
#                   rotation, stopping rule, the CNN), with
#                   artifacts/models/cv/ablation-scores.csv,
#                   artifacts/models/cv/ablation-experiments.csv (the log of
#                   every recipe's fold runs) and the curves.  About 12
#                   minutes more, so a local `make all` does NOT run it (it
#                   is one of the cluster's studies: the Makefile's STUDIES,
#                   which `make all RUNNER=slurm` runs): make clean-artifacts
#                   leaves its outputs (those of the recipes make all also
#                   runs excepted), which only its own target remakes.
#
#   make recipes-cv5 -> artifacts/models/recipes-cv5.md   RECIPES_CHOICE over
#                   CV5_K (5) folds, with artifacts/models/cv5/ (scores,
#                   experiment log, curves) and build/recipes-cv5/: another
#                   of the STUDIES, kept by make clean-artifacts likewise.

# One set of rules, three cross-validations.  CV_STUDY says which one this
# make runs them for (paths, folds, run names); make recipes-cv5 and make
# subjects run a second make with CV_STUDY=cv5 or loso and CV_K (the folds)
# on its command line, so that each study's runs and files stay apart:
#   cv     make all's: CV_K folds (3), build/recipes/, artifacts/models/cv/,
#          artifacts/models/recipes-cv.md
#   cv5    CV5_K folds (5) dealt the same way: build/recipes-cv5/,
#          artifacts/models/cv5/, artifacts/models/recipes-cv5.md
#   loso   one fold per training subject (har-split --loso): build/loso/,
#          artifacts/04_subject_variability/runs/ (the report is
#          pipelines/report_subject_variability.mk's)
CV_STUDY     ?= cv
CV_K         := 3
CV5_K        := 5
SUBJECTS_ART := $(ARTIFACTS)/04_subject_variability
RECIPES_MK   := pipelines/recipes.mk
ifeq ($(CV_STUDY),cv)
RECIPES_WORK := $(PIPE_WORK)/recipes
# The fold runs' committed outputs: curves, experiment logs, score tables.
RECIPES_CV_ART := $(MODELS_ART)/cv
CV_TABLE     := $(MODELS_ART)/recipes-cv.md
CV_SPLIT     := --folds $(CV_K) --seed 1
CV_GOAL      := make recipes
else ifeq ($(CV_STUDY),cv5)
RECIPES_WORK := $(PIPE_WORK)/recipes-cv5
RECIPES_CV_ART := $(MODELS_ART)/cv5
CV_TABLE     := $(MODELS_ART)/recipes-cv5.md
CV_SPLIT     := --folds $(CV_K) --seed 1
CV_GOAL      := make recipes-cv5
else ifeq ($(CV_STUDY),loso)
RECIPES_WORK := $(PIPE_WORK)/loso
RECIPES_CV_ART := $(SUBJECTS_ART)/runs
CV_TABLE     := $(SUBJECTS_ART)/runs/recipes-loso.md
CV_SPLIT     := --loso
CV_GOAL      := make subjects
else
$(error CV_STUDY must be cv, cv5 or loso, not '$(CV_STUDY)')
endif
CV_PREFIX    := $(RECIPES_WORK)/cv
CV_FOLDS     := $(shell seq -f %02g $(CV_K))
CV_AUG       := $(AUG_OPTS)
# name: spec | options (har-train defaults otherwise: AdamW 2e-3, cosine,
# 40 epochs -- a count that was fixed, never compared --, patience 10)
# ROTATE: the phone worn at other angles (har-train --rotate).  The angle and
# share were picked in an exploratory run of 5 folds dealt the same way
# (10-epoch GRUs, not kept here): up to 60 degrees beat 15, 30, 90 and 180, and turning every
# window lost accuracy on the folds the model already got right, so two
# windows in three are turned.  gru-mean vs gru-rot (and lstm-mean vs
# lstm-rot) is the ablation.  The specs, AUG_OPTS and ROTATE are named in
# pipelines/specs.mk (the zoo trains the same ones).
RECIPES_CHOICE   := gru-rot lstm-rot cnn-gru-rot
RECIPES_ABLATION := gru gru-full gru-loss gru-mean lstm-full lstm-mean cnn-gru-full cnn3-gap
# Every recipe, in the ablation table's order.
RECIPES := gru gru-full gru-loss gru-mean gru-rot lstm-full lstm-mean lstm-rot cnn-gru-full cnn-gru-rot cnn3-gap
RECIPE_SPEC_gru           := $(SPEC_gru)
RECIPE_OPTS_gru           := $(CV_AUG)
RECIPE_SPEC_gru-full      := $(SPEC_gru)
RECIPE_OPTS_gru-full      := $(CV_AUG) --patience 0
RECIPE_SPEC_gru-loss      := $(SPEC_gru)
RECIPE_OPTS_gru-loss      := $(CV_AUG) --patience 0 --monitor val_loss
RECIPE_SPEC_gru-mean      := $(SPEC_gru-mean)
RECIPE_OPTS_gru-mean      := $(CV_AUG) --patience 0
RECIPE_SPEC_gru-rot       := $(SPEC_gru-mean)
RECIPE_OPTS_gru-rot       := $(CV_AUG) --patience 0 $(ROTATE)
RECIPE_SPEC_lstm-full     := $(SPEC_lstm)
RECIPE_OPTS_lstm-full     := $(CV_AUG) --patience 0
RECIPE_SPEC_lstm-mean     := $(SPEC_lstm-mean)
RECIPE_OPTS_lstm-mean     := $(CV_AUG) --patience 0
RECIPE_SPEC_lstm-rot      := $(SPEC_lstm-mean)
RECIPE_OPTS_lstm-rot      := $(CV_AUG) --patience 0 $(ROTATE)
RECIPE_SPEC_cnn-gru-full  := $(SPEC_cnn-gru)
RECIPE_OPTS_cnn-gru-full  := $(CV_AUG) --patience 0
RECIPE_SPEC_cnn-gru-rot   := $(SPEC_cnn-gru)
RECIPE_OPTS_cnn-gru-rot   := $(CV_AUG) --patience 0 $(ROTATE)
RECIPE_SPEC_cnn3-gap      := $(SPEC_cnn)
RECIPE_OPTS_cnn3-gap      := $(CV_AUG) --patience 0

CV_SETS  := $(foreach k,$(CV_FOLDS),$(CV_PREFIX)-fold$(k)-train$(ST) $(CV_PREFIX)-fold$(k)-val$(ST))
cv_runs   = $(foreach r,$(1),$(foreach k,$(CV_FOLDS),$(RECIPES_WORK)/runs/$(r)-$(k)))
CV_RUNS  := $(call cv_runs,$(RECIPES))
CV_CHOICE := $(call cv_runs,$(RECIPES_CHOICE))
# cv_curves RUNS: the curves files of fold runs
cv_curves = $(foreach r,$(1),$(RECIPES_CV_ART)/$(notdir $(r))-curves.csv)

# make all remakes what the recipes of RECIPES_CHOICE write; make
# clean-artifacts leaves the rest of RECIPES_CV_ART (the ablation's), which
# pipelines/models.mk put in GENERATED whole.
GENERATED := $(filter-out $(RECIPES_CV_ART),$(GENERATED)) $(RECIPES_WORK) $(call cv_curves,$(CV_CHOICE)) \
             $(RECIPES_CV_ART)/experiments.csv $(RECIPES_CV_ART)/scores.csv

.PHONY: recipes recipes-ablation recipes-cv5
pipelines: recipes
recipes: $(CV_TABLE) $(RECIPES_CV_ART)/experiments.csv
recipes-ablation: $(MODELS_ART)/recipes-ablation.md
# The same recipes over CV5_K folds, in a make of its own (CV_STUDY=cv5).
recipes-cv5: $(DATA_WORK)/windows$(ST)
	+$(MAKE) --no-print-directory recipes CV_STUDY=cv5 CV_K=$(CV5_K)
# (Not the definition files below: an intermediate file whose prerequisite
# is FORCE would make every run that depends on it look out of date.)
.SECONDARY: $(CV_RUNS:%=%$(ST)) $(CV_RUNS:%=%.log.csv) $(call cv_curves,$(CV_RUNS)) $(CV_SETS) \
            $(CV_FOLDS:%=$(RECIPES_WORK)/stats%$(ST))

# The official test subjects (from the windows' metadata) go to cv-test,
# unused.  Like the recipes below, the folds depend on their own parameters
# (cv-split.txt), not on this whole file.
$(RECIPES_WORK)/cv-split.txt: FORCE
	@mkdir -p $(@D)
	@echo '$(CV_SPLIT)' | sh pipelines/update_if_changed.sh $@

$(CV_SETS) $(CV_PREFIX)-test$(ST) &: $(DATA_WORK)/windows$(ST) $(PIPE_BIN)/har-split $(RECIPES_WORK)/cv-split.txt
	$(RUN) $(PIPE_BIN)/har-split -q $(CV_SPLIT) -o $(CV_PREFIX) $<

$(RECIPES_WORK)/stats%$(ST): $(CV_PREFIX)-fold%-train$(ST) $(PIPE_BIN)/har-norm
	$(RUN) $(PIPE_BIN)/har-norm fit $< -o $@

# A recipe's runs depend on its own spec and options (recipe-NAME.txt, rewritten
# only when they change), not on this whole file: adding a recipe re-runs
# nothing else.
recipe_opts = $(strip --monitor $(PRIMARY_MONITOR) $(RECIPE_OPTS_$(1)) $(TRAIN_EXTRA))
$(RECIPES:%=$(RECIPES_WORK)/recipe-%.txt): $(RECIPES_WORK)/recipe-%.txt: FORCE
	@mkdir -p $(@D)
	@echo '$(strip $(RECIPE_SPEC_$*) $(call recipe_opts,$*))' | sh pipelines/update_if_changed.sh $@

# runs/RECIPE-FOLD.safetensors.gz: the fold's kept checkpoint (the fold is
# the last '-' field of the stem).  The run also writes its curves and its
# experiment-log row (runs/RECIPE-FOLD.log.csv; the logs are assembled in a
# fixed order below, whatever order make -j finished the runs in).
cv_fold = $(lastword $(subst -, ,$(1)))
cv_recipe = $(patsubst %-$(call cv_fold,$(1)),%,$(1))
cv_note = $(CV_GOAL): $(call cv_recipe,$(1)), fold $(call cv_fold,$(1)) of $(CV_K)
.SECONDEXPANSION:
$(RECIPES_WORK)/runs/%$(ST): $$(CV_PREFIX)-fold$$(call cv_fold,$$*)-train$(ST) \
                             $$(RECIPES_WORK)/stats$$(call cv_fold,$$*)$(ST) $(PIPE_BIN)/har-train \
                             $$(RECIPES_WORK)/recipe-$$(call cv_recipe,$$*).txt
	@mkdir -p $(RECIPES_WORK)/runs $(RECIPES_CV_ART)
	rm -f $(RECIPES_WORK)/runs/$*.log.csv
	resume=$$($(RESUME_ARGS) $(RECIPES_WORK)/runs/$*-last$(ST) $^) && \
	$(RUN) $(PIPE_BIN)/har-train -q $< $(CV_PREFIX)-fold$(call cv_fold,$*)-val$(ST) \
	    --stats $(RECIPES_WORK)/stats$(call cv_fold,$*)$(ST) \
	    -m '$(RECIPE_SPEC_$(call cv_recipe,$*))' $(call recipe_opts,$(call cv_recipe,$*)) \
	    -o $@ --checkpoint $(RECIPES_WORK)/runs/$*-last$(ST) --curves $(RECIPES_CV_ART)/$*-curves.csv \
	    --log $(RECIPES_WORK)/runs/$*.log.csv --run-id $(CV_STUDY)-$* --note '$(call cv_note,$*)' $$resume

# The curves and the log row are written by the run that writes the
# checkpoint (and so are never older than the run's inputs).
$(RECIPES_WORK)/runs/%.log.csv $(RECIPES_CV_ART)/%-curves.csv: $(RECIPES_WORK)/runs/%$(ST)
	test -s $(RECIPES_WORK)/runs/$*.log.csv && test -s $(RECIPES_CV_ART)/$*-curves.csv
	touch $(RECIPES_WORK)/runs/$*.log.csv $(RECIPES_CV_ART)/$*-curves.csv

$(RECIPES_WORK)/runs/%-val.txt: $(RECIPES_WORK)/runs/%$(ST) $(PIPE_BIN)/har-eval
	$(RUN) $(PIPE_BIN)/har-eval $< $(CV_PREFIX)-fold$(call cv_fold,$*)-val$(ST) > $@.tmp
	mv $@.tmp $@

# The last epoch's checkpoint: its score on the fold's validation subjects was
# not used to choose it, so its mean is the fair estimate of the recipe.
$(RECIPES_WORK)/runs/%-last-val.txt: $(RECIPES_WORK)/runs/%$(ST) $(PIPE_BIN)/har-eval
	$(RUN) $(PIPE_BIN)/har-eval $(RECIPES_WORK)/runs/$*-last$(ST) $(CV_PREFIX)-fold$(call cv_fold,$*)-val$(ST) > $@.tmp
	mv $@.tmp $@

# cv_log RUNS: the experiment log of the fold runs RUNS, in their order.
define cv_log
	{ head -n 1 $<; for f in $(1:%=%.log.csv); do tail -n +2 $$f; done; } > $@.tmp && mv $@.tmp $@
endef
# cv_scores RECIPES: recipe,fold,kept_accuracy,kept_macro_f1,last_accuracy,
# last_macro_f1 of every fold run of RECIPES, from har-eval's reports.
define cv_scores
	{ echo recipe,fold,kept_accuracy,kept_macro_f1,last_accuracy,last_macro_f1; \
	  $(foreach r,$(1),for k in $(CV_FOLDS); do \
	    awk -v r=$(r) -v k=$$k '/^accuracy /{ a[++n] = $$2 } /^macro-F1 /{ f[n] = $$2 } \
	        END { print r "," k "," a[1] "," f[1] "," a[2] "," f[2] }' \
	        $(RECIPES_WORK)/runs/$(r)-$$k-val.txt $(RECIPES_WORK)/runs/$(r)-$$k-last-val.txt; done;) } > $@.tmp && mv $@.tmp $@
endef

# The table of the recipes in the scores file $<, in its order
# (pipelines/recipes_table.awk), given each recipe's spec and options.
define cv_table
	{ $(foreach r,$(RECIPES),printf '%s\t%s\n' '$(r)' '`$(RECIPE_SPEC_$(r))` $(call recipe_opts,$(r))';) } \
	    | awk -v primary=$(PRIMARY_METRIC) -f pipelines/recipes_table.awk - $< > $@.tmp && mv $@.tmp $@
endef

$(RECIPES_CV_ART)/experiments.csv: $(CV_CHOICE:%=%.log.csv)
	$(call cv_log,$(CV_CHOICE))
$(RECIPES_CV_ART)/scores.csv: $(CV_CHOICE:%=%-val.txt) $(CV_CHOICE:%=%-last-val.txt)
	$(call cv_scores,$(RECIPES_CHOICE))
$(CV_TABLE): $(RECIPES_CV_ART)/scores.csv $(RECIPES_MK) pipelines/recipes_table.awk
	$(call cv_table)

$(RECIPES_CV_ART)/ablation-experiments.csv: $(CV_RUNS:%=%.log.csv)
	$(call cv_log,$(CV_RUNS))
$(RECIPES_CV_ART)/ablation-scores.csv: $(CV_RUNS:%=%-val.txt) $(CV_RUNS:%=%-last-val.txt)
	$(call cv_scores,$(RECIPES))
$(MODELS_ART)/recipes-ablation.md: $(RECIPES_CV_ART)/ablation-scores.csv $(RECIPES_CV_ART)/ablation-experiments.csv \
                                   $(RECIPES_MK) pipelines/recipes_table.awk
	$(call cv_table)
