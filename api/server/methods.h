/* methods.h — the method tables the services export (api/services/, one
 * file per proto service; a service with several tables keeps them apart
 * only so that the fuzzer's method numbering stays as it was); main.c
 * concatenates them for the server. */
#ifndef PL_API_METHODS_H
#define PL_API_METHODS_H

#include "rpc.h"

extern const pl_method pl_admin_methods[];
extern const int pl_admin_n_methods;
extern const pl_method pl_health_methods[];
extern const int pl_health_n_methods;
extern const pl_method pl_calendar_methods[]; /* Admin: calendars */
extern const int pl_calendar_n_methods;
extern const pl_method pl_scheduling_methods[];
extern const int pl_scheduling_n_methods;
extern const pl_method pl_transfers_methods[];
extern const int pl_transfers_n_methods;
extern const pl_method pl_inventory_methods[];
extern const int pl_inventory_n_methods;
extern const pl_method pl_workorders_methods[];
extern const int pl_workorders_n_methods;
extern const pl_method pl_warranty_methods[]; /* WorkOrders: warranty */
extern const int pl_warranty_n_methods;
extern const pl_method pl_claims_methods[];
extern const int pl_claims_n_methods;
extern const pl_method pl_apikey_methods[]; /* Admin: API keys */
extern const int pl_apikey_n_methods;
extern const pl_method pl_cluster_methods[]; /* Cluster: chain moves */
extern const int pl_cluster_n_methods;
extern const pl_method pl_dispatch_methods[];
extern const int pl_dispatch_n_methods;
extern const pl_method pl_customers_methods[];
extern const int pl_customers_n_methods;
extern const pl_method pl_kpi_methods[]; /* Admin: KPI reports */
extern const int pl_kpi_n_methods;
extern const pl_method pl_ops_methods[]; /* Admin: operations (backups) */
extern const int pl_ops_n_methods;
extern const pl_method pl_testclock_methods[]; /* Admin: test clocks */
extern const int pl_testclock_n_methods;

/* All methods of all services; caller frees. NULL on OOM. */
pl_method *pl_all_methods(int *n_out);

#endif
