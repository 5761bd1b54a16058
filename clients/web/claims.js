// Claims (insurers) and fleet batches: list the chain's claims (by
// insurer, paged), open one (its work order's state, its held booking or
// the recommended slots, quoted vs the insurer's estimate, parts short),
// submit a claim from an assessment, and schedule a fleet's vehicles in
// one batch. The engine decides everything; refusals go to the banner,
// a fleet job that got no slot shows the engine's reason on its row.
import { useState } from 'preact/hooks';
import { call, hhmm, yuan } from '../shared/api.js';
import { html, useAction, useLoad, useStores, StateChip } from '../shared/ui.js';

const PAGE = 20;

function offsetOf(stores, code) {
  return stores.find((x) => x.code === code)?.utc_offset_min ?? 480;
}

function when(b, stores) {
  const off = offsetOf(stores, b.store);
  const day = new Date((b.start_min + off) * 60000).toISOString().slice(0, 10);
  return `${day} ${hhmm(b.start_min, off)}–${hhmm(b.end_min, off)}`;
}

function segs(segments) {
  return (segments || []).map((g) => `${g.service} bay ${g.bay} ${g.technicians.join('+')}`).join(', ');
}

export function BookingLine({ b, stores }) {
  return html`<span class="booking-line" data-booking=${b.id} data-state=${b.state}>
    booking #${b.id} <${StateChip} state=${b.state} prefix="BOOKING_STATE_" /> ${b.store} ${when(b, stores)} · ${segs(b.segments)}
    ${b.expires_ms && b.state === 'BOOKING_STATE_HELD' ? html` <span class="muted">(held until ${new Date(b.expires_ms).toLocaleTimeString()})</span>` : null}</span>`;
}

