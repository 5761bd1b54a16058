// Customers (客户) for advisors and store managers (pitlane.v1.Customers):
// find a customer by name or phone, create or edit one (contact consent),
// link a vehicle (VIN) as owner or driver from a date, and a vehicle's
// service history across the chain (one call a page, newest first, "load
// more" with the server's page token) with its owners over time. The
// Follow-ups (回访) and Complaints (投诉) views are beside it
// (followups.js, complaints.js). Every rule is the engine's; a refusal
// goes to the banner in its words.
import { useEffect, useState } from 'preact/hooks';
import { call, offsetOf, stamp, yuan } from '../shared/api.js';
import { html, useAction, useLoad, useStores } from '../shared/ui.js';
import { kindLabel, stars, useHistory } from '../shared/history.js';
import { FollowUps } from './followups.js';
import { Complaints } from './complaints.js';

const PAGE = 20;

const short = (v, prefix) => String(v || '').replace(prefix, '').replaceAll('_', ' ').toLowerCase();
const ROLE = { OWNER_ROLE_OWNER: 'owner (车主)', OWNER_ROLE_DRIVER: 'driver (用车人)', OWNER_ROLE_UNSPECIFIED: 'owner (车主)' };

// Names of customers by id (GetCustomer, once each), for the owner lists.
function useNames(chain, ids) {
  const [names, setNames] = useState({});
  const key = [...new Set(ids)].filter((x) => x && !(x in names)).sort().join(',');
  useEffect(() => {
    if (!key) return;
    let live = true;
    Promise.all(key.split(',').map((id) => call('Customers', 'GetCustomer', { chain, id: Number(id) })
      .then((c) => [id, `${c.name} ${c.phone}`], (e) => [id, `(${e.code})`])))
      .then((pairs) => { if (live) setNames((n) => ({ ...n, ...Object.fromEntries(pairs) })); });
    return () => { live = false; };
  }, [chain, key]);
  return names;
}

export function OwnersTable({ chain, links, cls = 'owners' }) {
  const names = useNames(chain, (links || []).map((l) => String(l.customer_id)));
  if (!links || links.length === 0) return html`<p class=${`muted ${cls}`}>No owner or driver linked.</p>`;
  return html`<table class=${`list ${cls}`}><thead><tr><th>customer</th><th>role</th><th>from</th><th>to</th></tr></thead>
    <tbody>${links.map((l) => html`<tr class=${`owner-link ${l.to_date ? 'ended' : 'current'}`} data-customer=${l.customer_id} data-role=${l.role}
      data-from=${l.from_date} data-to=${l.to_date}>
      <td>#${l.customer_id} ${names[String(l.customer_id)] || ''}</td><td>${ROLE[l.role] || short(l.role, 'OWNER_ROLE_')}</td>
      <td>${l.from_date}</td><td>${l.to_date || html`<span class="ok">current</span>`}</td></tr>`)}</tbody></table>`;
}

const BLANK = {
  id: 0, kind: 'CUSTOMER_KIND_PERSON', source: 'CUSTOMER_SOURCE_DIRECT', ref: '', name: '', phone: '', email: '', wechat: '',
  preferred: 'CONTACT_CHANNEL_PHONE', consent: false, consent_marketing: false,
};

