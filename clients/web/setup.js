// Setup (chain admins): the chain's structure — chains, stores,
// warehouses, bays, technicians, services, parts — and calendars (store
// hours, technicians' shifts and leave, bays out of service). Forms send
// what was typed; the engine validates and its refusal shows in the banner.
import { useState } from 'preact/hooks';
import { call, shortEnum, yuan } from '../shared/api.js';
import { html, useAction, useLoad } from '../shared/ui.js';

const BAYS = ['GENERAL_LIFT', 'ALIGNMENT', 'PAINT_BOOTH', 'WASH', 'DIAGNOSTICS', 'EV_HIGH_VOLTAGE'];
const SKILLS = ['ENGINE', 'ELECTRICAL', 'BODY_PAINT', 'TYRES', 'EV_HIGH_VOLTAGE', 'DIAGNOSIS'];
const DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

const pad = (n) => String(n).padStart(2, '0');
const hm = (m) => `${pad(Math.floor(m / 60))}:${pad(m % 60)}`;
const mins = (v) => { const [h, m] = String(v || '').split(':').map(Number); return (h || 0) * 60 + (m || 0); };
const dayDate = (d) => new Date(d * 86400000).toISOString().slice(0, 10);
const dateDay = (s) => Math.floor(Date.parse(`${s}T00:00:00Z`) / 86400000);
// "YYYY-MM-DDTHH:MM" at a store's offset -> UTC minutes, and back.
const utcMin = (v, off) => Date.parse(`${v}:00Z`) / 60000 - off;
const localDT = (m, off) => new Date((m + off) * 60000).toISOString().slice(0, 16);

// A small form: fields [name, label, type?, options?]; onSubmit(values).
function Form({ name, fields, submit, onSubmit, initial = {} }) {
  const act = useAction();
  const [v, setV] = useState(initial);
  const [ok, setOk] = useState('');
  const set = (k, type) => (e) => setV({ ...v, [k]: type === 'checkbox' ? e.target.checked : e.target.value });
  return html`<div class=${`row form ${name}`}>
    ${fields.map(([k, label, type = 'text', options]) => (options
      ? html`<label>${label} <select name=${`${name}-${k}`} value=${v[k] ?? ''} onChange=${set(k)}>${options.map((o) => html`<option value=${o}>${o.toLowerCase ? o.toLowerCase().replaceAll('_', ' ') : o}</option>`)}</select></label>`
      : type === 'checkbox'
        ? html`<label><input type="checkbox" name=${`${name}-${k}`} checked=${!!v[k]} onChange=${set(k, type)} /> ${label}</label>`
        : html`<input name=${`${name}-${k}`} type=${type} placeholder=${label} title=${label} value=${v[k] ?? ''} onInput=${set(k)} />`))}
    <button onClick=${() => act(async () => { setOk(''); const r = await onSubmit(v); setOk(r || 'saved'); })}>${submit}</button>
    ${ok ? html`<span class="ok">${ok}</span>` : null}</div>`;
}

function Chains({ s }) {
  const [list, reload] = useLoad(() => call('Admin', 'ListChains', {}), []);
  const [sum] = useLoad(() => call('Admin', 'GetChain', { code: s.chain }), [s.chain]);
  return html`<div class="card chains"><h3>Chain ${s.chain}</h3>
    ${sum ? html`<p class="chain-summary">${sum.chain.name}: ${sum.stores} stores · ${sum.warehouses} warehouses · ${sum.bays} bays · ${sum.technicians} technicians · ${sum.parts} parts</p>` : null}
    <p class="muted">Chains this key sees: ${(list?.chains || []).map((c) => `${c.code} (${c.name})`).join(', ')}</p>
    <details><summary>New chain (platform keys)</summary>
      <${Form} name="chain" submit="Create chain" fields=${[['code', 'code'], ['name', 'name']]}
        onSubmit=${async (v) => { const c = await call('Admin', 'CreateChain', { chain: { code: v.code, name: v.name } }); reload(); return `chain ${c.code} created`; }} /></details>
  </div>`;
}

