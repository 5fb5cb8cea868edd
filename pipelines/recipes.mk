# pipelines/recipes.mk - how the zoo's recipes were chosen without looking at
# the test subjects: CV_K-fold cross-validation over the 21 training subjects
# (folds dealt with seed 1 by har-split; each fold's normalisation fitted on
# its own training part).  Four validation subjects cannot tell recipes apart
# (every recipe scores 97-99.7 % on them); folds of seven subjects can (one
# recipe's fold accuracies spread by several points).  3 folds rather than
# 5: 40 % fewer runs, which keeps `make all` within its 15 minutes.
#
#   make recipes -> artifacts/models/recipes-cv.md   the recipes the final
#                   model is chosen among (RECIPES_CHOICE, the zoo's recurrent
#                   models): per recipe, validation accuracy and macro-F1 on
#                   each fold and their means, of the kept checkpoint (best
#                   on the fold's validation subjects: optimistic) and of the
#                   last epoch (the fair estimate, which recipes are compared
#                   on).  About 3 minutes of `make -j2 all`, which it is part of.
#                   build/recipes/   folds, checkpoints, per-fold reports
#
#   make recipes-ablation -> artifacts/models/recipes-ablation.md   the same
#                   table for every recipe, RECIPES_ABLATION too: what each
#                   ingredient of the zoo's recipes is worth (readout,
#                   rotation, stopping rule, the CNN).  About 8 minutes more
#                   at -j2, so it is NOT part of `make all` (whose budget
#                   is 15 minutes): the one committed artifact that only its
#                   own target makes.  make clean-artifacts leaves it.

RECIPES_WORK := $(PIPE_WORK)/recipes
CV_PREFIX    := $(RECIPES_WORK)/cv
CV_K         := 3
CV_FOLDS     := $(shell seq -f %02g $(CV_K))
RECIPES_MK   := pipelines/recipes.mk
GENERATED    += $(RECIPES_WORK)
CV_AUG       := --seed 1 --jitter 0.02 --scaling 0.1
# name: spec | options (har-train defaults otherwise: AdamW 2e-3, cosine,
# 40 epochs, patience 10 on validation macro-F1)
# ROTATE: the phone worn at other angles (har-train --rotate).  The angle and
# share were picked in an exploratory run of 5 folds dealt the same way
# (10-epoch GRUs, not kept here): up to 60 degrees beat 15, 30, 90 and 180, and turning every
# window lost accuracy on the folds the model already got right, so two
# windows in three are turned.  gru-mean vs gru-rot (and lstm-mean vs
# lstm-rot) is the ablation.  ROTATE is defined in pipelines/models.mk.
RECIPES_CHOICE   := gru-rot lstm-rot cnn-gru-rot
RECIPES_ABLATION := gru gru-full gru-loss gru-mean lstm-full lstm-mean cnn-gru-full cnn3-gap
# Every recipe, in the ablation table's order.
RECIPES := gru gru-full gru-loss gru-mean gru-rot lstm-full lstm-mean lstm-rot cnn-gru-full cnn-gru-rot cnn3-gap
RECIPE_SPEC_gru           := gru:64,dense:6
RECIPE_OPTS_gru           := $(CV_AUG)
RECIPE_SPEC_gru-full      := gru:64,dense:6
RECIPE_OPTS_gru-full      := $(CV_AUG) --patience 0
RECIPE_SPEC_gru-loss      := gru:64,dense:6
RECIPE_OPTS_gru-loss      := $(CV_AUG) --patience 0 --monitor val_loss
RECIPE_SPEC_gru-mean      := gru:64:readout=mean,dense:6
RECIPE_OPTS_gru-mean      := $(CV_AUG) --patience 0
RECIPE_SPEC_gru-rot       := gru:64:readout=mean,dense:6
RECIPE_OPTS_gru-rot       := $(CV_AUG) --patience 0 $(ROTATE)
RECIPE_SPEC_lstm-full     := lstm:64,dense:6
RECIPE_OPTS_lstm-full     := $(CV_AUG) --patience 0
RECIPE_SPEC_lstm-mean     := lstm:64:readout=mean,dense:6
RECIPE_OPTS_lstm-mean     := $(CV_AUG) --patience 0
RECIPE_SPEC_lstm-rot      := lstm:64:readout=mean,dense:6
RECIPE_OPTS_lstm-rot      := $(CV_AUG) --patience 0 $(ROTATE)
RECIPE_SPEC_cnn-gru-full  := conv1d:64:5,relu,maxpool:2,gru:64,dropout:0.2,dense:6
RECIPE_OPTS_cnn-gru-full  := $(CV_AUG) --patience 0
RECIPE_SPEC_cnn-gru-rot   := conv1d:64:5,relu,maxpool:2,gru:64,dropout:0.2,dense:6
RECIPE_OPTS_cnn-gru-rot   := $(CV_AUG) --patience 0 $(ROTATE)
RECIPE_SPEC_cnn3-gap      := conv1d:64:5,relu,conv1d:64:5,relu,maxpool:2,conv1d:64:5,relu,gap,dropout:0.5,dense:6
RECIPE_OPTS_cnn3-gap      := $(CV_AUG) --patience 0

