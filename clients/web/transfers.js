// Transfers: quote a transfer for a shortage, create it, follow it (ship,
// receive); a chain-wide rebalance plan as a table and as a map-like
// chart of the lanes (Chart.js scatter, warehouses at their stores'
// coordinates).
import { useState } from 'preact/hooks';
import { call, yuan } from '../shared/api.js';
import { html, useAction, useLoad, StateChip } from '../shared/ui.js';
import { ChartBox } from '../shared/chart.js';

const mins = (m) => (m >= 60 ? `${Math.floor(m / 60)} h ${m % 60 ? `${m % 60} min` : ''}` : `${m} min`);

function Quote({ s, warehouses, prefill, onCreated }) {
  const act = useAction();
  const [f, setF] = useState({ part_no: 'OF-1001', qty: 5, destination: 'WH-SH02', ...(prefill || {}) });
  const [plans, setPlans] = useState(null);
  const set = (k) => (e) => setF({ ...f, [k]: e.target.value });
  const quote = () => act(async () => {
    const r = await call('Transfers', 'QuoteTransfer', { chain: s.chain, part_no: f.part_no, qty: Number(f.qty), destination: f.destination, max_plans: 5 });
    setPlans(r.plans);
  });
  const create = (leg) => act(async () => {
    await call('Transfers', 'CreateTransfer', { chain: s.chain, part_no: f.part_no, qty: leg.qty, from: leg.source, to: f.destination, actor: s.actor || 'planner' });
    onCreated();
  });
  return html`<div class="card quote">
    <h3>Quote a transfer</h3>
    <div class="row">
      <input name="q-part" placeholder="part no" value=${f.part_no} onInput=${set('part_no')} />
      <label>qty <input name="q-qty" type="number" min="1" value=${f.qty} onInput=${set('qty')} /></label>
      <label>to <select name="q-dest" value=${f.destination} onChange=${set('destination')}>${warehouses.map((w) => html`<option value=${w.code}>${w.code}</option>`)}</select></label>
      <button class="primary quote-btn" onClick=${quote}>Quote</button>
    </div>
    ${plans ? html`<table class="list plans"><thead><tr><th>plan</th><th>legs</th><th>qty</th><th>cost</th><th>arrives</th><th></th></tr></thead>
      <tbody>${plans.length === 0 ? html`<tr><td colspan="6">No plan.</td></tr>` : null}
      ${plans.map((p, i) => html`<tr class="plan">
        <td>${i + 1}${p.split ? ' (split)' : ''}${p.late ? html` <span class="warn">late</span>` : null}</td>
        <td>${p.legs.map((l) => html`<div>${l.qty} from <b>${l.source}</b> via ${l.path.join(' → ')} · ${yuan(l.cost_fen)} · ${mins(l.lead_min)}</div>`)}</td>
        <td>${p.qty}</td><td>${yuan(p.cost_fen)}</td><td>${p.arrival_ms ? new Date(p.arrival_ms).toLocaleString() : ''}</td>
        <td>${p.legs.map((l) => html`<button onClick=${() => create(l)}>Create ${l.source}</button>`)}</td></tr>`)}</tbody></table>` : null}
  </div>`;
}

function TransferDetail({ s, id, onClose }) {
  const [t] = useLoad(() => call('Transfers', 'GetTransfer', { chain: s.chain, transfer_id: id }), [s.chain, id]);
  if (!t) return null;
  const at = (ms) => (ms ? new Date(ms).toLocaleString() : '—');
  return html`<div class="card transfer-detail" data-transfer=${t.id}><button class="close" onClick=${onClose}>×</button>
    <h4>Transfer #${t.id}: ${t.qty} × ${t.part_no} <${StateChip} state=${t.state} prefix="TRANSFER_STATE_" /></h4>
    <p>${t.path.join(' → ')} · ${yuan(t.cost_fen)} · ${mins(t.lead_min)} · by ${t.actor}</p>
    <p>created ${at(t.created_ms)} · shipped ${at(t.shipped_ms)} · received ${at(t.received_ms)}</p>
    ${t.lots.length ? html`<p>lots: ${t.lots.map((l) => `#${l.lot} × ${l.qty} @${yuan(l.unit_cost_fen)}`).join(', ')}</p>` : null}</div>`;
}

