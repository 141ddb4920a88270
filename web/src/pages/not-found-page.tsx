/** Any URL the app does not know: the error state with a way back. */
import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { useTitle } from '../components/use-title.js';

export function NotFoundPage(): ReactNode {
  useTitle('Page not found');
  return (
    <section className="page">
      <h1>Page not found</h1>
      <div className="state state-error" role="alert">
        <p className="state-title">There is no page at this address.</p>
        <p>
          <Link to="/repositories">Go to the repositories</Link>
        </p>
      </div>
    </section>
  );
}
