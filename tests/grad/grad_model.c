/* grad_model.c - finite-difference checks (being written). */
#include "gradcheck.h"

Suite *grad_model_suite(void)
{
    return suite_create("grad_model");
}
