/* test_train.c - (being written). */
#include "testutil.h"

Suite *train_suite(void)
{
    return suite_create("train");
}
