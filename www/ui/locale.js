// A browser language that Intl accepts. WebKitGTK started under the POSIX locale (LANG=C, usual
// on servers and in containers) reports navigator.language "C", which is no language tag: uPlot
// hands it to Intl.NumberFormat while it loads, the RangeError fails the page's whole module graph,
// and the page stays at "starting…". So before any library loads (www/main.js imports this
// first), such a language gives way to the first valid one the browser lists, else English.
const valid = (tag) => {
  try {
    return Intl.getCanonicalLocales(tag).length === 1;
  } catch {
    return false;
  }
};

if (!valid(navigator.language)) {
  const languages = Array.from(navigator.languages ?? []).filter(valid);
  if (!languages.length) languages.push('en-US');
  Object.defineProperty(navigator, 'language', { value: languages[0], configurable: true });
  Object.defineProperty(navigator, 'languages', { value: Object.freeze(languages), configurable: true });
}
