// The parts clerk's and buyer's extras around the stock view: min/max
// levels, vehicle fitment, supplier quotes, a lot's trace, suppliers,
// purchase suggestions and the ledger audit. Display and forms only.
import { useState } from 'preact/hooks';
import { call, shortEnum, yuan } from '../shared/api.js';
import { html, useAction, useLoad } from '../shared/ui.js';

// rows: the part's stock rows (their current min / max prefill the form).
export function Levels({ s, part, warehouses, rows, onDone }) {
  const act = useAction();
  const at = (w) => { const r = (rows || []).find((x) => x.warehouse === w); return { warehouse: w, min: r?.min_qty ?? 0, max: r?.max_qty ?? 0 }; };
  const [f, setF] = useState(at(warehouses[0]?.code || ''));
  const [done, setDone] = useState(null);
  const set = (k) => (e) => setF({ ...f, [k]: e.target.value });
  return html`<div class="card levels"><h4>Min / max levels</h4><div class="row">
    <select name="lv-warehouse" value=${f.warehouse} onChange=${(e) => setF(at(e.target.value))}>${warehouses.map((w) => html`<option value=${w.code}>${w.code}</option>`)}</select>
    <label>min <input name="lv-min" type="number" min="0" value=${f.min} onInput=${set('min')} /></label>
    <label>max <input name="lv-max" type="number" min="0" value=${f.max} onInput=${set('max')} /></label>
    <button class="set-levels" onClick=${() => act(async () => {
      setDone(await call('Inventory', 'SetStockLevels', { chain: s.chain, warehouse: f.warehouse, part_no: part, min_qty: Number(f.min), max_qty: Number(f.max) }));
      onDone();
    })}>Set</button>
    ${done ? html`<span class="ok">${done.warehouse}: min ${done.min_qty}, max ${done.max_qty || 'none'}</span>` : null}</div></div>`;
}

export function Fitment({ s, part }) {
  const act = useAction();
  const [fit, reload] = useLoad(() => call('Inventory', 'GetFitment', { chain: s.chain, part_no: part }), [s.chain, part]);
  const [text, setText] = useState(null);
  const models = fit?.models || [];
  return html`<div class="card fitment"><h4>Fits (vehicle models)</h4>
    ${text === null ? html`<p>${models.length ? models.join(' · ') : html`<span class="muted">no models recorded</span>`}
        <button onClick=${() => setText(models.join('\n'))}>Edit</button></p>`
    : html`<textarea name="fit-models" rows="4" cols="40" placeholder="one model a line" value=${text} onInput=${(e) => setText(e.target.value)}></textarea>
      <div class="row"><button class="primary" onClick=${() => act(async () => {
        await call('Inventory', 'SetFitment', { fitment: { chain: s.chain, part_no: part, models: text.split('\n').map((x) => x.trim()).filter(Boolean) } });
        setText(null);
        reload();
      })}>Save fitment</button><button onClick=${() => setText(null)}>Cancel</button></div>`}
  </div>`;
}

export function Quotes({ s, part }) {
  const act = useAction();
  const [q, reload] = useLoad(() => call('Inventory', 'ListQuotes', { chain: s.chain, part_no: part }), [s.chain, part]);
  const [sup] = useLoad(() => call('Inventory', 'ListSuppliers', { chain: s.chain }), [s.chain]);
  const [f, setF] = useState({ supplier: '', price: '', lead: 1 });
  const set = (k) => (e) => setF({ ...f, [k]: e.target.value });
  return html`<div class="card quotes"><h4>Supplier quotes</h4>
    <table class="list"><thead><tr><th>supplier</th><th>price</th><th>lead time</th></tr></thead>
      <tbody>${(q?.quotes || []).map((x) => html`<tr class="quote-row"><td>${x.supplier}</td><td>${yuan(x.price_fen)}</td><td>${x.lead_days} d</td></tr>`)}</tbody></table>
    <div class="row"><select name="qt-supplier" value=${f.supplier} onChange=${set('supplier')}><option value="">supplier…</option>
        ${(sup?.suppliers || []).map((x) => html`<option value=${x.code}>${x.code} ${x.name}</option>`)}</select>
      <label>price ¥ <input name="qt-price" type="number" step="0.01" value=${f.price} onInput=${set('price')} /></label>
      <label>lead days <input name="qt-lead" type="number" min="0" value=${f.lead} onInput=${set('lead')} /></label>
      <button onClick=${() => act(async () => {
        await call('Inventory', 'SetQuote', { quote: { chain: s.chain, supplier: f.supplier, part_no: part, price_fen: Math.round(Number(f.price || 0) * 100), lead_days: Number(f.lead) } });
        reload();
      })}>Set quote</button></div></div>`;
}