// One claim as the engine answered it (GetClaim or SubmitClaim's reply).
export function ClaimCard({ c, stores, onClose }) {
  const diff = c.quoted_fen - c.estimate_fen;
  return html`<section class="card claim" data-claim=${c.claim_no} data-insurer=${c.insurer} data-wo=${c.work_order_id}>
    ${onClose ? html`<button class="close" onClick=${onClose}>×</button>` : null}
    <h3>Claim ${c.claim_no} <span class="muted">${c.insurer}${c.policy_no ? ` · policy ${c.policy_no}` : ''} · ${c.store}</span>
      ${c.replayed ? html` <span class="chip replayed">already submitted — first answer</span>` : null}</h3>
    <p class="claim-wo">Work order <a class="wo-link" href=${`#orders/${c.work_order_id}`}>#${c.work_order_id}</a>
      <${StateChip} state=${c.work_order_state} prefix="WORK_ORDER_STATE_" /></p>
    <p class="claim-booking">${c.booking ? html`<${BookingLine} b=${c.booking} stores=${stores} />`
      : (c.options || []).length ? html`No booking held. Recommended times:` : html`No booking.`}</p>
    ${!c.booking && (c.options || []).length ? html`<ul class="claim-options">${c.options.map((o) => html`<li class="option" data-start=${o.start_min}>
      ${o.store} ${o.local_date} ${o.local_time} · ${segs(o.segments)}</li>`)}</ul>` : null}
    <table class="list money"><tbody>
      <tr><td>quoted (chain prices)</td><td class="quoted" data-fen=${c.quoted_fen}>${yuan(c.quoted_fen)}</td></tr>
      <tr><td>insurer's estimate</td><td class="estimate" data-fen=${c.estimate_fen}>${yuan(c.estimate_fen)}</td></tr>
      <tr><td>difference</td><td class=${diff > 0 ? 'warn' : ''}>${diff > 0 ? '+' : ''}${yuan(diff)}</td></tr>
      <tr><td>parts short</td><td class=${`parts-short ${c.parts_short ? 'warn' : ''}`} data-short=${c.parts_short}>${c.parts_short}</td></tr>
    </tbody></table>
    <p class="muted">submitted ${c.created_ms ? new Date(c.created_ms).toLocaleString() : ''}</p>
  </section>`;
}

function ItemsEditor({ items, setItems, services }) {
  const set = (i, k, v) => setItems(items.map((it, j) => (j === i ? { ...it, [k]: v } : it)));
  return html`<table class="list items-editor"><thead><tr><th>kind</th><th>service / part no</th><th>qty</th><th></th></tr></thead>
    <tbody>${items.map((it, i) => html`<tr class="item-input" data-i=${i}>
      <td><select name=${`item-kind-${i}`} value=${it.kind} onChange=${(e) => set(i, 'kind', e.target.value)}>
        <option value="ITEM_KIND_LABOUR">labour</option><option value="ITEM_KIND_PART">part</option></select></td>
      <td>${it.kind === 'ITEM_KIND_LABOUR'
        ? html`<select name=${`item-service-${i}`} value=${it.service} onChange=${(e) => set(i, 'service', e.target.value)}>
            <option value="">service…</option>${services.map((x) => html`<option value=${x.code}>${x.code} — ${x.name}</option>`)}</select>`
        : html`<input name=${`item-part-${i}`} placeholder="part no" value=${it.part_no} onInput=${(e) => set(i, 'part_no', e.target.value)} />`}</td>
      <td>${it.kind === 'ITEM_KIND_PART' ? html`<input name=${`item-qty-${i}`} type="number" min="1" value=${it.qty} onInput=${(e) => set(i, 'qty', e.target.value)} />` : null}</td>
      <td><button onClick=${() => setItems(items.filter((_, j) => j !== i))}>remove</button></td></tr>`)}</tbody>
    <tfoot><tr><td colspan="4"><button class="add-labour" onClick=${() => setItems([...items, { kind: 'ITEM_KIND_LABOUR', service: '', part_no: '', qty: 1 }])}>+ labour</button>
      <button class="add-part" onClick=${() => setItems([...items, { kind: 'ITEM_KIND_PART', service: '', part_no: '', qty: 1 }])}>+ part</button></td></tr></tfoot></table>`;
}

function SubmitClaim({ s, stores, services, onDone }) {
  const act = useAction();
  const [f, setF] = useState({
    store: s.store, insurer: 'demo-insurer', claim_no: '', policy_no: '', plate: '', vin: '', model: '', mileage_km: '',
    damage: '', estimate: '', service: '', hold: true,
  });
  const [items, setItems] = useState([{ kind: 'ITEM_KIND_LABOUR', service: '', part_no: '', qty: 1 }]);
  const [answer, setAnswer] = useState(null);
  const set = (k) => (e) => setF({ ...f, [k]: e.target.type === 'checkbox' ? e.target.checked : e.target.value });
  const submit = () => act(async () => {
    setAnswer(null);
    const c = await call('Claims', 'SubmitClaim', {
      chain: s.chain, store: f.store, insurer: f.insurer, claim_no: f.claim_no, policy_no: f.policy_no,
      vehicle: { plate: f.plate, vin: f.vin, model: f.model, mileage_km: Number(f.mileage_km || 0) },
      damage: f.damage,
      items: items.map((it) => (it.kind === 'ITEM_KIND_PART'
        ? { kind: it.kind, part_no: it.part_no, qty: Number(it.qty) }
        : { kind: it.kind, service: it.service })),
      service: f.service, hold: f.hold,
      estimate_fen: f.estimate === '' ? 0 : Math.round(Number(f.estimate) * 100),
    });
    setAnswer(c);
    onDone(c);
  });
  return html`<details class="card submit-claim" open><summary>Submit a claim (定损单)</summary>
    <div class="row">
      <label>store <select name="c-store" value=${f.store} onChange=${set('store')}>${stores.map((x) => html`<option value=${x.code}>${x.code}</option>`)}</select></label>
      <input name="c-insurer" placeholder="insurer" value=${f.insurer} onInput=${set('insurer')} />
      <input name="c-claim-no" placeholder="claim no" value=${f.claim_no} onInput=${set('claim_no')} />
      <input name="c-policy" placeholder="policy no" value=${f.policy_no} onInput=${set('policy_no')} />
    </div>
    <div class="row">
      <input name="c-plate" placeholder="plate" value=${f.plate} onInput=${set('plate')} />
      <input name="c-vin" placeholder="VIN" value=${f.vin} onInput=${set('vin')} />
      <input name="c-model" placeholder="model" value=${f.model} onInput=${set('model')} />
      <input name="c-mileage" type="number" placeholder="km" value=${f.mileage_km} onInput=${set('mileage_km')} />
    </div>
    <div class="row"><input name="c-damage" class="wide" placeholder="damage (the assessment)" value=${f.damage} onInput=${set('damage')} />
      <label>estimate ¥ <input name="c-estimate" type="number" step="0.01" value=${f.estimate} onInput=${set('estimate')} /></label></div>
    <h4>Assessed items</h4>
    <${ItemsEditor} items=${items} setItems=${setItems} services=${services} />
    <div class="row">
      <label>book <select name="c-service" value=${f.service} onChange=${set('service')}>
        <option value="">no booking</option>${services.map((x) => html`<option value=${x.code}>${x.code} — ${x.name}</option>`)}</select></label>
      <label><input type="checkbox" name="c-hold" checked=${f.hold} onChange=${set('hold')} /> hold the best time (else only recommend)</label>
      <button class="primary submit-claim-btn" onClick=${submit}>Submit claim</button>
    </div>
    ${answer ? html`<div class="claim-answer"><p class="ok">The engine's answer:</p><${ClaimCard} c=${answer} stores=${stores} /></div>` : null}
  </details>`;
}

// "PLATE SERVICE [STORE]" per line (spaces, tabs or commas between).
function parseJobs(text) {
  return text.split('\n').map((l) => l.trim()).filter(Boolean).map((l) => {
    const [plate, service, store] = l.split(/[\s,;]+/);
    return { vehicle: { plate }, services: service ? [service] : [], store: store || '' };
  });
}

function FleetBatch({ s, stores }) {
  const act = useAction();
  const [fleet, setFleet] = useState('demo-fleet');
  const [text, setText] = useState('');
  const [picked, setPicked] = useState([s.store]);
  const [hold, setHold] = useState(true);
  const [res, setRes] = useState(null);
  const toggle = (code) => setPicked(picked.includes(code) ? picked.filter((x) => x !== code) : [...picked, code]);
  const run = () => act(async () => {
    setRes(null);
    setRes(await call('Claims', 'SubmitFleetBatch', { chain: s.chain, fleet, stores: picked, jobs: parseJobs(text), hold }));
  });
  return html`<details class="card fleet-batch"><summary>Fleet batch (车队批量预约)</summary>
    <div class="row"><input name="f-fleet" placeholder="fleet" value=${fleet} onInput=${(e) => setFleet(e.target.value)} />
      <span>stores:</span>${stores.map((x) => html`<label><input type="checkbox" name=${`f-store-${x.code}`} checked=${picked.includes(x.code)} onChange=${() => toggle(x.code)} /> ${x.code}</label>`)}
      <label><input type="checkbox" name="f-hold" checked=${hold} onChange=${(e) => setHold(e.target.checked)} /> hold</label></div>
    <textarea name="f-jobs" rows="6" cols="50" placeholder=${'one vehicle a line: plate service [store]\n沪A12345 MAINT\n沪B22222 TYRE SH02'}
      value=${text} onInput=${(e) => setText(e.target.value)}></textarea>
    <div class="row"><button class="primary run-batch" onClick=${run}>Schedule batch</button></div>
    ${res ? html`<p class="batch-summary" data-scheduled=${res.scheduled} data-failed=${res.failed}>${res.scheduled} scheduled, ${res.failed} without a slot</p>
      <table class="list batch-results"><thead><tr><th>#</th><th>plate</th><th>result</th></tr></thead>
      <tbody>${res.results.map((r) => html`<tr class=${`job ${r.error ? 'failed' : 'scheduled'}`} data-index=${r.index} data-plate=${r.plate}>
        <td>${r.index + 1}</td><td>${r.plate}</td>
        <td>${r.error ? html`<span class="job-error">${r.error}</span>`
          : r.booking && r.booking.id ? html`<${BookingLine} b=${r.booking} stores=${stores} />`
          : r.option ? html`<span class="job-option">recommended ${r.option.store} ${r.option.local_date} ${r.option.local_time} · ${segs(r.option.segments)}</span>` : null}</td>
      </tr>`)}</tbody></table>` : null}
  </details>`;
}

export function Claims({ s }) {
  const stores = useStores(s.chain);
  const [svc] = useLoad(() => call('Admin', 'ListServices', { chain: s.chain }), [s.chain]);
  const services = svc?.services || [];
  const [insurer, setInsurer] = useState('');
  const [filter, setFilter] = useState('');
  const [pages, setPages] = useState(['']); // cursors of the pages seen
  const after = pages[pages.length - 1];
  const [list, reload] = useLoad(() => call('Claims', 'ListClaims', { chain: s.chain, insurer: filter, limit: PAGE, after_claim_no: after }), [s.chain, filter, after]);
  const [open, setOpen] = useState(null);
  const [claim] = useLoad(() => (open ? call('Claims', 'GetClaim', { chain: s.chain, insurer: open.insurer, claim_no: open.claim_no }) : Promise.resolve(null)), [s.chain, open?.insurer, open?.claim_no, open?.tick]);
  return html`<section class="claims">
    <div class="row toolbar"><h2>Claims</h2>
      <input name="claims-insurer" placeholder="insurer (empty: every insurer)" value=${insurer} onInput=${(e) => setInsurer(e.target.value)}
        onKeyDown=${(e) => { if (e.key === 'Enter') { setFilter(insurer.trim()); setPages(['']); } }} />
      <button class="filter" onClick=${() => { setFilter(insurer.trim()); setPages(['']); }}>Filter</button>
      <button onClick=${reload}>Refresh</button></div>
    <div class="split">
      <div>
        <table class="list claims-list"><thead><tr><th>claim</th><th>insurer</th><th>store</th><th>work order</th><th>booking</th><th>quoted / estimate</th><th>short</th></tr></thead>
          <tbody>${(list?.claims || []).length === 0 ? html`<tr><td colspan="7" class="muted">No claims.</td></tr>` : null}
          ${(list?.claims || []).map((c) => html`<tr class=${`clickable ${open && open.claim_no === c.claim_no && open.insurer === c.insurer ? 'selected' : ''}`}
            data-claim=${c.claim_no} data-insurer=${c.insurer} onClick=${() => setOpen({ insurer: c.insurer, claim_no: c.claim_no, tick: Date.now() })}>
            <td>${c.claim_no}</td><td>${c.insurer}</td><td>${c.store}</td>
            <td>#${c.work_order_id} <${StateChip} state=${c.work_order_state} prefix="WORK_ORDER_STATE_" /></td>
            <td>${c.booking ? html`#${c.booking.id} <${StateChip} state=${c.booking.state} prefix="BOOKING_STATE_" />` : (c.options || []).length ? `${c.options.length} options` : '—'}</td>
            <td>${yuan(c.quoted_fen)} / ${yuan(c.estimate_fen)}</td><td class=${c.parts_short ? 'warn' : ''}>${c.parts_short}</td></tr>`)}</tbody></table>
        <div class="row paging">
          <button class="prev-page" disabled=${pages.length < 2} onClick=${() => setPages(pages.slice(0, -1))}>‹ Previous</button>
          <span class="muted">page ${pages.length}</span>
          <button class="next-page" disabled=${!list?.next_after_claim_no} onClick=${() => setPages([...pages, list.next_after_claim_no])}>Next ›</button>
        </div>
        <${SubmitClaim} s=${s} stores=${stores} services=${services} onDone=${(c) => { reload(); setOpen({ insurer: c.insurer, claim_no: c.claim_no, tick: Date.now() }); }} />
        <${FleetBatch} s=${s} stores=${stores} />
      </div>
      <div>${claim ? html`<${ClaimCard} c=${claim} stores=${stores} onClose=${() => setOpen(null)} />` : html`<p class="muted">Open a claim to see its work order and booking.</p>`}</div>
    </div>
  </section>`;
}
