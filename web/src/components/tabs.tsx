/** A row of page tabs that are links (each tab has its own URL, so reload and back keep the tab). */
import type { ReactNode } from 'react';
import { NavLink } from 'react-router';

export function TabLinks({ tabs, label }: { tabs: readonly { to: string; label: string; end?: boolean }[]; label: string }): ReactNode {
  return (
    <nav className="tabs" aria-label={label}>
      {tabs.map((t) => (
        <NavLink key={t.to} to={t.to} end={t.end ?? true} className={({ isActive }) => (isActive ? 'tab active' : 'tab')}>
          {t.label}
        </NavLink>
      ))}
    </nav>
  );
}