function Stores({ s, stores, reload }) {
  const [open, setOpen] = useState(null);
  const [st] = useLoad(() => (open ? call('Admin', 'GetStore', { chain: s.chain, code: open }) : Promise.resolve(null)), [s.chain, open]);
  const [wh, reloadWh] = useLoad(() => call('Admin', 'ListWarehouses', { chain: s.chain }), [s.chain]);
  return html`<div class="card stores"><h3>Stores and warehouses</h3>
    <table class="list"><thead><tr><th>store</th><th>name</th><th>UTC offset</th><th>position</th><th>warehouses</th></tr></thead>
      <tbody>${stores.map((x) => html`<tr class="clickable" onClick=${() => setOpen(x.code)}><td>${x.code}</td><td>${x.name}</td><td>${x.utc_offset_min / 60} h</td>
        <td>${(x.lat_e6 / 1e6).toFixed(4)}, ${(x.lng_e6 / 1e6).toFixed(4)}</td>
        <td>${(wh?.warehouses || []).filter((w) => w.store === x.code).map((w) => w.code).join(', ')}</td></tr>`)}
      ${(wh?.warehouses || []).filter((w) => !w.store).map((w) => html`<tr><td colspan="4" class="muted">distribution centre ${w.name}</td><td>${w.code}</td></tr>`)}</tbody></table>
    ${st ? html`<p class="store-detail">${st.code} ${st.name}, created ${new Date(st.created_ms).toLocaleDateString()}</p>` : null}
    <${Form} name="store" submit="Add store" initial=${{ offset: 480 }} fields=${[['code', 'code'], ['name', 'name'], ['offset', 'UTC offset min', 'number'], ['lat', 'latitude', 'number'], ['lng', 'longitude', 'number']]}
      onSubmit=${async (v) => {
        await call('Admin', 'CreateStore', { store: { chain: s.chain, code: v.code, name: v.name, utc_offset_min: Number(v.offset || 0),
          lat_e6: Math.round(Number(v.lat || 0) * 1e6), lng_e6: Math.round(Number(v.lng || 0) * 1e6) } });
        reload();
      }} />
    <${Form} name="warehouse" submit="Add warehouse" fields=${[['code', 'code'], ['store', 'store ("" = distribution centre)'], ['name', 'name']]}
      onSubmit=${async (v) => { await call('Admin', 'CreateWarehouse', { warehouse: { chain: s.chain, code: v.code, store: v.store || '', name: v.name } }); reloadWh(); }} />
  </div>`;
}

function Hours({ s, store }) {
  const act = useAction();
  const [h, , setH] = useLoad(() => call('Admin', 'GetStoreHours', { chain: s.chain, store }), [s.chain, store]);
  const [ok, setOk] = useState(false);
  if (!h) return null;
  const week = h.week.length === 7 ? h.week : DAYS.map(() => ({ start_min: 0, end_min: 0 }));
  const setDay = (i, k, v) => setH({ ...h, week: week.map((r, j) => (j === i ? { ...r, [k]: mins(v) } : r)) });
  return html`<div class="card hours"><h4>Opening hours ${store}</h4>
    <table class="list"><tbody>${week.map((r, i) => html`<tr><td>${DAYS[i]}</td>
      <td><input type="time" name=${`open-${i}`} value=${hm(r.start_min)} onInput=${(e) => setDay(i, 'start_min', e.target.value)} /> –
        <input type="time" name=${`close-${i}`} value=${hm(r.end_min)} onInput=${(e) => setDay(i, 'end_min', e.target.value)} />
        ${r.start_min === r.end_min ? html`<span class="muted">closed</span>` : null}</td></tr>`)}</tbody></table>
    <div class="row"><label>closed on <input name="closures" class="wide" placeholder="YYYY-MM-DD, …" value=${h.closures.map(dayDate).join(', ')}
        onChange=${(e) => setH({ ...h, closures: e.target.value.split(/[\s,]+/).filter(Boolean).map(dateDay) })} /></label>
      <label>bookable days ahead <input name="horizon" type="number" value=${h.horizon_days} onInput=${(e) => setH({ ...h, horizon_days: Number(e.target.value) })} /></label>
      <button onClick=${() => act(async () => { setOk(false); setH(await call('Admin', 'SetStoreHours', { hours: { ...h, week } })); setOk(true); })}>Save hours</button>
      ${ok ? html`<span class="ok">saved</span>` : null}</div></div>`;
}

