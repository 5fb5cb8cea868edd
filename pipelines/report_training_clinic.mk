# pipelines/report_training_clinic.mk - deliverable 2 of the training clinic:
# the noise floor (one recipe over several seeds), overfitting and its fix,
# divergence and its fix, vanishing gradients with and without skip
# connections, activations, initialisation schemes, optimizers, momentum,
# batch sizes, class imbalance and time-warp augmentation.
#
#   make training-clinic -> artifacts/02_training_clinic.md    the report
#                           artifacts/02_training_clinic/      figures, the
#                           curves (and step traces) of every run, the
#                           evaluations of the imbalance study
#                           artifacts/experiments.csv          one row per run
#
# Every run trains on the 17 training subjects and is scored on the 4
# validation subjects (the test subjects are for deliverable 3).  A run is
# defined by CLINIC_SPEC_name, CLINIC_OPTS_name and CLINIC_NOTE_name
# (pipelines/clinic_runs.mk); the text of a note after its last ": " is the
# run's name in the figures.  Runs whose seconds the report compares are
# CLINIC_TIMED (they run alone).  Each study is sized for make all's budget:
# small networks and few epochs (batch 1: one step per window, two epochs).

R2          := $(ARTIFACTS)/02_training_clinic
R2_MK       := pipelines/report_training_clinic.mk
R2_SCRIPT   := pipelines/report_training_clinic.sh
GENERATED   += $(R2).md $(R2)

comma       := ,
space       := $(empty) $(empty)
# rep N,ITEMS: ",ITEMS" N times (N <= 12; ITEMS with $(comma) for commas).
rep          = $(subst $(space),,$(foreach i,$(wordlist 1,$(1),1 2 3 4 5 6 7 8 9 10 11 12),$(comma)$(2)))
# The clinic's MLP (the zoo's baseline, pipelines/specs.mk) and an oversized one.
MLP_SPEC    := $(SPEC_mlp)
BIG_SPEC    := flatten,dense:1024,relu,dense:1024,relu,dense:6
BIG_DROP    := flatten,dense:1024,relu,dropout:0.5,dense:1024,relu,dropout:0.5,dense:6
# 10 sigmoid layers of 64: plain, each in a skip connection, every two in one,
# and each in a pre-norm block.
DEEP_PLAIN  := flatten,dense:64$(call rep,10,dense:64$(comma)sigmoid),dense:6
DEEP_SKIP   := flatten,dense:64$(call rep,10,res(dense:64$(comma)sigmoid)),dense:6
DEEP_SKIP2  := flatten,dense:64$(call rep,5,res(dense:64$(comma)sigmoid$(comma)dense:64$(comma)sigmoid)),dense:6
DEEP_PRENORM := flatten,dense:64$(call rep,10,res(layernorm$(comma)dense:64$(comma)sigmoid)),dense:6
# act_spec ACT: 4 hidden layers of 128 with activation ACT.
act_spec     = flatten$(call rep,4,dense:128$(comma)$(1)),dense:6
# Where the initialisation matters: 8 ReLU layers under plain SGD, and an
# Elman RNN (tanh) under SGD with momentum.
INIT_MLP    := flatten$(call rep,8,dense:128$(comma)relu),dense:6
INIT_RNN    := rnn:64,dense:6
# A small strided CNN: cheap, and its filters see the cadence time-warp changes.
WARP_SPEC   := conv1d:16:5:stride=2,relu,conv1d:32:5:stride=2,relu,gap,dense:6

R2_ACTIVATIONS := sigmoid tanh relu leakyrelu silu gaussian elu gelu
R2_INITS       := torch xavier he orthogonal
# Their names in the notes (and so in the figures and sentences).
R2_NAME_sigmoid := sigmoid
R2_NAME_tanh    := tanh
R2_NAME_relu    := ReLU
R2_NAME_leakyrelu := leaky ReLU
R2_NAME_silu    := SiLU
R2_NAME_gaussian := Gaussian
R2_NAME_elu     := ELU
R2_NAME_gelu    := GELU
R2_NAME_torch   := PyTorch default
R2_NAME_xavier  := Xavier
R2_NAME_he      := He
R2_NAME_orthogonal := orthogonal
R2_SEEDS       := 2 3 4 5
R2_MOMENTA     := 0 0.5 0.99

