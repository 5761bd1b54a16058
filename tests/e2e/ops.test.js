// Operating pitlaned (issue #24): the Prometheus page on --metrics and the
// structured log.
//   - a scrape parses (`promtool check metrics` when Debian's prometheus
//     is installed, and always by the parser here) and shows every listed
//     series; under load the call counters, latency histograms, group
//     commits and fsync histogram move; a key over its rate moves
//     pitlane_rate_limited_total;
//   - the cost of scraping: throughput of the same load with and without
//     a scrape every 100 ms (150x Prometheus' default rate), same run;
//   - the log (stderr, --log-level debug: every request) is JSON lines with
//     request_id, tenant, method, status and latency, has start and stop,
//     and never carries the API keys or the phone numbers the test used.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');
const { spawnSync } = require('node:child_process');
const { startServer, clients, call, closeAll } = require('./lib');

function scrape(url) {
  return new Promise((resolve, reject) => {
    http.get(url, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { body += d; });
      res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`HTTP ${res.statusCode}`))));
    }).on('error', reject);
  });
}

// Text exposition -> Map of 'name{labels}' -> value; checks every sample
// line's shape and that each family has a TYPE.
function parse(page) {
  const samples = new Map();
  const typed = new Set();
  for (const line of page.split('\n')) {
    if (line === '') continue;
    const t = /^# TYPE (\w+) (counter|gauge|histogram)$/.exec(line);
    if (t) { typed.add(t[1]); continue; }
    if (line.startsWith('# HELP ')) continue;
    const m = /^(\w+)(\{[^}]*\})? (\S+)$/.exec(line);
    assert.ok(m, `bad line: ${line}`);
    const fam = m[1].replace(/_(bucket|sum|count)$/, '');
    assert.ok(typed.has(m[1]) || typed.has(fam), `no TYPE for ${m[1]}`);
    assert.ok(!Number.isNaN(Number(m[3])), `bad value: ${line}`);
    samples.set(m[1] + (m[2] || ''), Number(m[3]));
  }
  return samples;
}

function promtool(page) {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: page, encoding: 'utf8' });
  if (r.error && r.error.code === 'ENOENT') return null;
  return r;
}

const PHONES = ['13911112222', '13933334444'];

async function load(c, ms, uid) {
  let n = 0;
  const stopAt = Date.now() + ms;
  const one = async (w) => {
    for (let i = 0; Date.now() < stopAt; i++) {
      await call(c.inventory, 'Receive', { chain: 'demo', warehouse: 'DC-EAST', part_no: 'OF-1001', qty: 1, actor: 'ops', unit_cost_fen: 100, idempotency_key: `ops-${uid}-${w}-${i}` });
      await call(c.inventory, 'GetStock', { chain: 'demo', part_no: 'OF-1001' });
      n += 2;
    }
  };
  await Promise.all([0, 1, 2, 3].map(one));
  return n;
}