function Resources({ s, store, off }) {
  const act = useAction();
  const [res, reload] = useLoad(() => call('Admin', 'ListResources', { chain: s.chain, store }), [s.chain, store]);
  const [tech, setTech] = useState('');
  const [shifts, setShifts] = useState(DAYS.map(() => ({ work: '09:00-18:00', brk: '12:00-13:00' })));
  const [leave, setLeave] = useState({ from: '', to: '' });
  const [bay, setBay] = useState('');
  const [oos, setOos] = useState({ from: '', to: '' });
  const [ok, setOk] = useState('');
  const range = (v) => { const [a, b] = String(v || '').split('-'); return { start_min: mins(a), end_min: mins(b) }; };
  return html`<div class="card resources"><h4>Bays and technicians ${store}</h4>
    <div class="grid2"><table class="list"><thead><tr><th>bay</th><th>type</th></tr></thead>
        <tbody>${(res?.bays || []).map((b) => html`<tr><td>${b.code}</td><td>${shortEnum(b.type, 'BAY_TYPE_')}</td></tr>`)}</tbody></table>
      <table class="list"><thead><tr><th>technician</th><th>name</th><th>skills</th></tr></thead>
        <tbody>${(res?.technicians || []).map((t) => html`<tr><td>${t.code}</td><td>${t.name}</td>
          <td>${t.skills.map((k) => `${shortEnum(k.skill, 'SKILL_')} ${k.level}`).join(', ')}</td></tr>`)}</tbody></table></div>
    <${Form} name="bay" submit="Add bay" initial=${{ type: BAYS[0] }} fields=${[['code', 'code'], ['type', 'type', 'select', BAYS]]}
      onSubmit=${async (v) => { await call('Admin', 'CreateBay', { bay: { chain: s.chain, store, code: v.code, type: `BAY_TYPE_${v.type}` } }); reload(); }} />
    <${Form} name="tech" submit="Add technician" fields=${[['code', 'code'], ['name', 'name'], ['skills', `skills, e.g. ENGINE:3 TYRES:2 (${SKILLS.join(' ')})`]]}
      onSubmit=${async (v) => {
        const skills = String(v.skills || '').split(/[\s,]+/).filter(Boolean).map((x) => { const [k, l] = x.split(':'); return { skill: `SKILL_${k.toUpperCase()}`, level: Number(l || 1) }; });
        await call('Admin', 'CreateTechnician', { technician: { chain: s.chain, store, code: v.code, name: v.name, skills } });
        reload();
      }} />
    <details class="tech-schedule"><summary>Technician shifts and leave</summary>
      <div class="row"><select name="ts-tech" value=${tech} onChange=${(e) => setTech(e.target.value)}><option value="">technician…</option>
        ${(res?.technicians || []).map((t) => html`<option value=${t.code}>${t.code}</option>`)}</select>
        <span class="muted">work and break as HH:MM-HH:MM, empty work = day off; replaces the whole week</span></div>
      <table class="list"><tbody>${shifts.map((x, i) => html`<tr><td>${DAYS[i]}</td>
        <td><input name=${`ts-work-${i}`} value=${x.work} onInput=${(e) => setShifts(shifts.map((y, j) => (j === i ? { ...y, work: e.target.value } : y)))} /></td>
        <td>break <input name=${`ts-break-${i}`} value=${x.brk} onInput=${(e) => setShifts(shifts.map((y, j) => (j === i ? { ...y, brk: e.target.value } : y)))} /></td></tr>`)}</tbody></table>
      <div class="row">leave <input type="datetime-local" value=${leave.from} onInput=${(e) => setLeave({ ...leave, from: e.target.value })} /> –
        <input type="datetime-local" value=${leave.to} onInput=${(e) => setLeave({ ...leave, to: e.target.value })} />
        <button onClick=${() => act(async () => {
          setOk('');
          await call('Admin', 'SetTechnicianSchedule', { schedule: { chain: s.chain, store, technician: tech,
            week: shifts.map((x) => ({ work: x.work ? range(x.work) : { start_min: 0, end_min: 0 }, breaks: x.work && x.brk ? [range(x.brk)] : [] })),
            leave: leave.from && leave.to ? [{ start_min: utcMin(leave.from, off), end_min: utcMin(leave.to, off) }] : [] } });
          setOk(`schedule of ${tech} saved`);
        })}>Save schedule</button></div></details>
    <details class="bay-schedule"><summary>Bay out of service</summary>
      <div class="row"><select name="bs-bay" value=${bay} onChange=${(e) => setBay(e.target.value)}><option value="">bay…</option>
        ${(res?.bays || []).map((b) => html`<option value=${b.code}>${b.code}</option>`)}</select>
        <input type="datetime-local" value=${oos.from} onInput=${(e) => setOos({ ...oos, from: e.target.value })} /> –
        <input type="datetime-local" value=${oos.to} onInput=${(e) => setOos({ ...oos, to: e.target.value })} />
        <button onClick=${() => act(async () => {
          setOk('');
          const r = await call('Admin', 'SetBaySchedule', { schedule: { chain: s.chain, store, bay,
            out_of_service: oos.from && oos.to ? [{ start_min: utcMin(oos.from, off), end_min: utcMin(oos.to, off) }] : [] } });
          setOk(`bay ${bay}: ${r.out_of_service.map((x) => `${localDT(x.start_min, off)}–${localDT(x.end_min, off)}`).join(', ') || 'in service'}`);
        })}>Save (empty: back in service)</button></div></details>
    ${ok ? html`<p class="ok">${ok}</p>` : null}
  </div>`;
}

