// The day board: a Gantt of a store's bays and technicians for one day,
// from DayBoard. Free time is shaded, bookings are coloured by state.
// Book by picking a recommended slot; drag a booking to move it (the
// engine's Reschedule decides; a refusal shows in the banner).
import { useEffect, useRef, useState } from 'preact/hooks';
import { call, dayStartMin, hhmm, localDate } from '../shared/api.js';
import { html, useAction, useLoad, useStores, StateChip } from '../shared/ui.js';

const PX = 1.6; // pixels per minute
const B = 'BOOKING_STATE_';

function span(board, day) {
  let lo = Infinity;
  let hi = -Infinity;
  for (const r of board.rows) for (const f of r.free) { lo = Math.min(lo, f.start_min); hi = Math.max(hi, f.end_min); }
  for (const b of board.bookings) { lo = Math.min(lo, b.start_min); hi = Math.max(hi, b.end_min); }
  if (!Number.isFinite(lo)) { lo = day + 8 * 60; hi = day + 18 * 60; }
  lo = day + Math.floor((lo - day) / 60) * 60;
  hi = day + Math.ceil((hi - day) / 60) * 60;
  return [lo, hi];
}

function NewBooking({ s, date, off, onBooked }) {
  const act = useAction();
  const [svc] = useLoad(() => call('Admin', 'ListServices', { chain: s.chain }), [s.chain]);
  const [service, setService] = useState('MAINT');
  const [plate, setPlate] = useState('');
  const [customer, setCustomer] = useState('');
  const [opts, setOpts] = useState(null);
  const [loaner, setLoaner] = useState(false);
  const [last, setLast] = useState(null);
  const find = () => act(async () => {
    const day = dayStartMin(date, off);
    const t = Math.floor(Date.now() / 60000);
    const r = await call('Scheduling', 'RecommendSlots', {
      chain: s.chain, stores: [s.store], services: [service], earliest_min: Math.max(day, t), latest_min: day + 1440, k: 8, need_loaner: loaner,
    });
    setOpts(r.options);
  });
  const book = (o) => act(async () => {
    const b = await call('Scheduling', 'Hold', { chain: s.chain, store: o.store, segments: o.segments, channel: 'CHANNEL_PHONE', customer, plate, need_loaner: loaner });
    setLast(await call('Scheduling', 'Confirm', { chain: s.chain, booking_id: b.id }));
    setOpts(null);
    onBooked();
  });
  return html`<details class="card new-booking"><summary>New booking</summary>
    <div class="row">
      <select name="service" value=${service} onChange=${(e) => setService(e.target.value)}>
        ${(svc?.services || []).map((x) => html`<option value=${x.code}>${x.code} — ${x.name}</option>`)}</select>
      <input name="plate" placeholder="plate" value=${plate} onInput=${(e) => setPlate(e.target.value)} />
      <input name="customer" placeholder="customer" value=${customer} onInput=${(e) => setCustomer(e.target.value)} />
      <label><input type="checkbox" name="need-loaner" checked=${loaner} onChange=${(e) => { setLoaner(e.target.checked); setOpts(null); }} /> needs a loaner car (代步车)</label>
      <button class="primary" onClick=${find}>Recommend times</button>
    </div>
    ${last ? html`<p class="last-booked" data-booking=${last.id}>Booked #${last.id} ${last.plate} ${hhmm(last.start_min, off)}–${hhmm(last.end_min, off)}${last.loaner
      ? html` · loaner car <b class="booking-loaner">${last.loaner}</b> until ${hhmm(last.loaner_until_min, off)}` : ''}</p>` : null}
    ${opts ? html`<ul class="options">${opts.length === 0 ? html`<li>No free time that day.</li>` : null}
      ${opts.map((o) => html`<li>${o.local_time} · ${o.segments.map((g) => `${g.bay} ${g.technicians.join('+')}`).join(', ')}
        <button onClick=${() => book(o)}>Book</button></li>`)}</ul>` : null}
  </details>`;
}

