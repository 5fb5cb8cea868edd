/* grad_recurrent.c - finite-difference checks (being written). */
#include "gradcheck.h"

Suite *grad_recurrent_suite(void)
{
    return suite_create("grad_recurrent");
}