function Catalogue({ s }) {
  const [svc, reload] = useLoad(() => call('Admin', 'ListServices', { chain: s.chain }), [s.chain]);
  return html`<div class="card catalogue"><h3>Services and parts</h3>
    <table class="list"><thead><tr><th>service</th><th>name</th><th>bay</th><th>skill</th><th>minutes</th><th>technicians</th></tr></thead>
      <tbody>${(svc?.services || []).map((x) => html`<tr><td>${x.code}</td><td>${x.name}</td><td>${shortEnum(x.bay_type, 'BAY_TYPE_')}</td>
        <td>${shortEnum(x.skill, 'SKILL_')} ≥ ${x.min_level}</td><td>${x.duration_min}</td><td>${x.technicians}</td></tr>`)}</tbody></table>
    <${Form} name="service" submit="Add service" initial=${{ bay: BAYS[0], skill: SKILLS[0], level: 1, duration: 60, techs: 1 }}
      fields=${[['code', 'code'], ['name', 'name'], ['bay', 'bay', 'select', BAYS], ['skill', 'skill', 'select', SKILLS], ['level', 'min level', 'number'], ['duration', 'minutes', 'number'], ['techs', 'technicians', 'number']]}
      onSubmit=${async (v) => {
        await call('Admin', 'CreateService', { service: { chain: s.chain, code: v.code, name: v.name, bay_type: `BAY_TYPE_${v.bay}`, skill: `SKILL_${v.skill}`,
          min_level: Number(v.level), duration_min: Number(v.duration), technicians: Number(v.techs) } });
        reload();
      }} />
    <${Form} name="part" submit="Add part" initial=${{ unit: 'pc' }}
      fields=${[['part_no', 'part no'], ['name', 'name'], ['spec', 'spec'], ['oem', 'OEM (原厂)', 'checkbox'], ['unit', 'unit'], ['purchase', 'purchase ¥', 'number'], ['sale', 'sale ¥', 'number']]}
      onSubmit=${async (v) => {
        const p = await call('Admin', 'CreatePart', { part: { chain: s.chain, part_no: v.part_no, name: v.name, spec: v.spec || '', oem: !!v.oem, unit: v.unit || '',
          purchase_fen: Math.round(Number(v.purchase || 0) * 100), sale_fen: Math.round(Number(v.sale || 0) * 100) } });
        return `part ${p.part_no} added (sale ${yuan(p.sale_fen)})`;
      }} />
  </div>`;
}

export function Setup({ s }) {
  const [st, reload] = useLoad(() => call('Admin', 'ListStores', { chain: s.chain }), [s.chain]);
  const stores = st?.stores || [];
  const off = stores.find((x) => x.code === s.store)?.utc_offset_min ?? 480;
  return html`<section class="setup"><h2>Setup</h2>
    <${Chains} s=${s} />
    <${Stores} s=${s} stores=${stores} reload=${reload} />
    <div class="grid2"><${Hours} s=${s} store=${s.store} /><${Resources} s=${s} store=${s.store} off=${off} /></div>
    <${Catalogue} s=${s} />
  </section>`;
}
