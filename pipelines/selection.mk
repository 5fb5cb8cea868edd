# pipelines/selection.mk - how the final model is chosen among the zoo's
# recurrent candidates, and the evidence report 3 gives for the choice.
#
# The candidates are zoo models (pipelines/models.mk), each with the recipe
# cross-validated for it (pipelines/recipes.mk).  The final model is the
# candidate whose recipe has the best mean last-epoch PRIMARY_METRIC over the
# folds; pipelines/report_selection.sh writes report 3's sections about it.

# zoo model -> its recipe in recipes.mk
SEL_CANDIDATES := gru:gru-rot lstm:lstm-rot cnn-gru:cnn-gru-rot
SEL_RECIPES    := $(foreach c,$(SEL_CANDIDATES),$(word 2,$(subst :, ,$(c))))
SEL_MK         := pipelines/selection.mk
# make all cross-validates RECIPES_CHOICE only (pipelines/recipes.mk).
$(if $(filter-out $(RECIPES_CHOICE),$(SEL_RECIPES)),$(error SEL_CANDIDATES: recipes $(filter-out $(RECIPES_CHOICE),$(SEL_RECIPES)) are not in RECIPES_CHOICE))
CHOICE         := $(ARTIFACTS)/03_rnn_and_inference/choice.txt
# Every file report_selection.sh reads besides CHOICE (report 3 and the model
# card depend on them).
SELECTION_DEPS := $(MODELS_ART)/recipes-cv.md

# The choice: "name recipe cv-mean" of every candidate, the best first.
$(CHOICE): $(MODELS_ART)/recipes-cv.md $(SEL_MK)
	@mkdir -p $(@D)
	for c in $(SEL_CANDIDATES); do \
	  awk -F'|' -v m=$${c%%:*} -v r=$${c#*:} '{ gsub(/ /, "", $$2) } $$2 == r { gsub(/ /, "", $$8); print m, r, $$8 }' $<; \
	done | sort -k3,3r -k1,1 > $@.tmp
	test $$(wc -l < $@.tmp) -eq $(words $(SEL_CANDIDATES))
	mv $@.tmp $@
