// The phone client: a customer books a service and follows the repair; a
// technician sees their jobs of the day and moves them on.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { call, dayLabel, hhmm, localDate } from '../shared/api.js';
import { html, ErrCtx, ErrorBanner, Settings, useAction, useErrorState, useLoad, useSettings, useStores, StateChip } from '../shared/ui.js';
import { WorkOrderView } from '../shared/workorder.js';
import '../shared/style.css';

const nowMin = () => Math.floor(Date.now() / 60000);

function Book({ s, update }) {
  const act = useAction();
  const [svc] = useLoad(() => call('Admin', 'ListServices', { chain: s.chain }), [s.chain]);
  const [service, setService] = useState(null);
  const [options, setOptions] = useState(null);
  const [pick, setPick] = useState(null);
  const [plate, setPlate] = useState(s.plate || '');
  const [name, setName] = useState(s.customer || '');
  const [held, setHeld] = useState(null);
  const [booked, setBooked] = useState(null);
  const stores = useStores(s.chain);
  const off = stores.find((x) => x.code === s.store)?.utc_offset_min ?? 480;

  const choose = (code) => act(async () => {
    setService(code);
    setPick(null);
    setOptions(null);
    const t = nowMin();
    const r = await call('Scheduling', 'RecommendSlots', {
      chain: s.chain, stores: [s.store], services: [code], earliest_min: t, latest_min: t + 7 * 1440, k: 24, max_per_day: 4,
    });
    setOptions(r.options);
  });
  const hold = () => act(async () => {
    update({ plate, customer: name });
    const b = await call('Scheduling', 'Hold', {
      chain: s.chain, store: pick.store, segments: pick.segments, channel: 'CHANNEL_APP', customer: name, plate,
    });
    setHeld(b);
  });
  const confirm = () => act(async () => setBooked(await call('Scheduling', 'Confirm', { chain: s.chain, booking_id: held.id })));
  const release = () => act(async () => {
    await call('Scheduling', 'Cancel', { chain: s.chain, booking_id: held.id });
    setHeld(null);
    setPick(null);
  });

  if (booked) {
    return html`<section class="card booked" data-booking=${booked.id}>
      <h2>Booked ✔</h2>
      <p class="big">${dayLabel(localDate(off, booked.start_min * 60000), off)} ${hhmm(booked.start_min, off)}–${hhmm(booked.end_min, off)}</p>
      <p>Booking #${booked.id} · ${booked.store} · ${booked.plate} · <${StateChip} state=${booked.state} prefix="BOOKING_STATE_" /></p>
      <button onClick=${() => { setBooked(null); setHeld(null); setPick(null); setOptions(null); setService(null); }}>Book another</button>
    </section>`;
  }
  if (held) {
    return html`<section class="card held" data-booking=${held.id}>
      <h2>Held for you</h2>
      <p class="big">${dayLabel(localDate(off, held.start_min * 60000), off)} ${hhmm(held.start_min, off)}–${hhmm(held.end_min, off)}</p>
      <p>until ${new Date(held.expires_ms).toLocaleTimeString()} — confirm to keep it.</p>
      <button class="primary confirm" onClick=${confirm}>Confirm booking</button>
      <button onClick=${release}>Release</button>
    </section>`;
  }
  const groups = [];
  for (const o of options || []) {
    let g = groups.find((x) => x.date === o.local_date);
    if (!g) groups.push((g = { date: o.local_date, list: [] }));
    g.list.push(o);
  }
  return html`<section class="book">
    <h2>Book a service</h2>
    <div class="services">
      ${(svc?.services || []).map((x) => html`<button class=${`service ${service === x.code ? 'selected' : ''}`}
        data-service=${x.code} onClick=${() => choose(x.code)}>${x.name}<small>${x.duration_min} min</small></button>`)}
    </div>
    ${options && options.length === 0 ? html`<p class="card">No free time in the next 7 days.</p>` : null}
    ${groups.map((g) => html`<div class="day-group" data-date=${g.date}>
      <h3>${dayLabel(g.date, off)} <span class="muted">${g.date}</span></h3>
      <div class="slots">${g.list.map((o) => html`<button
        class=${`slot ${pick === o ? 'selected' : ''}`} data-start=${o.start_min} data-date=${o.local_date}
        onClick=${() => setPick(o)}>${dayLabel(o.local_date, off)} ${o.local_time.replace('-', '–')}</button>`)}</div>
    </div>`)}
    ${pick ? html`<div class="card hold-form">
      <label>Plate 车牌 <input name="plate" value=${plate} onInput=${(e) => setPlate(e.target.value)} /></label>
      <label>Name <input name="customer" value=${name} onInput=${(e) => setName(e.target.value)} /></label>
      <button class="primary hold" onClick=${hold}>Hold ${dayLabel(pick.local_date, off)} ${pick.local_time.replace('-', '–')}</button>
    </div>` : null}
  </section>`;
}

