// End to end: the Inventory service of pitlaned over real gRPC on
// loopback, driven by @grpc/grpc-js. Expected values are computed here
// from what the server reported before, never copied from its output.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { grpc, startServer, clients, call, closeAll, withServer, rejectsWith } = require('./lib');

const S = grpc.status;
const CHAIN = 'demo';

function move(extra) {
  return { chain: CHAIN, actor: 'e2e', ...extra };
}

async function newPart(c, partNo) {
  await call(c.admin, 'CreatePart', { part: { chain: CHAIN, part_no: partNo, name: 'e2e part', unit: 'pc', purchase_fen: 100, sale_fen: 200 } });
}

async function stockOf(c, warehouse, part_no) {
  const r = await call(c.inventory, 'GetStock', { chain: CHAIN, warehouse, part_no });
  return r.rows[0];
}

async function allMovements(c, filter) {
  const out = [];
  let cursor = 0;
  do {
    const page = await call(c.inventory, 'ListMovements', { chain: CHAIN, ...filter, cursor, limit: 50 });
    out.push(...page.movements);
    cursor = page.next_cursor;
  } while (cursor !== 0);
  return out;
}

test('health serves Inventory, and the demo chain has stock whose chain total is the sum of its rows', async () => {
  await withServer({}, async (_srv, c) => {
    assert.equal((await call(c.health, 'Check', { service: 'pitlane.v1.Inventory' })).status, 'SERVING');
    const chainWide = await call(c.inventory, 'GetStock', { chain: CHAIN, part_no: 'OF-1001' });
    assert.ok(chainWide.rows.length >= 2);
    const sum = chainWide.rows.reduce((a, r) => a + r.on_hand, 0);
    assert.ok(sum > 0);
    assert.equal(chainWide.total.on_hand, sum);
    for (const r of chainWide.rows) {
      const one = await stockOf(c, r.warehouse, 'OF-1001');
      assert.equal(one.on_hand, r.on_hand);
      assert.equal(one.available, one.on_hand - one.reserved);
    }
    const sups = await call(c.inventory, 'ListSuppliers', { chain: CHAIN });
    assert.ok(sups.suppliers.length >= 1);
  });
});

test('receive, reserve, issue: counts, FIFO lots, movements by work order and lot trace', async () => {
  await withServer({}, async (_srv, c) => {
    await newPart(c, 'E2E-FIFO');
    const r1 = await call(c.inventory, 'Receive', move({ warehouse: 'WH-SH01', part_no: 'E2E-FIFO', qty: 4, unit_cost_fen: 100, bin: 'Z-1' }));
    const r2 = await call(c.inventory, 'Receive', move({ warehouse: 'WH-SH01', part_no: 'E2E-FIFO', qty: 6, unit_cost_fen: 150 }));
    assert.equal(r1.kind, 'MOVEMENT_KIND_RECEIPT');
    assert.ok(r2.seq > r1.seq);
    await call(c.inventory, 'Reserve', move({ warehouse: 'WH-SH01', part_no: 'E2E-FIFO', qty: 3, work_order: 'WO-E1' }));
    let s = await stockOf(c, 'WH-SH01', 'E2E-FIFO');
    assert.deepEqual([s.on_hand, s.reserved, s.available, s.in_transit], [10, 3, 7, 0]);
    const iss = await call(c.inventory, 'Issue', move({ warehouse: 'WH-SH01', part_no: 'E2E-FIFO', qty: 5, work_order: 'WO-E1' }));
    // FIFO: 4 from the first lot, 1 from the second
    assert.deepEqual(iss.lots.map((l) => [l.lot, l.qty, l.unit_cost_fen]), [[r1.lots[0].lot, 4, 100], [r2.lots[0].lot, 1, 150]]);
    assert.equal(iss.reserved_delta, -3);
    s = await stockOf(c, 'WH-SH01', 'E2E-FIFO');
    assert.deepEqual([s.on_hand, s.reserved], [5, 0]);
    const byWo = await allMovements(c, { work_order: 'WO-E1' });
    assert.deepEqual(byWo.map((m) => m.kind), ['MOVEMENT_KIND_RESERVE', 'MOVEMENT_KIND_ISSUE']);
    const tr = await call(c.inventory, 'TraceLot', { chain: CHAIN, lot: r2.lots[0].lot });
    assert.equal(tr.received, 6);
    assert.equal(tr.out_total, 1);
    assert.equal(tr.remaining, 5);
    const withLots = await call(c.inventory, 'GetStock', { chain: CHAIN, warehouse: 'WH-SH01', part_no: 'E2E-FIFO', include_lots: true });
    assert.deepEqual(withLots.rows[0].lots.map((l) => [l.lot, l.qty_left]), [[r2.lots[0].lot, 5]]);
  });
});

