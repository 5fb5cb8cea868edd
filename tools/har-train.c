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

#include "cli/cli.h"
#include "cli/opt.h"
#include "core/version.h"
#include "io/outfile.h"
#include "model/checkpoint.h"
#include "train/explog.h"
#include "train/train.h"
#include "train/trainset.h"
#include "git-commit.h" /* generated: HAR_GIT_COMMIT */

#define EXIT_DIVERGED 5
#define EXIT_INTERRUPTED 130
#define DEFAULT_LOG "artifacts/experiments.csv"

/* The manual --help prints (each %s is the program's name). */
static const char HELP[] =
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
    "  130 interrupted by SIGINT or SIGTERM\n";

static void usage(void)
{
    printf(HELP, har_prog(), har_prog(), har_prog());
}

/* ---- options ------------------------------------------------------------ */

/* The optimizer's and schedule's options as given; settled into the
 * configuration once every option is read (their defaults depend on the
 * choice). */
typedef struct {
    const char *optimizer, *schedule;
    double lr, momentum, beta1, beta2, eps, alpha, wd;
    int decoupled;
    double warmup, min_lr, gamma, factor;   /* gamma NAN: the schedule's own */
    int step_size, ppatience, set_patience; /* step_size -1: the schedule's own */
} given_options;

typedef struct {
    const char *train, *val, *stats, *output, *last, *curves, *steps, *log, *run_id, *note, *resume;
    int quiet;
    har_train_config cfg;
    char spec_buf[64];
    given_options given;
    /* explicitly given, so the optimizer's own defaults don't override them */
    int set_momentum, set_wd, set_decay, set_eps;
} options;


static void defaults(options *o)
{
    har_train_config *c = &o->cfg;
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
    o->given.optimizer = "adamw";
    o->given.schedule = "cosine";
    o->given.lr = 2e-3;
    o->given.beta1 = 0.9;
    o->given.beta2 = 0.999;
    o->given.eps = 1e-8;
    o->given.alpha = 0.99;
    o->given.warmup = 1;
    o->given.gamma = NAN;
    o->given.factor = 0.5;
    o->given.step_size = -1;
    o->given.ppatience = 3;
}

/* The optimizer: its defaults, then what was given. */
static void settle_optimizer(options *o)
{
    har_train_config *c = &o->cfg;
    const given_options *g = &o->given;
    har_err e = {0};
    har_optim_kind kind;
    if (har_optim_parse(g->optimizer, &kind, &e))
        har_usage_error("--optimizer: %s", e.msg);
    har_optim_defaults(&c->optim, kind);
    c->optim.lr = g->lr;
    c->optim.beta1 = g->beta1;
    c->optim.beta2 = g->beta2;
    c->optim.alpha = g->alpha;
    if (o->set_eps)
        c->optim.eps = g->eps;
    if (o->set_momentum)
        c->optim.momentum = g->momentum;
    if (o->set_wd)
        c->optim.weight_decay = g->wd;
    if (o->set_decay)
        c->optim.decoupled = g->decoupled;
    if (kind == HAR_OPT_ADAMW && o->set_decay && !g->decoupled)
        har_usage_error("--optimizer adamw is Adam with decoupled decay: use adam for coupled");
    if (har_optim_check(&c->optim, &e))
        har_usage_error("%s", e.msg);
}

/* The learning-rate schedule: its defaults, then what was given. */
static void settle_schedule(options *o)
{
    har_train_config *c = &o->cfg;
    const given_options *g = &o->given;
    har_err e = {0};
    har_sched_kind sk;
    if (har_sched_parse(g->schedule, &sk, &e))
        har_usage_error("--schedule: %s", e.msg);
    har_sched_config *sc = &c->schedule;
    har_sched_defaults(sc, sk, g->lr);
    sc->epochs = c->epochs;
    sc->warmup = sk == HAR_SCHED_COSINE ? (g->warmup < c->epochs ? g->warmup : 0) : 0;
    sc->min_lr = g->min_lr;
    if (g->step_size > 0)
        sc->step_size = g->step_size;
    if (!isnan(g->gamma))
        sc->gamma = g->gamma;
    sc->factor = g->factor;
    sc->patience = g->ppatience;
    if (har_sched_check(sc, &e))
        har_usage_error("%s", e.msg);
}

