/** A repository: header with its name and the Tags, Settings, Webhooks and Permissions tabs (each its own URL). */
import type { ReactNode } from 'react';
import { Link, useParams } from 'react-router';
import { TabLinks } from '../components/tabs.js';
import { useTitle } from '../components/use-title.js';
import { NotFoundPage } from './not-found-page.js';
import { PermissionsTab } from './permissions-tab.js';
import { SettingsTab } from './settings-tab.js';
import { TagsTab } from './tags-tab.js';
import { WebhooksTab } from './webhooks-tab.js';

export function RepositoryPage(): ReactNode {
  const { ns = '', name = '', tab = 'tags' } = useParams();
  const repository = `${ns}/${name}`;
  useTitle(repository);
  if (tab !== 'tags' && tab !== 'settings' && tab !== 'webhooks' && tab !== 'permissions') return <NotFoundPage />;
  const base = `/repositories/${ns}/${name}`;
  return (
    <section className="page">
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/repositories">Repositories</Link> <span aria-hidden="true">/</span> <span>{ns}</span>
      </nav>
      <h1>{repository}</h1>
      <TabLinks
        label="Repository"
        tabs={[
          { to: `${base}/tags`, label: 'Tags' },
          { to: `${base}/settings`, label: 'Settings' },
          { to: `${base}/webhooks`, label: 'Webhooks' },
          { to: `${base}/permissions`, label: 'Permissions' },
        ]}
      />
      {tab === 'tags' && <TagsTab repository={repository} />}
      {tab === 'settings' && <SettingsTab repository={repository} />}
      {tab === 'webhooks' && <WebhooksTab repository={repository} />}
      {tab === 'permissions' && <PermissionsTab repository={repository} />}
    </section>
  );
}