// Find bookings by plate or customer (ListBookings; with "this day", the
// store's bookings that day), or one by its number (GetBooking). A booking
// of this store opens on the board at its day.
function FindBookings({ s, date, off, onOpen }) {
  const act = useAction();
  const [f, setF] = useState({ plate: '', customer: '', id: '', day: false });
  const [found, setFound] = useState(null);
  const set = (k) => (e) => setF({ ...f, [k]: e.target.type === 'checkbox' ? e.target.checked : e.target.value });
  const find = () => act(async () => {
    if (f.id) { setFound([await call('Scheduling', 'GetBooking', { chain: s.chain, booking_id: Number(f.id) })]); return; }
    const r = await call('Scheduling', 'ListBookings', { chain: s.chain, plate: f.plate.trim(), customer: f.customer.trim(), ...(f.day ? { store: s.store, date } : {}) });
    setFound(r.bookings);
  });
  return html`<details class="card find-bookings"><summary>Find bookings</summary>
    <div class="row"><input name="fb-plate" placeholder="plate" value=${f.plate} onInput=${set('plate')} />
      <input name="fb-customer" placeholder="customer" value=${f.customer} onInput=${set('customer')} />
      <input name="fb-id" type="number" placeholder="booking #" value=${f.id} onInput=${set('id')} />
      <label><input type="checkbox" checked=${f.day} onChange=${set('day')} /> ${s.store} on ${date} only</label>
      <button class="find-btn" onClick=${find}>Find</button></div>
    ${found ? html`<table class="list found-bookings"><thead><tr><th>#</th><th>store</th><th>when</th><th>plate</th><th>customer</th><th>state</th></tr></thead>
      <tbody>${found.length === 0 ? html`<tr><td colspan="6" class="muted">None.</td></tr>` : null}
      ${found.map((b) => html`<tr class="clickable" data-booking=${b.id} title=${b.store === s.store ? 'open on the board' : `store ${b.store}: pick it in Settings to see its board`} onClick=${() => onOpen(b)}><td>${b.id}</td><td>${b.store}</td>
        <td>${localDate(off, b.start_min * 60000)} ${hhmm(b.start_min, off)}–${hhmm(b.end_min, off)}</td><td>${b.plate}</td><td>${b.customer}</td>
        <td><${StateChip} state=${b.state} prefix=${B} /></td></tr>`)}</tbody></table>` : null}
  </details>`;
}

// The booking's loaner car and, for advisors, its hand-out and return
// (km and fuel as read off the car; the engine checks them).
function LoanerMove({ s, b, off, reload }) {
  const act = useAction();
  const [km, setKm] = useState('');
  const [fuel, setFuel] = useState('');
  const phase = b.loaner_phase || 'LOANER_PHASE_NONE';
  const move = (m) => act(async () => {
    await call('Scheduling', m, { chain: s.chain, booking_id: b.id, km: Number(km), fuel_pct: Number(fuel) });
    reload();
  });
  return html`<div class="loaner-move" data-phase=${phase}>
    <p>Loaner car <b class="booking-loaner">${b.loaner}</b> (${phase.replace('LOANER_PHASE_', '').replace('_', ' ').toLowerCase()}) until ${hhmm(b.loaner_until_min, off)}</p>
    ${phase === 'LOANER_PHASE_RESERVED' || phase === 'LOANER_PHASE_HANDED_OUT' ? html`<div class="row">
      <input name="loaner-km" type="number" placeholder="km" value=${km} onInput=${(e) => setKm(e.target.value)} />
      <input name="loaner-fuel" type="number" min="0" max="100" placeholder="fuel %" value=${fuel} onInput=${(e) => setFuel(e.target.value)} />
      ${phase === 'LOANER_PHASE_RESERVED' ? html`<button class="hand-out" onClick=${() => move('HandOutLoaner')}>Hand out</button>`
        : html`<button class="return-loaner" onClick=${() => move('ReturnLoaner')}>Return</button>`}</div>` : null}
  </div>`;
}

