/* ort_latency.c - ONNX Runtime's own run time for one window at a time
 * (batch 1, one thread), through its C API: the peer of har-latency in
 * bench/latency.sh, without the Node binding's overhead.
 *
 *   ort_latency LIBORT MODEL.onnx WINDOWS.txt T C K [-n N] [-w W] [--predictions FILE]
 *
 * LIBORT is libonnxruntime.so.1 (the one inside the npm package
 * onnxruntime-node, which make check installs into bench/onnx/); it is
 * opened with dlopen.  WINDOWS.txt holds raw windows of T x C numbers, one a
 * line; the first N (default 500, cycling if there are fewer) are timed
 * after W warm-up runs (default 50), each Run on its own with
 * clock_gettime(CLOCK_MONOTONIC).  The input and output tensors are bound to
 * buffers made once, so a Run allocates nothing of ours: the timed region is
 * ONNX Runtime's work on the window and nothing else.  Session: one
 * intra-op and one inter-op thread, sequential execution, every graph
 * optimisation (ORT_ENABLE_ALL).  Standard output, one line:
 *   mean_us=... p50_us=... p90_us=... p99_us=... max_us=... version=...
 * --predictions FILE: the label of every timed window, one a line.
 *
 * The declarations below are ours: the few entry points of ONNX Runtime's
 * C API this program calls, by their place in the OrtApi table of function
 * pointers.  The places used are all in the table's first version, which
 * ONNX Runtime keeps unchanged (later versions only append), so they hold
 * for every release; the program asks for API version 1. */
#define _POSIX_C_SOURCE 200809L
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef void Status; /* OrtStatus: NULL is success */
typedef Status *(*create_env_fn)(int level, const char *logid, void **env);
typedef const char *(*error_message_fn)(const Status *s);
typedef Status *(*create_session_fn)(const void *env, const char *path, const void *opts, void **session);
typedef Status *(*run_fn)(void *session, const void *run_opts, const char *const *in_names, const void *const *in,
                          size_t n_in, const char *const *out_names, size_t n_out, void **out);
typedef Status *(*create_options_fn)(void **opts);
typedef Status *(*options_int_fn)(void *opts, int value);
typedef Status *(*create_cpu_info_fn)(int allocator, int mem_type, void **info);
typedef Status *(*tensor_with_data_fn)(const void *info, void *data, size_t bytes, const int64_t *shape,
                                       size_t rank, int type, void **value);
typedef void (*release_fn)(void *object);

/* Places in OrtApi (version 1). */
enum {
    GET_ERROR_MESSAGE = 2, CREATE_ENV = 3, CREATE_SESSION = 7, RUN = 9, CREATE_SESSION_OPTIONS = 10,
    SET_EXECUTION_MODE = 13, SET_GRAPH_OPTIMIZATION_LEVEL = 23, SET_INTRA_OP_THREADS = 24,
    SET_INTER_OP_THREADS = 25, CREATE_TENSOR_WITH_DATA = 49, CREATE_CPU_MEMORY_INFO = 69,
    RELEASE_ENV = 92, RELEASE_STATUS = 93, RELEASE_MEMORY_INFO = 94, RELEASE_SESSION = 95, RELEASE_VALUE = 96,
    RELEASE_SESSION_OPTIONS = 100
};
enum { LOG_WARNING = 2, SEQUENTIAL = 0, ENABLE_ALL = 99, ARENA_ALLOCATOR = 1, MEM_DEFAULT = 0 };
enum { TYPE_FLOAT = 1, TYPE_INT64 = 7 };

typedef struct {
    void *(*get_api)(uint32_t version);
    const char *(*version)(void);
} api_base;

static void *const *api;

