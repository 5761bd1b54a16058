// The gateway's mapping: JSON <-> protobuf against a real pitlaned (--demo),
// gRPC status -> HTTP status with the engine's message verbatim, the
// allow-list, bad requests, static pages; and against a stand-in gRPC
// server: the caller's key forwarded unchanged, server streams as SSE, and
// a browser that goes away cancelling the gRPC call.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const { startServer } = require('../../tests/e2e/lib.js');
const { createGateway, loadMethods, HTTP_OF_CODE, DEFAULT_PROTO_DIR } = require('../gateway/gateway');

async function listen(gw) {
  await new Promise((r) => gw.server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${gw.server.address().port}`;
}

function post(base, p, body, headers = {}) {
  return fetch(`${base}${p}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) })
    .then(async (r) => ({ status: r.status, body: await r.json() }));
}

let srv;
let gw;
let base;
let auth = {};
const staticDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pitlane-static-'));
fs.mkdirSync(path.join(staticDir, 'web'));
fs.mkdirSync(path.join(staticDir, 'mobile'));
fs.writeFileSync(path.join(staticDir, 'web', 'index.html'), '<title>console</title>');
fs.writeFileSync(path.join(staticDir, 'mobile', 'index.html'), '<title>mobile</title>');
process.on('exit', () => fs.rmSync(staticDir, { recursive: true, force: true }));

test.before(async () => {
  srv = await startServer({});
  if (srv.key) auth = { authorization: `Bearer ${srv.key}` };
  gw = createGateway({ target: srv.addr, staticDir });
  base = await listen(gw);
});
test.after(async () => {
  await gw.close();
  await srv.stop();
});

// The same request straight over gRPC, for comparison.
function direct(service, method, req) {
  const def = protoLoader.loadSync(['pitlane/v1/admin.proto', 'pitlane/v1/scheduling.proto', 'pitlane/v1/inventory.proto', 'pitlane/v1/transfers.proto',
    'pitlane/v1/workorders.proto', 'pitlane/v1/dispatch.proto', 'pitlane/v1/customers.proto'],
    { includeDirs: [DEFAULT_PROTO_DIR], keepCase: true, longs: Number, enums: String, defaults: true, oneofs: true });
  const Ctor = grpc.loadPackageDefinition(def).pitlane.v1[service];
  const c = new Ctor(srv.addr, grpc.credentials.createInsecure());
  const md = new grpc.Metadata();
  if (srv.key) md.set('authorization', `Bearer ${srv.key}`);
  return new Promise((resolve) => c[method](req, md, (err, res) => { c.close(); resolve({ err, res }); }));
}

