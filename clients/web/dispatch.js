// Field dispatch (rescue trucks, pick-up / drop-off drivers 代送代取) and
// the vehicle registry with service reminders (pitlane.v1.Dispatch). The
// engine picks the resource and computes distance and ETA; the page only
// shows its answers. A dispatch is followed live over WatchDispatch (SSE
// through the gateway). Refusals go to the banner in the engine's words.
import { useEffect, useState } from 'preact/hooks';
import { call, stream, localDate } from '../shared/api.js';
import { html, useAction, useLoad, useStores, StateChip } from '../shared/ui.js';

const deg = (e6) => (Number(e6 || 0) / 1e6).toFixed(6);
const e6 = (v) => Math.round(Number(v || 0) * 1e6);
const t = (ms) => (ms ? new Date(Number(ms)).toLocaleString() : '—');
const KINDS = [['DISPATCH_KIND_RESCUE', 'rescue'], ['DISPATCH_KIND_PICKUP', 'pick-up'], ['DISPATCH_KIND_DROPOFF', 'drop-off']];

function Resources({ s, stores, tick }) {
  const act = useAction();
  const [list, reload] = useLoad(() => call('Dispatch', 'ListFieldResources', { chain: s.chain, store: '' }), [s.chain, tick]);
  const [f, setF] = useState({ code: '', name: '', kind: 'FIELD_RESOURCE_KIND_RESCUE_TRUCK', home_store: s.store, shift_start_min: 0, shift_end_min: 0, lat: '', lng: '' });
  const [pos, setPos] = useState({ code: '', lat: '', lng: '', free: false });
  const set = (k) => (e) => setF({ ...f, [k]: e.target.value });
  const edit = (r) => setF({ code: r.code, name: r.name, kind: r.kind, home_store: r.home_store, shift_start_min: r.shift_start_min, shift_end_min: r.shift_end_min, lat: '', lng: '' });
  const save = () => act(async () => {
    await call('Dispatch', 'UpsertFieldResource', { chain: s.chain, code: f.code, name: f.name, kind: f.kind, home_store: f.home_store,
      shift_start_min: Number(f.shift_start_min), shift_end_min: Number(f.shift_end_min), lat_e6: e6(f.lat), lng_e6: e6(f.lng) });
    reload();
  });
  const report = () => act(async () => {
    await call('Dispatch', 'UpdatePosition', { chain: s.chain, code: pos.code, lat_e6: e6(pos.lat), lng_e6: e6(pos.lng), free: pos.free });
    reload();
  });
  const rs = list?.resources || [];
  return html`<details class="card field-resources" open><summary>Field resources</summary>
    <button onClick=${reload}>Refresh</button>
    <table class="list resources-list"><thead><tr><th>code</th><th>name</th><th>kind</th><th>store</th><th>shift</th><th>state</th><th>position</th><th>dispatch</th><th></th></tr></thead>
      <tbody>${rs.map((r) => html`<tr class="field-resource" data-code=${r.code} data-state=${r.state}>
        <td>${r.code}</td><td>${r.name}</td><td>${String(r.kind).replace('FIELD_RESOURCE_KIND_', '').toLowerCase()}</td><td>${r.home_store}</td>
        <td>${r.shift_start_min === r.shift_end_min ? 'always' : `${Math.floor(r.shift_start_min / 60)}:${String(r.shift_start_min % 60).padStart(2, '0')}–${Math.floor(r.shift_end_min / 60)}:${String(r.shift_end_min % 60).padStart(2, '0')}`}</td>
        <td><${StateChip} state=${r.state} prefix="FIELD_RESOURCE_STATE_" /></td>
        <td class="pos">${deg(r.lat_e6)}, ${deg(r.lng_e6)} <span class="muted">${t(r.position_ms)}</span></td>
        <td>${r.dispatch_id ? `#${r.dispatch_id}` : ''}${(r.calendar || []).length ? ` · ${r.calendar.length} scheduled` : ''}</td>
        <td><button onClick=${() => edit(r)}>edit</button> <button onClick=${() => setPos({ ...pos, code: r.code, lat: deg(r.lat_e6), lng: deg(r.lng_e6) })}>position</button></td></tr>`)}</tbody></table>
    <h4>Add or edit a resource</h4>
    <div class="row">
      <input name="fr-code" placeholder="code" value=${f.code} onInput=${set('code')} />
      <input name="fr-name" placeholder="name" value=${f.name} onInput=${set('name')} />
      <select name="fr-kind" value=${f.kind} onChange=${set('kind')}><option value="FIELD_RESOURCE_KIND_RESCUE_TRUCK">rescue truck</option><option value="FIELD_RESOURCE_KIND_DRIVER">driver</option></select>
      <select name="fr-store" value=${f.home_store} onChange=${set('home_store')}>${stores.map((x) => html`<option value=${x.code}>${x.code}</option>`)}</select>
      <label>shift (local min) <input name="fr-shift-start" type="number" value=${f.shift_start_min} onInput=${set('shift_start_min')} />–<input name="fr-shift-end" type="number" value=${f.shift_end_min} onInput=${set('shift_end_min')} /></label>
      <input name="fr-lat" placeholder="lat (new: empty = store)" value=${f.lat} onInput=${set('lat')} />
      <input name="fr-lng" placeholder="lng" value=${f.lng} onInput=${set('lng')} />
      <button class="primary save-resource" onClick=${save}>Save resource</button></div>
    <h4>Report a position</h4>
    <div class="row">
      <input name="pos-code" placeholder="code" value=${pos.code} onInput=${(e) => setPos({ ...pos, code: e.target.value })} />
      <input name="pos-lat" placeholder="lat" value=${pos.lat} onInput=${(e) => setPos({ ...pos, lat: e.target.value })} />
      <input name="pos-lng" placeholder="lng" value=${pos.lng} onInput=${(e) => setPos({ ...pos, lng: e.target.value })} />
      <label><input type="checkbox" name="pos-free" checked=${pos.free} onChange=${(e) => setPos({ ...pos, free: e.target.checked })} /> free again</label>
      <button class="report-position" onClick=${report}>Update position</button></div>
  </details>`;
}

