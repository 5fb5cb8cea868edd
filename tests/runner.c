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
#include <stdio.h>
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
    /* Check runs nothing, and passes, for a CK_RUN_SUITE or CK_RUN_CASE that
     * names no suite or case of this runner: a typo, or a suite whose
     * suite_create() name is not its file's, must not look like a pass. */
    const char *suite = getenv("CK_RUN_SUITE"), *tcase = getenv("CK_RUN_CASE");
    if (srunner_ntests_run(sr) == 0 && ((suite && *suite) || (tcase && *tcase))) {
        fprintf(stderr, "no test ran: this runner has no suite '%s' with a case '%s'\n", suite ? suite : "(any)",
                tcase ? tcase : "(any)");
        failed = 1;
    }
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
