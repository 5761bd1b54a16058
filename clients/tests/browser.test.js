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