test('metrics: a Prometheus page whose series move under load; logs: JSON, no secrets', { timeout: 120000 }, async () => {
  const srv = await startServer({ args: ['--metrics', '127.0.0.1:0', '--log-level', 'debug'] });
  let url = null;
  for (let i = 0; i < 100 && !url; i++) {
    const m = /metrics on (http:\/\/[\d.]+:\d+\/metrics)/.exec(srv.stdout);
    if (m) url = m[1];
    else await new Promise((r) => setTimeout(r, 50));
  }
  assert.ok(url, `no metrics address in: ${srv.stdout}`);
  let stderr = '';
  srv.proc.stderr.on('data', (d) => { stderr += d; });
  const c = clients(srv.addr);
  const tokens = [srv.key];
  try {
    const before = parse(await scrape(url));
    // a customer with a phone, a bad phone echoed in an error, a miss
    await call(c.customers, 'PutCustomer', { chain: 'demo', customer: { name: 'Ops Test', phone: PHONES[0] }, idempotency_key: 'ops-cu-1' });
    await assert.rejects(call(c.customers, 'PutCustomer', { chain: 'demo', customer: { name: 'Ops Bad', phone: `x${PHONES[1]}x` } }));
    await assert.rejects(call(c.sched, 'GetBooking', { chain: 'demo', booking_id: 999999999 }));
    // a key over its rate
    const limited = await call(c.admin, 'CreateApiKey', { key: { tenant_kind: 'TENANT_KIND_CHAIN', tenant: 'demo', chains: ['demo'], roles: ['ROLE_VIEWER'], rate_per_s: 1, burst: 1 } });
    tokens.push(limited.token);
    const lc = clients(srv.addr, { key: limited.token });
    const got = await Promise.allSettled(Array.from({ length: 6 }, () => call(lc.inventory, 'GetStock', { chain: 'demo', part_no: 'OF-1001' })));
    closeAll(lc);
    assert.ok(got.some((g) => g.status === 'rejected' && g.reason.code === 8), 'the limited key was refused');

    // throughput without and with scraping, same run
    const plain = await load(c, 2000, 'a');
    let scrapes = 0;
    let scraping = true;
    const scraper = (async () => {
      while (scraping) { await scrape(url); scrapes++; await new Promise((r) => setTimeout(r, 100)); }
    })();
    const withScrapes = await load(c, 2000, 'b');
    scraping = false;
    await scraper;
    const cost = (1 - withScrapes / plain) * 100;
    console.log(`# throughput: ${plain} calls/2 s without scrapes, ${withScrapes} with ${scrapes} scrapes (${cost.toFixed(1)} % less)`);
    assert.ok(withScrapes > plain * 0.7, 'scraping every 100 ms does not cut throughput by 30 %');

    const page = await scrape(url);
    const pt = promtool(page);
    if (pt) assert.equal(pt.status, 0, `promtool: ${pt.stdout}${pt.stderr}`);
    else console.log('# promtool not installed: parsed here only');
    const after = parse(page);
    const v = (m, k) => m.get(k) || 0;
    const recv = '{method="/pitlane.v1.Inventory/Receive",code="OK"}';
    assert.ok(v(after, `pitlane_rpc_calls_total${recv}`) > v(before, `pitlane_rpc_calls_total${recv}`) + 100, 'Receive OK calls moved');
    assert.ok(v(after, 'pitlane_rpc_calls_total{method="/pitlane.v1.Scheduling/GetBooking",code="NOT_FOUND"}') >= 1, 'errors counted by status');
    assert.ok(v(after, 'pitlane_rpc_latency_seconds_count{method="/pitlane.v1.Inventory/Receive"}') > 100, 'latency histogram');
    assert.ok(v(after, 'pitlane_rpc_latency_seconds_bucket{method="/pitlane.v1.Inventory/Receive",le="+Inf"}') ===
      v(after, 'pitlane_rpc_latency_seconds_count{method="/pitlane.v1.Inventory/Receive"}'));
    assert.ok(v(after, 'pitlane_commit_groups_total') > v(before, 'pitlane_commit_groups_total'), 'group commits moved');
    assert.ok(v(after, 'pitlane_commit_items_total') >= v(after, 'pitlane_commit_groups_total'));
    assert.ok(v(after, 'pitlane_commit_fsync_seconds_count') > v(before, 'pitlane_commit_fsync_seconds_count'), 'fsync histogram moved');
    assert.ok(v(after, 'pitlane_commit_fsync_seconds_sum') > 0);
    assert.ok(v(after, 'pitlane_rate_limited_total') > v(before, 'pitlane_rate_limited_total'), 'rate limiting counted');
    assert.ok(v(after, 'pitlane_metrics_scrapes_total') >= scrapes);
    for (const k of ['pitlane_commit_queue_depth', 'pitlane_commit_last_group_size', 'pitlane_rocksdb_memtable_bytes', 'pitlane_rocksdb_pending_compaction_bytes',
      'pitlane_rocksdb_write_stopped', 'pitlane_rocksdb_delayed_write_rate_bytes', 'pitlane_open_streams', 'pitlane_engine_failed', 'pitlane_engine_chains',
      'pitlane_cluster_info{mode="single",node=""}']) {
      assert.ok(after.has(k), `series ${k}`);
    }
    assert.ok(v(after, 'pitlane_rocksdb_memtable_bytes') > 0);
    assert.equal(v(after, 'pitlane_engine_chains'), 1);
  } finally {
    closeAll(c);
    await srv.stop();
  }
  // the log
  const lines = stderr.split('\n').filter((l) => l.startsWith('{'));
  const events = lines.map((l) => JSON.parse(l));
  const reqs = events.filter((e) => e.event === 'request' || e.event === 'slow_request');
  assert.ok(reqs.length > 100, `request lines: ${reqs.length}`);
  for (const e of reqs) {
    for (const k of ['ts', 'level', 'request_id', 'tenant_kind', 'tenant', 'method', 'status', 'latency_ms']) assert.ok(k in e, `${k} in ${JSON.stringify(e)}`);
  }
  assert.ok(reqs.some((e) => e.method === '/pitlane.v1.Customers/PutCustomer' && e.status === 'INVALID_ARGUMENT' && e.level === 'warn'), 'an error is logged');
  assert.ok(events.some((e) => e.event === 'stop'), 'the stop is logged');
  const all = stderr + srv.stdout;
  for (const t of tokens) assert.ok(!all.includes(t), 'an API key appears in the logs');
  for (const p of PHONES) assert.ok(!all.includes(p), `phone ${p} appears in the logs`);
});