function BookingPanel({ s, b, off, reload, onClose }) {
  const act = useAction();
  const step = (m) => act(async () => { await call('Scheduling', m, { chain: s.chain, booking_id: b.id }); reload(); });
  return html`<aside class="card booking-panel" data-booking=${b.id}>
    <button class="close" onClick=${onClose}>×</button>
    <h3>Booking #${b.id} <${StateChip} state=${b.state} prefix=${B} /></h3>
    <p>${hhmm(b.start_min, off)}–${hhmm(b.end_min, off)} · ${b.plate} ${b.customer} · ${b.channel.replace('CHANNEL_', '').toLowerCase()}</p>
    <ul>${b.segments.map((g) => html`<li>${g.service}: ${hhmm(g.start_min, off)}–${hhmm(g.end_min, off)} bay ${g.bay}, ${g.technicians.join(', ')}</li>`)}</ul>
    ${b.loaner ? html`<${LoanerMove} s=${s} b=${b} off=${off} reload=${reload} />` : null}
    <div class="row actions">
      ${b.state === `${B}HELD` ? html`<button class="primary" onClick=${() => step('Confirm')}>Confirm</button>` : null}
      <button onClick=${() => step('CheckIn')}>Check in</button>
      <button onClick=${() => step('Complete')}>Complete</button>
      <button onClick=${() => step('NoShow')}>No-show</button>
      <button class="danger" onClick=${() => step('Cancel')}>Cancel</button>
      <button onClick=${() => act(async () => {
        const wo = await call('WorkOrders', 'CreateWorkOrder', { chain: s.chain, store: b.store, booking_id: b.id, advisor: s.actor || 'advisor' });
        location.hash = `orders/${wo.id}`;
      })}>Open work order</button>
    </div>
  </aside>`;
}