test('release, return to stock and to supplier, adjust: each one movement with its lots', async () => {
  await withServer({}, async (_srv, c) => {
    await newPart(c, 'E2E-RET');
    const base = { warehouse: 'WH-SH02', part_no: 'E2E-RET' };
    const rcv = await call(c.inventory, 'Receive', move({ ...base, qty: 10, unit_cost_fen: 300, supplier: 'SUP-BOSCH' }));
    const lot = rcv.lots[0].lot;
    await call(c.inventory, 'Reserve', move({ ...base, qty: 4, work_order: 'WO-RT' }));
    const rel = await call(c.inventory, 'Release', move({ ...base, qty: 4, work_order: 'WO-RT' }));
    assert.equal(rel.reserved_delta, -4);
    await call(c.inventory, 'Issue', move({ ...base, qty: 6, work_order: 'WO-RT' }));
    const back = await call(c.inventory, 'ReturnStock', move({ ...base, qty: 2, work_order: 'WO-RT', lot, reason: 'not used' }));
    assert.equal(back.kind, 'MOVEMENT_KIND_RETURN_STOCK');
    assert.deepEqual(back.lots.map((l) => [l.lot, l.qty]), [[lot, 2]]);
    const toSup = await call(c.inventory, 'ReturnStock', move({ ...base, qty: 1, to_supplier: true, supplier: 'SUP-BOSCH', reason: 'defective' }));
    assert.equal(toSup.kind, 'MOVEMENT_KIND_RETURN_SUPPLIER');
    assert.equal(toSup.qty, -1);
    await rejectsWith(call(c.inventory, 'Adjust', move({ ...base, qty: -1 })), S.INVALID_ARGUMENT, /^reason/);
    const adj = await call(c.inventory, 'Adjust', move({ ...base, qty: -2, reason: 'damaged' }));
    assert.equal(adj.kind, 'MOVEMENT_KIND_ADJUST');
    // reference: 10 - 6 + 2 - 1 - 2
    const s = await stockOf(c, 'WH-SH02', 'E2E-RET');
    assert.equal(s.on_hand, 10 - 6 + 2 - 1 - 2);
    const ms = await allMovements(c, { part_no: 'E2E-RET' });
    assert.equal(ms.reduce((a, m) => a + m.qty, 0), s.on_hand);
    assert.ok(ms.every((m) => m.actor === 'e2e'));
    const tr = await call(c.inventory, 'TraceLot', { chain: CHAIN, lot });
    assert.equal(tr.remaining, s.on_hand, 'one lot holds all of it');
  });
});

test('bad input gets a precise status naming the field, and changes nothing', async () => {
  await withServer({}, async (_srv, c) => {
    const before = await stockOf(c, 'WH-SH01', 'OF-1001');
    const nBefore = (await allMovements(c, {})).length;
    const base = { warehouse: 'WH-SH01', part_no: 'OF-1001', work_order: 'WO-BAD' };
    await rejectsWith(call(c.inventory, 'Receive', move({ ...base, part_no: 'NOPE', qty: 1 })), S.NOT_FOUND, /^part_no/);
    await rejectsWith(call(c.inventory, 'Receive', move({ ...base, warehouse: 'NOPE', qty: 1 })), S.NOT_FOUND, /^warehouse/);
    await rejectsWith(call(c.inventory, 'Receive', move({ ...base, qty: 0 })), S.INVALID_ARGUMENT, /^qty/);
    await rejectsWith(call(c.inventory, 'Reserve', move({ ...base, qty: -2 })), S.INVALID_ARGUMENT, /^qty/);
    await rejectsWith(call(c.inventory, 'Issue', move({ ...base, qty: before.available + 1 })), S.FAILED_PRECONDITION, /^qty/);
    await rejectsWith(call(c.inventory, 'Sell', move({ ...base, qty: before.available + 1 })), S.FAILED_PRECONDITION, /^qty/);
    await rejectsWith(call(c.inventory, 'Issue', move({ ...base, work_order: '', qty: 1 })), S.INVALID_ARGUMENT, /^work_order/);
    await rejectsWith(call(c.inventory, 'Receive', { chain: CHAIN, ...base, qty: 1 }), S.INVALID_ARGUMENT, /^actor/);
    await rejectsWith(call(c.inventory, 'Receive', move({ ...base, qty: 1, supplier: 'NOPE' })), S.NOT_FOUND, /^supplier/);
    await rejectsWith(call(c.inventory, 'GetStock', { chain: CHAIN, warehouse: 'WH-SH01', part_no: 'NOPE' }), S.NOT_FOUND, /^part_no/);
    const st = await call(c.inventory, 'OpenStocktake', { chain: CHAIN, warehouse: 'WH-SH02', actor: 'e2e' });
    await call(c.inventory, 'CloseStocktake', { chain: CHAIN, stocktake_id: st.stocktake_id, actor: 'e2e' });
    await rejectsWith(call(c.inventory, 'CloseStocktake', { chain: CHAIN, stocktake_id: st.stocktake_id, actor: 'e2e' }), S.FAILED_PRECONDITION, /^stocktake_id/);
    const after = await stockOf(c, 'WH-SH01', 'OF-1001');
    assert.deepEqual(after, before);
    assert.equal((await allMovements(c, {})).length, nBefore);
  });
});

