// Work orders: list by state, open one (live events, extra items), create a
// walk-in, and the store's live feed (WatchStore).
import { useEffect, useState } from 'preact/hooks';
import { call, stream, shortEnum } from '../shared/api.js';
import { html, useAction, useLoad, StateChip } from '../shared/ui.js';
import { WorkOrderView } from '../shared/workorder.js';

const STATES = ['', 'PENDING', 'IN_REPAIR', 'AWAITING_QC', 'COMPLETED', 'DELIVERED', 'CANCELLED'];

function NewWalkIn({ s, onCreated }) {
  const act = useAction();
  const [f, setF] = useState({ plate: '', model: '', complaint: '', service: 'MAINT', part_no: '', qty: 1 });
  const set = (k) => (e) => setF({ ...f, [k]: e.target.value });
  return html`<details class="card new-wo"><summary>New walk-in work order</summary>
    <div class="row">
      <input name="wo-plate" placeholder="plate" value=${f.plate} onInput=${set('plate')} />
      <input name="wo-model" placeholder="model" value=${f.model} onInput=${set('model')} />
      <input name="wo-complaint" placeholder="complaint" value=${f.complaint} onInput=${set('complaint')} />
      <input name="wo-service" placeholder="service (labour)" value=${f.service} onInput=${set('service')} />
      <input name="wo-part" placeholder="part no (optional)" value=${f.part_no} onInput=${set('part_no')} />
      <input name="wo-qty" type="number" min="1" value=${f.qty} onInput=${set('qty')} />
      <button class="primary create-wo" onClick=${() => act(async () => {
        const items = [];
        if (f.service) items.push({ kind: 'ITEM_KIND_LABOUR', service: f.service });
        if (f.part_no) items.push({ kind: 'ITEM_KIND_PART', part_no: f.part_no, qty: Number(f.qty) });
        const wo = await call('WorkOrders', 'CreateWorkOrder', {
          chain: s.chain, store: s.store, vehicle: { plate: f.plate, model: f.model }, complaint: f.complaint, items, advisor: s.actor || 'advisor',
        });
        onCreated(wo.id);
      })}>Create</button>
    </div></details>`;
}

function StoreFeed({ s, onEvent }) {
  const act = useAction();
  const [events, setEvents] = useState([]);
  useEffect(() => {
    setEvents([]);
    return stream('WorkOrders', 'WatchStore', { chain: s.chain, store: s.store, since_ms: Date.now() - 8 * 3600000 }, {
      onMessage: (ev) => { setEvents((es) => [ev, ...es].slice(0, 30)); onEvent(); },
      onError: (e) => act(() => Promise.reject(e)),
    });
  }, [s.chain, s.store]);
  return html`<div class="card feed"><h4>Store activity (live)</h4><ul>
    ${events.map((ev) => html`<li>#${ev.work_order_id} ${shortEnum(ev.kind, 'EVENT_KIND_')} ${ev.note || ''}</li>`)}</ul></div>`;
}

export function WorkOrders({ s, openId }) {
  const [state, setState] = useState('');
  const [list, reload] = useLoad(() => call('WorkOrders', 'ListWorkOrders', {
    chain: s.chain, store: s.store, state: state ? `WORK_ORDER_STATE_${state}` : 'WORK_ORDER_STATE_UNSPECIFIED',
  }), [s.chain, s.store, state]);
  const open = (id) => { location.hash = `orders/${id}`; };
  return html`<section class="orders split">
    <div>
      <div class="row toolbar"><h2>Work orders ${s.store}</h2>
        <select name="wo-state" value=${state} onChange=${(e) => setState(e.target.value)}>
          ${STATES.map((x) => html`<option value=${x}>${x ? x.replace('_', ' ').toLowerCase() : 'every state'}</option>`)}</select>
        <button onClick=${reload}>Refresh</button></div>
      <${NewWalkIn} s=${s} onCreated=${(id) => { reload(); open(id); }} />
      <table class="list wo-list"><thead><tr><th>#</th><th>plate</th><th>state</th><th>technicians</th><th>complaint</th></tr></thead>
        <tbody>${(list?.work_orders || []).map((w) => html`<tr class=${`clickable ${openId === w.id ? 'selected' : ''}`} data-wo=${w.id} onClick=${() => open(w.id)}>
          <td>${w.id}</td><td>${w.vehicle?.plate}</td><td><${StateChip} state=${w.state} prefix="WORK_ORDER_STATE_" /></td>
          <td>${(w.technicians || []).join(', ')}</td><td>${w.complaint}</td></tr>`)}</tbody></table>
      <${StoreFeed} s=${s} onEvent=${reload} />
    </div>
    <div>${openId ? html`<${WorkOrderView} key=${openId} chain=${s.chain} id=${openId} role="advisor" actor=${s.actor || 'advisor'} onEvent=${reload} />` : html`<p class="muted">Open a work order to see it live.</p>`}</div>
  </section>`;
}
