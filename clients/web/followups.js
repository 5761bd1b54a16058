// Follow-ups (回访): every delivered work order gets one, due a day after
// delivery, assigned to the order's advisor (the engine makes them). The
// advisor's list (overdue ones highlighted), the customer to call (name,
// phone, consent), and the call's outcome: reached with a satisfaction of
// 1–5 stars and a comment, or not reached (the engine moves the due time
// on and gives up after its number of attempts).
import { useEffect, useState } from 'preact/hooks';
import { call, offsetOf, span, stamp } from '../shared/api.js';
import { html, useAction, useLoad, useNow, useStores, StateChip } from '../shared/ui.js';
import { stars } from '../shared/history.js';

const PAGE = 50;
const STATES = [['FOLLOW_UP_STATE_OPEN', 'open'], ['FOLLOW_UP_STATE_DONE', 'done'], ['FOLLOW_UP_STATE_UNREACHED', 'unreached'], ['FOLLOW_UP_STATE_UNSPECIFIED', 'all']];

export function isOverdue(fu, now) {
  return fu.state === 'FOLLOW_UP_STATE_OPEN' && (fu.overdue || Number(fu.due_ms) < now);
}

function Due({ fu, now }) {
  if (fu.state !== 'FOLLOW_UP_STATE_OPEN') return html`<span class="muted">—</span>`;
  const left = Number(fu.due_ms) - now;
  const over = isOverdue(fu, now);
  return html`<span class=${`fu-due ${over ? 'overdue' : ''}`} data-left-ms=${left} data-overdue=${over}>
    ${over ? `overdue ${span(left)}` : `in ${span(left)}`}</span>`;
}

function Record({ s, fu, onDone }) {
  const act = useAction();
  const [n, setN] = useState(0);
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState(false);
  useEffect(() => { setN(0); setComment(''); }, [fu.id]);
  const send = (reached) => {
    setBusy(true);
    act(async () => {
      const r = await call('Customers', 'RecordFollowUp', {
        chain: s.chain, id: fu.id, reached, satisfaction: reached ? n : 0, comment, actor: s.actor || fu.advisor,
      });
      onDone(r);
    }).finally(() => setBusy(false));
  };
  return html`<div class="fu-record">
    <div class="row stars" role="radiogroup" aria-label="satisfaction">
      <span>satisfaction (满意度)</span>
      ${[1, 2, 3, 4, 5].map((k) => html`<button class=${`star ${k <= n ? 'on' : ''}`} data-n=${k} aria-checked=${k === n} role="radio"
        title=${`${k} of 5`} onClick=${() => setN(k)}>${k <= n ? '★' : '☆'}</button>`)}
      <span class="muted">${n ? `${n}/5` : 'pick 1–5'}</span></div>
    <textarea name="fu-comment" rows="2" placeholder="what the customer said" value=${comment} onInput=${(e) => setComment(e.target.value)}></textarea>
    <div class="row">
      <button class="primary fu-reached" disabled=${busy} onClick=${() => send(true)}>Reached — record ${n ? stars(n) : ''}</button>
      <button class="fu-unreached" disabled=${busy} onClick=${() => send(false)}>Not reached (未接通)</button></div>
  </div>`;
}

