# pipelines/report_training_clinic.mk - deliverable 2 of the training clinic:
# overfitting and its fix, divergence and its fix, vanishing gradients with
# and without skip connections, optimizers, batch sizes, and the final
# recipe over several seeds.
#
#   make training-clinic -> artifacts/02_training_clinic.md    the report
#                           artifacts/02_training_clinic/      figures, the
#                           curves (and step traces) of every run
#                           artifacts/experiments.csv          one row per run
#
# Every run trains on the 17 training subjects and is scored on the 4
# validation subjects (the test subjects are for deliverable 3).  A run is
# defined by CLINIC_SPEC_name, CLINIC_OPTS_name and CLINIC_NOTE_name; it
# depends on its own definition (build/clinic/NAME.cfg, rewritten only when
# it changes), so editing one run reruns only that run and the report.

R2          := $(ARTIFACTS)/02_training_clinic
R2_MK       := pipelines/report_training_clinic.mk
R2_SCRIPT   := pipelines/report_training_clinic.sh
GENERATED   += $(R2).md $(R2)

comma       := ,
space       := $(empty) $(empty)
# The clinic's MLP (the baseline's shape) and an oversized one.
MLP_SPEC    := flatten,dense:256,relu,dropout:0.3,dense:256,relu,dropout:0.3,dense:6
BIG_SPEC    := flatten,dense:1024,relu,dense:1024,relu,dense:6
BIG_DROP    := flatten,dense:1024,relu,dropout:0.5,dense:1024,relu,dropout:0.5,dense:6
# 10 sigmoid layers of 64, plain or each wrapped in a skip connection.
DEEP_PLAIN  := flatten,dense:64$(subst $(space),,$(foreach i,1 2 3 4 5 6 7 8 9 10,$(comma)dense:64$(comma)sigmoid)),dense:6
DEEP_SKIP   := flatten,dense:64$(subst $(space),,$(foreach i,1 2 3 4 5 6 7 8 9 10,$(comma)res(dense:64$(comma)sigmoid))),dense:6

CLINIC_RUNS += overfit overfit-fixed diverge diverge-fixed deep-plain deep-skip \
               opt-sgd opt-momentum opt-adam opt-adamw batch-16 batch-64 batch-256 \
               final-seed1 final-seed2 final-seed3
CLINIC_BASE := --seed 1 --patience 0

CLINIC_SPEC_overfit        := $(BIG_SPEC)
CLINIC_OPTS_overfit        := $(CLINIC_BASE) -e 30 --optimizer adam --lr 1e-3 --schedule constant
CLINIC_NOTE_overfit        := oversized MLP, no regularisation, constant LR: overfits
CLINIC_SPEC_overfit-fixed  := $(BIG_DROP)
CLINIC_OPTS_overfit-fixed  := --seed 1 -e 30 --patience 5 --optimizer adamw --lr 1e-3 --weight-decay 0.05 \
                              --schedule cosine --jitter 0.05 --scaling 0.1