function Lanes({ s, warehouses, lanes, reload }) {
  const act = useAction();
  const [f, setF] = useState({ from: '', to: '', fixed: '', unit: '', lead: 60, capacity: 0 });
  const set = (k) => (e) => setF({ ...f, [k]: e.target.value });
  const edit = (l) => setF({ from: l.from, to: l.to, fixed: l.fixed_fen / 100, unit: l.unit_fen / 100, lead: l.lead_min, capacity: l.capacity });
  const opts = warehouses.map((w) => html`<option value=${w.code}>${w.code}</option>`);
  return html`<details class="card lanes"><summary>Lanes (${lanes.length})</summary>
    <table class="list"><thead><tr><th>from</th><th>to</th><th>per shipment</th><th>per unit</th><th>lead</th><th>capacity</th><th></th></tr></thead>
      <tbody>${lanes.map((l) => html`<tr class="lane" data-from=${l.from} data-to=${l.to}><td>${l.from}</td><td>${l.to}</td><td>${yuan(l.fixed_fen)}</td><td>${yuan(l.unit_fen)}</td>
        <td>${mins(l.lead_min)}</td><td>${l.capacity || 'unlimited'}</td>
        <td><button onClick=${() => edit(l)}>Edit</button><button class="danger" onClick=${() => act(async () => {
          await call('Transfers', 'DeleteLane', { chain: s.chain, from: l.from, to: l.to });
          reload();
        })}>Delete</button></td></tr>`)}</tbody></table>
    <div class="row"><select name="ln-from" value=${f.from} onChange=${set('from')}><option value="">from…</option>${opts}</select>
      <select name="ln-to" value=${f.to} onChange=${set('to')}><option value="">to…</option>${opts}</select>
      <label>¥/shipment <input name="ln-fixed" type="number" step="0.01" value=${f.fixed} onInput=${set('fixed')} /></label>
      <label>¥/unit <input name="ln-unit" type="number" step="0.01" value=${f.unit} onInput=${set('unit')} /></label>
      <label>lead min <input name="ln-lead" type="number" value=${f.lead} onInput=${set('lead')} /></label>
      <label>capacity <input name="ln-cap" type="number" value=${f.capacity} onInput=${set('capacity')} /></label>
      <button onClick=${() => act(async () => {
        await call('Transfers', 'SetLane', { lane: { chain: s.chain, from: f.from, to: f.to, fixed_fen: Math.round(Number(f.fixed || 0) * 100),
          unit_fen: Math.round(Number(f.unit || 0) * 100), lead_min: Number(f.lead), capacity: Number(f.capacity || 0) } });
        reload();
      })}>Save lane</button></div></details>`;
}

function TransferList({ s, list, reload }) {
  const act = useAction();
  const [open, setOpen] = useState(null);
  const step = (m, t) => act(async () => { await call('Transfers', m, { chain: s.chain, transfer_id: t.id, actor: s.actor || 'planner' }); reload(); });
  return html`<div class="card transfers-list"><h3>Transfers <button onClick=${reload}>Refresh</button></h3>
    <table class="list"><thead><tr><th>#</th><th>part</th><th>qty</th><th>from → to</th><th>cost</th><th>lead</th><th>state</th><th></th></tr></thead>
    <tbody>${(list?.transfers || []).slice().reverse().map((t) => html`<tr class="clickable" data-transfer=${t.id} onClick=${(e) => { if (e.target.tagName !== 'BUTTON') setOpen(t.id); }}>
      <td>${t.id}</td><td>${t.part_no}</td><td>${t.qty}</td><td>${t.path.join(' → ')}</td><td>${yuan(t.cost_fen)}</td><td>${mins(t.lead_min)}</td>
      <td><${StateChip} state=${t.state} prefix="TRANSFER_STATE_" /></td>
      <td>${t.state === 'TRANSFER_STATE_PLANNED' ? html`<button onClick=${() => step('Ship', t)}>Ship</button><button onClick=${() => step('Cancel', t)}>Cancel</button>` : null}
        ${t.state === 'TRANSFER_STATE_SHIPPED' ? html`<button onClick=${() => step('Receive', t)}>Receive</button>` : null}</td></tr>`)}</tbody></table>
    ${open ? html`<${TransferDetail} key=${`${open}-${list?.transfers?.length}`} s=${s} id=${open} onClose=${() => setOpen(null)} />` : null}</div>`;
}

// Warehouse positions: a store's warehouse at the store; a distribution
// centre (no store) beside the stores' centre, so the map stays readable.
function positions(warehouses, stores) {
  const at = {};
  const st = Object.fromEntries(stores.map((x) => [x.code, x]));
  const pts = stores.map((x) => [x.lng_e6 / 1e6, x.lat_e6 / 1e6]);
  const cx = pts.reduce((a, p) => a + p[0], 0) / (pts.length || 1);
  const cy = pts.reduce((a, p) => a + p[1], 0) / (pts.length || 1);
  let k = 0;
  for (const w of warehouses) {
    const x = st[w.store];
    if (x) at[w.code] = { x: x.lng_e6 / 1e6, y: x.lat_e6 / 1e6 };
    else { at[w.code] = { x: cx + 0.03 * (k % 2 ? -1 : 1), y: cy - 0.06 - 0.02 * k }; k++; }
  }
  return at;
}