export function LotTrace({ s, lot, onClose }) {
  const [t] = useLoad(() => call('Inventory', 'TraceLot', { chain: s.chain, lot }), [s.chain, lot]);
  if (!t) return null;
  return html`<div class="card lot-trace" data-lot=${t.lot}><button class="close" onClick=${onClose}>×</button>
    <h4>Lot #${t.lot}: ${t.part_no} at ${t.warehouse}</h4>
    <p>received ${t.received} · in ${t.in_total} · out ${t.out_total} · remaining ${t.remaining}</p>
    <table class="list"><thead><tr><th>#</th><th>time</th><th>kind</th><th>qty</th><th>work order</th><th>actor</th></tr></thead>
      <tbody>${t.movements.map((m) => html`<tr><td>${m.seq}</td><td>${new Date(m.at_ms).toLocaleString()}</td><td>${shortEnum(m.kind, 'MOVEMENT_KIND_')}</td>
        <td>${(m.lots || []).find((l) => l.lot === t.lot)?.qty ?? m.qty}</td><td>${m.work_order}</td><td>${m.actor}</td></tr>`)}</tbody></table></div>`;
}

export function Suppliers({ s }) {
  const act = useAction();
  const [sup, reload] = useLoad(() => call('Inventory', 'ListSuppliers', { chain: s.chain }), [s.chain]);
  const [f, setF] = useState({ code: '', name: '', quality: 80 });
  const set = (k) => (e) => setF({ ...f, [k]: e.target.value });
  return html`<details class="card suppliers"><summary>Suppliers</summary>
    <table class="list"><thead><tr><th>code</th><th>name</th><th>quality</th></tr></thead>
      <tbody>${(sup?.suppliers || []).map((x) => html`<tr><td>${x.code}</td><td>${x.name}</td><td>${x.quality}</td></tr>`)}</tbody></table>
    <div class="row"><input name="sup-code" placeholder="code" value=${f.code} onInput=${set('code')} />
      <input name="sup-name" placeholder="name" value=${f.name} onInput=${set('name')} />
      <label>quality <input name="sup-quality" type="number" min="0" max="100" value=${f.quality} onInput=${set('quality')} /></label>
      <button onClick=${() => act(async () => {
        await call('Inventory', 'CreateSupplier', { supplier: { chain: s.chain, code: f.code, name: f.name, quality: Number(f.quality) } });
        reload();
      })}>Add supplier</button></div></details>`;
}

export function Purchase({ s, warehouses }) {
  const act = useAction();
  const [wh, setWh] = useState('');
  const [lead, setLead] = useState(0);
  const [r, setR] = useState(null);
  const lines = (ls) => ls.map((l) => html`<tr><td>${l.warehouse}</td><td>${l.part_no}</td><td>${l.qty}</td><td>${yuan(l.price_fen)}</td><td>${l.lead_days} d</td></tr>`);
  const head = html`<thead><tr><th>warehouse</th><th>part</th><th>qty</th><th>price</th><th>lead</th></tr></thead>`;
  return html`<details class="card purchase"><summary>Purchase suggestions</summary>
    <div class="row"><select name="po-warehouse" value=${wh} onChange=${(e) => setWh(e.target.value)}><option value="">every warehouse</option>
        ${warehouses.map((w) => html`<option value=${w.code}>${w.code}</option>`)}</select>
      <label>max lead days <input name="po-lead" type="number" min="0" value=${lead} onInput=${(e) => setLead(e.target.value)} /></label>
      <button class="primary suggest" onClick=${() => act(async () => setR(await call('Inventory', 'SuggestPurchase', { chain: s.chain, warehouse: wh, max_lead_days: Number(lead) })))}>Suggest</button></div>
    ${r ? html`${r.orders.length === 0 && r.unassigned.length === 0 ? html`<p>Nothing to buy.</p>` : null}
      ${r.orders.map((o) => html`<div class="po" data-supplier=${o.supplier}><h4>${o.supplier}: ${yuan(o.total_fen)}</h4><table class="list">${head}<tbody>${lines(o.lines)}</tbody></table></div>`)}
      ${r.unassigned.length ? html`<h4 class="warn">No quote meets the lead time</h4><table class="list">${head}<tbody>${lines(r.unassigned)}</tbody></table>` : null}` : null}
  </details>`;
}

export function Ledger({ s }) {
  const act = useAction();
  const [r, setR] = useState(null);
  return html`<div class="row ledger"><button class="verify" onClick=${() => act(async () => setR(await call('Inventory', 'VerifyLedger', { chain: s.chain })))}>Verify the ledger</button>
    ${r ? (r.consistent ? html`<span class="ok">ledger and stock agree</span>` : html`<span class="warn">inconsistent: ${r.detail}</span>`) : null}</div>`;
}