function CustomerForm({ s, customer, onSaved, onClose }) {
  const act = useAction();
  const [f, setF] = useState({ ...BLANK, ...customer });
  useEffect(() => setF({ ...BLANK, ...customer }), [customer]);
  // one key per new-customer form (it is remounted for each): a double
  // click or a retry creates one customer, not two
  const [idem] = useState(() => `web-${Date.now()}-${Math.random().toString(36).slice(2)}`);
  const set = (k) => (e) => setF({ ...f, [k]: e.target.type === 'checkbox' ? e.target.checked : e.target.value });
  const norm = (v, p) => (String(v).endsWith('_UNSPECIFIED') ? `${p}${{ CUSTOMER_KIND_: 'PERSON', CUSTOMER_SOURCE_: 'DIRECT', CONTACT_CHANNEL_: 'PHONE' }[p]}` : v);
  const save = () => act(async () => {
    const c = await call('Customers', 'PutCustomer', {
      chain: s.chain,
      customer: { chain: s.chain, id: Number(f.id || 0), kind: f.kind, source: f.source, ref: f.ref, name: f.name, phone: f.phone, email: f.email,
        wechat: f.wechat, preferred: f.preferred, consent: !!f.consent, consent_marketing: !!f.consent_marketing },
      // a new customer: a repeated click returns the same one
      idempotency_key: Number(f.id || 0) ? '' : idem,
    });
    onSaved(c);
  });
  return html`<section class="card customer-form" data-id=${f.id}>
    ${onClose ? html`<button class="close" onClick=${onClose}>×</button>` : null}
    <h3>${Number(f.id) ? html`Customer #${f.id}` : 'New customer (新客户)'}</h3>
    <div class="row">
      <select name="cu-kind" value=${norm(f.kind, 'CUSTOMER_KIND_')} onChange=${set('kind')}>
        <option value="CUSTOMER_KIND_PERSON">person (个人)</option><option value="CUSTOMER_KIND_COMPANY">company (企业)</option></select>
      <input name="cu-name" placeholder="name" value=${f.name} onInput=${set('name')} />
      <input name="cu-phone" placeholder="phone" value=${f.phone} onInput=${set('phone')} />
      <input name="cu-email" placeholder="email" value=${f.email} onInput=${set('email')} />
      <input name="cu-wechat" placeholder="WeChat (微信)" value=${f.wechat} onInput=${set('wechat')} /></div>
    <div class="row">
      <label>source <select name="cu-source" value=${norm(f.source, 'CUSTOMER_SOURCE_')} onChange=${set('source')}>
        <option value="CUSTOMER_SOURCE_DIRECT">direct</option><option value="CUSTOMER_SOURCE_FLEET">fleet (车队)</option>
        <option value="CUSTOMER_SOURCE_INSURER">insurer (保险公司)</option></select></label>
      <input name="cu-ref" placeholder="fleet / insurer code" value=${f.ref} onInput=${set('ref')} />
      <label>contact by <select name="cu-preferred" value=${norm(f.preferred, 'CONTACT_CHANNEL_')} onChange=${set('preferred')}>
        <option value="CONTACT_CHANNEL_PHONE">phone</option><option value="CONTACT_CHANNEL_SMS">SMS</option>
        <option value="CONTACT_CHANNEL_WECHAT">WeChat</option><option value="CONTACT_CHANNEL_EMAIL">email</option></select></label></div>
    <div class="row">
      <label><input type="checkbox" name="cu-consent" checked=${!!f.consent} onChange=${set('consent')} /> may be contacted (follow-ups, reminders)</label>
      <label><input type="checkbox" name="cu-consent-marketing" checked=${!!f.consent_marketing} onChange=${set('consent_marketing')} /> may get offers (营销)</label>
      <button class="primary save-customer" onClick=${save}>${Number(f.id) ? 'Save' : 'Create customer'}</button></div>
    ${f.created_ms ? html`<p class="muted">created ${new Date(Number(f.created_ms)).toLocaleString()} · updated ${new Date(Number(f.updated_ms)).toLocaleString()}</p>` : null}
  </section>`;
}

function CustomerVehicles({ s, customer, onHistory }) {
  const act = useAction();
  const today = new Date().toISOString().slice(0, 10);
  const [links, reload] = useLoad(() => call('Customers', 'ListCustomerVehicles', { chain: s.chain, customer_id: customer.id }), [s.chain, customer.id]);
  const [f, setF] = useState({ vin: '', role: 'OWNER_ROLE_OWNER', from_date: today });
  const [toDate, setToDate] = useState(today);
  const [vehicle, setVehicle] = useState(null); // the VIN's links after a link, or as listed
  const link = () => act(async () => {
    const r = await call('Customers', 'LinkVehicle', { chain: s.chain, vin: f.vin.trim(), customer_id: customer.id, role: f.role, from_date: f.from_date });
    setVehicle({ vin: f.vin.trim(), links: r.links });
    reload();
  });
  const owners = () => act(async () => setVehicle({ vin: f.vin.trim(), links: (await call('Customers', 'ListVehicleOwners', { chain: s.chain, vin: f.vin.trim() })).links }));
  const unlink = (vin) => act(async () => {
    const r = await call('Customers', 'UnlinkVehicle', { chain: s.chain, vin, customer_id: customer.id, to_date: toDate });
    setVehicle({ vin, links: r.links });
    reload();
  });
  return html`<section class="card customer-vehicles" data-customer=${customer.id}>
    <h3>Vehicles of ${customer.name} (车辆)</h3>
    <table class="list my-vehicles"><thead><tr><th>VIN</th><th>role</th><th>from</th><th>to</th><th></th></tr></thead>
      <tbody>${(links?.links || []).length === 0 ? html`<tr><td colspan="5" class="muted">No vehicle linked.</td></tr>` : null}
      ${(links?.links || []).map((l) => html`<tr class="vehicle-link" data-vin=${l.vin} data-role=${l.role}>
        <td><a href="#customers" class="history-link" onClick=${(e) => { e.preventDefault(); onHistory(l.vin); }}>${l.vin}</a></td>
        <td>${ROLE[l.role] || short(l.role, 'OWNER_ROLE_')}</td><td>${l.from_date}</td><td>${l.to_date || html`<span class="ok">current</span>`}</td>
        <td>${l.to_date ? null : html`<button class="unlink" onClick=${() => unlink(l.vin)}>End link</button>`}</td></tr>`)}</tbody></table>
    <div class="row"><label>end links on <input name="unlink-date" type="date" value=${toDate} onInput=${(e) => setToDate(e.target.value)} /></label></div>
    <h4>Link a vehicle (关联车辆)</h4>
    <div class="row">
      <input name="link-vin" placeholder="VIN (registered)" value=${f.vin} onInput=${(e) => setF({ ...f, vin: e.target.value })} />
      <select name="link-role" value=${f.role} onChange=${(e) => setF({ ...f, role: e.target.value })}>
        <option value="OWNER_ROLE_OWNER">owner (车主)</option><option value="OWNER_ROLE_DRIVER">driver (用车人)</option></select>
      <label>from <input name="link-from" type="date" value=${f.from_date} onInput=${(e) => setF({ ...f, from_date: e.target.value })} /></label>
      <button class="primary link-vehicle" onClick=${link}>Link</button>
      <button class="vehicle-owners" onClick=${owners}>Who is linked to this VIN</button></div>
    ${vehicle ? html`<div class="vin-links" data-vin=${vehicle.vin}><p class="muted">${vehicle.vin}: owners and drivers over time, newest first</p>
      <${OwnersTable} chain=${s.chain} links=${vehicle.links} cls="vin-owners" /></div>` : null}
  </section>`;
}

// A vehicle's history: visits, bookings, follow-ups and complaints across
// the chain, newest first, a page at a time.
export function ServiceHistory({ s, vin, setVin }) {
  const stores = useStores(s.chain);
  const [text, setText] = useState(vin || '');
  useEffect(() => setText(vin || ''), [vin]);
  const [limit, setLimit] = useState(10);
  const h = useHistory(s.chain, vin, limit);
  return html`<section class="card service-history" data-vin=${h.vin}>
    <div class="row"><h3>Service history (维修记录)</h3>
      <input name="h-vin" placeholder="VIN" value=${text} onInput=${(e) => setText(e.target.value)}
        onKeyDown=${(e) => { if (e.key === 'Enter') setVin(text.trim()); }} />
      <button class="show-history" onClick=${() => (text.trim() === vin ? h.reload() : setVin(text.trim()))}>Show</button>
      <label>per page <select name="h-limit" value=${limit} onChange=${(e) => setLimit(Number(e.target.value))}>
        ${[2, 5, 10, 25, 50].map((n) => html`<option value=${n}>${n}</option>`)}</select></label></div>
    ${h.loaded ? html`
      <h4>Owners over time</h4>
      <${OwnersTable} chain=${s.chain} links=${h.owners} cls="history-owners" />
      <h4>Visits and contacts, newest first</h4>
      <table class="list history"><thead><tr><th>when</th><th>what</th><th>store</th><th>state</th><th>services · parts (lot)</th><th>km</th><th>total</th><th>score</th></tr></thead>
        <tbody>${h.entries.length === 0 ? html`<tr><td colspan="8" class="muted">Nothing recorded for this VIN.</td></tr>` : null}
        ${h.entries.map((e) => html`<tr class=${`history-entry kind-${short(e.kind, 'HISTORY_KIND_').replaceAll(' ', '-')}`} data-kind=${e.kind} data-id=${e.id}
          data-at=${e.at_ms} data-state=${e.state} data-score=${e.score} data-total=${e.total_fen}>
          <td class="h-when">${e.kind === 'HISTORY_KIND_FOLLOW_UP' && e.state === 'OPEN' ? 'due ' : ''}${stamp(e.at_ms, offsetOf(stores, e.store))}</td>
          <td class="h-kind">${kindLabel(e.kind)} #${e.id}
            ${e.kind === 'HISTORY_KIND_WORK_ORDER' ? html`<div><a href=${`#orders/${e.id}`}>open the order</a>${e.ref_id ? html` <span class="muted">booking #${e.ref_id}</span>` : null}</div>` : null}
            ${(e.kind === 'HISTORY_KIND_FOLLOW_UP' || e.kind === 'HISTORY_KIND_COMPLAINT') && e.ref_id ? html`<div class="muted">order <a href=${`#orders/${e.ref_id}`}>#${e.ref_id}</a></div>` : null}</td>
          <td>${e.store}</td>
          <td><span class=${`chip state-${String(e.state).toLowerCase()}`}>${String(e.state).replaceAll('_', ' ').toLowerCase()}</span></td>
          <td class="h-what">${(e.services || []).join(', ')}${(e.parts || []).length ? html`<div class="h-parts">${e.parts.map((p) => html`<span class="h-part" data-part=${p.part_no} data-lot=${p.lot}>
            ${p.part_no} × ${p.qty} <span class="muted">${p.lot ? `lot ${p.lot}` : 'not issued'}</span></span>`)}</div>` : null}</td>
          <td>${e.mileage_km ? e.mileage_km : ''}</td>
          <td class="h-total">${e.kind === 'HISTORY_KIND_WORK_ORDER' ? yuan(e.total_fen) : ''}</td>
          <td class="h-score">${e.score ? html`<span title=${e.kind === 'HISTORY_KIND_COMPLAINT' ? 'the customer rated the complaint handling' : 'satisfaction at the follow-up'}>${stars(e.score)} ${e.score}/5</span>` : ''}</td>
        </tr>`)}</tbody></table>
      <div class="row paging">
        <button class="load-more" disabled=${!h.more || h.loading} onClick=${h.loadMore}>${h.more ? 'Load more' : 'No more'}</button>
        <span class="muted">${h.entries.length} shown</span></div>` : html`<p class="muted">${h.loading ? 'loading…' : 'Enter a VIN, or click one of the customer\'s vehicles.'}</p>`}
  </section>`;
}

function CustomersView({ s }) {
  const act = useAction();
  const [text, setText] = useState('');
  const [filter, setFilter] = useState('');
  const [pages, setPages] = useState([0]);
  const after = pages[pages.length - 1];
  const [list, reload] = useLoad(() => call('Customers', 'ListCustomers', { chain: s.chain, text: filter, after_id: after, limit: PAGE }), [s.chain, filter, after]);
  const [open, setOpen] = useState(null); // a customer (GetCustomer's answer) or BLANK
  const [vin, setVin] = useState('');
  const search = () => { setFilter(text.trim()); setPages([0]); };
  const pick = (id) => act(async () => setOpen(await call('Customers', 'GetCustomer', { chain: s.chain, id })));
  const byPhone = () => act(async () => setOpen(await call('Customers', 'FindCustomer', { chain: s.chain, phone: text.trim() })));
  return html`<div class="split">
    <div>
      <div class="row toolbar">
        <input name="cu-search" class="wide" placeholder="name or phone (empty: everyone)" value=${text} onInput=${(e) => setText(e.target.value)}
          onKeyDown=${(e) => { if (e.key === 'Enter') search(); }} />
        <button class="search-customers" onClick=${search}>Search</button>
        <button class="find-phone" onClick=${byPhone}>Exact phone</button>
        <button class="new-customer" onClick=${() => setOpen({ ...BLANK, nonce: Date.now() })}>+ New customer</button></div>
      <table class="list customers-list"><thead><tr><th>#</th><th>name</th><th>phone</th><th>kind · source</th><th>consent</th></tr></thead>
        <tbody>${(list?.customers || []).length === 0 ? html`<tr><td colspan="5" class="muted">No customers${filter ? ` matching “${filter}”` : ''}.</td></tr>` : null}
        ${(list?.customers || []).map((c) => html`<tr class=${`clickable customer ${open && open.id === c.id ? 'selected' : ''}`} data-id=${c.id} data-phone=${c.phone}
          onClick=${() => pick(c.id)}>
          <td>${c.id}</td><td>${c.name}</td><td>${c.phone}</td>
          <td>${short(c.kind, 'CUSTOMER_KIND_')} · ${short(c.source, 'CUSTOMER_SOURCE_')}${c.ref ? ` ${c.ref}` : ''}</td>
          <td>${c.consent ? 'contact ✓' : html`<span class="warn">no contact</span>`}${c.consent_marketing ? ' · offers ✓' : ''}</td></tr>`)}</tbody></table>
      <div class="row paging">
        <button class="prev-page" disabled=${pages.length < 2} onClick=${() => setPages(pages.slice(0, -1))}>‹ Previous</button>
        <span class="muted">page ${pages.length}</span>
        <button class="next-page" disabled=${!list?.next_after_id} onClick=${() => setPages([...pages, list.next_after_id])}>Next ›</button></div>
      ${open ? html`<${CustomerForm} key=${Number(open.id) ? `c${open.id}` : `new${open.nonce}`} s=${s} customer=${open} onClose=${() => setOpen(null)} onSaved=${(c) => { setOpen(c); reload(); }} />` : null}
      ${open && Number(open.id) ? html`<${CustomerVehicles} s=${s} customer=${open} onHistory=${setVin} />` : null}
    </div>
    <div><${ServiceHistory} s=${s} vin=${vin} setVin=${setVin} /></div>
  </div>`;
}

const VIEWS = [['', 'Customers (客户)'], ['followups', 'Follow-ups (回访)'], ['complaints', 'Complaints (投诉)']];

export function CustomersPage({ s, view }) {
  const v = VIEWS.some(([k]) => k === view) ? view : '';
  return html`<section class="customers-page">
    <div class="row toolbar"><h2>Customers</h2>
      <nav class="subnav">${VIEWS.map(([k, label]) => html`<a href=${k ? `#customers/${k}` : '#customers'} data-view=${k || 'customers'}
        class=${v === k ? 'active' : ''}>${label}</a>`)}</nav></div>
    ${v === '' ? html`<${CustomersView} s=${s} />` : null}
    ${v === 'followups' ? html`<${FollowUps} s=${s} />` : null}
    ${v === 'complaints' ? html`<${Complaints} s=${s} />` : null}
  </section>`;
}
