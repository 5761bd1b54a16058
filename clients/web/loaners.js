// Loaner cars (代步车): a store's pool (state, odometer, fuel, the last
// hand-out and return), create / edit / retire a car, a car's events, and
// hand-out / return by booking number. Which car a booking gets, and
// whether a move is allowed, is the engine's.
import { useState } from 'preact/hooks';
import { call, offsetOf, stamp } from '../shared/api.js';
import { html, useAction, useLoad, useStores, StateChip } from '../shared/ui.js';

const EMPTY = { code: '', plate: '', model: '', odometer_km: '', fuel_pct: '' };

function CarForm({ s, car, onSaved }) {
  const act = useAction();
  const [f, setF] = useState(car ? { ...car } : EMPTY);
  const set = (k) => (e) => setF({ ...f, [k]: e.target.value });
  const save = () => act(async () => {
    const r = await call('Scheduling', 'UpsertLoaner', {
      chain: s.chain, store: s.store, code: f.code.trim(), plate: f.plate.trim(), model: f.model,
      odometer_km: Number(f.odometer_km || 0), fuel_pct: Number(f.fuel_pct || 0),
    });
    if (!car) setF(EMPTY);
    onSaved(r);
  });
  return html`<div class="row loaner-form">
    <input name="loaner-code" placeholder="code" value=${f.code} disabled=${!!car} onInput=${set('code')} />
    <input name="loaner-plate" placeholder="plate" value=${f.plate} onInput=${set('plate')} />
    <input name="loaner-model" placeholder="model" value=${f.model} onInput=${set('model')} />
    <input name="loaner-odometer" type="number" placeholder="odometer km" value=${f.odometer_km} onInput=${set('odometer_km')} />
    <input name="loaner-fuel" type="number" min="0" max="100" placeholder="fuel %" value=${f.fuel_pct} onInput=${set('fuel_pct')} />
    <button class="primary save-loaner" onClick=${save}>${car ? 'Save' : 'Add car'}</button>
  </div>`;
}

function Events({ s, code, off }) {
  const [d] = useLoad(() => call('Scheduling', 'ListLoanerEvents', { chain: s.chain, store: s.store, code }), [s.chain, s.store, code]);
  return html`<div class="card loaner-events" data-code=${code}><h4>Events of ${code}</h4>
    <table class="list"><thead><tr><th>when</th><th>what</th><th>booking</th><th>customer</th><th>km</th><th>fuel</th></tr></thead>
      <tbody>${(d?.events || []).length === 0 ? html`<tr><td colspan="6" class="muted">None yet.</td></tr>` : null}
      ${(d?.events || []).map((ev) => html`<tr class="loaner-event" data-kind=${ev.kind}><td>${stamp(ev.at_ms, off)}</td>
        <td>${ev.kind.replace('LOANER_EVENT_KIND_', '').replace('_', ' ').toLowerCase()}</td><td>#${ev.booking_id}</td><td>${ev.customer}</td>
        <td>${ev.km}</td><td>${ev.fuel_pct}%</td></tr>`)}</tbody></table></div>`;
}

function Move({ s, onMoved }) {
  const act = useAction();
  const [f, setF] = useState({ id: '', km: '', fuel: '' });
  const set = (k) => (e) => setF({ ...f, [k]: e.target.value });
  const move = (m) => act(async () => {
    await call('Scheduling', m, { chain: s.chain, booking_id: Number(f.id), km: Number(f.km), fuel_pct: Number(f.fuel) });
    onMoved();
  });
  return html`<details class="card loaner-move-form"><summary>Hand out / return by booking</summary><div class="row">
    <input name="move-booking" type="number" placeholder="booking #" value=${f.id} onInput=${set('id')} />
    <input name="move-km" type="number" placeholder="km" value=${f.km} onInput=${set('km')} />
    <input name="move-fuel" type="number" min="0" max="100" placeholder="fuel %" value=${f.fuel} onInput=${set('fuel')} />
    <button class="hand-out" onClick=${() => move('HandOutLoaner')}>Hand out</button>
    <button class="return-loaner" onClick=${() => move('ReturnLoaner')}>Return</button></div></details>`;
}

export function Loaners({ s }) {
  const act = useAction();
  const stores = useStores(s.chain);
  const off = offsetOf(stores, s.store);
  const [d, reload] = useLoad(() => call('Scheduling', 'ListLoaners', { chain: s.chain, store: s.store }), [s.chain, s.store]);
  const [edit, setEdit] = useState(null);
  const [open, setOpen] = useState(null);
  const setState = (l, state) => act(async () => {
    await call('Scheduling', 'UpsertLoaner', { chain: s.chain, store: s.store, code: l.code, plate: l.plate, model: l.model, odometer_km: l.odometer_km, fuel_pct: l.fuel_pct, state });
    reload();
  });
  return html`<section class="loaners">
    <div class="row toolbar"><h2>Loaner cars (代步车) ${s.store}</h2><button onClick=${reload}>Refresh</button></div>
    <details class="card new-loaner"><summary>+ New loaner car</summary><${CarForm} s=${s} onSaved=${reload} /></details>
    <table class="list loaner-list"><thead><tr><th>code</th><th>plate</th><th>model</th><th>state</th><th>odometer</th><th>fuel</th><th>last hand-out</th><th>last return</th><th></th></tr></thead>
      <tbody>${(d?.loaners || []).length === 0 ? html`<tr><td colspan="9" class="muted">No loaner car at ${s.store}.</td></tr>` : null}
      ${(d?.loaners || []).map((l) => html`<tr class="loaner clickable" data-code=${l.code} data-state=${l.state} onClick=${() => setOpen(l.code)}>
        <td>${l.code}</td><td>${l.plate}</td><td>${l.model}</td><td><${StateChip} state=${l.state} prefix="LOANER_STATE_" /></td>
        <td class="odometer">${l.odometer_km} km</td><td class="fuel">${l.fuel_pct}%</td>
        <td>${l.out_ms ? `#${l.out_booking_id} ${l.out_customer} ${stamp(l.out_ms, off)} ${l.out_km} km ${l.out_fuel_pct}%` : '—'}</td>
        <td>${l.returned_ms ? `${stamp(l.returned_ms, off)} ${l.returned_km} km ${l.returned_fuel_pct}%` : '—'}</td>
        <td onClick=${(e) => e.stopPropagation()}><button class="edit-loaner" onClick=${() => setEdit(l)}>Edit</button>
          ${l.state === 'LOANER_STATE_AVAILABLE' ? html`<button class="danger retire-loaner" onClick=${() => setState(l, 'LOANER_STATE_RETIRED')}>Retire</button>` : null}
          ${l.state === 'LOANER_STATE_RETIRED' ? html`<button class="unretire-loaner" onClick=${() => setState(l, 'LOANER_STATE_AVAILABLE')}>Back in service</button>` : null}</td></tr>`)}</tbody></table>
    ${edit ? html`<div class="card edit-loaner-card"><h4>Edit ${edit.code}</h4><${CarForm} key=${edit.code} s=${s} car=${edit} onSaved=${() => { setEdit(null); reload(); }} /></div>` : null}
    <${Move} s=${s} onMoved=${reload} />
    ${open ? html`<${Events} key=${open} s=${s} code=${open} off=${off} />` : null}
  </section>`;
}
