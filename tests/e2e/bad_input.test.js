// Bad input, table-driven, for every RPC of every service: each request in
// the table must get exactly its status, and after all of them the demo
// chain's state (read through the public RPCs) must be unchanged. A method
// with no row in the table fails the test, so new RPCs must bring theirs.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { grpc, proto, call, withServer } = require('./lib');

const S = grpc.status;
const BIG = 'x'.repeat(5 * 1024 * 1024); // over the 4 MiB message limit

// [service, method, request, status, detail pattern]
const TABLE = [
  ['health', 'Check', { service: 'nope' }, S.NOT_FOUND, /service/],
  ['admin', 'CreateChain', {}, S.INVALID_ARGUMENT, /chain/],
  ['admin', 'CreateChain', { chain: { code: 'bad code', name: 'n' } }, S.INVALID_ARGUMENT, /chain\.code/],
  ['admin', 'GetChain', { code: 'nochain' }, S.NOT_FOUND, /chain/],
  ['admin', 'ListChains', { }, S.OK],
  ['admin', 'CreateStore', { store: { chain: 'demo', code: 'SH01', name: 'dup' } }, S.ALREADY_EXISTS, /store\.code/],
  ['admin', 'GetStore', { chain: 'demo', code: 'NOPE' }, S.NOT_FOUND, /store/],
  // issue 19: a NUL inside a code used to be accepted and the code cut at it
  ['admin', 'CreateStore', { store: { chain: 'demo', code: 'SH9\0x', name: 'n' } }, S.INVALID_ARGUMENT, /store\.code: NUL/],
  ['admin', 'CreateChain', { chain: { code: 'c9\0x', name: 'n' } }, S.INVALID_ARGUMENT, /chain\.code: NUL/],
  ['admin', 'CreatePart', { part: { chain: 'demo', part_no: 'P9\0x', name: 'p' } }, S.INVALID_ARGUMENT, /part\.part_no: NUL/],
  ['admin', 'CreateApiKey', { key: { tenant_kind: 'TENANT_KIND_CHAIN', tenant: 'demo\0x', roles: ['ROLE_ADMIN'] } }, S.INVALID_ARGUMENT, /key\.tenant: NUL/],
  ['admin', 'CreatePart', { part: { chain: 'demo', part_no: 'P9', name: 'p\u0007' } }, S.INVALID_ARGUMENT, /part\.name: control/],
  ['admin', 'ListStores', { chain: 'nochain' }, S.NOT_FOUND, /chain/],
  ['admin', 'CreateWarehouse', { warehouse: { chain: 'demo', code: 'W9', store: 'NOPE', name: 'w' } }, S.NOT_FOUND, /warehouse\.store/],
  ['admin', 'ListWarehouses', { chain: 'nochain' }, S.NOT_FOUND, /chain/],
  ['admin', 'CreateBay', { bay: { chain: 'demo', store: 'SH01', code: 'B9', type: 'BAY_TYPE_UNSPECIFIED' } }, S.INVALID_ARGUMENT, /bay\.type/],
  ['admin', 'CreateTechnician', { technician: { chain: 'demo', store: 'SH01', code: 'T9', name: '' } }, S.INVALID_ARGUMENT, /technician\.name/],
  ['admin', 'ListResources', { chain: 'demo', store: 'NOPE' }, S.NOT_FOUND, /store/],
  ['admin', 'CreatePart', { part: { chain: 'demo', part_no: 'P9', name: 'p', sale_fen: -1 } }, S.INVALID_ARGUMENT, /part\.sale_fen/],
  ['admin', 'CreatePart', { part: { chain: 'demo', part_no: 'P9', name: BIG } }, S.RESOURCE_EXHAUSTED],
  ['admin', 'GetPart', { chain: 'demo', part_no: 'NOPE' }, S.NOT_FOUND, /part_no/],
  ['admin', 'SetStoreHours', { hours: { chain: 'demo', store: 'SH01', week: [] } }, S.INVALID_ARGUMENT, /hours\.week/],
  ['admin', 'GetStoreHours', { chain: 'demo', store: 'NOPE' }, S.NOT_FOUND, /store/],
  ['admin', 'SetTechnicianSchedule', { schedule: { chain: 'demo', store: 'SH01', technician: 'NOPE', week: Array(7).fill({ work: { start_min: 480, end_min: 1020 } }) } }, S.NOT_FOUND, /technician/],
  ['admin', 'SetBaySchedule', { schedule: { chain: 'demo', store: 'SH01', bay: 'L1', out_of_service: [{ start_min: 10, end_min: 5 }] } }, S.INVALID_ARGUMENT, /out_of_service/],
  ['admin', 'CreateService', { service: { chain: 'demo', code: 'S9', name: 's', bay_type: 'BAY_TYPE_WASH', skill: 'SKILL_TYRES', min_level: 1, duration_min: 7, technicians: 1 } }, S.INVALID_ARGUMENT, /service\.duration_min/],
  ['admin', 'ListServices', { chain: 'nochain' }, S.NOT_FOUND, /chain/],
  ['admin', 'CreateApiKey', {}, S.INVALID_ARGUMENT, /key/],
  ['admin', 'CreateApiKey', { key: { tenant_kind: 'TENANT_KIND_CHAIN', tenant: 'demo', roles: [] } }, S.INVALID_ARGUMENT, /key\.roles/],
  ['admin', 'CreateApiKey', { key: { tenant_kind: 'TENANT_KIND_UNSPECIFIED', tenant: 'demo', roles: ['ROLE_ADMIN'] } }, S.INVALID_ARGUMENT, /key\.tenant_kind/],
  ['admin', 'CreateApiKey', { key: { tenant_kind: 'TENANT_KIND_INSURER', tenant: 'pingan', roles: ['ROLE_INSURER'] } }, S.INVALID_ARGUMENT, /key\.chains/],
  ['admin', 'CreateApiKey', { key: { tenant_kind: 'TENANT_KIND_CHAIN', tenant: 'demo', chains: ['other'], roles: ['ROLE_ADMIN'] } }, S.INVALID_ARGUMENT, /key\.chains/],
  ['admin', 'CreateApiKey', { key: { tenant_kind: 'TENANT_KIND_CHAIN', tenant: 'demo', roles: ['ROLE_ADMIN'], rate_per_s: -1 } }, S.INVALID_ARGUMENT, /key\.rate_per_s/],
  ['admin', 'RevokeApiKey', { key_id: 'nope' }, S.NOT_FOUND, /key_id/],
  ['admin', 'RevokeApiKey', { key_id: 'bad id!' }, S.INVALID_ARGUMENT, /key_id/],
  ['admin', 'ListApiKeys', {}, S.OK],
  ['admin', 'CreateBackup', { keep: -1 }, S.INVALID_ARGUMENT, /keep/],
  ['admin', 'CreateBackup', {}, S.FAILED_PRECONDITION, /--backup-dir/],
  ['admin', 'GetKpiReport', { chain: 'demo', from_day: 20, to_day: 10 }, S.INVALID_ARGUMENT, /from_day/],
  ['admin', 'GetKpiReport', { chain: 'demo', from_day: 0, to_day: 366 }, S.INVALID_ARGUMENT, /to_day/],
  ['admin', 'GetKpiReport', { chain: 'demo', from_day: 0, to_day: 6, granularity: 9 }, S.INVALID_ARGUMENT, /granularity/],
  ['admin', 'GetKpiReport', { chain: 'demo', technician: 'T01', from_day: 0, to_day: 6 }, S.INVALID_ARGUMENT, /store/],
  ['admin', 'GetKpiReport', { chain: 'demo', store: 'NOPE', from_day: 0, to_day: 6 }, S.NOT_FOUND, /store/],
  ['admin', 'GetKpiReport', { chain: 'nochain', from_day: 0, to_day: 6 }, S.NOT_FOUND, /chain/],
  ['admin', 'AdvanceTestClock', { chain: 'demo', advance_ms: 60000 }, S.FAILED_PRECONDITION, /sandbox/],
  ['admin', 'AdvanceTestClock', { chain: 'demo', advance_ms: 0 }, S.INVALID_ARGUMENT, /advance_ms/],
  ['admin', 'AdvanceTestClock', { chain: 'demo', advance_ms: -1 }, S.INVALID_ARGUMENT, /advance_ms/],
  ['admin', 'AdvanceTestClock', { chain: 'demo', advance_ms: 367 * 86400000 }, S.INVALID_ARGUMENT, /advance_ms/],
  ['admin', 'AdvanceTestClock', { chain: 'nochain', advance_ms: 1 }, S.NOT_FOUND, /chain/],
  ['sched', 'RecommendSlots', { chain: 'demo', stores: ['SH01'], services: ['MAINT'], earliest_min: 100, latest_min: 50, k: 1 }, S.INVALID_ARGUMENT, /latest/],
  ['sched', 'Hold', { chain: 'demo', store: 'SH01', segments: [], channel: 'CHANNEL_APP' }, S.INVALID_ARGUMENT, /segments/],
  ['sched', 'Confirm', { chain: 'demo', booking_id: 999999 }, S.NOT_FOUND, /booking_id/],
  ['sched', 'Cancel', { chain: 'demo', booking_id: 999999 }, S.NOT_FOUND, /booking_id/],
  ['sched', 'Reschedule', { chain: 'demo', booking_id: 999999, segments: [{ service: 'MAINT', bay: 'L1', technicians: ['T01'], start_min: 0 }] }, S.NOT_FOUND, /booking_id/],
  ['sched', 'CheckIn', { chain: 'demo', booking_id: 999999 }, S.NOT_FOUND, /booking_id/],
  ['sched', 'NoShow', { chain: 'demo', booking_id: 999999 }, S.NOT_FOUND, /booking_id/],
  ['sched', 'Complete', { chain: 'demo', booking_id: 999999 }, S.NOT_FOUND, /booking_id/],
  ['sched', 'GetBooking', { chain: 'nochain', booking_id: 1 }, S.NOT_FOUND, /chain/],
  ['sched', 'ListBookings', { chain: 'demo' }, S.INVALID_ARGUMENT, /filter/],
  ['sched', 'DayBoard', { chain: 'demo', store: 'SH01', date: 'yesterday' }, S.INVALID_ARGUMENT, /date/],
  ['sched', 'Hold', { chain: 'demo', store: 'SH01', segments: [{ service: 'MAINT', bay: 'L1', technicians: ['T01'], start_min: 0 }], channel: 'CHANNEL_APP', customer: 'c', plate: 'p', loaner: 'C1' }, S.INVALID_ARGUMENT, /loaner/],
  ['sched', 'UpsertLoaner', { chain: 'demo', store: 'SH01', code: 'bad code', plate: '沪L0001' }, S.INVALID_ARGUMENT, /loaner\.code/],
  ['sched', 'UpsertLoaner', { chain: 'demo', store: 'SH01', code: 'LC1', plate: '' }, S.INVALID_ARGUMENT, /loaner\.plate/],
  ['sched', 'UpsertLoaner', { chain: 'demo', store: 'SH01', code: 'LC1', plate: '沪L0001', fuel_pct: 101 }, S.INVALID_ARGUMENT, /loaner\.fuel_pct/],
  ['sched', 'UpsertLoaner', { chain: 'demo', store: 'SH01', code: 'LC1', plate: '沪L0001', state: 'LOANER_STATE_OUT' }, S.INVALID_ARGUMENT, /loaner\.state/],
  ['sched', 'UpsertLoaner', { chain: 'demo', store: 'NOPE', code: 'LC1', plate: '沪L0001' }, S.NOT_FOUND, /loaner\.store/],
  ['sched', 'ListLoaners', { chain: 'demo', store: 'NOPE' }, S.NOT_FOUND, /store/],
  ['sched', 'ListLoaners', { chain: 'nochain', store: 'SH01' }, S.NOT_FOUND, /chain/],
  ['sched', 'HandOutLoaner', { chain: 'demo', booking_id: 999999, km: 10, fuel_pct: 50 }, S.NOT_FOUND, /booking_id/],
  ['sched', 'HandOutLoaner', { chain: 'demo', booking_id: 1, km: 10, fuel_pct: -1 }, S.INVALID_ARGUMENT, /fuel_pct/],
  ['sched', 'ReturnLoaner', { chain: 'demo', booking_id: 999999, km: 10, fuel_pct: 50 }, S.NOT_FOUND, /booking_id/],
  ['sched', 'ReturnLoaner', { chain: 'demo', booking_id: 1, km: -5, fuel_pct: 50 }, S.INVALID_ARGUMENT, /mileage_km/],
  ['sched', 'ListLoanerEvents', { chain: 'demo', store: 'SH01', code: 'NOPE' }, S.NOT_FOUND, /loaner\.code/],
  ['sched', 'ListLoanerEvents', { chain: 'demo', store: 'SH01', code: 'bad code' }, S.INVALID_ARGUMENT, /loaner\.code/],
  ['inventory', 'Receive', { chain: 'demo', warehouse: 'WH-SH01', part_no: 'OF-1001', qty: 0, actor: 'a' }, S.INVALID_ARGUMENT, /qty/],
  ['inventory', 'Reserve', { chain: 'demo', warehouse: 'WH-SH01', part_no: 'OF-1001', qty: 1, actor: 'a' }, S.INVALID_ARGUMENT, /work_order/],
  ['inventory', 'Release', { chain: 'demo', warehouse: 'WH-SH01', part_no: 'OF-1001', qty: 1, work_order: 'NOWO', actor: 'a' }, S.FAILED_PRECONDITION, /qty/],
  ['inventory', 'Issue', { chain: 'demo', warehouse: 'WH-SH01', part_no: 'OF-1001', qty: 100000, work_order: 'WO', actor: 'a' }, S.FAILED_PRECONDITION, /qty/],
  ['inventory', 'ReturnStock', { chain: 'demo', warehouse: 'NOPE', part_no: 'OF-1001', qty: 1, actor: 'a' }, S.NOT_FOUND, /warehouse/],
  ['inventory', 'Adjust', { chain: 'demo', warehouse: 'WH-SH01', part_no: 'OF-1001', qty: 0, actor: 'a', reason: 'r' }, S.INVALID_ARGUMENT, /qty/],
  ['inventory', 'Sell', { chain: 'demo', warehouse: 'WH-SH01', part_no: 'NOPE', qty: 1, actor: 'a' }, S.NOT_FOUND, /part/],
  ['inventory', 'GetStock', { chain: 'demo', warehouse: 'WH-SH01', part_no: 'NOPE' }, S.NOT_FOUND, /part/],
  ['inventory', 'SetStockLevels', { chain: 'demo', warehouse: 'WH-SH01', part_no: 'OF-1001', min_qty: 10, max_qty: 5 }, S.INVALID_ARGUMENT],
  ['inventory', 'ListMovements', { chain: 'nochain' }, S.NOT_FOUND, /chain/],
  ['inventory', 'TraceLot', { chain: 'demo', lot: 987654321 }, S.NOT_FOUND, /lot/],
  ['inventory', 'CreateSupplier', {}, S.INVALID_ARGUMENT, /supplier/],
  ['inventory', 'ListSuppliers', { chain: 'nochain' }, S.NOT_FOUND, /chain/],
  ['inventory', 'SetQuote', {}, S.INVALID_ARGUMENT, /quote/],
  ['inventory', 'ListQuotes', { chain: 'nochain', part_no: 'OF-1001' }, S.NOT_FOUND, /chain/],
  ['inventory', 'OpenStocktake', { chain: 'demo', warehouse: 'NOPE', actor: 'a' }, S.NOT_FOUND, /warehouse/],
  ['inventory', 'RecordCount', { chain: 'demo', stocktake_id: 999999, part_no: 'OF-1001', counted: 1 }, S.NOT_FOUND],
  ['inventory', 'CloseStocktake', { chain: 'demo', stocktake_id: 999999, actor: 'a' }, S.NOT_FOUND],
  ['inventory', 'ListAlerts', { chain: 'nochain' }, S.NOT_FOUND, /chain/],
  ['inventory', 'SuggestPurchase', { chain: 'nochain' }, S.NOT_FOUND, /chain/],
  ['inventory', 'SetFitment', {}, S.INVALID_ARGUMENT, /fitment/],
  ['inventory', 'GetFitment', { chain: 'demo', part_no: 'NOPE' }, S.NOT_FOUND, /part/],
  ['inventory', 'FindPartsByModel', { chain: 'nochain', model: 'x' }, S.NOT_FOUND, /chain/],
  ['inventory', 'VerifyLedger', { chain: 'nochain' }, S.NOT_FOUND, /chain/],
  ['transfers', 'SetLane', { lane: { chain: 'demo', from: 'WH-SH01', to: 'WH-SH01' } }, S.INVALID_ARGUMENT, /lane\.to/],
  ['transfers', 'DeleteLane', { chain: 'demo', from: 'WH-SH01', to: 'NOPE' }, S.NOT_FOUND, /lane/],
  ['transfers', 'ListLanes', { chain: 'nochain' }, S.NOT_FOUND, /chain/],
  ['transfers', 'QuoteTransfer', { chain: 'demo', part_no: 'OF-1001', qty: -3, destination: 'WH-SH01' }, S.INVALID_ARGUMENT, /qty/],
  ['transfers', 'PlanRebalance', { chain: 'demo', part_no: 'NOPE' }, S.NOT_FOUND, /part_no/],
  ['transfers', 'CreateTransfer', { chain: 'demo', part_no: 'OF-1001', qty: 1, from: 'WH-SH01', to: 'WH-SH01', actor: 'a' }, S.INVALID_ARGUMENT, /transfer\.to/],
  ['transfers', 'Ship', { chain: 'demo', transfer_id: 999999, actor: 'a' }, S.NOT_FOUND, /transfer_id/],
  ['transfers', 'Receive', { chain: 'demo', transfer_id: 999999, actor: 'a' }, S.NOT_FOUND, /transfer_id/],
  ['transfers', 'Cancel', { chain: 'demo', transfer_id: 999999, actor: 'a' }, S.NOT_FOUND, /transfer_id/],
  ['transfers', 'GetTransfer', { chain: 'demo', transfer_id: 0, actor: 'a' }, S.NOT_FOUND, /transfer_id/],
  ['transfers', 'ListTransfers', { chain: 'nochain' }, S.NOT_FOUND, /chain/],
  ['workorders', 'CreateWorkOrder', { chain: 'demo', store: 'SH01', items: [{ kind: 'ITEM_KIND_PART', part_no: 'OF-1001', qty: 0 }] }, S.INVALID_ARGUMENT, /items\[0\]/],
  ['workorders', 'CreateWorkOrder', { chain: 'demo', store: 'SH01', items: [{ kind: 'ITEM_KIND_LABOUR', service: 'NOPE' }] }, S.NOT_FOUND, /items\[0\]\.service/],
  ['workorders', 'CreateWorkOrder', { chain: 'demo', store: 'NOPE' }, S.NOT_FOUND, /store/],
  ['workorders', 'CreateWorkOrder', { chain: 'demo', store: 'SH01', booking_id: 999999 }, S.NOT_FOUND, /booking_id/],
  ['workorders', 'CreateWorkOrder', { chain: 'demo', store: 'SH01', vehicle: { plate: 'x'.repeat(40) } }, S.INVALID_ARGUMENT, /vehicle\.plate/],
  ['workorders', 'GetWorkOrder', { chain: 'demo', id: 999999 }, S.NOT_FOUND, /id/],
  ['workorders', 'ListWorkOrders', { chain: 'demo', limit: 5000 }, S.INVALID_ARGUMENT, /limit/],
  ['workorders', 'Assign', { chain: 'demo', id: 999999, mode: 'ASSIGN_MODE_AUTO', actor: 'a' }, S.NOT_FOUND, /id/],
  ['workorders', 'StartRepair', { chain: 'demo', id: 999999, actor: 'a' }, S.NOT_FOUND, /id/],
  ['workorders', 'PostProgress', { chain: 'demo', id: 999999, actor: 'a', note: 'n' }, S.NOT_FOUND, /id/],
  ['workorders', 'AddExtraItem', { chain: 'demo', id: 1, actor: 'a' }, S.INVALID_ARGUMENT, /item/],
  ['workorders', 'DecideExtraItem', { chain: 'demo', id: 999999, item_no: 1, approve: true, actor: 'a' }, S.NOT_FOUND, /id/],
  ['workorders', 'CompleteItem', { chain: 'demo', id: 999999, item_no: 1, actor: 'a' }, S.NOT_FOUND, /id/],
  ['workorders', 'ReserveShortParts', { chain: 'nochain', id: 1, actor: 'a' }, S.NOT_FOUND, /chain/],
  ['workorders', 'RequestQc', { chain: 'demo', id: 999999, actor: 'a' }, S.NOT_FOUND, /id/],
  ['workorders', 'RecordQc', { chain: 'demo', id: 999999, passed: true, inspector: 'q' }, S.NOT_FOUND, /id/],
  ['workorders', 'Deliver', { chain: 'demo', id: 999999, actor: 'a' }, S.NOT_FOUND, /id/],
  ['workorders', 'Cancel', { chain: 'demo', id: 999999, actor: 'a' }, S.NOT_FOUND, /id/],
  ['workorders', 'GetRepairReport', { chain: 'demo', id: 999999 }, S.NOT_FOUND, /id/],
  ['workorders', 'WatchWorkOrder', { chain: 'demo', id: 999999 }, S.NOT_FOUND, /id/],
  ['workorders', 'WatchWorkOrder', { chain: 'demo', id: 0 }, S.INVALID_ARGUMENT, /id/],
  ['workorders', 'WatchStore', { chain: 'demo', store: 'NOPE' }, S.NOT_FOUND, /store/],
  ['workorders', 'CheckWarranty', { chain: 'demo', store: 'NOPE', vin: 'LSVDEM00000000001' }, S.NOT_FOUND, /store/],
  ['workorders', 'CheckWarranty', { chain: 'demo', store: 'SH01', vin: 'LSVDEM00000000001', items: [{ kind: 'ITEM_KIND_PART', part_no: 'NOPE', qty: 1 }] }, S.NOT_FOUND, /items\[0\]\.part_no/],
  ['workorders', 'CheckWarranty', { chain: 'demo', store: 'SH01', vin: 'bad vin!' }, S.INVALID_ARGUMENT, /vin/],
  ['workorders', 'ListSupplierClaims', { chain: 'demo', limit: 5000 }, S.INVALID_ARGUMENT, /limit/],
  ['workorders', 'ListSupplierClaims', { chain: 'nochain' }, S.NOT_FOUND, /chain/],
  ['workorders', 'ListSupplierClaims', { chain: 'demo', supplier: 'bad code!' }, S.INVALID_ARGUMENT, /supplier/],
  ['workorders', 'DecideSupplierClaim', { chain: 'demo', id: 999999, state: 'SUPPLIER_CLAIM_STATE_ACCEPTED', actor: 'a' }, S.NOT_FOUND, /id/],
  ['workorders', 'DecideSupplierClaim', { chain: 'demo', id: 1, state: 'SUPPLIER_CLAIM_STATE_OPEN', actor: 'a' }, S.INVALID_ARGUMENT, /state/],
  ['workorders', 'DecideSupplierClaim', { chain: 'demo', id: 1, state: 'SUPPLIER_CLAIM_STATE_REJECTED' }, S.INVALID_ARGUMENT, /actor/],
  ['claims', 'SubmitClaim', { chain: 'demo', store: 'SH01', insurer: 'PICC', claim_no: 'C1' }, S.INVALID_ARGUMENT, /vehicle/],
  ['claims', 'SubmitClaim', { chain: 'demo', store: 'SH01', claim_no: 'C1', vehicle: { plate: 'A1' } }, S.INVALID_ARGUMENT, /insurer/],
  ['claims', 'SubmitClaim', { chain: 'demo', store: 'SH01', insurer: 'PICC', claim_no: 'C1', vehicle: { plate: 'A1' }, service: 'NOPE', hold: true }, S.NOT_FOUND, /service/],
  ['claims', 'GetClaim', { chain: 'demo', insurer: 'PICC', claim_no: 'NOPE' }, S.NOT_FOUND, /claim_no/],
  ['claims', 'ListClaims', { chain: 'nochain' }, S.NOT_FOUND, /chain/],
  ['claims', 'SubmitFleetBatch', { chain: 'demo', fleet: 'F1', jobs: [] }, S.INVALID_ARGUMENT, /jobs/],
  ['claims', 'SubmitFleetBatch', { chain: 'demo', fleet: 'F1', jobs: [{ vehicle: { plate: 'A1' }, services: ['MAINT'] }] }, S.INVALID_ARGUMENT, /jobs\[0\]\.store/],
  // a single node (no --cluster-etcd) takes no part in chain moves
  ['cluster', 'Status', {}, S.OK],
  ['cluster', 'FreezeChain', { chain: 'demo' }, S.FAILED_PRECONDITION, /cluster-etcd/],
  ['cluster', 'UnfreezeChain', { chain: 'demo' }, S.FAILED_PRECONDITION, /cluster-etcd/],
  ['cluster', 'ExportChain', { chain: 'demo', path: '/tmp/x.sst' }, S.FAILED_PRECONDITION, /cluster-etcd/],
  ['cluster', 'ImportChain', { chain: 'demo', path: '/nonexistent.sst' }, S.FAILED_PRECONDITION, /cluster-etcd/],
  ['cluster', 'DropChain', { chain: 'demo' }, S.FAILED_PRECONDITION, /cluster-etcd/],
  ['dispatch', 'SetDispatchConfig', { chain: 'demo', road_factor_milli: 500, speed_kmh: 30 }, S.INVALID_ARGUMENT, /config\.road_factor_milli/],
  ['dispatch', 'GetDispatchConfig', { chain: 'nochain' }, S.NOT_FOUND, /chain/],
  ['dispatch', 'UpsertFieldResource', { chain: 'demo', code: 'X1', name: 'x', kind: 'FIELD_RESOURCE_KIND_UNSPECIFIED', home_store: 'SH01' }, S.INVALID_ARGUMENT, /resource\.kind/],
  ['dispatch', 'UpsertFieldResource', { chain: 'demo', code: 'X1', name: 'x', kind: 'FIELD_RESOURCE_KIND_DRIVER', home_store: 'NOPE' }, S.NOT_FOUND, /resource\.home_store/],
  ['dispatch', 'UpsertFieldResource', { chain: 'demo', code: 'R01', name: 'x', kind: 'FIELD_RESOURCE_KIND_DRIVER', home_store: 'SH01' }, S.FAILED_PRECONDITION, /resource\.kind/],
  ['dispatch', 'UpdatePosition', { chain: 'demo', code: 'NOPE', lat_e6: 1, lng_e6: 1 }, S.NOT_FOUND, /code/],
  ['dispatch', 'UpdatePosition', { chain: 'demo', code: 'R01', lat_e6: 1, lng_e6: 190000000 }, S.INVALID_ARGUMENT, /lng_e6/],
  ['dispatch', 'GetFieldResource', { chain: 'demo', code: 'NOPE' }, S.NOT_FOUND, /code/],
  ['dispatch', 'ListFieldResources', { chain: 'nochain' }, S.NOT_FOUND, /chain/],
  ['dispatch', 'Dispatch', { chain: 'demo', kind: 'DISPATCH_KIND_RESCUE', lat_e6: 95000000, lng_e6: 0 }, S.INVALID_ARGUMENT, /lat_e6/],
  ['dispatch', 'Dispatch', { chain: 'demo', kind: 'DISPATCH_KIND_UNSPECIFIED', lat_e6: 1, lng_e6: 1 }, S.INVALID_ARGUMENT, /kind/],
  ['dispatch', 'Dispatch', { chain: 'demo', kind: 'DISPATCH_KIND_PICKUP', lat_e6: 31200000, lng_e6: 121400000 }, S.INVALID_ARGUMENT, /store/],
  ['dispatch', 'Dispatch', { chain: 'demo', kind: 'DISPATCH_KIND_RESCUE', lat_e6: 31200000, lng_e6: 121400000, book_service: 'MAINT' }, S.INVALID_ARGUMENT, /book_service/],
  ['dispatch', 'Accept', { chain: 'demo', id: 999999 }, S.NOT_FOUND, /id/],
  ['dispatch', 'Decline', { chain: 'demo', id: 999999 }, S.NOT_FOUND, /id/],
  ['dispatch', 'Arrive', { chain: 'demo', id: 999999 }, S.NOT_FOUND, /id/],
  ['dispatch', 'Complete', { chain: 'demo', id: 999999 }, S.NOT_FOUND, /id/],
  ['dispatch', 'Cancel', { chain: 'nochain', id: 1 }, S.NOT_FOUND, /chain/],
  ['dispatch', 'Retry', { chain: 'demo', id: 0 }, S.INVALID_ARGUMENT, /id/],
  ['dispatch', 'GetDispatch', { chain: 'demo', id: 0 }, S.INVALID_ARGUMENT, /id/],
  ['dispatch', 'ListDispatches', { chain: 'demo', limit: 5000 }, S.INVALID_ARGUMENT, /limit/],
  ['dispatch', 'WatchDispatch', { chain: 'demo', id: 999999 }, S.NOT_FOUND, /id/],
  ['dispatch', 'RegisterVehicle', { chain: 'demo', vin: 'BADVIN', store: 'SH01', purchase_date: '2025-01-01' }, S.INVALID_ARGUMENT, /vehicle\.vin/],
  ['dispatch', 'RegisterVehicle', { chain: 'demo', vin: 'LSVDEM00000000009', store: 'SH01' }, S.INVALID_ARGUMENT, /vehicle\.purchase_date/],
  ['dispatch', 'RegisterVehicle', { chain: 'demo', vin: 'LSVDEM00000000009', store: 'NOPE', purchase_date: '2025-01-01' }, S.NOT_FOUND, /vehicle\.store/],
  ['dispatch', 'RegisterVehicle', { chain: 'demo', vin: 'LSVDEM00000000009', store: 'SH01', purchase_date: '2025-01-01', warranty_months: 241, warranty_km: 100000 }, S.INVALID_ARGUMENT, /vehicle\.warranty_months/],
  ['dispatch', 'RegisterVehicle', { chain: 'demo', vin: 'LSVDEM00000000009', store: 'SH01', purchase_date: '2025-01-01', warranty_months: 36, warranty_km: -1 }, S.INVALID_ARGUMENT, /vehicle\.warranty_km/],
  ['dispatch', 'RecordMileage', { chain: 'demo', vin: 'LSVDEM00000000099', mileage_km: 10 }, S.NOT_FOUND, /vin/],
  ['dispatch', 'RecordMileage', { chain: 'demo', vin: 'LSVDEM00000000001', mileage_km: 5 }, S.FAILED_PRECONDITION, /mileage_km/],
  ['dispatch', 'RecordService', { chain: 'demo', vin: 'LSVDEM00000000001', date: 'someday' }, S.INVALID_ARGUMENT, /date/],
  ['dispatch', 'GetVehicle', { chain: 'demo', vin: 'LSVDEM00000000099' }, S.NOT_FOUND, /vin/],
  ['dispatch', 'DueReminders', { chain: 'demo', store: 'SH01' }, S.INVALID_ARGUMENT, /date/],
  ['dispatch', 'DueReminders', { chain: 'demo', store: 'SH01', date: '2026-01-01', days: 40 }, S.INVALID_ARGUMENT, /days/],
  ['dispatch', 'DueReminders', { chain: 'demo', store: 'NOPE', date: '2026-01-01' }, S.NOT_FOUND, /store/],
  ['customers', 'PutCustomer', { chain: 'demo' }, S.INVALID_ARGUMENT, /customer/],
  ['customers', 'PutCustomer', { chain: 'demo', customer: { name: 'x', phone: '12ab' } }, S.INVALID_ARGUMENT, /customer\.phone/],
  ['customers', 'PutCustomer', { chain: 'demo', customer: { name: '', phone: '13900000000' } }, S.INVALID_ARGUMENT, /customer\.name/],
  ['customers', 'PutCustomer', { chain: 'demo', customer: { id: 999, name: 'x', phone: '13900000000' } }, S.NOT_FOUND, /customer\.id/],
  ['customers', 'PutCustomer', { chain: 'demo', customer: { name: 'x', phone: '13900000000', source: 'CUSTOMER_SOURCE_FLEET' } }, S.INVALID_ARGUMENT, /customer\.ref/],
  ['customers', 'GetCustomer', { chain: 'demo', id: 999 }, S.NOT_FOUND, /customer_id/],
  ['customers', 'FindCustomer', { chain: 'demo', phone: '' }, S.INVALID_ARGUMENT, /customer\.phone/],
  ['customers', 'FindCustomer', { chain: 'demo', phone: '13900000000' }, S.NOT_FOUND, /customer\.phone/],
  ['customers', 'ListCustomers', { chain: 'demo', limit: 5000 }, S.INVALID_ARGUMENT, /limit/],
  // issue 19: a cursor at the end of int64 used to wrap and kill the server
  ['customers', 'ListCustomers', { chain: 'demo', after_id: '9223372036854775807' }, S.INVALID_ARGUMENT, /after_id/],
  ['customers', 'ListComplaints', { chain: 'demo', after_id: '9223372036854775807' }, S.INVALID_ARGUMENT, /after_id/],
  ['customers', 'ListCustomers', { chain: 'demo', after_id: '9007199254740992' }, S.OK],
  ['customers', 'LinkVehicle', { chain: 'demo', vin: 'LSVDEM00000000001', customer_id: 999 }, S.NOT_FOUND, /customer_id/],
  ['customers', 'LinkVehicle', { chain: 'demo', vin: 'LSVDEM00000000001', customer_id: 1, from_date: 'soon' }, S.INVALID_ARGUMENT, /from_date/],
  ['customers', 'LinkVehicle', { chain: 'demo', vin: 'LSVDEM00000000099', customer_id: 1 }, S.NOT_FOUND, /vin/],
  ['customers', 'UnlinkVehicle', { chain: 'demo', vin: 'LSVDEM00000000001', customer_id: 999 }, S.NOT_FOUND, /customer_id/],
  ['customers', 'ListVehicleOwners', { chain: 'demo', vin: 'short' }, S.INVALID_ARGUMENT, /vin/],
  ['customers', 'ListCustomerVehicles', { chain: 'demo', customer_id: 999 }, S.NOT_FOUND, /customer_id/],
  ['customers', 'GetServiceHistory', { chain: 'demo', vin: 'LSVDEM00000000001', page_token: 'x' }, S.INVALID_ARGUMENT, /page_token/],
  ['customers', 'GetServiceHistory', { chain: 'demo', vin: 'LSVDEM00000000001', page_token: '99999999999999999999.1.1' }, S.INVALID_ARGUMENT, /page_token/],
  ['customers', 'GetServiceHistory', { chain: 'demo', vin: 'LSVDEM00000000001', page_token: '1.1.1x' }, S.INVALID_ARGUMENT, /page_token/],
  ['customers', 'GetServiceHistory', { chain: 'nochain', vin: 'LSVDEM00000000001' }, S.NOT_FOUND, /chain/],
  ['customers', 'GetFollowUp', { chain: 'demo', id: 999 }, S.NOT_FOUND, /id/],
  ['customers', 'ListFollowUps', { chain: 'demo', state: 9 }, S.INVALID_ARGUMENT, /state/],
  ['customers', 'RecordFollowUp', { chain: 'demo', id: 999, reached: true, satisfaction: 3, actor: 'a' }, S.NOT_FOUND, /id/],
  ['customers', 'RecordFollowUp', { chain: 'demo', id: 1, reached: true, satisfaction: 9, actor: 'a' }, S.INVALID_ARGUMENT, /satisfaction/],
  ['customers', 'OpenComplaint', { chain: 'demo', store: 'NOPE', channel: 'COMPLAINT_CHANNEL_PHONE', category: 'COMPLAINT_CATEGORY_PRICE', severity: 1, text: 't', actor: 'a' }, S.NOT_FOUND, /store/],
  ['customers', 'OpenComplaint', { chain: 'demo', store: 'SH01', channel: 'COMPLAINT_CHANNEL_PHONE', category: 'COMPLAINT_CATEGORY_PRICE', severity: 1, text: '', actor: 'a' }, S.INVALID_ARGUMENT, /text/],
  ['customers', 'OpenComplaint', { chain: 'demo', store: 'SH01', channel: 'COMPLAINT_CHANNEL_PHONE', category: 'COMPLAINT_CATEGORY_PRICE', severity: 1, text: 't', actor: 'a', wo_id: 999 }, S.NOT_FOUND, /wo_id/],
  ['customers', 'ActOnComplaint', { chain: 'demo', id: 999, action: 'COMPLAINT_ACTION_ACKNOWLEDGE', actor: 'a' }, S.NOT_FOUND, /id/],
  ['customers', 'ActOnComplaint', { chain: 'demo', id: 1, action: 'COMPLAINT_ACTION_UNSPECIFIED', actor: 'a' }, S.INVALID_ARGUMENT, /action/],
  ['customers', 'GetComplaint', { chain: 'demo', id: 999 }, S.NOT_FOUND, /id/],
  ['customers', 'ListComplaints', { chain: 'demo', state: 9 }, S.INVALID_ARGUMENT, /state/],
  ['customers', 'SetComplaintPolicy', { chain: 'demo', store: 'SH01', response_min: 0, resolution_min: 10, manager: 'm' }, S.INVALID_ARGUMENT, /response_min/],
  ['customers', 'SetComplaintPolicy', { chain: 'demo', store: 'NOPE', response_min: 10, resolution_min: 10, manager: 'm' }, S.NOT_FOUND, /store/],
  ['customers', 'GetComplaintPolicy', { chain: 'demo', store: 'NOPE' }, S.NOT_FOUND, /store/],
  ['customers', 'SweepComplaints', { chain: 'nochain' }, S.NOT_FOUND, /chain/],
];