function Config({ s }) {
  const act = useAction();
  const [cfg, reload, setCfg] = useLoad(() => call('Dispatch', 'GetDispatchConfig', { chain: s.chain }), [s.chain]);
  if (!cfg) return null;
  const save = () => act(async () => setCfg(await call('Dispatch', 'SetDispatchConfig', { chain: s.chain, road_factor_milli: Number(cfg.road_factor_milli), speed_kmh: Number(cfg.speed_kmh) })));
  return html`<details class="card dispatch-config"><summary>Travel model</summary>
    <div class="row"><label>road factor (‰) <input name="cfg-factor" type="number" value=${cfg.road_factor_milli} onInput=${(e) => setCfg({ ...cfg, road_factor_milli: e.target.value })} /></label>
      <label>speed km/h <input name="cfg-speed" type="number" value=${cfg.speed_kmh} onInput=${(e) => setCfg({ ...cfg, speed_kmh: e.target.value })} /></label>
      <button class="save-config" onClick=${save}>Save</button> <button onClick=${reload}>Reload</button></div>
  </details>`;
}

function NewDispatch({ s, stores, services, onDone }) {
  const act = useAction();
  const [f, setF] = useState({ kind: 'DISPATCH_KIND_RESCUE', lat: '', lng: '', at: '', duration_min: '', store: s.store, customer: '', phone: '', plate: '', note: '', book_service: '' });
  const set = (k) => (e) => setF({ ...f, [k]: e.target.value });
  const atStore = () => {
    const st = stores.find((x) => x.code === f.store);
    if (st) setF({ ...f, lat: deg(st.lat_e6), lng: deg(st.lng_e6) });
  };
  const send = () => act(async () => {
    const d = await call('Dispatch', 'Dispatch', {
      chain: s.chain, kind: f.kind, lat_e6: e6(f.lat), lng_e6: e6(f.lng), at_ms: f.at ? new Date(f.at).getTime() : 0,
      duration_min: Number(f.duration_min || 0), store: f.store, customer: f.customer, phone: f.phone, plate: f.plate, note: f.note, book_service: f.book_service,
    });
    onDone(d);
  });
  return html`<details class="card new-dispatch" open><summary>New dispatch</summary>
    <div class="row">
      <select name="d-kind" value=${f.kind} onChange=${set('kind')}>${KINDS.map(([v, l]) => html`<option value=${v}>${l}</option>`)}</select>
      <select name="d-store" value=${f.store} onChange=${set('store')}>${stores.map((x) => html`<option value=${x.code}>${x.code}</option>`)}</select>
      <input name="d-lat" placeholder="lat (°)" value=${f.lat} onInput=${set('lat')} />
      <input name="d-lng" placeholder="lng (°)" value=${f.lng} onInput=${set('lng')} />
      <button onClick=${atStore}>at the store</button>
      <label>time <input name="d-at" type="datetime-local" value=${f.at} onInput=${set('at')} /></label>
      <input name="d-duration" type="number" placeholder="minutes (60)" value=${f.duration_min} onInput=${set('duration_min')} /></div>
    <div class="row">
      <input name="d-customer" placeholder="customer" value=${f.customer} onInput=${set('customer')} />
      <input name="d-phone" placeholder="phone" value=${f.phone} onInput=${set('phone')} />
      <input name="d-plate" placeholder="plate" value=${f.plate} onInput=${set('plate')} />
      <input name="d-note" placeholder="note" value=${f.note} onInput=${set('note')} />
      <label>book <select name="d-book" value=${f.book_service} onChange=${set('book_service')}><option value="">no booking</option>
        ${services.map((x) => html`<option value=${x.code}>${x.code}</option>`)}</select></label>
      <button class="primary send-dispatch" onClick=${send}>Dispatch</button></div>
  </details>`;
}

