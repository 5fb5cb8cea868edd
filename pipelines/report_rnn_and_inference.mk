# pipelines/report_rnn_and_inference.mk - deliverable 3 of the training
# clinic: a study of recurrent architectures, the choice of the final model
# (pipelines/selection.mk), its evaluation on the held-out test subjects with
# an error analysis, an inference demo and its latency.
#
#   make rnn-and-inference -> artifacts/03_rnn_and_inference.md   the report
#                             artifacts/03_rnn_and_inference/     figures, CSV
#                             artifacts/final_model.safetensors.gz  the chosen
#                             checkpoint (its SHA-256 is in the report)
#                             artifacts/03_rnn_and_inference/failure-modes.txt
#                             the error analysis's failure modes, one a line
#                             (the model card quotes them)
#
# The candidates are the zoo's recurrent models (pipelines/models.mk); the
# choice ranks them by their recipes' cross-validation over the training
# subjects (pipelines/selection.mk, which also keeps the record of when the
# test subjects were scored during development).

R3          := $(ARTIFACTS)/03_rnn_and_inference
R3_MK       := pipelines/report_rnn_and_inference.mk
R3_SCRIPT   := pipelines/report_rnn_and_inference.sh
FINAL_MODEL := $(ARTIFACTS)/final_model$(ST)
GENERATED   += $(R3).md $(R3) $(FINAL_MODEL) $(MODEL_CARD)
# The streamed recording of the demo (a test subject's) and its sample range.
DEMO_EXP    := 17
DEMO_USER   := 09
DEMO_RAW    := $(DATA_DIR)/RawData/acc_exp$(DEMO_EXP)_user$(DEMO_USER).txt.gz $(DATA_DIR)/RawData/gyro_exp$(DEMO_EXP)_user$(DEMO_USER).txt.gz

# The recurrent architectures study: runs on the clinic split
# (pipelines/clinic_runs.mk) with one recipe, har-train's defaults (AdamW,
# cosine schedule, batch 64) for ARCH_EPOCHS epochs: the Elman RNN, the GRU
# and the LSTM at two hidden sizes with the last step as readout, then the
# GRU-64 with two stacked layers, bidirectional, and with the mean and the
# attention readouts; the GRU-64 over two more seeds measures the seed noise
# the differences are judged against.  The report compares their seconds per
# epoch, so each runs alone (about 80 s in all).  The report reads each
# run's spec, seed and load average from its log row and names it from them.
ARCH_EPOCHS := 10
ARCH_RUNS   := arch-rnn-32 arch-gru-32 arch-lstm-32 arch-rnn-64 arch-gru-64 arch-lstm-64 \
               arch-gru-64-seed2 arch-gru-64-seed3 arch-gru-64-stacked arch-gru-64-bidir \
               arch-gru-64-mean arch-gru-64-attention
CLINIC_RUNS += $(ARCH_RUNS)
arch_spec    = $(1)$(if $(2),:$(2)),dense:6
$(foreach c,rnn gru lstm,$(foreach h,32 64,$(eval CLINIC_SPEC_arch-$(c)-$(h) := $(call arch_spec,$(c):$(h)))))
CLINIC_SPEC_arch-gru-64-seed2     := $(CLINIC_SPEC_arch-gru-64)
CLINIC_SPEC_arch-gru-64-seed3     := $(CLINIC_SPEC_arch-gru-64)
CLINIC_SPEC_arch-gru-64-stacked   := $(call arch_spec,gru:64,layers=2)
CLINIC_SPEC_arch-gru-64-bidir     := $(call arch_spec,gru:64,bidir)
CLINIC_SPEC_arch-gru-64-mean      := $(call arch_spec,gru:64,readout=mean)
CLINIC_SPEC_arch-gru-64-attention := $(call arch_spec,gru:64,readout=attention)
ARCH_SEED_arch-gru-64-seed2       := 2
ARCH_SEED_arch-gru-64-seed3       := 3
$(foreach r,$(ARCH_RUNS),$(eval CLINIC_OPTS_$(r) := --seed $(or $(ARCH_SEED_$(r)),1) --patience 0 -e $(ARCH_EPOCHS)) \
  $(eval CLINIC_NOTE_$(r) := recurrent architectures: $(CLINIC_SPEC_$(r))) \
  $(eval CLINIC_TIMED_$(r) := yes) $(eval CLINIC_DIR_$(r) := $(R3)))
ARCH_LOGS   := $(ARCH_RUNS:%=$(CLINIC)/%.log.csv)

.PHONY: rnn-and-inference
pipelines: rnn-and-inference
rnn-and-inference: $(R3).md $(MODEL_CARD)

R3_MODELS := $(foreach c,$(SEL_CANDIDATES),$(MODELS_WORK)/$(firstword $(subst :, ,$(c)))$(ST))
$(FINAL_MODEL): $(CHOICE) $(R3_MODELS)
	cp $(MODELS_WORK)/$$(head -n 1 $< | cut -d' ' -f1)$(ST) $@.tmp && mv $@.tmp $@

# Every zoo model on the test subjects (the chosen one's row is the final
# evaluation; the others are reported for comparison, after the choice).
$(R3)/test-%.csv: $(MODELS_WORK)/%$(ST) $(DATA_SPLIT)-test$(ST) $(PIPE_BIN)/har-eval
	@mkdir -p $(R3)
	$(RUN) $(PIPE_BIN)/har-eval $< $(DATA_SPLIT)-test$(ST) --csv $@ > /dev/null

