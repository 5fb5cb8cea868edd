# pipelines/geotec.mk - deliverable 5: the second dataset.  GeoTec's
# Timed-Up-and-Go recordings (data/geotec: 23 subjects, a phone in the
# trouser pocket and a watch, ~100 Hz with irregular timestamps, one label
# per sample) through the whole pipeline, and the HAPT models scored on its
# phone.
#
#   make geotec -> artifacts/05_geotec.md            the report
#       artifacts/05_geotec/ingest-DEVICE.csv   har-ingest's counts (rows,
#           dropped timestamps, gaps, pieces, mixed windows, windows per
#           class and subject), DEVICE = phone, watch, cross (the phone cut
#           for the HAPT models)
#       artifacts/05_geotec/split-DEVICE.csv    har-split's audit
#       artifacts/05_geotec/eval-DEVICE-NAME.csv  har-eval --csv of each
#           model and baseline on the DEVICE's test subjects
#       artifacts/05_geotec/by-subject-DEVICE-MODEL.csv  each test subject
#           scored alone, with bootstrap intervals over its windows
#       artifacts/05_geotec/cross-NAME.csv      har-eval --csv of each HAPT
#           model on the GeoTec phone windows
#       artifacts/05_geotec/*-curves.csv, experiments.csv   the trainings
#       artifacts/05_geotec/{scores,classes,subjects,cross}.csv, *.png
#           the report's tables and figures (pipelines/report_geotec.sh)
#   build/geotec/     windows, splits, checkpoints
#
# The TUG task: GeoTec's own five phases (SEATED, STANDING_UP, WALKING,
# TURNING, SITTING_DOWN), each device on its own.  The phases last about
# 1-3 s, so windows are 1 s (50 samples at 50 Hz) every 0.5 s, labelled by
# the phase covering more than half of the window (har-ingest
# --window-label majority; the others are counted as mixed).  The test
# subjects are every fourth from s03 (GEOTEC_TEST), fixed before anything
# was trained; the models are fitted on the other 17 (no validation split:
# the last of 40 epochs is kept, as the HAPT zoo's refits do), with the
# zoo's augmentation and rotation; the baselines are fitted on the same 17.
#
# Cross-dataset: the phone recordings cut as the HAPT models were trained
# (128 samples every 64, the same 50 Hz chain), labelled with the HAPT
# classes: SEATED -> SITTING, WALKING -> WALKING; STANDING_UP, SITTING_DOWN
# and TURNING are dropped (the HAPT models have no transition or turning
# class; the windows are counted).  Every zoo model is scored, and the final
# model's recipe trained once more without the rotation augmentation
# (cnn-gru-norot) shows what that augmentation changes.

