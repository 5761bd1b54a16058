// End to end in a real browser: headless Debian chromium (playwright-core)
// against a real pitlaned (--demo) and the gateway. Expected values are
// always read from what the server answered, never hard-coded. Screenshots
// go to $PL_ARTIFACTS (ctest: <build>/artifacts/screens).
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { startStack, launchBrowser, openPage, screenshot, CLIENTS, CHROMIUM } = require('./helpers');

const PHONE = { width: 390, height: 844 };
const DESK = { width: 1440, height: 900 };

let stack;
let browser;

test.before(async () => {
  const built = path.join(CLIENTS, 'dist', 'web', 'index.html');
  if (!fs.existsSync(built)) throw new Error(`${built} is missing: run "npm ci && npm run build" in clients/ (scripts/setup.sh does)`);
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (scripts/setup.sh does)`);
  stack = await startStack();
  browser = await launchBrowser();
});

test.after(async () => {
  if (browser) await browser.close();
  if (stack) await stack.stop();
});

async function banner(page) {
  const b = page.locator('.error-banner');
  await b.waitFor({ state: 'visible', timeout: 10000 });
  return { code: await b.getAttribute('data-code'), message: (await b.locator('.error-message').textContent()).trim() };
}

test('a customer books on a phone and the advisor sees it on the day board', async () => {
  const plate = `沪A${String(Date.now()).slice(-5)}`;
  const phone = await openPage(browser, stack, '/m/#book', PHONE);
  await phone.locator('button.service[data-service="MAINT"]').click();
  await phone.locator('.day-group').first().waitFor();

  // Times are grouped by day: every slot sits under its own day's heading,
  // and the grouping is exactly what RecommendSlots returned.
  const groups = await phone.locator('.day-group').evaluateAll((els) => els.map((g) => ({
    date: g.dataset.date,
    heading: g.querySelector('h3').textContent,
    slots: [...g.querySelectorAll('.slot')].map((s) => ({ date: s.dataset.date, start: Number(s.dataset.start), text: s.textContent })),
  })));
  assert.ok(groups.length >= 1);
  const dates = groups.map((g) => g.date);
  assert.equal(new Set(dates).size, dates.length, 'one group per day');
  for (const g of groups) {
    assert.ok(g.slots.length > 0);
    for (const s of g.slots) {
      assert.equal(s.date, g.date);
      assert.match(s.text, /^(today|tomorrow|\w{3} \d\d-\d\d) \d\d:\d\d–\d\d:\d\d$/);
    }
  }
  await screenshot(phone, 'mobile-1-times');

  const first = groups[0].slots[0];
  await phone.locator('.slot').first().click();
  await phone.locator('input[name="plate"]').fill(plate);
  await phone.locator('input[name="customer"]').fill('E2E 顾客');
  await phone.locator('button.hold').click();
  await phone.locator('.held').waitFor();
  const heldId = Number(await phone.locator('.held').getAttribute('data-booking'));
  const held = await stack.api('Scheduling', 'GetBooking', { chain: 'demo', booking_id: heldId });
  assert.equal(held.state, 'BOOKING_STATE_HELD');
  assert.equal(held.start_min, first.start);
  await screenshot(phone, 'mobile-2-held');
  await phone.locator('button.confirm').click();
  await phone.locator('.booked').waitFor();
  const booking = await stack.api('Scheduling', 'GetBooking', { chain: 'demo', booking_id: heldId });
  assert.equal(booking.state, 'BOOKING_STATE_CONFIRMED');
  assert.equal(booking.plate, plate);
  await screenshot(phone, 'mobile-3-booked');
  await phone.context().close();

  // The phone's reminders: the demo car whose first service is due today.
  const remind = await openPage(browser, stack, '/m/#remind', PHONE);
  const due = remind.locator('.reminder[data-vin="LSVDEM00000000001"]');
  await due.waitFor();
  assert.match(await due.textContent(), /First service due/);
  await screenshot(remind, 'mobile-6-reminders');
  assert.deepEqual(remind.consoleErrors, []);
  await remind.context().close();

  // The advisor's console, that store and day.
  const desk = await openPage(browser, stack, '/#board', DESK);
  await desk.locator('.gantt').waitFor();
  await desk.locator('input[name="date"]').fill(first.date);
  await desk.locator(`.gantt[data-date="${first.date}"]`).waitFor();
  const seg = booking.segments[0];
  const inBay = desk.locator(`.gantt-row[data-code="${seg.bay}"][data-bay="true"] .booking[data-booking="${booking.id}"]`);
  await inBay.waitFor();
  assert.equal(await inBay.getAttribute('data-state'), 'BOOKING_STATE_CONFIRMED');
  for (const t of seg.technicians) {
    await desk.locator(`.gantt-row[data-code="${t}"][data-bay="false"] .booking[data-booking="${booking.id}"]`).waitFor();
  }
  assert.match(await inBay.textContent(), new RegExp(plate));
  await screenshot(desk, 'console-1-dayboard');

  // Drag it one hour later: the engine decides. Either it moved (and the
  // board shows it where the server now has it) or the refusal is shown.
  const box = await inBay.boundingBox();
  await desk.mouse.move(box.x + 10, box.y + box.height / 2);
  await desk.mouse.down();
  await desk.mouse.move(box.x + 10 + 48, box.y + box.height / 2, { steps: 4 });
  await desk.mouse.move(box.x + 10 + 96, box.y + box.height / 2, { steps: 4 });
  await desk.mouse.up();
  await desk.waitForFunction((id) => {
    const b = document.querySelector('.error-banner');
    const el = document.querySelector(`.gantt-row[data-bay="true"] .booking[data-booking="${id}"]`);
    return b || (el && !el.classList.contains('dragging') && el.dataset.moved !== 'pending');
  }, booking.id);
  let after = booking;
  for (let i = 0; i < 50; i++) {
    after = await stack.api('Scheduling', 'GetBooking', { chain: 'demo', booking_id: booking.id });
    if (after.start_min !== booking.start_min || (await desk.locator('.error-banner').count())) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  if (after.start_min !== booking.start_min) {
    assert.equal(after.start_min, booking.start_min + 60);
    const moved = desk.locator(`.gantt-row[data-code="${after.segments[0].bay}"][data-bay="true"] .booking[data-booking="${booking.id}"]`);
    await desk.waitForFunction(([id, bay, x0]) => {
      const el = document.querySelector(`.gantt-row[data-code="${bay}"][data-bay="true"] .booking[data-booking="${id}"]`);
      return el && Math.abs(parseFloat(el.style.left) - x0) > 50;
    }, [booking.id, after.segments[0].bay, parseFloat(await moved.evaluate((el) => el.style.left)) - 96]);
  } else {
    const b = await banner(desk);
    assert.ok(b.code && b.message.length > 0, 'the refusal is shown in words');
  }
  await screenshot(desk, 'console-2-rescheduled');
  assert.deepEqual(desk.consoleErrors, []);
  await desk.context().close();
});

test('stock: search, receive shows the new on hand; over-issue is refused in words', async () => {
  const page = await openPage(browser, stack, '/#stock', DESK);
  await page.locator('input[name="part-search"]').fill('OF-1001');
  await page.locator('button.search').click();
  const row = page.locator('.stock-table tr[data-warehouse="WH-SH01"]');
  await row.waitFor();
  const before = (await stack.api('Inventory', 'GetStock', { chain: 'demo', warehouse: 'WH-SH01', part_no: 'OF-1001' })).rows[0].on_hand;
  assert.equal(Number(await row.locator('.on-hand').textContent()), before);
  // lots are listed
  assert.ok(await row.locator('.lot').count() >= 1);

  await page.locator('select[name="op"]').selectOption('Receive');
  await page.locator('select[name="warehouse"]').selectOption('WH-SH01');
  await page.locator('input[name="qty"]').fill('7');
  await page.locator('input[name="cost"]').fill('23.50');
  await page.locator('button.submit-move').click();
  const result = page.locator('.move-result');
  await result.waitFor();
  assert.equal(Number(await result.getAttribute('data-on-hand')), before + 7);
  await page.waitForFunction((n) => Number(document.querySelector('.stock-table tr[data-warehouse="WH-SH01"] .on-hand')?.textContent) === n, before + 7);
  const now = (await stack.api('Inventory', 'GetStock', { chain: 'demo', warehouse: 'WH-SH01', part_no: 'OF-1001' })).rows[0];
  assert.equal(now.on_hand, before + 7);
  await screenshot(page, 'console-3-stock-received');

  // Issue far more than there is: the engine's refusal, in words.
  await page.locator('select[name="op"]').selectOption('Issue');
  await page.locator('input[name="qty"]').fill(String(now.available + 1000));
  await page.locator('input[name="work_order"]').fill('WO-E2E');
  await page.locator('button.submit-move').click();
  const b = await banner(page);
  let expected;
  await assert.rejects(stack.api('Inventory', 'Issue', { chain: 'demo', warehouse: 'WH-SH01', part_no: 'OF-1001', qty: now.available + 1000, work_order: 'WO-E2E', actor: 'e2e' }),
    (e) => { expected = e.body; return true; });
  assert.equal(b.code, expected.code);
  assert.equal(b.message, expected.message);
  assert.equal(b.code, 'FAILED_PRECONDITION');
  const still = (await stack.api('Inventory', 'GetStock', { chain: 'demo', warehouse: 'WH-SH01', part_no: 'OF-1001' })).rows[0];
  assert.equal(still.on_hand, before + 7);
  await screenshot(page, 'console-4-stock-error');

  // Alerts render (low stock / overstock, as the engine reports them).
  const alerts = (await stack.api('Inventory', 'ListAlerts', { chain: 'demo' })).alerts;
  assert.equal(await page.locator('.alerts tr.alert').count(), alerts.length);
  assert.deepEqual(page.consoleErrors, []);
  await page.context().close();
});

test('transfers: a quote and the rebalance plan render, with the lanes chart', async () => {
  const page = await openPage(browser, stack, '/#transfers', DESK);
  await page.locator('input[name="q-part"]').fill('BP-F-220');
  await page.locator('input[name="q-qty"]').fill('10');
  await page.locator('select[name="q-dest"]').selectOption('WH-SH02');
  await page.locator('button.quote-btn').click();
  await page.locator('table.plans').waitFor();
  const q = await stack.api('Transfers', 'QuoteTransfer', { chain: 'demo', part_no: 'BP-F-220', qty: 10, destination: 'WH-SH02', max_plans: 5 });
  assert.ok(q.plans.length >= 1);
  assert.equal(await page.locator('table.plans tr.plan').count(), q.plans.length);

  // Create the cheapest plan's first leg, then follow it in the list.
  const before = (await stack.api('Transfers', 'ListTransfers', { chain: 'demo' })).transfers.length;
  await page.locator('table.plans tr.plan').first().locator('button').first().click();
  await page.locator('.transfers-list tr[data-transfer]').first().waitFor();
  const list = (await stack.api('Transfers', 'ListTransfers', { chain: 'demo' })).transfers;
  assert.equal(list.length, before + 1);
  assert.equal(list[list.length - 1].from, q.plans[0].legs[0].source);

  await page.locator('button.plan-btn').click();
  await page.locator('.rb-summary').waitFor();
  const plan = await stack.api('Transfers', 'PlanRebalance', { chain: 'demo', part_no: '' });
  assert.equal(await page.locator('table.moves tr.move').count(), plan.moves.length);
  assert.match(await page.locator('.rb-summary').textContent(), new RegExp(`Shortage ${plan.shortage}, covered ${plan.covered}`));
  await page.locator('[data-chart="lanes"] canvas').waitFor();
  await screenshot(page, 'console-5-transfers');

  // Manager charts: each one is drawn (a canvas with a chart on it).
  await page.goto(`${stack.gw.url}/#charts`);
  for (const name of ['tech-utilisation', 'bay-occupancy', 'week', 'turnover', 'booking-response', 'api-latency']) {
    await page.locator(`[data-chart="${name}"] canvas`).waitFor();
  }
  await page.waitForTimeout(300);
  await screenshot(page, 'console-6-charts');
  assert.deepEqual(page.consoleErrors, []);
  await page.context().close();
});

