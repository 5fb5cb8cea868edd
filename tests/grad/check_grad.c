/* check_grad - the finite-difference gradient checks, built in double
 * precision (see gradcheck.h).  Run by `make check` next to check_har. */
#include <stdlib.h>

#include "gradcheck.h"

int main(void)
{
    Suite *(*suites[])(void) = {grad_layers_suite, grad_recurrent_suite, grad_model_suite};
    SRunner *sr = srunner_create(NULL);
    for (size_t i = 0; i < sizeof suites / sizeof suites[0]; i++)
        srunner_add_suite(sr, suites[i]());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