test('concurrent reserve and issue from many clients on one part never over-allocate', async () => {
  await withServer({ threads: 2 }, async (srv, c) => {
    await newPart(c, 'E2E-RACE');
    const STOCK = 100;
    await call(c.inventory, 'Receive', move({ warehouse: 'WH-SH02', part_no: 'E2E-RACE', qty: STOCK, unit_cost_fen: 10 }));
    const cls = Array.from({ length: 8 }, () => clients(srv.addr));
    let issued = 0;
    let refused = 0;
    try {
      await Promise.all(cls.map(async (cl, k) => {
        for (let i = 0; i < 10; i++) {
          const req = move({ warehouse: 'WH-SH02', part_no: 'E2E-RACE', qty: 3, work_order: `WO-R${k}` });
          const ops = await Promise.allSettled([call(cl.inventory, 'Reserve', req), call(cl.inventory, 'Issue', req)]);
          for (const o of ops) {
            if (o.status === 'rejected') {
              assert.equal(o.reason.code, S.FAILED_PRECONDITION, o.reason.details);
              refused++;
            }
          }
          if (ops[1].status === 'fulfilled') issued += 3;
        }
      }));
    } finally {
      cls.forEach(closeAll);
    }
    assert.ok(refused > 0, 'demand exceeded stock, so some calls were refused');
    const s = await stockOf(c, 'WH-SH02', 'E2E-RACE');
    assert.equal(s.on_hand, STOCK - issued);
    assert.ok(s.on_hand >= 0 && s.reserved >= 0 && s.reserved <= s.on_hand);
    // the ledger agrees: the issues' quantities add up to what left stock
    const ms = await allMovements(c, { part_no: 'E2E-RACE' });
    assert.equal(ms.filter((m) => m.kind === 'MOVEMENT_KIND_ISSUE').reduce((a, m) => a - m.qty, 0), issued);
    assert.equal(ms.reduce((a, m) => a + m.reserved_delta, 0), s.reserved);
  });
});

test('a retried movement with the same idempotency key returns the first answer', async () => {
  await withServer({}, async (_srv, c) => {
    const before = await stockOf(c, 'DC-EAST', 'CF-300');
    const req = move({ warehouse: 'DC-EAST', part_no: 'CF-300', qty: 2, idempotency_key: 'sale-42' });
    const first = await call(c.inventory, 'Sell', req);
    const again = await call(c.inventory, 'Sell', req);
    assert.deepEqual(again, first);
    assert.equal((await stockOf(c, 'DC-EAST', 'CF-300')).on_hand, before.on_hand - 2);
  });
});