R2_RUNS := overfit overfit-fixed diverge diverge-fixed deep-plain deep-skip deep-skip2 deep-prenorm \
           $(R2_ACTIVATIONS:%=act-%) $(R2_INITS:%=init-mlp-%) $(R2_INITS:%=init-rnn-%) \
           opt-sgd opt-momentum opt-adam opt-adamw $(R2_SEEDS:%=adamw-seed%) $(R2_MOMENTA:%=momentum-%) \
           batch-1 batch-16 batch-256 imb-none imb-balanced imb-oversample warp-none warp-on warp-all
CLINIC_RUNS += $(R2_RUNS)
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

DEEP_OPTS                  := $(CLINIC_BASE) -e 10 --optimizer sgd --lr 0.05 --schedule constant
CLINIC_SPEC_deep-plain     := $(DEEP_PLAIN)
CLINIC_OPTS_deep-plain     := $(DEEP_OPTS)
CLINIC_NOTE_deep-plain     := 10 sigmoid layers, no skip connections: plain
CLINIC_SPEC_deep-skip      := $(DEEP_SKIP)
CLINIC_OPTS_deep-skip      := $(DEEP_OPTS)
CLINIC_NOTE_deep-skip      := the same 10 layers, each inside a skip connection: skip every layer
CLINIC_SPEC_deep-skip2     := $(DEEP_SKIP2)
CLINIC_OPTS_deep-skip2     := $(DEEP_OPTS)
CLINIC_NOTE_deep-skip2     := the same 10 layers, a skip connection over every two: skip every two layers
CLINIC_SPEC_deep-prenorm   := $(DEEP_PRENORM)
CLINIC_OPTS_deep-prenorm   := $(DEEP_OPTS)
CLINIC_NOTE_deep-prenorm   := the same 10 layers, each in a pre-norm block (layernorm first): pre-norm skip

$(foreach a,$(R2_ACTIVATIONS),$(eval CLINIC_SPEC_act-$(a) := $(call act_spec,$(a))) \
    $(eval CLINIC_OPTS_act-$(a) := $(CLINIC_BASE) -e 10 --optimizer momentum --lr 0.01) \
    $(eval CLINIC_NOTE_act-$(a) := activation comparison, 4 hidden layers of 128: $(R2_NAME_$(a))))
$(foreach i,$(R2_INITS),$(eval CLINIC_SPEC_init-mlp-$(i) := $(INIT_MLP)) \
    $(eval CLINIC_OPTS_init-mlp-$(i) := $(CLINIC_BASE) -e 10 --optimizer sgd --lr 0.01 --init $(i)) \
    $(eval CLINIC_NOTE_init-mlp-$(i) := initialisation, 8 ReLU layers: $(R2_NAME_$(i))) \
    $(eval CLINIC_SPEC_init-rnn-$(i) := $(INIT_RNN)) \
    $(eval CLINIC_OPTS_init-rnn-$(i) := $(CLINIC_BASE) -e 8 --optimizer momentum --lr 0.01 --init $(i)) \
    $(eval CLINIC_NOTE_init-rnn-$(i) := initialisation, Elman RNN: $(R2_NAME_$(i))))

