# pipelines/selection.mk - how the final model is chosen among the zoo's
# recurrent candidates, and the evidence report 3 gives for the choice.
#
# The candidates are zoo models (pipelines/models.mk), each with the recipe
# cross-validated for it (pipelines/recipes.mk).  The final model is the
# candidate whose recipe has the best mean last-epoch PRIMARY_METRIC over the
# folds; pipelines/report_selection.sh writes report 3's sections about it.
# Part of make all, in artifacts/03_rnn_and_inference/:
#   choice.txt             the candidates by that mean, best first
#   selection-record.csv   every test-subject score the git history records
#                          (pipelines/selection_record.sh)
#   selection-summary.csv  key,value lines for report 3 and the model card
#                          (pipelines/selection_summary.sh)
# The studies of the choice that never see the test subjects (nested
# cross-validation, seeds) are pipelines/selection_study.mk's: make
# model-selection, not part of make all; report 3 reads their committed
# outputs, and says when they are absent or were computed for other
# definitions.

# zoo model -> its recipe in recipes.mk
SEL_CANDIDATES := gru:gru-rot lstm:lstm-rot cnn-gru:cnn-gru-rot
SEL_MODELS     := $(foreach c,$(SEL_CANDIDATES),$(word 1,$(subst :, ,$(c))))
SEL_RECIPES    := $(foreach c,$(SEL_CANDIDATES),$(word 2,$(subst :, ,$(c))))
SEL_MK         := pipelines/selection.mk
# make all cross-validates RECIPES_CHOICE only (pipelines/recipes.mk).
$(if $(filter-out $(RECIPES_CHOICE),$(SEL_RECIPES)),$(error SEL_CANDIDATES: recipes $(filter-out $(RECIPES_CHOICE),$(SEL_RECIPES)) are not in RECIPES_CHOICE))
SEL_DIR        := $(ARTIFACTS)/03_rnn_and_inference
CHOICE         := $(SEL_DIR)/choice.txt
SEL_RECORD     := $(SEL_DIR)/selection-record.csv
SEL_SUMMARY    := $(SEL_DIR)/selection-summary.csv
SEL_WORK       := $(PIPE_WORK)/selection
# The definitions the studies depend on (rewritten only when they change);
# make model-selection copies them next to its outputs, which are current
# while the two agree.
SEL_DEFS       := $(SEL_WORK)/definitions.txt
# make model-selection's committed outputs (pipelines/selection_study.mk),
# kept by make clean-artifacts.
SEL_ART        := $(ARTIFACTS)/model-selection
SEL_STUDY_OUT  := $(SEL_ART)/definitions.txt $(SEL_ART)/inner-cv.csv $(SEL_ART)/nested-cv.csv \
                  $(SEL_ART)/seeds.csv $(SEL_ART)/experiments.csv
GENERATED      += $(SEL_WORK)
# Every file report_selection.sh reads besides CHOICE (report 3 and the model
# card depend on them): the study's outputs only if they are there, so that
# make all never runs the study.
SELECTION_DEPS := $(MODELS_ART)/recipes-cv.md $(RECIPES_CV_ART)/scores.csv $(RECIPES_CV_ART)/experiments.csv \
                  $(call cv_curves,$(call cv_runs,$(SEL_RECIPES))) $(SEL_RECORD) $(SEL_SUMMARY) \
                  $(wildcard $(SEL_STUDY_OUT)) pipelines/report_selection.sh

# The choice: "name recipe cv-mean" of every candidate, the best first, by the
# mean over the folds of the last epoch's PRIMARY_METRIC
# (artifacts/models/cv/scores.csv).
$(CHOICE): $(RECIPES_CV_ART)/scores.csv $(SEL_MK)
	@mkdir -p $(@D)
	awk -F, -v c='$(SEL_CANDIDATES)' -v m=last_$(PRIMARY_METRIC) \
	    'BEGIN { n = split(c, cand, " "); for (i = 1; i <= n; i++) { split(cand[i], p, ":"); name[p[2]] = p[1] } } \
	     NR == 1 { for (i = 1; i <= NF; i++) if ($$i == m) col = i; next } \
	     $$1 in name { s[$$1] += $$col; k[$$1]++ } \
	     END { for (r in s) printf "%s %s %.4f\n", name[r], r, s[r] / k[r] }' $< | sort -k3,3r -k1,1 > $@.tmp
	test $$(wc -l < $@.tmp) -eq $(words $(SEL_CANDIDATES))
	mv $@.tmp $@

# The record is read from git every time (a new commit may add to it) and
# rewritten only when it changes.  This build's test scores: the zoo's, the
# baselines' (report 1's files) and report 3's.
SEL_TEST_EVALS := $(MODELS_ART)/summary.md $(MODELS_ART)/experiments.csv $(ARTIFACTS)/01_data_and_baselines.md \
                  $(SEL_MODELS:%=$(SEL_DIR)/test-%.csv) $(SEL_DIR)/final.csv
$(SEL_RECORD): FORCE $(SEL_TEST_EVALS) $(CHOICE) pipelines/selection_record.sh
	@mkdir -p $(@D)
	@sh pipelines/selection_record.sh $(ARTIFACTS) '$(SEL_MODELS)' $@

$(SEL_DEFS): FORCE
	@mkdir -p $(@D)
	@{ echo 'metric $(PRIMARY_METRIC)'; echo 'candidates $(SEL_CANDIDATES)'; \
	   echo 'outer folds $(CV_SPLIT)'; echo 'inner folds $(SEL_INNER_SPLIT)'; echo 'seeds 1 $(SEL_SEEDS)'; \
	   echo 'data $(strip $(DATA_DIR) $(DATA_INGEST_OPTS))'; \
	   $(foreach r,$(SEL_RECIPES),echo 'recipe $(r) $(RECIPE_SPEC_$(r)) $(call recipe_opts,$(r))';) } | sh pipelines/update_if_changed.sh $@

$(SEL_SUMMARY): $(CHOICE) $(RECIPES_CV_ART)/scores.csv $(RECIPES_CV_ART)/experiments.csv $(SEL_RECORD) $(SEL_DIR)/final.csv \
                $(SEL_DEFS) $(wildcard $(SEL_STUDY_OUT)) pipelines/selection_summary.sh pipelines/report_lib.sh
	sh pipelines/selection_summary.sh $(SEL_DIR) $(RECIPES_CV_ART) $(SEL_ART) $(SEL_DEFS) $(PRIMARY_METRIC) > $@.tmp
	mv $@.tmp $@
