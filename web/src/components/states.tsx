/**
 * The three states every page shows besides its content: loading, empty and error, announced to
 * screen readers (role=status / role=alert) so keyboard and assistive-technology users hear them too.
 */
import type { ReactNode } from 'react';
import { ApiError } from '../api/client.js';

export function Loading({ label = 'Loading…' }: { label?: string }): ReactNode {
  return (
    <div className="state state-loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      {label}
    </div>
  );
}

export function Empty({ title, children }: { title: string; children?: ReactNode }): ReactNode {
  return (
    <div className="state state-empty" role="status">
      <p className="state-title">{title}</p>
      {children}
    </div>
  );
}

export function errorMessage(error: unknown): { title: string; detail: string } {
  if (error instanceof ApiError) {
    if (error.status === 404) return { title: 'Not found', detail: error.message };
    if (error.status === 403) return { title: 'Not allowed', detail: 'You do not have permission to see this.' };
    if (error.status === 401) return { title: 'Sign-in required', detail: 'Sign in to see this page.' };
    return { title: `Request failed (${error.status})`, detail: error.message };
  }
  return { title: 'Something went wrong', detail: error instanceof Error ? error.message : String(error) };
}

export function ErrorState({ error, onRetry }: { error: unknown; onRetry?: () => void }): ReactNode {
  const { title, detail } = errorMessage(error);
  return (
    <div className="state state-error" role="alert">
      <p className="state-title">{title}</p>
      <p className="muted">{detail}</p>
      {onRetry && (
        <button type="button" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}
