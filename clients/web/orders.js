// Work orders: list by state, open one (live events, extra items), create a
// walk-in, and the store's live feed (WatchStore).
import { useEffect, useState } from 'preact/hooks';
import { call, stream, shortEnum, yuan } from '../shared/api.js';
import { html, useAction, useLoad, StateChip } from '../shared/ui.js';
import { WorkOrderView, WarrantyBadge, listFen } from '../shared/workorder.js';

const STATES = ['', 'PENDING', 'IN_REPAIR', 'AWAITING_QC', 'COMPLETED', 'DELIVERED', 'CANCELLED'];

// A walk-in: vehicle (plate, VIN, mileage), a labour item and optionally a
// part, each of which the advisor may flag as a factory-warranty claim.
// "Check warranty" previews what the engine would decide (CheckWarranty,
// no writes) before the order is created.
function NewWalkIn({ s, onCreated }) {
  const act = useAction();
  const [f, setF] = useState({ plate: '', vin: '', mileage: '', model: '', complaint: '', service: 'MAINT', part_no: '', qty: 1, claimLabour: false, claimPart: false });
  const [preview, setPreview] = useState(null);
  const set = (k) => (e) => { setF({ ...f, [k]: e.target.type === 'checkbox' ? e.target.checked : e.target.value }); setPreview(null); };
  const items = () => {
    const out = [];
    if (f.service) out.push({ kind: 'ITEM_KIND_LABOUR', service: f.service, warranty_claim: f.claimLabour });
    if (f.part_no) out.push({ kind: 'ITEM_KIND_PART', part_no: f.part_no, qty: Number(f.qty), warranty_claim: f.claimPart });
    return out;
  };
  return html`<details class="card new-wo"><summary>New walk-in work order</summary>
    <div class="row">
      <input name="wo-plate" placeholder="plate" value=${f.plate} onInput=${set('plate')} />
      <input name="wo-vin" placeholder="VIN (17)" value=${f.vin} onInput=${set('vin')} />
      <input name="wo-mileage" type="number" placeholder="mileage km" value=${f.mileage} onInput=${set('mileage')} />
      <input name="wo-model" placeholder="model" value=${f.model} onInput=${set('model')} />
      <input name="wo-complaint" placeholder="complaint" value=${f.complaint} onInput=${set('complaint')} />
    </div><div class="row">
      <input name="wo-service" placeholder="service (labour)" value=${f.service} onInput=${set('service')} />
      <label><input type="checkbox" name="wo-claim-labour" checked=${f.claimLabour} onChange=${set('claimLabour')} /> warranty claim</label>
      <input name="wo-part" placeholder="part no (optional)" value=${f.part_no} onInput=${set('part_no')} />
      <input name="wo-qty" type="number" min="1" value=${f.qty} onInput=${set('qty')} />
      <label><input type="checkbox" name="wo-claim-part" checked=${f.claimPart} onChange=${set('claimPart')} /> warranty claim</label>
      <button class="check-warranty" onClick=${() => act(async () => {
        setPreview(await call('WorkOrders', 'CheckWarranty', { chain: s.chain, store: s.store, vin: f.vin.trim(), mileage_km: Number(f.mileage || 0), items: items() }));
      })}>Check warranty</button>
      <button class="primary create-wo" onClick=${() => act(async () => {
        const wo = await call('WorkOrders', 'CreateWorkOrder', {
          chain: s.chain, store: s.store, vehicle: { plate: f.plate, vin: f.vin.trim(), model: f.model, mileage_km: Number(f.mileage || 0) },
          complaint: f.complaint, items: items(), advisor: s.actor || 'advisor',
        });
        setPreview(null);
        onCreated(wo.id);
      })}>Create</button>
    </div>
    ${preview ? html`<div class="warranty-preview"><h4>Warranty preview (nothing is saved)</h4>
      <table class="list"><thead><tr><th>item</th><th>coverage</th><th>customer</th><th>list</th></tr></thead>
        <tbody>${preview.items.map((it, i) => html`<tr class="preview-item" data-warranty=${it.warranty}><td>${i + 1}. ${it.kind === 'ITEM_KIND_PART' ? `${it.part_no} × ${it.qty}` : it.service}</td>
          <td>${it.warranty === 'WARRANTY_COVERAGE_NONE' ? '—' : html`<${WarrantyBadge} w=${it.warranty} source=${it.warranty_source_id} item=${it.warranty_source_item} />`}</td>
          <td>${yuan(it.customer_fen)}</td><td>${yuan(listFen(it))}</td></tr>`)}</tbody></table>
      <p>customer pays <b class="preview-customer" data-fen=${preview.customer_fen}>${yuan(preview.customer_fen)}</b> · warranty covers
        <b class="preview-warranty" data-fen=${preview.warranty_fen}>${yuan(preview.warranty_fen)}</b></p></div>` : null}
  </details>`;
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

// The repair report (交车报告): what was done, with the lots each part
// came from, the totals and the warranty — as the engine recorded it.
export function RepairReport({ r }) {
  return html`<section class="card repair-report" data-wo=${r.work_order_id}>
    <h3>Repair report — work order #${r.work_order_id}</h3>
    <div class="muted">${r.store} · ${r.vehicle?.plate || ''} ${r.vehicle?.model || ''} · delivered ${new Date(r.delivered_ms).toLocaleString()}
      · technicians ${(r.technicians || []).join(', ')}</div>
    <table class="list"><thead><tr><th>#</th><th>item</th><th>qty / minutes</th><th>amount (list)</th><th>lots (supplier)</th></tr></thead>
      <tbody>${(r.lines || []).map((l) => html`<tr class="report-line"><td>${l.item_no}</td>
        <td>${l.kind === 'ITEM_KIND_PART' ? l.part_no : l.service}<${WarrantyBadge} w=${l.warranty} source=${l.warranty_source_id} item=${l.warranty_source_item} /></td>
        <td>${l.kind === 'ITEM_KIND_PART' ? l.qty : `${l.labour_minutes} min`}</td><td>${yuan(l.amount_fen)}${Number(l.list_amount_fen) !== Number(l.amount_fen)
          ? html`<span class="list-price">${yuan(l.list_amount_fen)}</span>` : null}</td>
        <td>${(l.lots || []).map((x) => `#${x.lot} × ${x.qty} @${yuan(x.unit_cost_fen)}`).join(', ')}${l.supplier ? ` (${l.supplier})` : ''}</td></tr>`)}</tbody></table>
    <p>labour ${yuan(r.labour_fen)} · parts ${yuan(r.parts_fen)}${Number(r.warranty_fen) ? ` · under warranty ${yuan(r.warranty_fen)}` : ''} · <b class="report-total" data-fen=${r.total_fen}>total ${yuan(r.total_fen)}</b></p>
    <p>Warranty until ${r.warranty_until_ms ? new Date(r.warranty_until_ms).toLocaleDateString() : '—'} or ${r.warranty_until_km} km.
      QC: ${(r.qc || []).map((q) => `${q.passed ? 'passed' : 'failed'} (${q.inspector})`).join(', ') || '—'}</p>
  </section>`;
}

// The advisor's tools beside the live view: (re)assign technicians,
// retry reserving parts that were short, and the report once delivered.
function OrderTools({ s, id, tick }) {
  const act = useAction();
  const [wo, reload] = useLoad(() => call('WorkOrders', 'GetWorkOrder', { chain: s.chain, id }), [s.chain, id, tick]);
  const [res] = useLoad(() => (wo ? call('Admin', 'ListResources', { chain: s.chain, store: wo.store }) : Promise.resolve(null)), [s.chain, wo?.store]);
  const delivered = wo?.state === 'WORK_ORDER_STATE_DELIVERED';
  const [report] = useLoad(() => (delivered ? call('WorkOrders', 'GetRepairReport', { chain: s.chain, id }) : Promise.resolve(null)), [s.chain, id, delivered]);
  const [techs, setTechs] = useState([]);
  if (!wo) return null;
  const short = (wo.items || []).some((it) => it.short_qty > 0);
  const open = wo.state === 'WORK_ORDER_STATE_PENDING' || wo.state === 'WORK_ORDER_STATE_IN_REPAIR';
  const assign = (mode) => act(async () => {
    await call('WorkOrders', 'Assign', { chain: s.chain, id, mode, technicians: mode === 'ASSIGN_MODE_MANUAL' ? techs : [], actor: s.actor || 'advisor' });
    reload();
  });
  return html`<div class="order-tools">
    ${open ? html`<div class="card assign"><h4>Technicians</h4><div class="row">
      ${(res?.technicians || []).map((t) => html`<label><input type="checkbox" name=${`tech-${t.code}`} checked=${techs.includes(t.code)}
        onChange=${() => setTechs(techs.includes(t.code) ? techs.filter((x) => x !== t.code) : [...techs, t.code])} /> ${t.code} ${t.name}</label>`)}</div>
      <div class="row"><button class="assign-manual" onClick=${() => assign('ASSIGN_MODE_MANUAL')}>Assign these</button>
        <button class="assign-auto" onClick=${() => assign('ASSIGN_MODE_AUTO')}>Assign automatically</button></div></div>` : null}
    ${short && open ? html`<div class="card short"><span class="warn">Some parts are short.</span>
      <button class="reserve-short" onClick=${() => act(async () => { await call('WorkOrders', 'ReserveShortParts', { chain: s.chain, id, actor: s.actor || 'advisor' }); reload(); })}>Try to reserve them again</button></div>` : null}
    ${wo.claim_no ? html`<p class="muted">From claim <a href="#claims">${wo.insurer} ${wo.claim_no}</a></p>` : null}
    ${report ? html`<${RepairReport} r=${report} />` : null}
  </div>`;
}

export function WorkOrders({ s, openId }) {
  const [state, setState] = useState('');
  const [plate, setPlate] = useState('');
  const [q, setQ] = useState('');
  const [pages, setPages] = useState([0]);
  const [tick, setTick] = useState(0);
  const after = pages[pages.length - 1];
  const [list, reload] = useLoad(() => call('WorkOrders', 'ListWorkOrders', {
    chain: s.chain, store: s.store, state: state ? `WORK_ORDER_STATE_${state}` : 'WORK_ORDER_STATE_UNSPECIFIED', plate: q, limit: 50, after_id: after,
  }), [s.chain, s.store, state, q, after]);
  const open = (id) => { location.hash = `orders/${id}`; };
  return html`<section class="orders split">
    <div>
      <div class="row toolbar"><h2>Work orders ${s.store}</h2>
        <select name="wo-state" value=${state} onChange=${(e) => setState(e.target.value)}>
          ${STATES.map((x) => html`<option value=${x}>${x ? x.replace('_', ' ').toLowerCase() : 'every state'}</option>`)}</select>
        <input name="wo-find-plate" placeholder="plate" value=${plate} onInput=${(e) => setPlate(e.target.value)}
          onKeyDown=${(e) => { if (e.key === 'Enter') { setQ(plate.trim()); setPages([0]); } }} />
        <button onClick=${() => { setQ(plate.trim()); setPages([0]); }}>Find</button>
        <button onClick=${reload}>Refresh</button> <a class="to-supplier-claims" href="#orders/supplier-claims">Supplier claims</a></div>
      <${NewWalkIn} s=${s} onCreated=${(id) => { reload(); open(id); }} />
      <table class="list wo-list"><thead><tr><th>#</th><th>plate</th><th>state</th><th>technicians</th><th>complaint</th></tr></thead>
        <tbody>${(list?.work_orders || []).map((w) => html`<tr class=${`clickable ${openId === w.id ? 'selected' : ''}`} data-wo=${w.id} onClick=${() => open(w.id)}>
          <td>${w.id}</td><td>${w.vehicle?.plate}</td><td><${StateChip} state=${w.state} prefix="WORK_ORDER_STATE_" /></td>
          <td>${(w.technicians || []).join(', ')}</td><td>${w.complaint}</td></tr>`)}</tbody></table>
      <div class="row paging"><button disabled=${pages.length < 2} onClick=${() => setPages(pages.slice(0, -1))}>‹ Previous</button>
        <button disabled=${!list?.next_after_id} onClick=${() => setPages([...pages, list.next_after_id])}>Next ›</button></div>
      <${StoreFeed} s=${s} onEvent=${reload} />
    </div>
    <div>${openId ? html`<${WorkOrderView} key=${openId} chain=${s.chain} id=${openId} role="advisor" actor=${s.actor || 'advisor'} onEvent=${() => { reload(); setTick((n) => n + 1); }} />
      <${OrderTools} key=${`t${openId}`} s=${s} id=${openId} tick=${tick} />` : html`<p class="muted">Open a work order to see it live.</p>`}</div>
  </section>`;
}
