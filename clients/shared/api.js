// The browser side of the gateway: settings (key, chain, store) kept in
// localStorage, unary calls as POST /api/<Service>/<Method>, and server
// streams read as Server-Sent Events over fetch (EventSource cannot send
// the Authorization header). Every failure becomes an ApiError carrying
// the gRPC code and the engine's message, to be shown to the person.

const KEY = 'pitlane.settings';

export function loadSettings() {
  try {
    return { key: '', chain: 'demo', store: 'SH01', actor: '', ...JSON.parse(localStorage.getItem(KEY) || '{}') };
  } catch {
    return { key: '', chain: 'demo', store: 'SH01', actor: '' };
  }
}

export function saveSettings(s) {
  localStorage.setItem(KEY, JSON.stringify(s));
}

export class ApiError extends Error {
  constructor(code, message, status) {
    super(message);
    this.code = code;
    this.status = status;
  }
}

function headers() {
  const h = { 'content-type': 'application/json' };
  const { key } = loadSettings();
  if (key) h.authorization = `Bearer ${key}`;
  return h;
}

// Round-trip times of this page's calls, for the manager's response-time chart.
export const timings = [];

export async function call(service, method, body = {}) {
  const t0 = performance.now();
  let res;
  try {
    res = await fetch(`/api/${service}/${method}`, { method: 'POST', headers: headers(), body: JSON.stringify(body) });
  } catch (e) {
    throw new ApiError('UNAVAILABLE', `the gateway cannot be reached (${e.message})`, 0);
  }
  const text = await res.text();
  timings.push({ method: `${service}/${method}`, ms: performance.now() - t0, at: Date.now() });
  if (timings.length > 500) timings.shift();
  let json;
  try {
    json = text ? JSON.parse(text) : {};
  } catch {
    throw new ApiError('UNKNOWN', `HTTP ${res.status}: ${text.slice(0, 200)}`, res.status);
  }
  if (!res.ok) throw new ApiError(json.code || 'UNKNOWN', json.message || `HTTP ${res.status}`, res.status);
  return json;
}

// Opens a server stream; onMessage(msg) per reply, onError(ApiError) once
// if it fails, onEnd() if the server closes it. Returns a function that
// closes it (the gateway then cancels the gRPC call).
export function stream(service, method, req, { onMessage, onError, onEnd }) {
  const ctl = new AbortController();
  const url = `/api/stream/${service}/${method}?json=${encodeURIComponent(JSON.stringify(req))}`;
  (async () => {
    let res;
    try {
      res = await fetch(url, { headers: headers(), signal: ctl.signal });
    } catch (e) {
      if (!ctl.signal.aborted) onError?.(new ApiError('UNAVAILABLE', `the gateway cannot be reached (${e.message})`, 0));
      return;
    }
    if (!res.ok) {
      let j = {};
      try { j = await res.json(); } catch { /* not JSON */ }
      onError?.(new ApiError(j.code || 'UNKNOWN', j.message || `HTTP ${res.status}`, res.status));
      return;
    }
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buf = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += value;
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          let event = 'message';
          let data = '';
          for (const line of block.split('\n')) {
            if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('data: ')) data += line.slice(6);
          }
          if (!data) continue;
          const obj = JSON.parse(data);
          if (event === 'message') onMessage?.(obj);
          else if (event === 'error') onError?.(new ApiError(obj.code, obj.message, 200));
          else if (event === 'end') onEnd?.();
        }
      }
    } catch (e) {
      if (!ctl.signal.aborted) onError?.(new ApiError('UNAVAILABLE', `stream broken (${e.message})`, 0));
    }
  })();
  return () => ctl.abort();
}

// ---- display helpers (formatting only; every decision is the engine's) ----

const pad = (n) => String(n).padStart(2, '0');

// UTC minutes -> "HH:MM" in a store's fixed UTC offset.
export function hhmm(utcMin, offsetMin) {
  const m = (((utcMin + offsetMin) % 1440) + 1440) % 1440;
  return `${pad(Math.floor(m / 60))}:${pad(m % 60)}`;
}

// Today's local date "YYYY-MM-DD" at a store's UTC offset.
export function localDate(offsetMin, ms = Date.now()) {
  return new Date(ms + offsetMin * 60000).toISOString().slice(0, 10);
}

// "YYYY-MM-DD" -> the UTC minute of that local midnight.
export function dayStartMin(date, offsetMin) {
  return Date.parse(`${date}T00:00:00Z`) / 60000 - offsetMin;
}

export function yuan(fen) {
  return `¥${(Number(fen || 0) / 100).toFixed(2)}`;
}

export function shortEnum(v, prefix) {
  return String(v || '').replace(prefix, '').replaceAll('_', ' ').toLowerCase();
}

export function dayLabel(date, offsetMin) {
  const today = localDate(offsetMin);
  const tomorrow = localDate(offsetMin, Date.now() + 86400000);
  if (date === today) return 'today';
  if (date === tomorrow) return 'tomorrow';
  const d = new Date(`${date}T00:00:00Z`);
  return `${['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'][d.getUTCDay()]} ${date.slice(5)}`;
}

// UTC ms -> "YYYY-MM-DD HH:MM" in a store's fixed UTC offset.
export function stamp(ms, offsetMin) {
  if (!ms) return '';
  return `${localDate(offsetMin, Number(ms))} ${hhmm(Math.floor(Number(ms) / 60000), offsetMin)}`;
}

// A length of time in words: "2d 3h", "5h 07m", "4m 09s".
export function span(ms) {
  const a = Math.abs(Math.trunc(ms / 1000));
  const d = Math.floor(a / 86400);
  const h = Math.floor((a % 86400) / 3600);
  const m = Math.floor((a % 3600) / 60);
  const s = a % 60;
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${pad(m)}m`;
  return `${m}m ${pad(s)}s`;
}

// A store's UTC offset in minutes from the ListStores answer (480: Shanghai).
export function offsetOf(stores, code) {
  return stores.find((x) => x.code === code)?.utc_offset_min ?? 480;
}
