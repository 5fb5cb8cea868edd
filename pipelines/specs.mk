# pipelines/specs.mk - the model specs and training options that more than
# one fragment trains with, each named once.  Read before every other
# fragment (the Makefile's PIPE_FRAGMENTS), so each can name them.
#
# The zoo (pipelines/models.mk) trains the shapes and options that the
# recipes' cross-validation (pipelines/recipes.mk) compared, and the training
# clinic's baseline (pipelines/report_training_clinic.mk) is the zoo's MLP:
# copied by hand, a spec edited in one place would silently stop being the
# one the others claim to use.  A study's own shapes (the clinic's deep,
# oversized and initialisation networks, the architecture study's
# arch_spec) stay in its fragment, next to the text that explains them.
#
# Nothing here is a target.  Every run still writes its spec and options to
# its own definition file (NAME.cfg, recipe-NAME.txt), so editing a spec
# here reruns exactly the runs that train it.

# Recurrent models of 64 units; "-mean" reads out the mean over the window's
# steps instead of the last step.
SPEC_gru       := gru:64,dense:6
SPEC_gru-mean  := gru:64:readout=mean,dense:6
SPEC_lstm      := lstm:64,dense:6
SPEC_lstm-mean := lstm:64:readout=mean,dense:6
# One convolution in front of the GRU, and three convolutions with global
# average pooling.
SPEC_cnn-gru   := conv1d:64:5,relu,maxpool:2,gru:64,dropout:0.2,dense:6
SPEC_cnn       := conv1d:64:5,relu,conv1d:64:5,relu,maxpool:2,conv1d:64:5,relu,gap,dropout:0.5,dense:6
# The MLP baseline (the zoo's mlp, the clinic's baseline recipe).
SPEC_mlp       := flatten,dense:256,relu,dropout:0.3,dense:256,relu,dropout:0.3,dense:6

# The augmentation of every zoo model and recipe: seed 1, Gaussian noise and
# per-channel scaling (har-train --jitter, --scaling).
AUG_OPTS := --seed 1 --jitter 0.02 --scaling 0.1
# The phone worn at other angles (har-train --rotate).  The angle and share
# were picked in an exploratory run of 5 folds dealt as the recipes' folds
# are (pipelines/recipes.mk tells how).
ROTATE   := --rotate 60 --rotate-share 0.67
