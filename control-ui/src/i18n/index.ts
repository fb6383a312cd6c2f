import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import en from './en';
import zhCN from './zh-CN';

/** zh-CN first; `?lang=en` (remembered) or an English browser switches to English. */
function pickLanguage(): string {
  const fromUrl = new URLSearchParams(window.location.search).get('lang');
  if (fromUrl === 'en' || fromUrl === 'zh-CN') {
    localStorage.setItem('lang', fromUrl);
    return fromUrl;
  }
  const saved = localStorage.getItem('lang');
  if (saved === 'en' || saved === 'zh-CN') return saved;
  return navigator.language.toLowerCase().startsWith('en') ? 'en' : 'zh-CN';
}

void i18next.use(initReactI18next).init({
  resources: { 'zh-CN': { translation: zhCN }, en: { translation: en } },
  lng: pickLanguage(),
  fallbackLng: 'zh-CN',
  interpolation: { escapeValue: false }, // React escapes
});
document.documentElement.lang = i18next.language;

export default i18next;
