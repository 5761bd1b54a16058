// A vehicle's service history (pitlane.v1.Customers/GetServiceHistory):
// one call per page, newest first, "load more" with the page token the
// server gave. The console and the phone both use it; what an entry means
// (its state, its score, its total) is the engine's answer, shown as is.
import { useEffect, useState } from 'preact/hooks';
import { call } from './api.js';
import { html, useAction } from './ui.js';

export const KIND_LABEL = {
  HISTORY_KIND_BOOKING: 'booking (预约)',
  HISTORY_KIND_WORK_ORDER: 'visit (工单)',
  HISTORY_KIND_FOLLOW_UP: 'follow-up (回访)',
  HISTORY_KIND_COMPLAINT: 'complaint (投诉)',
};

export function kindLabel(k) {
  return KIND_LABEL[k] || String(k || '').replace('HISTORY_KIND_', '').toLowerCase();
}

// 1..5 as stars; 0 (none) as ''.
export function stars(n) {
  const k = Number(n || 0);
  return k > 0 ? '★'.repeat(k) + '☆'.repeat(Math.max(0, 5 - k)) : '';
}

// Loads the history of `vin` (when set), a page of `limit` at a time.
// Returns { vin, entries, owners, more, loading, loadMore(), reload() }.
export function useHistory(chain, vin, limit = 10) {
  const act = useAction();
  const [h, setH] = useState({ vin: '', entries: [], owners: [], token: '', loaded: false });
  const [loading, setLoading] = useState(false);
  const page = async (token, base) => {
    setLoading(true);
    try {
      const r = await act(() => call('Customers', 'GetServiceHistory', { chain, vin, page_token: token, limit }));
      if (r) setH({ vin, entries: [...base, ...r.entries], owners: r.owners, token: r.next_page_token, loaded: true });
    } finally {
      setLoading(false);
    }
  };
  const reload = () => { if (vin) page('', []); };
  useEffect(() => {
    setH({ vin: '', entries: [], owners: [], token: '', loaded: false });
    reload();
  }, [chain, vin, limit]);
  return {
    vin: h.vin, entries: h.entries, owners: h.owners, more: !!h.token, loaded: h.loaded, loading,
    loadMore: () => { if (h.token) page(h.token, h.entries); },
    reload,
  };
}
