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

// A repair of `vin` delivered through the API (as the workshop would),
// the advisor being the console's person ('e2e'). Returns the order and
// the repair report (delivered_ms, total_fen).
async function deliverRepair(vin, plate, km) {
  const wo = await stack.api('WorkOrders', 'CreateWorkOrder', { chain: 'demo', store: 'SH01', advisor: 'e2e',
    vehicle: { plate, vin, model: 'Model Y', mileage_km: km },
    items: [{ kind: 'ITEM_KIND_LABOUR', service: 'TYRE' }, { kind: 'ITEM_KIND_PART', part_no: 'OF-1001', qty: 1 }] });
  await stack.api('WorkOrders', 'StartRepair', { chain: 'demo', id: wo.id, actor: 'e2e' });
  for (const it of wo.items) await stack.api('WorkOrders', 'CompleteItem', { chain: 'demo', id: wo.id, item_no: it.no, actor: 'e2e' });
  await stack.api('WorkOrders', 'RequestQc', { chain: 'demo', id: wo.id, actor: 'e2e' });
  await stack.api('WorkOrders', 'RecordQc', { chain: 'demo', id: wo.id, passed: true, inspector: 'qc', notes: 'ok' });
  const report = await stack.api('WorkOrders', 'Deliver', { chain: 'demo', id: wo.id, actor: 'e2e' });
  return { wo, report };
}

async function historyRows(page) {
  return page.locator('.service-history tr.history-entry').evaluateAll((els) => els.map((e) => `${e.dataset.kind}:${e.dataset.id}`));
}