static void check(Status *s, const char *what)
{
    if (!s)
        return;
    fprintf(stderr, "ort_latency: %s: %s\n", what, ((error_message_fn)api[GET_ERROR_MESSAGE])(s));
    ((release_fn)api[RELEASE_STATUS])(s);
    exit(1);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Nearest rank, as har-latency. */
static double percentile(const double *sorted, int n, double p)
{
    int rank = (int)(p / 100 * n + 0.999999999);
    rank = rank < 1 ? 1 : rank > n ? n : rank;
    return sorted[rank - 1];
}

static float *read_windows(const char *path, int per, int *count)
{
    FILE *fp = fopen(path, "r");
    if (!fp) {
        perror(path);
        exit(1);
    }
    size_t cap = 64, n = 0;
    float *x = malloc(cap * (size_t)per * sizeof *x);
    for (;;) {
        if (n == cap)
            x = realloc(x, (cap *= 2) * (size_t)per * sizeof *x);
        if (!x) {
            fprintf(stderr, "ort_latency: out of memory\n");
            exit(1);
        }
        int i = 0;
        while (i < per && fscanf(fp, "%f", &x[n * (size_t)per + (size_t)i]) == 1)
            i++;
        if (i == 0)
            break;
        if (i < per) {
            fprintf(stderr, "ort_latency: %s: window %zu has %d of %d numbers\n", path, n + 1, i, per);
            exit(1);
        }
        n++;
    }
    fclose(fp);
    if (n == 0) {
        fprintf(stderr, "ort_latency: %s: no windows\n", path);
        exit(1);
    }
    *count = (int)n;
    return x;
}

int main(int argc, char **argv)
{
    if (argc < 7) {
        fprintf(stderr, "usage: ort_latency LIBORT MODEL.onnx WINDOWS.txt T C K [-n N] [-w W] [--predictions FILE]\n");
        return 2;
    }
    int T = atoi(argv[4]), C = atoi(argv[5]), K = atoi(argv[6]), n = 500, warm = 50;
    const char *pred = NULL;
    for (int i = 7; i < argc; i++) {
        if (!strcmp(argv[i], "-n") && i + 1 < argc)
            n = atoi(argv[++i]);
        else if (!strcmp(argv[i], "-w") && i + 1 < argc)
            warm = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--predictions") && i + 1 < argc)
            pred = argv[++i];
        else {
            fprintf(stderr, "ort_latency: unknown argument %s\n", argv[i]);
            return 2;
        }
    }
    if (T < 1 || C < 1 || K < 1 || n < 1 || warm < 0) {
        fprintf(stderr, "ort_latency: T, C, K and N must be positive\n");
        return 2;
    }
    void *lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        fprintf(stderr, "ort_latency: %s\n", dlerror());
        return 1;
    }
    const api_base *(*get_base)(void) = (const api_base *(*)(void))dlsym(lib, "OrtGetApiBase");
    if (!get_base || !(api = get_base()->get_api(1))) {
        fprintf(stderr, "ort_latency: %s: no ONNX Runtime C API (version 1)\n", argv[1]);
        return 1;
    }
    int count;
    float *windows = read_windows(argv[3], T * C, &count);

    void *env, *opts, *session, *info, *in_value, *out_values[2];
    check(((create_env_fn)api[CREATE_ENV])(LOG_WARNING, "ort_latency", &env), "CreateEnv");
    check(((create_options_fn)api[CREATE_SESSION_OPTIONS])(&opts), "CreateSessionOptions");
    check(((options_int_fn)api[SET_INTRA_OP_THREADS])(opts, 1), "SetIntraOpNumThreads");
    check(((options_int_fn)api[SET_INTER_OP_THREADS])(opts, 1), "SetInterOpNumThreads");
    check(((options_int_fn)api[SET_EXECUTION_MODE])(opts, SEQUENTIAL), "SetSessionExecutionMode");
    check(((options_int_fn)api[SET_GRAPH_OPTIMIZATION_LEVEL])(opts, ENABLE_ALL), "SetSessionGraphOptimizationLevel");
    check(((create_session_fn)api[CREATE_SESSION])(env, argv[2], opts, &session), argv[2]);
    check(((create_cpu_info_fn)api[CREATE_CPU_MEMORY_INFO])(ARENA_ALLOCATOR, MEM_DEFAULT, &info), "CreateCpuMemoryInfo");

    float *x = malloc((size_t)T * C * sizeof *x), *probs = malloc((size_t)K * sizeof *probs);
    int64_t label = 0;
    int64_t in_shape[3] = {1, T, C}, p_shape[2] = {1, K}, l_shape[1] = {1};
    check(((tensor_with_data_fn)api[CREATE_TENSOR_WITH_DATA])(info, x, (size_t)T * C * sizeof *x, in_shape, 3,
                                                               TYPE_FLOAT, &in_value),
          "CreateTensorWithDataAsOrtValue (window)");
    check(((tensor_with_data_fn)api[CREATE_TENSOR_WITH_DATA])(info, probs, (size_t)K * sizeof *probs, p_shape, 2,
                                                               TYPE_FLOAT, &out_values[0]),
          "CreateTensorWithDataAsOrtValue (probabilities)");
    check(((tensor_with_data_fn)api[CREATE_TENSOR_WITH_DATA])(info, &label, sizeof label, l_shape, 1, TYPE_INT64,
                                                               &out_values[1]),
          "CreateTensorWithDataAsOrtValue (label)");
    const char *in_names[1] = {"window"}, *out_names[2] = {"probabilities", "label"};
    const void *ins[1] = {in_value};
    run_fn run = (run_fn)api[RUN];

    double *us = malloc((size_t)n * sizeof *us);
    FILE *pf = pred ? fopen(pred, "w") : NULL;
    if (pred && !pf) {
        perror(pred);
        return 1;
    }
    for (int i = 0; i < warm + n; i++) {
        memcpy(x, windows + (size_t)((i < warm ? i : i - warm) % count) * T * C, (size_t)T * C * sizeof *x);
        struct timespec a, b;
        clock_gettime(CLOCK_MONOTONIC, &a);
        Status *s = run(session, NULL, in_names, ins, 1, out_names, 2, out_values);
        clock_gettime(CLOCK_MONOTONIC, &b);
        check(s, "Run");
        if (i >= warm) {
            us[i - warm] = (double)(b.tv_sec - a.tv_sec) * 1e6 + (double)(b.tv_nsec - a.tv_nsec) / 1e3;
            if (pf)
                fprintf(pf, "%lld\n", (long long)label);
        }
    }
    if (pf && fclose(pf) != 0) {
        perror(pred);
        return 1;
    }
    double sum = 0;
    for (int i = 0; i < n; i++)
        sum += us[i];
    qsort(us, (size_t)n, sizeof *us, cmp_double);
    printf("mean_us=%.2f p50_us=%.2f p90_us=%.2f p99_us=%.2f max_us=%.2f version=%s\n", sum / n,
           percentile(us, n, 50), percentile(us, n, 90), percentile(us, n, 99), us[n - 1], get_base()->version());

    ((release_fn)api[RELEASE_VALUE])(in_value);
    ((release_fn)api[RELEASE_VALUE])(out_values[0]);
    ((release_fn)api[RELEASE_VALUE])(out_values[1]);
    ((release_fn)api[RELEASE_MEMORY_INFO])(info);
    ((release_fn)api[RELEASE_SESSION])(session);
    ((release_fn)api[RELEASE_SESSION_OPTIONS])(opts);
    ((release_fn)api[RELEASE_ENV])(env);
    free(us);
    free(x);
    free(probs);
    free(windows);
    return 0;
}
