/* har-train - train a model on window tensors: the training clinic's engine. */
#define _POSIX_C_SOURCE 200809L
#include <cblas.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "model/checkpoint.h"
#include "cli/cli.h"
#include "train/explog.h"
#include "data/norm.h"
#include "io/provenance.h"
#include "train/train.h"
#include "core/version.h"
#include "git-commit.h" /* generated: HAR_GIT_COMMIT */

#define EXIT_DIVERGED 5
#define EXIT_INTERRUPTED 130
#define DEFAULT_LOG "artifacts/experiments.csv"

static void usage(void)
{
    printf(
        "Usage: %s [OPTIONS] TRAIN [VAL] -o BEST\n"
        "Train a classifier on window tensors (har-split / har-norm output) and keep the\n"
        "checkpoint that is best on the validation split.\n"
        "\n"
        "TRAIN and VAL are window tensor files with the same window length, channels and\n"
        "classes, from disjoint subjects (checked).  They must be normalised with the same\n"
        "statistics (har-norm apply), or raw with --stats STATS to normalise them here.\n"
        "The statistics are stored in the checkpoint, so inference can take raw input.\n"
        "\n"
        "Without VAL nothing is scored during training: the run goes for --epochs and\n"
        "BEST is the last epoch (early stopping and --schedule plateau are refused).\n"
        "This is the final fit on every training subject, once cross-validation has\n"
        "chosen the recipe and the epoch count.\n"
        "\n"
        "Outputs (each written atomically: a crash never leaves a half-written file):\n"
        "  -o, --output BEST       checkpoint of the best epoch by the validation metric\n"
        "                          (--monitor); the test split is never looked at\n"
        "      --checkpoint LAST   the state after the latest epoch, rewritten every epoch,\n"
        "                          for --resume (default: BEST with '-last' before its\n"
        "                          extension, e.g. best.st.gz -> best-last.st.gz)\n"
        "      --curves FILE       per-epoch CSV: epoch, train/val loss, accuracy and\n"
        "                          macro-F1, learning rate, mean global gradient norm,\n"
        "                          mean L2 and L1 gradient norm of every layer, seconds\n"
        "      --steps FILE        per-step CSV: epoch, step, learning rate, loss, global\n"
        "                          gradient norm before clipping, every step including\n"
        "                          a diverged one (loss nan), rewritten every epoch\n"
        "      --log FILE          experiment log: one CSV row per run, finished or not,\n"
        "                          appended under a file lock; columns below (default\n"
        "                          " DEFAULT_LOG "; 'none' to disable)\n"
        "      --run-id ID         run id in the log (default: UTC time and process id)\n"
        "      --note TEXT         free text for the log row\n"
        "\n"
        "Model:\n"
        "  -m, --model SPEC        model spec (default gru:64,dense:K for K classes)\n"
        "      --init NAME         torch (PyTorch's defaults), xavier, he, orthogonal\n"
        "                          (orthogonal recurrent weights, Glorot elsewhere)\n"
        "                          (default torch)\n"
        "\n"
        "Optimisation:\n"
        "  -e, --epochs N          maximum epochs (default 40)\n"
        "  -b, --batch-size N      windows per step; 1 = plain per-sample SGD (default 64)\n"
        "      --optimizer NAME    sgd, momentum, nesterov, adam, adamw, rmsprop\n"
        "                          (default adamw)\n"
        "      --lr X              base learning rate (default 2e-3)\n"
        "      --momentum X        momentum/nesterov/rmsprop (default 0.9; rmsprop 0)\n"
        "      --beta1 X, --beta2 X, --eps X, --alpha X   Adam and RMSprop constants\n"
        "                          (PyTorch's defaults 0.9, 0.999, 1e-8, 0.99)\n"
        "      --weight-decay X    decay strength (default 1e-2 for adamw, else 0)\n"
        "      --decay KIND        coupled (L2 added to the gradient: m = a m + g + wd w)\n"
        "                          or decoupled (w -= lr wd w; adamw always)\n"
        "      --clip X            clip the global gradient norm to X; 0 = off (default 5)\n"
        "      --schedule NAME     constant, step, cosine (linear warmup then cosine\n"
        "                          decay), plateau (reduce on validation-loss plateau)\n"
        "                          (default cosine)\n"
        "      --warmup E          cosine warmup in epochs (default 1)\n"
        "      --min-lr X          cosine floor and plateau floor (default 0)\n"
        "      --step-size N, --gamma X          step: multiply by X every N epochs\n"
        "                          (default 10, 0.1)\n"
        "      --plateau-factor X, --plateau-patience N   (default 0.5, 3)\n"
        "\n"
        "Regularisation and imbalance:\n"
        "      --patience N        early stopping: stop after N epochs without a better\n"
        "                          validation metric; 0 = off (default 10)\n"
        "      --monitor NAME      val_loss, val_acc or val_f1 (macro-F1) (default val_f1)\n"
        "      --label-smoothing X (default 0)\n"
        "      --class-weights W   none or balanced (N / (K n_c), from TRAIN only)\n"
        "      --oversample        class-balanced batches, drawn with replacement\n"
        "      --jitter S          Gaussian noise N(0, S^2) on every value (train only)\n"
        "      --scaling S         per-window, per-channel gain N(1, S^2) (train only)\n"
        "      --time-warp S       smooth random time warp of strength S (train only)\n"
        "      --rotate DEG        turn each window's xyz vectors (channels P_x, P_y, P_z)\n"
        "                          by one random rotation of up to DEG degrees about a\n"
        "                          random axis, in raw units: the phone worn at another\n"
        "                          angle (train only)\n"
        "      --rotate-share P    share of the windows --rotate turns (default 1)\n"
        "\n"
        "Runs:\n"
        "  -s, --seed N            seed of every random choice: initial weights, batch\n"
        "                          order, dropout, augmentation (default 1)\n"
        "      --threads N         threads, 1 or 2 (default $HAR_THREADS, else 2).  Every\n"
        "                          batch is cut into 2 shards whose gradients are added\n"
        "                          in order, so the weights are bit-identical for either\n"
        "                          value\n"
        "      --resume LAST       continue a run from its --checkpoint file: the same\n"
        "                          command with --resume gives bit-identical weights to\n"
        "                          a run that was never interrupted\n"
        "      --overfit-batches N train on N fixed batches only (can the model fit\n"
        "                          one batch? the training loss should approach 0)\n"
        "  -q, --quiet             no diagnostics except errors\n"
        "  -h, --help              show this help\n"
        "  -V, --version           show the version\n"
        "\n"
        "Model spec: comma-separated items, applied in order to windows [T, C]:\n"
        "  dense:N              fully connected, per timestep (alias linear:N)\n"
        "  flatten              [T, F] -> [1, T*F]\n"
        "  dropout:P            inverted dropout (training only)\n"
        "  relu, sigmoid, tanh, leakyrelu (slope 0.1), silu, gaussian (exp(-x^2)),\n"
        "  elu, gelu            activations\n"
        "  gru:H, lstm:H, rnn:H recurrent layers, PyTorch's equations and weight names;\n"
        "                       options :layers=L :bidir :dropout=P (between layers)\n"
        "                       :readout=last|mean|attention|seq (default last; seq\n"
        "                       keeps the sequence for further layers)\n"
        "  conv1d:N:K           1-D convolution over time, N filters of width K;\n"
        "                       options :stride=S :pad=P|same :dilation=D\n"
        "  maxpool:K[:S], avgpool:K[:S]   pooling over time (stride defaults to K)\n"
        "  gap, last, attention reduce time: mean, last step, learned attention\n"
        "  layernorm[:eps=E]    normalise the features of each timestep\n"
        "  res(ITEMS)           residual block x + f(x); f must keep the shape\n"
        "The model must end in [1, K]: reduce time, then dense:K.  Parameters are named\n"
        "like a torch nn.Sequential of the expanded items ('2.weight_ih_l0').\n"
        "Examples of specs:\n"
        "  flatten,dense:256,relu,dropout:0.3,dense:6\n"
        "  conv1d:64:5,relu,maxpool:2,gru:64,dropout:0.2,dense:6\n"
        "  dense:32,res(dense:32,relu,dense:32),res(dense:32,relu,dense:32),gap,dense:6\n"
        "\n"
        "Diagnostics on stderr: the initial validation loss next to ln(K), the loss of\n"
        "a model that knows nothing; per-epoch progress when stderr is a terminal; the\n"
        "stop reason.  A non-finite loss or gradient stops the run at once (stop reason\n"
        "'diverged', exit 5) with the epoch and step; the log row is still written and\n"
        "the last good checkpoints are left as they were.  SIGINT/SIGTERM stop between\n"
        "steps (stop reason 'interrupted', exit 130).\n"
        "\n"
        "Experiment log (--log): CSV, a header line and then one row per run, written\n"
        "as the run ends, finished or not (not after SIGKILL); a log whose header\n"
        "differs from the one below is refused rather than mixed.  Columns, in order:\n"
        "  run_id, timestamp_utc (when the row was written), model (the spec), params\n"
        "  (number of weights), optimizer, lr, batch_size, weight_decay, seed,\n"
        "  epochs_run, best_epoch, best_val_acc, best_val_f1, best_val_loss (at the\n"
        "  best epoch; empty without VAL or without a completed epoch), stop_reason\n"
        "  (completed, early-stopped, diverged or interrupted), seconds (wall-clock\n"
        "  time of the epochs of this invocation), train, val ('none' without VAL),\n"
        "  output, git_commit, hyperparameters (JSON, as stored in the checkpoint),\n"
        "  note (--note), load_avg (the system's 1-minute load average as /proc/loadavg\n"
        "  gave it when the row was written, e.g. 0.52; empty if unreadable): how busy\n"
        "  the machine was, for reading the seconds\n"
        "\n"
        "Examples:\n"
        "  %s build/data/hapt-train-norm.safetensors.gz build/data/hapt-val-norm.safetensors.gz \\\n"
        "      -m gru:64,dense:6 -o gru.safetensors.gz --curves gru-curves.csv\n"
        "  %s train.st.gz val.st.gz --stats stats.st.gz -m 'flatten,dense:256,relu,dense:6' \\\n"
        "      --optimizer sgd --lr 0.05 -o mlp.st.gz --note 'plain SGD baseline'\n"
        "\n" HAR_EXIT_CODES_HELP
        "  4  TRAIN and VAL share subjects (leakage)\n"
        "  5  training diverged (non-finite loss or gradient)\n"
        "  130 interrupted by SIGINT or SIGTERM\n",
        har_prog(), har_prog(), har_prog());
}