test('customers: a customer, their car, its history, the follow-up call, complaints with their clocks; the phone\'s My car', async () => {
  const t0 = Date.now();
  const stamp = String(Date.now()).slice(-6);
  const VIN = `LSVE2EC0000${stamp}`;
  const plate = `沪C${stamp.slice(-5)}`;
  const phoneNo = `138${stamp}77`;
  const page = await openPage(browser, stack, '/#customers', DESK);

  // a new customer with consent, created in the console
  await page.locator('button.new-customer').click();
  await page.locator('input[name="cu-name"]').fill(`周女士 ${stamp}`);
  await page.locator('input[name="cu-phone"]').fill(phoneNo);
  await page.locator('input[name="cu-consent"]').check();
  await page.locator('button.save-customer').click();
  await page.waitForFunction(() => Number(document.querySelector('.customer-form')?.dataset.id) > 0);
  const cid = Number(await page.locator('.customer-form').getAttribute('data-id'));
  const cu = await stack.api('Customers', 'FindCustomer', { chain: 'demo', phone: phoneNo });
  assert.equal(cu.id, cid);
  assert.equal(cu.name, `周女士 ${stamp}`);
  assert.equal(cu.consent, true);
  assert.equal(cu.consent_marketing, false);
  // found again by a search on part of the name (ListCustomers)
  await page.locator('input[name="cu-search"]').fill(stamp);
  await page.locator('button.search-customers').click();
  // the unfiltered list (the demo chain's customers too) gives way to the
  // search's one row
  await page.waitForFunction(() => document.querySelectorAll('.customers-list tr.customer').length === 1, null, { timeout: 10000 });
  await page.locator(`.customers-list tr.customer[data-id="${cid}"]`).waitFor();
  assert.equal(await page.locator('.customers-list tr.customer').count(), 1);

  // her car, linked as owner
  await stack.api('Dispatch', 'RegisterVehicle', { chain: 'demo', vin: VIN, plate, model: 'Model Y', store: 'SH01', purchase_date: '2024-03-01' });
  await page.locator('input[name="link-vin"]').fill(VIN);
  await page.locator('select[name="link-role"]').selectOption('OWNER_ROLE_OWNER');
  await page.locator('input[name="link-from"]').fill('2024-03-01');
  await page.locator('button.link-vehicle').click();
  await page.locator(`.vin-links[data-vin="${VIN}"] tr.owner-link[data-customer="${cid}"][data-from="2024-03-01"]`).waitFor();
  const owners = await stack.api('Customers', 'ListVehicleOwners', { chain: 'demo', vin: VIN });
  assert.deepEqual(owners.links.map((l) => [l.customer_id, l.role, l.from_date, l.to_date]), [[cid, 'OWNER_ROLE_OWNER', '2024-03-01', '']]);
  await page.locator(`.my-vehicles tr.vehicle-link[data-vin="${VIN}"]`).waitFor();

  // two repairs delivered through the API; the history page shows the
  // visits and their follow-ups, newest first, a page at a time
  const r1 = await deliverRepair(VIN, plate, 15000);
  const r2 = await deliverRepair(VIN, plate, 16000);
  await page.locator('select[name="h-limit"]').selectOption('2');
  await page.locator(`.my-vehicles tr.vehicle-link[data-vin="${VIN}"] a.history-link`).click();
  await page.locator(`.service-history[data-vin="${VIN}"] button.load-more:not([disabled])`).waitFor();
  const whole = await stack.api('Customers', 'GetServiceHistory', { chain: 'demo', vin: VIN });
  assert.equal(whole.entries.length, 4);
  const want = whole.entries.map((e) => `${e.kind}:${e.id}`);
  assert.deepEqual(await historyRows(page), want.slice(0, 2));
  await page.locator('button.load-more').click();
  await page.waitForFunction(() => document.querySelectorAll('.service-history tr.history-entry').length === 4);
  assert.deepEqual(await historyRows(page), want, 'the pages together are the whole history, newest first');
  assert.equal(await page.locator('button.load-more').isDisabled(), true, 'no page token: nothing more');
  for (const { wo, report } of [r1, r2]) {
    const visit = page.locator(`tr.history-entry[data-kind="HISTORY_KIND_WORK_ORDER"][data-id="${wo.id}"]`);
    const e = whole.entries.find((x) => x.kind === 'HISTORY_KIND_WORK_ORDER' && x.id === wo.id);
    assert.equal(await visit.getAttribute('data-state'), 'DELIVERED');
    assert.equal(Number(await visit.getAttribute('data-total')), report.total_fen);
    assert.equal(e.total_fen, report.total_fen);
    assert.match(await visit.locator('.h-what').textContent(), /TYRE/);
    for (const p of e.parts) {
      assert.equal(await visit.locator(`.h-part[data-part="${p.part_no}"]`).getAttribute('data-lot'), String(p.lot));
    }
    await page.locator(`tr.history-entry[data-kind="HISTORY_KIND_FOLLOW_UP"][data-id="${wo.id}"][data-state="OPEN"]`).waitFor();
  }
  assert.equal(await page.locator(`.history-owners tr.owner-link[data-customer="${cid}"]`).count(), 1);
  await page.waitForFunction((n) => document.querySelector('.history-owners tr.owner-link')?.textContent.includes(n), `周女士 ${stamp}`);
  await screenshot(page, 'console-19-customer-history');

  // the advisor's follow-ups: due a day after delivery; one reached (4
  // stars), the other not reached (one more attempt)
  await page.goto(`${stack.gw.url}/#customers/followups`);
  const row1 = page.locator(`.followups-list tr.followup-row[data-id="${r1.wo.id}"]`);
  await row1.waitFor();
  assert.equal(Number(await row1.getAttribute('data-due')), r1.report.delivered_ms + 24 * 3600 * 1000);
  assert.equal(await row1.getAttribute('data-overdue'), 'false');
  await row1.click();
  const card = page.locator(`section.followup[data-id="${r1.wo.id}"]`);
  await card.waitFor();
  await card.locator('.fu-customer', { hasText: phoneNo }).waitFor(); // the customer to call (GetCustomer)
  await card.locator('button.star[data-n="4"]').click();
  await card.locator('textarea[name="fu-comment"]').fill('fixed, polite staff');
  await card.locator('button.fu-reached').click();
  await page.locator(`section.followup[data-id="${r1.wo.id}"][data-state="FOLLOW_UP_STATE_DONE"] .fu-result[data-satisfaction="4"]`).waitFor();
  const f1 = await stack.api('Customers', 'GetFollowUp', { chain: 'demo', id: r1.wo.id });
  assert.deepEqual([f1.state, f1.satisfaction, f1.comment, f1.done_by], ['FOLLOW_UP_STATE_DONE', 4, 'fixed, polite staff', 'e2e']);
  await page.locator(`.followups-list tr.followup-row[data-id="${r1.wo.id}"]`).waitFor({ state: 'detached' }); // the list shows open ones
  await page.locator(`.followups-list tr.followup-row[data-id="${r2.wo.id}"]`).click();
  await page.locator(`section.followup[data-id="${r2.wo.id}"] button.fu-unreached`).click();
  await page.locator(`section.followup[data-id="${r2.wo.id}"] .fu-attempts`, { hasText: '1' }).waitFor();
  const f2 = await stack.api('Customers', 'GetFollowUp', { chain: 'demo', id: r2.wo.id });
  assert.deepEqual([f2.state, f2.attempts], ['FOLLOW_UP_STATE_OPEN', 1]);
  assert.equal(Number(await page.locator(`section.followup[data-id="${r2.wo.id}"] .fu-due-at`).getAttribute('data-ms')), f2.due_ms);
  await screenshot(page, 'console-20-followups');
  // the not-reached one is due again in four hours: in another browser
  // whose clock (only the browser's) is moved past that, its row is overdue
  const later = await openPage(browser, stack, '/#customers/followups', DESK);
  await later.clock.install();
  await later.reload();
  const row2 = later.locator(`.followups-list tr.followup-row[data-id="${r2.wo.id}"]`);
  await row2.waitFor();
  assert.equal(await row2.getAttribute('data-overdue'), 'false');
  await later.clock.fastForward(f2.due_ms - Date.now() + 60000);
  await later.locator(`.followups-list tr.followup-row.overdue[data-id="${r2.wo.id}"] .fu-due.overdue`, { hasText: /^overdue 1m \d\ds$/ }).waitFor();
  assert.deepEqual(later.consoleErrors, []);
  await later.context().close();

  // complaints: one opened in the console and acknowledged; its clocks
  // count down; the policy panel; a one-minute clock running out
  await page.goto(`${stack.gw.url}/#customers/complaints`);
  await page.locator('input[name="cp-phone"]').fill(phoneNo);
  await page.locator('button.cp-find').click();
  await page.waitForFunction((id) => document.querySelector('input[name="cp-customer"]').value === String(id), cid);
  await page.locator('input[name="cp-vin"]').fill(VIN);
  await page.locator('input[name="cp-wo"]').fill(String(r2.wo.id));
  await page.locator('select[name="cp-channel"]').selectOption('COMPLAINT_CHANNEL_PHONE');
  await page.locator('select[name="cp-category"]').selectOption('COMPLAINT_CATEGORY_QUALITY');
  await page.locator('select[name="cp-severity"]').selectOption('3');
  await page.locator('textarea[name="cp-text"]').fill('the tyre pressure light is still on');
  await page.locator('button.cp-open').click();
  const opened = page.locator('section.complaint[data-state="COMPLAINT_STATE_OPEN"]');
  await opened.waitFor();
  const kid = Number(await opened.getAttribute('data-id'));
  const k = await stack.api('Customers', 'GetComplaint', { chain: 'demo', id: kid });
  assert.deepEqual([k.store, k.customer_id, k.vin, k.wo_id, k.channel, k.category, k.severity, k.text, k.steps[0].actor],
    ['SH01', cid, VIN, r2.wo.id, 'COMPLAINT_CHANNEL_PHONE', 'COMPLAINT_CATEGORY_QUALITY', 3, 'the tyre pressure light is still on', 'e2e']);
  const clock = page.locator(`.complaints-list tr.complaint-row[data-id="${kid}"] td.response-clock`);
  await clock.waitFor();
  const left1 = Number(await clock.getAttribute('data-left-ms'));
  assert.ok(Math.abs(left1 - (k.response_due_ms - Date.now())) < 5000, `time left ${left1} ms is the server's deadline from now`);
  assert.match(await clock.textContent(), /left/);
  await page.waitForFunction(([sel, v]) => Number(document.querySelector(sel)?.dataset.leftMs) < v - 900,
    [`.complaints-list tr.complaint-row[data-id="${kid}"] td.response-clock`, left1]);
  assert.equal(await clock.getAttribute('data-overdue'), 'false');
  await opened.locator('input[name="cp-note"]').fill('called the customer back');
  await opened.locator('button.cp-ack').click();
  await page.locator(`section.complaint[data-id="${kid}"][data-state="COMPLAINT_STATE_ACKNOWLEDGED"]`).waitFor();
  const ack = await stack.api('Customers', 'GetComplaint', { chain: 'demo', id: kid });
  assert.equal(ack.state, 'COMPLAINT_STATE_ACKNOWLEDGED');
  assert.equal(ack.steps.at(-1).note, 'called the customer back');
  await page.locator(`section.complaint[data-id="${kid}"] li.step[data-kind="COMPLAINT_STEP_KIND_ACKNOWLEDGED"]`).waitFor();
  await page.locator(`.complaints-list tr.complaint-row[data-id="${kid}"][data-state="COMPLAINT_STATE_ACKNOWLEDGED"] td.response-clock[data-met="true"]`).waitFor();

  // the policy panel: SH02 gets a one-minute first response clock; a
  // complaint opened there shows its minute counting down
  await page.locator('.complaint-policy summary').click();
  await page.locator('select[name="pol-store"]').selectOption('SH02');
  await page.locator('.pol-from[data-asked="SH02"]').waitFor();
  await page.locator('input[name="pol-response"]').fill('1');
  await page.locator('input[name="pol-resolution"]').fill('3');
  await page.locator('input[name="pol-manager"]').fill('e2e-mgr');
  await page.locator('button.pol-save').click();
  await page.locator('.pol-saved').waitFor();
  assert.deepEqual(await stack.api('Customers', 'GetComplaintPolicy', { chain: 'demo', store: 'SH02' }),
    { chain: 'demo', store: 'SH02', response_min: 1, resolution_min: 3, manager: 'e2e-mgr' });
  await page.locator('select[name="cp-store"]').selectOption('SH02');
  for (const f of ['cp-wo', 'cp-vin', 'cp-customer']) await page.locator(`input[name="${f}"]`).fill(''); // not about her car
  await page.locator('select[name="cp-category"]').selectOption('COMPLAINT_CATEGORY_WAITING');
  await page.locator('select[name="cp-severity"]').selectOption('1');
  await page.locator('textarea[name="cp-text"]').fill('nobody called back');
  await page.locator('button.cp-open').click();
  const quick = page.locator('section.complaint[data-state="COMPLAINT_STATE_OPEN"]');
  await page.waitForFunction((k) => Number(document.querySelector('section.complaint')?.dataset.id) > k, kid);
  const qid = Number(await quick.getAttribute('data-id'));
  const qk = await stack.api('Customers', 'GetComplaint', { chain: 'demo', id: qid });
  assert.equal(qk.response_due_ms - qk.created_ms, 60000, 'the store\'s one-minute clock');
  assert.equal(qk.resolution_due_ms - qk.created_ms, 180000);
  const qsel = `.complaints-list tr.complaint-row[data-id="${qid}"] td.response-clock`;
  await page.locator(qsel).waitFor();
  const q1 = Number(await page.locator(qsel).getAttribute('data-left-ms'));
  // (the page's clock ticks each second: up to a second behind)
  assert.ok(q1 > 0 && q1 <= 61000 && Math.abs(q1 - (qk.response_due_ms - Date.now())) < 5000, `${q1} ms left`);
  assert.match(await page.locator(qsel).textContent(), /^\s*(0m \d\ds|1m 00s) left\s*$/);
  await page.waitForFunction(([sel, v]) => Number(document.querySelector(sel)?.dataset.leftMs) <= v - 1000, [qsel, q1]);
  assert.match(await page.locator(qsel).textContent(), /^\s*0m \d\ds left\s*$/);

  // "sweep now": nothing of this chain has run out yet (the server's count)
  await page.locator('button.sweep-now').click();
  await page.locator('.sweep-result').waitFor();
  assert.equal(Number(await page.locator('.sweep-result').getAttribute('data-escalated')), 0);
  assert.equal((await stack.api('Customers', 'GetComplaint', { chain: 'demo', id: qid })).response_escalated, false);
  await page.locator('input[name="cl-overdue"]').check();
  await page.locator('.complaints-list td.muted', { hasText: 'No complaints.' }).waitFor(); // the server's overdue filter
  await page.locator('input[name="cl-overdue"]').uncheck();

  // The minute running out, seen without waiting for it: the browser's
  // clock (only the browser's) is moved 61 s on. The row and the open
  // complaint turn overdue by the server's deadline; the acknowledged one
  // stays met.
  await page.clock.install();
  await page.reload();
  await page.locator(qsel).waitFor();
  await page.clock.fastForward(61000);
  await page.locator(`.complaints-list tr.complaint-row.overdue[data-id="${qid}"] td.response-clock.overdue[data-overdue="true"]`).waitFor();
  assert.match(await page.locator(qsel).textContent(), /overdue 0m \d\ds/);
  assert.equal(await page.locator(`.complaints-list tr.complaint-row[data-id="${qid}"] td.resolution-clock`).getAttribute('data-overdue'), 'false', 'three minutes to resolve');
  assert.equal(await page.locator(`.complaints-list tr.complaint-row[data-id="${kid}"]`).getAttribute('data-overdue'), 'false');
  await page.locator(`.complaints-list tr.complaint-row[data-id="${qid}"]`).click();
  await page.locator(`section.complaint[data-id="${qid}"] td.response-clock.overdue`).waitFor();
  await screenshot(page, 'console-21-complaints');
  assert.deepEqual(page.consoleErrors, []);
  await page.context().close();

  // the customer's phone: My car (read-only, paged) with the rating she
  // gave, and a complaint from the app
  const phone = await openPage(browser, stack, '/m/#car', PHONE);
  await phone.locator('input[name="car-vin"]').fill(VIN);
  await phone.locator('button.show-car').click();
  // five a page: the newest five, then "load more"
  let all = (await stack.api('Customers', 'GetServiceHistory', { chain: 'demo', vin: VIN })).entries;
  assert.equal(all.length, 5);
  const shown = () => phone.locator('.car-history li.history-entry').evaluateAll((els) => els.map((e) => `${e.dataset.kind}:${e.dataset.id}`));
  await phone.waitForFunction(() => document.querySelectorAll('.car-history li.history-entry').length === 5);
  assert.deepEqual(await shown(), all.map((e) => `${e.kind}:${e.id}`));
  assert.equal(await phone.locator('button.load-more').count(), 0, 'exactly one page');
  const rated = phone.locator(`.car-history li.history-entry[data-kind="HISTORY_KIND_FOLLOW_UP"][data-id="${r1.wo.id}"] .my-rating`);
  assert.match(await rated.textContent(), /Your rating: ★★★★☆ 4\/5/);
  assert.equal(await phone.locator(`.car-history li.history-entry[data-kind="HISTORY_KIND_FOLLOW_UP"][data-id="${r2.wo.id}"] .my-rating`).textContent(), 'We will call you about this visit.');
  await screenshot(phone, 'mobile-7-my-car');
  // a complaint from the app, about the latest visit (the form's default)
  await phone.locator('.complain summary').click();
  await phone.locator('select[name="cm-category"]').selectOption('COMPLAINT_CATEGORY_PRICE');
  await phone.locator('textarea[name="cm-text"]').fill('charged twice for the filter');
  await phone.locator('input[name="cm-phone"]').fill(phoneNo);
  await phone.locator('button.send-complaint').click();
  const sent = phone.locator('.complaint-sent');
  await sent.waitFor();
  const app = await stack.api('Customers', 'GetComplaint', { chain: 'demo', id: Number(await sent.getAttribute('data-id')) });
  assert.deepEqual([app.channel, app.customer_id, app.vin, app.wo_id, app.category, app.text, app.state],
    ['COMPLAINT_CHANNEL_APP', cid, VIN, r2.wo.id, 'COMPLAINT_CATEGORY_PRICE', 'charged twice for the filter', 'COMPLAINT_STATE_OPEN']);
  assert.equal(Number(await sent.locator('.answer-by').getAttribute('data-ms')), app.response_due_ms);
  // the history is read again: the first page has it (newest first; an
  // open follow-up stands at its due time, ahead of it), the sixth entry
  // is a page away
  all = (await stack.api('Customers', 'GetServiceHistory', { chain: 'demo', vin: VIN })).entries;
  assert.equal(all.length, 6);
  assert.ok(all.slice(0, 5).some((e) => e.kind === 'HISTORY_KIND_COMPLAINT' && e.id === app.id));
  await phone.locator(`.car-history li.history-entry[data-kind="HISTORY_KIND_COMPLAINT"][data-id="${app.id}"]`).waitFor();
  assert.deepEqual(await shown(), all.slice(0, 5).map((e) => `${e.kind}:${e.id}`));
  await phone.locator('button.load-more').click();
  await phone.waitForFunction(() => document.querySelectorAll('.car-history li.history-entry').length === 6);
  assert.deepEqual(await shown(), all.map((e) => `${e.kind}:${e.id}`));
  await phone.locator('button.load-more').waitFor({ state: 'detached' });
  await screenshot(phone, 'mobile-8-complaint-sent');
  assert.deepEqual(phone.consoleErrors, []);
  await phone.context().close();
  console.log(`customers browser test: ${Date.now() - t0} ms`);
});

