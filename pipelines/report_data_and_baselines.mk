# pipelines/report_data_and_baselines.mk - deliverable 1 of the training clinic: the
# dataset card, the leakage audit, and what a model has to beat.
#
#   make data-and-baselines -> artifacts/01_data_and_baselines.md   the report
#                              artifacts/01_data_and_baselines/     its figures
#                              (PNG, gnuplot) and the CSV behind every table
#
# Every number in the report is read from a file this pipeline wrote: the
# ingest report and the audit (pipelines/data.mk), har-eval's CSV of each
# baseline, and the MLP of the zoo (pipelines/models.mk: trained on the 17
# training subjects, early stopping on the 4 validation subjects); the figure
# of raw signals is drawn from one recording of DATA_DIR/RawData.

R1          := $(ARTIFACTS)/01_data_and_baselines
R1_MK       := pipelines/report_data_and_baselines.mk
R1_SCRIPT   := pipelines/report_data_and_baselines.sh
R1_SEED     := 1
GENERATED   += $(R1).md $(R1)
R1_SPLITS   := train val test
R1_BASELINES := majority uniform stratified

.PHONY: data-and-baselines
pipelines: data-and-baselines
data-and-baselines: $(R1).md

# har-eval's long CSV (section,name,key,value) of each baseline on each split,
# fitted on the training split only.
$(R1)/baseline-%.csv: $(DATA_SPLIT)-train$(ST) $(DATA_SPLIT)-val$(ST) $(DATA_SPLIT)-test$(ST) $(PIPE_BIN)/har-eval $(R1_MK)
	@mkdir -p $(R1)
	$(RUN) $(PIPE_BIN)/har-eval --baseline $(word 1,$(subst -, ,$*)) --seed $(R1_SEED) --fit $(DATA_SPLIT)-train$(ST) \
	    $(DATA_SPLIT)-$(word 2,$(subst -, ,$*))$(ST) --csv $@ > /dev/null

$(R1)/mlp-%.csv: $(MODELS_WORK)/mlp$(ST) $(DATA_SPLIT)-%$(ST) $(PIPE_BIN)/har-eval $(R1_MK)
	@mkdir -p $(R1)
	$(RUN) $(PIPE_BIN)/har-eval $< $(DATA_SPLIT)-$*$(ST) --csv $@ > /dev/null

R1_CSVS := $(foreach b,$(R1_BASELINES),$(foreach s,$(R1_SPLITS),$(R1)/baseline-$(b)-$(s).csv)) \
           $(R1)/mlp-val.csv $(R1)/mlp-test.csv

$(R1).md: $(R1_CSVS) $(DATA_ART)/ingest_report.md $(DATA_ART)/audit.txt $(MODELS_ART)/mlp-curves.csv $(MODELS_ART)/experiments.csv \
          $(HAPT_INPUTS) data/hapt/SOURCE.md $(R1_SCRIPT) pipelines/report_lib.sh $(R1_MK) | packages-pipelines
	sh $(R1_SCRIPT) $(R1) $(DATA_ART) $(MODELS_ART)/mlp-curves.csv $(DATA_DIR) > $@.tmp && mv $@.tmp $@
