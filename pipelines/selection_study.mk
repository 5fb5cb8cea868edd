# pipelines/selection_study.mk - the studies of the final model's choice that
# never see the test subjects (pipelines/selection.mk chooses it):
#
#   make model-selection -> artifacts/model-selection/
#       inner-cv.csv    nested cross-validation of the whole choice: inside
#                       the training part of each of the recipes' outer folds
#                       (pipelines/recipes.mk), an inner SEL_INNER_SPLIT
#                       cross-validation of every candidate, scored like the
#                       outer one (the last epoch's PRIMARY_METRIC):
#                       outer_fold,inner_fold,recipe,last_accuracy,last_macro_f1
#       nested-cv.csv   per outer fold and candidate: the inner mean, the
#                       outer fold's score (read from the recipes' own fold
#                       runs, which trained on exactly that training part) and
#                       whether the inner cross-validation picks it:
#                       metric,outer_fold,model,recipe,inner_mean,outer,picked
#       seeds.csv       the chosen recipe and the runner-up (CHOICE's first
#                       two) with seeds SEL_SEEDS on the outer folds, next to
#                       seed 1 (the recipes' own runs):
#                       recipe,fold,seed,last_accuracy,last_macro_f1
#       experiments.csv the experiment log of every run above
#       definitions.txt what they were computed for (selection.mk's SEL_DEFS)
#   build/selection/    inner folds, checkpoints, har-eval reports
#
# CV_K^2 x 3 inner runs and 2 x CV_K x 2 seed runs (39 trainings of 40
# epochs): 13.6 minutes at make -j2 on a 2-core machine other jobs shared, so
# it is NOT part of make all (budget 15 minutes);
# make clean-artifacts leaves its outputs.  The study depends on which two
# recipes CHOICE ranks first, so it runs in a second make that is told them
# (SEL_PAIR), once CHOICE is made.

SEL_SEEDS       := 2 3
SEL_INNER_SPLIT := --folds $(CV_K) --seed 1

# The inner folds depend on their own parameters (inner-split.txt), not on
# all of SEL_DEFS: changing a recipe reruns that recipe's runs alone.
$(SEL_WORK)/inner-split.txt: FORCE
	@mkdir -p $(@D)
	@echo '$(SEL_INNER_SPLIT)' | sh pipelines/update_if_changed.sh $@

.PHONY: model-selection selection-study
model-selection: $(CHOICE) $(RECIPES_CV_ART)/scores.csv $(SEL_DEFS)
	+$(MAKE) --no-print-directory selection-study SEL_PAIR="$$(head -n 2 $(CHOICE) | cut -d' ' -f2 | tr '\n' ' ')"

ifdef SEL_PAIR
# sel_w N PATH: the N-th '/' field of PATH (inner/OUTER/INNER/RECIPE,
# seed/FOLD/SEED/RECIPE).
sel_w = $(word $(1),$(subst /, ,$(2)))
SEL_INNER := $(foreach k,$(CV_FOLDS),$(foreach j,$(CV_FOLDS),$(foreach r,$(SEL_RECIPES),$(SEL_WORK)/inner/$(k)/$(j)/$(r))))
SEL_SEED  := $(foreach r,$(SEL_PAIR),$(foreach k,$(CV_FOLDS),$(foreach s,$(SEL_SEEDS),$(SEL_WORK)/seed/$(k)/$(s)/$(r))))
SEL_RUNS  := $(SEL_INNER) $(SEL_SEED)
SEL_SETS  := $(foreach k,$(CV_FOLDS),$(foreach j,$(CV_FOLDS),$(foreach f,train val stats,$(SEL_WORK)/in$(k)-fold$(j)-$(f)$(ST))))
.SECONDARY: $(SEL_SETS) $(SEL_RUNS:%=%$(ST)) $(SEL_RUNS:%=%.log.csv) $(SEL_RUNS:%=%-last-val.txt)

selection-study: $(SEL_STUDY_OUT)

# Each outer fold's training part (no test subjects in it: --test-subjects
# none) dealt into inner folds, each with its own normalisation.
$(foreach j,$(CV_FOLDS),$(SEL_WORK)/in%-fold$(j)-train$(ST) $(SEL_WORK)/in%-fold$(j)-val$(ST)): \
        $(CV_PREFIX)-fold%-train$(ST) $(PIPE_BIN)/har-split $(SEL_WORK)/inner-split.txt
	@mkdir -p $(SEL_WORK)
	$(RUN) $(PIPE_BIN)/har-split -q $(SEL_INNER_SPLIT) --test-subjects none -o $(SEL_WORK)/in$* $<
$(SEL_WORK)/in%-stats$(ST): $(SEL_WORK)/in%-train$(ST) $(PIPE_BIN)/har-norm
	$(RUN) $(PIPE_BIN)/har-norm fit $< -o $@

