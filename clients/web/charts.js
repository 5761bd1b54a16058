// Manager charts (Chart.js): technician utilisation and bay occupancy
// (DayBoard, per row and over a week), stock turnover over 90 days
// (movements out / on hand now), booking response times (hold → confirm
// of confirmed bookings, and this console's own call round trips).
// Only arithmetic for display; the figures come from the engine.
import { call, dayStartMin, localDate, timings } from '../shared/api.js';
import { html, useLoad, useStores } from '../shared/ui.js';
import { ChartBox } from '../shared/chart.js';

const OUT = ['MOVEMENT_KIND_ISSUE', 'MOVEMENT_KIND_SALE', 'MOVEMENT_KIND_TRANSFER_OUT', 'MOVEMENT_KIND_RETURN_SUPPLIER'];
const addDays = (date, n) => new Date(Date.parse(`${date}T00:00:00Z`) + n * 86400000).toISOString().slice(0, 10);
const avg = (xs) => (xs.length ? Math.round(xs.reduce((a, b) => a + b, 0) / xs.length) : 0);

export function Charts({ s }) {
  const stores = useStores(s.chain);
  const off = stores.find((x) => x.code === s.store)?.utc_offset_min ?? 480;
  const today = localDate(off);
  const [week] = useLoad(() => Promise.all(Array.from({ length: 7 }, (_, i) => call('Scheduling', 'DayBoard', { chain: s.chain, store: s.store, date: addDays(today, i) }))), [s.chain, s.store, today]);
  const [turn] = useLoad(async () => {
    const from = Date.now() - 90 * 86400000;
    const out = {};
    let cursor = 0;
    for (let page = 0; page < 20; page++) {
      const r = await call('Inventory', 'ListMovements', { chain: s.chain, from_ms: from, cursor, limit: 500 });
      for (const m of r.movements) {
        out[m.part_no] ??= 0;
        if (OUT.includes(m.kind)) out[m.part_no] += -m.qty;
      }
      if (!r.next_cursor) break;
      cursor = r.next_cursor;
    }
    const parts = Object.keys(out).sort();
    const stock = await Promise.all(parts.map((p) => call('Inventory', 'GetStock', { chain: s.chain, part_no: p })));
    return parts.map((p, i) => ({ part: p, out: out[p], onHand: stock[i].total?.on_hand || 0 }));
  }, [s.chain]);

  const board = week?.[0];
  const techs = (board?.rows || []).filter((r) => !r.is_bay);
  const bays = (board?.rows || []).filter((r) => r.is_bay);
  const confirmed = (week || []).flatMap((b) => b.bookings).filter((b) => b.state === 'BOOKING_STATE_CONFIRMED');
  const resp = confirmed.map((b) => Math.max(0, (b.updated_ms - b.created_ms) / 1000));
  const buckets = ['< 10 s', '10–60 s', '1–5 min', '5–10 min', '> 10 min'];
  const counts = [0, 0, 0, 0, 0];
  for (const r of resp) counts[r < 10 ? 0 : r < 60 ? 1 : r < 300 ? 2 : r < 600 ? 3 : 4]++;
  const byMethod = {};
  for (const t of timings) (byMethod[t.method] ??= []).push(t.ms);
  const methods = Object.keys(byMethod).sort();

  return html`<section class="charts">
    <h2>Manager charts ${s.store}</h2>
    <div class="grid2">
      <div class="card"><${ChartBox} name="tech-utilisation" type="bar" data=${{
        labels: techs.map((r) => r.code), datasets: [{ label: `technician utilisation % ${board?.date || ''}`, data: techs.map((r) => r.utilisation_pct), backgroundColor: '#1c7ed6' }],
      }} options=${{ scales: { y: { min: 0, max: 100 } } }} /></div>
      <div class="card"><${ChartBox} name="bay-occupancy" type="bar" data=${{
        labels: bays.map((r) => r.code), datasets: [{ label: `bay occupancy % ${board?.date || ''}`, data: bays.map((r) => r.utilisation_pct), backgroundColor: '#37b24d' }],
      }} options=${{ scales: { y: { min: 0, max: 100 } } }} /></div>
      <div class="card"><${ChartBox} name="week" type="line" data=${{
        labels: (week || []).map((b) => b.date),
        datasets: [
          { label: 'avg technician utilisation %', data: (week || []).map((b) => avg(b.rows.filter((r) => !r.is_bay).map((r) => r.utilisation_pct))), borderColor: '#1c7ed6' },
          { label: 'avg bay occupancy %', data: (week || []).map((b) => avg(b.rows.filter((r) => r.is_bay).map((r) => r.utilisation_pct))), borderColor: '#37b24d' },
        ],
      }} options=${{ scales: { y: { min: 0, max: 100 } } }} /></div>
      <div class="card"><${ChartBox} name="turnover" type="bar" data=${{
        labels: (turn || []).map((t) => t.part),
        datasets: [{ label: 'stock turnover, 90 days (units out / on hand now)', data: (turn || []).map((t) => (t.onHand ? +(t.out / t.onHand).toFixed(2) : 0)), backgroundColor: '#f59f00' }],
      }} /></div>
      <div class="card"><${ChartBox} name="booking-response" type="bar" data=${{
        labels: buckets, datasets: [{ label: `hold → confirm time, ${confirmed.length} confirmed bookings this week`, data: counts, backgroundColor: '#ae3ec9' }],
      }} /></div>
      <div class="card"><${ChartBox} name="api-latency" type="bar" data=${{
        labels: methods, datasets: [{ label: 'this console: median round trip (ms)', data: methods.map((m) => { const a = byMethod[m].slice().sort((x, y) => x - y); return +a[a.length >> 1].toFixed(1); }), backgroundColor: '#868e96' }],
      }} options=${{ indexAxis: 'y' }} height=${320} /></div>
    </div>
  </section>`;
}