/* ---- options ------------------------------------------------------------ */

typedef struct {
    const char *train, *val, *stats, *output, *last, *curves, *steps, *log, *run_id, *note, *resume;
    int quiet;
    har_train_config cfg;
    char spec_buf[64];
    /* explicitly given, so the optimizer's own defaults don't override them */
    int set_momentum, set_wd, set_decay, set_eps;
} options;

/* The shared parser (lib/cli/opt.h): one message form in every tool. */
static double opt_double(const char *s, double lo, double hi, const char *opt)
{
    return har_opt_double(s, lo, hi, opt);
}

static void parse(int argc, char **argv, options *o)
{
    enum {
        O_CHECKPOINT = 256, O_CURVES, O_LOG, O_RUN_ID, O_NOTE, O_INIT, O_OPTIMIZER, O_LR,
        O_MOMENTUM, O_BETA1, O_BETA2, O_EPS, O_ALPHA, O_WD, O_DECAY, O_CLIP, O_SCHEDULE,
        O_WARMUP, O_MIN_LR, O_STEP_SIZE, O_GAMMA, O_PF, O_PP, O_PATIENCE, O_MONITOR, O_LS, O_CW,
        O_OVERSAMPLE, O_JITTER, O_SCALING, O_WARP, O_ROTATE, O_ROTATE_SHARE, O_STEPS, O_RESUME, O_OVERFIT, O_STATS, O_THREADS
    };
    static const struct option longopts[] = {
        {"output", required_argument, 0, 'o'}, {"checkpoint", required_argument, 0, O_CHECKPOINT},
        {"curves", required_argument, 0, O_CURVES}, {"log", required_argument, 0, O_LOG},
        {"run-id", required_argument, 0, O_RUN_ID}, {"note", required_argument, 0, O_NOTE},
        {"model", required_argument, 0, 'm'}, {"init", required_argument, 0, O_INIT},
        {"epochs", required_argument, 0, 'e'}, {"batch-size", required_argument, 0, 'b'},
        {"optimizer", required_argument, 0, O_OPTIMIZER}, {"lr", required_argument, 0, O_LR},
        {"momentum", required_argument, 0, O_MOMENTUM}, {"beta1", required_argument, 0, O_BETA1},
        {"beta2", required_argument, 0, O_BETA2}, {"eps", required_argument, 0, O_EPS},
        {"alpha", required_argument, 0, O_ALPHA}, {"weight-decay", required_argument, 0, O_WD},
        {"decay", required_argument, 0, O_DECAY}, {"clip", required_argument, 0, O_CLIP},
        {"schedule", required_argument, 0, O_SCHEDULE}, {"warmup", required_argument, 0, O_WARMUP},
        {"min-lr", required_argument, 0, O_MIN_LR}, {"step-size", required_argument, 0, O_STEP_SIZE},
        {"gamma", required_argument, 0, O_GAMMA}, {"plateau-factor", required_argument, 0, O_PF},
        {"plateau-patience", required_argument, 0, O_PP},
        {"patience", required_argument, 0, O_PATIENCE}, {"monitor", required_argument, 0, O_MONITOR},
        {"label-smoothing", required_argument, 0, O_LS},
        {"class-weights", required_argument, 0, O_CW}, {"oversample", no_argument, 0, O_OVERSAMPLE},
        {"jitter", required_argument, 0, O_JITTER}, {"scaling", required_argument, 0, O_SCALING},
        {"time-warp", required_argument, 0, O_WARP},
        {"rotate", required_argument, 0, O_ROTATE}, {"steps", required_argument, 0, O_STEPS}, {"rotate-share", required_argument, 0, O_ROTATE_SHARE}, {"seed", required_argument, 0, 's'},
        {"resume", required_argument, 0, O_RESUME},
        {"overfit-batches", required_argument, 0, O_OVERFIT},
        {"stats", required_argument, 0, O_STATS}, {"threads", required_argument, 0, O_THREADS},
        {"quiet", no_argument, 0, 'q'}, {"help", no_argument, 0, 'h'},
        {"version", no_argument, 0, 'V'}, {0, 0, 0, 0}};
    har_train_config *c = &o->cfg;
    har_err e = {0};
    const char *optimizer = "adamw", *schedule = "cosine";
    o->log = DEFAULT_LOG;
    c->init = HAR_INIT_TORCH;
    c->epochs = 40;
    c->augment.rotate_share = 1;
    c->batch_size = 64;
    c->patience = 10;
    c->monitor = HAR_MONITOR_F1;
    c->clip = 5;
    c->seed = 1;
    c->threads = har_opt_threads(NULL, HAR_TRAIN_SHARDS, 2);
    double lr = 2e-3, momentum = 0, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, alpha = 0.99, wd = 0;
    int decoupled = 0;
    /* Schedule options given on the command line (NAN / -1: keep the default). */
    double warmup = 1, min_lr = 0, gamma = NAN, factor = 0.5;
    int step_size = -1, ppatience = 3, set_patience = 0;
    int ch;
    while ((ch = getopt_long(argc, argv, "o:m:e:b:s:qhV", longopts, NULL)) != -1) {
        switch (ch) {
        case 'o': o->output = optarg; break;
        case O_CHECKPOINT: o->last = optarg; break;
        case O_CURVES: o->curves = optarg; break;
        case O_LOG: o->log = optarg; break;
        case O_RUN_ID: o->run_id = optarg; break;
        case O_NOTE: o->note = optarg; break;
        case 'm': c->spec = optarg; break;
        case O_INIT:
            if (har_init_parse(optarg) < 0)
                har_usage_error("--init must be torch, xavier, he or orthogonal, got '%s'", optarg);
            c->init = (har_init)har_init_parse(optarg);
            break;
        case 'e': c->epochs = (int)har_opt_long(optarg, 1, 100000, "--epochs"); break;
        case 'b': c->batch_size = (int)har_opt_long(optarg, 1, 65536, "--batch-size"); break;
        case O_OPTIMIZER: optimizer = optarg; break;
        case O_LR: lr = opt_double(optarg, 0, 1e6, "--lr"); break;
        case O_MOMENTUM: momentum = opt_double(optarg, 0, 1, "--momentum"); o->set_momentum = 1; break;
        case O_BETA1: beta1 = opt_double(optarg, 0, 0.999999, "--beta1"); break;
        case O_BETA2: beta2 = opt_double(optarg, 0, 0.999999999, "--beta2"); break;
        case O_EPS: eps = opt_double(optarg, 0, 1, "--eps"); o->set_eps = 1; break;
        case O_ALPHA: alpha = opt_double(optarg, 0, 1, "--alpha"); break;
        case O_WD: wd = opt_double(optarg, 0, 1e3, "--weight-decay"); o->set_wd = 1; break;
        case O_DECAY:
            if (strcmp(optarg, "coupled") && strcmp(optarg, "decoupled"))
                har_usage_error("--decay must be coupled or decoupled, got '%s'", optarg);
            decoupled = !strcmp(optarg, "decoupled");
            o->set_decay = 1;
            break;
        case O_CLIP: c->clip = opt_double(optarg, 0, 1e12, "--clip"); break;
        case O_SCHEDULE: schedule = optarg; break;
        case O_WARMUP: warmup = opt_double(optarg, 0, 1e5, "--warmup"); break;
        case O_MIN_LR: min_lr = opt_double(optarg, 0, 1e6, "--min-lr"); break;
        case O_STEP_SIZE: step_size = (int)har_opt_long(optarg, 1, 100000, "--step-size"); break;
        case O_GAMMA: gamma = opt_double(optarg, 1e-9, 1, "--gamma"); break;
        case O_PF: factor = opt_double(optarg, 0, 0.999999, "--plateau-factor"); break;
        case O_PP: ppatience = (int)har_opt_long(optarg, 0, 100000, "--plateau-patience"); break;
        case O_PATIENCE:
            c->patience = (int)har_opt_long(optarg, 0, 100000, "--patience");
            set_patience = 1;
            break;
        case O_MONITOR:
            if (har_monitor_parse(optarg) < 0)
                har_usage_error("--monitor must be val_loss, val_acc or val_f1, got '%s'", optarg);
            c->monitor = (har_monitor)har_monitor_parse(optarg);
            break;
        case O_LS: c->label_smoothing = opt_double(optarg, 0, 0.999, "--label-smoothing"); break;
        case O_CW:
            if (strcmp(optarg, "none") && strcmp(optarg, "balanced"))
                har_usage_error("--class-weights must be none or balanced, got '%s'", optarg);
            c->class_weights = !strcmp(optarg, "balanced");
            break;
        case O_OVERSAMPLE: c->oversample = 1; break;
        case O_JITTER: c->augment.jitter = opt_double(optarg, 0, 100, "--jitter"); break;
        case O_SCALING: c->augment.scaling = opt_double(optarg, 0, 10, "--scaling"); break;
        case O_WARP: c->augment.time_warp = opt_double(optarg, 0, 10, "--time-warp"); break;
        case O_ROTATE: c->augment.rotate = opt_double(optarg, 0, 180, "--rotate"); break;
        case O_STEPS: o->steps = optarg; break;
        case O_ROTATE_SHARE: c->augment.rotate_share = opt_double(optarg, 0, 1, "--rotate-share"); break;
        case 's': c->seed = har_opt_seed(optarg, "--seed"); break;
        case O_RESUME: o->resume = optarg; break;
        case O_OVERFIT: c->overfit_batches = (int)har_opt_long(optarg, 1, 1 << 24, "--overfit-batches"); break;
        case O_STATS: o->stats = optarg; break;
        case O_THREADS: c->threads = har_opt_threads(optarg, HAR_TRAIN_SHARDS, 2); break;
        case 'q': o->quiet = 1; break;
        case 'h': usage(); exit(0);
        case 'V': har_print_version(); exit(0);
        default: har_usage_error("unknown option");
        }
    }
    if (argc - optind != 1 && argc - optind != 2)
        har_usage_error("expected TRAIN and optionally VAL (got %d file arguments)", argc - optind);
    o->train = argv[optind];
    o->val = argc - optind == 2 ? argv[optind + 1] : NULL;
    if (!o->val && !set_patience)
        c->patience = 0; /* the default patience needs a validation split */
    if (!o->output)
        har_usage_error("-o BEST is required");
    har_optim_kind kind;
    if (har_optim_parse(optimizer, &kind, &e))
        har_usage_error("--optimizer: %s", e.msg);
    har_optim_defaults(&c->optim, kind);
    c->optim.lr = lr;
    c->optim.beta1 = beta1;
    c->optim.beta2 = beta2;
    c->optim.alpha = alpha;
    if (o->set_eps)
        c->optim.eps = eps;
    if (o->set_momentum)
        c->optim.momentum = momentum;
    if (o->set_wd)
        c->optim.weight_decay = wd;
    if (o->set_decay)
        c->optim.decoupled = decoupled;
    if (kind == HAR_OPT_ADAMW && o->set_decay && !decoupled)
        har_usage_error("--optimizer adamw is Adam with decoupled decay: use adam for coupled");
    if (har_optim_check(&c->optim, &e))
        har_usage_error("%s", e.msg);
    har_sched_kind sk;
    if (har_sched_parse(schedule, &sk, &e))
        har_usage_error("--schedule: %s", e.msg);
    har_sched_config *sc = &c->schedule;
    har_sched_defaults(sc, sk, lr);
    sc->epochs = c->epochs;
    sc->warmup = sk == HAR_SCHED_COSINE ? (warmup < c->epochs ? warmup : 0) : 0;
    sc->min_lr = min_lr;
    if (step_size > 0)
        sc->step_size = step_size;
    if (!isnan(gamma))
        sc->gamma = gamma;
    sc->factor = factor;
    sc->patience = ppatience;
    if (har_sched_check(sc, &e))
        har_usage_error("%s", e.msg);
}

