/* cust_history.c — placeholder. */
#include "cust_int.h"
