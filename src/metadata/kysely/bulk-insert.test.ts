import { describe, expect, it } from 'vitest';
import { openSqliteDatabase } from '../sqlite/sqlite-metadata-store.js';
import { insertRows } from './bulk-insert.js';

describe('insertRows', () => {
  it('inserts every row across full and partial batches, a missing column as null, and reuses the compiled statement', async () => {
    const db = await openSqliteDatabase(':memory:');
    try {
      const rows = Array.from({ length: 7 }, (_, i) => ({ canonical_id: `CVE-2024-${i}`, aliases: `["A-${i}"]`, ...(i % 2 === 0 ? { summary: `s${i}` } : {}) }));
      await insertRows(db, 'vuln_info', ['canonical_id', 'aliases', 'summary', 'severity'], rows, 3);
      await insertRows(db, 'vuln_info', ['canonical_id', 'aliases', 'summary', 'severity'], [{ canonical_id: 'CVE-2025-1', aliases: '[]', severity: '{"rating":"high"}' }], 3);
      const stored = await db.selectFrom('vuln_info').selectAll().orderBy('canonical_id').execute();
      expect(stored).toHaveLength(8);
      expect(stored[0]).toEqual({ canonical_id: 'CVE-2024-0', aliases: '["A-0"]', summary: 's0', severity: null });
      expect(stored[1]).toEqual({ canonical_id: 'CVE-2024-1', aliases: '["A-1"]', summary: null, severity: null });
      expect(stored[7]).toEqual({ canonical_id: 'CVE-2025-1', aliases: '[]', summary: null, severity: '{"rating":"high"}' });
      await expect(insertRows(db, 'vuln_info', ['canonical_id', 'aliases'], [{ canonical_id: 'CVE-2024-0', aliases: '[]' }], 3)).rejects.toThrow(/UNIQUE/);
    } finally {
      await db.destroy();
    }
  });
});
