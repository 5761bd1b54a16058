// The console for service advisors, parts clerks, planners and managers.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { html, ErrCtx, ErrorBanner, Settings, useErrorState, useSettings } from '../shared/ui.js';
import { DayBoard } from './board.js';
import { WorkOrders } from './orders.js';
import { Stock } from './stock.js';
import { Transfers } from './transfers.js';
import { Charts } from './charts.js';
import { Claims } from './claims.js';
import { Keys } from './keys.js';
import { Setup } from './setup.js';
import { DispatchPage } from './dispatch.js';
import { Cluster } from './cluster.js';
import { CustomersPage } from './customers.js';
import { Loaners } from './loaners.js';
import { Kpi } from './kpi.js';
import { SupplierClaims } from './supplierclaims.js';
import '../shared/style.css';
import './console.css';

const TABS = [['board', 'Day board'], ['orders', 'Work orders'], ['loaners', 'Loaners'], ['customers', 'Customers'], ['stock', 'Stock'], ['transfers', 'Transfers'], ['claims', 'Claims'], ['dispatch', 'Dispatch'], ['charts', 'Charts'], ['kpi', 'KPI'], ['setup', 'Setup'], ['keys', 'Keys'], ['cluster', 'Cluster'], ['settings', 'Settings']];

function route() {
  const [tab, arg] = (location.hash.slice(1) || 'board').split('/');
  return { tab, arg };
}

function App() {
  const errs = useErrorState();
  const [s, update] = useSettings();
  const [r, setR] = useState(route());
  const [prefill, setPrefill] = useState(null);
  useEffect(() => {
    const f = () => setR(route());
    addEventListener('hashchange', f);
    return () => removeEventListener('hashchange', f);
  }, []);
  const quote = (p) => { setPrefill(p); location.hash = 'transfers'; };
  return html`<${ErrCtx.Provider} value=${errs}>
    <header class="top">
      <b>Pitlane console</b>
      <nav>${TABS.map(([k, label]) => html`<a href=${`#${k}`} data-tab=${k} class=${r.tab === k ? 'active' : ''}>${label}</a>`)}</nav>
      <span class="muted">${s.chain}/${s.store} ${s.key ? '' : '· no key set'}</span>
    </header>
    <${ErrorBanner} error=${errs.error} onClose=${errs.clear} />
    <main key=${`${s.chain}/${s.store}`}>
      ${r.tab === 'board' ? html`<${DayBoard} s=${s} />` : null}
      ${r.tab === 'orders' && r.arg !== 'supplier-claims' ? html`<${WorkOrders} s=${s} openId=${r.arg ? Number(r.arg) : null} />` : null}
      ${r.tab === 'orders' && r.arg === 'supplier-claims' ? html`<${SupplierClaims} s=${s} />` : null}
      ${r.tab === 'loaners' ? html`<${Loaners} s=${s} />` : null}
      ${r.tab === 'kpi' ? html`<${Kpi} s=${s} />` : null}
      ${r.tab === 'customers' ? html`<${CustomersPage} s=${s} view=${r.arg || ''} />` : null}
      ${r.tab === 'stock' ? html`<${Stock} s=${s} onQuote=${quote} />` : null}
      ${r.tab === 'transfers' ? html`<${Transfers} s=${s} prefill=${prefill} />` : null}
      ${r.tab === 'claims' ? html`<${Claims} s=${s} />` : null}
      ${r.tab === 'charts' ? html`<${Charts} s=${s} />` : null}
      ${r.tab === 'setup' ? html`<${Setup} s=${s} />` : null}
      ${r.tab === 'dispatch' ? html`<${DispatchPage} s=${s} />` : null}
      ${r.tab === 'cluster' ? html`<${Cluster} s=${s} />` : null}
      ${r.tab === 'keys' ? html`<${Keys} s=${s} />` : null}
      ${r.tab === 'settings' ? html`<${Settings} settings=${s} update=${update} />` : null}
    </main>
  </${ErrCtx.Provider}>`;
}

render(html`<${App} />`, document.getElementById('app'));
