// Customers over real gRPC on loopback: a customer and the car they own,
// a repair delivered, its follow-up due a day later and recorded, a
// complaint with its clocks, the one-call service history paged to the
// end, bad input refused with the field named, and kill -9 keeping it all.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { grpc, startServer, clients, call, closeAll, rejectsWith, withServer } = require('./lib');

const S = grpc.status;
const VIN = 'LSVCVST0000000001';

async function repair(c, plate) {
  const wo = await call(c.workorders, 'CreateWorkOrder', {
    chain: 'demo', store: 'SH01', advisor: 'adv-9',
    vehicle: { plate, vin: VIN, model: 'Model Y', mileage_km: 23000 },
    items: [{ kind: 'ITEM_KIND_LABOUR', service: 'TYRE' }],
  });
  const ref = { chain: 'demo', id: wo.id, actor: 'T01' };
  await call(c.workorders, 'StartRepair', ref);
  await call(c.workorders, 'CompleteItem', { chain: 'demo', id: wo.id, item_no: 1, actor: 'T01' });
  await call(c.workorders, 'RequestQc', ref);
  await call(c.workorders, 'RecordQc', { chain: 'demo', id: wo.id, passed: true, inspector: 'qc', notes: 'ok' });
  const report = await call(c.workorders, 'Deliver', { chain: 'demo', id: wo.id, actor: 'adv-9' });
  return { ...(await call(c.workorders, 'GetWorkOrder', { chain: 'demo', id: wo.id })), delivered_ms: report.delivered_ms };
}

// Every entry of the vehicle's history, one page of `limit` at a time.
async function wholeHistory(c, limit) {
  const all = [];
  let token = '';
  let owners;
  for (let pages = 0; pages < 100; pages++) {
    const h = await call(c.customers, 'GetServiceHistory', { chain: 'demo', vin: VIN, page_token: token, limit });
    all.push(...h.entries);
    owners = h.owners;
    token = h.next_page_token;
    if (!token) break;
  }
  return { all, owners };
}

test('a customer, their car, a repair, its follow-up and a complaint; history survives kill -9', async () => {
  let srv = await startServer({});
  let c = clients(srv.addr);
  try {
    await call(c.dispatch, 'RegisterVehicle', { chain: 'demo', vin: VIN, plate: '沪C12345', model: 'Model Y', store: 'SH01', purchase_date: '2024-03-01' });
    const cu = await call(c.customers, 'PutCustomer', { chain: 'demo', customer: { name: '赵女士', phone: '13912345678', consent: true }, idempotency_key: 'cu-1' });
    assert.ok(Number(cu.id) > 0);
    const again = await call(c.customers, 'PutCustomer', { chain: 'demo', customer: { name: '赵女士', phone: '13912345678', consent: true }, idempotency_key: 'cu-1' });
    assert.equal(again.id, cu.id);
    const found = await call(c.customers, 'FindCustomer', { chain: 'demo', phone: '13912345678' });
    assert.equal(found.name, '赵女士');
    const links = await call(c.customers, 'LinkVehicle', { chain: 'demo', vin: VIN, customer_id: cu.id, from_date: '2024-03-01' });
    assert.equal(links.links.length, 1);
    assert.equal(links.links[0].from_date, '2024-03-01');
    assert.equal(links.links[0].to_date, '');

    const wo1 = await repair(c, '沪C12345');
    const wo2 = await repair(c, '沪C12345');
    const due = await call(c.customers, 'ListFollowUps', { chain: 'demo', advisor: 'adv-9' });
    assert.equal(due.follow_ups.length, 2);
    for (const [i, wo] of [wo1, wo2].entries()) {
      const fu = due.follow_ups[i];
      assert.equal(fu.id, wo.id);
      assert.equal(Number(fu.due_ms), Number(wo.delivered_ms) + 24 * 3600 * 1000);
      assert.equal(fu.state, 'FOLLOW_UP_STATE_OPEN');
      assert.equal(fu.customer_id, cu.id);
      assert.equal(fu.contact_ok, true);
      assert.equal(fu.overdue, false);
    }
    const done = await call(c.customers, 'RecordFollowUp', { chain: 'demo', id: wo1.id, reached: true, satisfaction: 5, comment: '满意', actor: 'adv-9' });
    assert.equal(done.state, 'FOLLOW_UP_STATE_DONE');
    const retry = await call(c.customers, 'RecordFollowUp', { chain: 'demo', id: wo2.id, reached: false, actor: 'adv-9' });
    assert.equal(retry.attempts, 1);
    assert.equal(retry.state, 'FOLLOW_UP_STATE_OPEN');
    assert.ok(Number(retry.due_ms) > Number(retry.delivered_ms));

    const cmp = await call(c.customers, 'OpenComplaint', { chain: 'demo', store: 'SH01', customer_id: cu.id, vin: VIN, wo_id: wo2.id, channel: 'COMPLAINT_CHANNEL_PHONE', category: 'COMPLAINT_CATEGORY_QUALITY', severity: 2, text: '胎压灯还亮', actor: 'adv-9' });
    assert.equal(Number(cmp.response_due_ms) - Number(cmp.created_ms), 24 * 3600 * 1000);
    assert.equal(Number(cmp.resolution_due_ms) - Number(cmp.created_ms), 72 * 3600 * 1000);
    await rejectsWith(call(c.customers, 'ActOnComplaint', { chain: 'demo', id: cmp.id, action: 'COMPLAINT_ACTION_RESOLVE', actor: 'adv-9' }), S.FAILED_PRECONDITION, /OPEN/);
    const ack = await call(c.customers, 'ActOnComplaint', { chain: 'demo', id: cmp.id, action: 'COMPLAINT_ACTION_ACKNOWLEDGE', actor: 'adv-9', note: 'called back' });
    assert.equal(ack.state, 'COMPLAINT_STATE_ACKNOWLEDGED');
    assert.equal(ack.steps.length, 2);
    assert.equal(ack.response_overdue, false);

    // the history: what this test did, newest first, in pages of 2
    const { all, owners } = await wholeHistory(c, 2);
    const kinds = all.map((e) => `${e.kind}:${e.id}`).sort();
    const want = [
      `HISTORY_KIND_WORK_ORDER:${wo1.id}`, `HISTORY_KIND_WORK_ORDER:${wo2.id}`,
      `HISTORY_KIND_FOLLOW_UP:${wo1.id}`, `HISTORY_KIND_FOLLOW_UP:${wo2.id}`,
      `HISTORY_KIND_COMPLAINT:${cmp.id}`,
    ].sort();
    assert.deepEqual(kinds, want);
    for (let i = 1; i < all.length; i++) assert.ok(Number(all[i - 1].at_ms) >= Number(all[i].at_ms));
    const visit = all.find((e) => e.kind === 'HISTORY_KIND_WORK_ORDER' && e.id === wo1.id);
    assert.equal(visit.state, 'DELIVERED');
    assert.deepEqual(visit.services, ['TYRE']);
    const fu1 = all.find((e) => e.kind === 'HISTORY_KIND_FOLLOW_UP' && e.id === wo1.id);
    assert.equal(fu1.score, 5);
    assert.equal(owners.length, 1);
    assert.equal(owners[0].customer_id, cu.id);
    const onePage = await call(c.customers, 'GetServiceHistory', { chain: 'demo', vin: VIN });
    assert.deepEqual(onePage.entries, all);

    // kill -9: everything acknowledged is back, the history identical
    await srv.stop('SIGKILL');
    closeAll(c);
    srv = await startServer({ dataDir: srv.dataDir });
    c = clients(srv.addr);
    const after = await wholeHistory(c, 2);
    assert.deepEqual(after.all, all);
    const cmp2 = await call(c.customers, 'GetComplaint', { chain: 'demo', id: cmp.id });
    assert.equal(cmp2.state, 'COMPLAINT_STATE_ACKNOWLEDGED');
    const fu2 = await call(c.customers, 'GetFollowUp', { chain: 'demo', id: wo2.id });
    assert.equal(fu2.attempts, 1);
  } finally {
    closeAll(c);
    await srv.stop();
  }
});

