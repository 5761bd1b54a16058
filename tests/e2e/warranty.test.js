// End to end: warranty over real gRPC on loopback. A repair is delivered;
// the car comes back with the same part failing: the part is priced 0 for
// the customer and becomes supplier claims on the lots (and suppliers) it
// was issued from; a defect claim under the factory terms is free too;
// kill -9 keeps it all.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { grpc, startServer, clients, call, closeAll, rejectsWith } = require('./lib');

const S = grpc.status;
const VIN = 'LSVWAR0000000E2E1'; // 17 characters

const order = (km, items, key) => ({
  chain: 'demo',
  store: 'SH01',
  vehicle: { plate: '沪W12345', vin: VIN, model: 'VW Lavida', mileage_km: km },
  complaint: 'cabin smells',
  advisor: 'adv-1',
  items,
  idempotency_key: key,
});

async function deliverAll(c, wo, days, km) {
  const ref = { chain: 'demo', id: wo.id, actor: 'T01' };
  await call(c.workorders, 'StartRepair', ref);
  for (const it of wo.items) await call(c.workorders, 'CompleteItem', { chain: 'demo', id: wo.id, item_no: it.no, actor: 'T01' });
  await call(c.workorders, 'RequestQc', ref);
  await call(c.workorders, 'RecordQc', { chain: 'demo', id: wo.id, passed: true, inspector: 'qc-1', notes: 'ok' });
  return call(c.workorders, 'Deliver', { chain: 'demo', id: wo.id, actor: 'adv-1', warranty_days: days, warranty_km: km });
}

