/* followups.c — placeholder. */
#include "cust_int.h"
