// The phone client: a customer books a service and follows the repair; a
// technician sees their jobs of the day and moves them on.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { call, dayLabel, hhmm, localDate, offsetOf, stamp } from '../shared/api.js';
import { html, ErrCtx, ErrorBanner, Settings, useAction, useErrorState, useLoad, useSettings, useStores, StateChip } from '../shared/ui.js';
import { WorkOrderView } from '../shared/workorder.js';
import { kindLabel, stars, useHistory } from '../shared/history.js';
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
  const [loaner, setLoaner] = useState(false);
  const stores = useStores(s.chain);
  const off = stores.find((x) => x.code === s.store)?.utc_offset_min ?? 480;

  const choose = (code, needLoaner = loaner) => act(async () => {
    setService(code);
    setPick(null);
    setOptions(null);
    const t = nowMin();
    const r = await call('Scheduling', 'RecommendSlots', {
      chain: s.chain, stores: [s.store], services: [code], earliest_min: t, latest_min: t + 7 * 1440, k: 24, max_per_day: 4, need_loaner: needLoaner,
    });
    setOptions(r.options);
  });
  const hold = () => act(async () => {
    update({ plate, customer: name });
    const b = await call('Scheduling', 'Hold', {
      chain: s.chain, store: pick.store, segments: pick.segments, channel: 'CHANNEL_APP', customer: name, plate, need_loaner: loaner,
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
      ${booked.loaner ? html`<p class="loaner-car">Your loaner car: <b class="booking-loaner">${booked.loaner}</b>, until ${hhmm(booked.loaner_until_min, off)}</p>` : null}
      <button onClick=${() => { setBooked(null); setHeld(null); setPick(null); setOptions(null); setService(null); }}>Book another</button>
    </section>`;
  }
  if (held) {
    return html`<section class="card held" data-booking=${held.id}>
      <h2>Held for you</h2>
      <p class="big">${dayLabel(localDate(off, held.start_min * 60000), off)} ${hhmm(held.start_min, off)}–${hhmm(held.end_min, off)}</p>
      ${held.loaner ? html`<p class="loaner-car">Loaner car <b class="booking-loaner">${held.loaner}</b> reserved for you</p>` : null}
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
    <label class="need-loaner"><input type="checkbox" name="need-loaner" checked=${loaner}
      onChange=${(e) => { setLoaner(e.target.checked); if (service) choose(service, e.target.checked); }} /> I need a loaner car (代步车)</label>
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

// My car (我的车): the vehicle's service history by VIN, read-only, a page
// at a time (GetServiceHistory), with the rating the customer gave at each
// follow-up; and a complaint sent from the app (OpenComplaint, channel APP).
const CATEGORIES = [['COMPLAINT_CATEGORY_QUALITY', 'the repair did not fix it'], ['COMPLAINT_CATEGORY_SERVICE', 'service, attitude'],
  ['COMPLAINT_CATEGORY_PRICE', 'price'], ['COMPLAINT_CATEGORY_WAITING', 'waiting, late'], ['COMPLAINT_CATEGORY_PARTS', 'parts'], ['COMPLAINT_CATEGORY_OTHER', 'other']];

function Complain({ s, stores, visits, vin, onSent }) {
  const act = useAction();
  const [f, setF] = useState({ store: visits[0]?.store || s.store, wo_id: visits[0] ? String(visits[0].id) : '', category: 'COMPLAINT_CATEGORY_QUALITY', severity: '2', text: '', phone: s.phone || '' });
  const [sent, setSent] = useState(null);
  const set = (k) => (e) => setF({ ...f, [k]: e.target.value });
  useEffect(() => { if (visits[0] && !f.wo_id) setF({ ...f, store: visits[0].store, wo_id: String(visits[0].id) }); }, [visits[0]?.id]);
  const send = () => act(async () => {
    let customer = 0;
    if (f.phone.trim()) {
      try {
        customer = (await call('Customers', 'FindCustomer', { chain: s.chain, phone: f.phone.trim() })).id;
      } catch (e) {
        if (e.code !== 'NOT_FOUND') throw e; // not a known customer: the complaint still goes in
      }
    }
    const c = await call('Customers', 'OpenComplaint', {
      chain: s.chain, store: f.store, customer_id: customer, vin, wo_id: Number(f.wo_id || 0), channel: 'COMPLAINT_CHANNEL_APP',
      category: f.category, severity: Number(f.severity), text: f.text, actor: s.customer || 'customer',
    });
    setSent(c);
    onSent?.(c);
  });
  if (sent) {
    const off = offsetOf(stores, sent.store);
    return html`<section class="card complaint-sent" data-id=${sent.id} data-state=${sent.state}>
      <h3>Complaint #${sent.id} received</h3>
      <p>The store will answer you by <b class="answer-by" data-ms=${sent.response_due_ms}>${stamp(sent.response_due_ms, off)}</b>
        and aims to settle it by ${stamp(sent.resolution_due_ms, off)}.</p>
      <button onClick=${() => { setSent(null); setF({ ...f, text: '' }); }}>Send another</button></section>`;
  }
  return html`<details class="card complain" open=${location.hash === '#complain'}><summary>Something wrong? Complain (投诉)</summary>
    <label>Store <select name="cm-store" value=${f.store} onChange=${set('store')}>${stores.map((x) => html`<option value=${x.code}>${x.code} — ${x.name}</option>`)}</select></label>
    <label>Visit <select name="cm-wo" value=${f.wo_id} onChange=${set('wo_id')}><option value="">not about one visit</option>
      ${visits.map((v) => html`<option value=${String(v.id)}>#${v.id} ${stamp(v.at_ms, offsetOf(stores, v.store)).slice(0, 10)} ${(v.services || []).join(', ')}</option>`)}</select></label>
    <label>About <select name="cm-category" value=${f.category} onChange=${set('category')}>${CATEGORIES.map(([v, l]) => html`<option value=${v}>${l}</option>`)}</select></label>
    <label>How bad <select name="cm-severity" value=${f.severity} onChange=${set('severity')}>
      <option value="1">annoying</option><option value="2">serious</option><option value="3">urgent, unsafe</option></select></label>
    <label>What happened <textarea name="cm-text" rows="4" value=${f.text} onInput=${set('text')}></textarea></label>
    <label>Your phone (optional) <input name="cm-phone" type="tel" value=${f.phone} onInput=${set('phone')} /></label>
    <button class="primary send-complaint" onClick=${send}>Send</button>
  </details>`;
}

function MyCar({ s, update }) {
  const stores = useStores(s.chain);
  const [text, setText] = useState(s.vin || '');
  const [vin, setVin] = useState(s.vin || '');
  const h = useHistory(s.chain, vin, 5);
  const show = () => { const v = text.trim(); update({ vin: v }); if (v === vin) h.reload(); else setVin(v); };
  const visits = h.entries.filter((e) => e.kind === 'HISTORY_KIND_WORK_ORDER');
  return html`<section class="my-car">
    <h2>My car (我的车)</h2>
    <div class="row"><input name="car-vin" placeholder="VIN (车架号)" value=${text} onInput=${(e) => setText(e.target.value)} />
      <button class="primary show-car" onClick=${show}>Show</button></div>
    ${h.loaded && h.entries.length === 0 ? html`<p class="card">Nothing recorded for this car yet.</p>` : null}
    <ul class="car-history" style="list-style:none;padding:0">${h.entries.map((e) => {
      const off = offsetOf(stores, e.store);
      return html`<li class="card history-entry" data-kind=${e.kind} data-id=${e.id} data-state=${e.state} data-score=${e.score}>
        <b>${kindLabel(e.kind)}</b> <span class="muted">${e.kind === 'HISTORY_KIND_FOLLOW_UP' && e.state === 'OPEN' ? 'by ' : ''}${stamp(e.at_ms, off)} · ${e.store}</span>
        <span class=${`chip state-${String(e.state).toLowerCase()}`}>${String(e.state).replaceAll('_', ' ').toLowerCase()}</span>
        ${(e.services || []).length ? html`<p>${e.services.join(', ')}${e.mileage_km ? html` <span class="muted">at ${e.mileage_km} km</span>` : null}</p>` : null}
        ${(e.parts || []).length ? html`<p class="muted">${e.parts.map((p) => `${p.part_no} × ${p.qty}`).join(', ')}</p>` : null}
        ${e.kind === 'HISTORY_KIND_WORK_ORDER' && e.total_fen ? html`<p class="h-total">¥${(Number(e.total_fen) / 100).toFixed(2)}</p>` : null}
        ${e.kind === 'HISTORY_KIND_FOLLOW_UP' ? html`<p class="my-rating">${e.score ? html`Your rating: <span class="stars">${stars(e.score)}</span> ${e.score}/5`
          : html`<span class="muted">${e.state === 'OPEN' ? 'We will call you about this visit.' : 'No rating given.'}</span>`}</p>` : null}
        ${e.kind === 'HISTORY_KIND_COMPLAINT' && e.score ? html`<p class="my-rating">You rated how it was handled: <span class="stars">${stars(e.score)}</span> ${e.score}/5</p>` : null}
      </li>`;
    })}</ul>
    ${h.more ? html`<button class="load-more" disabled=${h.loading} onClick=${h.loadMore}>Load more</button>` : null}
    ${vin && h.loaded ? html`<${Complain} key=${vin} s=${s} stores=${stores} visits=${visits} vin=${vin} onSent=${h.reload} />` : null}
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
  const tabs = [['book', 'Book'], ['repair', 'My repair'], ['car', 'My car'], ['remind', 'Reminders'], ['tech', 'Technician'], ['settings', 'Settings']];
  return html`<${ErrCtx.Provider} value=${errs}>
    <header class="top"><b>Pitlane</b> <span class="muted">${s.chain}/${s.store}</span></header>
    <${ErrorBanner} error=${errs.error} onClose=${errs.clear} />
    <main>
      ${tab === 'book' ? html`<${Book} s=${s} update=${update} />` : null}
      ${tab === 'repair' ? html`<${MyRepair} s=${s} />` : null}
      ${tab === 'car' || tab === 'complain' ? html`<${MyCar} s=${s} update=${update} />` : null}
      ${tab === 'remind' ? html`<${Reminders} s=${s} />` : null}
      ${tab === 'tech' ? html`<${Technician} s=${s} update=${update} />` : null}
      ${tab === 'settings' ? html`<${Settings} settings=${s} update=${update} />` : null}
    </main>
    <nav class="tabbar">${tabs.map(([k, label]) => html`<a href=${`#${k}`} class=${tab === k || (k === 'car' && tab === 'complain') ? 'active' : ''}>${label}</a>`)}</nav>
  </${ErrCtx.Provider}>`;
}

render(html`<${App} />`, document.getElementById('app'));