/* ---- data --------------------------------------------------------------- */

/* VAL fits TRAIN: same window shape, classes and channels, and no shared
 * subject. */
static void check_pair(const options *o, const har_windows *tr, const har_windows *va)
{
    har_err e = {0};
    const char *tc = har_tfile_meta_get(tr->file, "classes"), *vc = har_tfile_meta_get(va->file, "classes");
    const char *tch = har_tfile_meta_get(tr->file, "channels"), *vch = har_tfile_meta_get(va->file, "channels");
    if (tr->t != va->t || tr->c != va->c)
        har_fail(&e, HAR_EDATA, "%s has windows %dx%d but %s has %dx%d", o->train, tr->t, tr->c, o->val,
                 va->t, va->c), har_die(&e);
    if (!tc || !vc || strcmp(tc, vc))
        har_fail(&e, HAR_EDATA, "%s has classes [%s] but %s has [%s]", o->train, tc ? tc : "none", o->val,
                 vc ? vc : "none"), har_die(&e);
    if (!tch || !vch || strcmp(tch, vch))
        har_fail(&e, HAR_EDATA, "%s has channels [%s] but %s has [%s]", o->train, tch ? tch : "none",
                 o->val, vch ? vch : "none"), har_die(&e);
    /* Subject leakage between train and validation would make every
     * validation number, and the model selection, a lie. */
    har_idlist ts = {0}, vs = {0};
    if (har_windows_subjects(tr, &ts, &e) || har_windows_subjects(va, &vs, &e))
        har_die(&e);
    for (size_t i = 0; i < vs.n; i++)
        if (har_idlist_contains(&ts, vs.ids[i]))
            har_fail(&e, HAR_EAUDIT, "subject %d is in both %s and %s: splits must be subject-disjoint",
                     vs.ids[i], o->train, o->val), har_die(&e);
    har_idlist_free(&ts);
    har_idlist_free(&vs);
}

