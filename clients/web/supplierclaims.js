// Supplier claims (#orders/supplier-claims): parts that failed under a
// repair's warranty, charged back to the supplier of the lot they came
// from. List by supplier and state (paged by id), accept or reject with a
// note. The engine made each claim and decides whether a decision stands.
import { useState } from 'preact/hooks';
import { call, offsetOf, stamp, yuan } from '../shared/api.js';
import { html, useAction, useLoad, useStores, StateChip } from '../shared/ui.js';

const ST = 'SUPPLIER_CLAIM_STATE_';

export function SupplierClaims({ s }) {
  const act = useAction();
  const [supplier, setSupplier] = useState('');
  const [state, setState] = useState('');
  const [q, setQ] = useState({ supplier: '', state: '' });
  const [pages, setPages] = useState([0]);
  const [note, setNote] = useState('');
  const after = pages[pages.length - 1];
  const off = offsetOf(useStores(s.chain), s.store);
  const [sups] = useLoad(() => call('Inventory', 'ListSuppliers', { chain: s.chain }), [s.chain]);
  const [d, reload] = useLoad(() => call('WorkOrders', 'ListSupplierClaims', {
    chain: s.chain, supplier: q.supplier, state: q.state ? `${ST}${q.state}` : `${ST}UNSPECIFIED`, limit: 50, after_id: after,
  }), [s.chain, q.supplier, q.state, after]);
  const decide = (c, st) => act(async () => {
    await call('WorkOrders', 'DecideSupplierClaim', { chain: s.chain, id: c.id, state: `${ST}${st}`, actor: s.actor || 'advisor', note });
    reload();
  });
  return html`<section class="supplier-claims">
    <div class="row toolbar"><h2>Supplier claims</h2><a href="#orders">← work orders</a></div>
    <div class="row">
      <select name="sc-supplier" value=${supplier} onChange=${(e) => setSupplier(e.target.value)}>
        <option value="">every supplier</option>
        ${(sups?.suppliers || []).map((x) => html`<option value=${x.code}>${x.code} ${x.name}</option>`)}</select>
      <select name="sc-state" value=${state} onChange=${(e) => setState(e.target.value)}>
        ${['', 'OPEN', 'ACCEPTED', 'REJECTED'].map((x) => html`<option value=${x}>${x ? x.toLowerCase() : 'every state'}</option>`)}</select>
      <button class="sc-find" onClick=${() => { setQ({ supplier, state }); setPages([0]); }}>Find</button>
      <input name="sc-note" placeholder="note for a decision" value=${note} onInput=${(e) => setNote(e.target.value)} />
    </div>
    <table class="list sc-list"><thead><tr><th>#</th><th>supplier</th><th>part</th><th>lot</th><th>qty</th><th>amount</th><th>failed repair</th><th>replaced by</th><th>state</th><th>opened</th><th></th></tr></thead>
      <tbody>${(d?.claims || []).length === 0 ? html`<tr><td colspan="11" class="muted">None.</td></tr>` : null}
      ${(d?.claims || []).map((c) => html`<tr class="sc" data-claim=${c.id} data-state=${c.state}>
        <td>${c.id}</td><td>${c.supplier}</td><td>${c.part_no}</td><td>#${c.lot}</td><td>${c.qty}</td><td class="amount">${yuan(c.amount_fen)}</td>
        <td><a href=${`#orders/${c.source_work_order_id}`}>#${c.source_work_order_id}</a> item ${c.source_item_no}</td>
        <td><a href=${`#orders/${c.work_order_id}`}>#${c.work_order_id}</a> item ${c.item_no}</td>
        <td><${StateChip} state=${c.state} prefix=${ST} />${c.decided_by ? html`<div class="muted">${c.decided_by} ${c.note}</div>` : null}</td>
        <td>${stamp(c.created_ms, off)}</td>
        <td>${c.state === `${ST}OPEN` ? html`<button class="primary sc-accept" onClick=${() => decide(c, 'ACCEPTED')}>Accept</button>
          <button class="danger sc-reject" onClick=${() => decide(c, 'REJECTED')}>Reject</button>` : null}</td></tr>`)}</tbody></table>
    <div class="row paging"><button disabled=${pages.length < 2} onClick=${() => setPages(pages.slice(0, -1))}>‹ Previous</button>
      <button disabled=${!d?.next_after_id} onClick=${() => setPages([...pages, d.next_after_id])}>Next ›</button></div>
  </section>`;
}
