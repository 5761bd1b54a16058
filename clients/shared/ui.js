// Shared pieces of the console and the mobile client: the error banner
// (every engine error is shown in words: its gRPC code and message), the
// settings screen (key, chain, store), and small hooks.
import { html } from 'htm/preact';
import { createContext } from 'preact';
import { useContext, useEffect, useState, useCallback } from 'preact/hooks';
import { call, loadSettings, saveSettings } from './api.js';

export { html };

export const ErrCtx = createContext({ report() {}, clear() {} });

// App-level error state: report(e) shows e (an ApiError or any Error) in
// the banner until it is dismissed or the next successful action clears it.
export function useErrorState() {
  const [error, setError] = useState(null);
  const report = useCallback((e) => {
    console.error(e);
    setError({ code: e.code || 'ERROR', message: e.message || String(e), at: Date.now() });
  }, []);
  const clear = useCallback(() => setError(null), []);
  return { error, report, clear };
}

// Runs an async action; its failure goes to the banner. Returns the
// action's result, or undefined when it failed.
export function useAction() {
  const { report, clear } = useContext(ErrCtx);
  return useCallback(async (fn) => {
    try {
      const r = await fn();
      clear();
      return r;
    } catch (e) {
      report(e);
      return undefined;
    }
  }, [report, clear]);
}

export function ErrorBanner({ error, onClose }) {
  if (!error) return null;
  return html`<div class="error-banner" role="alert" data-code=${error.code}>
    <strong class="error-code">${error.code}</strong>
    <span class="error-message">${error.message}</span>
    <button class="close" aria-label="dismiss" onClick=${onClose}>×</button>
  </div>`;
}

export function useSettings() {
  const [s, setS] = useState(loadSettings());
  const update = (patch) => {
    const n = { ...s, ...patch };
    saveSettings(n);
    setS(n);
  };
  return [s, update];
}

// Loads data with an async function whenever deps change; errors go to the banner.
export function useLoad(fn, deps) {
  const act = useAction();
  const [data, setData] = useState(null);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    act(fn).then((d) => { if (live && d !== undefined) setData(d); });
    return () => { live = false; };
  }, [...deps, tick]);
  return [data, () => setTick((t) => t + 1), setData];
}

export function useStores(chain) {
  const [d] = useLoad(() => call('Admin', 'ListStores', { chain }), [chain]);
  return d ? d.stores : [];
}

export function Settings({ settings, update, title = 'Settings' }) {
  const [key, setKey] = useState(settings.key);
  const [chain, setChain] = useState(settings.chain);
  const [store, setStore] = useState(settings.store);
  const [actor, setActor] = useState(settings.actor || '');
  const stores = useStores(chain);
  const [saved, setSaved] = useState(false);
  return html`<section class="settings card">
    <h2>${title}</h2>
    <label>API key <input type="password" name="key" value=${key} placeholder="paste your key"
      onInput=${(e) => setKey(e.target.value)} /></label>
    <label>Chain <input name="chain" value=${chain} onChange=${(e) => setChain(e.target.value)} /></label>
    <label>Store <select name="store" value=${store} onChange=${(e) => setStore(e.target.value)}>
      ${stores.map((st) => html`<option value=${st.code}>${st.code} — ${st.name}</option>`)}
      ${stores.length === 0 ? html`<option value=${store}>${store}</option>` : null}
    </select></label>
    <label>Your name / code <input name="actor" value=${actor} onInput=${(e) => setActor(e.target.value)} /></label>
    <button class="primary" onClick=${() => { update({ key, chain, store, actor }); setSaved(true); }}>Save</button>
    ${saved ? html`<span class="ok">saved</span>` : null}
  </section>`;
}

export function StateChip({ state, prefix }) {
  const s = String(state || '').replace(prefix, '');
  return html`<span class=${`chip state-${s.toLowerCase()}`}>${s.replaceAll('_', ' ').toLowerCase()}</span>`;
}

// The current time, refreshed every `everyMs` (for clocks counting down).
export function useNow(everyMs = 1000) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(t);
  }, [everyMs]);
  return now;
}