# sel_train TRAIN VAL STATS RECIPE SEED NOTE: the run $@ (NAME$(ST): the
# last epoch in NAME-last$(ST), the log row in NAME.log.csv), scored at its
# last epoch on VAL (NAME-last-val.txt).
define sel_train
	@mkdir -p $(@D)
	rm -f $(@:$(ST)=.log.csv)
	resume=$$($(RESUME_ARGS) $(@:$(ST)=-last$(ST)) $^) && \
	$(RUN) $(PIPE_BIN)/har-train -q $(1) $(2) --stats $(3) -m '$(RECIPE_SPEC_$(4))' \
	    $(call recipe_opts,$(4)) $(if $(filter-out 1,$(5)),--seed $(5)) -o $@ --checkpoint $(@:$(ST)=-last$(ST)) \
	    --log $(@:$(ST)=.log.csv) --run-id sel-$(subst /,-,$(@:$(SEL_WORK)/%$(ST)=%)) \
	    --note 'make model-selection: $(6)' $$resume
	$(RUN) $(PIPE_BIN)/har-eval $(@:$(ST)=-last$(ST)) $(2) > $(@:$(ST)=-last-val.txt).tmp
	mv $(@:$(ST)=-last-val.txt).tmp $(@:$(ST)=-last-val.txt)
endef

.SECONDEXPANSION:
$(SEL_WORK)/inner/%$(ST): $$(SEL_WORK)/in$$(call sel_w,1,$$*)-fold$$(call sel_w,2,$$*)-train$(ST) \
                          $$(SEL_WORK)/in$$(call sel_w,1,$$*)-fold$$(call sel_w,2,$$*)-stats$(ST) \
                          $$(RECIPES_WORK)/recipe-$$(call sel_w,3,$$*).txt $(PIPE_BIN)/har-train $(PIPE_BIN)/har-eval
	$(call sel_train,$<,$(<:-train$(ST)=-val$(ST)),$(word 2,$^),$(call sel_w,3,$*),1,$(call sel_w,3,$*) on inner fold $(call sel_w,2,$*) in the training part of outer fold $(call sel_w,1,$*))

$(SEL_WORK)/seed/%$(ST): $$(CV_PREFIX)-fold$$(call sel_w,1,$$*)-train$(ST) $$(RECIPES_WORK)/stats$$(call sel_w,1,$$*)$(ST) \
                         $$(RECIPES_WORK)/recipe-$$(call sel_w,3,$$*).txt $(PIPE_BIN)/har-train $(PIPE_BIN)/har-eval
	$(call sel_train,$<,$(<:-train$(ST)=-val$(ST)),$(word 2,$^),$(call sel_w,3,$*),$(call sel_w,2,$*),$(call sel_w,3,$*) with seed $(call sel_w,2,$*) on outer fold $(call sel_w,1,$*))

# The log row and the score are written by the run that writes the checkpoint.
$(SEL_WORK)/%.log.csv $(SEL_WORK)/%-last-val.txt: $(SEL_WORK)/%$(ST)
	test -s $(SEL_WORK)/$*.log.csv && test -s $(SEL_WORK)/$*-last-val.txt
	touch $(SEL_WORK)/$*.log.csv $(SEL_WORK)/$*-last-val.txt

# sel_scores RUNS: KEY,last_accuracy,last_macro_f1 for each run, its KEY the
# run's path fields from the second on, comma-separated.
define sel_scores
	for r in $(1); do awk -v k="$$(echo $${r#$(SEL_WORK)/*/} | tr / ,)" \
	    '/^accuracy /{ a = $$2 } /^macro-F1 /{ f = $$2 } END { print k "," a "," f }' $$r-last-val.txt; done
endef

$(SEL_ART)/definitions.txt: $(SEL_DEFS)
	@mkdir -p $(@D)
	cp $< $@
$(SEL_ART)/experiments.csv: $(SEL_RUNS:%=%.log.csv)
	@mkdir -p $(@D)
	{ head -n 1 $<; for f in $^; do tail -n +2 $$f; done; } > $@.tmp && mv $@.tmp $@
$(SEL_ART)/inner-cv.csv: $(SEL_INNER:%=%-last-val.txt)
	@mkdir -p $(@D)
	{ echo outer_fold,inner_fold,recipe,last_accuracy,last_macro_f1; $(call sel_scores,$(SEL_INNER)); } > $@.tmp && mv $@.tmp $@
# Seed 1 is the recipes' own fold run (recipes.mk's scores.csv).
$(SEL_ART)/seeds.csv: $(SEL_SEED:%=%-last-val.txt) $(RECIPES_CV_ART)/scores.csv
	@mkdir -p $(@D)
	{ echo recipe,fold,seed,last_accuracy,last_macro_f1; \
	  { awk -F, -v p=' $(SEL_PAIR) ' 'NR > 1 && index(p, " " $$1 " ") { print $$2 ",1," $$1 "," $$5 "," $$6 }' $(RECIPES_CV_ART)/scores.csv; \
	    $(call sel_scores,$(SEL_SEED)); } | awk -F, '{ print $$3 "," $$1 "," $$2 "," $$4 "," $$5 }' | LC_ALL=C sort -t, -k1,1 -k2,2 -k3,3n; } > $@.tmp
	mv $@.tmp $@
$(SEL_ART)/nested-cv.csv: $(SEL_ART)/inner-cv.csv $(RECIPES_CV_ART)/scores.csv pipelines/selection_nested.awk
	awk -F, -v metric=$(PRIMARY_METRIC) -v cands='$(SEL_CANDIDATES)' -f pipelines/selection_nested.awk $(filter %.csv,$^) > $@.tmp
	mv $@.tmp $@
endif
