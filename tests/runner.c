/* runner.c - the main of every test runner (make check-unit, check-tools,
 * check-system and the gradient checks; see tests/README.md).
 *
 * make compiles this file once per runner, with the runner's suites.h on the
 * include path: a list that make writes from the file names of the runner's
 * folder, one HAR_SUITE(NAME) per tests/<level>/test_NAME.c, whose
 * Suite *NAME_suite(void) names the suite NAME.  So a test file added to a
 * folder is compiled, linked and run with no list to edit, and a file whose
 * suite function has another name fails to link.  CK_RUN_SUITE=NAME runs
 * one suite alone (Check reads it). */
#include <check.h>
#include <stdlib.h>

#define HAR_SUITE(name) Suite *name##_suite(void);
#include "suites.h"
#undef HAR_SUITE

int main(void)
{
    /* NULL-terminated, so that a folder without a suite still compiles. */
    Suite *(*const suites[])(void) = {
#define HAR_SUITE(name) name##_suite,
#include "suites.h"
#undef HAR_SUITE
        NULL};
    SRunner *sr = srunner_create(NULL);
    for (size_t i = 0; suites[i]; i++)
        srunner_add_suite(sr, suites[i]());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