const SERVICES = {
  health: proto.grpc.health.v1.Health,
  admin: proto.pitlane.v1.Admin,
  sched: proto.pitlane.v1.Scheduling,
  inventory: proto.pitlane.v1.Inventory,
  transfers: proto.pitlane.v1.Transfers,
  workorders: proto.pitlane.v1.WorkOrders,
  claims: proto.pitlane.v1.Claims,
  cluster: proto.pitlane.v1.Cluster,
  dispatch: proto.pitlane.v1.Dispatch,
  customers: proto.pitlane.v1.Customers,
};

// A server-streaming call's outcome: its status once it ends (bad input
// ends it before any message).
function streamStatus(client, method, req) {
  return new Promise((resolve, reject) => {
    const st = client[method](req, { deadline: Date.now() + 10000 });
    st.on('data', () => {});
    st.on('error', reject);
    st.on('end', () => resolve());
  });
}

// Everything the table's requests could have touched, read back.
async function snapshot(c) {
  const t = Math.floor(Date.now() / 60000);
  const days = [];
  for (let d = 0; d < 3; d++) days.push(new Date((t + d * 1440 + 480) * 60000).toISOString().slice(0, 10));
  return {
    chains: await call(c.admin, 'ListChains', {}),
    keys: await call(c.admin, 'ListApiKeys', {}),
    chain: await call(c.admin, 'GetChain', { code: 'demo' }),
    services: await call(c.admin, 'ListServices', { chain: 'demo' }),
    hours: await call(c.admin, 'GetStoreHours', { chain: 'demo', store: 'SH01' }),
    loaners: await call(c.sched, 'ListLoaners', { chain: 'demo', store: 'SH01' }),
    bookings: await Promise.all(days.map((date) => call(c.sched, 'ListBookings', { chain: 'demo', store: 'SH01', date }))),
    stock: await call(c.inventory, 'GetStock', { chain: 'demo', part_no: 'OF-1001' }),
    movements: await call(c.inventory, 'ListMovements', { chain: 'demo', limit: 500 }),
    suppliers: await call(c.inventory, 'ListSuppliers', { chain: 'demo' }),
    lanes: await call(c.transfers, 'ListLanes', { chain: 'demo' }),
    transfers: await call(c.transfers, 'ListTransfers', { chain: 'demo' }),
    workorders: await call(c.workorders, 'ListWorkOrders', { chain: 'demo' }),
    claims: await call(c.claims, 'ListClaims', { chain: 'demo' }),
    supplierClaims: await call(c.workorders, 'ListSupplierClaims', { chain: 'demo' }),
    resources: await call(c.dispatch, 'ListFieldResources', { chain: 'demo' }),
    dispatches: await call(c.dispatch, 'ListDispatches', { chain: 'demo' }),
    vehicle: await call(c.dispatch, 'GetVehicle', { chain: 'demo', vin: 'LSVDEM00000000001' }),
    customers: await call(c.customers, 'ListCustomers', { chain: 'demo' }),
    complaints: await call(c.customers, 'ListComplaints', { chain: 'demo' }),
    followups: await call(c.customers, 'ListFollowUps', { chain: 'demo' }),
    policy: await call(c.customers, 'GetComplaintPolicy', { chain: 'demo', store: 'SH01' }),
    history: await call(c.customers, 'GetServiceHistory', { chain: 'demo', vin: 'LSVDEM00000000001' }),
  };
}

