// API keys (admins): the keys this key may manage (never a secret: the
// listing has none), create one — its token is shown once, here, and
// cannot be recovered — and revoke. Who may manage which key is the
// engine's rule (docs/security.md); a refusal shows in the banner.
import { useState } from 'preact/hooks';
import { call, shortEnum } from '../shared/api.js';
import { html, useAction, useLoad } from '../shared/ui.js';

const KINDS = ['CHAIN', 'PLATFORM', 'INSURER', 'FLEET'];
const ROLES = ['ADMIN', 'ADVISOR', 'TECHNICIAN', 'CLERK', 'PLANNER', 'INSURER', 'FLEET', 'VIEWER'];

function NewKey({ s, onCreated }) {
  const act = useAction();
  const [f, setF] = useState({ kind: 'CHAIN', tenant: s.chain, chains: '', roles: ['VIEWER'], rate: '', burst: '', label: '' });
  const [made, setMade] = useState(null);
  const [copied, setCopied] = useState('');
  const set = (k) => (e) => setF({ ...f, [k]: e.target.value });
  const role = (r) => setF({ ...f, roles: f.roles.includes(r) ? f.roles.filter((x) => x !== r) : [...f.roles, r] });
  const create = () => act(async () => {
    setMade(null);
    setCopied('');
    const r = await call('Admin', 'CreateApiKey', { key: {
      tenant_kind: `TENANT_KIND_${f.kind}`, tenant: f.tenant.trim(),
      chains: f.chains.split(/[\s,]+/).filter(Boolean), roles: f.roles.map((x) => `ROLE_${x}`),
      rate_per_s: Number(f.rate || 0), burst: Number(f.burst || 0), label: f.label,
    } });
    setMade(r);
    onCreated();
  });
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(made.token);
      setCopied('copied to the clipboard');
    } catch {
      setCopied('select the token and copy it (Ctrl+C)');
    }
  };
  return html`<div class="card new-key"><h3>Create a key</h3>
    <div class="row">
      <label>tenant kind <select name="k-kind" value=${f.kind} onChange=${set('kind')}>${KINDS.map((k) => html`<option value=${k}>${k.toLowerCase()}</option>`)}</select></label>
      <input name="k-tenant" placeholder="tenant code" value=${f.tenant} onInput=${set('tenant')} />
      <input name="k-chains" placeholder="chains (insurer / fleet: 1–16)" value=${f.chains} onInput=${set('chains')} />
    </div>
    <div class="row roles">roles: ${ROLES.map((r) => html`<label><input type="checkbox" name=${`k-role-${r.toLowerCase()}`} checked=${f.roles.includes(r)} onChange=${() => role(r)} /> ${r.toLowerCase()}</label>`)}</div>
    <div class="row">
      <label>rate / s <input name="k-rate" type="number" min="0" placeholder="0 = unlimited" value=${f.rate} onInput=${set('rate')} /></label>
      <label>burst <input name="k-burst" type="number" min="0" value=${f.burst} onInput=${set('burst')} /></label>
      <input name="k-label" class="wide" placeholder="label (who uses it)" value=${f.label} onInput=${set('label')} />
      <button class="primary create-key" onClick=${create}>Create key</button>
    </div>
    ${made ? html`<div class="token-once" data-key-id=${made.key.key_id}>
      <p><b>Key ${made.key.key_id} created.</b> Copy its token now: it is shown this once and cannot be recovered.</p>
      <div class="row"><code class="token" onClick=${(e) => getSelection().selectAllChildren(e.currentTarget)}>${made.token}</code>
        <button class="copy" onClick=${copy}>Copy</button> <span class="muted">${copied}</span>
        <button onClick=${() => setMade(null)}>I have copied it</button></div></div>` : null}
  </div>`;
}

export function Keys({ s }) {
  const act = useAction();
  const [list, reload] = useLoad(() => call('Admin', 'ListApiKeys', {}), []);
  const [showRevoked, setShowRevoked] = useState(false);
  const keys = (list?.keys || []).filter((k) => showRevoked || !k.revoked).slice().sort((a, b) => b.created_ms - a.created_ms);
  const revoke = (k) => act(async () => {
    if (!confirm(`Revoke key ${k.key_id}${k.label ? ` (${k.label})` : ''}? It stops working on the very next call.`)) return;
    await call('Admin', 'RevokeApiKey', { key_id: k.key_id });
    reload();
  });
  return html`<section class="keys">
    <div class="row toolbar"><h2>API keys</h2><button onClick=${reload}>Refresh</button>
      <label><input type="checkbox" name="show-revoked" checked=${showRevoked} onChange=${(e) => setShowRevoked(e.target.checked)} /> show revoked</label></div>
    <${NewKey} s=${s} onCreated=${reload} />
    <table class="list keys-list"><thead><tr><th>key id</th><th>tenant</th><th>chains</th><th>roles</th><th>rate</th><th>label</th><th>created</th><th></th></tr></thead>
      <tbody>${keys.map((k) => html`<tr class=${`key ${k.revoked ? 'revoked' : ''}`} data-key-id=${k.key_id}>
        <td><code>${k.key_id}</code></td><td>${shortEnum(k.tenant_kind, 'TENANT_KIND_')} ${k.tenant}</td><td>${(k.chains || []).join(', ')}</td>
        <td>${(k.roles || []).map((r) => shortEnum(r, 'ROLE_')).join(', ')}</td>
        <td>${k.rate_per_s ? `${k.rate_per_s}/s (burst ${k.burst || k.rate_per_s})` : 'unlimited'}</td><td>${k.label}</td>
        <td>${new Date(k.created_ms).toLocaleString()}</td>
        <td>${k.revoked ? html`<span class="chip state-cancelled">revoked</span>` : html`<button class="danger revoke" onClick=${() => revoke(k)}>Revoke</button>`}</td></tr>`)}</tbody></table>
    <p class="muted">Listings never show secrets. A chain admin sees and manages only its own chain's keys.</p>
  </section>`;
}
