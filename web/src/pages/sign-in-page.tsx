/**
 * Sign-in: `POST /api/v1/session {username, password}` sets the HttpOnly session cookie; then back to
 * the page that asked for it (`?next=`, only same-site paths).
 */
import { useState, type FormEvent, type ReactNode } from 'react';
import { useNavigate, useSearchParams } from 'react-router';
import { ApiError, session } from '../api/client.js';
import { useTitle } from '../components/use-title.js';
import { safeNext } from '../lib/safe-next.js';
import { useSession } from '../session.js';

export function SignInPage(): ReactNode {
  useTitle('Sign in');
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const { refresh } = useSession();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);

  const onSubmit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await session.signIn(username, password);
      await refresh();
      void navigate(safeNext(params.get('next')), { replace: true });
    } catch (err) {
      setError(
        err instanceof ApiError && (err.status === 401 || err.status === 400)
          ? 'Wrong username or password.'
          : err instanceof ApiError && err.status === 404
            ? 'This server does not offer sign-in yet.'
            : `Sign-in failed: ${err instanceof Error ? err.message : String(err)}`,
      );
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="page narrow">
      <h1>Sign in</h1>
      <form className="sign-in" onSubmit={(e) => void onSubmit(e)}>
        <label>
          Username
          <input name="username" autoComplete="username" required value={username} onChange={(e) => setUsername(e.target.value)} />
        </label>
        <label>
          Password
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </label>
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </section>
  );
}