test('a part failing under a repair\'s warranty is free and becomes supplier claims; kill -9 keeps them', async () => {
  let srv = await startServer({});
  let c = clients(srv.addr);
  try {
    // two lots of cabin filters from two suppliers at different costs
    const r1 = await call(c.inventory, 'Receive', { chain: 'demo', warehouse: 'WH-SH01', part_no: 'CF-300', qty: 1, actor: 'clerk', supplier: 'SUP-HUADONG', unit_cost_fen: 2000 });
    const r2 = await call(c.inventory, 'Receive', { chain: 'demo', warehouse: 'WH-SH01', part_no: 'CF-300', qty: 5, actor: 'clerk', supplier: 'SUP-BOSCH', unit_cost_fen: 2200 });
    const lot1 = String(r1.lots[0].lot);
    const lot2 = String(r2.lots[0].lot);
    // the factory terms of the car: 36 months / 100,000 km from last month
    const today = new Date(Date.now() + 8 * 3600 * 1000);
    const bought = new Date(today.getTime() - 30 * 86400 * 1000).toISOString().slice(0, 10);
    const veh = await call(c.dispatch, 'RegisterVehicle', { chain: 'demo', vin: VIN, plate: '沪W12345', model: 'VW Lavida', owner: '王', store: 'SH01', purchase_date: bought, warranty_months: 36, warranty_km: 100000 });
    assert.equal(veh.warranty_months, 36);
    assert.equal(veh.warranty_km, 100000);

    const first = await call(c.workorders, 'CreateWorkOrder', order(30000, [
      { kind: 'ITEM_KIND_PART', part_no: 'CF-300', qty: 2 },
      { kind: 'ITEM_KIND_LABOUR', service: 'MAINT' },
    ], 'w-1'));
    assert.equal(first.items[0].warranty, 'WARRANTY_COVERAGE_NONE');
    const report = await deliverAll(c, first, 90, 5000);
    const line = report.lines.find((l) => l.part_no === 'CF-300');
    assert.equal(line.warranty_days, 90);
    assert.equal(Number(line.warranty_km), 5000);
    assert.equal(line.supplier, 'SUP-HUADONG');
    assert.deepEqual(line.lots.map((l) => String(l.lot)), [lot1, lot2]);

    // what reception would see before opening the order: a preview
    const items = [
      { kind: 'ITEM_KIND_PART', part_no: 'CF-300', qty: 2 },
      { kind: 'ITEM_KIND_LABOUR', service: 'DIAG', warranty_claim: true },
      { kind: 'ITEM_KIND_LABOUR', service: 'TYRE' },
    ];
    const pv = await call(c.workorders, 'CheckWarranty', { chain: 'demo', store: 'SH01', vin: VIN, mileage_km: 31000, items });
    assert.deepEqual(pv.items.map((i) => i.warranty), ['WARRANTY_COVERAGE_REPAIR', 'WARRANTY_COVERAGE_FACTORY', 'WARRANTY_COVERAGE_NONE']);
    assert.equal(Number(pv.customer_fen), Number(pv.items[2].unit_price_fen));
    // a preview writes nothing
    assert.equal((await call(c.workorders, 'ListSupplierClaims', { chain: 'demo' })).claims.length, 0);

    // the car comes back: the same part fails
    const back = await call(c.workorders, 'CreateWorkOrder', order(31000, items, 'w-2'));
    const part = back.items[0];
    assert.equal(part.warranty, 'WARRANTY_COVERAGE_REPAIR');
    assert.equal(String(part.warranty_source_id), String(first.id));
    assert.equal(part.warranty_source_item, 1);
    assert.equal(Number(part.customer_fen), 0);
    assert.ok(Number(part.unit_price_fen) > 0); // the list price is kept
    assert.equal(back.items[1].warranty, 'WARRANTY_COVERAGE_FACTORY');
    assert.equal(Number(back.items[1].customer_fen), 0);
    assert.equal(back.items[2].warranty, 'WARRANTY_COVERAGE_NONE');
    assert.equal(Number(back.parts_fen), 0);
    assert.equal(Number(back.labour_fen), Number(back.items[2].unit_price_fen));
    assert.equal(Number(back.warranty_fen), 2 * Number(part.unit_price_fen) + Number(back.items[1].unit_price_fen));

    // one claim per lot the failed filters came from, on its supplier
    const { claims } = await call(c.workorders, 'ListSupplierClaims', { chain: 'demo' });
    assert.equal(claims.length, 2);
    assert.deepEqual(claims.map((x) => [String(x.lot), x.supplier, Number(x.qty), Number(x.amount_fen)]),
      [[lot1, 'SUP-HUADONG', 1, 2000], [lot2, 'SUP-BOSCH', 1, 2200]]);
    for (const x of claims) {
      assert.equal(x.state, 'SUPPLIER_CLAIM_STATE_OPEN');
      assert.equal(String(x.work_order_id), String(back.id));
      assert.equal(String(x.source_work_order_id), String(first.id));
    }
    const bosch = await call(c.workorders, 'ListSupplierClaims', { chain: 'demo', supplier: 'SUP-BOSCH' });
    assert.equal(bosch.claims.length, 1);
    const dec = await call(c.workorders, 'DecideSupplierClaim', { chain: 'demo', id: bosch.claims[0].id, state: 'SUPPLIER_CLAIM_STATE_ACCEPTED', actor: 'parts-mgr', note: 'batch recalled' });
    assert.equal(dec.state, 'SUPPLIER_CLAIM_STATE_ACCEPTED');
    // the same decision again is fine; the other one is refused
    await call(c.workorders, 'DecideSupplierClaim', { chain: 'demo', id: bosch.claims[0].id, state: 'SUPPLIER_CLAIM_STATE_ACCEPTED', actor: 'parts-mgr' });
    await rejectsWith(call(c.workorders, 'DecideSupplierClaim', { chain: 'demo', id: bosch.claims[0].id, state: 'SUPPLIER_CLAIM_STATE_REJECTED', actor: 'parts-mgr' }), S.FAILED_PRECONDITION, /accepted/);

    // kill -9: the covered items, the claims and their states are still there
    await srv.stop('SIGKILL');
    closeAll(c);
    srv = await startServer({ dataDir: srv.dataDir });
    c = clients(srv.addr);
    const again = await call(c.workorders, 'GetWorkOrder', { chain: 'demo', id: back.id });
    assert.equal(again.items[0].warranty, 'WARRANTY_COVERAGE_REPAIR');
    assert.equal(Number(again.parts_fen), 0);
    const after = await call(c.workorders, 'ListSupplierClaims', { chain: 'demo' });
    assert.deepEqual(after.claims.map((x) => [String(x.lot), x.supplier, x.state]),
      [[lot1, 'SUP-HUADONG', 'SUPPLIER_CLAIM_STATE_OPEN'], [lot2, 'SUP-BOSCH', 'SUPPLIER_CLAIM_STATE_ACCEPTED']]);
    const open = await call(c.workorders, 'ListSupplierClaims', { chain: 'demo', state: 'SUPPLIER_CLAIM_STATE_OPEN' });
    assert.equal(open.claims.length, 1);
    // a retry of the second visit's create: the same order, no new claims
    const retry = await call(c.workorders, 'CreateWorkOrder', order(31000, items, 'w-2'));
    assert.equal(String(retry.id), String(back.id));
    assert.equal((await call(c.workorders, 'ListSupplierClaims', { chain: 'demo' })).claims.length, 2);
    // the vehicle index was rebuilt: the preview still sees the repair
    const pv2 = await call(c.workorders, 'CheckWarranty', { chain: 'demo', store: 'SH01', vin: VIN, mileage_km: 31000, items: items.slice(0, 1) });
    assert.equal(pv2.items[0].warranty, 'WARRANTY_COVERAGE_REPAIR');
    const v = await call(c.dispatch, 'GetVehicle', { chain: 'demo', vin: VIN });
    assert.equal(v.warranty_months, 36);

    // the warranty repair's own report: per line the coverage and source,
    // the customer's amount (0 when covered) beside the list amount
    const rep = await deliverAll(c, again, 30, 2000);
    const byNo = Object.fromEntries(rep.lines.map((l) => [l.item_no, l]));
    assert.equal(byNo[1].warranty, 'WARRANTY_COVERAGE_REPAIR');
    assert.equal(String(byNo[1].warranty_source_id), String(first.id));
    assert.equal(Number(byNo[1].amount_fen), 0);
    assert.equal(Number(byNo[1].list_amount_fen), 2 * Number(part.unit_price_fen));
    assert.equal(byNo[2].warranty, 'WARRANTY_COVERAGE_FACTORY');
    assert.equal(Number(byNo[2].amount_fen), 0);
    assert.equal(byNo[3].warranty, 'WARRANTY_COVERAGE_NONE');
    assert.equal(Number(rep.total_fen), Number(byNo[3].amount_fen));
    assert.equal(Number(rep.warranty_fen), Number(byNo[1].list_amount_fen) + Number(byNo[2].list_amount_fen));
    assert.equal(byNo[1].warranty_days, 30);
  } finally {
    closeAll(c);
    await srv.stop();
  }
});
