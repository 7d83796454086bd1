// URL state: one declarative table of settings (name → spec), read from and written to the
// query string, so a view or a run can be shared as a link. A spec is {default, values} for a
// choice, {default, min, max, integer?} for a number, or {default, pattern} for text of a given
// form; anything else in the URL is ignored.
export function readSettings(table, search = location.search) {
  const params = new URLSearchParams(search);
  return Object.fromEntries(Object.entries(table).map(([name, spec]) => [name, parse(spec, params.get(name))]));
}

function parse(spec, text) {
  if (text == null) return spec.default;
  if (spec.values) return spec.values.includes(text) ? text : spec.default;
  if (spec.pattern) return spec.pattern.test(text) ? text : spec.default;
  const value = Number(text);
  const fits = Number.isFinite(value) && value >= spec.min && value <= spec.max
    && (!spec.integer || Number.isInteger(value));
  return fits ? value : spec.default;
}

// Writes one setting into the address bar without reloading; a default value leaves the URL.
// Writes are gathered and made once input pauses: a drawn stroke or a dragged slider changes a
// setting many times a second, and browsers throttle history.replaceState.
const pending = new Map();
let timer = null;

export function writeSetting(table, name, value) {
  pending.set(name, value === table[name]?.default ? null : String(value));
  clearTimeout(timer);
  timer = setTimeout(flush, 250);
}

function flush() {
  const params = new URLSearchParams(location.search);
  for (const [name, value] of pending) {
    if (value === null) params.delete(name);
    else params.set(name, value);
  }
  pending.clear();
  const query = params.toString();
  history.replaceState(null, '', query ? `?${query}` : location.pathname);
}
