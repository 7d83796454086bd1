// The page's language. Every string a visitor sees or hears comes from one table per language
// (en.js and zh.js, with the path's steps in path.en.js and path.zh.js), looked up by key.
// The language comes from ?lang=, else the visitor's earlier choice, else the browser's languages.
// Only that language's tables are fetched: the other's (~30 kB gzip) would be a download the
// visitor did not ask for, and switching reloads the page anyway.
export const LANGUAGES = ['en', 'zh'];
const STORAGE_KEY = 'latent-lab-lang';
const loaded = requestedLanguage().code;
const [{ default: words }, { default: steps }] =
  await Promise.all([import(`./${loaded}.js`), import(`./path.${loaded}.js`)]);
const table = { ...words, ...steps };

// Whether the tables have `key` (both languages have the same keys: tests/page/i18n.test.mjs).
export const has = (key) => key in table;

// The browser's first language we have, else English.
export function browserLanguage(preferred = navigator.languages ?? [navigator.language]) {
  for (const tag of preferred) {
    const base = String(tag).toLowerCase().split('-')[0];
    if (LANGUAGES.includes(base)) return base;
  }
  return 'en';
}

export function rememberedLanguage() {
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    return LANGUAGES.includes(saved) ? saved : null;
  } catch {
    return null; // storage refused (private mode, sandbox): fall back to the browser's language
  }
}

let current = loaded;

export function language() {
  return current;
}

// Sets <html lang> and remembers the language for the next visit; t() words in the language whose
// tables were loaded (a switch reloads the page). A language only guessed from the browser is not
// remembered (`remember: false`), so a later change of the browser's languages still counts.
export function setLanguage(code, { remember = true } = {}) {
  current = LANGUAGES.includes(code) ? code : 'en';
  document.documentElement.lang = current === 'zh' ? 'zh-CN' : 'en';
  if (!remember) return;
  try { localStorage.setItem(STORAGE_KEY, current); } catch { /* not remembered, still shown */ }
}

// The language this page asks for: ?lang= when it names one of ours, else the visitor's earlier
// choice, else the browser's. `fromUrl` says whether the URL chose it (a choice to remember).
export function requestedLanguage(search = location.search) {
  const asked = new URLSearchParams(search).get('lang');
  if (LANGUAGES.includes(asked)) return { code: asked, fromUrl: true };
  return { code: rememberedLanguage() ?? browserLanguage(), fromUrl: false };
}

// The string for `key` in the current language, with {name} placeholders filled from `params`
// (numbers formatted for the language). A missing key shows itself, so a test can find it.
export function t(key, params = {}) {
  const text = table[key];
  if (text === undefined) return `⟦${key}⟧`;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? formatValue(params[name]) : whole));
}

// The same as a list of strings and nodes, for an element's replaceChildren: a parameter may be
// a DOM node (e.g. a quotation marked with its own lang), put in place as it is.
export function tNodes(key, params = {}) {
  const text = table[key];
  if (text === undefined) return [`⟦${key}⟧`];
  return text.split(/(\{\w+\})/).filter(Boolean).map((part) => {
    const name = /^\{(\w+)\}$/.exec(part)?.[1];
    if (!name || !(name in params)) return part;
    const value = params[name];
    return typeof value === 'object' && value !== null && 'nodeType' in value ? value : formatValue(value);
  });
}

function formatValue(value) {
  return typeof value === 'number' ? number(value) : String(value);
}

// Numbers as the language writes them; `options` are Intl.NumberFormat's.
export function number(value, options = {}) {
  return numberFormat(options).format(value);
}

// Intl.NumberFormat objects are costly to make and figures are formatted many times a second
// while a model trains: one per language and set of options, kept.
const formats = new Map();
function numberFormat(options) {
  const id = `${current} ${JSON.stringify(options)}`;
  let format = formats.get(id);
  if (!format) {
    format = new Intl.NumberFormat(current === 'zh' ? 'zh-CN' : 'en', options);
    formats.set(id, format);
  }
  return format;
}

// A number with exactly `digits` decimals and no grouping (as toFixed: figures the page tests
// read), in the language's digits.
export function fixed(value, digits) {
  return number(value, { minimumFractionDigits: digits, maximumFractionDigits: digits, useGrouping: false });
}

// Fills the page's static text: `data-i18n="key"` sets an element's text, `data-i18n-html="key"`
// its markup (the tables are ours, so their markup is trusted), and
// `data-i18n-attr="aria-label:key; title:key"` its attributes.
export function translate(root = document) {
  for (const element of root.querySelectorAll('[data-i18n]')) element.textContent = t(element.dataset.i18n);
  for (const element of root.querySelectorAll('[data-i18n-html]')) element.innerHTML = t(element.dataset.i18nHtml);
  for (const element of root.querySelectorAll('[data-i18n-attr]')) {
    for (const pair of element.dataset.i18nAttr.split(';')) {
      const [attribute, key] = pair.split(':').map((part) => part.trim());
      if (attribute && key) element.setAttribute(attribute, t(key));
    }
  }
}

// A message made where no table is at hand (the model worker, the Rust side): a key with its
// arguments, `{key, args}`, whose arguments may be messages themselves. `say` turns one into
// text in the current language; a plain string (an error from a library or the browser) is shown
// as it came.
export const message = (key, args = {}) => ({ key, args });

export function say(said) {
  if (said == null) return '';
  if (typeof said !== 'object' || typeof said.key !== 'string') return String(said);
  const args = Object.fromEntries(Object.entries(said.args ?? {}).map(([name, value]) => [name, argument(value)]));
  return t(said.key, args);
}

// A message's argument: text, a number with its count of decimals ({value, digits}, grouped as
// the language groups), or a message.
function argument(value) {
  if (typeof value !== 'object' || value === null) return value;
  if (typeof value.value === 'number' && typeof value.digits === 'number') {
    return number(value.value, { minimumFractionDigits: value.digits, maximumFractionDigits: value.digits });
  }
  return say(value);
}
