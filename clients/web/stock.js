// Stock: search a part (by number or vehicle model), stock per warehouse
// with lots, movements; receive / issue / sell / adjust; stocktake; alerts.
import { useState } from 'preact/hooks';
import { call, shortEnum, yuan } from '../shared/api.js';
import { html, useAction, useLoad } from '../shared/ui.js';
import { Fitment, Ledger, Levels, LotTrace, Purchase, Quotes, Suppliers } from './parts.js';

const OPS = {
  Receive: 'receive', Issue: 'issue to work order', Sell: 'counter sale', Adjust: 'adjust', ReturnStock: 'return (to stock / supplier)',
  Reserve: 'reserve for work order', Release: 'release reservation',
};
const NEEDS_WO = ['Issue', 'Reserve', 'Release'];

function MoveForm({ s, part, warehouses, onDone }) {
  const act = useAction();
  const [f, setF] = useState({ op: 'Receive', warehouse: warehouses[0]?.code || '', qty: 1, cost: '', supplier: '', bin: '', work_order: '', reason: '', lot: '', to_supplier: false });
  const [last, setLast] = useState(null);
  const set = (k) => (e) => setF({ ...f, [k]: e.target.value });
  const [sup] = useLoad(() => call('Inventory', 'ListSuppliers', { chain: s.chain }), [s.chain]);
  const submit = () => act(async () => {
    setLast(null);
    const req = {
      chain: s.chain, warehouse: f.warehouse || warehouses[0]?.code, part_no: part, qty: Number(f.qty), actor: s.actor || 'clerk',
      work_order: f.work_order, reason: f.reason, supplier: f.supplier, bin: f.bin,
      unit_cost_fen: f.cost === '' ? 0 : Math.round(Number(f.cost) * 100),
      lot: Number(f.lot || 0), to_supplier: f.op === 'ReturnStock' && f.to_supplier,
    };
    const m = await call('Inventory', f.op, req);
    setLast(m);
    onDone();
  });
  return html`<div class="card move-form">
    <h4>Stock movement</h4>
    <div class="row">
      <select name="op" value=${f.op} onChange=${set('op')}>${Object.entries(OPS).map(([k, v]) => html`<option value=${k}>${v}</option>`)}</select>
      <select name="warehouse" value=${f.warehouse} onChange=${set('warehouse')}>${warehouses.map((w) => html`<option value=${w.code}>${w.code}</option>`)}</select>
      <label>qty <input name="qty" type="number" value=${f.qty} onInput=${set('qty')} /></label>
      ${f.op === 'Receive' || f.op === 'Adjust' || f.op === 'ReturnStock' ? html`<label>unit cost ¥ <input name="cost" type="number" step="0.01" value=${f.cost} onInput=${set('cost')} /></label>` : null}
      ${f.op === 'Receive' ? html`<select name="supplier" value=${f.supplier} onChange=${set('supplier')}><option value="">no supplier</option>
        ${(sup?.suppliers || []).map((x) => html`<option value=${x.code}>${x.code}</option>`)}</select>
        <input name="bin" placeholder="bin" value=${f.bin} onInput=${set('bin')} />` : null}
      ${NEEDS_WO.includes(f.op) ? html`<input name="work_order" placeholder="work order" value=${f.work_order} onInput=${set('work_order')} />` : null}
      ${f.op === 'Issue' || f.op === 'Sell' || f.op === 'ReturnStock' ? html`<input name="lot" type="number" min="0" placeholder="lot (empty: FIFO)" value=${f.lot} onInput=${set('lot')} />` : null}
      ${f.op === 'ReturnStock' ? html`<label><input type="checkbox" name="to_supplier" checked=${f.to_supplier} onChange=${(e) => setF({ ...f, to_supplier: e.target.checked })} /> to the supplier</label>` : null}
      ${f.op === 'Adjust' ? html`<input name="reason" placeholder="reason" value=${f.reason} onInput=${set('reason')} />` : null}
      <button class="primary submit-move" onClick=${submit}>Submit</button>
    </div>
    ${last ? html`<p class="ok move-result" data-seq=${last.seq} data-on-hand=${last.on_hand_after}>
      Movement #${last.seq}: ${shortEnum(last.kind, 'MOVEMENT_KIND_')} ${last.qty > 0 ? '+' : ''}${last.qty} at ${last.warehouse} — on hand now ${last.on_hand_after}</p>` : null}
  </div>`;
}

function PartStock({ s, part, warehouses }) {
  const [lot, setLot] = useState(null);
  // The chain-wide read gives a row per warehouse and the total; each
  // warehouse's own read adds its lots and min/max levels.
  const [stock, reloadStock] = useLoad(async () => {
    const chainWide = await call('Inventory', 'GetStock', { chain: s.chain, part_no: part });
    const per = await Promise.all(chainWide.rows.map((r) => call('Inventory', 'GetStock', { chain: s.chain, warehouse: r.warehouse, part_no: part, include_lots: true })));
    return { rows: per.map((x) => x.rows[0]).filter(Boolean), total: chainWide.total };
  }, [s.chain, part]);
  const [info] = useLoad(() => call('Admin', 'GetPart', { chain: s.chain, part_no: part }), [s.chain, part]);
  const [moves, reloadMoves] = useLoad(() => call('Inventory', 'ListMovements', { chain: s.chain, part_no: part, limit: 500 }), [s.chain, part]);
  const reload = () => { reloadStock(); reloadMoves(); };
  const rows = stock?.rows || [];
  return html`<div class="part-stock" data-part=${part}>
    <h3>${part} ${info ? html`<span class="muted">${info.name} · ${info.spec} · ${info.oem ? 'OEM' : 'aftermarket'} · sale ${yuan(info.sale_fen)}</span>` : null}</h3>
    <table class="list stock-table"><thead><tr><th>warehouse</th><th>on hand</th><th>reserved</th><th>available</th><th>in transit</th><th>min</th><th>max</th><th>lots (FIFO)</th></tr></thead>
      <tbody>${rows.map((r) => html`<tr data-warehouse=${r.warehouse}>
        <td>${r.warehouse}</td><td class="on-hand">${r.on_hand}</td><td>${r.reserved}</td><td class="available">${r.available}</td><td>${r.in_transit}</td><td>${r.min_qty}</td><td>${r.max_qty || '—'}</td>
        <td class="lots">${(r.lots || []).map((l) => html`<span class="lot clickable" onClick=${() => setLot(l.lot)} title=${`received ${new Date(l.received_ms).toLocaleString()}`}>#${l.lot}: ${l.qty_left}/${l.qty_received} @${yuan(l.unit_cost_fen)} ${l.supplier} ${l.bin}</span>`)}</td></tr>`)}
      ${stock?.total ? html`<tr class="total"><td>chain total</td><td class="on-hand">${stock.total.on_hand}</td><td>${stock.total.reserved}</td><td>${stock.total.available}</td><td>${stock.total.in_transit}</td><td></td><td></td><td></td></tr>` : null}
      </tbody></table>
    ${lot ? html`<${LotTrace} key=${lot} s=${s} lot=${lot} onClose=${() => setLot(null)} />` : null}
    <${MoveForm} s=${s} part=${part} warehouses=${warehouses} onDone=${reload} />
    <div class="grid2"><${Levels} s=${s} part=${part} warehouses=${warehouses} rows=${rows} onDone=${reload} />
      <${Fitment} s=${s} part=${part} /></div>
    <${Quotes} s=${s} part=${part} />
    <h4>Movements</h4>
    <table class="list movements"><thead><tr><th>#</th><th>time</th><th>kind</th><th>warehouse</th><th>qty</th><th>on hand after</th><th>work order</th><th>actor</th><th>reason</th></tr></thead>
      <tbody>${(moves?.movements || []).slice(-25).reverse().map((m) => html`<tr>
        <td>${m.seq}</td><td>${new Date(m.at_ms).toLocaleString()}</td><td>${shortEnum(m.kind, 'MOVEMENT_KIND_')}</td><td>${m.warehouse}</td>
        <td>${m.qty}</td><td>${m.on_hand_after}</td><td>${m.work_order}</td><td>${m.actor}</td><td>${m.reason}</td></tr>`)}</tbody></table>
  </div>`;
}

function Stocktake({ s, warehouses }) {
  const act = useAction();
  const [wh, setWh] = useState('');
  const [st, setSt] = useState(null);
  const [count, setCount] = useState({ part_no: '', counted: 0 });
  const [counted, setCounted] = useState([]);
  const [report, setReport] = useState(null);
  return html`<details class="card stocktake"><summary>Stocktake (盘点)</summary>
    ${!st ? html`<div class="row"><select value=${wh} onChange=${(e) => setWh(e.target.value)}>
        <option value="">warehouse…</option>${warehouses.map((w) => html`<option value=${w.code}>${w.code}</option>`)}</select>
      <button onClick=${() => act(async () => { setReport(null); setCounted([]); setSt(await call('Inventory', 'OpenStocktake', { chain: s.chain, warehouse: wh, actor: s.actor || 'clerk' })); })}>Open</button></div>`
    : html`<p>Stocktake #${st.stocktake_id} at ${st.warehouse}</p>
      <div class="row"><input placeholder="part no" value=${count.part_no} onInput=${(e) => setCount({ ...count, part_no: e.target.value })} />
        <input type="number" value=${count.counted} onInput=${(e) => setCount({ ...count, counted: Number(e.target.value) })} />
        <button onClick=${() => act(async () => {
          await call('Inventory', 'RecordCount', { chain: s.chain, stocktake_id: st.stocktake_id, ...count });
          setCounted([...counted, count]);
        })}>Record count</button>
        <button class="primary" onClick=${() => act(async () => {
          setReport(await call('Inventory', 'CloseStocktake', { chain: s.chain, stocktake_id: st.stocktake_id, actor: s.actor || 'clerk' }));
          setSt(null);
        })}>Close</button></div>
      <ul>${counted.map((c) => html`<li>${c.part_no}: ${c.counted}</li>`)}</ul>`}
    ${report ? html`<table class="list"><thead><tr><th>part</th><th>expected</th><th>counted</th><th>variance</th><th>value</th></tr></thead>
      <tbody>${report.variances.map((v) => html`<tr><td>${v.part_no}</td><td>${v.expected}</td><td>${v.counted}</td><td>${v.variance}</td><td>${yuan(v.value_fen)}</td></tr>`)}</tbody></table>
      <p>Total ${yuan(report.total_value_fen)}</p>` : null}
  </details>`;
}

export function Alerts({ s, onPart, onQuote }) {
  const [alerts, reload] = useLoad(() => call('Inventory', 'ListAlerts', { chain: s.chain }), [s.chain]);
  return html`<div class="card alerts"><h4>Alerts <button onClick=${reload}>Refresh</button></h4>
    <table class="list"><thead><tr><th>kind</th><th>warehouse</th><th>part</th><th>on hand</th><th>available</th><th>min</th><th>max</th><th>90-day usage</th><th></th></tr></thead>
    <tbody>${(alerts?.alerts || []).map((a) => html`<tr class=${`alert ${a.kind === 'ALERT_KIND_BELOW_MIN' ? 'low' : 'over'}`}>
      <td>${a.kind === 'ALERT_KIND_BELOW_MIN' ? 'low stock' : shortEnum(a.kind, 'ALERT_KIND_')}</td><td>${a.warehouse}</td>
      <td><a href="#" onClick=${(e) => { e.preventDefault(); onPart(a.part_no); }}>${a.part_no}</a></td>
      <td>${a.on_hand}</td><td>${a.available}</td><td>${a.min_qty}</td><td>${a.max_qty || '—'}</td><td>${a.usage_90d}</td>
      <td>${a.kind === 'ALERT_KIND_BELOW_MIN' ? html`<button onClick=${() => onQuote({ part_no: a.part_no, qty: Math.max(1, a.min_qty - a.available), destination: a.warehouse })}>Quote transfer</button>` : null}</td>
    </tr>`)}</tbody></table></div>`;
}

export function Stock({ s, onQuote }) {
  const act = useAction();
  const [q, setQ] = useState('');
  const [found, setFound] = useState(null);
  const [part, setPart] = useState(null);
  const [wh] = useLoad(() => call('Admin', 'ListWarehouses', { chain: s.chain }), [s.chain]);
  const warehouses = wh?.warehouses || [];
  // A part number is looked up as such; anything else as a vehicle model.
  const search = () => act(async () => {
    const text = q.trim();
    const byModel = await call('Inventory', 'FindPartsByModel', { chain: s.chain, model: text });
    let exact = null;
    try {
      exact = await call('Admin', 'GetPart', { chain: s.chain, part_no: text });
    } catch (e) {
      if (e.code !== 'NOT_FOUND' && e.code !== 'INVALID_ARGUMENT') throw e;
      if (byModel.part_nos.length === 0) throw e;
    }
    const list = [...new Set([...(exact ? [exact.part_no] : []), ...byModel.part_nos])];
    setFound(list);
    if (list.length === 1) setPart(list[0]);
  });
  return html`<section class="stock">
    <div class="row toolbar"><h2>Stock</h2>
      <input name="part-search" placeholder="part no or vehicle model" value=${q} onInput=${(e) => setQ(e.target.value)}
        onKeyDown=${(e) => { if (e.key === 'Enter') search(); }} />
      <button class="primary search" onClick=${search}>Search</button>
      ${(found || []).map((p) => html`<button class=${`chip ${p === part ? 'selected' : ''}`} onClick=${() => setPart(p)}>${p}</button>`)}
    </div>
    ${part && warehouses.length ? html`<${PartStock} key=${part} s=${s} part=${part} warehouses=${warehouses} />` : null}
    <${Alerts} s=${s} onPart=${(p) => { setQ(p); setPart(p); }} onQuote=${onQuote} />
    <${Stocktake} s=${s} warehouses=${warehouses} />
    <${Purchase} s=${s} warehouses=${warehouses} />
    <${Suppliers} s=${s} />
    <${Ledger} s=${s} />
  </section>`;
}
