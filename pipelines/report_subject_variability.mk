# pipelines/report_subject_variability.mk - deliverable 4: how the models do
# person by person.  Leave-one-subject-out (LOSO) cross-validation over the
# 21 training subjects of the final model's recipe and of the two other
# candidates (RECIPES_CHOICE: the GRU-64 and the LSTM-64), each held-out
# subject scored by the last epoch's checkpoint; beside it, the zoo models'
# official test evaluation cut subject by subject.
#
#   make subjects -> artifacts/04_subject_variability.md   the report
#       artifacts/04_subject_variability/loso-subjects.csv   one row per
#           recipe and held-out subject: windows, accuracy and macro-F1 with
#           their bootstrap intervals over the subject's windows
#           (recipe,subject,windows,accuracy,accuracy_lo,accuracy_hi,
#           macro_f1,macro_f1_lo,macro_f1_hi)
#       artifacts/04_subject_variability/loso-confusions.csv   what each
#           held-out subject's windows are mistaken for (har-eval's most
#           confused pairs: recipe,subject,true,predicted,windows,share)
#       artifacts/04_subject_variability/test-subjects.csv   the same
#           columns as loso-subjects.csv for the zoo models (the candidates'
#           final fits) on each official test subject
#       artifacts/04_subject_variability/runs/   the LOSO runs' experiment
#           log (experiments.csv) and curves
#       figures and their data (.dat) next to them
#   build/loso/       folds (har-split --loso), checkpoints, evaluations
#   build/subjects/   the test split cut by subject, its evaluations
#
# 3 recipes x 21 subjects = 63 trainings of 40 epochs: about 40 minutes on a
# 2-core machine, so it is one of the cluster's STUDIES (the Makefile): part
# of `make all RUNNER=slurm`, its own target otherwise; make clean-artifacts
# leaves its outputs.  The runs are pipelines/recipes.mk's rules in a second
# make (CV_STUDY=loso, CV_K = the training subjects, read from the zoo's
# training file); the report is made by a third, once they are done.

R4        := $(SUBJECTS_ART)
R4_MK     := pipelines/report_subject_variability.mk
R4_SCRIPT := pipelines/report_subject_variability.sh
SUBJ_WORK := $(PIPE_WORK)/subjects
SUBJ_TEST := $(R4)/test-subjects.csv

.PHONY: subjects loso-runs
subjects: $(CHOICE) $(RECIPES_CV_ART)/scores.csv $(FIT_PREFIX)-train$(ST) $(DATA_WORK)/windows$(ST) \
          $(SEL_MODELS:%=$(R3)/test-%.csv) $(SUBJ_TEST)
	k=$$(. pipelines/report_lib.sh && meta $(FIT_PREFIX)-train$(ST) split_subjects | awk -F, '{ print NF }') && \
	test "$$k" -ge 2 && \
	$(MAKE) --no-print-directory loso-runs CV_STUDY=loso CV_K=$$k
	+$(MAKE) --no-print-directory $(R4).md

ifeq ($(CV_STUDY),loso)
LOSO_RUNS := $(call cv_runs,$(RECIPES_CHOICE))
.SECONDARY: $(LOSO_RUNS:%=%-last-val.csv)
loso-runs: $(R4)/loso-subjects.csv $(R4)/loso-confusions.csv $(RECIPES_CV_ART)/experiments.csv

# The held-out subject scored by the last epoch's checkpoint (no score chose
# it; the kept checkpoint was chosen on this very subject).
$(RECIPES_WORK)/runs/%-last-val.csv: $(RECIPES_WORK)/runs/%$(ST) $(PIPE_BIN)/har-eval
	$(RUN) $(PIPE_BIN)/har-eval $(RECIPES_WORK)/runs/$*-last$(ST) $(CV_PREFIX)-fold$(call cv_fold,$*)-val$(ST) \
	    --csv $@ > /dev/null

# loso_files: "RECIPE FILE" a line, every run's evaluation in
# RECIPES_CHOICE and fold order.
loso_files = $(foreach r,$(RECIPES_CHOICE),$(foreach k,$(CV_FOLDS),$(r) $(RECIPES_WORK)/runs/$(r)-$(k)-last-val.csv))
$(R4)/loso-subjects.csv: $(LOSO_RUNS:%=%-last-val.csv) $(R4_SCRIPT)
	@mkdir -p $(@D)
	sh $(R4_SCRIPT) subjects-csv $(loso_files) > $@.tmp && mv $@.tmp $@
$(R4)/loso-confusions.csv: $(LOSO_RUNS:%=%-last-val.csv) $(R4_SCRIPT)
	@mkdir -p $(@D)
	sh $(R4_SCRIPT) confusions-csv $(loso_files) > $@.tmp && mv $@.tmp $@
endif

# The official test split cut into one file per subject (har-split --loso
# with no test subjects: fold k's validation part is the k-th subject), and
# each candidate's zoo model (its recipe's final fit) scored on each.
$(SUBJ_TEST): $(DATA_SPLIT)-test$(ST) $(SEL_MODELS:%=$(MODELS_WORK)/%$(ST)) $(PIPE_BIN)/har-split $(PIPE_BIN)/har-eval \
              $(R4_SCRIPT)
	@mkdir -p $(SUBJ_WORK) $(@D)
	rm -f $(SUBJ_WORK)/test-*
	$(RUN) $(PIPE_BIN)/har-split -q --loso --test-subjects none -o $(SUBJ_WORK)/test $<
	for c in $(SEL_CANDIDATES); do m=$${c%%:*}; \
	  for f in $(SUBJ_WORK)/test-fold*-val$(ST); do \
	    $(RUN) $(PIPE_BIN)/har-eval $(MODELS_WORK)/$$m$(ST) $$f --csv $(SUBJ_WORK)/$$m-$$(basename $$f $(ST)).csv \
	        > /dev/null || exit 1; \
	  done; done
	sh $(R4_SCRIPT) subjects-csv $(foreach c,$(SEL_CANDIDATES),$$(for f in $(SUBJ_WORK)/test-fold*-val$(ST); do \
	    echo $(word 2,$(subst :, ,$(c))) $(SUBJ_WORK)/$(word 1,$(subst :, ,$(c)))-$$(basename $$f $(ST)).csv; done)) \
	    > $@.tmp && mv $@.tmp $@

$(R4).md: $(R4)/loso-subjects.csv $(R4)/loso-confusions.csv $(R4)/runs/experiments.csv $(SUBJ_TEST) \
          $(CHOICE) $(RECIPES_CV_ART)/scores.csv $(SEL_MODELS:%=$(R3)/test-%.csv) \
          $(R4_SCRIPT) pipelines/report_lib.sh $(R4_MK) | packages-pipelines
	sh $(R4_SCRIPT) report $(R4) $(CHOICE) $(RECIPES_CV_ART)/scores.csv $(R3) '$(SEL_CANDIDATES)' \
	    $(PRIMARY_METRIC) > $@.tmp && mv $@.tmp $@