CV_SETS  := $(foreach k,$(CV_FOLDS),$(CV_PREFIX)-fold$(k)-train$(ST) $(CV_PREFIX)-fold$(k)-val$(ST))
cv_runs   = $(foreach r,$(1),$(foreach k,$(CV_FOLDS),$(RECIPES_WORK)/runs/$(r)-$(k)))
CV_RUNS  := $(call cv_runs,$(RECIPES))

.PHONY: recipes recipes-ablation
pipelines: recipes
recipes: $(MODELS_ART)/recipes-cv.md
recipes-ablation: $(MODELS_ART)/recipes-ablation.md
.SECONDARY: $(CV_RUNS:%=%$(ST)) $(CV_SETS) $(CV_FOLDS:%=$(RECIPES_WORK)/stats%$(ST)) \
            $(RECIPES:%=$(RECIPES_WORK)/recipe-%.txt) $(RECIPES_WORK)/cv-split.txt

# The official test subjects (from the windows' metadata) go to cv-test,
# unused.  Like the recipes below, the folds depend on their own parameters
# (cv-split.txt), not on this whole file.
CV_SPLIT := --folds $(CV_K) --seed 1
$(RECIPES_WORK)/cv-split.txt: FORCE
	@mkdir -p $(@D)
	@echo '$(CV_SPLIT)' > $@.tmp
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@

$(CV_SETS) $(CV_PREFIX)-test$(ST) &: $(DATA_WORK)/windows$(ST) $(PIPE_BIN)/har-split $(RECIPES_WORK)/cv-split.txt
	$(RUN) $(PIPE_BIN)/har-split -q $(CV_SPLIT) -o $(CV_PREFIX) $<

$(RECIPES_WORK)/stats%$(ST): $(CV_PREFIX)-fold%-train$(ST) $(PIPE_BIN)/har-norm
	$(RUN) $(PIPE_BIN)/har-norm fit $< -o $@

# A recipe's runs depend on its own spec and options (recipe-NAME.txt, rewritten
# only when they change), not on this whole file: adding a recipe re-runs
# nothing else.
$(RECIPES_WORK)/recipe-%.txt: FORCE
	@mkdir -p $(@D)
	@echo '$(strip $(RECIPE_SPEC_$*) $(RECIPE_OPTS_$*) $(TRAIN_EXTRA))' > $@.tmp
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@