test('every RPC answers bad input with its precise status and changes nothing', async () => {
  // every method of every service has a row
  for (const [key, Svc] of Object.entries(SERVICES)) {
    for (const name of Object.keys(Svc.service)) {
      const method = name;
      if (key === 'health' && method === 'Watch') continue; // not offered
      assert.ok(TABLE.some(([s, m]) => s === key && m === method), `no bad-input row for ${key}.${method}`);
    }
  }
  await withServer({}, async (_srv, c) => {
    const before = await snapshot(c);
    for (const [svc, method, req, code, pattern] of TABLE) {
      let got = S.OK;
      let details = '';
      try {
        if (SERVICES[svc].service[method].responseStream) await streamStatus(c[svc], method, req);
        else await call(c[svc], method, req);
      } catch (err) {
        got = err.code;
        details = err.details;
      }
      assert.equal(got, code, `${svc}.${method}(${JSON.stringify(req).slice(0, 120)}): expected ${code}, got ${got}: ${details}`);
      if (pattern) assert.match(details, pattern, `${svc}.${method}`);
    }
    const after = await snapshot(c);
    assert.deepEqual(after, before);
  });
});

// One VIN rule (ISO 3779: 17 of 0-9 A-Z without I, O, Q; no check digit)
// and one plate rule (at most 15 bytes, never cut) for every RPC that
// takes a VIN or a plate (issue #25): each row is refused naming the
// field, and nothing changes.
const O_VIN = 'LSVDEM0000000000O';
const I_VIN = 'LSVDEMI0000000001';
const Q_VIN = 'LSVDEM0000000000Q';
const LOWER_VIN = 'lsvdem00000000001';
const LONG_PLATE = '沪A123456789012'; // 16 bytes
const SEG = [{ service: 'MAINT', bay: 'L1', technicians: ['T01'], start_min: 0 }];
const VIN_PLATE = [
  ['workorders', 'CreateWorkOrder', { chain: 'demo', store: 'SH01', vehicle: { plate: '沪A1', vin: O_VIN } }, /vehicle\.vin: character 17/],
  ['workorders', 'CreateWorkOrder', { chain: 'demo', store: 'SH01', vehicle: { plate: '沪A1', vin: LOWER_VIN } }, /vehicle\.vin: character 1 /],
  ['workorders', 'CreateWorkOrder', { chain: 'demo', store: 'SH01', vehicle: { plate: '沪A1', vin: 'LSVDEM000000000011' } }, /vehicle\.vin: must be 17 characters/],
  ['workorders', 'CreateWorkOrder', { chain: 'demo', store: 'SH01', vehicle: { plate: LONG_PLATE } }, /vehicle\.plate: longer than 15 bytes/],
  ['workorders', 'CheckWarranty', { chain: 'demo', store: 'SH01', vin: Q_VIN }, /vin: character 17/],
  ['workorders', 'ListWorkOrders', { chain: 'demo', plate: LONG_PLATE }, /plate: longer than 15 bytes/],
  ['claims', 'SubmitClaim', { chain: 'demo', store: 'SH01', insurer: 'PICC', claim_no: 'V1', vehicle: { vin: I_VIN } }, /vehicle\.vin: character 7/],
  ['claims', 'SubmitClaim', { chain: 'demo', store: 'SH01', insurer: 'PICC', claim_no: 'V1', vehicle: { plate: LONG_PLATE } }, /vehicle\.plate: longer than 15 bytes/],
  ['claims', 'SubmitFleetBatch', { chain: 'demo', fleet: 'F1', stores: ['SH01'], jobs: [{ vehicle: { plate: '沪A1', vin: O_VIN }, services: ['MAINT'] }], hold: true }, /jobs\[0\]\.vehicle\.vin/],
  ['claims', 'SubmitFleetBatch', { chain: 'demo', fleet: 'F1', stores: ['SH01'], jobs: [{ vehicle: { plate: LONG_PLATE }, services: ['MAINT'] }], hold: true }, /plate: longer than 15 bytes/],
  ['sched', 'Hold', { chain: 'demo', store: 'SH01', segments: SEG, channel: 'CHANNEL_APP', customer: 'c', plate: LONG_PLATE }, /plate: longer than 15 bytes/],
  ['sched', 'ListBookings', { chain: 'demo', plate: LONG_PLATE }, /plate: longer than 15 bytes/],
  ['sched', 'UpsertLoaner', { chain: 'demo', store: 'SH01', code: 'LC1', plate: LONG_PLATE }, /plate: longer than 15 bytes/],
  ['dispatch', 'Dispatch', { chain: 'demo', kind: 'DISPATCH_KIND_RESCUE', lat_e6: 31200000, lng_e6: 121400000, plate: LONG_PLATE }, /plate: longer than 15 bytes/],
  ['dispatch', 'RegisterVehicle', { chain: 'demo', vin: I_VIN, store: 'SH01', purchase_date: '2025-01-01' }, /vehicle\.vin: character 7/],
  ['dispatch', 'RegisterVehicle', { chain: 'demo', vin: 'LSVDEM00000000009', plate: LONG_PLATE, store: 'SH01', purchase_date: '2025-01-01' }, /plate: longer than 15 bytes/],
  ['dispatch', 'RecordMileage', { chain: 'demo', vin: LOWER_VIN, mileage_km: 10 }, /vin: character 1 /],
  ['dispatch', 'RecordService', { chain: 'demo', vin: O_VIN, mileage_km: 10 }, /vin: character 17/],
  ['dispatch', 'GetVehicle', { chain: 'demo', vin: Q_VIN }, /vin: character 17/],
  ['customers', 'LinkVehicle', { chain: 'demo', vin: I_VIN, customer_id: 1 }, /vin: character 7/],
  ['customers', 'UnlinkVehicle', { chain: 'demo', vin: O_VIN, customer_id: 1 }, /vin: character 17/],
  ['customers', 'ListVehicleOwners', { chain: 'demo', vin: Q_VIN }, /vin: character 17/],
  ['customers', 'GetServiceHistory', { chain: 'demo', vin: LOWER_VIN }, /vin: character 1 /],
  ['customers', 'OpenComplaint', { chain: 'demo', store: 'SH01', channel: 'COMPLAINT_CHANNEL_PHONE', category: 'COMPLAINT_CATEGORY_PRICE', severity: 1, text: 't', actor: 'a', vin: O_VIN }, /vin: character 17/],
  ['customers', 'ListComplaints', { chain: 'demo', vin: I_VIN }, /vin: character 7/],
];

