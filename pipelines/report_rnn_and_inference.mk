# pipelines/report_rnn_and_inference.mk - deliverable 3 of the training
# clinic: the recurrent models, the choice of the final model on validation
# alone, its one evaluation on the held-out test subjects, an inference demo
# and its latency.
#
#   make rnn-and-inference -> artifacts/03_rnn_and_inference.md   the report
#                             artifacts/03_rnn_and_inference/     figures, CSV
#                             artifacts/final_model.safetensors.gz  the chosen
#                             checkpoint (its SHA-256 is in the report)
#
# The candidates are the zoo's recurrent models (pipelines/models.mk).  The
# final one is the candidate whose recipe has the best mean last-epoch
# accuracy in the cross-validation over the training subjects
# (artifacts/models/recipes-cv.md): validation only, never test.

R3          := $(ARTIFACTS)/03_rnn_and_inference
R3_MK       := pipelines/report_rnn_and_inference.mk
R3_SCRIPT   := pipelines/report_rnn_and_inference.sh
FINAL_MODEL := $(ARTIFACTS)/final_model$(ST)
GENERATED   += $(R3).md $(R3) $(FINAL_MODEL) $(MODEL_CARD)
# The streamed recording of the demo (a test subject's) and its sample range.
DEMO_EXP    := 17
DEMO_USER   := 09
DEMO_RAW    := $(DATA_DIR)/RawData/acc_exp$(DEMO_EXP)_user$(DEMO_USER).txt.gz $(DATA_DIR)/RawData/gyro_exp$(DEMO_EXP)_user$(DEMO_USER).txt.gz

.PHONY: rnn-and-inference
pipelines: rnn-and-inference
rnn-and-inference: $(R3).md $(MODEL_CARD)

R3_MODELS := $(foreach c,$(SEL_CANDIDATES),$(MODELS_WORK)/$(firstword $(subst :, ,$(c)))$(ST))
$(FINAL_MODEL): $(CHOICE) $(R3_MODELS)
	cp $(MODELS_WORK)/$$(head -n 1 $< | cut -d' ' -f1)$(ST) $@.tmp && mv $@.tmp $@

# Every candidate on the test subjects (the chosen one's row is the final
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

R3_CSVS := $(foreach c,$(SEL_CANDIDATES),$(R3)/test-$(firstword $(subst :, ,$(c))).csv)

$(R3).md: $(CHOICE) $(SELECTION_DEPS) $(FINAL_MODEL) $(R3_CSVS) $(R3)/final.csv $(R3)/stream.csv $(R3)/latency.json \
          $(DATA_DIR)/RawData/labels.txt.gz $(R3_SCRIPT) pipelines/report_selection.sh pipelines/report_lib.sh $(R3_MK) | packages-pipelines
	sh $(R3_SCRIPT) $(R3) $(FINAL_MODEL) $(DATA_DIR)/RawData/labels.txt.gz $(DEMO_EXP) > $@.tmp && mv $@.tmp $@

$(MODEL_CARD): $(CHOICE) $(SELECTION_DEPS) $(FINAL_MODEL) $(R3)/final.csv $(R3)/latency.json data/hapt/SOURCE.md \
               pipelines/model_card.sh pipelines/report_lib.sh $(R3_MK)
	sh pipelines/model_card.sh $(R3) $(FINAL_MODEL) > $@.tmp && mv $@.tmp $@