/* Loads the splits (VAL if given), checks they fit together, normalises them
 * if asked, and returns the normalisation the checkpoint must carry. */
static void load_data(const options *o, har_windows *tr, har_windows *va, double **mean,
                      double **std)
{
    har_err e = {0};
    if (har_windows_load(tr, o->train, &e) || (o->val && har_windows_load(va, o->val, &e)))
        har_die(&e);
    if (tr->nclasses < 2)
        har_fail(&e, HAR_EDATA, "%s: need at least 2 classes, metadata lists %d", o->train, tr->nclasses),
            har_die(&e);
    /* A training set whose windows are all of one class (one recording, a
     * wrong filter) used to train "successfully" into a constant classifier;
     * it is refused, whatever the metadata lists.  An empty set is left to
     * the emptiness check below. */
    int one_class = tr->n > 0;
    for (int64_t i = 1; i < tr->n && one_class; i++)
        one_class = tr->y[i] == tr->y[0];
    if (one_class)
        har_fail(&e, HAR_EDATA, "%s: every window is of class %s: training needs at least 2 classes",
                 o->train, tr->classes[tr->y[0]]), har_die(&e);
    if (o->val)
        check_pair(o, tr, va);
    *mean = har_malloc((size_t)tr->c * sizeof **mean, &e);
    *std = har_malloc((size_t)tr->c * sizeof **std, &e);
    if (!*mean || !*std)
        har_die(&e);
    if (o->stats) {
        har_tfile *sf = har_tfile_read(o->stats, &e);
        har_norm_stats s;
        if (!sf || har_norm_bind(&s, sf, &e) || har_norm_apply(&s, tr, &e) ||
            (o->val && har_norm_apply(&s, va, &e)))
            har_die(&e);
        memcpy(*mean, s.mean, (size_t)tr->c * sizeof **mean);
        memcpy(*std, s.std, (size_t)tr->c * sizeof **std);
        har_tfile_free(sf);
        return;
    }
    const char *tn = har_tfile_meta_get(tr->file, "norm_digest");
    if (!tn)
        har_fail(&e, HAR_EDATA,
                 "%s is not normalised: give --stats STATS (har-norm fit) or normalise it with har-norm apply",
                 o->train), har_die(&e);
    const char *vn = o->val ? har_tfile_meta_get(va->file, "norm_digest") : tn;
    if (!vn || strcmp(tn, vn))
        har_fail(&e, HAR_EDATA, "%s and %s were not normalised with the same statistics", o->train, o->val),
            har_die(&e);
    if (har_norm_from_meta(tr->file, tr->c, *mean, *std, &e))
        har_die(&e);
}

