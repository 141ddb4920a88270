/** Who is signed in, for the header and the sign-in page; loaded once and refreshed after sign-in/out. */
import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from 'react';
import { session } from './api/client.js';
import type { SessionUser } from './api/types.js';

interface SessionState {
  readonly user: SessionUser | undefined;
  readonly loaded: boolean;
  readonly refresh: () => Promise<void>;
}

const SessionContext = createContext<SessionState>({ user: undefined, loaded: false, refresh: () => Promise.resolve() });

export function SessionProvider({ children }: { children: ReactNode }): ReactNode {
  const [user, setUser] = useState<SessionUser | undefined>(undefined);
  const [loaded, setLoaded] = useState(false);
  const refresh = useCallback(async () => {
    try {
      setUser(await session.current());
    } catch {
      setUser(undefined);
    } finally {
      setLoaded(true);
    }
  }, []);
  useEffect(() => {
    void refresh();
  }, [refresh]);
  return <SessionContext.Provider value={{ user, loaded, refresh }}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionState {
  return useContext(SessionContext);
}
