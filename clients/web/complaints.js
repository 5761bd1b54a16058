// Complaints (投诉): open one (store, customer, VIN, work order, channel,
// category, severity, text); the list with both clocks — first response
// and resolution — as time left or overdue, and their escalation; a
// complaint's steps and its actions (acknowledge, resolve, close with the
// customer's rating, reopen); the store's complaint policy (the clocks'
// lengths and the manager escalations go to); and "sweep now", which makes
// the engine escalate every clock that has run out. The deadlines, the
// overdue flags and the escalations are the engine's.
import { useEffect, useState } from 'preact/hooks';
import { call, offsetOf, span, stamp } from '../shared/api.js';
import { html, useAction, useLoad, useNow, useStores, StateChip } from '../shared/ui.js';
import { stars } from '../shared/history.js';

const PAGE = 50;
const STATES = [['', 'all states'], ['COMPLAINT_STATE_OPEN', 'open'], ['COMPLAINT_STATE_ACKNOWLEDGED', 'acknowledged'], ['COMPLAINT_STATE_RESOLVED', 'resolved'], ['COMPLAINT_STATE_CLOSED', 'closed']];
export const CHANNELS = [['COMPLAINT_CHANNEL_PHONE', 'phone (电话)'], ['COMPLAINT_CHANNEL_APP', 'app'], ['COMPLAINT_CHANNEL_WECHAT', 'WeChat (微信)'],
  ['COMPLAINT_CHANNEL_IN_STORE', 'in store (到店)'], ['COMPLAINT_CHANNEL_INSURER', 'insurer (保险公司)'], ['COMPLAINT_CHANNEL_FOLLOW_UP', 'follow-up (回访)']];
export const CATEGORIES = [['COMPLAINT_CATEGORY_QUALITY', 'quality — not fixed (质量)'], ['COMPLAINT_CATEGORY_SERVICE', 'service, attitude (服务)'],
  ['COMPLAINT_CATEGORY_PRICE', 'price (价格)'], ['COMPLAINT_CATEGORY_WAITING', 'waiting, late (等待)'], ['COMPLAINT_CATEGORY_PARTS', 'parts (配件)'],
  ['COMPLAINT_CATEGORY_OTHER', 'other (其他)']];
export const SEVERITIES = [[1, '1 — low'], [2, '2 — medium'], [3, '3 — high']];

const low = (v, p) => String(v || '').replace(p, '').replaceAll('_', ' ').toLowerCase();

// One clock: met (when), or the time left, or overdue (the engine's flag,
// or the deadline passed since its answer).
export function clockOf(c, which, now) {
  const due = Number(which === 'response' ? c.response_due_ms : c.resolution_due_ms);
  const metMs = Number(which === 'response' ? c.acknowledged_ms : c.resolved_ms);
  const met = which === 'response' ? c.state !== 'COMPLAINT_STATE_OPEN'
    : c.state === 'COMPLAINT_STATE_RESOLVED' || c.state === 'COMPLAINT_STATE_CLOSED';
  const left = due - now;
  const overdue = !met && (!!(which === 'response' ? c.response_overdue : c.resolution_overdue) || left < 0);
  const escalated = !!(which === 'response' ? c.response_escalated : c.resolution_escalated);
  return { due, met, metMs, left, overdue, escalated, late: met && metMs > due };
}

function Clock({ c, which, now, off }) {
  const k = clockOf(c, which, now);
  return html`<td class=${`clock ${which}-clock ${k.overdue ? 'overdue' : ''} ${k.met ? 'met' : ''}`} data-left-ms=${k.met ? '' : k.left}
    data-overdue=${k.overdue} data-met=${k.met} data-due=${k.due} title=${`due ${stamp(k.due, off)}`}>
    ${k.met ? html`<span class=${k.late ? 'warn' : 'ok'}>met${k.late ? ' late' : ''}</span> <span class="muted">${stamp(k.metMs, off)}</span>`
      : k.overdue ? html`<b>overdue ${span(k.left)}</b>` : html`<span class="time-left">${span(k.left)} left</span>`}
    ${k.escalated ? html`<div class="escalated">escalated${c.escalated_to ? ` → ${c.escalated_to}` : ''}</div>` : null}
  </td>`;
}

