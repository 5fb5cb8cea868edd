# pipelines/clinic_runs.mk - how a training run on the clinic split is made:
# the 17 training subjects of pipelines/data.mk, scored every epoch on its 4
# validation subjects (the test subjects are never read).  The reports'
# studies (pipelines/report_training_clinic.mk, report_rnn_and_inference.mk)
# define their runs here by name; this file is read right after data.mk.
#
# A run NAME is added to CLINIC_RUNS (in the order the experiment log lists
# it) and defined by
#   CLINIC_SPEC_NAME    model spec
#   CLINIC_OPTS_NAME    har-train options (seed, optimizer, epochs, ...)
#   CLINIC_NOTE_NAME    the note of its experiment-log row
# and optionally
#   CLINIC_STEPS_NAME   yes: also record every step (--steps)
#   CLINIC_TIMED_NAME   yes: a report compares its seconds, so it runs alone
#                       (RUN_ALONE: no other run shares the machine)
#   CLINIC_DIR_NAME     where its curves (and steps) go (default: the
#                       training clinic's figure folder)
#   CLINIC_TRAIN_NAME   its training file (default: the normalised training
#                       split; e.g. a thinned one for the imbalance study)
# It writes CLINIC/NAME.log.csv (its experiment-log row: the target),
# CLINIC/NAME.safetensors.gz (the checkpoint of its best epoch by
# PRIMARY_METRIC), DIR/NAME-curves.csv and, with steps, DIR/NAME-steps.csv.
# A run depends on its own definition (CLINIC/NAME.cfg, rewritten only when
# it changes), so editing one run reruns only that run and what reads it.
# A run that diverges (har-train exit 5) is an expected outcome: its log row
# says so.

CLINIC      := $(PIPE_WORK)/clinic
EXPLOG      := $(ARTIFACTS)/experiments.csv
CLINIC_RUNS :=
GENERATED   += $(EXPLOG) $(CLINIC)

# Prerequisites below name variables that later fragments set (their runs).
.SECONDEXPANSION:

clinic_dir   = $(or $(CLINIC_DIR_$(1)),$(ARTIFACTS)/02_training_clinic)
clinic_train = $(or $(CLINIC_TRAIN_$(1)),$(DATA_SPLIT)-train-norm$(ST))
clinic_run   = $(if $(filter yes,$(CLINIC_TIMED_$(1))),$(RUN_ALONE),$(RUN))

# Definitions and log rows are results, not intermediates.
.PRECIOUS: $(CLINIC)/%.cfg $(CLINIC)/%.log.csv

$(CLINIC)/%.cfg: FORCE
	@mkdir -p $(@D)
	@printf '%s\n' '$(CLINIC_SPEC_$*)' '$(strip $(CLINIC_OPTS_$*) $(TRAIN_EXTRA))' '$(CLINIC_NOTE_$*)' \
	    '$(call clinic_train,$*) $(call clinic_dir,$*) $(CLINIC_STEPS_$*) $(CLINIC_TIMED_$*)' | sh pipelines/update_if_changed.sh $@

$(CLINIC)/%.log.csv: $(CLINIC)/%.cfg $$(call clinic_train,$$*) $(DATA_SPLIT)-val-norm$(ST) $(PIPE_BIN)/har-train
	@mkdir -p $(call clinic_dir,$*)
	resume=$$($(RESUME_ARGS) $(CLINIC)/$*-last$(ST) $^) && \
	rm -f $@.tmp $$(test -n "$$resume" || echo $(call clinic_dir,$*)/$*-curves.csv $(call clinic_dir,$*)/$*-steps.csv) && \
	$(call clinic_run,$*) $(PIPE_BIN)/har-train -q $(call clinic_train,$*) $(DATA_SPLIT)-val-norm$(ST) \
	    -m '$(CLINIC_SPEC_$*)' --monitor $(PRIMARY_MONITOR) $(CLINIC_OPTS_$*) $(TRAIN_EXTRA) -o $(CLINIC)/$*$(ST) \
	    --curves $(call clinic_dir,$*)/$*-curves.csv $(if $(CLINIC_STEPS_$*),--steps $(call clinic_dir,$*)/$*-steps.csv) \
	    --log $@.tmp --run-id $* --note '$(CLINIC_NOTE_$*)' $$resume; rc=$$?; test $$rc -eq 0 -o $$rc -eq 5
	mv $@.tmp $@

# The experiment log of the clinic split: one row per run, in CLINIC_RUNS order.
$(EXPLOG): $$(patsubst %,$(CLINIC)/%.log.csv,$$(CLINIC_RUNS))
	{ head -n 1 $<; for f in $^; do tail -n +2 $$f; done; } > $@.tmp && mv $@.tmp $@
