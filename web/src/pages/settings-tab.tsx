/**
 * Image insight settings (None / Basic / Advanced): a radio group saved with
 * `PUT /api/v1/repositories/{ns}/{name}/settings`. Read-only when the repository says the user is not an
 * admin, or as soon as a save answers 403.
 */
import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { ApiError, apiJson, repoPath } from '../api/client.js';
import type { AnalysisLevel, RepositoryInfo, RepositorySettings } from '../api/types.js';
import { formatDate } from '../components/format.js';
import { ErrorState, Loading } from '../components/states.js';
import { useAsync } from '../components/use-async.js';

const LEVELS: readonly { value: AnalysisLevel; label: string; help: string }[] = [
  { value: 'none', label: 'None', help: 'Images are stored but not analyzed.' },
  { value: 'basic', label: 'Basic', help: 'Each pushed image is analyzed once: packages (SBOM) and known vulnerabilities.' },
  {
    value: 'advanced',
    label: 'Advanced',
    help: 'Analyzed on push and re-evaluated whenever the vulnerability data changes, so new findings appear by themselves.',
  },
];

interface SettingsData {
  readonly settings: RepositorySettings;
  readonly canEdit: boolean | undefined;
}

async function loadSettings(repository: string, signal: AbortSignal): Promise<SettingsData> {
  const settings = await apiJson<RepositorySettings>(repoPath(repository, 'settings'), { signal });
  // The repository document may say up front whether the user administers it (not every server does yet).
  const info = await apiJson<RepositoryInfo>(repoPath(repository), { signal, allowUnauthorized: true }).catch(() => undefined);
  return { settings, canEdit: info?.permissions?.admin };
}

type SaveState = { kind: 'idle' } | { kind: 'saving' } | { kind: 'saved'; at: Date } | { kind: 'error'; error: unknown };

export function SettingsTab({ repository }: { repository: string }): ReactNode {
  const { state, reload, set } = useAsync((signal) => loadSettings(repository, signal), [repository]);
  const [choice, setChoice] = useState<AnalysisLevel | undefined>(undefined);
  const [save, setSave] = useState<SaveState>({ kind: 'idle' });
  const [denied, setDenied] = useState(false);

  const saved = state.status === 'ready' ? state.data.settings.analysis : undefined;
  useEffect(() => setChoice(saved), [saved]);

  if (state.status === 'loading') return <Loading label="Loading settings…" />;
  if (state.status === 'error') return <ErrorState error={state.error} onRetry={reload} />;

  const readOnly = denied || state.data.canEdit === false;
  const dirty = choice !== undefined && choice !== saved;

  const onSubmit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    if (!choice || readOnly) return;
    setSave({ kind: 'saving' });
    try {
      const settings = await apiJson<RepositorySettings>(repoPath(repository, 'settings'), { method: 'PUT', body: { analysis: choice } });
      set({ ...state.data, settings });
      setSave({ kind: 'saved', at: new Date() });
    } catch (error) {
      if (error instanceof ApiError && error.status === 403) {
        setDenied(true);
        setChoice(saved);
        setSave({ kind: 'idle' });
      } else setSave({ kind: 'error', error });
    }
  };

  const { settings } = state.data;
  return (
    <div className="tab-panel">
      <form className="settings-form" onSubmit={(e) => void onSubmit(e)}>
        <fieldset disabled={readOnly || save.kind === 'saving'} aria-describedby="insight-help">
          <legend>Image insight settings</legend>
          <p id="insight-help" className="muted small">
            How Crowsnest analyzes the images pushed to this repository.
          </p>
          {LEVELS.map((l) => (
            <label key={l.value} className="radio-card">
              <input
                type="radio"
                name="analysis"
                value={l.value}
                checked={choice === l.value}
                onChange={() => {
                  setChoice(l.value);
                  setSave({ kind: 'idle' });
                }}
              />
              <span>
                <strong>{l.label}</strong>
                <span className="muted small"> — {l.help}</span>
              </span>
            </label>
          ))}
        </fieldset>
        {readOnly ? (
          <p className="notice" role="note">
            Only the namespace owner and repository or organization admins can change these settings.
          </p>
        ) : (
          <div className="form-actions">
            <button type="submit" className="primary" disabled={!dirty || save.kind === 'saving'}>
              {save.kind === 'saving' ? 'Saving…' : 'Save'}
            </button>
            <span role="status" aria-live="polite" className="save-status">
              {save.kind === 'saved' && !dirty && 'Saved.'}
              {dirty && 'Unsaved changes.'}
            </span>
          </div>
        )}
        {save.kind === 'error' && <ErrorState error={save.error} />}
        <p className="muted small">
          Current setting: <strong data-testid="saved-analysis">{settings.analysis}</strong>
          {settings.updatedAt && (
            <>
              {' '}
              · changed {formatDate(settings.updatedAt)}
              {settings.updatedBy && <> by {settings.updatedBy}</>}
            </>
          )}
        </p>
      </form>
    </div>
  );
}