function OpenComplaint({ s, stores, onDone }) {
  const act = useAction();
  const [f, setF] = useState({ store: s.store, customer_id: '', phone: '', vin: '', wo_id: '', channel: 'COMPLAINT_CHANNEL_PHONE', category: 'COMPLAINT_CATEGORY_QUALITY', severity: 2, text: '' });
  const set = (k) => (e) => setF({ ...f, [k]: e.target.value });
  const find = () => act(async () => {
    const c = await call('Customers', 'FindCustomer', { chain: s.chain, phone: f.phone.trim() });
    setF({ ...f, customer_id: String(c.id), found: `${c.name} ${c.phone}` });
  });
  const send = () => act(async () => {
    const c = await call('Customers', 'OpenComplaint', {
      chain: s.chain, store: f.store, customer_id: Number(f.customer_id || 0), vin: f.vin.trim(), wo_id: Number(f.wo_id || 0),
      channel: f.channel, category: f.category, severity: Number(f.severity), text: f.text, actor: s.actor,
    });
    setF({ ...f, text: '' });
    onDone(c);
  });
  return html`<details class="card open-complaint" open><summary>Open a complaint (登记投诉)</summary>
    <div class="row">
      <label>store <select name="cp-store" value=${f.store} onChange=${set('store')}>${stores.map((x) => html`<option value=${x.code}>${x.code}</option>`)}</select></label>
      <input name="cp-phone" placeholder="customer's phone" value=${f.phone} onInput=${set('phone')} />
      <button class="cp-find" onClick=${find}>Find</button>
      <input name="cp-customer" type="number" placeholder="customer #" value=${f.customer_id} onInput=${set('customer_id')} />
      ${f.found ? html`<span class="muted">${f.found}</span>` : null}</div>
    <div class="row">
      <input name="cp-vin" placeholder="VIN" value=${f.vin} onInput=${set('vin')} />
      <input name="cp-wo" type="number" placeholder="work order #" value=${f.wo_id} onInput=${set('wo_id')} />
      <select name="cp-channel" value=${f.channel} onChange=${set('channel')}>${CHANNELS.map(([v, l]) => html`<option value=${v}>${l}</option>`)}</select>
      <select name="cp-category" value=${f.category} onChange=${set('category')}>${CATEGORIES.map(([v, l]) => html`<option value=${v}>${l}</option>`)}</select>
      <label>severity <select name="cp-severity" value=${f.severity} onChange=${set('severity')}>${SEVERITIES.map(([v, l]) => html`<option value=${v}>${l}</option>`)}</select></label></div>
    <textarea name="cp-text" rows="3" placeholder="what the customer says" value=${f.text} onInput=${set('text')}></textarea>
    <div class="row"><button class="primary cp-open" onClick=${send}>Open complaint</button></div>
  </details>`;
}