# runs/RECIPE-FOLD.safetensors.gz: the fold's kept checkpoint (the fold is
# the last '-' field of the stem).
cv_fold = $(lastword $(subst -, ,$(1)))
cv_recipe = $(patsubst %-$(call cv_fold,$(1)),%,$(1))
.SECONDEXPANSION:
$(RECIPES_WORK)/runs/%$(ST): $$(CV_PREFIX)-fold$$(call cv_fold,$$*)-train$(ST) \
                             $$(RECIPES_WORK)/stats$$(call cv_fold,$$*)$(ST) $(PIPE_BIN)/har-train \
                             $$(RECIPES_WORK)/recipe-$$(call cv_recipe,$$*).txt
	@mkdir -p $(RECIPES_WORK)/runs
	$(RUN) $(PIPE_BIN)/har-train -q $< $(CV_PREFIX)-fold$(call cv_fold,$*)-val$(ST) \
	    --stats $(RECIPES_WORK)/stats$(call cv_fold,$*)$(ST) \
	    -m '$(RECIPE_SPEC_$(call cv_recipe,$*))' $(RECIPE_OPTS_$(call cv_recipe,$*)) $(TRAIN_EXTRA) \
	    -o $@ --checkpoint $(RECIPES_WORK)/runs/$*-last$(ST) --log none

$(RECIPES_WORK)/runs/%-val.txt: $(RECIPES_WORK)/runs/%$(ST) $(PIPE_BIN)/har-eval
	$(RUN) $(PIPE_BIN)/har-eval $< $(CV_PREFIX)-fold$(call cv_fold,$*)-val$(ST) > $@.tmp
	mv $@.tmp $@

# The last epoch's checkpoint: its score on the fold's validation subjects was
# not used to choose it, so its mean is the fair estimate of the recipe.
$(RECIPES_WORK)/runs/%-last-val.txt: $(RECIPES_WORK)/runs/%$(ST) $(PIPE_BIN)/har-eval
	$(RUN) $(PIPE_BIN)/har-eval $(RECIPES_WORK)/runs/$*-last$(ST) $(CV_PREFIX)-fold$(call cv_fold,$*)-val$(ST) > $@.tmp
	mv $@.tmp $@

# fold accuracies, mean accuracy and mean macro-F1 of the report files $(2)
cv_cells = awk '/^accuracy /{a[++n]=$$2; sa+=$$2} /^macro-F1 /{sf+=$$2} \
	  END{l=a[1]; for(i=2;i<=n;i++) l=l " " a[i]; printf "%s | %.4f | %.4f", l, sa/n, sf/n}' $(1)

# The table of the recipes $(1).
define cv_table
	@mkdir -p $(MODELS_ART)
	{ echo 'Validation scores of each recipe on the $(words $(CV_FOLDS)) folds.  "Kept" is the checkpoint har-train kept, the best'; \
	  echo 'epoch on the fold'"'"'s own validation subjects, so its mean is optimistic; "last" is the final epoch,'; \
	  echo 'chosen by no score, so its mean is the fair estimate.  Recipes are compared on the last-epoch mean.'; \
	  echo; \
	  echo '| recipe | spec and options | kept: fold accuracies | kept: mean accuracy | kept: mean macro-F1 | last: fold accuracies | last: mean accuracy | last: mean macro-F1 |'; \
	  echo '|---|---|---|---|---|---|---|---|'; \
	  $(foreach r,$(1),printf '| %s | %s | %s | %s |\n' '$(r)' '`$(RECIPE_SPEC_$(r))` $(RECIPE_OPTS_$(r))' \
	    "$$($(call cv_cells,$(CV_FOLDS:%=$(RECIPES_WORK)/runs/$(r)-%-val.txt)))" \
	    "$$($(call cv_cells,$(CV_FOLDS:%=$(RECIPES_WORK)/runs/$(r)-%-last-val.txt)))";) } > $@.tmp && mv $@.tmp $@
endef

CV_CHOICE := $(call cv_runs,$(RECIPES_CHOICE))
$(MODELS_ART)/recipes-cv.md: $(CV_CHOICE:%=%-val.txt) $(CV_CHOICE:%=%-last-val.txt) $(RECIPES_MK)
	$(call cv_table,$(RECIPES_CHOICE))

$(MODELS_ART)/recipes-ablation.md: $(CV_RUNS:%=%-val.txt) $(CV_RUNS:%=%-last-val.txt) $(RECIPES_MK)
	$(call cv_table,$(RECIPES))