test('the allow-list is every method of the loaded protos, and nothing else', async () => {
  const r = await fetch(`${base}/api/methods`).then((x) => x.json());
  for (const m of ['Admin/GetChain', 'Scheduling/Hold', 'Inventory/Receive', 'Transfers/PlanRebalance', 'WorkOrders/CreateWorkOrder', 'Claims/SubmitClaim', 'Health/Check']) {
    assert.ok(r.methods.includes(m), m);
  }
  assert.ok(r.streams.includes('WorkOrders/WatchWorkOrder') && r.streams.includes('WorkOrders/WatchStore'));
  const proto = fs.readFileSync(path.join(DEFAULT_PROTO_DIR, 'pitlane/v1/scheduling.proto'), 'utf8');
  const n = [...proto.matchAll(/^\s*rpc (\w+)\(/gm)].length;
  assert.equal(r.methods.filter((m) => m.startsWith('Scheduling/')).length, n);
  const bad = await post(base, '/api/Scheduling/DropDatabase', {}, auth);
  assert.equal(bad.status, 501);
  assert.equal(bad.body.code, 'UNIMPLEMENTED');
  assert.match(bad.body.message, /Scheduling\/DropDatabase/);
  assert.equal((await post(base, '/api/pitlane.v1.Admin/GetChain', { code: 'demo' }, auth)).status, 200, 'full service names work too');
  assert.equal(loadMethods().get('Admin/GetChain').path, '/pitlane.v1.Admin/GetChain');
});

test('JSON in, JSON out: the reply is the message as the server sent it', async () => {
  const r = await post(base, '/api/Admin/GetChain', { code: 'demo' }, auth);
  assert.equal(r.status, 200);
  const d = await direct('Admin', 'GetChain', { code: 'demo' });
  assert.deepEqual(r.body, JSON.parse(JSON.stringify(d.res)));
  assert.equal(r.body.chain.code, 'demo');
  assert.equal(typeof r.body.chain.created_ms, 'number', 'int64 as a JSON number');
  const st = await post(base, '/api/Inventory/GetStock', { chain: 'demo', warehouse: 'WH-SH01', part_no: 'OF-1001', include_lots: true }, auth);
  assert.equal(st.status, 200);
  assert.ok(st.body.rows[0].lots.length >= 1);
  // enums by name both ways
  const t = Math.floor(Date.now() / 60000);
  const { body: { options } } = await post(base, '/api/Scheduling/RecommendSlots', { chain: 'demo', stores: ['SH01'], services: ['TYRE'], earliest_min: t, latest_min: t + 7 * 1440, k: 1 }, auth);
  const held = await post(base, '/api/Scheduling/Hold', { chain: 'demo', store: 'SH01', segments: options[0].segments, channel: 'CHANNEL_MINI_PROGRAM', plate: '沪G0001' }, auth);
  assert.equal(held.status, 200);
  assert.equal(held.body.channel, 'CHANNEL_MINI_PROGRAM');
  assert.equal(held.body.state, 'BOOKING_STATE_HELD');
});

test('gRPC errors map to HTTP statuses with the engine message verbatim', async () => {
  const cases = [
    ['Admin', 'GetChain', { code: 'nope' }, 'NOT_FOUND', 404],
    ['Admin', 'CreateStore', { store: { chain: 'demo', code: '' } }, 'INVALID_ARGUMENT', 400],
    ['Admin', 'CreateChain', { chain: { code: 'demo', name: 'other name' } }, null, null],
    ['Inventory', 'Issue', { chain: 'demo', warehouse: 'WH-SH01', part_no: 'OF-1001', qty: 100000, work_order: 'W1', actor: 'gw-test' }, 'FAILED_PRECONDITION', 400],
  ];
  for (const [svc, m, req, code, status] of cases) {
    const d = await direct(svc, m, req);
    const r = await post(base, `/api/${svc}/${m}`, req, auth);
    if (code) assert.equal(d.err?.code, grpc.status[code], `${svc}/${m}: ${d.err?.details}`);
    if (!d.err) {
      assert.equal(r.status, 200);
      continue;
    }
    const name = Object.keys(grpc.status).find((k) => grpc.status[k] === d.err.code);
    assert.equal(r.status, status ?? HTTP_OF_CODE[name], `${svc}/${m}`);
    assert.deepEqual(r.body, { code: name, message: d.err.details });
  }
  assert.equal(HTTP_OF_CODE.UNAVAILABLE, 503);
  assert.equal(HTTP_OF_CODE.UNAUTHENTICATED, 401);
  assert.equal(HTTP_OF_CODE.ALREADY_EXISTS, 409);
});

test('bad requests are refused by the gateway in words, before any call', async () => {
  let r = await post(base, '/api/Admin/GetChain', '{not json', auth);
  assert.equal(r.status, 400);
  assert.equal(r.body.code, 'INVALID_ARGUMENT');
  assert.match(r.body.message, /not JSON/);
  r = await post(base, '/api/Admin/GetChain', '[1,2]', auth);
  assert.equal(r.status, 400);
  assert.match(r.body.message, /JSON object/);
  r = await post(base, '/api/WorkOrders/WatchStore', {}, auth);
  assert.equal(r.status, 400);
  assert.match(r.body.message, /server stream/);
  const g = await fetch(`${base}/api/Admin/GetChain`);
  assert.equal(g.status, 404);
  const s = await fetch(`${base}/api/stream/Admin/GetChain?json={}`);
  assert.equal(s.status, 400);
  assert.match((await s.json()).message, /unary/);
  const bj = await fetch(`${base}/api/stream/WorkOrders/WatchStore?json=%7Bx`);
  assert.equal(bj.status, 400);
  assert.match((await bj.json()).message, /json parameter: not JSON/);
});

test('healthz reports pitlaned; a dead target is UNAVAILABLE in words', async () => {
  const h = await fetch(`${base}/healthz`).then(async (r) => ({ status: r.status, body: await r.json() }));
  assert.equal(h.status, 200);
  assert.equal(h.body.pitlaned, 'SERVING');
  const dead = createGateway({ target: '127.0.0.1:1', staticDir });
  const b = await listen(dead);
  try {
    const r = await post(b, '/api/Admin/GetChain', { code: 'demo' });
    assert.equal(r.status, 503);
    assert.equal(r.body.code, 'UNAVAILABLE');
    assert.ok(r.body.message.length > 0);
    assert.equal((await fetch(`${b}/healthz`)).status, 503);
  } finally {
    await dead.close();
  }
});

test('static pages: console at /, mobile at /m/, nothing outside the directory', async () => {
  assert.match(await fetch(`${base}/`).then((r) => r.text()), /console/);
  assert.match(await fetch(`${base}/m/`).then((r) => r.text()), /mobile/);
  assert.equal((await fetch(`${base}/m`, { redirect: 'manual' })).status, 301);
  assert.equal((await fetch(`${base}/%2e%2e/%2e%2e/etc/passwd`)).status, 404);
  assert.equal((await fetch(`${base}/assets/nope.js`)).status, 404);
});

// ---- Customers: every route, against the real engine ------------------------

// Calls through the gateway and fails with the gateway's answer unless 200.
async function ok(method, body) {
  const r = await post(base, `/api/Customers/${method}`, body, auth);
  assert.equal(r.status, 200, `Customers/${method}: ${JSON.stringify(r.body)}`);
  return r.body;
}

// The gateway's refusal equals the engine's (direct gRPC), status mapped.
async function refused(method, body, code, re) {
  const r = await post(base, `/api/Customers/${method}`, body, auth);
  const d = await direct('Customers', method, body);
  assert.ok(d.err, `Customers/${method} should fail`);
  assert.equal(d.err.code, grpc.status[code], `${method}: ${d.err.details}`);
  assert.equal(r.status, HTTP_OF_CODE[code], `Customers/${method}`);
  assert.deepEqual(r.body, { code, message: d.err.details });
  if (re) assert.match(r.body.message, re);
  return r.body;
}

test('Customers: every RPC through the gateway; the values are the engine\'s (follow-up due = delivered + 24 h)', async () => {
  const H = 3600 * 1000;
  const methods = (await fetch(`${base}/api/methods`).then((x) => x.json())).methods.filter((m) => m.startsWith('Customers/'));
  const proto = fs.readFileSync(path.join(DEFAULT_PROTO_DIR, 'pitlane/v1/customers.proto'), 'utf8');
  const rpcs = [...proto.matchAll(/^\s*rpc (\w+)\(/gm)].map((m) => `Customers/${m[1]}`);
  assert.equal(rpcs.length, 19);
  assert.deepEqual(methods.sort(), rpcs.sort());
  const used = new Set();
  const seen = (m) => used.add(`Customers/${m}`);
  const okS = (m, b) => { seen(m); return ok(m, b); };

  const stamp = String(Date.now()).slice(-6);
  const VIN = `LSVGWCU0000${stamp}`;
  const reg = await post(base, '/api/Dispatch/RegisterVehicle', { chain: 'demo', vin: VIN, plate: `沪K${stamp.slice(-5)}`, model: 'Model 3', store: 'SH01', purchase_date: '2024-03-01' }, auth);
  assert.equal(reg.status, 200, JSON.stringify(reg.body));

  // customers: create (idempotent), edit, get, find, list (paged), a taken phone
  const phoneA = `139${stamp}01`;
  const newA = { chain: 'demo', customer: { name: `钱先生 ${stamp}`, phone: phoneA, consent: true, kind: 'CUSTOMER_KIND_PERSON' }, idempotency_key: `gw-a-${stamp}` };
  const a = await okS('PutCustomer', newA);
  assert.ok(a.id > 0);
  assert.equal(typeof a.created_ms, 'number');
  assert.equal((await ok('PutCustomer', newA)).id, a.id, 'a retry with the same key returns the same customer');
  const a2 = await ok('PutCustomer', { chain: 'demo', customer: { ...a, consent_marketing: true, preferred: 'CONTACT_CHANNEL_WECHAT' } });
  assert.equal(a2.id, a.id);
  assert.equal(a2.consent_marketing, true);
  assert.equal(a2.preferred, 'CONTACT_CHANNEL_WECHAT');
  const got = await okS('GetCustomer', { chain: 'demo', id: a.id });
  assert.deepEqual(got, JSON.parse(JSON.stringify((await direct('Customers', 'GetCustomer', { chain: 'demo', id: a.id })).res)));
  assert.equal(got.consent_marketing, true);
  assert.equal((await okS('FindCustomer', { chain: 'demo', phone: phoneA })).id, a.id);
  const b = await ok('PutCustomer', { chain: 'demo', customer: { name: `孙女士 ${stamp}`, phone: `139${stamp}02`, consent: true } });
  const c = await ok('PutCustomer', { chain: 'demo', customer: { name: `李先生 ${stamp}`, phone: `139${stamp}03`, consent: false } });
  const l1 = await okS('ListCustomers', { chain: 'demo', text: stamp, limit: 2 });
  assert.deepEqual(l1.customers.map((x) => x.id), [a.id, b.id]);
  assert.equal(l1.next_after_id, b.id);
  const l2 = await ok('ListCustomers', { chain: 'demo', text: stamp, after_id: l1.next_after_id, limit: 2 });
  assert.deepEqual(l2.customers.map((x) => x.id), [c.id]);
  assert.equal((await ok('ListCustomers', { chain: 'demo', text: `139${stamp}02` })).customers[0].id, b.id, 'by phone too');
  await refused('PutCustomer', { chain: 'demo', customer: { name: 'dup', phone: phoneA } }, 'ALREADY_EXISTS', /customer\.phone/);
  await refused('FindCustomer', { chain: 'demo', phone: '13000000000' }, 'NOT_FOUND');

  // ownership over time: A owns, B drives then stops, C buys it
  let links = await okS('LinkVehicle', { chain: 'demo', vin: VIN, customer_id: a.id, role: 'OWNER_ROLE_OWNER', from_date: '2024-03-01' });
  assert.deepEqual(links.links.map((x) => [x.customer_id, x.role, x.from_date, x.to_date]), [[a.id, 'OWNER_ROLE_OWNER', '2024-03-01', '']]);
  await ok('LinkVehicle', { chain: 'demo', vin: VIN, customer_id: b.id, role: 'OWNER_ROLE_DRIVER', from_date: '2024-06-01' });
  links = await okS('UnlinkVehicle', { chain: 'demo', vin: VIN, customer_id: b.id, to_date: '2024-09-01' });
  assert.equal(links.links.find((x) => x.customer_id === b.id).to_date, '2024-09-01');
  await refused('UnlinkVehicle', { chain: 'demo', vin: VIN, customer_id: b.id, to_date: '2024-10-01' }, 'NOT_FOUND');
  await ok('LinkVehicle', { chain: 'demo', vin: VIN, customer_id: c.id, role: 'OWNER_ROLE_OWNER', from_date: '2025-01-01' });
  const owners = await okS('ListVehicleOwners', { chain: 'demo', vin: VIN });
  const ofA = owners.links.find((x) => x.customer_id === a.id);
  assert.equal(ofA.to_date, '2025-01-01', 'a new owner ends the previous owner\'s link on its first day');
  assert.equal(owners.links.find((x) => x.customer_id === c.id).to_date, '');
  assert.equal(owners.links.length, 3);
  const mine = await okS('ListCustomerVehicles', { chain: 'demo', customer_id: a.id });
  assert.deepEqual(mine.links.map((x) => [x.vin, x.from_date, x.to_date]), [[VIN, '2024-03-01', '2025-01-01']]);
  await refused('LinkVehicle', { chain: 'demo', vin: 'LSVNPPE0000000001', customer_id: a.id }, 'NOT_FOUND', /vin/);

  // a repair delivered through the gateway: its follow-up, made by the engine
  const wo = (await post(base, '/api/WorkOrders/CreateWorkOrder', { chain: 'demo', store: 'SH01', advisor: `gw-adv-${stamp}`,
    vehicle: { plate: `沪K${stamp.slice(-5)}`, vin: VIN, model: 'Model 3', mileage_km: 12000 },
    items: [{ kind: 'ITEM_KIND_LABOUR', service: 'TYRE' }] }, auth)).body;
  assert.ok(wo.id > 0, JSON.stringify(wo));
  for (const [m, body] of [['StartRepair', { id: wo.id, actor: 'T01' }], ['CompleteItem', { id: wo.id, item_no: 1, actor: 'T01' }],
    ['RequestQc', { id: wo.id, actor: 'T01' }], ['RecordQc', { id: wo.id, passed: true, inspector: 'qc', notes: 'ok' }]]) {
    const r = await post(base, `/api/WorkOrders/${m}`, { chain: 'demo', ...body }, auth);
    assert.equal(r.status, 200, `${m}: ${JSON.stringify(r.body)}`);
  }
  const report = (await post(base, '/api/WorkOrders/Deliver', { chain: 'demo', id: wo.id, actor: `gw-adv-${stamp}` }, auth)).body;
  assert.ok(report.delivered_ms > 0, JSON.stringify(report));
  const fu = await okS('GetFollowUp', { chain: 'demo', id: wo.id });
  assert.equal(fu.due_ms, report.delivered_ms + 24 * H);
  assert.equal(fu.delivered_ms, report.delivered_ms);
  assert.equal(fu.advisor, `gw-adv-${stamp}`);
  assert.equal(fu.vin, VIN);
  assert.equal(fu.customer_id, c.id, 'the owner on the delivery day');
  assert.equal(fu.contact_ok, false, 'that owner did not consent');
  assert.equal(fu.state, 'FOLLOW_UP_STATE_OPEN');
  assert.equal(fu.overdue, false);
  const listed = await okS('ListFollowUps', { chain: 'demo', advisor: `gw-adv-${stamp}` });
  assert.deepEqual(listed.follow_ups, [fu]);
  assert.deepEqual((await ok('ListFollowUps', { chain: 'demo', advisor: `gw-adv-${stamp}`, overdue: true })).follow_ups, []);
  const t0 = Date.now();
  const miss = await okS('RecordFollowUp', { chain: 'demo', id: wo.id, reached: false, actor: `gw-adv-${stamp}` });
  const t1 = Date.now();
  assert.equal(miss.attempts, 1);
  assert.equal(miss.state, 'FOLLOW_UP_STATE_OPEN');
  assert.ok(miss.due_ms >= t0 + 4 * H - 1000 && miss.due_ms <= t1 + 4 * H + 1000, `retry due ${miss.due_ms - t0} ms on`);
  await refused('RecordFollowUp', { chain: 'demo', id: wo.id, reached: true, satisfaction: 9, actor: 'x' }, 'INVALID_ARGUMENT', /satisfaction/);
  const done = await ok('RecordFollowUp', { chain: 'demo', id: wo.id, reached: true, satisfaction: 4, comment: '还行', actor: `gw-adv-${stamp}` });
  assert.equal(done.state, 'FOLLOW_UP_STATE_DONE');
  assert.equal(done.satisfaction, 4);
  assert.equal(done.comment, '还行');
  await refused('RecordFollowUp', { chain: 'demo', id: wo.id, reached: true, satisfaction: 5, actor: 'x' }, 'FAILED_PRECONDITION');

  // complaints: a store policy, both clocks from it, the steps, the sweep
  const before = await okS('GetComplaintPolicy', { chain: 'demo', store: 'SH02' });
  assert.ok(before.response_min > 0 && before.resolution_min >= before.response_min);
  const pol = await okS('SetComplaintPolicy', { chain: 'demo', store: 'SH02', response_min: 30, resolution_min: 120, manager: `mgr-${stamp}` });
  assert.deepEqual([pol.store, pol.response_min, pol.resolution_min, pol.manager], ['SH02', 30, 120, `mgr-${stamp}`]);
  assert.deepEqual(await ok('GetComplaintPolicy', { chain: 'demo', store: 'SH02' }), pol);
  await refused('SetComplaintPolicy', { chain: 'demo', store: 'SH02', response_min: 60, resolution_min: 10, manager: 'm' }, 'INVALID_ARGUMENT', /resolution_min/);
  const cmp = await okS('OpenComplaint', { chain: 'demo', store: 'SH02', customer_id: c.id, vin: VIN, wo_id: wo.id, channel: 'COMPLAINT_CHANNEL_APP',
    category: 'COMPLAINT_CATEGORY_QUALITY', severity: 3, text: '异响还在', actor: 'app' });
  assert.equal(cmp.response_due_ms - cmp.created_ms, 30 * 60000);
  assert.equal(cmp.resolution_due_ms - cmp.created_ms, 120 * 60000);
  assert.equal(cmp.state, 'COMPLAINT_STATE_OPEN');
  assert.equal(cmp.channel, 'COMPLAINT_CHANNEL_APP');
  await refused('ActOnComplaint', { chain: 'demo', id: cmp.id, action: 'COMPLAINT_ACTION_RESOLVE', actor: 'x' }, 'FAILED_PRECONDITION', /OPEN/);
  const ack = await okS('ActOnComplaint', { chain: 'demo', id: cmp.id, action: 'COMPLAINT_ACTION_ACKNOWLEDGE', actor: `gw-adv-${stamp}`, note: 'called' });
  assert.equal(ack.state, 'COMPLAINT_STATE_ACKNOWLEDGED');
  assert.ok(ack.acknowledged_ms >= cmp.created_ms);
  assert.deepEqual(ack.steps.map((x) => x.kind), ['COMPLAINT_STEP_KIND_CREATED', 'COMPLAINT_STEP_KIND_ACKNOWLEDGED']);
  assert.equal(ack.steps[1].note, 'called');
  assert.equal((await okS('SweepComplaints', { chain: 'demo' })).escalated, 0, 'no clock of this chain has run out');
  const list = await okS('ListComplaints', { chain: 'demo', vin: VIN });
  assert.deepEqual(list.complaints.map((x) => x.id), [cmp.id]);
  assert.equal(list.complaints[0].response_escalated, false);
  assert.deepEqual((await ok('ListComplaints', { chain: 'demo', vin: VIN, overdue: true })).complaints, []);
  await ok('ActOnComplaint', { chain: 'demo', id: cmp.id, action: 'COMPLAINT_ACTION_RESOLVE', actor: 'x' });
  assert.equal((await ok('ActOnComplaint', { chain: 'demo', id: cmp.id, action: 'COMPLAINT_ACTION_REOPEN', actor: 'x' })).state, 'COMPLAINT_STATE_ACKNOWLEDGED');
  await ok('ActOnComplaint', { chain: 'demo', id: cmp.id, action: 'COMPLAINT_ACTION_RESOLVE', actor: 'x' });
  await refused('ActOnComplaint', { chain: 'demo', id: cmp.id, action: 'COMPLAINT_ACTION_CLOSE', rating: 0, actor: 'x' }, 'INVALID_ARGUMENT', /rating/);
  const closed = await ok('ActOnComplaint', { chain: 'demo', id: cmp.id, action: 'COMPLAINT_ACTION_CLOSE', rating: 2, actor: 'x' });
  assert.equal(closed.state, 'COMPLAINT_STATE_CLOSED');
  const again = await okS('GetComplaint', { chain: 'demo', id: cmp.id });
  assert.deepEqual(again, { ...closed, response_overdue: again.response_overdue, resolution_overdue: again.resolution_overdue });
  assert.equal(again.total_steps, 6);
  assert.equal(again.rating, 2);

  // the history in one call a page, newest first, as direct gRPC gives it
  const pages = [];
  let token = '';
  for (let i = 0; i < 10; i++) {
    const h = await okS('GetServiceHistory', { chain: 'demo', vin: VIN, page_token: token, limit: 1 });
    assert.ok(h.entries.length <= 1);
    pages.push(...h.entries);
    token = h.next_page_token;
    if (!token) break;
  }
  const whole = await ok('GetServiceHistory', { chain: 'demo', vin: VIN });
  assert.deepEqual(whole, JSON.parse(JSON.stringify((await direct('Customers', 'GetServiceHistory', { chain: 'demo', vin: VIN })).res)));
  assert.deepEqual(pages, whole.entries);
  assert.deepEqual(whole.entries.map((e) => e.kind).sort(), ['HISTORY_KIND_COMPLAINT', 'HISTORY_KIND_FOLLOW_UP', 'HISTORY_KIND_WORK_ORDER']);
  for (let i = 1; i < pages.length; i++) assert.ok(pages[i - 1].at_ms >= pages[i].at_ms, 'newest first');
  const visit = whole.entries.find((e) => e.kind === 'HISTORY_KIND_WORK_ORDER');
  assert.equal(visit.id, wo.id);
  assert.equal(visit.state, 'DELIVERED');
  assert.equal(visit.total_fen, report.total_fen);
  assert.equal(visit.mileage_km, 12000);
  assert.deepEqual(visit.services, ['TYRE']);
  const fuEntry = whole.entries.find((e) => e.kind === 'HISTORY_KIND_FOLLOW_UP');
  assert.deepEqual([fuEntry.id, fuEntry.score, fuEntry.state, fuEntry.at_ms], [wo.id, 4, 'DONE', done.done_ms]);
  const cEntry = whole.entries.find((e) => e.kind === 'HISTORY_KIND_COMPLAINT');
  assert.deepEqual([cEntry.id, cEntry.score, cEntry.state, cEntry.ref_id], [cmp.id, 2, 'CLOSED', wo.id]);
  assert.deepEqual(whole.owners, owners.links);
  await refused('GetServiceHistory', { chain: 'demo', vin: VIN, page_token: 'nope' }, 'INVALID_ARGUMENT', /page_token/);

  assert.deepEqual([...used].sort(), rpcs.sort(), 'every Customers RPC was driven through the gateway');
});

// ---- loaners, warranty and supplier claims, KPI reports -------------------

async function via(service, method, body) {
  const r = await post(base, `/api/${service}/${method}`, body, auth);
  assert.equal(r.status, 200, `${service}/${method}: ${JSON.stringify(r.body)}`);
  return r.body;
}

test('loaners, warranty, supplier claims and KPI reports: every new RPC through the gateway, values the engine computed', async () => {
  const NEW = ['Scheduling/UpsertLoaner', 'Scheduling/ListLoaners', 'Scheduling/ListLoanerEvents', 'Scheduling/HandOutLoaner', 'Scheduling/ReturnLoaner',
    'WorkOrders/CheckWarranty', 'WorkOrders/ListSupplierClaims', 'WorkOrders/DecideSupplierClaim', 'Admin/GetKpiReport'];
  const methods = (await fetch(`${base}/api/methods`).then((x) => x.json())).methods;
  for (const m of NEW) assert.ok(methods.includes(m), `${m} is on the allow-list`);
  // every RPC of the three protos that grew is either driven by an earlier
  // test or in NEW: a method added to them later fails here until covered
  const OLD = {
    Scheduling: ['RecommendSlots', 'Hold', 'Confirm', 'Cancel', 'CheckIn', 'NoShow', 'Complete', 'Reschedule', 'DayBoard', 'GetBooking', 'ListBookings'],
    WorkOrders: ['CreateWorkOrder', 'GetWorkOrder', 'ListWorkOrders', 'WatchWorkOrder', 'WatchStore', 'StartRepair', 'PostProgress', 'AddExtraItem', 'DecideExtraItem',
      'CompleteItem', 'RequestQc', 'RecordQc', 'Deliver', 'GetRepairReport', 'Cancel', 'Assign', 'ReserveShortParts'],
  };
  for (const svc of ['Scheduling', 'WorkOrders']) {
    const proto = fs.readFileSync(path.join(DEFAULT_PROTO_DIR, `pitlane/v1/${svc.toLowerCase()}.proto`), 'utf8');
    const rpcs = [...proto.matchAll(/^\s*rpc (\w+)\(/gm)].map((m) => `${svc}/${m[1]}`);
    assert.deepEqual(rpcs.filter((m) => !OLD[svc].includes(m.split('/')[1])).sort(), NEW.filter((m) => m.startsWith(`${svc}/`)).sort(), `${svc}: the new RPCs`);
  }
  const used = new Set();
  const drive = (svc, m, b) => { used.add(`${svc}/${m}`); return via(svc, m, b); };
  const stamp = String(Date.now()).slice(-6);
  const nowMin = Math.floor(Date.now() / 60000);

  // loaners: a car, a booking that needs one, hand-out and return
  const code = `LG${stamp}`;
  const car = await drive('Scheduling', 'UpsertLoaner', { chain: 'demo', store: 'SH02', code, plate: `沪L${stamp}`, model: 'Sylphy', odometer_km: 1000, fuel_pct: 80 });
  assert.deepEqual([car.code, car.state, car.odometer_km, car.fuel_pct], [code, 'LOANER_STATE_AVAILABLE', 1000, 80]);
  assert.ok(car.created_ms > 0);
  const pool = await drive('Scheduling', 'ListLoaners', { chain: 'demo', store: 'SH02' });
  assert.deepEqual(pool, JSON.parse(JSON.stringify((await direct('Scheduling', 'ListLoaners', { chain: 'demo', store: 'SH02' })).res)));
  assert.ok(pool.loaners.some((l) => l.code === code));
  const { options } = await via('Scheduling', 'RecommendSlots', { chain: 'demo', stores: ['SH02'], services: ['MAINT'], earliest_min: nowMin, latest_min: nowMin + 3 * 1440, k: 1, need_loaner: true });
  assert.equal(options.length, 1);
  const held = await via('Scheduling', 'Hold', { chain: 'demo', store: 'SH02', segments: options[0].segments, channel: 'CHANNEL_APP', customer: `周 ${stamp}`, plate: `沪H${stamp}`, need_loaner: true });
  assert.equal(held.loaner_need, 'LOANER_NEED_ANY');
  assert.equal(held.loaner_phase, 'LOANER_PHASE_RESERVED');
  assert.ok(pool.loaners.some((l) => l.code === held.loaner), `reserved car ${held.loaner} is of the store`);
  assert.equal(held.loaner_until_min, held.end_min + 60, 'the reservation runs to an hour after the visit');
  const move = { chain: 'demo', booking_id: held.id, km: 1010, fuel_pct: 70 };
  const early = await post(base, '/api/Scheduling/HandOutLoaner', move, auth);
  const earlyD = await direct('Scheduling', 'HandOutLoaner', move);
  assert.equal(early.status, 400);
  assert.deepEqual(early.body, { code: 'FAILED_PRECONDITION', message: earlyD.err.details }, 'a held booking cannot take its car yet');
  await via('Scheduling', 'Confirm', { chain: 'demo', booking_id: held.id });
  const before = (await via('Scheduling', 'ListLoaners', { chain: 'demo', store: 'SH02' })).loaners.find((l) => l.code === held.loaner);
  const out = await drive('Scheduling', 'HandOutLoaner', { ...move, km: Math.max(1010, before.odometer_km) });
  assert.equal(out.state, 'LOANER_STATE_OUT');
  assert.equal(out.out_booking_id, held.id);
  assert.equal(out.out_customer, `周 ${stamp}`);
  assert.equal(out.out_fuel_pct, 70);
  const back = await drive('Scheduling', 'ReturnLoaner', { ...move, km: out.out_km + 45, fuel_pct: 40 });
  assert.deepEqual([back.state, back.odometer_km, back.fuel_pct, back.returned_km], ['LOANER_STATE_AVAILABLE', out.out_km + 45, 40, out.out_km + 45]);
  assert.equal((await via('Scheduling', 'GetBooking', { chain: 'demo', booking_id: held.id })).loaner_phase, 'LOANER_PHASE_RETURNED');
  const { events } = await drive('Scheduling', 'ListLoanerEvents', { chain: 'demo', store: 'SH02', code: held.loaner });
  assert.deepEqual(events.slice(-2).map((e) => [e.kind, e.booking_id, e.km, e.fuel_pct]),
    [['LOANER_EVENT_KIND_HAND_OUT', held.id, out.out_km, 70], ['LOANER_EVENT_KIND_RETURN', held.id, out.out_km + 45, 40]]);
  const retired = await via('Scheduling', 'UpsertLoaner', { chain: 'demo', store: 'SH02', code, plate: `沪L${stamp}`, model: 'Sylphy', odometer_km: back.odometer_km, fuel_pct: back.fuel_pct, state: 'LOANER_STATE_RETIRED' });
  assert.equal(retired.state, 'LOANER_STATE_RETIRED');

  // warranty: a repair with a part delivered; the car comes back with it
  const VIN = `LSVGWWA0000${stamp}`;
  const adv = `gw-wty-${stamp}`;
  const r1 = await via('Inventory', 'Receive', { chain: 'demo', warehouse: 'WH-SH01', part_no: 'CF-300', qty: 1, actor: 'clerk', supplier: 'SUP-HUADONG', unit_cost_fen: 2000 });
  const r2 = await via('Inventory', 'Receive', { chain: 'demo', warehouse: 'WH-SH01', part_no: 'CF-300', qty: 5, actor: 'clerk', supplier: 'SUP-BOSCH', unit_cost_fen: 2200 });
  const bought = new Date(Date.now() - 30 * 86400000).toISOString().slice(0, 10);
  const veh = await via('Dispatch', 'RegisterVehicle', { chain: 'demo', vin: VIN, plate: `沪W${stamp.slice(-5)}`, model: 'VW Lavida', store: 'SH01', purchase_date: bought, warranty_months: 36, warranty_km: 100000 });
  assert.equal(veh.warranty_months, 36);
  const mk = (km, items, key) => ({ chain: 'demo', store: 'SH01', advisor: adv, vehicle: { plate: `沪W${stamp.slice(-5)}`, vin: VIN, model: 'VW Lavida', mileage_km: km }, items, idempotency_key: key });
  const first = await via('WorkOrders', 'CreateWorkOrder', mk(30000, [{ kind: 'ITEM_KIND_PART', part_no: 'CF-300', qty: 2 }, { kind: 'ITEM_KIND_LABOUR', service: 'MAINT' }], `gw-w1-${stamp}`));
  assert.equal(first.items[0].warranty, 'WARRANTY_COVERAGE_NONE');
  assert.equal(first.items[0].customer_fen, 2 * first.items[0].unit_price_fen);
  await via('WorkOrders', 'StartRepair', { chain: 'demo', id: first.id, actor: 'T01' });
  for (const it of first.items) await via('WorkOrders', 'CompleteItem', { chain: 'demo', id: first.id, item_no: it.no, actor: 'T01' });
  await via('WorkOrders', 'RequestQc', { chain: 'demo', id: first.id, actor: 'T01' });
  const qc = await via('WorkOrders', 'RecordQc', { chain: 'demo', id: first.id, passed: true, inspector: 'qc' });
  const rep1 = await via('WorkOrders', 'Deliver', { chain: 'demo', id: first.id, actor: adv, warranty_days: 90, warranty_km: 5000 });
  assert.deepEqual(rep1.lines.find((l) => l.part_no === 'CF-300').lots.map((l) => l.lot), [r1.lots[0].lot, r2.lots[0].lot]);
  const items = [{ kind: 'ITEM_KIND_PART', part_no: 'CF-300', qty: 2 }, { kind: 'ITEM_KIND_LABOUR', service: 'DIAG', warranty_claim: true }, { kind: 'ITEM_KIND_LABOUR', service: 'TYRE' }];
  const pvReq = { chain: 'demo', store: 'SH01', vin: VIN, mileage_km: 31000, items };
  const pv = await drive('WorkOrders', 'CheckWarranty', pvReq);
  assert.deepEqual(pv, JSON.parse(JSON.stringify((await direct('WorkOrders', 'CheckWarranty', pvReq)).res)));
  assert.deepEqual(pv.items.map((i) => i.warranty), ['WARRANTY_COVERAGE_REPAIR', 'WARRANTY_COVERAGE_FACTORY', 'WARRANTY_COVERAGE_NONE']);
  assert.equal(pv.items[0].warranty_source_id, first.id);
  assert.equal(pv.items[0].warranty_source_item, 1);
  assert.equal(pv.customer_fen, pv.items[2].unit_price_fen);
  assert.equal(pv.warranty_fen, 2 * pv.items[0].unit_price_fen + pv.items[1].unit_price_fen);
  assert.deepEqual((await drive('WorkOrders', 'ListSupplierClaims', { chain: 'demo', supplier: 'SUP-BOSCH' })).claims.filter((x) => x.source_work_order_id === first.id), [], 'a preview writes nothing');
  const again = await via('WorkOrders', 'CreateWorkOrder', mk(31000, items, `gw-w2-${stamp}`));
  assert.equal(again.items[0].customer_fen, 0);
  assert.equal(again.warranty_fen, pv.warranty_fen);
  const mine = (await via('WorkOrders', 'ListSupplierClaims', { chain: 'demo' })).claims.filter((x) => x.work_order_id === again.id);
  assert.deepEqual(mine.map((x) => [x.lot, x.supplier, x.qty, x.amount_fen, x.source_work_order_id, x.state]), [
    [r1.lots[0].lot, 'SUP-HUADONG', 1, 2000, first.id, 'SUPPLIER_CLAIM_STATE_OPEN'],
    [r2.lots[0].lot, 'SUP-BOSCH', 1, 2200, first.id, 'SUPPLIER_CLAIM_STATE_OPEN']]);
  const bosch = mine[1];
  const dec = await drive('WorkOrders', 'DecideSupplierClaim', { chain: 'demo', id: bosch.id, state: 'SUPPLIER_CLAIM_STATE_ACCEPTED', actor: adv, note: 'recalled' });
  assert.deepEqual([dec.state, dec.decided_by, dec.note], ['SUPPLIER_CLAIM_STATE_ACCEPTED', adv, 'recalled']);
  assert.ok(dec.decided_ms >= dec.created_ms);
  const flip = { chain: 'demo', id: bosch.id, state: 'SUPPLIER_CLAIM_STATE_REJECTED', actor: adv };
  const no = await post(base, '/api/WorkOrders/DecideSupplierClaim', flip, auth);
  assert.equal(no.status, 400);
  assert.deepEqual(no.body, { code: 'FAILED_PRECONDITION', message: (await direct('WorkOrders', 'DecideSupplierClaim', flip)).err.details });
  const accepted = await via('WorkOrders', 'ListSupplierClaims', { chain: 'demo', state: 'SUPPLIER_CLAIM_STATE_ACCEPTED' });
  assert.ok(accepted.claims.some((x) => x.id === bosch.id) && accepted.claims.every((x) => x.state === 'SUPPLIER_CLAIM_STATE_ACCEPTED'));

  // KPI: the advisor's report holds exactly the order delivered above
  const day = Math.floor((Math.floor(Date.now() / 60000) + 480) / 1440);
  const kreq = { chain: 'demo', advisor: adv, from_day: day - 2, to_day: day + 1, granularity: 'KPI_GRANULARITY_DAY' };
  const kr = await drive('Admin', 'GetKpiReport', kreq);
  assert.deepEqual(kr, JSON.parse(JSON.stringify((await direct('Admin', 'GetKpiReport', kreq)).res)));
  assert.equal(kr.kpis.length, 14);
  const k = Object.fromEntries(kr.kpis.map((x) => [x.name, x]));
  assert.deepEqual([k.order_completion.numerator, k.order_completion.denominator, k.order_completion.value], [1, 1, 1]);
  assert.deepEqual([k.first_time_fix.numerator, k.first_time_fix.denominator], [1, 1]);
  assert.equal(k.repair_time.denominator, 1);
  assert.ok(k.repair_time.numerator <= Math.ceil((qc.qc[0].at_ms - first.created_ms) / 60000), 'repair minutes within the order\'s life');
  for (const x of kr.kpis) {
    assert.equal(x.points.length, 4, x.name);
    if (x.name !== 'stock_turnover') assert.equal(x.points.reduce((a, p) => a + p.numerator, 0), x.numerator, `${x.name}: the series adds up`);
  }
  const bad = await post(base, '/api/Admin/GetKpiReport', { chain: 'demo', from_day: day, to_day: day - 1 }, auth);
  assert.equal(bad.status, 400);
  assert.match(bad.body.message, /from_day/);

  assert.deepEqual([...used].sort(), NEW.slice().sort(), 'every new RPC was driven through the gateway');
});

// ---- a stand-in server: metadata and streams --------------------------------

async function fakeServer() {
  const def = protoLoader.loadSync(['pitlane/v1/admin.proto', 'pitlane/v1/workorders.proto'],
    { includeDirs: [DEFAULT_PROTO_DIR], keepCase: true, longs: Number, enums: String, defaults: true });
  const pkg = grpc.loadPackageDefinition(def).pitlane.v1;
  const server = new grpc.Server();
  const seen = { auth: [], cancelled: 0 };
  server.addService(pkg.Admin.service, {
    GetChain(call, cb) {
      seen.auth.push(call.metadata.get('authorization')[0]);
      if (call.request.code === 'deny') cb({ code: grpc.status.UNAUTHENTICATED, details: 'authorization: unknown key' });
      else cb(null, { chain: { code: call.request.code, name: 'fake' } });
    },
  });
  server.addService(pkg.WorkOrders.service, {
    WatchWorkOrder(call) {
      seen.auth.push(call.metadata.get('authorization')[0]);
      const id = call.request.id;
      if (id === 404) {
        call.emit('error', { code: grpc.status.NOT_FOUND, details: `id: no work order ${id}` });
        return;
      }
      call.write({ work_order_id: id, seq: 1, kind: 'EVENT_KIND_CREATED' });
      call.write({ work_order_id: id, seq: 2, kind: 'EVENT_KIND_STARTED', note: '开始' });
      if (id === 1) call.end();
      // id 2: stays open until the client goes away
      call.on('cancelled', () => { seen.cancelled++; });
    },
  });
  const port = await new Promise((res, rej) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))));
  return { server, seen, addr: `127.0.0.1:${port}` };
}

