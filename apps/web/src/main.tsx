/** Entry point: mounts the app. No inline script in index.html, so the page runs under a strict CSP. */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter } from 'react-router-dom';
import { App, VIEW_ROUTES } from './App';
import { preloadViewFor } from './lazy-view';
import { upgradeOldResetLink } from './session';

const upgraded = upgradeOldResetLink(window.location);
if (upgraded) window.history.replaceState(null, '', upgraded);

// The first page's view loads while the session is checked, so it renders as soon as its data is there.
void preloadViewFor(window.location.pathname, VIEW_ROUTES);

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
createRoot(root).render(
  <StrictMode>
    {/* Real paths (/users/3), not #/users/3: links from mails and bookmarks reach the server, which answers them. */}
    <BrowserRouter>
      <App />
    </BrowserRouter>
  </StrictMode>,
);