/* ---- outputs ------------------------------------------------------------ */

/* BEST with "-last" before the extension of its file name: best.st.gz ->
 * best-last.st.gz, runs/m1 -> runs/m1-last. */
static char *default_last(const char *best)
{
    size_t n = strlen(best);
    const char *base = strrchr(best, '/');
    base = base ? base + 1 : best;
    const char *dot = strchr(base + (*base == '.'), '.'); /* a leading dot is not an extension */
    size_t cut = dot ? (size_t)(dot - best) : n;
    char *p = malloc(n + 6);
    if (p)
        sprintf(p, "%.*s-last%s", (int)cut, best, best + cut);
    return p;
}

typedef struct {
    const options *o;
    const har_windows *tr, *va;
    const double *mean, *std;
} context;

static int write_checkpoint(const context *cx, const har_trainer *t, const char *path, har_err *e)
{
    har_tfile *f = har_tfile_new(e);
    if (!f)
        return HAR_EIO;
    int64_t cs[1] = {cx->tr->c};
    har_tensor *m = har_tfile_add(f, "norm.mean", HAR_F64, 1, cs, e);
    har_tensor *s = m ? har_tfile_add(f, "norm.std", HAR_F64, 1, cs, e) : NULL;
    int rc = !s;
    if (!rc) {
        memcpy(m->data, cx->mean, (size_t)cx->tr->c * sizeof(double));
        memcpy(s->data, cx->std, (size_t)cx->tr->c * sizeof(double));
    }
    const char *keys[] = {"classes", "activity_ids", "channels", "units", "sample_rate_hz", "stride",
                          "preprocessing"};
    rc = rc || har_trainer_save(t, f, e) || har_tfile_meta_set(f, "format", HAR_CHECKPOINT_FORMAT, e) ||
         har_tfile_meta_setf(f, e, "window", "%d", cx->tr->t);
    for (size_t i = 0; !rc && i < sizeof keys / sizeof keys[0]; i++) {
        const char *v = har_tfile_meta_get(cx->tr->file, keys[i]);
        if (v)
            rc = har_tfile_meta_set(f, keys[i], v, e);
    }
    /* The command as typed, minus what cannot change the result: --resume (a
     * resumed run is the same run) and -q. */
    int argc;
    char **argv;
    har_cli_args(&argc, &argv);
    char **args = malloc(((size_t)argc + 1) * sizeof *args);
    int n = 0;
    for (int i = 0; args && i < argc; i++) {
        if (!strcmp(argv[i], "--resume") && i + 1 < argc) {
            i++;
            continue;
        }
        if (!strncmp(argv[i], "--resume=", 9) || !strcmp(argv[i], "-q") || !strcmp(argv[i], "--quiet"))
            continue;
        args[n++] = argv[i];
    }
    rc = rc || !args || har_provenance_stamp(f, "har-train", n, args, cx->tr->file->digest, e) ||
         har_tfile_meta_set(f, "git_commit", HAR_GIT_COMMIT, e) ||
         /* OpenBLAS's kernels differ by CPU (OPENBLAS_CORETYPE pins them)
          * and round products differently: the same command gives the same
          * bytes only with the same kernels. */
         har_tfile_meta_set(f, "blas_kernels", openblas_get_corename(), e) ||
         har_tfile_meta_set(f, "train_digest", cx->tr->file->digest, e) ||
         har_tfile_meta_set(f, "val_digest", cx->o->val ? cx->va->file->digest : "none", e) ||
         har_tfile_write(f, path, e);
    free(args);
    har_tfile_free(f);
    return rc ? (e->code ? e->code : HAR_EIO) : 0;
}