# The optimizers, the momentum sweep and the batch sizes compare seconds:
# they run alone.
OPT_COMMON := --patience 0 -e 15
CLINIC_SPEC_opt-sgd        := $(MLP_SPEC)
CLINIC_OPTS_opt-sgd        := --seed 1 $(OPT_COMMON) --optimizer sgd --lr 0.05
CLINIC_NOTE_opt-sgd        := optimizer comparison: SGD
CLINIC_SPEC_opt-momentum   := $(MLP_SPEC)
CLINIC_OPTS_opt-momentum   := --seed 1 $(OPT_COMMON) --optimizer momentum --lr 0.01
CLINIC_NOTE_opt-momentum   := optimizer comparison: SGD with momentum 0.9
CLINIC_SPEC_opt-adam       := $(MLP_SPEC)
CLINIC_OPTS_opt-adam       := --seed 1 $(OPT_COMMON) --optimizer adam --lr 1e-3
CLINIC_NOTE_opt-adam       := optimizer comparison: Adam
# The clinic's baseline recipe: also the noise floor's seed 1, the batch-size
# study's batch 64 and the imbalance study's reference.
CLINIC_SPEC_opt-adamw      := $(MLP_SPEC)
CLINIC_OPTS_opt-adamw      := --seed 1 $(OPT_COMMON) --optimizer adamw --lr 1e-3
CLINIC_NOTE_opt-adamw      := optimizer comparison and baseline recipe: AdamW
$(foreach s,$(R2_SEEDS),$(eval CLINIC_SPEC_adamw-seed$(s) := $(MLP_SPEC)) \
    $(eval CLINIC_OPTS_adamw-seed$(s) := --seed $(s) $(OPT_COMMON) --optimizer adamw --lr 1e-3) \
    $(eval CLINIC_NOTE_adamw-seed$(s) := noise floor, the baseline recipe: seed $(s)))
$(foreach m,$(R2_MOMENTA),$(eval CLINIC_SPEC_momentum-$(m) := $(MLP_SPEC)) \
    $(eval CLINIC_OPTS_momentum-$(m) := --seed 1 $(OPT_COMMON) --optimizer momentum --momentum $(m) --lr 0.01) \
    $(eval CLINIC_NOTE_momentum-$(m) := momentum sweep: momentum $(m)))
# Per-sample SGD: one step per window, so few epochs.
CLINIC_SPEC_batch-1        := $(MLP_SPEC)
CLINIC_OPTS_batch-1        := $(CLINIC_BASE) -e 2 --optimizer sgd --lr 0.005 --schedule constant -b 1
CLINIC_NOTE_batch-1        := batch-size comparison, plain SGD: batch 1
CLINIC_SPEC_batch-16       := $(MLP_SPEC)
CLINIC_OPTS_batch-16       := $(CLINIC_BASE) -e 15 --optimizer adamw --lr 1e-3 -b 16
CLINIC_NOTE_batch-16       := batch-size comparison: batch 16
CLINIC_SPEC_batch-256      := $(MLP_SPEC)
CLINIC_OPTS_batch-256      := $(CLINIC_BASE) -e 15 --optimizer adamw --lr 1e-3 -b 256
CLINIC_NOTE_batch-256      := batch-size comparison: batch 256
$(foreach r,opt-sgd opt-momentum opt-adam opt-adamw $(R2_MOMENTA:%=momentum-%) batch-1 batch-16 batch-256, \
    $(eval CLINIC_TIMED_$(r) := yes))

# Class imbalance: the training split with one class thinned to a share of
# its windows (har-split --thin-class), trained with the baseline recipe
# without correction, with balanced class weights and with oversampling.
R2_THIN_CLASS    := SITTING
R2_THIN_FRACTION := 0.1
R2_THIN          := $(CLINIC)/thinned
IMB_OPTS         := --seed 1 $(OPT_COMMON) --optimizer adamw --lr 1e-3
$(foreach r,none balanced oversample,$(eval CLINIC_SPEC_imb-$(r) := $(MLP_SPEC)) \
    $(eval CLINIC_TRAIN_imb-$(r) := $(R2_THIN)-train$(ST)))
