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
export function writeSetting(table, name, value) {
  const params = new URLSearchParams(location.search);
  if (value === table[name]?.default) params.delete(name);
  else params.set(name, String(value));
  const query = params.toString();
  history.replaceState(null, '', query ? `?${query}` : location.pathname);
}