function MyRepair({ s }) {
  const act = useAction();
  const [plate, setPlate] = useState(s.plate || '');
  const [orders, setOrders] = useState(null);
  const [open, setOpen] = useState(null);
  const find = () => act(async () => {
    const r = await call('WorkOrders', 'ListWorkOrders', { chain: s.chain, plate });
    setOrders(r.work_orders);
    if (r.work_orders.length) setOpen(r.work_orders[r.work_orders.length - 1].id);
  });
  return html`<section>
    <h2>Follow my repair</h2>
    <div class="row"><input name="repair-plate" placeholder="plate" value=${plate} onInput=${(e) => setPlate(e.target.value)} />
      <button class="primary find" onClick=${find}>Find</button></div>
    ${orders && orders.length === 0 ? html`<p class="card">No work order for ${plate}.</p>` : null}
    ${(orders || []).length > 1 ? html`<div class="row">${orders.map((o) => html`<button onClick=${() => setOpen(o.id)}>#${o.id}</button>`)}</div>` : null}
    ${open ? html`<${WorkOrderView} key=${open} chain=${s.chain} id=${open} role="customer" actor=${s.customer || 'customer'} />` : null}
  </section>`;
}

// Service reminders (issue 10): who is due at this store today and in the
// coming week (first service at 3 months / 5,000 km, then the plan), with
// a slot held for each on request. The engine decides everything.
function Reminders({ s }) {
  const act = useAction();
  const stores = useStores(s.chain);
  const off = stores.find((x) => x.code === s.store)?.utc_offset_min ?? 480;
  const [list, setList] = useState(null);
  const load = (hold) => act(async () => {
    setList(await call('Dispatch', 'DueReminders', { chain: s.chain, store: s.store, date: localDate(off), days: 7, hold }));
  });
  useEffect(() => { load(false); }, [s.chain, s.store, off]);
  const reason = (v) => (v.due_reason === 'DUE_REASON_MILEAGE' ? `${v.due_km} km` : 'by date');
  return html`<section class="reminders">
    <h2>Service reminders</h2>
    ${list && list.total === 0 ? html`<p class="card">Nobody is due this week.</p>` : null}
    <ul class="reminder-list" style="list-style:none;padding:0">${(list?.reminders || []).map((r) => html`<li class="card reminder" data-vin=${r.vehicle.vin}>
      <b>${r.vehicle.plate || r.vehicle.vin}</b> ${r.vehicle.model} <span class="muted">${r.vehicle.owner}</span>
      <p>${r.vehicle.first_service_due ? 'First service' : 'Maintenance'} due ${dayLabel(r.vehicle.due_date, off)} ${r.vehicle.due_date} (${reason(r.vehicle)})</p>
      ${r.booking_id ? html`<p class="held-slot">Held: ${dayLabel(r.slot_date, off)} ${r.slot_time.replace('-', '–')} · #${r.booking_id}</p>` : null}
      ${r.hold_error ? html`<p class="muted">${r.hold_error}</p>` : null}
    </li>`)}</ul>
    ${list && list.total > 0 ? html`<button class="primary hold-reminders" onClick=${() => load(true)}>Hold a slot for each</button>` : null}
  </section>`;
}

