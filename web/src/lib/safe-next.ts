/** Where to go after sign-in: only a local path, since `next` comes from the URL (no open redirect). */
export function safeNext(next: string | null): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return '/repositories';
  return next;
}