test('work orders: create, watch events live, the customer approves an extra item, the technician moves it to QC', async (t) => {
  try {
    await stack.api('WorkOrders', 'ListWorkOrders', { chain: 'demo', store: 'SH01' });
  } catch (e) {
    if (e.code !== 'UNIMPLEMENTED') throw e;
    console.log('SKIP work orders: server lacks WorkOrders');
    // Even then the console says so in words rather than showing nothing.
    const page = await openPage(browser, stack, '/#orders', DESK);
    const b = await banner(page);
    assert.equal(b.code, 'UNIMPLEMENTED');
    await page.context().close();
    t.skip('server lacks WorkOrders');
    return;
  }
  const plate = `沪W${String(Date.now()).slice(-5)}`;
  const page = await openPage(browser, stack, '/#orders', DESK);
  await page.locator('.new-wo summary').click();
  await page.locator('input[name="wo-plate"]').fill(plate);
  await page.locator('input[name="wo-complaint"]').fill('noise from the front brakes');
  await page.locator('input[name="wo-service"]').fill('MAINT');
  await page.locator('input[name="wo-part"]').fill('OF-1001');
  await page.locator('button.create-wo').click();
  const view = page.locator('section.workorder');
  await view.waitFor();
  const id = Number(await view.getAttribute('data-wo'));
  const wo = await stack.api('WorkOrders', 'GetWorkOrder', { chain: 'demo', id });
  assert.equal(wo.vehicle.plate, plate);
  await page.locator('.events li[data-kind="EVENT_KIND_CREATED"]').waitFor();

  // A change made elsewhere arrives on the open page through the stream.
  await stack.api('WorkOrders', 'StartRepair', { chain: 'demo', id, actor: wo.technicians[0] || 'advisor' });
  await page.locator('.events li[data-kind="EVENT_KIND_STARTED"]').waitFor();
  await page.locator('section.workorder[data-state="WORK_ORDER_STATE_IN_REPAIR"]').waitFor();

  // An extra item proposed in the console...
  await page.locator('.add-extra summary').click();
  await page.locator('input[name="extra-part"]').fill('BP-F-220');
  await page.locator('input[name="extra-qty"]').fill('1');
  await page.locator('input[name="extra-note"]').fill('pads worn');
  await page.locator('button.propose').click();
  const waiting = page.locator('tr.item[data-state="ITEM_STATE_AWAITING_APPROVAL"]');
  await waiting.waitFor();
  const itemNo = Number(await waiting.getAttribute('data-item'));
  await screenshot(page, 'console-7-workorder');

  // ...is approved by the customer on their phone, and the console sees it live.
  const phone = await openPage(browser, stack, '/m/#repair', PHONE);
  await phone.locator('input[name="repair-plate"]').fill(plate);
  await phone.locator('button.find').click();
  const mine = phone.locator(`section.workorder[data-wo="${id}"]`);
  await mine.waitFor();
  await mine.locator(`tr.item[data-item="${itemNo}"] button.approve`).click();
  await mine.locator(`tr.item[data-item="${itemNo}"][data-state="ITEM_STATE_OPEN"]`).waitFor();
  await screenshot(phone, 'mobile-4-repair');
  assert.deepEqual(phone.consoleErrors, []);
  await phone.context().close();
  await page.locator('.events li[data-kind="EVENT_KIND_EXTRA_APPROVED"]').waitFor();
  await page.locator(`tr.item[data-item="${itemNo}"][data-state="ITEM_STATE_OPEN"]`).waitFor();
  const got = await stack.api('WorkOrders', 'GetWorkOrder', { chain: 'demo', id });
  assert.equal(got.items.find((i) => i.no === itemNo).state, 'ITEM_STATE_OPEN');
  assert.deepEqual(page.consoleErrors, []);
  await page.context().close();

  // The technician the engine assigned: my jobs today, finish every item,
  // move the order to QC.
  assert.ok(got.technicians.length > 0, 'the walk-in was assigned a technician');
  const tech = await openPage(browser, stack, '/m/#tech', PHONE, { technician: got.technicians[0] });
  await tech.locator(`button.job[data-wo="${id}"]`).click();
  const job = tech.locator(`section.workorder[data-wo="${id}"]`);
  await job.waitFor();
  for (let open = got.items.filter((i) => i.state === 'ITEM_STATE_OPEN').length; open > 0; open--) {
    await job.locator('tr.item[data-state="ITEM_STATE_OPEN"] button.done').first().click();
    await tech.waitForFunction(([w, n]) => document.querySelectorAll(`section.workorder[data-wo="${w}"] tr.item[data-state="ITEM_STATE_OPEN"]`).length === n, [id, open - 1]);
  }
  await job.locator('button.to-qc').click();
  await tech.locator(`section.workorder[data-wo="${id}"][data-state="WORK_ORDER_STATE_AWAITING_QC"]`).waitFor();
  assert.equal((await stack.api('WorkOrders', 'GetWorkOrder', { chain: 'demo', id })).state, 'WORK_ORDER_STATE_AWAITING_QC');
  await screenshot(tech, 'mobile-5-technician');
  assert.deepEqual(tech.consoleErrors, []);
  await tech.context().close();
});