export function DayBoard({ s }) {
  const act = useAction();
  const stores = useStores(s.chain);
  const off = stores.find((x) => x.code === s.store)?.utc_offset_min ?? 480;
  const [date, setDate] = useState(localDate(off));
  const [board, reload] = useLoad(() => call('Scheduling', 'DayBoard', { chain: s.chain, store: s.store, date }), [s.chain, s.store, date]);
  const [sel, setSel] = useState(null);
  const [drag, setDrag] = useState(null);
  const dragRef = useRef(null);
  useEffect(() => {
    const t = setInterval(() => { if (!dragRef.current) reload(); }, 15000);
    return () => clearInterval(t);
  }, [reload]);

  if (!board) return html`<section><h2>Day board</h2><p>loading…</p></section>`;
  const day = dayStartMin(board.date || date, off);
  const [lo, hi] = span(board, day);
  const width = (hi - lo) * PX;
  const x = (m) => (m - lo) * PX;
  const hours = [];
  for (let m = lo; m <= hi; m += 60) hours.push(m);

  // Drag: pointer capture on the block; on release the offset (snapped to
  // 5 minutes) and the row it was dropped on make the Reschedule request.
  const down = (e, b, row) => {
    e.currentTarget.setPointerCapture(e.pointerId);
    dragRef.current = { id: b.id, row, x0: e.clientX, dx: 0, moved: false };
    setDrag({ ...dragRef.current });
  };
  const move = (e) => {
    const d = dragRef.current;
    if (!d) return;
    d.dx = e.clientX - d.x0;
    if (Math.abs(d.dx) > 3) d.moved = true;
    setDrag({ ...d });
  };
  const up = (e) => {
    const d = dragRef.current;
    dragRef.current = null;
    setDrag(null);
    if (!d) return;
    const b = board.bookings.find((bk) => bk.id === d.id);
    if (!d.moved) { setSel(d.id); return; }
    const delta = Math.round(d.dx / PX / 5) * 5;
    const target = document.elementsFromPoint(e.clientX, e.clientY).map((el) => el.closest?.('.gantt-row')).find(Boolean);
    const toRow = target ? board.rows.find((r) => r.code === target.dataset.code && String(r.is_bay) === target.dataset.bay) : null;
    const segments = b.segments.map((g) => {
      const n = { ...g, technicians: [...g.technicians], start_min: g.start_min + delta, end_min: g.end_min + delta };
      if (toRow && toRow.code !== d.row.code && toRow.is_bay === d.row.is_bay) {
        if (d.row.is_bay && g.bay === d.row.code) n.bay = toRow.code;
        if (!d.row.is_bay) n.technicians = n.technicians.map((t) => (t === d.row.code ? toRow.code : t));
      }
      return n;
    });
    if (delta === 0 && JSON.stringify(segments) === JSON.stringify(b.segments)) return;
    act(async () => {
      await call('Scheduling', 'Reschedule', { chain: s.chain, booking_id: b.id, segments });
      reload();
    });
  };

  const blocks = (row) => {
    const out = [];
    for (const b of board.bookings) {
      for (const g of b.segments) {
        if (row.is_bay ? g.bay !== row.code : !g.technicians.includes(row.code)) continue;
        const dragging = drag && drag.id === b.id;
        out.push(html`<div class=${`booking ${b.state.replace(B, '').toLowerCase()} ${dragging ? 'dragging' : ''}`}
          data-booking=${b.id} data-state=${b.state} title=${`#${b.id} ${b.plate} ${g.service} ${hhmm(g.start_min, off)}–${hhmm(g.end_min, off)}`}
          style=${`left:${x(g.start_min)}px;width:${(g.end_min - g.start_min) * PX}px;${dragging ? `transform:translateX(${drag.dx}px)` : ''}`}
          onPointerDown=${(e) => down(e, b, row)} onPointerMove=${move} onPointerUp=${up}>
          #${b.id} ${b.plate || ''} ${g.service}</div>`);
      }
    }
    return out;
  };

  const selected = sel && board.bookings.find((b) => b.id === sel);
  return html`<section class="board">
    <div class="row toolbar">
      <h2>Day board ${s.store}</h2>
      <input type="date" name="date" value=${date} onChange=${(e) => setDate(e.target.value)} />
      <button onClick=${reload}>Refresh</button>
      <span class="legend"><span class="booking held">held</span><span class="booking confirmed">confirmed</span>
        <span class="booking checked_in">checked in</span><span class="booking completed">completed</span><span class="free-sample">free</span></span>
    </div>
    <${NewBooking} s=${s} date=${date} off=${off} onBooked=${reload} />
    <${FindBookings} s=${s} date=${date} off=${off} onOpen=${(b) => {
      if (b.store !== s.store) return; // another store's board: pick that store in Settings
      setDate(localDate(off, b.start_min * 60000));
      setSel(b.id);
    }} />
    <div class="gantt" data-date=${board.date}>
      <div class="gantt-head"><div class="label"></div><div class="track" style=${`width:${width}px`}>
        ${hours.map((m) => html`<span class="hour" style=${`left:${x(m)}px`}>${hhmm(m, off)}</span>`)}</div></div>
      ${board.rows.map((r) => html`<div class="gantt-row" data-code=${r.code} data-bay=${String(r.is_bay)}>
        <div class="label"><b>${r.is_bay ? 'bay' : 'tech'} ${r.code}</b> <span class="muted">${r.utilisation_pct}%</span></div>
        <div class="track" style=${`width:${width}px`}>
          ${r.free.map((f) => html`<div class="free" style=${`left:${x(f.start_min)}px;width:${(f.end_min - f.start_min) * PX}px`}></div>`)}
          ${blocks(r)}
        </div></div>`)}
    </div>
    <p class="muted">${board.bookings.length} bookings on ${board.date}. Drag a booking along its row to move it, or onto another bay / technician.</p>
    ${selected ? html`<${BookingPanel} s=${s} b=${selected} off=${off} reload=${reload} onClose=${() => setSel(null)} />` : null}
  </section>`;
}