// One dispatch, live: GetDispatch, then every WatchDispatch message.
export function DispatchView({ chain, id, onChange, onClose }) {
  const act = useAction();
  const [d, setD] = useState(null);
  const [live, setLive] = useState('connecting');
  useEffect(() => {
    setD(null);
    act(async () => setD(await call('Dispatch', 'GetDispatch', { chain, id })));
    const close = stream('Dispatch', 'WatchDispatch', { chain, id }, {
      onMessage: (m) => { setLive('live'); setD(m); onChange?.(m); },
      onError: (e) => { setLive('closed'); act(() => Promise.reject(e)); },
      onEnd: () => setLive('closed'),
    });
    return close;
  }, [chain, id]);
  if (!d) return html`<div class="card">loading dispatch ${id}…</div>`;
  const step = (method, extra = {}) => act(async () => {
    const r = await call('Dispatch', method, { chain, id, ...extra });
    setD((cur) => (cur && Number(cur.version) > Number(r.version) ? cur : r));
    onChange?.(r);
  });
  return html`<section class="card dispatch-view" data-id=${d.id} data-state=${d.state} data-version=${d.version} data-live=${live}>
    ${onClose ? html`<button class="close" onClick=${onClose}>×</button>` : null}
    <h3>Dispatch #${d.id} <span class="muted">${String(d.kind).replace('DISPATCH_KIND_', '').toLowerCase()}${d.scheduled ? ' · scheduled' : ''}</span>
      <span class="live-state"><${StateChip} state=${d.state} prefix="DISPATCH_STATE_" /></span> <span class=${`chip live-${live}`}>${live}</span></h3>
    <table class="list money"><tbody>
      <tr><td>resource</td><td class="d-resource">${d.resource || '—'}</td></tr>
      <tr><td>ETA</td><td class="d-eta" data-eta=${d.eta_ms}>${t(d.eta_ms)}</td></tr>
      <tr><td>distance / travel</td><td class="d-distance" data-m=${d.distance_m} data-s=${d.travel_s}>${(d.distance_m / 1000).toFixed(2)} km · ${Math.round(d.travel_s / 60)} min</td></tr>
      <tr><td>customer at</td><td>${deg(d.lat_e6)}, ${deg(d.lng_e6)}</td></tr>
      <tr><td>resource at</td><td>${deg(d.resource_lat_e6)}, ${deg(d.resource_lng_e6)}</td></tr>
      <tr><td>time</td><td>${t(d.at_ms)} · ${d.duration_min} min${d.start_ms ? ` · slot ${t(d.start_ms)}–${t(d.end_ms)}` : ''}</td></tr>
      <tr><td>customer</td><td>${d.customer} ${d.phone} ${d.plate} ${d.note}</td></tr>
      <tr><td>store / booking</td><td>${d.store}${d.book_service ? ` · ${d.book_service}` : ''}${d.booking_id ? html` · booking #${d.booking_id}` : ''}</td></tr>
      <tr><td>declined by</td><td>${(d.declined || []).join(', ') || '—'}</td></tr>
    </tbody></table>
    <div class="row actions">
      <button class="d-accept" onClick=${() => step('Accept')}>Accept</button>
      <button class="d-decline" onClick=${() => step('Decline')}>Decline</button>
      <button class="d-arrive" onClick=${() => step('Arrive')}>Arrive</button>
      <button class="d-complete" onClick=${() => step('Complete')}>Complete</button>
      <button class="d-complete-free" onClick=${() => step('Complete', { free: true })}>Complete (free at once)</button>
      <button class="d-cancel" onClick=${() => step('Cancel')}>Cancel</button>
      <button class="d-retry" onClick=${() => step('Retry')}>Retry</button></div>
    <p class="muted">updated ${t(d.updated_ms)} · version ${d.version}</p>
  </section>`;
}

function Vehicles({ s, stores }) {
  const act = useAction();
  const [f, setF] = useState({ vin: '', plate: '', model: '', owner: '', store: s.store, purchase_date: '', plan_months: '', plan_km: '', service: '', first_service: '', mileage_km: '', warranty_months: '', warranty_km: '' });
  const [m, setM] = useState({ vin: '', date: '', km: '' });
  const [v, setV] = useState(null);
  const set = (k) => (e) => setF({ ...f, [k]: e.target.value });
  const register = () => act(async () => setV(await call('Dispatch', 'RegisterVehicle', {
    chain: s.chain, vin: f.vin, plate: f.plate, model: f.model, owner: f.owner, store: f.store, purchase_date: f.purchase_date,
    plan_months: Number(f.plan_months || 0), plan_km: Number(f.plan_km || 0), service: f.service, first_service: f.first_service, mileage_km: Number(f.mileage_km || 0),
    warranty_months: Number(f.warranty_months || 0), warranty_km: Number(f.warranty_km || 0),
  })));
  const mileage = (method) => act(async () => setV(await call('Dispatch', method, { chain: s.chain, vin: m.vin, date: m.date, mileage_km: Number(m.km || 0) })));
  const lookup = () => act(async () => setV(await call('Dispatch', 'GetVehicle', { chain: s.chain, vin: m.vin })));
  return html`<details class="card vehicles"><summary>Vehicles (registry)</summary>
    <div class="row">
      <input name="v-vin" placeholder="VIN" value=${f.vin} onInput=${set('vin')} />
      <input name="v-plate" placeholder="plate" value=${f.plate} onInput=${set('plate')} />
      <input name="v-model" placeholder="model" value=${f.model} onInput=${set('model')} />
      <input name="v-owner" placeholder="owner" value=${f.owner} onInput=${set('owner')} />
      <select name="v-store" value=${f.store} onChange=${set('store')}>${stores.map((x) => html`<option value=${x.code}>${x.code}</option>`)}</select>
      <label>bought <input name="v-purchase" type="date" value=${f.purchase_date} onInput=${set('purchase_date')} /></label></div>
    <div class="row">
      <input name="v-plan-months" type="number" placeholder="every … months (12)" value=${f.plan_months} onInput=${set('plan_months')} />
      <input name="v-plan-km" type="number" placeholder="every … km (10000)" value=${f.plan_km} onInput=${set('plan_km')} />
      <input name="v-service" placeholder="service (MAINT)" value=${f.service} onInput=${set('service')} />
      <input name="v-first" placeholder="first service (FIRST)" value=${f.first_service} onInput=${set('first_service')} />
      <input name="v-km" type="number" placeholder="km today" value=${f.mileage_km} onInput=${set('mileage_km')} />
      <input name="v-warranty-months" type="number" placeholder="factory warranty months" value=${f.warranty_months} onInput=${set('warranty_months')} />
      <input name="v-warranty-km" type="number" placeholder="factory warranty km" value=${f.warranty_km} onInput=${set('warranty_km')} />
      <button class="primary register-vehicle" onClick=${register}>Register</button></div>
    <div class="row">
      <input name="vm-vin" placeholder="VIN" value=${m.vin} onInput=${(e) => setM({ ...m, vin: e.target.value })} />
      <input name="vm-date" type="date" value=${m.date} onInput=${(e) => setM({ ...m, date: e.target.value })} />
      <input name="vm-km" type="number" placeholder="km" value=${m.km} onInput=${(e) => setM({ ...m, km: e.target.value })} />
      <button class="record-mileage" onClick=${() => mileage('RecordMileage')}>Record mileage</button>
      <button class="record-service" onClick=${() => mileage('RecordService')}>Record service</button>
      <button class="get-vehicle" onClick=${lookup}>Look up</button></div>
    ${v ? html`<table class="list vehicle" data-vin=${v.vin}><tbody>
      <tr><td>vehicle</td><td>${v.vin} · ${v.plate} · ${v.model} · ${v.owner} · ${v.store}</td></tr>
      <tr><td>plan</td><td>${v.service} every ${v.plan_months} months / ${v.plan_km} km (first: ${v.first_service}) · bought ${v.purchase_date}</td></tr>
      <tr><td>factory warranty</td><td class="factory-warranty">${v.warranty_months || v.warranty_km ? `${v.warranty_months} months / ${v.warranty_km} km from purchase` : 'none'}</td></tr>
      <tr><td>services</td><td>${v.services}${v.last_service_date ? ` · last ${v.last_service_date} at ${v.last_service_km} km` : ''}</td></tr>
      <tr><td>due</td><td class="v-due">${v.due_date} (${String(v.due_reason).replace('DUE_REASON_', '').toLowerCase()}) · ${v.due_km} km · ~${v.est_km_on_due} km then · ${v.m_per_day} m/day${v.first_service_due ? ' · first service' : ''}</td></tr>
      <tr><td>readings</td><td>${(v.readings || []).map((r) => `${r.date}: ${r.km} km`).join(', ')}</td></tr></tbody></table>` : null}
  </details>`;
}

function Reminders({ s, stores }) {
  const act = useAction();
  const off = stores.find((x) => x.code === s.store)?.utc_offset_min ?? 480;
  const [q, setQ] = useState({ date: localDate(off), days: 7 });
  const [res, setRes] = useState(null);
  const run = (hold) => act(async () => setRes(await call('Dispatch', 'DueReminders', { chain: s.chain, store: s.store, date: q.date, days: Number(q.days), hold })));
  return html`<details class="card reminders"><summary>Due service reminders (${s.store})</summary>
    <div class="row"><input name="r-date" type="date" value=${q.date} onInput=${(e) => setQ({ ...q, date: e.target.value })} />
      <label>days <input name="r-days" type="number" min="1" max="31" value=${q.days} onInput=${(e) => setQ({ ...q, days: e.target.value })} /></label>
      <button class="list-reminders" onClick=${() => run(false)}>List due</button>
      <button class="hold-reminders" onClick=${() => run(true)}>List and hold a slot each</button></div>
    ${res ? html`<p class="muted">${res.total} due</p><table class="list reminders-list"><thead><tr><th>vehicle</th><th>due</th><th>slot</th></tr></thead>
      <tbody>${res.reminders.map((r) => html`<tr class="reminder" data-vin=${r.vehicle.vin}><td>${r.vehicle.plate} ${r.vehicle.model} ${r.vehicle.owner}</td>
        <td>${r.vehicle.due_date} ${r.vehicle.first_service_due ? 'first service' : r.vehicle.service}</td>
        <td>${r.booking_id ? `booking #${r.booking_id} ` : ''}${r.slot_date} ${r.slot_time}${r.hold_error ? html` <span class="warn">${r.hold_error}</span>` : ''}</td></tr>`)}</tbody></table>` : null}
  </details>`;
}

export function DispatchPage({ s }) {
  const stores = useStores(s.chain);
  const [svc] = useLoad(() => call('Admin', 'ListServices', { chain: s.chain }), [s.chain]);
  const [openOnly, setOpenOnly] = useState(false);
  const [tick, setTick] = useState(0);
  const [list, reload] = useLoad(() => call('Dispatch', 'ListDispatches', { chain: s.chain, open_only: openOnly, limit: 100 }), [s.chain, openOnly, tick]);
  const [open, setOpen] = useState(null);
  const changed = () => setTick((x) => x + 1);
  return html`<section class="dispatch">
    <div class="row toolbar"><h2>Dispatch</h2>
      <label><input type="checkbox" name="open-only" checked=${openOnly} onChange=${(e) => setOpenOnly(e.target.checked)} /> open only</label>
      <button onClick=${reload}>Refresh</button></div>
    <div class="split">
      <div>
        <${NewDispatch} s=${s} stores=${stores} services=${svc?.services || []} onDone=${(d) => { changed(); setOpen(d.id); }} />
        <table class="list dispatches-list"><thead><tr><th>#</th><th>kind</th><th>state</th><th>resource</th><th>ETA</th><th>customer</th></tr></thead>
          <tbody>${(list?.dispatches || []).length === 0 ? html`<tr><td colspan="6" class="muted">No dispatches.</td></tr>` : null}
          ${(list?.dispatches || []).slice().reverse().map((d) => html`<tr class=${`clickable dispatch-row ${open === d.id ? 'selected' : ''}`} data-id=${d.id} onClick=${() => setOpen(d.id)}>
            <td>${d.id}</td><td>${String(d.kind).replace('DISPATCH_KIND_', '').toLowerCase()}</td><td><${StateChip} state=${d.state} prefix="DISPATCH_STATE_" /></td>
            <td>${d.resource}</td><td>${t(d.eta_ms)}</td><td>${d.customer} ${d.plate}</td></tr>`)}</tbody></table>
        <${Resources} s=${s} stores=${stores} tick=${tick} />
        <${Config} s=${s} />
        <${Vehicles} s=${s} stores=${stores} />
        <${Reminders} s=${s} stores=${stores} />
      </div>
      <div>${open ? html`<${DispatchView} chain=${s.chain} id=${open} onChange=${changed} onClose=${() => setOpen(null)} />` : html`<p class="muted">Open a dispatch to follow it live.</p>`}</div>
    </div>
  </section>`;
}