test('loaners, KPI report, supplier claims: a booking with a loaner car shows its car; the KPI table and charts are the API\'s; a supplier claim accepted', async () => {
  const stamp = String(Date.now()).slice(-5);
  const page = await openPage(browser, stack, '/#loaners', DESK);

  // a loaner car added to SH01's pool in the console (UpsertLoaner)
  const code = `LB${stamp}`;
  await page.locator('.new-loaner summary').click();
  await page.locator('.new-loaner input[name="loaner-code"]').fill(code);
  await page.locator('.new-loaner input[name="loaner-plate"]').fill(`沪L${stamp}`);
  await page.locator('.new-loaner input[name="loaner-model"]').fill('Sylphy');
  await page.locator('.new-loaner input[name="loaner-odometer"]').fill('2000');
  await page.locator('.new-loaner input[name="loaner-fuel"]').fill('90');
  await page.locator('.new-loaner button.save-loaner').click();
  const row = page.locator(`tr.loaner[data-code="${code}"]`);
  await row.waitFor();
  const car = (await stack.api('Scheduling', 'ListLoaners', { chain: 'demo', store: 'SH01' })).loaners.find((l) => l.code === code);
  assert.deepEqual([car.odometer_km, car.fuel_pct, car.state], [2000, 90, 'LOANER_STATE_AVAILABLE']);
  assert.equal((await row.locator('.odometer').textContent()).trim(), `${car.odometer_km} km`);

  // the board's New booking with "needs a loaner car": the booking shows its car
  await page.goto(`${stack.gw.url}/#board`);
  await page.locator('.new-booking summary').click();
  await page.locator('.new-booking input[name="plate"]').fill(`沪B${stamp}`);
  await page.locator('.new-booking input[name="customer"]').fill('E2E 代步');
  await page.locator('.new-booking input[name="need-loaner"]').check();
  const date0 = await page.locator('input[name="date"]').inputValue();
  let found = false;
  for (let i = 0; i < 4 && !found; i++) {
    if (i > 0) await page.locator('input[name="date"]').fill(new Date(Date.parse(`${date0}T00:00:00Z`) + i * 86400000).toISOString().slice(0, 10));
    await page.locator('.new-booking button', { hasText: 'Recommend times' }).click();
    await page.locator('.new-booking ul.options li').first().waitFor();
    found = (await page.locator('.new-booking ul.options li button').count()) > 0;
  }
  assert.ok(found, 'a time with a loaner car free in the next days');
  await page.locator('.new-booking ul.options li button').first().click();
  const last = page.locator('.new-booking .last-booked');
  await last.locator('.booking-loaner').waitFor();
  const booking = await stack.api('Scheduling', 'GetBooking', { chain: 'demo', booking_id: Number(await last.getAttribute('data-booking')) });
  assert.equal(booking.loaner_need, 'LOANER_NEED_ANY');
  assert.equal(booking.loaner, code, 'the store\'s only car');
  assert.equal(booking.state, 'BOOKING_STATE_CONFIRMED');
  assert.equal((await last.locator('.booking-loaner').textContent()).trim(), booking.loaner);
  await screenshot(page, 'console-30-loaner-booking');

  // the advisor hands the car out and takes it back from the booking panel
  await page.locator(`.gantt-row[data-bay="true"] .booking[data-booking="${booking.id}"]`).click();
  const panel = page.locator(`.booking-panel[data-booking="${booking.id}"]`);
  await panel.locator('.loaner-move[data-phase="LOANER_PHASE_RESERVED"]').waitFor();
  assert.equal((await panel.locator('.booking-loaner').textContent()).trim(), code);
  await panel.locator('input[name="loaner-km"]').fill('2015');
  await panel.locator('input[name="loaner-fuel"]').fill('85');
  await panel.locator('button.hand-out').click();
  await panel.locator('.loaner-move[data-phase="LOANER_PHASE_HANDED_OUT"]').waitFor();
  const out = (await stack.api('Scheduling', 'ListLoaners', { chain: 'demo', store: 'SH01' })).loaners.find((l) => l.code === code);
  assert.deepEqual([out.state, out.out_booking_id, out.out_km, out.out_fuel_pct], ['LOANER_STATE_OUT', booking.id, 2015, 85]);
  await panel.locator('input[name="loaner-km"]').fill('2060');
  await panel.locator('input[name="loaner-fuel"]').fill('60');
  await panel.locator('button.return-loaner').click();
  await panel.locator('.loaner-move[data-phase="LOANER_PHASE_RETURNED"]').waitFor();
  await page.goto(`${stack.gw.url}/#loaners`);
  await page.locator(`tr.loaner[data-code="${code}"]`).click();
  const evs = (await stack.api('Scheduling', 'ListLoanerEvents', { chain: 'demo', store: 'SH01', code })).events;
  assert.deepEqual(evs.map((e) => [e.kind, e.km, e.fuel_pct]), [['LOANER_EVENT_KIND_HAND_OUT', 2015, 85], ['LOANER_EVENT_KIND_RETURN', 2060, 60]]);
  await page.waitForFunction((n) => document.querySelectorAll('.loaner-events tr.loaner-event').length === n, evs.length);
  assert.equal((await page.locator(`tr.loaner[data-code="${code}"] .odometer`).textContent()).trim(), '2060 km');

  // on the phone: "I need a loaner car", and the booking shows the car
  const phone = await openPage(browser, stack, '/m/#book', PHONE);
  await phone.locator('input[name="need-loaner"]').check();
  await phone.locator('button.service[data-service="MAINT"]').click();
  await phone.locator('.slot').first().click();
  await phone.locator('input[name="plate"]').fill(`沪M${stamp}`);
  await phone.locator('button.hold').click();
  await phone.locator('button.confirm').click();
  await phone.locator('.booked .booking-loaner').waitFor();
  const mb = await stack.api('Scheduling', 'GetBooking', { chain: 'demo', booking_id: Number(await phone.locator('.booked').getAttribute('data-booking')) });
  assert.equal(mb.loaner_need, 'LOANER_NEED_ANY');
  assert.equal((await phone.locator('.booked .booking-loaner').textContent()).trim(), mb.loaner);
  await screenshot(phone, 'mobile-30-loaner');
  assert.deepEqual(phone.consoleErrors, []);
  await phone.context().close();

  // KPI: the store's report as the page asked for it equals the API's
  await page.goto(`${stack.gw.url}/#kpi`);
  await page.locator('button.kpi-load').click();
  await page.waitForFunction(() => document.querySelectorAll('.kpi-table tr.kpi-row').length === 14);
  const dayOf = (d) => Math.floor(Date.parse(`${d}T00:00:00Z`) / 86400000);
  const rep = await stack.api('Admin', 'GetKpiReport', { chain: 'demo', store: 'SH01', from_day: dayOf(await page.locator('input[name="kpi-from"]').inputValue()),
    to_day: dayOf(await page.locator('input[name="kpi-to"]').inputValue()), granularity: 'KPI_GRANULARITY_DAY' });
  const rows = await page.locator('.kpi-table tr.kpi-row').evaluateAll((els) => els.map((e) => ({
    name: e.dataset.kpi, num: Number(e.dataset.num), den: Number(e.dataset.den), value: Number(e.dataset.value), met: e.dataset.met, cls: e.className,
    text: e.querySelector('.kpi-value').textContent, metText: e.querySelector('.kpi-met').textContent })));
  assert.deepEqual(rows.map((r) => [r.name, r.num, r.den, r.value, r.met]), rep.kpis.map((k) => [k.name, k.numerator, k.denominator, k.value, String(k.met)]));
  for (const [i, k] of rep.kpis.entries()) {
    // met as the engine says (green / red); nothing measured: "no data"
    if (k.has_target && k.denominator) assert.equal(rows[i].metText, k.met ? 'met' : 'not met', k.name);
    if (k.has_target && k.denominator) assert.match(rows[i].cls, k.met ? /(^| )met( |$)/ : /(^| )not-met( |$)/);
    if (k.has_target && !k.denominator) assert.equal(rows[i].metText, 'no data', k.name);
    if (k.denominator && !['booking_response', 'repair_time', 'stock_turnover'].includes(k.name)) assert.equal(rows[i].text, `${(k.value * 100).toFixed(1)}%`, k.name);
  }
  assert.ok(rep.kpis.some((k) => k.denominator > 0), 'something was measured today');
  const oc = rep.kpis.find((k) => k.name === 'order_completion');
  const chart = page.locator('[data-chart="kpi-order_completion"]');
  await chart.locator('canvas').waitFor();
  assert.deepEqual(JSON.parse(await chart.getAttribute('data-values')), oc.points.map((p) => +(p.value * 100).toFixed(2)));
  assert.equal(await page.locator('.kpi-charts canvas').count(), 14);
  assert.equal(await page.locator('.kpi-services tr.kpi-service').count(), rep.services.length);
  await page.waitForTimeout(200);
  await screenshot(page, 'console-31-kpi');

  // a supplier claim: a repair with a part delivered, the car back with the same part
  const VIN = `LSVBRSC000000${stamp.slice(-4)}`;
  await stack.api('Inventory', 'Receive', { chain: 'demo', warehouse: 'WH-SH01', part_no: 'CF-300', qty: 2, actor: 'clerk', supplier: 'SUP-BOSCH', unit_cost_fen: 2100 });
  const vehicle = (km) => ({ plate: `沪C${stamp}`, vin: VIN, model: 'Lavida', mileage_km: km });
  const first = await stack.api('WorkOrders', 'CreateWorkOrder', { chain: 'demo', store: 'SH01', advisor: 'e2e', vehicle: vehicle(20000), items: [{ kind: 'ITEM_KIND_PART', part_no: 'CF-300', qty: 1 }] });
  await stack.api('WorkOrders', 'StartRepair', { chain: 'demo', id: first.id, actor: 'e2e' });
  await stack.api('WorkOrders', 'CompleteItem', { chain: 'demo', id: first.id, item_no: 1, actor: 'e2e' });
  await stack.api('WorkOrders', 'RequestQc', { chain: 'demo', id: first.id, actor: 'e2e' });
  await stack.api('WorkOrders', 'RecordQc', { chain: 'demo', id: first.id, passed: true, inspector: 'qc' });
  await stack.api('WorkOrders', 'Deliver', { chain: 'demo', id: first.id, actor: 'e2e' });
  const second = await stack.api('WorkOrders', 'CreateWorkOrder', { chain: 'demo', store: 'SH01', advisor: 'e2e', vehicle: vehicle(20500), items: [{ kind: 'ITEM_KIND_PART', part_no: 'CF-300', qty: 1 }] });
  const claim = (await stack.api('WorkOrders', 'ListSupplierClaims', { chain: 'demo' })).claims.find((x) => x.work_order_id === second.id);
  assert.ok(claim, 'the engine made a supplier claim');

  // the work order shows the item's coverage and the customer's price vs the list price
  await page.goto(`${stack.gw.url}/#orders/${second.id}`);
  const item = page.locator(`section.workorder[data-wo="${second.id}"] tr.item[data-item="1"]`);
  await item.locator('.warranty-badge').waitFor();
  assert.equal(await item.locator('.warranty-badge').getAttribute('data-warranty'), 'REPAIR');
  assert.equal(Number(await item.locator('.warranty-badge').getAttribute('data-source')), first.id);
  assert.equal(Number(await item.locator('td.price').getAttribute('data-customer')), second.items[0].customer_fen);
  assert.equal(Number(await item.locator('td.price').getAttribute('data-list')), second.items[0].unit_price_fen);

  // reception's preview before a third visit: the part would be covered again
  await page.goto(`${stack.gw.url}/#orders`);
  await page.locator('.new-wo summary').click();
  await page.locator('input[name="wo-vin"]').fill(VIN);
  await page.locator('input[name="wo-mileage"]').fill('20600');
  await page.locator('input[name="wo-service"]').fill('');
  await page.locator('input[name="wo-part"]').fill('CF-300');
  await page.locator('button.check-warranty').click();
  await page.locator('.warranty-preview tr.preview-item').first().waitFor();
  const pv = await stack.api('WorkOrders', 'CheckWarranty', { chain: 'demo', store: 'SH01', vin: VIN, mileage_km: 20600, items: [{ kind: 'ITEM_KIND_PART', part_no: 'CF-300', qty: 1, warranty_claim: false }] });
  assert.deepEqual(await page.locator('.warranty-preview tr.preview-item').evaluateAll((els) => els.map((e) => e.dataset.warranty)), pv.items.map((i) => i.warranty));
  assert.equal(pv.items[0].warranty, 'WARRANTY_COVERAGE_REPAIR');
  assert.equal(Number(await page.locator('.preview-customer').getAttribute('data-fen')), pv.customer_fen);
  assert.equal(Number(await page.locator('.preview-warranty').getAttribute('data-fen')), pv.warranty_fen);

  await page.goto(`${stack.gw.url}/#orders/supplier-claims`);
  await page.locator('select[name="sc-supplier"] option[value="SUP-BOSCH"]').waitFor({ state: 'attached' });
  await page.locator('select[name="sc-supplier"]').selectOption(claim.supplier);
  await page.locator('select[name="sc-state"]').selectOption('OPEN');
  await page.locator('button.sc-find').click();
  const sc = page.locator(`tr.sc[data-claim="${claim.id}"]`);
  await sc.waitFor();
  assert.equal((await sc.locator('.amount').textContent()).trim(), `¥${(claim.amount_fen / 100).toFixed(2)}`);
  await page.locator('input[name="sc-note"]').fill('batch recalled');
  await sc.locator('button.sc-accept').click();
  await sc.waitFor({ state: 'detached' }); // no longer open
  await page.locator('select[name="sc-state"]').selectOption('ACCEPTED');
  await page.locator('button.sc-find').click();
  await page.locator(`tr.sc[data-claim="${claim.id}"][data-state="SUPPLIER_CLAIM_STATE_ACCEPTED"]`).waitFor();
  const decided = (await stack.api('WorkOrders', 'ListSupplierClaims', { chain: 'demo', supplier: claim.supplier })).claims.find((x) => x.id === claim.id);
  assert.deepEqual([decided.state, decided.decided_by, decided.note], ['SUPPLIER_CLAIM_STATE_ACCEPTED', 'e2e', 'batch recalled']);
  await screenshot(page, 'console-32-supplier-claims');
  assert.deepEqual(page.consoleErrors, []);
  assert.equal(await page.locator('.error-banner').count(), 0);
  await page.context().close();
});
