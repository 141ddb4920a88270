/**
 * Kysely table types of the accounts domain: users, personal access tokens, organizations, teams,
 * per-repository visibility and permissions, and the audit log. Timestamps are ISO-8601 text.
 */

export interface UsersTable {
  name: string;
  /** `scrypt$N$r$p$salt$hash` (base64url parts): the parameters travel with the hash. */
  password_hash: string;
  site_admin: number;
  created_at: string;
}

export interface AccessTokensTable {
  id: string;
  user_name: string;
  name: string;
  /** sha256 (hex) of the secret; the secret itself is shown once and never stored. */
  secret_hash: string;
  scope: string;
  expires_at: string | null;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

export interface OrganizationsTable {
  name: string;
  created_at: string;
}

export interface TeamsTable {
  org: string;
  name: string;
  /** 1 when members may create repositories in the organization by pushing. */
  can_create: number;
  created_at: string;
}

export interface TeamMembersTable {
  org: string;
  team: string;
  user_name: string;
}

export interface RepositoryAccessTable {
  repository: string;
  namespace: string;
  visibility: string;
  description: string;
  created_at: string;
  created_by: string | null;
}

export interface RepositoryPermissionsTable {
  repository: string;
  /** `user` or `team`. */
  subject_kind: string;
  /** A user name, or `org/team`. */
  subject: string;
  level: string;
}

export interface AuditLogTable {
  id: string;
  at: string;
  actor: string | null;
  action: string;
  target: string;
  details: string | null;
}

export interface AccountsTables {
  users: UsersTable;
  access_tokens: AccessTokensTable;
  organizations: OrganizationsTable;
  teams: TeamsTable;
  team_members: TeamMembersTable;
  repository_access: RepositoryAccessTable;
  repository_permissions: RepositoryPermissionsTable;
  audit_log: AuditLogTable;
}
