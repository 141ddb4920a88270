/** Kysely table types of the auth state shared by every process (signing keys, web sessions). */
export interface AuthKeysTable {
  name: string;
  /** base64url of the key bytes. */
  secret: string;
  created_at: string;
}

export interface WebSessionsTable {
  /** sha256 (base64url) of the session id in the cookie. */
  id_hash: string;
  username: string;
  csrf_token: string;
  /** Epoch milliseconds. */
  expires_at: number;
}

export interface AuthStateTables {
  auth_keys: AuthKeysTable;
  web_sessions: WebSessionsTable;
}
