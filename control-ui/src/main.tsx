import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { useTranslation } from 'react-i18next';
import { BrowserRouter, Link, Route, Routes } from 'react-router-dom';
import './i18n';
import './styles.css';
import { CameraPage } from './camera/CameraPage';
import { WallPage } from './wall/WallPage';

function Home() {
  const { t, i18n } = useTranslation();
  const other = i18n.language === 'en' ? 'zh-CN' : 'en';
  return (
    <main className="home">
      <h1>{t('app.title')}</h1>
      <nav>
        <Link to="/wall">{t('app.wall')}</Link>
        <a href={`?lang=${other}`}>{t('app.language')}</a>
      </nav>
    </main>
  );
}

const root = document.getElementById('root');
if (!root) throw new Error('#root missing');
createRoot(root).render(
  <StrictMode>
    <BrowserRouter>
      <Routes>
        <Route path="/wall" element={<WallPage />} />
        <Route path="/cameras/:id" element={<CameraPage />} />
        <Route path="*" element={<Home />} />
      </Routes>
    </BrowserRouter>
  </StrictMode>,
);
