/* check_har - runs every test suite and prints Check's summary line. */
#include <stdlib.h>

#include "testutil.h"

int main(void)
{
    Suite *(*suites[])(void) = {tensorfile_suite, dsp_suite,   textparse_suite, ingest_suite,     ucihar_suite,
                                split_suite,      norm_suite, cli_suite,       integration_suite, parity_suite,
                                optim_suite,      train_suite,     eval_suite,
                                infer_suite,      latency_suite,   pipelines_suite,
                                faults_suite,
                                badinput_suite};
    SRunner *sr = srunner_create(NULL);
    for (size_t i = 0; i < sizeof suites / sizeof suites[0]; i++)
        srunner_add_suite(sr, suites[i]());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