function FollowUpCard({ s, fu, stores, now, onDone, onClose }) {
  const [cu] = useLoad(() => (fu.customer_id ? call('Customers', 'GetCustomer', { chain: s.chain, id: fu.customer_id }) : Promise.resolve(null)), [s.chain, fu.customer_id]);
  const off = offsetOf(stores, fu.store);
  return html`<section class="card followup" data-id=${fu.id} data-state=${fu.state} data-overdue=${isOverdue(fu, now)}>
    <button class="close" onClick=${onClose}>×</button>
    <h3>Follow-up of order <a href=${`#orders/${fu.id}`}>#${fu.id}</a> <${StateChip} state=${fu.state} prefix="FOLLOW_UP_STATE_" /></h3>
    <table class="list money"><tbody>
      <tr><td>customer</td><td class="fu-customer">${cu ? html`<b>${cu.name}</b> ${cu.phone} <span class="muted">prefers ${String(cu.preferred).replace('CONTACT_CHANNEL_', '').toLowerCase()}</span>`
        : fu.customer_id ? `#${fu.customer_id}` : html`<span class="muted">no owner linked to the VIN</span>`}</td></tr>
      <tr><td>contact</td><td>${fu.contact_ok ? html`<span class="ok">may be contacted</span>` : html`<span class="warn">the owner did not agree to be contacted</span>`}</td></tr>
      <tr><td>vehicle</td><td>${fu.plate} <span class="muted">${fu.vin}</span></td></tr>
      <tr><td>store · advisor</td><td>${fu.store} · ${fu.advisor}</td></tr>
      <tr><td>delivered</td><td class="fu-delivered" data-ms=${fu.delivered_ms}>${stamp(fu.delivered_ms, off)}</td></tr>
      <tr><td>due</td><td class="fu-due-at" data-ms=${fu.due_ms}>${stamp(fu.due_ms, off)} <${Due} fu=${fu} now=${now} /></td></tr>
      <tr><td>attempts</td><td class="fu-attempts">${fu.attempts}</td></tr>
      ${fu.state === 'FOLLOW_UP_STATE_DONE' ? html`<tr><td>result</td><td class="fu-result" data-satisfaction=${fu.satisfaction}>
        ${stars(fu.satisfaction)} ${fu.satisfaction}/5 ${fu.comment ? `— “${fu.comment}”` : ''} <span class="muted">${fu.done_by} ${stamp(fu.done_ms, off)}</span></td></tr>` : null}
    </tbody></table>
    ${fu.state === 'FOLLOW_UP_STATE_OPEN' ? html`<${Record} s=${s} fu=${fu} onDone=${onDone} />` : null}
  </section>`;
}

export function FollowUps({ s }) {
  const act = useAction();
  const stores = useStores(s.chain);
  const now = useNow(1000);
  const [q, setQ] = useState({ advisor: s.actor || '', store: s.store, state: 'FOLLOW_UP_STATE_OPEN', overdue: false });
  const [pages, setPages] = useState([0]);
  const after = pages[pages.length - 1];
  const [list, reload] = useLoad(() => call('Customers', 'ListFollowUps', { chain: s.chain, advisor: q.advisor.trim(), store: q.store, state: q.state, overdue: q.overdue, after_id: after, limit: PAGE }),
    [s.chain, q.advisor, q.store, q.state, q.overdue, after]);
  const [open, setOpen] = useState(null);
  const [byId, setById] = useState('');
  const set = (k) => (e) => { setQ({ ...q, [k]: e.target.type === 'checkbox' ? e.target.checked : e.target.value }); setPages([0]); };
  const get = (id) => act(async () => setOpen(await call('Customers', 'GetFollowUp', { chain: s.chain, id: Number(id) })));
  const rows = list?.follow_ups || [];
  return html`<div class="split followups">
    <div>
      <div class="row toolbar">
        <label>advisor <input name="fu-advisor" placeholder="everyone" value=${q.advisor} onInput=${set('advisor')} /></label>
        <select name="fu-store" value=${q.store} onChange=${set('store')}><option value="">all stores</option>
          ${stores.map((x) => html`<option value=${x.code}>${x.code}</option>`)}</select>
        <select name="fu-state" value=${q.state} onChange=${set('state')}>${STATES.map(([v, l]) => html`<option value=${v}>${l}</option>`)}</select>
        <label><input type="checkbox" name="fu-overdue" checked=${q.overdue} onChange=${set('overdue')} /> overdue only</label>
        <button class="fu-refresh" onClick=${reload}>Refresh</button></div>
      <table class="list followups-list"><thead><tr><th>order</th><th>vehicle</th><th>store · advisor</th><th>delivered</th><th>due</th><th>state</th><th>tries</th><th>result</th></tr></thead>
        <tbody>${rows.length === 0 ? html`<tr><td colspan="8" class="muted">No follow-ups.</td></tr>` : null}
        ${rows.map((fu) => {
          const over = isOverdue(fu, now);
          const off = offsetOf(stores, fu.store);
          return html`<tr class=${`clickable followup-row ${over ? 'overdue' : ''} ${open && open.id === fu.id ? 'selected' : ''}`} data-id=${fu.id} data-state=${fu.state}
            data-overdue=${over} data-due=${fu.due_ms} onClick=${() => get(fu.id)}>
            <td>#${fu.id}</td><td>${fu.plate} <div class="muted">${fu.vin}</div></td><td>${fu.store} · ${fu.advisor}</td>
            <td>${stamp(fu.delivered_ms, off)}</td><td>${stamp(fu.due_ms, off)} <${Due} fu=${fu} now=${now} /></td>
            <td><${StateChip} state=${fu.state} prefix="FOLLOW_UP_STATE_" />${fu.contact_ok ? null : html` <span class="warn" title="no consent">✆✕</span>`}</td>
            <td>${fu.attempts}</td><td class="fu-score">${fu.satisfaction ? `${stars(fu.satisfaction)}` : ''}</td></tr>`;
        })}</tbody></table>
      <div class="row paging">
        <button class="prev-page" disabled=${pages.length < 2} onClick=${() => setPages(pages.slice(0, -1))}>‹ Previous</button>
        <span class="muted">page ${pages.length}</span>
        <button class="next-page" disabled=${!list?.next_after_id} onClick=${() => setPages([...pages, list.next_after_id])}>Next ›</button></div>
      <div class="row"><input name="fu-id" type="number" placeholder="work order #" value=${byId} onInput=${(e) => setById(e.target.value)} />
        <button class="fu-open" onClick=${() => get(byId)}>Open follow-up</button></div>
    </div>
    <div>${open ? html`<${FollowUpCard} s=${s} fu=${open} stores=${stores} now=${now} onClose=${() => setOpen(null)}
      onDone=${(r) => { setOpen(r); reload(); }} />` : html`<p class="muted">Open a follow-up to call the customer and record the outcome.</p>`}</div>
  </div>`;
}