CLINIC_OPTS_imb-none       := $(IMB_OPTS)
CLINIC_NOTE_imb-none       := class imbalance, one class thinned: no correction
CLINIC_OPTS_imb-balanced   := $(IMB_OPTS) --class-weights balanced
CLINIC_NOTE_imb-balanced   := class imbalance, one class thinned: balanced class weights
CLINIC_OPTS_imb-oversample := $(IMB_OPTS) --oversample
CLINIC_NOTE_imb-oversample := class imbalance, one class thinned: oversampling

# Time-warp augmentation on the small CNN: none, time warp, and time warp
# with jitter and scaling.
WARP_OPTS := $(CLINIC_BASE) -e 15 --optimizer adamw --lr 2e-3
$(foreach r,none on all,$(eval CLINIC_SPEC_warp-$(r) := $(WARP_SPEC)))
CLINIC_OPTS_warp-none      := $(WARP_OPTS)
CLINIC_NOTE_warp-none      := time-warp study, small CNN: no augmentation
CLINIC_OPTS_warp-on        := $(WARP_OPTS) --time-warp 0.2
CLINIC_NOTE_warp-on        := time-warp study, small CNN: time warp 0.2
CLINIC_OPTS_warp-all       := $(WARP_OPTS) --time-warp 0.2 --jitter 0.05 --scaling 0.1
CLINIC_NOTE_warp-all       := time-warp study, small CNN: time warp, jitter and scaling

# The thinned training split, from its options (rewritten only when they change).
$(R2_THIN).opts: FORCE
	@mkdir -p $(@D)
	@printf '%s\n' '--test-subjects none --thin-class $(R2_THIN_CLASS)=$(R2_THIN_FRACTION) --seed 1' | sh pipelines/update_if_changed.sh $@

$(R2_THIN)-train$(ST): $(DATA_SPLIT)-train-norm$(ST) $(R2_THIN).opts $(PIPE_BIN)/har-split
	$(RUN) $(PIPE_BIN)/har-split -q $$(cat $(R2_THIN).opts) -o $(R2_THIN) $<

# The class counts of the training split and of the thinned one (har-eval's
# CSV of a baseline scored on the file it was fitted on).
R2_CLASSES = @mkdir -p $(@D); $(RUN) $(PIPE_BIN)/har-eval --baseline majority --fit $< $< --csv $@ > /dev/null
$(R2)/classes-train.csv: $(DATA_SPLIT)-train-norm$(ST) $(PIPE_BIN)/har-eval
	$(R2_CLASSES)
$(R2)/classes-thinned.csv: $(R2_THIN)-train$(ST) $(PIPE_BIN)/har-eval
	$(R2_CLASSES)

# Per-class scores on the validation subjects of the imbalance study's runs
# (the checkpoint of each run's best epoch).
R2_EVALS := opt-adamw imb-none imb-balanced imb-oversample
$(R2)/%-eval.csv: $(CLINIC)/%.log.csv $(DATA_SPLIT)-val-norm$(ST) $(PIPE_BIN)/har-eval
	@mkdir -p $(@D)
	$(RUN) $(PIPE_BIN)/har-eval $(CLINIC)/$*$(ST) $(DATA_SPLIT)-val-norm$(ST) --csv $@ > /dev/null

.PHONY: training-clinic
pipelines: training-clinic
training-clinic: $(R2).md $(EXPLOG)

R2_TIMED = $(foreach r,$(R2_RUNS),$(if $(filter yes,$(CLINIC_TIMED_$(r))),$(r)))
$(R2).md: $(R2_RUNS:%=$(CLINIC)/%.log.csv) $(R2_EVALS:%=$(R2)/%-eval.csv) $(R2)/classes-train.csv $(R2)/classes-thinned.csv \
          $(DATA_ART)/audit.txt $(R2_SCRIPT) pipelines/report_lib.sh $(R2_MK) | packages-pipelines
	sh $(R2_SCRIPT) $(R2) $(CLINIC) $(DATA_ART)/audit.txt $(PRIMARY_METRIC) '$(R2_TIMED)' $(R2_RUNS) > $@.tmp && mv $@.tmp $@