// A call through the gateway with a given key (not the server's admin key).
async function apiAs(key, service, method, body) {
  const res = await fetch(`${stack.gw.url}/api/${service}/${method}`, {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

test('claims: a claim becomes a work order and a held booking; a bad claim is refused in words; a fleet batch answers per job', async () => {
  const services = (await stack.api('Admin', 'ListServices', { chain: 'demo' })).services;
  const svc = (services.find((x) => x.code === 'MAINT') || services[0]).code;
  const stamp = String(Date.now()).slice(-6);
  const claimNo = `E2E-C${stamp}`;
  const plate = `沪C${stamp.slice(-5)}`;
  const page = await openPage(browser, stack, '/#claims', DESK);
  await page.locator('input[name="c-claim-no"]').fill(claimNo);
  await page.locator('input[name="c-policy"]').fill(`P-${stamp}`);
  await page.locator('input[name="c-plate"]').fill(plate);
  await page.locator('input[name="c-model"]').fill('Model Y');
  await page.locator('input[name="c-damage"]').fill('front bumper and left headlight');
  await page.locator('input[name="c-estimate"]').fill('880');
  await page.locator('select[name="item-service-0"]').selectOption(svc);
  await page.locator('button.add-part').click();
  await page.locator('input[name="item-part-1"]').fill('OF-1001');
  await page.locator('input[name="item-qty-1"]').fill('2');
  await page.locator('select[name="c-service"]').selectOption(svc);
  await page.locator('button.submit-claim-btn').click();
  const answer = page.locator('.claim-answer section.claim');
  await answer.waitFor();

  // What the console shows is what the engine stored.
  const claim = await stack.api('Claims', 'GetClaim', { chain: 'demo', insurer: 'demo-insurer', claim_no: claimNo });
  assert.equal(Number(await answer.getAttribute('data-wo')), claim.work_order_id);
  assert.ok(claim.booking && claim.booking.id > 0, 'the claim held a booking');
  assert.equal(claim.booking.state, 'BOOKING_STATE_HELD');
  const line = answer.locator('.booking-line');
  assert.equal(Number(await line.getAttribute('data-booking')), claim.booking.id);
  assert.equal(await line.getAttribute('data-state'), claim.booking.state);
  assert.equal(Number(await answer.locator('.quoted').getAttribute('data-fen')), claim.quoted_fen);
  assert.equal(Number(await answer.locator('.estimate').getAttribute('data-fen')), 88000);
  assert.equal(Number(await answer.locator('.parts-short').getAttribute('data-short')), claim.parts_short);
  const wo = await stack.api('WorkOrders', 'GetWorkOrder', { chain: 'demo', id: claim.work_order_id });
  assert.equal(wo.claim_no, claimNo);
  assert.equal(wo.vehicle.plate, plate);
  assert.match(await answer.locator('.claim-wo').textContent(), new RegExp(`#${claim.work_order_id}`));
  // The list has it, and opening it (GetClaim) shows the same.
  await page.locator(`.claims-list tr[data-claim="${claimNo}"]`).click();
  await page.locator(`section.claim[data-claim="${claimNo}"] .booking-line[data-booking="${claim.booking.id}"]`).nth(1).waitFor();
  await screenshot(page, 'console-8-claim');

  // A claim the engine refuses: its message, word for word.
  const bad = { chain: 'demo', store: 'SH01', insurer: 'demo-insurer', claim_no: `E2E-B${stamp}`, vehicle: { plate, model: 'Model Y' },
    items: [{ kind: 'ITEM_KIND_PART', part_no: 'NO-SUCH-PART', qty: 1 }], service: svc, hold: true };
  let expected;
  await assert.rejects(stack.api('Claims', 'SubmitClaim', bad), (e) => { expected = e.body; return true; });
  await page.locator('input[name="c-claim-no"]').fill(bad.claim_no);
  await page.locator('input[name="item-part-1"]').fill('NO-SUCH-PART');
  await page.locator('input[name="item-qty-1"]').fill('1');
  await page.locator('tr.item-input[data-i="0"] button').click(); // drop the labour row
  await page.locator('button.submit-claim-btn').click();
  const b = await banner(page);
  assert.equal(b.code, expected.code);
  assert.equal(b.message, expected.message);
  await screenshot(page, 'console-9-claim-refused');

  // The claim's work order opens in the work-order view.
  await page.locator('.error-banner .close').click();
  await page.locator(`section.claim[data-claim="${claimNo}"] a.wo-link`).last().click();
  await page.locator(`section.workorder[data-wo="${claim.work_order_id}"]`).waitFor();

  // A fleet batch: one job the engine can schedule, one it cannot.
  await page.goto(`${stack.gw.url}/#claims`);
  await page.locator('.fleet-batch summary').click();
  const fleetPlate = `沪F${stamp.slice(-5)}`;
  await page.locator('textarea[name="f-jobs"]').fill(`${fleetPlate} ${svc}\n沪F00000 NO-SUCH-SVC`);
  await page.locator('button.run-batch').click();
  await page.locator('.batch-results').waitFor();
  const sum = page.locator('.batch-summary');
  assert.equal(await sum.getAttribute('data-scheduled'), '1');
  assert.equal(await sum.getAttribute('data-failed'), '1');
  const okRow = page.locator('.batch-results tr.job[data-index="0"]');
  const held = Number(await okRow.locator('.booking-line').getAttribute('data-booking'));
  const hb = await stack.api('Scheduling', 'GetBooking', { chain: 'demo', booking_id: held });
  assert.equal(hb.plate, fleetPlate);
  assert.equal(hb.state, 'BOOKING_STATE_HELD');
  assert.equal(hb.channel, 'CHANNEL_FLEET');
  const why = (await page.locator('.batch-results tr.job[data-index="1"] .job-error').textContent()).trim();
  const direct = await stack.api('Claims', 'SubmitFleetBatch', { chain: 'demo', fleet: 'demo-fleet', stores: ['SH01'], jobs: [{ vehicle: { plate: '沪F00000' }, services: ['NO-SUCH-SVC'] }], hold: false });
  assert.equal(why, direct.results[0].error);
  assert.ok(why.length > 0);
  await screenshot(page, 'console-10-fleet-batch');
  assert.deepEqual(page.consoleErrors, []);
  await page.context().close();
});

test('API keys: create a viewer key (token shown once), it reads but cannot write, revoke it', async () => {
  const admin = await openPage(browser, stack, '/#keys', DESK);
  admin.on('dialog', (d) => d.accept());
  const label = `e2e viewer ${Date.now()}`;
  await admin.locator('select[name="k-kind"]').selectOption('CHAIN');
  await admin.locator('input[name="k-tenant"]').fill('demo');
  await admin.locator('input[name="k-label"]').fill(label);
  await admin.locator('button.create-key').click();
  const once = admin.locator('.token-once');
  await once.waitFor();
  const keyId = await once.getAttribute('data-key-id');
  const token = (await once.locator('code.token').textContent()).trim();
  assert.match(token, new RegExp(`^pl_${keyId}_[0-9a-f]{64}$`));
  const listed = (await stack.api('Admin', 'ListApiKeys', {})).keys.find((k) => k.key_id === keyId);
  assert.deepEqual(listed.roles, ['ROLE_VIEWER']);
  assert.equal(listed.label, label);
  await admin.locator(`.keys-list tr[data-key-id="${keyId}"]`).waitFor();
  await screenshot(admin, 'console-11-key-created');
  await once.locator('button', { hasText: 'I have copied it' }).click();
  assert.equal(await admin.evaluate((t) => document.body.innerHTML.includes(t.split('_')[2]), token), false, 'the secret is gone from the page');

  // The viewer key in another browser: reading works, a write is refused.
  const viewer = await openPage(browser, stack, '/#stock', DESK, { key: token });
  await viewer.locator('input[name="part-search"]').fill('OF-1001');
  await viewer.locator('button.search').click();
  await viewer.locator('.stock-table tr[data-warehouse="WH-SH01"]').waitFor();
  await viewer.locator('select[name="op"]').selectOption('Receive');
  await viewer.locator('select[name="warehouse"]').selectOption('WH-SH01');
  await viewer.locator('input[name="qty"]').fill('1');
  await viewer.locator('button.submit-move').click();
  const denied = await banner(viewer);
  const direct = await apiAs(token, 'Inventory', 'Receive', { chain: 'demo', warehouse: 'WH-SH01', part_no: 'OF-1001', qty: 1, actor: 'e2e' });
  assert.equal(direct.status, 403);
  assert.equal(denied.code, 'PERMISSION_DENIED');
  assert.equal(denied.message, direct.body.message);
  await screenshot(viewer, 'console-12-viewer-denied');

  // Revoked in the console: the very next call with it is refused.
  await admin.locator(`.keys-list tr[data-key-id="${keyId}"] button.revoke`).click();
  await admin.locator(`.keys-list tr[data-key-id="${keyId}"]`).waitFor({ state: 'detached' });
  assert.equal((await stack.api('Admin', 'ListApiKeys', {})).keys.find((k) => k.key_id === keyId).revoked, true);
  await viewer.locator('.error-banner .close').click();
  await viewer.locator('button.search').click();
  const gone = await banner(viewer);
  const after = await apiAs(token, 'Inventory', 'GetStock', { chain: 'demo', part_no: 'OF-1001' });
  assert.equal(gone.code, 'UNAUTHENTICATED');
  assert.equal(gone.message, after.body.message);
  await screenshot(viewer, 'console-13-key-revoked');
  assert.deepEqual(admin.consoleErrors, []);
  assert.deepEqual(viewer.consoleErrors, []);
  await admin.context().close();
  await viewer.context().close();
});

test('the rest of the console: setup, lanes, purchase suggestions, ledger audit, deliver and the repair report', async () => {
  const page = await openPage(browser, stack, '/#setup', DESK);
  const chain = await stack.api('Admin', 'GetChain', { code: 'demo' });
  const summary = page.locator('.chain-summary');
  await summary.waitFor();
  assert.match(await summary.textContent(), new RegExp(`${chain.stores} stores · ${chain.warehouses} warehouses · ${chain.bays} bays · ${chain.technicians} technicians · ${chain.parts} parts`));
  const hours = await stack.api('Admin', 'GetStoreHours', { chain: 'demo', store: 'SH01' });
  const hm = (m) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
  assert.equal(await page.locator('input[name="open-0"]').inputValue(), hm(hours.week[0].start_min));
  await screenshot(page, 'console-14-setup');

  await page.goto(`${stack.gw.url}/#transfers`);
  await page.locator('.lanes summary').click();
  const lanes = (await stack.api('Transfers', 'ListLanes', { chain: 'demo' })).lanes;
  await page.waitForFunction((n) => document.querySelectorAll('.lanes tr.lane').length === n, lanes.length);

  await page.goto(`${stack.gw.url}/#stock`);
  await page.locator('.purchase summary').click();
  await page.locator('button.suggest').click();
  const po = await stack.api('Inventory', 'SuggestPurchase', { chain: 'demo', warehouse: '', max_lead_days: 0 });
  if (po.orders.length) await page.locator('.purchase .po').first().waitFor();
  else await page.locator('.purchase p', { hasText: 'Nothing to buy' }).waitFor();
  assert.equal(await page.locator('.purchase .po').count(), po.orders.length);
  await page.locator('button.verify').click();
  await page.locator('.ledger .ok, .ledger .warn').waitFor();
  assert.equal(await page.locator('.ledger .ok').count(), (await stack.api('Inventory', 'VerifyLedger', { chain: 'demo' })).consistent ? 1 : 0);

  // A walk-in finished elsewhere; the advisor passes QC and delivers in the
  // console, and sees the repair report the engine made.
  const services = (await stack.api('Admin', 'ListServices', { chain: 'demo' })).services;
  const svc = (services.find((x) => x.code === 'MAINT') || services[0]).code;
  const wo = await stack.api('WorkOrders', 'CreateWorkOrder', { chain: 'demo', store: 'SH01', vehicle: { plate: `沪D${String(Date.now()).slice(-5)}` },
    items: [{ kind: 'ITEM_KIND_LABOUR', service: svc }], advisor: 'e2e' });
  await stack.api('WorkOrders', 'StartRepair', { chain: 'demo', id: wo.id, actor: 'e2e' });
  for (const it of wo.items) await stack.api('WorkOrders', 'CompleteItem', { chain: 'demo', id: wo.id, item_no: it.no, actor: 'e2e' });
  await stack.api('WorkOrders', 'RequestQc', { chain: 'demo', id: wo.id, actor: 'e2e' });
  await page.goto(`${stack.gw.url}/#orders/${wo.id}`);
  await page.locator(`section.workorder[data-state="WORK_ORDER_STATE_AWAITING_QC"]`).waitFor();
  await page.locator('section.workorder button', { hasText: 'QC passed' }).click();
  await page.locator(`section.workorder[data-state="WORK_ORDER_STATE_COMPLETED"]`).waitFor();
  await page.locator('section.workorder button', { hasText: 'Deliver' }).click();
  const report = page.locator(`.repair-report[data-wo="${wo.id}"]`);
  await report.waitFor();
  const r = await stack.api('WorkOrders', 'GetRepairReport', { chain: 'demo', id: wo.id });
  assert.equal(Number(await report.locator('.report-total').getAttribute('data-fen')), r.total_fen);
  assert.equal(await report.locator('tr.report-line').count(), r.lines.length);
  await screenshot(page, 'console-15-repair-report');
  assert.deepEqual(page.consoleErrors, []);
  assert.equal(await page.locator('.error-banner').count(), 0);
  await page.context().close();
});

test('dispatch: the engine assigns a truck with an ETA, accept, the live view follows; the cluster panel', async () => {
  const page = await openPage(browser, stack, '/#dispatch', DESK);
  // a rescue next to SH01 (demo truck positions are the server's, not ours)
  await page.locator('select[name="d-kind"]').selectOption('DISPATCH_KIND_RESCUE');
  await page.locator('input[name="d-lat"]').fill('31.191');
  await page.locator('input[name="d-lng"]').fill('121.441');
  await page.locator('input[name="d-customer"]').fill('e2e 客户');
  await page.locator('input[name="d-plate"]').fill('沪E2E001');
  await page.locator('button.send-dispatch').click();
  const view = page.locator('.dispatch-view');
  await view.waitFor();
  const id = Number(await view.getAttribute('data-id'));
  assert.ok(id > 0);
  const d = await stack.api('Dispatch', 'GetDispatch', { chain: 'demo', id });
  assert.equal(d.state, 'DISPATCH_STATE_OFFERED');
  assert.ok(d.resource);
  assert.equal((await view.locator('.d-resource').textContent()).trim(), d.resource);
  assert.equal(Number(await view.locator('.d-eta').getAttribute('data-eta')), d.eta_ms);
  assert.equal(Number(await view.locator('.d-distance').getAttribute('data-m')), d.distance_m);
  await page.locator(`.dispatches-list tr[data-id="${id}"]`).waitFor();
  await page.waitForSelector('.dispatch-view[data-live="live"]');
  await screenshot(page, 'console-16-dispatch-offered');

  await view.locator('button.d-accept').click();
  await page.waitForSelector('.dispatch-view[data-state="DISPATCH_STATE_ACCEPTED"]');
  assert.equal((await stack.api('Dispatch', 'GetDispatch', { chain: 'demo', id })).state, 'DISPATCH_STATE_ACCEPTED');
  // a step made elsewhere (the truck's app) reaches the console by the stream
  const arrived = await stack.api('Dispatch', 'Arrive', { chain: 'demo', id });
  await page.waitForSelector(`.dispatch-view[data-state="${arrived.state}"][data-version="${arrived.version}"]`);
  assert.equal(arrived.state, 'DISPATCH_STATE_ON_SITE');
  await page.locator('.resources-list tr.field-resource[data-code="' + d.resource + '"][data-state="FIELD_RESOURCE_STATE_ON_SITE"]').waitFor();
  await screenshot(page, 'console-17-dispatch-live');
  assert.deepEqual(page.consoleErrors, []);

  // Cluster: this node's status, and a move step refused in words
  await page.goto(`${stack.gw.url}/#cluster`);
  const st = page.locator('.cluster-status');
  await st.waitFor();
  const status = await stack.api('Cluster', 'Status', {});
  assert.equal(await st.getAttribute('data-node'), status.node_id);
  assert.equal(Number(await st.getAttribute('data-map-version')), status.map_version);
  assert.equal((await st.locator('.loaded').textContent()).trim(), status.loaded.length ? status.loaded.join(', ') : '—');
  await page.locator('button.cl-FreezeChain').click();
  const b = await banner(page);
  let expected;
  await assert.rejects(stack.api('Cluster', 'FreezeChain', { chain: 'demo', timeout_ms: 5000 }), (e) => { expected = e.body; return true; });
  assert.equal(b.code, 'FAILED_PRECONDITION');
  assert.equal(b.code, expected.code);
  assert.equal(b.message, expected.message);
  await screenshot(page, 'console-18-cluster');
  assert.deepEqual(page.consoleErrors, []);
  await page.context().close();
});