static int write_curves(const context *cx, const har_trainer *t, const double *seconds, har_err *e)
{
    har_out out;
    if (har_out_open(&out, cx->o->curves, 0, e))
        return e->code;
    FILE *fp = har_out_stdio(&out, e);
    if (!fp) {
        har_out_abort(&out);
        return e->code;
    }
    fprintf(fp, "epoch,train_loss,train_acc,train_f1,val_loss,val_acc,val_f1,lr,grad_norm");
    for (int k = 0; k < 2; k++)
        for (int g = 0; g < t->ngroups; g++)
            fprintf(fp, ",grad_%s_%s", k ? "l1" : "l2", t->group_names[g]);
    fprintf(fp, ",seconds\n");
    for (int r = 0; r < t->hrows; r++) {
        const double *row = t->history + (size_t)r * t->hcols;
        fprintf(fp, "%d", (int)row[0]);
        for (int j = 1; j < t->hcols; j++)
            if (isnan(row[j]) && !cx->o->val && j >= HAR_H_VAL_LOSS && j <= HAR_H_VAL_F1)
                fprintf(fp, ","); /* no validation split */
            else
                fprintf(fp, ",%.9g", row[j]);
        if (seconds[r] >= 0)
            fprintf(fp, ",%.3f\n", seconds[r]);
        else
            fprintf(fp, ",\n"); /* epoch from before a resume whose timing is lost */
    }
    return har_out_commit(&out, e);
}

/* NaN without its sign: "nan", never "-nan". */
static double fabs_nan(double x)
{
    return isnan(x) ? fabs(x) : x;
}

/* The step trace: rows kept from before a resume (old, nold), then this
 * process's. */
static int write_steps(const context *cx, const har_trainer *t, const char *old, size_t nold, har_err *e)
{
    har_out out;
    if (har_out_open(&out, cx->o->steps, 0, e))
        return e->code;
    FILE *fp = har_out_stdio(&out, e);
    if (!fp) {
        har_out_abort(&out);
        return e->code;
    }
    if (t->trace_truncated)
        fprintf(stderr, "%s: warning: out of memory: %s stops after %lld steps of this run\n", har_prog(),
                cx->o->steps, (long long)t->ntrace);
    fputs("epoch,step,lr,loss,grad_norm\n", fp);
    if (nold)
        fwrite(old, 1, nold, fp);
    for (int64_t i = 0; i < t->ntrace; i++) {
        const double *r = t->trace + (size_t)i * HAR_TRACE_COLS;
        fprintf(fp, "%d,%lld,%.9g,%.9g,%.9g\n", (int)r[HAR_TRACE_EPOCH], (long long)r[HAR_TRACE_STEP],
                r[HAR_TRACE_LR], fabs_nan(r[HAR_TRACE_LOSS]), fabs_nan(r[HAR_TRACE_GRAD_NORM]));
    }
    return har_out_commit(&out, e);
}

/* Rows of a step trace for epochs up to `epochs` (a resumed run's), without
 * the header; NULL and 0 if there is none. */
static char *old_steps(const char *path, int epochs, size_t *n)
{
    *n = 0;
    FILE *fp = path ? fopen(path, "r") : NULL;
    if (!fp)
        return NULL;
    char line[512], *buf = NULL;
    size_t cap = 0;
    if (!fgets(line, sizeof line, fp)) {
        fclose(fp);
        return NULL;
    }
    while (fgets(line, sizeof line, fp)) {
        int epoch = atoi(line);
        size_t len = strlen(line);
        if (epoch < 1 || epoch > epochs || !len || line[len - 1] != '\n')
            continue;
        if (*n + len > cap) {
            cap = 2 * (*n + len);
            char *p = realloc(buf, cap);
            if (!p)
                break;
            buf = p;
        }
        memcpy(buf + *n, line, len);
        *n += len;
    }
    fclose(fp);
    return buf;
}