test('stocktake, alerts and purchase suggestions follow counts, levels and quotes', async () => {
  await withServer({}, async (_srv, c) => {
    const before = await stockOf(c, 'WH-SH01', 'SP-IR-4');
    const st = await call(c.inventory, 'OpenStocktake', { chain: CHAIN, warehouse: 'WH-SH01', actor: 'counter' });
    await call(c.inventory, 'RecordCount', { chain: CHAIN, stocktake_id: st.stocktake_id, part_no: 'SP-IR-4', counted: before.on_hand - 3 });
    const rep = await call(c.inventory, 'CloseStocktake', { chain: CHAIN, stocktake_id: st.stocktake_id, actor: 'counter' });
    assert.equal(rep.variances.length, 1);
    assert.equal(rep.variances[0].variance, -3);
    assert.equal((await stockOf(c, 'WH-SH01', 'SP-IR-4')).on_hand, before.on_hand - 3);
    const loss = (await allMovements(c, { part_no: 'SP-IR-4', warehouse: 'WH-SH01' })).pop();
    assert.equal(loss.kind, 'MOVEMENT_KIND_STOCKTAKE_LOSS');
    assert.equal(loss.seq, rep.variances[0].seq);

    await call(c.inventory, 'SetStockLevels', { chain: CHAIN, warehouse: 'WH-SH02', part_no: 'SP-IR-4', min_qty: 5, max_qty: 9 });
    const alerts = await call(c.inventory, 'ListAlerts', { chain: CHAIN, warehouse: 'WH-SH02' });
    assert.ok(alerts.alerts.some((a) => a.kind === 'ALERT_KIND_BELOW_MIN' && a.part_no === 'SP-IR-4'));
    // reference: every cell below min in the chain, cheapest quote
    const sug = await call(c.inventory, 'SuggestPurchase', { chain: CHAIN });
    const lines = sug.orders.flatMap((o) => o.lines.map((l) => ({ ...l, supplier: o.supplier })));
    const line = lines.find((l) => l.warehouse === 'WH-SH02' && l.part_no === 'SP-IR-4');
    assert.ok(line, 'SP-IR-4 at WH-SH02 is suggested');
    const s2 = await stockOf(c, 'WH-SH02', 'SP-IR-4');
    assert.equal(line.qty, 9 - s2.available);
    const quotes = (await call(c.inventory, 'ListQuotes', { chain: CHAIN, part_no: 'SP-IR-4' })).quotes;
    const cheapest = quotes.reduce((a, q) => (a === null || q.price_fen < a.price_fen ? q : a), null);
    assert.equal(line.supplier, cheapest.supplier);
    for (const o of sug.orders) {
      assert.equal(o.total_fen, o.lines.reduce((a, l) => a + l.qty * l.price_fen, 0));
    }
  });
});

test('fitment: set, get, find parts by model, bad input named', async () => {
  await withServer({}, async (_srv, c) => {
    const got = await call(c.inventory, 'GetFitment', { chain: CHAIN, part_no: 'OF-1001' });
    assert.ok(got.models.length > 0, 'the demo sets fitment');
    const model = got.models[0];
    const found = await call(c.inventory, 'FindPartsByModel', { chain: CHAIN, model });
    assert.ok(found.part_nos.includes('OF-1001'));
    await newPart(c, 'E2E-FIT');
    const set = await call(c.inventory, 'SetFitment', { fitment: { chain: CHAIN, part_no: 'E2E-FIT', models: [model, 'Other 1'] } });
    assert.deepEqual(set.models, [model, 'Other 1']);
    const again = await call(c.inventory, 'FindPartsByModel', { chain: CHAIN, model });
    assert.deepEqual(again.part_nos, [...found.part_nos, 'E2E-FIT'].sort());
    await rejectsWith(call(c.inventory, 'SetFitment', { fitment: { chain: CHAIN, part_no: 'E2E-FIT', models: ['x', 'x'] } }), S.INVALID_ARGUMENT, /^models/);
    await rejectsWith(call(c.inventory, 'SetFitment', { fitment: { chain: CHAIN, part_no: 'NOPE', models: [] } }), S.NOT_FOUND, /^part_no/);
  });
});

test('acknowledged movements survive SIGKILL and restart', async () => {
  const srv = await startServer({});
  let c = clients(srv.addr);
  await newPart(c, 'E2E-KILL');
  const acked = [];
  await Promise.all(Array.from({ length: 60 }, async (_, i) => {
    acked.push(await call(c.inventory, 'Receive', move({ warehouse: 'WH-SH01', part_no: 'E2E-KILL', qty: i + 1, unit_cost_fen: 7, idempotency_key: `kill-${i}` })));
  }));
  const before = await stockOf(c, 'WH-SH01', 'E2E-KILL');
  closeAll(c);
  await srv.stop('SIGKILL');
  const again = await startServer({ dataDir: srv.dataDir, demo: false });
  c = clients(again.addr);
  try {
    const s = await stockOf(c, 'WH-SH01', 'E2E-KILL');
    assert.equal(s.on_hand, acked.reduce((a, m) => a + m.qty, 0));
    assert.deepEqual(s, before);
    const seqs = new Set((await allMovements(c, { part_no: 'E2E-KILL' })).map((m) => m.seq));
    for (const m of acked) assert.ok(seqs.has(m.seq), `movement ${m.seq} kept`);
    // a client retrying after the crash gets the first answers, not new receipts
    for (const m of acked.slice(0, 5)) {
      const i = m.qty - 1;
      const again = await call(c.inventory, 'Receive', move({ warehouse: 'WH-SH01', part_no: 'E2E-KILL', qty: i + 1, unit_cost_fen: 7, idempotency_key: `kill-${i}` }));
      assert.equal(again.seq, m.seq);
    }
    assert.equal((await stockOf(c, 'WH-SH01', 'E2E-KILL')).on_hand, s.on_hand);
  } finally {
    closeAll(c);
    await again.stop();
  }
});