const ACTIVE = ['WORK_ORDER_STATE_PENDING', 'WORK_ORDER_STATE_IN_REPAIR', 'WORK_ORDER_STATE_AWAITING_QC'];

function Technician({ s, update }) {
  const [res] = useLoad(() => call('Admin', 'ListResources', { chain: s.chain, store: s.store }), [s.chain, s.store]);
  const me = s.technician || '';
  const [orders, reload] = useLoad(() => (me ? call('WorkOrders', 'ListWorkOrders', { chain: s.chain, store: s.store }) : Promise.resolve(null)), [s.chain, s.store, me]);
  const stores = useStores(s.chain);
  const off = stores.find((x) => x.code === s.store)?.utc_offset_min ?? 480;
  const [board] = useLoad(() => (me ? call('Scheduling', 'DayBoard', { chain: s.chain, store: s.store, date: localDate(off) }) : Promise.resolve(null)), [s.chain, s.store, me, off]);
  const [open, setOpen] = useState(null);
  const mine = (orders?.work_orders || []).filter((w) => ACTIVE.includes(w.state) && (w.technicians || []).includes(me));
  const appts = (board?.bookings || []).filter((b) => b.segments.some((x) => x.technicians.includes(me)));
  return html`<section class="tech">
    <h2>My jobs today</h2>
    <label>I am <select name="technician" value=${me} onChange=${(e) => update({ technician: e.target.value })}>
      <option value="">—</option>
      ${(res?.technicians || []).map((t) => html`<option value=${t.code}>${t.code} ${t.name}</option>`)}
    </select></label>
    ${me ? html`<button onClick=${reload}>Refresh</button>` : null}
    <ul class="jobs">${mine.map((w) => html`<li><button class=${`job ${open === w.id ? 'selected' : ''}`} data-wo=${w.id} onClick=${() => setOpen(w.id)}>
      #${w.id} ${w.vehicle?.plate} <${StateChip} state=${w.state} prefix="WORK_ORDER_STATE_" /></button></li>`)}</ul>
    ${me && mine.length === 0 ? html`<p class="muted">No open work order assigned to ${me}.</p>` : null}
    ${appts.length ? html`<h3>Appointments</h3><ul>${appts.map((b) => html`<li>${hhmm(b.start_min, off)}–${hhmm(b.end_min, off)} ${b.plate} ${b.segments.map((x) => x.service).join('+')}</li>`)}</ul>` : null}
    ${open ? html`<${WorkOrderView} key=${open} chain=${s.chain} id=${open} role="technician" actor=${me} onEvent=${reload} />` : null}
  </section>`;
}

function App() {
  const errs = useErrorState();
  const [s, update] = useSettings();
  const [tab, setTab] = useState(location.hash.slice(1) || 'book');
  useEffect(() => {
    const f = () => setTab(location.hash.slice(1) || 'book');
    addEventListener('hashchange', f);
    return () => removeEventListener('hashchange', f);
  }, []);
  const tabs = [['book', 'Book'], ['repair', 'My repair'], ['remind', 'Reminders'], ['tech', 'Technician'], ['settings', 'Settings']];
  return html`<${ErrCtx.Provider} value=${errs}>
    <header class="top"><b>Pitlane</b> <span class="muted">${s.chain}/${s.store}</span></header>
    <${ErrorBanner} error=${errs.error} onClose=${errs.clear} />
    <main>
      ${tab === 'book' ? html`<${Book} s=${s} update=${update} />` : null}
      ${tab === 'repair' ? html`<${MyRepair} s=${s} />` : null}
      ${tab === 'remind' ? html`<${Reminders} s=${s} />` : null}
      ${tab === 'tech' ? html`<${Technician} s=${s} update=${update} />` : null}
      ${tab === 'settings' ? html`<${Settings} settings=${s} update=${update} />` : null}
    </main>
    <nav class="tabbar">${tabs.map(([k, label]) => html`<a href=${`#${k}`} class=${tab === k ? 'active' : ''}>${label}</a>`)}</nav>
  </${ErrCtx.Provider}>`;
}

render(html`<${App} />`, document.getElementById('app'));
