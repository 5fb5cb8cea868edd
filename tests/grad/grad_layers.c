/* grad_layers.c - finite-difference checks (being written). */
#include "gradcheck.h"

Suite *grad_layers_suite(void)
{
    return suite_create("grad_layers");
}
