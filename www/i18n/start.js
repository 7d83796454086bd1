// Imported first by main.js, before any demo module: the language is set, <html lang> follows
// it, and the page's static text is filled before anything renders or reads a string.
import { language, requestedLanguage, setLanguage, translate } from './i18n.js';

const { code, fromUrl } = requestedLanguage();
setLanguage(code, { remember: fromUrl });
translate(document);

// The header's language switch: a reload in the other language, keeping every other URL setting.
const languageSwitch = document.querySelector('[data-testid=lang-switch]');
if (languageSwitch) {
  languageSwitch.value = language();
  languageSwitch.addEventListener('change', () => {
    setLanguage(languageSwitch.value);
    const params = new URLSearchParams(location.search);
    params.set('lang', languageSwitch.value);
    location.search = params.toString();
  });
}