/* Seconds of epochs done before a resume, from the curves file they left. */
static void old_seconds(const char *curves, double *seconds, int rows)
{
    FILE *fp = curves ? fopen(curves, "r") : NULL;
    if (!fp)
        return;
    char line[1 << 16];
    if (!fgets(line, sizeof line, fp)) {
        fclose(fp);
        return;
    }
    while (fgets(line, sizeof line, fp)) {
        int epoch = atoi(line);
        char *last = strrchr(line, ',');
        if (epoch >= 1 && epoch <= rows && last && last[1] != '\n' && last[1])
            seconds[epoch - 1] = atof(last + 1);
    }
    fclose(fp);
}

static void log_run(const context *cx, const har_trainer *t, const char *run_id, const char *hp,
                    double secs)
{
    const options *o = cx->o;
    if (!strcmp(o->log, "none"))
        return;
    char stamp[32], params[32], seed[32], epochs[16], best[16], acc[32], f1[32], loss[32], sec[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
    snprintf(params, sizeof params, "%zu", t->model.nweights);
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)o->cfg.seed);
    snprintf(epochs, sizeof epochs, "%d", t->epoch);
    snprintf(best, sizeof best, "%d", t->best_epoch);
    acc[0] = f1[0] = loss[0] = 0;
    if (t->best_epoch > 0 && o->val) {
        const double *row = t->history + (size_t)(t->best_epoch - 1) * t->hcols;
        snprintf(acc, sizeof acc, "%.6f", row[HAR_H_VAL_ACC]);
        snprintf(f1, sizeof f1, "%.6f", row[HAR_H_VAL_F1]);
        snprintf(loss, sizeof loss, "%.6f", row[HAR_H_VAL_LOSS]);
    }
    snprintf(sec, sizeof sec, "%.1f", secs);
    const har_optim_config *oc = &o->cfg.optim;
    char lr[32], wd[32], bs[16];
    snprintf(lr, sizeof lr, "%g", oc->lr);
    snprintf(wd, sizeof wd, "%g", oc->weight_decay);
    snprintf(bs, sizeof bs, "%d", o->cfg.batch_size);
    char load[32];
    har_loadavg_text("/proc/loadavg", load, sizeof load); /* what the timings ran beside */
    const char *header[] = {"run_id", "timestamp_utc", "model", "params", "optimizer", "lr",
                            "batch_size", "weight_decay", "seed", "epochs_run", "best_epoch",
                            "best_val_acc", "best_val_f1", "best_val_loss", "stop_reason", "seconds",
                            "train", "val", "output", "git_commit", "hyperparameters", "note",
                            "load_avg"};
    const char *fields[] = {run_id, stamp, o->cfg.spec, params, har_optim_name(oc->kind), lr, bs, wd,
                            seed, epochs, best, acc, f1, loss, har_stop_name(t->stop), sec, o->train,
                            o->val ? o->val : "none", o->output, HAR_GIT_COMMIT, hp, o->note ? o->note : "",
                            load};
    har_err e = {0};
    if (har_explog_append(o->log, header, fields, (int)(sizeof fields / sizeof fields[0]), &e))
        fprintf(stderr, "%s: warning: %s\n", har_prog(), e.msg);
}

/* ---- main --------------------------------------------------------------- */

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    (void)sig;
    interrupted = 1;
}