GEOTEC_RAW    := data/geotec/raw/DATA
GEOTEC_LAYOUT := data/geotec/geotec.layout
GEOTEC_INPUTS := $(wildcard $(GEOTEC_RAW)/s*/*.csv.gz) $(GEOTEC_LAYOUT)
GEOTEC_WORK   := $(PIPE_WORK)/geotec
R5            := $(ARTIFACTS)/05_geotec
R5_MK         := pipelines/geotec.mk
R5_SCRIPT     := pipelines/report_geotec.sh
GEOTEC_DEVICES := phone watch
GEOTEC_FILES_phone := _sp\.csv\.gz$$
GEOTEC_FILES_watch := _sw\.csv\.gz$$
GEOTEC_FILES_cross := $(GEOTEC_FILES_phone)
GEOTEC_CUT_task  := --window 50 --stride 25 --window-label majority --bad-timestamps drop
GEOTEC_CUT_cross := --window 128 --stride 64 --window-label majority --bad-timestamps drop \
                    --label-map SEATED=SITTING,STANDING_UP=-,SITTING_DOWN=-,TURNING=-
GEOTEC_TEST   := 3,7,11,15,19,23
GEOTEC_MODELS := gru cnn-gru
GEOTEC_SPEC_gru     := $(subst dense:6,dense:5,$(SPEC_gru-mean))
GEOTEC_SPEC_cnn-gru := $(subst dense:6,dense:5,$(SPEC_cnn-gru))
GEOTEC_OPTS   := $(AUG_OPTS) $(ROTATE)
GEOTEC_BASELINES := majority stratified
GEOTEC_CROSS  := $(MODELS) cnn-gru-norot
GEOTEC_RUNS   := $(foreach d,$(GEOTEC_DEVICES),$(GEOTEC_MODELS:%=$(d)-%))
GEOTEC_EVALS  := $(foreach d,$(GEOTEC_DEVICES),$(foreach m,$(GEOTEC_BASELINES) $(GEOTEC_MODELS),$(R5)/eval-$(d)-$(m).csv))
GENERATED     += $(R5).md $(R5) $(GEOTEC_WORK)

.PHONY: geotec
pipelines: geotec
geotec: $(R5).md

# The parameters, rewritten only when they change: a stage depends on them,
# not on this whole file.
GEOTEC_CFG := $(GEOTEC_WORK)/geotec.cfg
.SECONDARY: $(GEOTEC_CFG)
$(GEOTEC_CFG): FORCE
	@mkdir -p $(@D)
	@printf '%s\n' '$(GEOTEC_CUT_task)' '$(GEOTEC_CUT_cross)' '$(GEOTEC_TEST)' | sh pipelines/update_if_changed.sh $@

# Windows of each device for the task, and of the phone for the HAPT models
# (with their class list, read from their training windows).
$(GEOTEC_WORK)/phone$(ST) $(GEOTEC_WORK)/watch$(ST): $(GEOTEC_WORK)/%$(ST): $(GEOTEC_INPUTS) $(PIPE_BIN)/har-ingest $(GEOTEC_CFG)
	@mkdir -p $(@D) $(R5)
	$(RUN) $(PIPE_BIN)/har-ingest -q --layout-file $(GEOTEC_LAYOUT) --include '$(GEOTEC_FILES_$*)' $(GEOTEC_CUT_task) \
	    --test-subjects $(GEOTEC_TEST) $(GEOTEC_RAW) -o $@ --report $(R5)/ingest-$*.csv

$(GEOTEC_WORK)/cross$(ST): $(GEOTEC_INPUTS) $(FIT_PREFIX)-train$(ST) $(PIPE_BIN)/har-ingest $(GEOTEC_CFG)
	@mkdir -p $(@D) $(R5)
	classes=$$(. pipelines/report_lib.sh && meta $(FIT_PREFIX)-train$(ST) classes) && \
	$(RUN) $(PIPE_BIN)/har-ingest -q --layout-file $(GEOTEC_LAYOUT) --include '$(GEOTEC_FILES_cross)' $(GEOTEC_CUT_cross) \
	    --classes "$$classes" $(GEOTEC_RAW) -o $@ --report $(R5)/ingest-cross.csv

# How regular the raw timestamps are (the report's evidence).
$(R5)/timestamps.csv: $(GEOTEC_INPUTS) pipelines/geotec_timestamps.sh
	@mkdir -p $(R5)
	sh pipelines/geotec_timestamps.sh $(GEOTEC_RAW) phone:sp watch:sw > $@.tmp && mv $@.tmp $@

# How long each phase lasts.
$(R5)/phases.csv: $(GEOTEC_INPUTS) pipelines/geotec_phases.sh
	@mkdir -p $(R5)
	sh pipelines/geotec_phases.sh $(GEOTEC_RAW) phone:sp watch:sw > $@.tmp && mv $@.tmp $@

# Along which axis gravity lies in HAPT's and in GeoTec's phone recordings.
$(R5)/gravity.csv: $(GEOTEC_INPUTS) $(HAPT_INPUTS) pipelines/geotec_gravity.sh
	@mkdir -p $(R5)
	sh pipelines/geotec_gravity.sh $(DATA_DIR)/RawData $(GEOTEC_RAW) > $@.tmp && mv $@.tmp $@

$(R5)/ingest-%.csv: $(GEOTEC_WORK)/%$(ST)
	test -s $@ && touch $@

# Subject-disjoint: the test subjects recorded at ingest, everyone else trains.
.SECONDARY: $(GEOTEC_DEVICES:%=$(GEOTEC_WORK)/%-train$(ST)) $(GEOTEC_DEVICES:%=$(GEOTEC_WORK)/%-test$(ST)) \
            $(GEOTEC_DEVICES:%=$(GEOTEC_WORK)/%-stats$(ST))
$(GEOTEC_WORK)/%-train$(ST) $(GEOTEC_WORK)/%-test$(ST) $(R5)/split-%.csv: $(GEOTEC_WORK)/%$(ST) $(PIPE_BIN)/har-split
	$(RUN) $(PIPE_BIN)/har-split -q -o $(GEOTEC_WORK)/$* --csv $(R5)/split-$*.csv $<

$(GEOTEC_WORK)/%-stats$(ST): $(GEOTEC_WORK)/%-train$(ST) $(PIPE_BIN)/har-norm
	$(RUN) $(PIPE_BIN)/har-norm fit $< -o $@

# A run depends on its own definition (spec and options), as the zoo's do.
geotec_device = $(firstword $(subst -, ,$(1)))
geotec_model  = $(patsubst $(call geotec_device,$(1))-%,%,$(1))
$(GEOTEC_WORK)/%.cfg: FORCE
	@mkdir -p $(@D)
	@printf '%s\n' '$(GEOTEC_SPEC_$(call geotec_model,$*))' '$(strip $(GEOTEC_OPTS) $(TRAIN_EXTRA))' | sh pipelines/update_if_changed.sh $@

.SECONDARY: $(GEOTEC_RUNS:%=$(GEOTEC_WORK)/%$(ST)) $(GEOTEC_RUNS:%=$(GEOTEC_WORK)/%.cfg) \
            $(GEOTEC_RUNS:%=$(GEOTEC_WORK)/%.log.csv)
$(GEOTEC_RUNS:%=$(GEOTEC_WORK)/%$(ST)): $(GEOTEC_WORK)/%$(ST): $(GEOTEC_WORK)/%.cfg \
        $(GEOTEC_DEVICES:%=$(GEOTEC_WORK)/%-train$(ST)) $(GEOTEC_DEVICES:%=$(GEOTEC_WORK)/%-stats$(ST)) $(PIPE_BIN)/har-train
	@mkdir -p $(R5)
	rm -f $(GEOTEC_WORK)/$*.log.csv
	d=$(call geotec_device,$*) && resume=$$($(RESUME_ARGS) $(GEOTEC_WORK)/$*-last$(ST) $^) && \
	$(RUN) $(PIPE_BIN)/har-train -q $(GEOTEC_WORK)/$$d-train$(ST) --stats $(GEOTEC_WORK)/$$d-stats$(ST) \
	    -m '$(GEOTEC_SPEC_$(call geotec_model,$*))' $(GEOTEC_OPTS) $(TRAIN_EXTRA) -o $@ \
	    --curves $(R5)/$*-curves.csv --log $(GEOTEC_WORK)/$*.log.csv --run-id geotec-$* \
	    --note 'make geotec: the TUG phases, final fit on the 17 training subjects' $$resume

$(GEOTEC_WORK)/%.log.csv $(R5)/%-curves.csv: $(GEOTEC_WORK)/%$(ST)
	test -s $(GEOTEC_WORK)/$*.log.csv && test -s $(R5)/$*-curves.csv
	touch $(GEOTEC_WORK)/$*.log.csv $(R5)/$*-curves.csv

# The final model's recipe on HAPT without the rotation augmentation: the
# zoo's cnn-gru fit with the zoo's other options.
GEOTEC_NOROT := $(GEOTEC_WORK)/hapt-cnn-gru-norot
.SECONDARY: $(GEOTEC_NOROT)$(ST) $(GEOTEC_NOROT).log.csv $(GEOTEC_NOROT).cfg
$(GEOTEC_NOROT).cfg: FORCE
	@mkdir -p $(@D)
	@printf '%s\n' '$(MODEL_SPEC_cnn-gru)' '$(strip $(MODEL_OPTS) --patience 0 $(TRAIN_EXTRA))' | sh pipelines/update_if_changed.sh $@

$(GEOTEC_NOROT)$(ST): $(GEOTEC_NOROT).cfg $(FIT_PREFIX)-train$(ST) $(FIT_PREFIX)-stats$(ST) $(PIPE_BIN)/har-train
	@mkdir -p $(R5)
	rm -f $(GEOTEC_NOROT).log.csv
	resume=$$($(RESUME_ARGS) $(GEOTEC_NOROT)-last$(ST) $^) && \
	$(RUN) $(PIPE_BIN)/har-train -q $(FIT_PREFIX)-train$(ST) --stats $(FIT_PREFIX)-stats$(ST) \
	    -m '$(MODEL_SPEC_cnn-gru)' $(MODEL_OPTS) --patience 0 $(TRAIN_EXTRA) -o $@ \
	    --curves $(R5)/hapt-cnn-gru-norot-curves.csv --log $(GEOTEC_NOROT).log.csv --run-id hapt-cnn-gru-norot \
	    --note 'make geotec: the zoo cnn-gru without --rotate, final fit on every HAPT training subject' $$resume

$(R5)/experiments.csv: $(GEOTEC_RUNS:%=$(GEOTEC_WORK)/%.log.csv) $(GEOTEC_NOROT)$(ST)
	{ head -n 1 $<; for f in $(filter %.log.csv,$^) $(GEOTEC_NOROT).log.csv; do tail -n +2 $$f; done; } > $@.tmp && \
	mv $@.tmp $@

# Scores on the test subjects: the models (raw windows, normalised by the
# checkpoint) and the baselines fitted on the training subjects.
$(foreach d,$(GEOTEC_DEVICES),$(GEOTEC_MODELS:%=$(R5)/eval-$(d)-%.csv)): $(R5)/eval-%.csv: $(GEOTEC_WORK)/%$(ST) \
        $(GEOTEC_DEVICES:%=$(GEOTEC_WORK)/%-test$(ST)) $(PIPE_BIN)/har-eval
	$(RUN) $(PIPE_BIN)/har-eval $< $(GEOTEC_WORK)/$(call geotec_device,$*)-test$(ST) --csv $@ > /dev/null

$(foreach d,$(GEOTEC_DEVICES),$(GEOTEC_BASELINES:%=$(R5)/eval-$(d)-%.csv)): $(R5)/eval-%.csv: \
        $(GEOTEC_DEVICES:%=$(GEOTEC_WORK)/%-train$(ST)) $(GEOTEC_DEVICES:%=$(GEOTEC_WORK)/%-test$(ST)) $(PIPE_BIN)/har-eval
	d=$(call geotec_device,$*) && $(RUN) $(PIPE_BIN)/har-eval --baseline $(call geotec_model,$*) --seed 1 \
	    --fit $(GEOTEC_WORK)/$$d-train$(ST) $(GEOTEC_WORK)/$$d-test$(ST) --csv $@ > /dev/null

# Each test subject on its own, with bootstrap intervals over its windows:
# the test split cut by subject (har-split --loso: fold k's validation file
# is one subject's windows), each model scored on each, one row a subject
# (subject,windows,accuracy,accuracy_lo,accuracy_hi,macro_f1,macro_f1_lo,
# macro_f1_hi).
$(GEOTEC_DEVICES:%=$(GEOTEC_WORK)/%-bysubject.list): $(GEOTEC_WORK)/%-bysubject.list: $(GEOTEC_WORK)/%-test$(ST) $(PIPE_BIN)/har-split
	rm -f $(GEOTEC_WORK)/$*-subj-fold*
	$(RUN) $(PIPE_BIN)/har-split -q --loso --test-subjects none -o $(GEOTEC_WORK)/$*-subj $<
	ls $(GEOTEC_WORK)/$*-subj-fold*-val$(ST) > $@.tmp && mv $@.tmp $@

$(GEOTEC_RUNS:%=$(R5)/by-subject-%.csv): $(R5)/by-subject-%.csv: $(GEOTEC_WORK)/%$(ST) \
        $(GEOTEC_DEVICES:%=$(GEOTEC_WORK)/%-bysubject.list) $(PIPE_BIN)/har-eval
	echo subject,windows,accuracy,accuracy_lo,accuracy_hi,macro_f1,macro_f1_lo,macro_f1_hi > $@.tmp
	for f in $$(cat $(GEOTEC_WORK)/$(call geotec_device,$*)-bysubject.list); do \
	    $(RUN) $(PIPE_BIN)/har-eval $< $$f --csv $@.one > /dev/null && \
	    awk -F, '$$1 == "subject" && $$3 == "windows" { s = $$2 } $$1 == "summary" && $$2 == "all" { v[$$3] = $$4 } \
	        $$1 == "bootstrap" && $$2 == "windows" { v[$$3] = $$4 } \
	        END { print s "," v["windows"] "," v["accuracy"] "," v["accuracy_lo"] "," v["accuracy_hi"] "," \
	              v["macro_f1"] "," v["macro_f1_lo"] "," v["macro_f1_hi"] }' $@.one >> $@.tmp || exit 1; \
	done
	rm -f $@.one && mv $@.tmp $@

# The HAPT models on the GeoTec phone.
$(R5)/cross-%.csv: $(GEOTEC_WORK)/cross$(ST) $(MODELS_WORK)/%$(ST) $(PIPE_BIN)/har-eval
	$(RUN) $(PIPE_BIN)/har-eval $(MODELS_WORK)/$*$(ST) $< --csv $@ > /dev/null
$(R5)/cross-cnn-gru-norot.csv: $(GEOTEC_WORK)/cross$(ST) $(GEOTEC_NOROT)$(ST) $(PIPE_BIN)/har-eval
	$(RUN) $(PIPE_BIN)/har-eval $(GEOTEC_NOROT)$(ST) $< --csv $@ > /dev/null

R5_INPUTS := $(R5)/timestamps.csv $(R5)/phases.csv $(R5)/gravity.csv $(GEOTEC_EVALS) $(GEOTEC_CROSS:%=$(R5)/cross-%.csv) $(R5)/experiments.csv \
             $(foreach d,$(GEOTEC_DEVICES) cross,$(R5)/ingest-$(d).csv) $(GEOTEC_DEVICES:%=$(R5)/split-%.csv) \
             $(GEOTEC_RUNS:%=$(R5)/%-curves.csv) $(GEOTEC_RUNS:%=$(R5)/by-subject-%.csv) $(CHOICE) $(MODELS_ART)/experiments.csv
$(R5).md: $(R5_INPUTS) $(GEOTEC_RAW)/subjects_info.csv pipelines/geotec_looks.txt $(R5_SCRIPT) pipelines/report_lib.sh \
          $(R5_MK)
	GEOTEC_RAW=$(GEOTEC_RAW) sh $(R5_SCRIPT) $(R5) '$(GEOTEC_DEVICES)' '$(GEOTEC_MODELS)' '$(GEOTEC_BASELINES)' '$(GEOTEC_CROSS)' \
	    '$(GEOTEC_TEST)' $(CHOICE) '$(GEOTEC_CUT_task)' > $@.tmp && mv $@.tmp $@
