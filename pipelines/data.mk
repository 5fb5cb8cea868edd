# pipelines/data.mk - the data stage: raw HAPT recordings -> subject-disjoint,
# normalised window datasets, with the sanity report and the leakage audit.
#
#   make data    ingest -> split (official test subjects, 4 validation subjects
#                drawn with seed 1 from the 21 training subjects) -> audit ->
#                fit normalisation on train -> apply to train/val/test
#
# Large tensors go to build/data/ (not committed); the human-readable reports
# go to artifacts/data/ (committed, and identical on every re-run).

DATA_DIR   := data/hapt
DATA_WORK  := $(PIPE_WORK)/data
DATA_ART   := $(ARTIFACTS)/data
DATA_SPLIT := $(DATA_WORK)/hapt
DATA_VAL_COUNT := 4
DATA_SEED  := 1
ST         := .safetensors.gz

# Each stage also depends on the data parameters (DATA_CFG, rewritten only
# when they change): changing one re-runs the stages, editing a comment here
# does not.
DATA_CFG    := $(DATA_WORK)/data.cfg
DATA_INGEST_OPTS :=
DATA_SPLIT_OPTS   = --val-count $(DATA_VAL_COUNT) --seed $(DATA_SEED)
HAPT_INPUTS := $(wildcard $(DATA_DIR)/RawData/*.txt*) $(wildcard $(DATA_DIR)/activity_labels.txt*) \
               $(wildcard $(DATA_DIR)/Test/subject_id_test.txt*)
SPLITS      := train val test
GENERATED   += $(DATA_ART) $(DATA_WORK)

.SECONDARY: $(DATA_CFG)
$(DATA_CFG): FORCE
	@mkdir -p $(@D)
	@printf 'ingest %s\nsplit %s\n' '$(DATA_INGEST_OPTS)' '$(DATA_SPLIT_OPTS)' | sh pipelines/update_if_changed.sh $@

.PHONY: data
pipelines: data
data: $(DATA_ART)/ingest_report.md $(DATA_ART)/split_audit.csv $(DATA_ART)/audit.txt \
      $(DATA_ART)/norm_stats.txt $(SPLITS:%=$(DATA_SPLIT)-%-norm$(ST))

$(DATA_WORK)/windows$(ST) $(DATA_ART)/ingest_report.md &: $(HAPT_INPUTS) $(PIPE_BIN)/har-ingest $(DATA_CFG)
	@mkdir -p $(DATA_WORK) $(DATA_ART)
	$(RUN) $(PIPE_BIN)/har-ingest $(DATA_INGEST_OPTS) $(DATA_DIR) -o $(DATA_WORK)/windows$(ST) --report $(DATA_ART)/ingest_report.md

$(SPLITS:%=$(DATA_SPLIT)-%$(ST)) $(DATA_ART)/split_audit.csv &: $(DATA_WORK)/windows$(ST) $(PIPE_BIN)/har-split $(DATA_CFG)
	$(RUN) $(PIPE_BIN)/har-split -q $(DATA_SPLIT_OPTS) -o $(DATA_SPLIT) \
	    --csv $(DATA_ART)/split_audit.csv $<

# The audit as its own stage: re-checks the written files; fails on leakage.
$(DATA_ART)/audit.txt: $(SPLITS:%=$(DATA_SPLIT)-%$(ST)) $(PIPE_BIN)/har-split $(DATA_CFG)
	$(RUN) $(PIPE_BIN)/har-split --audit $(filter %$(ST),$^) > $@.tmp && mv $@.tmp $@

$(DATA_WORK)/norm_stats$(ST): $(DATA_SPLIT)-train$(ST) $(PIPE_BIN)/har-norm $(DATA_CFG)
	$(RUN) $(PIPE_BIN)/har-norm fit $< -o $@

$(DATA_ART)/norm_stats.txt: $(DATA_WORK)/norm_stats$(ST) $(PIPE_BIN)/har-norm $(DATA_CFG)
	$(RUN) $(PIPE_BIN)/har-norm show $< > $@.tmp && mv $@.tmp $@

$(DATA_SPLIT)-%-norm$(ST): $(DATA_SPLIT)-%$(ST) $(DATA_WORK)/norm_stats$(ST) $(PIPE_BIN)/har-norm $(DATA_CFG)
	$(RUN) $(PIPE_BIN)/har-norm apply $(DATA_WORK)/norm_stats$(ST) $< -o $@
