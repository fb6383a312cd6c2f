import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter, Navigate, Route, Routes } from 'react-router-dom';
import './i18n';
import './styles.css';
import { AuditPage } from './admin/AuditPage';
import { UsersPage } from './admin/UsersPage';
import { LoginPage } from './auth/LoginPage';
import { RequireAuth } from './auth/RequireAuth';
import { session } from './auth/Session';
import { CameraPage } from './camera/CameraPage';
import { ConsolePage } from './console/ConsolePage';
import { HomePage } from './home/HomePage';
import { GuestPage } from './meeting/GuestPage';
import { MeetingPage } from './meeting/MeetingPage';
import { MeetingsPage } from './meeting/MeetingsPage';
import { ScreenPage } from './screen/ScreenPage';
import { WallPage } from './wall/WallPage';

// Does the session cookie still hold a session? (A wall screen stays signed in for months.)
void session.start();

const root = document.getElementById('root');
if (!root) throw new Error('#root missing');
createRoot(root).render(
  <StrictMode>
    <BrowserRouter>
      <Routes>
        <Route path="/login" element={<LoginPage />} />
        <Route path="/guest/:token" element={<GuestPage />} />
        <Route element={<RequireAuth />}>
          <Route path="/wall" element={<WallPage />} />
          <Route path="/wall/:screenId" element={<ScreenPage />} />
          <Route path="/console" element={<RequireAuth roles={['admin', 'operator']} />}>
            <Route index element={<ConsolePage />} />
          </Route>
          <Route path="/cameras/:id" element={<CameraPage />} />
          <Route path="/meetings" element={<MeetingsPage />} />
          <Route path="/meetings/:id" element={<MeetingPage />} />
          <Route path="/admin" element={<RequireAuth roles={['admin']} />}>
            <Route index element={<Navigate to="users" replace />} />
            <Route path="users" element={<UsersPage />} />
            <Route path="audit" element={<AuditPage />} />
          </Route>
          <Route path="*" element={<HomePage />} />
        </Route>
      </Routes>
    </BrowserRouter>
  </StrictMode>,
);
