// KPI reports (managers): Admin/GetKpiReport for the chain, a store, an
// advisor or a technician of a store, over local days from..to, by day,
// week or month. The table shows each KPI's numerator, denominator, value,
// target and whether it is met (the engine's `met`); a Chart.js line chart
// per KPI draws its series; then the repair time by labour service.
// Definitions: docs/kpi.md. Only formatting here.
import { useState } from 'preact/hooks';
import { call, localDate, offsetOf } from '../shared/api.js';
import { html, useAction, useLoad, useStores } from '../shared/ui.js';
import { ChartBox } from '../shared/chart.js';

const MINUTES = new Set(['booking_response', 'repair_time']);
const TURNS = new Set(['stock_turnover']); // value issued / mean stock value: a ratio, not a percentage
const dayOf = (date) => Math.floor(Date.parse(`${date}T00:00:00Z`) / 86400000);
const dateOf = (day) => new Date(day * 86400000).toISOString().slice(0, 10);
const addDays = (date, n) => dateOf(dayOf(date) + n);

// A KPI's value as people read it: minutes, or a ratio as a percentage.
export function kpiText(name, v) {
  if (MINUTES.has(name)) return `${Number(v).toFixed(1)} min`;
  if (TURNS.has(name)) return `${Number(v).toFixed(2)}×`;
  return `${(Number(v) * 100).toFixed(1)}%`;
}
const chartValue = (name, v) => (MINUTES.has(name) || TURNS.has(name) ? +Number(v).toFixed(2) : +(Number(v) * 100).toFixed(2));
const unit = (name) => (MINUTES.has(name) ? '(min)' : TURNS.has(name) ? '(×)' : '(%)');

export function Kpi({ s }) {
  const act = useAction();
  const stores = useStores(s.chain);
  const today = localDate(offsetOf(stores, s.store));
  const [f, setF] = useState({ scope: 'store', store: s.store, advisor: s.actor || '', technician: '', from: addDays(today, -6), to: today, granularity: 'KPI_GRANULARITY_DAY' });
  const set = (k) => (e) => setF({ ...f, [k]: e.target.value });
  const [res] = useLoad(() => (f.scope === 'technician' && f.store ? call('Admin', 'ListResources', { chain: s.chain, store: f.store }) : Promise.resolve(null)), [s.chain, f.scope, f.store]);
  const [rep, setRep] = useState(null);
  const load = () => act(async () => {
    const req = { chain: s.chain, from_day: dayOf(f.from), to_day: dayOf(f.to), granularity: f.granularity };
    if (f.scope === 'store' || f.scope === 'technician') req.store = f.store;
    if (f.scope === 'technician') req.technician = f.technician;
    if (f.scope === 'advisor') req.advisor = f.advisor.trim();
    setRep(await call('Admin', 'GetKpiReport', req));
  });
  return html`<section class="kpi">
    <h2>KPI report</h2>
    <div class="card row kpi-query">
      <label>Scope <select name="kpi-scope" value=${f.scope} onChange=${set('scope')}>
        <option value="chain">chain ${s.chain}</option><option value="store">store</option>
        <option value="advisor">advisor</option><option value="technician">technician</option></select></label>
      ${f.scope === 'store' || f.scope === 'technician' ? html`<label>Store <select name="kpi-store" value=${f.store} onChange=${set('store')}>
        ${stores.map((x) => html`<option value=${x.code}>${x.code} — ${x.name}</option>`)}</select></label>` : null}
      ${f.scope === 'technician' ? html`<label>Technician <select name="kpi-technician" value=${f.technician} onChange=${set('technician')}>
        <option value="">pick one</option>
        ${(res?.technicians || []).map((t) => html`<option value=${t.code}>${t.code} ${t.name}</option>`)}</select></label>` : null}
      ${f.scope === 'advisor' ? html`<label>Advisor <input name="kpi-advisor" value=${f.advisor} onInput=${set('advisor')} /></label>` : null}
      <label>From <input type="date" name="kpi-from" value=${f.from} onChange=${set('from')} /></label>
      <label>To <input type="date" name="kpi-to" value=${f.to} onChange=${set('to')} /></label>
      <label>By <select name="kpi-granularity" value=${f.granularity} onChange=${set('granularity')}>
        <option value="KPI_GRANULARITY_DAY">day</option><option value="KPI_GRANULARITY_WEEK">week</option><option value="KPI_GRANULARITY_MONTH">month</option></select></label>
      <button class="primary kpi-load" onClick=${load}>Show</button>
    </div>
    ${rep ? html`<div class="kpi-report" data-from=${rep.from_day} data-to=${rep.to_day}>
      <p class="muted">${dateOf(rep.from_day)} … ${dateOf(rep.to_day)}, by ${rep.granularity.replace('KPI_GRANULARITY_', '').toLowerCase()}</p>
      <table class="list kpi-table"><thead><tr><th>KPI</th><th>numerator</th><th>denominator</th><th>value</th><th>target</th><th>met</th></tr></thead>
        <tbody>${rep.kpis.map((k) => html`<tr class=${`kpi-row ${k.has_target && Number(k.denominator) ? (k.met ? 'met' : 'not-met') : ''}`} data-kpi=${k.name}
          data-num=${k.numerator} data-den=${k.denominator} data-value=${k.value} data-met=${String(k.met)}>
          <td>${k.name.replaceAll('_', ' ')}</td><td>${k.numerator}</td><td>${k.denominator}</td>
          <td class="kpi-value">${Number(k.denominator) ? kpiText(k.name, k.value) : '—'}</td>
          <td class="kpi-target">${k.has_target ? `${k.higher_is_better ? '≥' : '≤'} ${kpiText(k.name, k.target)}` : '—'}</td>
          <td class="kpi-met">${!k.has_target ? '—' : !Number(k.denominator) ? html`<span class="muted">no data</span>`
            : k.met ? html`<span class="ok">met</span>` : html`<span class="bad">not met</span>`}</td></tr>`)}</tbody></table>
      <div class="grid2 kpi-charts">${rep.kpis.map((k) => html`<div class="card"><${ChartBox} name=${`kpi-${k.name}`} type="line" height=${200}
        values=${k.points.map((p) => chartValue(k.name, p.value))}
        data=${{
          labels: k.points.map((p) => dateOf(p.day)),
          datasets: [
            { label: `${k.name.replaceAll('_', ' ')} ${unit(k.name)}`, data: k.points.map((p) => chartValue(k.name, p.value)), borderColor: '#1c7ed6' },
            ...(k.has_target ? [{ label: 'target', data: k.points.map(() => chartValue(k.name, k.target)), borderColor: '#e03131', borderDash: [4, 4], pointRadius: 0 }] : []),
          ],
        }} /></div>`)}</div>
      <h3>Repair time by service</h3>
      <table class="list kpi-services"><thead><tr><th>service</th><th>orders</th><th>minutes</th><th>mean</th></tr></thead>
        <tbody>${rep.services.length === 0 ? html`<tr><td colspan="4" class="muted">None.</td></tr>` : null}
        ${rep.services.map((x) => html`<tr class="kpi-service" data-service=${x.service} data-orders=${x.orders} data-minutes=${x.minutes}>
          <td>${x.service}</td><td>${x.orders}</td><td>${x.minutes}</td><td>${Number(x.orders) ? (Number(x.minutes) / Number(x.orders)).toFixed(1) : '—'} min</td></tr>`)}</tbody></table>
    </div>` : null}
  </section>`;
}
