// 中文字符串，与 en.js 的键完全相同。
export default {
  'lang.switch': '语言',
};
