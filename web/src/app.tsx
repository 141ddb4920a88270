/**
 * The app shell: header (brand, navigation, session), the routes of every page, and the footer with the
 * configurable "Report a problem" link (GET /api/v1/ui-config). A 401 anywhere leads to the sign-in page.
 */
import { useEffect, useState, type ReactNode } from 'react';
import { Link, Navigate, Route, Routes, useLocation, useNavigate } from 'react-router';
import { apiJson, session, setUnauthorizedListener } from './api/client.js';
import type { UiConfig } from './api/types.js';
import { NotFoundPage } from './pages/not-found-page.js';
import { OrganizationPage, OrganizationsPage } from './pages/organizations-page.js';
import { RepositoriesPage } from './pages/repositories-page.js';
import { RepositoryPage } from './pages/repository-page.js';
import { SignInPage } from './pages/sign-in-page.js';
import { TagPage } from './pages/tag-page.js';
import { TokensPage } from './pages/tokens-page.js';
import { VulnerabilityPage } from './pages/vulnerability-page.js';
import { SessionProvider, useSession } from './session.js';

function Header(): ReactNode {
  const { user, loaded, refresh } = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  const signOut = async (): Promise<void> => {
    await session.signOut().catch(() => undefined);
    await refresh();
    void navigate('/sign-in');
  };
  return (
    <header className="site-header">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <Link to="/" className="brand">
        <svg className="logo" aria-hidden="true" viewBox="0 0 24 24" width="22" height="22">
          <path d="M12 2 4 20h16L12 2Zm0 5 4.8 11H7.2L12 7Z" fill="currentColor" />
        </svg>{' '}
        Crowsnest
      </Link>
      <nav aria-label="Main" className="main-nav">
        <Link to="/repositories">Repositories</Link>
        {user && <Link to="/organizations">Organizations</Link>}
      </nav>
      <div className="session">
        {loaded && user && (
          <>
            <span className="muted">
              Signed in as <strong>{user.username}</strong>
            </span>
            <Link to="/settings/tokens">Access tokens</Link>
            <button type="button" className="link-button" onClick={() => void signOut()}>
              Sign out
            </button>
          </>
        )}
        {loaded && !user && location.pathname !== '/sign-in' && (
          <Link to={`/sign-in?next=${encodeURIComponent(location.pathname + location.search)}`}>Sign in</Link>
        )}
      </div>
    </header>
  );
}

function Footer(): ReactNode {
  const [config, setConfig] = useState<UiConfig>({});
  useEffect(() => {
    apiJson<UiConfig>('/api/v1/ui-config', { allowUnauthorized: true }).then(setConfig, () => setConfig({}));
  }, []);
  return (
    <footer className="site-footer">
      <span className="muted">Crowsnest container registry</span>
      {config.reportProblemUrl && (
        <a href={config.reportProblemUrl} target="_blank" rel="noreferrer noopener">
          Report a problem
        </a>
      )}
    </footer>
  );
}

/** Sends the user to /sign-in?next=… on any 401 from the API client. */
function UnauthorizedRedirect(): null {
  const navigate = useNavigate();
  const location = useLocation();
  useEffect(() => {
    setUnauthorizedListener(() => {
      if (location.pathname === '/sign-in') return;
      void navigate(`/sign-in?next=${encodeURIComponent(location.pathname + location.search)}`);
    });
    return () => setUnauthorizedListener(undefined);
  }, [navigate, location]);
  return null;
}

export function App(): ReactNode {
  return (
    <SessionProvider>
      <UnauthorizedRedirect />
      <Header />
      <main id="main" className="site-main" tabIndex={-1}>
        <Routes>
          <Route path="/" element={<Navigate to="/repositories" replace />} />
          <Route path="/repositories" element={<RepositoriesPage />} />
          <Route path="/repositories/:ns/:name" element={<Navigate to="tags" replace />} />
          <Route path="/repositories/:ns/:name/tags/:tag/:tab?" element={<TagPage />} />
          <Route path="/repositories/:ns/:name/:tab" element={<RepositoryPage />} />
          <Route path="/vulnerabilities/:id" element={<VulnerabilityPage />} />
          <Route path="/settings/tokens" element={<TokensPage />} />
          <Route path="/organizations" element={<OrganizationsPage />} />
          <Route path="/organizations/:org/:tab?" element={<OrganizationPage />} />
          <Route path="/sign-in" element={<SignInPage />} />
          <Route path="*" element={<NotFoundPage />} />
        </Routes>
      </main>
      <Footer />
    </SessionProvider>
  );
}