/* Options without a short form, after the characters. */
enum {
    O_CHECKPOINT = 256, O_CURVES, O_LOG, O_RUN_ID, O_NOTE, O_INIT, O_OPTIMIZER, O_LR,
    O_MOMENTUM, O_BETA1, O_BETA2, O_EPS, O_ALPHA, O_WD, O_DECAY, O_CLIP, O_SCHEDULE,
    O_WARMUP, O_MIN_LR, O_STEP_SIZE, O_GAMMA, O_PF, O_PP, O_PATIENCE, O_MONITOR, O_LS, O_CW,
    O_OVERSAMPLE, O_JITTER, O_SCALING, O_WARP, O_ROTATE, O_ROTATE_SHARE, O_STEPS, O_RESUME, O_OVERFIT, O_STATS, O_THREADS
};

static const struct option LONGOPTS[] = {
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

static void parse(int argc, char **argv, options *o)
{
    har_train_config *c = &o->cfg;
    given_options *g = &o->given;
    defaults(o);
    int ch;
    while ((ch = getopt_long(argc, argv, "o:m:e:b:s:qhV", LONGOPTS, NULL)) != -1) {
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
        case O_OPTIMIZER: g->optimizer = optarg; break;
        case O_LR: g->lr = har_opt_double(optarg, 0, 1e6, "--lr"); break;
        case O_MOMENTUM: g->momentum = har_opt_double(optarg, 0, 1, "--momentum"); o->set_momentum = 1; break;
        case O_BETA1: g->beta1 = har_opt_double(optarg, 0, 0.999999, "--beta1"); break;
        case O_BETA2: g->beta2 = har_opt_double(optarg, 0, 0.999999999, "--beta2"); break;
        case O_EPS: g->eps = har_opt_double(optarg, 0, 1, "--eps"); o->set_eps = 1; break;
        case O_ALPHA: g->alpha = har_opt_double(optarg, 0, 1, "--alpha"); break;
        case O_WD: g->wd = har_opt_double(optarg, 0, 1e3, "--weight-decay"); o->set_wd = 1; break;
        case O_DECAY:
            if (strcmp(optarg, "coupled") && strcmp(optarg, "decoupled"))
                har_usage_error("--decay must be coupled or decoupled, got '%s'", optarg);
            g->decoupled = !strcmp(optarg, "decoupled");
            o->set_decay = 1;
            break;
        case O_CLIP: c->clip = har_opt_double(optarg, 0, 1e12, "--clip"); break;
        case O_SCHEDULE: g->schedule = optarg; break;
        case O_WARMUP: g->warmup = har_opt_double(optarg, 0, 1e5, "--warmup"); break;
        case O_MIN_LR: g->min_lr = har_opt_double(optarg, 0, 1e6, "--min-lr"); break;
        case O_STEP_SIZE: g->step_size = (int)har_opt_long(optarg, 1, 100000, "--step-size"); break;
        case O_GAMMA: g->gamma = har_opt_double(optarg, 1e-9, 1, "--gamma"); break;
        case O_PF: g->factor = har_opt_double(optarg, 0, 0.999999, "--plateau-factor"); break;
        case O_PP: g->ppatience = (int)har_opt_long(optarg, 0, 100000, "--plateau-patience"); break;
        case O_PATIENCE:
            c->patience = (int)har_opt_long(optarg, 0, 100000, "--patience");
            g->set_patience = 1;
            break;
        case O_MONITOR:
            if (har_monitor_parse(optarg) < 0)
                har_usage_error("--monitor must be val_loss, val_acc or val_f1, got '%s'", optarg);
            c->monitor = (har_monitor)har_monitor_parse(optarg);
            break;
        case O_LS: c->label_smoothing = har_opt_double(optarg, 0, 0.999, "--label-smoothing"); break;
        case O_CW:
            if (strcmp(optarg, "none") && strcmp(optarg, "balanced"))
                har_usage_error("--class-weights must be none or balanced, got '%s'", optarg);
            c->class_weights = !strcmp(optarg, "balanced");
            break;
        case O_OVERSAMPLE: c->oversample = 1; break;
        case O_JITTER: c->augment.jitter = har_opt_double(optarg, 0, 100, "--jitter"); break;
        case O_SCALING: c->augment.scaling = har_opt_double(optarg, 0, 10, "--scaling"); break;
        case O_WARP: c->augment.time_warp = har_opt_double(optarg, 0, 10, "--time-warp"); break;
        case O_ROTATE: c->augment.rotate = har_opt_double(optarg, 0, 180, "--rotate"); break;
        case O_STEPS: o->steps = optarg; break;
        case O_ROTATE_SHARE: c->augment.rotate_share = har_opt_double(optarg, 0, 1, "--rotate-share"); break;
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
    if (!o->val && !g->set_patience)
        c->patience = 0; /* the default patience needs a validation split */
    if (!o->output)
        har_usage_error("-o BEST is required");
    settle_optimizer(o);
    settle_schedule(o);
}

/* ---- the run ------------------------------------------------------------ */

typedef struct {
    const options *o;
    const har_trainset *d;
    har_trainer t;
    har_checkpoint_origin origin; /* what every checkpoint of the run records */
    char **command;               /* origin.argv */
    char *last;                   /* LAST: the latest epoch's checkpoint */
    char *hp;                     /* the hyperparameters as JSON */
    double *seconds;              /* [epochs]: each epoch's seconds, -1 unknown */
    char *old;                    /* step trace rows from before a resume */
    size_t nold;
    const char *run_id;
    char run_id_buf[64];
} run;

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

static int write_curves(const run *r, har_err *e)
{
    const har_trainer *t = &r->t;
    har_out out;
    if (har_out_open(&out, r->o->curves, 0, e))
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
    for (int i = 0; i < t->hrows; i++) {
        const double *row = t->history + (size_t)i * t->hcols;
        fprintf(fp, "%d", (int)row[0]);
        for (int j = 1; j < t->hcols; j++)
            if (isnan(row[j]) && !r->o->val && j >= HAR_H_VAL_LOSS && j <= HAR_H_VAL_F1)
                fprintf(fp, ","); /* no validation split */
            else
                fprintf(fp, ",%.9g", row[j]);
        if (r->seconds[i] >= 0)
            fprintf(fp, ",%.3f\n", r->seconds[i]);
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
static int write_steps(const run *r, har_err *e)
{
    const har_trainer *t = &r->t;
    har_out out;
    if (har_out_open(&out, r->o->steps, 0, e))
        return e->code;
    FILE *fp = har_out_stdio(&out, e);
    if (!fp) {
        har_out_abort(&out);
        return e->code;
    }
    if (t->trace_truncated)
        fprintf(stderr, "%s: warning: out of memory: %s stops after %lld steps of this run\n", har_prog(),
                r->o->steps, (long long)t->ntrace);
    fputs("epoch,step,lr,loss,grad_norm\n", fp);
    if (r->nold)
        fwrite(r->old, 1, r->nold, fp);
    for (int64_t i = 0; i < t->ntrace; i++) {
        const double *step = t->trace + (size_t)i * HAR_TRACE_COLS;
        fprintf(fp, "%d,%lld,%.9g,%.9g,%.9g\n", (int)step[HAR_TRACE_EPOCH], (long long)step[HAR_TRACE_STEP],
                step[HAR_TRACE_LR], fabs_nan(step[HAR_TRACE_LOSS]), fabs_nan(step[HAR_TRACE_GRAD_NORM]));
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

static void log_run(const run *r, double secs)
{
    const options *o = r->o;
    const har_trainer *t = &r->t;
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
    const char *fields[] = {r->run_id, stamp, o->cfg.spec, params, har_optim_name(oc->kind), lr, bs, wd,
                            seed, epochs, best, acc, f1, loss, har_stop_name(t->stop), sec, o->train,
                            o->val ? o->val : "none", o->output, HAR_GIT_COMMIT, r->hp, o->note ? o->note : "",
                            load};
    har_err e = {0};
    if (har_explog_append(o->log, header, fields, (int)(sizeof fields / sizeof fields[0]), &e))
        fprintf(stderr, "%s: warning: %s\n", har_prog(), e.msg);
}

/* The command as typed, minus what cannot change the result: --resume (a
 * resumed run is the same run) and -q. */
static char **recorded_command(int *n)
{
    int argc;
    char **argv;
    har_cli_args(&argc, &argv);
    char **args = malloc(((size_t)argc + 1) * sizeof *args);
    *n = 0;
    for (int i = 0; args && i < argc; i++) {
        if (!strcmp(argv[i], "--resume") && i + 1 < argc) {
            i++;
            continue;
        }
        if (!strncmp(argv[i], "--resume=", 9) || !strcmp(argv[i], "-q") || !strcmp(argv[i], "--quiet"))
            continue;
        args[(*n)++] = argv[i];
    }
    return args;
}

/* What the data decide: the xyz triads --rotate turns, the default model. */
static void complete_config(options *o, const har_trainset *d)
{
    har_err e = {0};
    har_augment *a = &o->cfg.augment;
    if (a->rotate > 0) {
        const char *ch = har_tfile_meta_get(d->train.file, "channels");
        if (!har_augment_find_triads(a, ch, d->train.c))
            har_fail(&e, HAR_EUSAGE, "--rotate: %s has no xyz channels (names P_x,P_y,P_z) to rotate; its channels are [%s]",
                     o->train, ch ? ch : "unnamed"), har_die(&e);
        a->mean = d->mean; /* the windows are normalised by now */
        a->std = d->std;
    }
    if (!o->cfg.spec) {
        snprintf(o->spec_buf, sizeof o->spec_buf, "gru:64,dense:%d", d->train.nclasses);
        o->cfg.spec = o->spec_buf;
    }
}

/* The trainer, and everything the run's outputs need. */
static void open_run(run *r, const options *o, const har_trainset *d)
{
    memset(r, 0, sizeof *r);
    r->o = o;
    r->d = d;
    har_err e = {0};
    int n;
    r->command = recorded_command(&n);
    r->last = o->last ? strdup(o->last) : default_last(o->output);
    r->hp = har_train_config_json(&o->cfg, &e);
    r->seconds = malloc(((size_t)o->cfg.epochs + 1) * sizeof *r->seconds);
    if (!r->command || !r->last || !r->seconds)
        har_fail(&e, HAR_EIO, "out of memory");
    if (e.code || har_trainer_init(&r->t, &o->cfg, &d->train, d->has_val ? &d->val : NULL, &e))
        har_die(&e);
    for (int i = 0; i <= o->cfg.epochs; i++)
        r->seconds[i] = -1;
    r->origin = (har_checkpoint_origin){.train = &d->train,
                                        .val_digest = d->val_digest,
                                        .mean = d->mean,
                                        .std = d->std,
                                        .tool = "har-train",
                                        .argc = n,
                                        .argv = r->command,
                                        .git_commit = HAR_GIT_COMMIT,
                                        /* OpenBLAS's kernels differ by CPU (OPENBLAS_CORETYPE
                                         * pins them) and round products differently. */
                                        .blas_kernels = openblas_get_corename()};
    r->run_id = o->run_id;
    if (!r->run_id) {
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(r->run_id_buf, sizeof r->run_id_buf, "%Y%m%dT%H%M%SZ", &tm);
        snprintf(r->run_id_buf + strlen(r->run_id_buf), sizeof r->run_id_buf - strlen(r->run_id_buf), "-%ld",
                 (long)getpid());
        r->run_id = r->run_id_buf;
    }
}

/* --resume: the state of LAST, the epochs' seconds from the curves file and
 * the step trace's rows it left.  Returns 0 if the run had already ended. */
static int resume(run *r)
{
    har_err e = {0};
    const options *o = r->o;
    if (har_trainer_resume(&r->t, o->resume, r->d->train.file->digest, r->d->val_digest, &e))
        har_die(&e);
    if (r->t.stop != HAR_STOP_NONE) {
        if (!o->quiet)
            fprintf(stderr, "%s: %s: the run already ended (%s after epoch %d); nothing to do\n", har_prog(),
                    o->resume, har_stop_name(r->t.stop), r->t.epoch);
        return 0;
    }
    old_seconds(o->curves, r->seconds, r->t.epoch);
    if (o->steps)
        r->old = old_steps(o->steps, r->t.epoch, &r->nold);
    return 1;
}

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    (void)sig;
    interrupted = 1;
}

/* From here on SIGINT/SIGTERM stop between steps; outputs are committed whole. */
static void catch_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

/* The model and its loss before training (a check: about ln K), or where a
 * resumed run starts. */
static void announce(run *r)
{
    const options *o = r->o;
    har_trainer *t = &r->t;
    double l0;
    har_scores s0;
    if (o->quiet)
        return;
    if (t->epoch == 0 && har_trainer_evaluate(t, o->val ? &r->d->val : &r->d->train, &l0, &s0) == 0)
        fprintf(stderr, "%s: %s, %zu parameters; initial %s loss %.4f (ln %d = %.4f)\n", har_prog(), o->cfg.spec,
                t->model.nweights, o->val ? "val" : "train", l0, t->model.nclasses, log((double)t->model.nclasses));
    else if (t->epoch > 0)
        fprintf(stderr, "%s: resuming %s after epoch %d\n", har_prog(), o->resume, t->epoch);
}

/* One line per epoch, on a terminal only. */
static void print_epoch(const run *r, int improved)
{
    const har_trainer *t = &r->t;
    if (r->o->quiet || !isatty(STDERR_FILENO))
        return;
    const double *row = t->history + (size_t)(t->epoch - 1) * t->hcols;
    double secs = r->seconds[t->epoch - 1];
    if (r->o->val)
        fprintf(stderr, "epoch %3d  train loss %.4f acc %.4f  val loss %.4f acc %.4f f1 %.4f  lr %.3g  %.1fs%s\n",
                t->epoch, row[HAR_H_TRAIN_LOSS], row[HAR_H_TRAIN_ACC], row[HAR_H_VAL_LOSS], row[HAR_H_VAL_ACC],
                row[HAR_H_VAL_F1], row[HAR_H_LR], secs, improved ? "  *best" : "");
    else
        fprintf(stderr, "epoch %3d  train loss %.4f acc %.4f  lr %.3g  %.1fs\n", t->epoch, row[HAR_H_TRAIN_LOSS],
                row[HAR_H_TRAIN_ACC], row[HAR_H_LR], secs);
}

static int save_checkpoint(const run *r, const char *path, har_err *e)
{
    return har_checkpoint_save(&r->origin, har_trainer_state, &r->t, path, e);
}

/* Best first, then curves, then the resumable state: a kill between them
 * leaves LAST one epoch behind, and redoing that epoch rewrites the same
 * BEST. */
static int save_epoch(const run *r, int improved, har_err *e)
{
    const options *o = r->o;
    return (improved && save_checkpoint(r, o->output, e)) || (o->curves && write_curves(r, e)) ||
                   (o->steps && write_steps(r, e)) || save_checkpoint(r, r->last, e)
               ? e->code
               : 0;
}

/* Logs the run, says how it ended, frees it; the exit status. */
static int finish(run *r, int code, double secs, har_err *e)
{
    const options *o = r->o;
    har_trainer *t = &r->t;
    /* The steps of an epoch that did not finish, the diverged one among them. */
    if (!code && o->steps && t->stop != HAR_STOP_COMPLETED && t->stop != HAR_STOP_EARLY && write_steps(r, e))
        code = e->code;
    if (code) {
        t->stop = HAR_STOP_INTERRUPTED; /* an I/O failure ends the run unfinished */
        log_run(r, secs);
        har_die(e);
    }
    log_run(r, secs);
    int say = !o->quiet || t->stop == HAR_STOP_DIVERGED;
    if (say && t->best_epoch && !o->val)
        fprintf(stderr, "%s: %s; kept the last epoch, %d (no validation split)\n", har_prog(), t->stop_detail,
                t->best_epoch);
    else if (say && t->best_epoch)
        fprintf(stderr, "%s: %s; best epoch %d (%s %.4f)\n", har_prog(), t->stop_detail, t->best_epoch,
                har_monitor_name(o->cfg.monitor), t->best_value);
    else if (say)
        fprintf(stderr, "%s: %s; no epoch completed, so no checkpoint was written\n", har_prog(), t->stop_detail);
    int status = t->stop == HAR_STOP_DIVERGED ? EXIT_DIVERGED : t->stop == HAR_STOP_INTERRUPTED ? EXIT_INTERRUPTED : 0;
    if (t->best_epoch == 0 && status == 0)
        status = EXIT_DIVERGED;
    free(r->old);
    free(r->seconds);
    free(r->hp);
    free(r->last);
    free(r->command);
    har_trainer_free(t);
    return status;
}

/* ---- main --------------------------------------------------------------- */

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
    har_trainset d;
    if (har_trainset_load(&d, o.train, o.val, o.stats, &e))
        har_die(&e);
    complete_config(&o, &d);
    run r;
    open_run(&r, &o, &d);
    if (o.resume && !resume(&r))
        return 0;
    catch_signals();
    announce(&r);
    if (o.steps)
        har_trainer_trace_steps(&r.t);
    har_trainer *t = &r.t;
    double t0 = har_now();
    int code = 0;
    while (t->stop == HAR_STOP_NONE) {
        double te = har_now();
        int improved;
        if (har_trainer_epoch(t, &interrupted, &improved, &e)) {
            code = e.code;
            break;
        }
        if (t->stop == HAR_STOP_DIVERGED || t->stop == HAR_STOP_INTERRUPTED)
            break;
        r.seconds[t->epoch - 1] = har_now() - te;
        print_epoch(&r, improved);
        if ((code = save_epoch(&r, improved, &e)))
            break;
    }
    int status = finish(&r, code, har_now() - t0, &e);
    har_trainset_free(&d);
    return status;
}