test('one VIN rule and one plate rule for every RPC that takes them; a refusal changes nothing', async () => {
  await withServer({}, async (_srv, c) => {
    const before = await snapshot(c);
    for (const [svc, method, req, pattern] of VIN_PLATE) {
      let got = S.OK;
      let details = '';
      try {
        await call(c[svc], method, req);
      } catch (err) {
        got = err.code;
        details = err.details;
      }
      assert.equal(got, S.INVALID_ARGUMENT, `${svc}.${method}(${JSON.stringify(req).slice(0, 140)}): got ${got}: ${details}`);
      assert.match(details, pattern, `${svc}.${method}`);
    }
    assert.deepEqual(await snapshot(c), before);
    // the limits themselves pass: a 15-byte plate, a VIN of every allowed character
    const wo = await call(c.workorders, 'CreateWorkOrder', { chain: 'demo', store: 'SH01', vehicle: { plate: '沪A12345678901', vin: 'ABCDEFGHJKLMNPRST' }, advisor: 'a' });
    assert.equal(wo.vehicle.plate, '沪A12345678901');
    const wo2 = await call(c.workorders, 'CreateWorkOrder', { chain: 'demo', store: 'SH01', vehicle: { plate: '沪A2', vin: 'UVWXYZ01234567890' }, advisor: 'a' });
    assert.equal(wo2.vehicle.vin, 'UVWXYZ01234567890');
  });
});