test('bad input is refused with the field named and changes nothing', async () => {
  await withServer({}, async (_srv, c) => {
    const before = (await call(c.customers, 'ListCustomers', { chain: 'demo' })).customers.length;
    await rejectsWith(call(c.customers, 'PutCustomer', { chain: 'demo', customer: { name: 'x', phone: '12ab' } }), S.INVALID_ARGUMENT, /customer\.phone/);
    await rejectsWith(call(c.customers, 'PutCustomer', { chain: 'demo' }), S.INVALID_ARGUMENT, /customer/);
    await rejectsWith(call(c.customers, 'PutCustomer', { chain: 'nope', customer: { name: 'x', phone: '13900000000' } }), S.NOT_FOUND, /chain/);
    await call(c.customers, 'PutCustomer', { chain: 'demo', customer: { name: 'a', phone: '13900000000' } });
    await rejectsWith(call(c.customers, 'PutCustomer', { chain: 'demo', customer: { name: 'b', phone: '13900000000' } }), S.ALREADY_EXISTS, /customer\.phone/);
    await rejectsWith(call(c.customers, 'LinkVehicle', { chain: 'demo', vin: 'LSVNPPE0000000001', customer_id: 1 }), S.NOT_FOUND, /vin/);
    await rejectsWith(call(c.customers, 'GetServiceHistory', { chain: 'demo', vin: 'short' }), S.INVALID_ARGUMENT, /vin/);
    await rejectsWith(call(c.customers, 'GetServiceHistory', { chain: 'demo', vin: VIN, page_token: 'zz' }), S.INVALID_ARGUMENT, /page_token/);
    await rejectsWith(call(c.customers, 'RecordFollowUp', { chain: 'demo', id: 999, reached: true, satisfaction: 3, actor: 'a' }), S.NOT_FOUND, /id/);
    await rejectsWith(call(c.customers, 'OpenComplaint', { chain: 'demo', store: 'SH01', channel: 'COMPLAINT_CHANNEL_PHONE', category: 'COMPLAINT_CATEGORY_PRICE', severity: 9, text: 't', actor: 'a' }), S.INVALID_ARGUMENT, /severity/);
    await rejectsWith(call(c.customers, 'SetComplaintPolicy', { chain: 'demo', store: 'SH01', response_min: 0, resolution_min: 10, manager: 'm' }), S.INVALID_ARGUMENT, /response_min/);
    const list = await call(c.customers, 'ListCustomers', { chain: 'demo' });
    assert.equal(list.customers.length, before + 1);
    const cmps = await call(c.customers, 'ListComplaints', { chain: 'demo' });
    assert.equal(cmps.complaints.length, 0);
  });
});