CLINIC_NOTE_overfit-fixed  := the same MLP with dropout 0.5, weight decay, noise, cosine LR and early stopping
CLINIC_SPEC_diverge        := $(MLP_SPEC)
CLINIC_OPTS_diverge        := $(CLINIC_BASE) -e 10 --optimizer sgd --lr 0.6 --clip 0 --schedule constant
CLINIC_NOTE_diverge        := plain SGD at lr 0.6 without clipping: diverges
CLINIC_STEPS_diverge       := yes
CLINIC_SPEC_diverge-fixed  := $(MLP_SPEC)
CLINIC_OPTS_diverge-fixed  := $(CLINIC_BASE) -e 10 --optimizer sgd --lr 0.06 --clip 1 --schedule constant
CLINIC_NOTE_diverge-fixed  := the same with lr 0.06 and gradient clipping at norm 1
CLINIC_STEPS_diverge-fixed := yes
CLINIC_SPEC_deep-plain     := $(DEEP_PLAIN)
CLINIC_OPTS_deep-plain     := $(CLINIC_BASE) -e 5 --optimizer sgd --lr 0.05 --schedule constant
CLINIC_NOTE_deep-plain     := 10 sigmoid layers, no skip connections: vanishing gradients
CLINIC_SPEC_deep-skip      := $(DEEP_SKIP)
CLINIC_OPTS_deep-skip      := $(CLINIC_BASE) -e 5 --optimizer sgd --lr 0.05 --schedule constant
CLINIC_NOTE_deep-skip      := the same 10 layers, each inside a skip connection
CLINIC_SPEC_opt-sgd        := $(MLP_SPEC)
CLINIC_OPTS_opt-sgd        := $(CLINIC_BASE) -e 15 --optimizer sgd --lr 0.05
CLINIC_NOTE_opt-sgd        := optimizer comparison: SGD
CLINIC_SPEC_opt-momentum   := $(MLP_SPEC)
CLINIC_OPTS_opt-momentum   := $(CLINIC_BASE) -e 15 --optimizer momentum --lr 0.01
CLINIC_NOTE_opt-momentum   := optimizer comparison: SGD with momentum 0.9
CLINIC_SPEC_opt-adam       := $(MLP_SPEC)
CLINIC_OPTS_opt-adam       := $(CLINIC_BASE) -e 15 --optimizer adam --lr 1e-3
CLINIC_NOTE_opt-adam       := optimizer comparison: Adam
CLINIC_SPEC_opt-adamw      := $(MLP_SPEC)
CLINIC_OPTS_opt-adamw      := $(CLINIC_BASE) -e 15 --optimizer adamw --lr 1e-3
CLINIC_NOTE_opt-adamw      := optimizer comparison: AdamW (decoupled weight decay 0.01)
CLINIC_SPEC_batch-16       := $(MLP_SPEC)
CLINIC_OPTS_batch-16       := $(CLINIC_BASE) -e 15 --optimizer adamw --lr 1e-3 -b 16
CLINIC_NOTE_batch-16       := batch-size comparison: 16
CLINIC_SPEC_batch-64       := $(MLP_SPEC)
CLINIC_OPTS_batch-64       := $(CLINIC_BASE) -e 15 --optimizer adamw --lr 1e-3 -b 64
CLINIC_NOTE_batch-64       := batch-size comparison: 64
CLINIC_SPEC_batch-256      := $(MLP_SPEC)
CLINIC_OPTS_batch-256      := $(CLINIC_BASE) -e 15 --optimizer adamw --lr 1e-3 -b 256
CLINIC_NOTE_batch-256      := batch-size comparison: 256
# The zoo's GRU recipe (pipelines/models.mk) over three seeds.
CLINIC_FINAL_OPTS          := --patience 0 --jitter 0.02 --scaling 0.1 $(ROTATE)
CLINIC_SPEC_final-seed1    := $(MODEL_SPEC_gru)
CLINIC_OPTS_final-seed1    := $(CLINIC_FINAL_OPTS) --seed 1
CLINIC_NOTE_final-seed1    := final recipe (GRU), seed 1
CLINIC_SPEC_final-seed2    := $(MODEL_SPEC_gru)
CLINIC_OPTS_final-seed2    := $(CLINIC_FINAL_OPTS) --seed 2
CLINIC_NOTE_final-seed2    := final recipe (GRU), seed 2
CLINIC_SPEC_final-seed3    := $(MODEL_SPEC_gru)
CLINIC_OPTS_final-seed3    := $(CLINIC_FINAL_OPTS) --seed 3
CLINIC_NOTE_final-seed3    := final recipe (GRU), seed 3

.PHONY: training-clinic
pipelines: training-clinic
training-clinic: $(R2).md $(EXPLOG)

$(R2).md: $(CLINIC_RUNS:%=$(CLINIC)/%.log.csv) $(DATA_ART)/audit.txt $(R2_SCRIPT) pipelines/report_lib.sh $(R2_MK) | packages-pipelines
	sh $(R2_SCRIPT) $(R2) $(CLINIC) $(DATA_ART)/audit.txt $(CLINIC_RUNS) > $@.tmp && mv $@.tmp $@
