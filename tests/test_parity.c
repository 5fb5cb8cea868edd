/* test_parity.c - (being written). */
#include "testutil.h"

Suite *parity_suite(void)
{
    return suite_create("parity");
}