function ComplaintCard({ s, c, stores, now, onChange, onClose }) {
  const act = useAction();
  const [note, setNote] = useState('');
  const [rating, setRating] = useState(5);
  useEffect(() => setNote(''), [c.id]);
  const off = offsetOf(stores, c.store);
  const step = (action) => act(async () => {
    const r = await call('Customers', 'ActOnComplaint', { chain: s.chain, id: c.id, action, rating: action === 'COMPLAINT_ACTION_CLOSE' ? Number(rating) : 0, actor: s.actor, note });
    setNote('');
    onChange(r);
  });
  const st = c.state;
  return html`<section class="card complaint" data-id=${c.id} data-state=${c.state}>
    <button class="close" onClick=${onClose}>×</button>
    <h3>Complaint #${c.id} <${StateChip} state=${c.state} prefix="COMPLAINT_STATE_" />${' '}
      <span class="muted">${c.store} · ${low(c.channel, 'COMPLAINT_CHANNEL_')} · ${low(c.category, 'COMPLAINT_CATEGORY_')} · severity ${c.severity}</span></h3>
    <p class="cp-text">${c.text}</p>
    <table class="list money"><tbody>
      <tr><td>customer · VIN · order</td><td>${c.customer_id ? `#${c.customer_id}` : '—'} · ${c.vin || '—'} · ${c.wo_id ? html`<a href=${`#orders/${c.wo_id}`}>#${c.wo_id}</a>` : '—'}</td></tr>
      <tr><td>opened</td><td>${stamp(c.created_ms, off)}</td></tr>
      <tr><td>first response (响应) due ${stamp(c.response_due_ms, off)}</td><${Clock} c=${c} which="response" now=${now} off=${off} /></tr>
      <tr><td>resolution (处理) due ${stamp(c.resolution_due_ms, off)}</td><${Clock} c=${c} which="resolution" now=${now} off=${off} /></tr>
      ${c.rating ? html`<tr><td>customer's rating</td><td class="cp-rating" data-rating=${c.rating}>${stars(c.rating)} ${c.rating}/5</td></tr>` : null}
    </tbody></table>
    <h4>Steps <span class="muted">(${c.total_steps} in all${c.total_steps > (c.steps || []).length ? `, the latest ${c.steps.length} kept` : ''})</span></h4>
    <ol class="steps">${(c.steps || []).map((x) => html`<li class="step" data-kind=${x.kind}>
      <span class="muted">${stamp(x.at_ms, off)}</span> <b>${low(x.kind, 'COMPLAINT_STEP_KIND_')}</b> ${x.actor ? html`<span class="muted">(${x.actor})</span>` : null} ${x.note ? `— ${x.note}` : ''}</li>`)}</ol>
    <div class="row actions">
      <input name="cp-note" class="wide" placeholder="note (what was done, said)" value=${note} onInput=${(e) => setNote(e.target.value)} /></div>
    <div class="row actions">
      <button class="cp-ack" disabled=${st !== 'COMPLAINT_STATE_OPEN'} onClick=${() => step('COMPLAINT_ACTION_ACKNOWLEDGE')}>Acknowledge</button>
      <button class="cp-resolve" disabled=${st !== 'COMPLAINT_STATE_ACKNOWLEDGED'} onClick=${() => step('COMPLAINT_ACTION_RESOLVE')}>Resolve</button>
      <label>rating <select name="cp-rating" value=${rating} onChange=${(e) => setRating(e.target.value)}>
        ${[5, 4, 3, 2, 1].map((k) => html`<option value=${k}>${stars(k)} ${k}</option>`)}</select></label>
      <button class="cp-close" disabled=${st !== 'COMPLAINT_STATE_RESOLVED'} onClick=${() => step('COMPLAINT_ACTION_CLOSE')}>Close with rating</button>
      <button class="cp-reopen" disabled=${st !== 'COMPLAINT_STATE_RESOLVED'} onClick=${() => step('COMPLAINT_ACTION_REOPEN')}>Reopen</button></div>
  </section>`;
}

function Policy({ s, stores, onSaved }) {
  const act = useAction();
  const [store, setStore] = useState(s.store);
  // the answer remembers which store it was asked for: the form shows only
  // the policy of the store selected (never a previous one still loading)
  const [loaded, reload, setP] = useLoad(async () => ({ ...(await call('Customers', 'GetComplaintPolicy', { chain: s.chain, store })), asked: store }), [s.chain, store]);
  const p = loaded && loaded.asked === store ? loaded : null;
  const [saved, setSaved] = useState(null);
  const save = () => act(async () => {
    const r = await call('Customers', 'SetComplaintPolicy', { chain: s.chain, store, response_min: Number(p.response_min), resolution_min: Number(p.resolution_min), manager: p.manager });
    setP({ ...r, asked: store });
    setSaved(r);
    onSaved?.(r);
  });
  return html`<details class="card complaint-policy"><summary>Complaint policy (投诉时限) — ${store || 'chain default'}</summary>
    <div class="row">
      <select name="pol-store" value=${store} onChange=${(e) => { setStore(e.target.value); setSaved(null); }}>
        <option value="">chain default</option>${stores.map((x) => html`<option value=${x.code}>${x.code}</option>`)}</select>
      ${p ? html`<span class="muted pol-from" data-store=${p.store} data-asked=${p.asked}>${p.store === store ? (store ? 'the store\'s own' : 'the chain\'s') : p.store ? `from ${p.store}` : 'the chain\'s (or the built-in default)'}</span>` : null}</div>
    ${p ? html`<div class="row">
      <label>first response within <input name="pol-response" type="number" min="1" value=${p.response_min} onInput=${(e) => setP({ ...p, response_min: e.target.value })} /> min</label>
      <label>resolution within <input name="pol-resolution" type="number" min="1" value=${p.resolution_min} onInput=${(e) => setP({ ...p, resolution_min: e.target.value })} /> min</label>
      <label>escalate to <input name="pol-manager" placeholder="manager" value=${p.manager} onInput=${(e) => setP({ ...p, manager: e.target.value })} /></label>
      <button class="primary pol-save" onClick=${save}>Save policy</button> <button onClick=${reload}>Reload</button>
      ${saved ? html`<span class="ok pol-saved">saved: ${saved.response_min} / ${saved.resolution_min} min</span>` : null}</div>` : null}
    <p class="muted">New complaints at this store get these clocks; open ones keep theirs.</p>
  </details>`;
}

export function Complaints({ s }) {
  const act = useAction();
  const stores = useStores(s.chain);
  const now = useNow(1000);
  const [q, setQ] = useState({ store: '', state: '', overdue: false, vin: '' });
  const [pages, setPages] = useState([0]);
  const after = pages[pages.length - 1];
  const [list, reload] = useLoad(() => call('Customers', 'ListComplaints', { chain: s.chain, store: q.store, state: q.state || 'COMPLAINT_STATE_UNSPECIFIED', overdue: q.overdue, vin: q.vin.trim(), after_id: after, limit: PAGE }),
    [s.chain, q.store, q.state, q.overdue, q.vin, after]);
  const [open, setOpen] = useState(null);
  const [swept, setSwept] = useState(null);
  const set = (k) => (e) => { setQ({ ...q, [k]: e.target.type === 'checkbox' ? e.target.checked : e.target.value }); setPages([0]); };
  const get = (id) => act(async () => setOpen(await call('Customers', 'GetComplaint', { chain: s.chain, id })));
  const sweep = () => act(async () => {
    const r = await call('Customers', 'SweepComplaints', { chain: s.chain });
    setSwept({ n: r.escalated, at: Date.now() });
    reload();
    if (open) get(open.id);
  });
  const rows = list?.complaints || [];
  return html`<div class="split complaints">
    <div>
      <div class="row toolbar">
        <select name="cl-store" value=${q.store} onChange=${set('store')}><option value="">all stores</option>
          ${stores.map((x) => html`<option value=${x.code}>${x.code}</option>`)}</select>
        <select name="cl-state" value=${q.state} onChange=${set('state')}>${STATES.map(([v, l]) => html`<option value=${v}>${l}</option>`)}</select>
        <label><input type="checkbox" name="cl-overdue" checked=${q.overdue} onChange=${set('overdue')} /> overdue only</label>
        <input name="cl-vin" placeholder="VIN" value=${q.vin} onInput=${set('vin')} />
        <button class="cl-refresh" onClick=${reload}>Refresh</button>
        <button class="danger sweep-now" title="admin: escalate every complaint whose clock ran out" onClick=${sweep}>Sweep now</button>
        ${swept ? html`<span class="sweep-result" data-escalated=${swept.n}>${swept.n} escalated</span>` : null}</div>
      <table class="list complaints-list"><thead><tr><th>#</th><th>store</th><th>opened</th><th>what</th><th>state</th><th>first response</th><th>resolution</th><th>rating</th></tr></thead>
        <tbody>${rows.length === 0 ? html`<tr><td colspan="8" class="muted">No complaints.</td></tr>` : null}
        ${rows.map((c) => {
          const off = offsetOf(stores, c.store);
          const over = clockOf(c, 'response', now).overdue || clockOf(c, 'resolution', now).overdue;
          return html`<tr class=${`clickable complaint-row ${over ? 'overdue' : ''} ${open && open.id === c.id ? 'selected' : ''}`} data-id=${c.id} data-state=${c.state}
            data-overdue=${over} data-escalated=${!!(c.response_escalated || c.resolution_escalated)} onClick=${() => get(c.id)}>
            <td>${c.id}</td><td>${c.store}</td><td>${stamp(c.created_ms, off)}</td>
            <td>${low(c.category, 'COMPLAINT_CATEGORY_')} · sev ${c.severity}<div class="muted">${c.vin}${c.wo_id ? ` · #${c.wo_id}` : ''}</div></td>
            <td><${StateChip} state=${c.state} prefix="COMPLAINT_STATE_" /></td>
            <${Clock} c=${c} which="response" now=${now} off=${off} />
            <${Clock} c=${c} which="resolution" now=${now} off=${off} />
            <td>${c.rating ? stars(c.rating) : ''}</td></tr>`;
        })}</tbody></table>
      <div class="row paging">
        <button class="prev-page" disabled=${pages.length < 2} onClick=${() => setPages(pages.slice(0, -1))}>‹ Previous</button>
        <span class="muted">page ${pages.length}</span>
        <button class="next-page" disabled=${!list?.next_after_id} onClick=${() => setPages([...pages, list.next_after_id])}>Next ›</button></div>
      <${OpenComplaint} s=${s} stores=${stores} onDone=${(c) => { reload(); setOpen(c); }} />
      <${Policy} s=${s} stores=${stores} />
    </div>
    <div>${open ? html`<${ComplaintCard} s=${s} c=${open} stores=${stores} now=${now} onClose=${() => setOpen(null)}
      onChange=${(c) => { setOpen(c); reload(); }} />` : html`<p class="muted">Open a complaint to see its steps and act on it.</p>`}</div>
  </div>`;
}
