// English strings, keyed. zh.js has exactly the same keys (tests/page/i18n.test.mjs checks).
export default {
  'lang.switch': 'Language',
};
