/* methods.c — every service's method table, concatenated for the server.
 * A new service adds its table to `tables` (and its header line to
 * methods.h). */
#include "methods.h"

#include <stdlib.h>
#include <string.h>

typedef struct table {
  const pl_method *methods;
  const int *n;
} table;

static const table tables[] = {
    {pl_health_methods, &pl_health_n_methods},
    {pl_admin_methods, &pl_admin_n_methods},
    {pl_calendar_methods, &pl_calendar_n_methods},
    {pl_scheduling_methods, &pl_scheduling_n_methods},
    {pl_inventory_methods, &pl_inventory_n_methods},
    {pl_transfers_methods, &pl_transfers_n_methods},
    {pl_workorders_methods, &pl_workorders_n_methods},
    {pl_claims_methods, &pl_claims_n_methods},
    {pl_apikey_methods, &pl_apikey_n_methods},
    {pl_cluster_methods, &pl_cluster_n_methods},
    {pl_dispatch_methods, &pl_dispatch_n_methods},
    {pl_customers_methods, &pl_customers_n_methods},
    {pl_kpi_methods, &pl_kpi_n_methods},
    {pl_warranty_methods, &pl_warranty_n_methods},
    {pl_ops_methods, &pl_ops_n_methods},
    {pl_testclock_methods, &pl_testclock_n_methods},
    /* a new table goes last (then regenerate the fuzz seeds) */
};

pl_method *pl_all_methods(int *n_out) {
  int n = 0;
  for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++)
    n += *tables[i].n;
  pl_method *all = calloc((size_t)n, sizeof *all);
  if (all == NULL)
    return NULL;
  int k = 0;
  for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
    memcpy(all + k, tables[i].methods, (size_t)*tables[i].n * sizeof *all);
    k += *tables[i].n;
  }
  *n_out = n;
  return all;
}
