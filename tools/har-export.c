/* har-export - a checkpoint as a model for other runtimes (ONNX). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "export/onnx.h"
#include "model/checkpoint.h"

static void usage(void)
{
    printf("Usage: %s [OPTIONS] MODEL -o OUT\n"
           "Write the checkpoint MODEL (from har-train) as a standard ONNX model, for\n"
           "runtimes har does not cover: ONNX Runtime on a server, Android, iOS or in a\n"
           "browser.\n"
           "\n"
           "The ONNX model takes what predict_activity() takes and gives what it gives:\n"
           "  input   window         float [batch, T, C]  raw windows (g, rad/s), the\n"
           "                         checkpoint's channels in its order\n"
           "  outputs probabilities  float [batch, K]     softmax over the classes\n"
           "          label          int64 [batch]        the most probable class\n"
           "The normalisation stored in MODEL is part of the graph, in double as\n"
           "har-norm computes it, so raw windows go in.  Opset %d (IR version %d).\n"
           "Every layer of the spec language is translated: dense (MatMul, Add),\n"
           "conv1d (Conv), maxpool and avgpool, gru, lstm and rnn (ONNX's GRU, LSTM and\n"
           "RNN with PyTorch's gates reordered; GRU with linear_before_reset = 1, one\n"
           "node per stacked layer, bidirectional as ONNX's direction), the readouts\n"
           "(last: Slice; mean and gap: ReduceMean; attention: MatMul, Softmax,\n"
           "ReduceSum), layernorm (LayerNormalization), res(...) (Add), flatten\n"
           "(Reshape), the activations (silu, gaussian and gelu composed of Sigmoid,\n"
           "Exp and Erf); dropout is left out (inference).  A layer without a\n"
           "translation is refused, naming it.  The classes, channels, spec, window,\n"
           "units and sample rate are the model's metadata_props.  The same MODEL\n"
           "gives the same bytes.\n"
           "\n"
           "Options:\n"
           "  -o, --output OUT          the ONNX file ('-' = standard output; refused if\n"
           "                            it is a terminal)\n"
           "  -f, --format FORMAT       onnx (the only one, and the default)\n"
           "  -q, --quiet               no summary on standard error\n"
           "  -h, --help                show this help\n"
           "  -V, --version             show the version\n"
           "\n"
           "The summary (standard error): OUT, the opset and the size in bytes.\n"
           "\n"
           "Examples:\n"
           "  har-export artifacts/final_model.safetensors.gz -o final_model.onnx\n"
           "  sh bench/onnx/check.sh artifacts/final_model.safetensors.gz windows.txt\n"
           "      (exports it again, runs both in ONNX Runtime and har-infer, compares)\n"
           "\n" HAR_EXIT_CODES_HELP,
           har_prog(), HAR_ONNX_OPSET, HAR_ONNX_IR_VERSION);
}

int main(int argc, char **argv)
{
    har_cli_init(argc, argv);
    static const struct option longopts[] = {
        HAR_LONGOPT_OUTPUT,
        {"format", required_argument, 0, 'f'},
        {"quiet", no_argument, 0, 'q'},
        HAR_LONGOPT_END};
    const char *output = NULL;
    int quiet = 0, c;
    while ((c = getopt_long(argc, argv, "o:f:qhV", longopts, NULL)) != -1) {
        switch (c) {
        case 'o': output = optarg; break;
        case 'f': {
            static const char *const formats[] = {"onnx", NULL};
            har_opt_choice(optarg, formats, "--format");
            break;
        }
        case 'q': quiet = 1; break;
        default: har_opt_common(c, usage);
        }
    }
    if (optind != argc - 1)
        har_usage_error(optind >= argc ? "missing MODEL" : "expected one MODEL");
    if (!output)
        har_usage_error("missing -o OUT");
    har_err e = {0};
    har_checkpoint ck;
    if (har_checkpoint_load(&ck, argv[optind], &e))
        har_die(&e);
    size_t len;
    if (har_onnx_write(&ck, output, &len, &e))
        har_die(&e);
    if (!quiet)
        fprintf(stderr, "%s: %s: ONNX opset %d, %zu bytes\n", har_prog(), output, HAR_ONNX_OPSET, len);
    har_checkpoint_free(&ck);
    return 0;
}