$(R3)/final.csv $(R3)/final-channels.dat $(R3)/final-time.dat &: $(FINAL_MODEL) $(DATA_SPLIT)-test$(ST) $(PIPE_BIN)/har-eval
	$(RUN) $(PIPE_BIN)/har-eval $< $(DATA_SPLIT)-test$(ST) --csv $(R3)/final.csv --saliency $(R3)/final > /dev/null

# The demo: a raw test recording streamed through har-infer --stream.
$(R3)/stream.csv: $(FINAL_MODEL) $(DEMO_RAW) $(PIPE_BIN)/har-infer $(R3_MK)
	zcat $(word 1,$(DEMO_RAW)) > $@.acc && zcat $(word 2,$(DEMO_RAW)) > $@.gyro
	paste -d' ' $@.acc $@.gyro | $(RUN) $(PIPE_BIN)/har-infer --stream $< > $@.tmp
	rm -f $@.acc $@.gyro
	mv $@.tmp $@

$(R3)/latency.json: $(FINAL_MODEL) $(DATA_SPLIT)-test$(ST) $(PIPE_BIN)/har-latency
	$(RUN_ALONE) $(PIPE_BIN)/har-latency $< $(DATA_SPLIT)-test$(ST) -n $(LATENCY_N) --json $@ > /dev/null

# The error analysis: the test windows of the most confused pair's two
# classes (A read as B most often), each with its recording, start and mean
# raw acceleration (the phone's tilt) ...
$(R3)/pair-windows.csv: $(FINAL_MODEL) $(R3)/final.csv $(DATA_SPLIT)-test$(ST) $(wildcard $(DATA_DIR)/RawData/acc_exp*) \
                        $(PIPE_BIN)/har-infer $(R3_SCRIPT) pipelines/report_lib.sh
	$(RUN) $(PIPE_BIN)/har-infer -q --input-format tensor $< $(DATA_SPLIT)-test$(ST) > $@.infer
	sh $(R3_SCRIPT) gravity $(R3)/final.csv $@.infer $(DATA_DIR)/RawData $< > $@.tmp
	rm -f $@.infer
	mv $@.tmp $@

# ... the saliency of three groups of them alone: A read as B, A and B read
# correctly (an empty group gets files that say so) ...
R3_PAIR := $(foreach g,AB AA BB,$(R3)/pair-$(g)-channels.dat $(R3)/pair-$(g)-time.dat)
$(R3_PAIR) &: $(R3)/pair-windows.csv $(FINAL_MODEL) $(DATA_SPLIT)-test$(ST) $(PIPE_BIN)/har-eval
	for g in AB AA BB; do \
	  w=$$(sh $(R3_SCRIPT) pair-windows $$g $(R3)) || exit 1; \
	  if [ -n "$$w" ]; then \
	    $(RUN) $(PIPE_BIN)/har-eval $(FINAL_MODEL) $(DATA_SPLIT)-test$(ST) --bootstrap 0 --saliency-windows $$w \
	        --saliency $(R3)/pair-$$g > /dev/null || exit 1; \
	  else echo '# no windows' > $(R3)/pair-$$g-channels.dat && echo '# no windows' > $(R3)/pair-$$g-time.dat; fi; \
	done

# ... and the failure modes they show, one sentence a line (the report and
# the model card quote them).
$(R3)/failure-modes.txt: $(R3)/final.csv $(R3)/pair-windows.csv $(R3_PAIR) $(FINAL_MODEL) $(R3_SCRIPT) pipelines/report_lib.sh
	sh $(R3_SCRIPT) failure-modes $(R3) $(FINAL_MODEL) > $@.tmp && mv $@.tmp $@

R3_CSVS   := $(MODELS:%=$(R3)/test-%.csv)
# The candidates' final fits' curves (the chosen one's are shown).
R3_CURVES := $(foreach c,$(SEL_CANDIDATES),$(MODELS_ART)/$(firstword $(subst :, ,$(c)))-curves.csv)

R3_INPUTS := $(CHOICE) $(SELECTION_DEPS) $(FINAL_MODEL) $(R3_CSVS) $(R3)/final.csv $(R3)/pair-windows.csv $(R3_PAIR) \
             $(R3)/failure-modes.txt $(R3)/stream.csv $(R3)/latency.json $(ARCH_LOGS) $(R3_CURVES) \
             $(MODELS:%=$(MODELS_ART)/%-test.json) $(DATA_DIR)/RawData/labels.txt.gz \
             $(R3_SCRIPT) pipelines/report_selection.sh pipelines/report_lib.sh $(R3_MK)
$(R3).md: $(R3_INPUTS) | packages-pipelines
	sh $(R3_SCRIPT) report $(R3) $(FINAL_MODEL) $(DATA_DIR)/RawData/labels.txt.gz $(DEMO_EXP) $(PRIMARY_MONITOR) \
	    $(CLINIC) '$(MODELS)' $(ARCH_RUNS) > $@.tmp && mv $@.tmp $@

$(MODEL_CARD): $(CHOICE) $(SELECTION_DEPS) $(FINAL_MODEL) $(R3)/final.csv $(R3)/failure-modes.txt $(R3)/latency.json \
               data/hapt/SOURCE.md pipelines/model_card.sh pipelines/report_lib.sh $(R3_MK)
	sh pipelines/model_card.sh $(R3) $(FINAL_MODEL) > $@.tmp && mv $@.tmp $@
