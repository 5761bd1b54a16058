// One work order, live: its items and its events from the WatchWorkOrder
// stream (replayed from the first, then live). Which buttons a person sees
// depends on their role; whether the step is allowed is the engine's call,
// and its refusal is shown in the banner.
import { useEffect, useState } from 'preact/hooks';
import { call, stream, yuan, shortEnum } from './api.js';
import { html, useAction, StateChip } from './ui.js';

const WO = 'WORK_ORDER_STATE_';

function EventLine({ ev }) {
  const t = new Date(ev.at_ms).toLocaleTimeString();
  return html`<li class="event" data-seq=${ev.seq} data-kind=${ev.kind}>
    <span class="muted">${t}</span> <b>${shortEnum(ev.kind, 'EVENT_KIND_')}</b>
    ${ev.item_no ? html` item ${ev.item_no}` : null}
    ${ev.percent ? html` ${ev.percent}%` : null}
    ${ev.note ? html` — ${ev.note}` : null}
    ${ev.actor ? html` <span class="muted">(${ev.actor})</span>` : null}
  </li>`;
}

// An item's warranty coverage as the engine decided it when the item was
// added: REPAIR (an earlier repair's own warranty, with that order and
// item) or FACTORY (a defect under the vehicle's factory warranty).
export function WarrantyBadge({ w, source, item }) {
  if (!w || w === 'WARRANTY_COVERAGE_NONE') return null;
  const kind = w.replace('WARRANTY_COVERAGE_', '');
  return html` <span class=${`chip warranty-badge warranty-${kind.toLowerCase()}`} data-warranty=${kind} data-source=${source || ''}>${kind} warranty${kind === 'REPAIR' && source
    ? html` (order <a href=${`#orders/${source}`}>#${source}</a> item ${item})` : ''}</span>`;
}

// What the customer pays for an item beside its list price (qty × unit for
// a part, the labour price otherwise).
export const listFen = (it) => (it.kind === 'ITEM_KIND_PART' ? Number(it.unit_price_fen) * Number(it.qty) : Number(it.unit_price_fen));

function ItemRow({ it, wo, role, act, chain, actor, reload }) {
  const id = wo.id;
  const waiting = it.state === 'ITEM_STATE_AWAITING_APPROVAL';
  const open = it.state === 'ITEM_STATE_OPEN';
  const what = it.kind === 'ITEM_KIND_PART' ? `${it.part_no} × ${it.qty}` : `${it.service} ${it.labour_minutes ? `${it.labour_minutes} min` : ''}`;
  const decide = (approve) => act(async () => {
    await call('WorkOrders', 'DecideExtraItem', { chain, id, item_no: it.no, approve, actor });
    reload();
  });
  return html`<tr class="item" data-item=${it.no} data-state=${it.state}>
    <td>${it.no}</td><td>${what}${it.extra ? html` <span class="chip extra">extra</span>` : null}
      <${WarrantyBadge} w=${it.warranty} source=${it.warranty_source_id} item=${it.warranty_source_item} />
      ${it.warranty_claim ? html` <span class="chip">warranty claim</span>` : null}
      ${it.note ? html`<div class="muted">${it.note}</div>` : null}
      ${it.short_qty ? html`<div class="warn">short ${it.short_qty}</div>` : null}</td>
    <td class="price" data-customer=${it.customer_fen} data-list=${listFen(it)}><span class="customer-price">${yuan(it.customer_fen)}</span>${Number(it.customer_fen) !== listFen(it)
      ? html`<span class="list-price" title="list price">${yuan(listFen(it))}</span>` : null}</td>
    <td><${StateChip} state=${it.state} prefix="ITEM_STATE_" /></td>
    <td class="actions">
      ${waiting && role !== 'technician' ? html`
        <button class="primary approve" onClick=${() => decide(true)}>Approve</button>
        <button class="reject" onClick=${() => decide(false)}>Reject</button>` : null}
      ${open && role !== 'customer' ? html`<button class="done" onClick=${() => act(async () => {
        await call('WorkOrders', 'CompleteItem', { chain, id, item_no: it.no, actor });
        reload();
      })}>Done</button>` : null}
    </td>
  </tr>`;
}

export function WorkOrderView({ chain, id, role, actor, onEvent }) {
  const act = useAction();
  const [wo, setWo] = useState(null);
  const [events, setEvents] = useState([]);
  const [live, setLive] = useState('connecting');
  const [note, setNote] = useState('');
  const [extra, setExtra] = useState({ kind: 'ITEM_KIND_PART', part_no: '', service: '', qty: 1, note: '', warranty_claim: false });
  const reload = () => act(async () => setWo(await call('WorkOrders', 'GetWorkOrder', { chain, id })));

  useEffect(() => {
    setEvents([]);
    reload();
    const close = stream('WorkOrders', 'WatchWorkOrder', { chain, id, after_seq: 0 }, {
      onMessage: (ev) => {
        setLive('live');
        setEvents((es) => (es.some((e) => e.seq === ev.seq) ? es : [...es, ev]));
        reload();
        onEvent?.(ev);
      },
      onError: (e) => { setLive('closed'); act(() => Promise.reject(e)); },
      onEnd: () => setLive('closed'),
    });
    setLive('live');
    return close;
  }, [chain, id]);

  if (!wo) return html`<div class="card">loading work order ${id}…</div>`;
  const step = (method, extraReq = {}) => act(async () => {
    await call('WorkOrders', method, { chain, id, actor, ...extraReq });
    reload();
  });
  const st = wo.state;
  return html`<section class="card workorder" data-wo=${wo.id} data-state=${st}>
    <h3>Work order #${wo.id} <${StateChip} state=${st} prefix=${WO} /></h3>
    <div class="muted">${wo.store} · ${wo.vehicle?.plate || ''} ${wo.vehicle?.model || ''}
      ${wo.booking_id ? ` · booking #${wo.booking_id}` : ' · walk-in'}
      · technicians: ${(wo.technicians || []).join(', ') || '—'}</div>
    ${wo.complaint ? html`<p>${wo.complaint}</p>` : null}
    <table class="items"><thead><tr><th>#</th><th>item</th><th>customer / list</th><th>state</th><th></th></tr></thead>
      <tbody>${(wo.items || []).map((it) => html`<${ItemRow} key=${it.no} it=${it} wo=${wo} role=${role} act=${act} chain=${chain} actor=${actor} reload=${reload} />`)}</tbody>
    </table>
    <div class="muted">labour ${yuan(wo.labour_fen)} · parts ${yuan(wo.parts_fen)}${Number(wo.warranty_fen) ? ` · under warranty ${yuan(wo.warranty_fen)}` : ''}</div>
    ${role !== 'customer' ? html`<div class="row actions">
      ${st === `${WO}PENDING` ? html`<button class="primary start" onClick=${() => step('StartRepair')}>Start repair</button>` : null}
      ${st === `${WO}IN_REPAIR` ? html`<button class="primary to-qc" onClick=${() => step('RequestQc')}>Move to QC</button>` : null}
      ${role === 'advisor' && st === `${WO}AWAITING_QC` ? html`
        <button class="primary" onClick=${() => act(async () => { await call('WorkOrders', 'RecordQc', { chain, id, passed: true, inspector: actor }); reload(); })}>QC passed</button>
        <button onClick=${() => act(async () => { await call('WorkOrders', 'RecordQc', { chain, id, passed: false, inspector: actor, notes: note }); reload(); })}>QC failed</button>` : null}
      ${role === 'advisor' && st === `${WO}COMPLETED` ? html`<button class="primary" onClick=${() => step('Deliver')}>Deliver</button>` : null}
      ${role === 'advisor' && (st === `${WO}PENDING` || st === `${WO}IN_REPAIR`) ? html`<button class="danger" onClick=${() => step('Cancel', { note })}>Cancel order</button>` : null}
    </div>
    <div class="row">
      <input placeholder="progress note" value=${note} onInput=${(e) => setNote(e.target.value)} />
      <button onClick=${() => step('PostProgress', { note })}>Post progress</button>
    </div>` : null}
    ${role === 'advisor' ? html`<details class="add-extra"><summary>Add an extra item (增项)</summary>
      <div class="row">
        <select value=${extra.kind} onChange=${(e) => setExtra({ ...extra, kind: e.target.value })}>
          <option value="ITEM_KIND_PART">part</option><option value="ITEM_KIND_LABOUR">labour</option></select>
        ${extra.kind === 'ITEM_KIND_PART'
          ? html`<input name="extra-part" placeholder="part no" value=${extra.part_no} onInput=${(e) => setExtra({ ...extra, part_no: e.target.value })} />
                 <input name="extra-qty" type="number" min="1" value=${extra.qty} onInput=${(e) => setExtra({ ...extra, qty: Number(e.target.value) })} />`
          : html`<input name="extra-service" placeholder="service code" value=${extra.service} onInput=${(e) => setExtra({ ...extra, service: e.target.value })} />`}
        <input name="extra-note" placeholder="why" value=${extra.note} onInput=${(e) => setExtra({ ...extra, note: e.target.value })} />
        <label title="a defect under the vehicle's factory warranty"><input type="checkbox" name="extra-warranty-claim" checked=${extra.warranty_claim}
          onChange=${(e) => setExtra({ ...extra, warranty_claim: e.target.checked })} /> warranty claim</label>
        <button class="propose" onClick=${() => act(async () => {
          const item = extra.kind === 'ITEM_KIND_PART'
            ? { kind: extra.kind, part_no: extra.part_no, qty: extra.qty, note: extra.note, warranty_claim: extra.warranty_claim }
            : { kind: extra.kind, service: extra.service, note: extra.note, warranty_claim: extra.warranty_claim };
          await call('WorkOrders', 'AddExtraItem', { chain, id, item, actor });
          reload();
        })}>Propose</button>
      </div></details>` : null}
    <h4>Events <span class=${`live ${live}`}>${live}</span></h4>
    <ol class="events">${events.map((ev) => html`<${EventLine} key=${ev.seq} ev=${ev} />`)}</ol>
  </section>`;
}