function LaneMap({ warehouses, stores, lanes, moves }) {
  const at = positions(warehouses, stores);
  const datasets = [];
  for (const l of lanes) {
    if (!at[l.from] || !at[l.to]) continue;
    datasets.push({ label: `lane ${l.from}→${l.to}`, data: [at[l.from], at[l.to]], showLine: true, borderColor: '#c8ccd4', borderWidth: 1, pointRadius: 0 });
  }
  for (const m of moves) {
    if (!at[m.from] || !at[m.to]) continue;
    datasets.push({ label: `${m.part_no}: ${m.qty} ${m.from}→${m.to}`, data: [at[m.from], at[m.to]], showLine: true,
      borderColor: '#e8590c', borderWidth: 2 + Math.min(8, Math.log2(1 + m.qty)), pointRadius: 0 });
  }
  datasets.push({ label: 'warehouses', pointLabels: true, data: warehouses.filter((w) => at[w.code]).map((w) => ({ ...at[w.code], label: w.code })),
    pointRadius: 7, backgroundColor: '#1c7ed6' });
  return html`<${ChartBox} name="lanes" type="scatter" height=${320} data=${{ datasets }} options=${{
    plugins: { legend: { display: false }, title: { display: true, text: 'Lanes (grey) and planned moves (orange, thicker = more units)' } },
    scales: { x: { title: { display: true, text: 'longitude' } }, y: { title: { display: true, text: 'latitude' } } },
  }} />`;
}

function Rebalance({ s, warehouses, stores, lanes }) {
  const act = useAction();
  const [part, setPart] = useState('');
  const [plan, setPlan] = useState(null);
  return html`<div class="card rebalance"><h3>Chain rebalance</h3>
    <div class="row"><input name="rb-part" placeholder="part no (empty: every part)" value=${part} onInput=${(e) => setPart(e.target.value)} />
      <button class="primary plan-btn" onClick=${() => act(async () => setPlan(await call('Transfers', 'PlanRebalance', { chain: s.chain, part_no: part })))}>Plan rebalance</button></div>
    ${plan ? html`<p class="rb-summary">Shortage ${plan.shortage}, covered ${plan.covered} · optimum on unit costs ${yuan(plan.unit_cost_fen)} ·
        priced with fixed charges ${yuan(plan.cost_fen)} · ${plan.parts} part(s)${plan.truncated ? ' · truncated' : ''}</p>
      <table class="list moves"><thead><tr><th>part</th><th>from</th><th>to</th><th>qty</th><th>cost</th><th>lead</th></tr></thead>
        <tbody>${plan.moves.length === 0 ? html`<tr><td colspan="6">No move needed.</td></tr>` : null}
        ${plan.moves.map((m) => html`<tr class="move"><td>${m.part_no}</td><td>${m.from}</td><td>${m.to}</td><td>${m.qty}</td><td>${yuan(m.cost_fen)}</td><td>${mins(m.lead_min)}</td></tr>`)}</tbody></table>
      ${plan.gaps.length ? html`<table class="list gaps"><thead><tr><th>part</th><th>warehouse</th><th>short</th><th>why</th></tr></thead>
        <tbody>${plan.gaps.map((g) => html`<tr><td>${g.part_no}</td><td>${g.warehouse}</td><td>${g.short_qty}</td><td>${g.reason === 'GAP_REASON_NO_ROUTE' ? 'no route' : 'not enough stock in the chain'}</td></tr>`)}</tbody></table>` : null}
      <${LaneMap} warehouses=${warehouses} stores=${stores} lanes=${lanes?.lanes || []} moves=${plan.moves} />` : null}
  </div>`;
}

export function Transfers({ s, prefill }) {
  const [wh] = useLoad(() => call('Admin', 'ListWarehouses', { chain: s.chain }), [s.chain]);
  const [st] = useLoad(() => call('Admin', 'ListStores', { chain: s.chain }), [s.chain]);
  const [list, reload] = useLoad(() => call('Transfers', 'ListTransfers', { chain: s.chain }), [s.chain]);
  const [lanes, reloadLanes] = useLoad(() => call('Transfers', 'ListLanes', { chain: s.chain }), [s.chain]);
  const warehouses = wh?.warehouses || [];
  return html`<section class="transfers">
    <h2>Transfers</h2>
    <${Quote} key=${JSON.stringify(prefill)} s=${s} warehouses=${warehouses} prefill=${prefill} onCreated=${reload} />
    <${TransferList} s=${s} list=${list} reload=${reload} />
    <${Rebalance} s=${s} warehouses=${warehouses} stores=${st?.stores || []} lanes=${lanes} />
    <${Lanes} s=${s} warehouses=${warehouses} lanes=${lanes?.lanes || []} reload=${reloadLanes} />
  </section>`;
}