function sseEvents(text) {
  return text.split('\n\n').filter((b) => b.includes('data: ')).map((b) => {
    const ev = /event: (\w+)/.exec(b)[1];
    return { event: ev, data: JSON.parse(/data: (.*)/.exec(b)[1]) };
  });
}

test('the caller key goes on unchanged; streams become SSE; leaving cancels the call', async () => {
  const fake = await fakeServer();
  const g = createGateway({ target: fake.addr, staticDir });
  const b = await listen(g);
  try {
    const key = 'Bearer pk_test_Zz9-abc.def';
    let r = await post(b, '/api/Admin/GetChain', { code: 'x1' }, { authorization: key });
    assert.equal(r.status, 200);
    r = await post(b, '/api/Admin/GetChain', { code: 'deny' });
    assert.equal(r.status, 401);
    assert.deepEqual(r.body, { code: 'UNAUTHENTICATED', message: 'authorization: unknown key' });
    assert.deepEqual(fake.seen.auth, [key, undefined]);

    const q = (id) => `${b}/api/stream/WorkOrders/WatchWorkOrder?json=${encodeURIComponent(JSON.stringify({ chain: 'demo', id }))}`;
    let res = await fetch(q(1), { headers: { authorization: key } });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type'), /text\/event-stream/);
    let evs = sseEvents(await res.text());
    assert.deepEqual(evs.map((e) => e.event), ['message', 'message', 'end']);
    assert.equal(evs[1].data.note, '开始');
    assert.equal(evs[1].data.kind, 'EVENT_KIND_STARTED');
    assert.equal(fake.seen.auth.at(-1), key);

    res = await fetch(q(404));
    evs = sseEvents(await res.text());
    assert.deepEqual(evs, [{ event: 'error', data: { code: 'NOT_FOUND', message: 'id: no work order 404' } }]);

    const ctl = new AbortController();
    res = await fetch(q(2), { signal: ctl.signal });
    const reader = res.body.getReader();
    let got = '';
    while ((got.match(/event: message/g) || []).length < 2) got += new TextDecoder().decode((await reader.read()).value);
    ctl.abort();
    for (let i = 0; i < 100 && fake.seen.cancelled === 0; i++) await new Promise((x) => setTimeout(x, 20));
    assert.equal(fake.seen.cancelled, 1, 'the gRPC call was cancelled when the browser left');
  } finally {
    await g.close();
    fake.server.forceShutdown();
  }
});