int main(int argc, char **argv)
{
    har_cli_init(argc, argv);
    options o;
    memset(&o, 0, sizeof o);
    parse(argc, argv, &o);
    /* OpenBLAS on one thread per call: with two, it splits some products
     * (conv1d's weight gradient, a sum over B*T rows) differently and the
     * weights stop being bit-identical from run to run.  Our own threads
     * (--threads) compute whole shards of a batch instead. */
    openblas_set_num_threads(1);
    har_err e = {0};
    har_windows tr = {0}, va = {0};
    double *mean, *std;
    load_data(&o, &tr, &va, &mean, &std);
    if (o.cfg.augment.rotate > 0) {
        const char *ch = har_tfile_meta_get(tr.file, "channels");
        if (!har_augment_find_triads(&o.cfg.augment, ch, tr.c))
            har_fail(&e, HAR_EUSAGE, "--rotate: %s has no xyz channels (names P_x,P_y,P_z) to rotate; its channels are [%s]",
                     o.train, ch ? ch : "unnamed"), har_die(&e);
        o.cfg.augment.mean = mean; /* the windows are normalised by now */
        o.cfg.augment.std = std;
    }
    if (!o.cfg.spec) {
        snprintf(o.spec_buf, sizeof o.spec_buf, "gru:64,dense:%d", tr.nclasses);
        o.cfg.spec = o.spec_buf;
    }
    char *last = o.last ? strdup(o.last) : default_last(o.output);
    char *hp = har_train_config_json(&o.cfg, &e);
    if (!last || !hp)
        har_die(&e);
    har_trainer t;
    if (har_trainer_init(&t, &o.cfg, &tr, o.val ? &va : NULL, &e))
        har_die(&e);
    context cx = {&o, &tr, &va, mean, std};
    if (o.resume) {
        har_tfile *rf = har_tfile_read(o.resume, &e);
        if (!rf)
            har_die(&e);
        const char *rhp = har_tfile_meta_get(rf, "hyperparameters");
        const char *rtd = har_tfile_meta_get(rf, "train_digest"), *rvd = har_tfile_meta_get(rf, "val_digest");
        int bad; /* the message is copied into e: rf can go before har_die */
        if (!rhp || strcmp(rhp, hp))
            bad = har_fail(&e, HAR_EUSAGE, "--resume %s: the checkpoint was made with other hyperparameters:\n  %s\nthis command has:\n  %s",
                           o.resume, rhp ? rhp : "(none)", hp);
        else if (!rtd || !rvd || strcmp(rtd, tr.file->digest) || strcmp(rvd, o.val ? va.file->digest : "none"))
            bad = har_fail(&e, HAR_EDATA, "--resume %s: the checkpoint was trained on other TRAIN/VAL files", o.resume);
        else
            bad = har_trainer_restore(&t, rf, &e);
        har_tfile_free(rf);
        if (bad)
            har_die(&e);
        if (t.stop != HAR_STOP_NONE) {
            if (!o.quiet)
                fprintf(stderr, "%s: %s: the run already ended (%s after epoch %d); nothing to do\n",
                        har_prog(), o.resume, har_stop_name(t.stop), t.epoch);
            return 0;
        }
    }
    /* From here on SIGINT/SIGTERM stop between steps; outputs are committed whole. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    int tty = isatty(STDERR_FILENO) && !o.quiet;
    if (!o.quiet) {
        double l0;
        har_scores s0;
        if (t.epoch == 0 && har_trainer_evaluate(&t, o.val ? &va : &tr, &l0, &s0) == 0)
            fprintf(stderr, "%s: %s, %zu parameters; initial %s loss %.4f (ln %d = %.4f)\n", har_prog(),
                    o.cfg.spec, t.model.nweights, o.val ? "val" : "train", l0, t.model.nclasses,
                    log((double)t.model.nclasses));
        else if (t.epoch > 0)
            fprintf(stderr, "%s: resuming %s after epoch %d\n", har_prog(), o.resume, t.epoch);
    }
    double *seconds = malloc(((size_t)o.cfg.epochs + 1) * sizeof *seconds);
    if (!seconds)
        har_fail(&e, HAR_EIO, "out of memory"), har_die(&e);
    for (int i = 0; i <= o.cfg.epochs; i++)
        seconds[i] = -1;
    old_seconds(o.resume ? o.curves : NULL, seconds, t.epoch);
    size_t nold = 0;
    char *old = o.steps && o.resume ? old_steps(o.steps, t.epoch, &nold) : NULL;
    if (o.steps)
        har_trainer_trace_steps(&t);
    const char *run_id = o.run_id;
    char idbuf[64];
    if (!run_id) {
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(idbuf, sizeof idbuf, "%Y%m%dT%H%M%SZ", &tm);
        snprintf(idbuf + strlen(idbuf), sizeof idbuf - strlen(idbuf), "-%ld", (long)getpid());
        run_id = idbuf;
    }
    double t0 = har_now();
    int code = 0;
    while (t.stop == HAR_STOP_NONE) {
        double te = har_now();
        int improved;
        if (har_trainer_epoch(&t, &interrupted, &improved, &e)) {
            code = e.code;
            break;
        }
        if (t.stop == HAR_STOP_DIVERGED || t.stop == HAR_STOP_INTERRUPTED)
            break;
        seconds[t.epoch - 1] = har_now() - te;
        const double *row = t.history + (size_t)(t.epoch - 1) * t.hcols;
        if (tty && o.val)
            fprintf(stderr, "epoch %3d  train loss %.4f acc %.4f  val loss %.4f acc %.4f f1 %.4f  lr %.3g  %.1fs%s\n",
                    t.epoch, row[HAR_H_TRAIN_LOSS], row[HAR_H_TRAIN_ACC], row[HAR_H_VAL_LOSS],
                    row[HAR_H_VAL_ACC], row[HAR_H_VAL_F1], row[HAR_H_LR], seconds[t.epoch - 1],
                    improved ? "  *best" : "");
        else if (tty)
            fprintf(stderr, "epoch %3d  train loss %.4f acc %.4f  lr %.3g  %.1fs\n", t.epoch,
                    row[HAR_H_TRAIN_LOSS], row[HAR_H_TRAIN_ACC], row[HAR_H_LR], seconds[t.epoch - 1]);
        /* Best first, then curves, then the resumable state: a kill between
         * them leaves LAST one epoch behind, and redoing that epoch rewrites
         * the same BEST. */
        if ((improved && write_checkpoint(&cx, &t, o.output, &e)) ||
            (o.curves && write_curves(&cx, &t, seconds, &e)) || (o.steps && write_steps(&cx, &t, old, nold, &e)) ||
            write_checkpoint(&cx, &t, last, &e)) {
            code = e.code;
            break;
        }
    }
    double secs = har_now() - t0;
    /* The steps of an epoch that did not finish, the diverged one among them. */
    if (!code && o.steps && t.stop != HAR_STOP_COMPLETED && t.stop != HAR_STOP_EARLY &&
        write_steps(&cx, &t, old, nold, &e))
        code = e.code;
    free(old);
    if (code) {
        t.stop = HAR_STOP_INTERRUPTED; /* an I/O failure ends the run unfinished */
        log_run(&cx, &t, run_id, hp, secs);
        har_die(&e);
    }
    log_run(&cx, &t, run_id, hp, secs);
    if ((!o.quiet || t.stop == HAR_STOP_DIVERGED) && t.best_epoch && !o.val)
        fprintf(stderr, "%s: %s; kept the last epoch, %d (no validation split)\n", har_prog(), t.stop_detail,
                t.best_epoch);
    else if ((!o.quiet || t.stop == HAR_STOP_DIVERGED) && t.best_epoch)
        fprintf(stderr, "%s: %s; best epoch %d (%s %.4f)\n", har_prog(), t.stop_detail, t.best_epoch,
                har_monitor_name(o.cfg.monitor), t.best_value);
    else if (!o.quiet || t.stop == HAR_STOP_DIVERGED)
        fprintf(stderr, "%s: %s; no epoch completed, so no checkpoint was written\n", har_prog(),
                t.stop_detail);
    int status = t.stop == HAR_STOP_DIVERGED ? EXIT_DIVERGED : t.stop == HAR_STOP_INTERRUPTED ? EXIT_INTERRUPTED : 0;
    if (t.best_epoch == 0 && status == 0)
        status = EXIT_DIVERGED;
    free(seconds);
    free(hp);
    free(last);
    free(mean);
    free(std);
    har_trainer_free(&t);
    har_windows_free(&tr);
    har_windows_free(&va);
    return status;
}
