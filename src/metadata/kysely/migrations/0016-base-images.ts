/**
 * The base-image index: analyzed images by (first layer, platform), filled from the analyses that
 * already exist when it is created; the analysis-done subscriber keeps it current afterwards.
 */
import type { Kysely, Migration } from 'kysely';

const PAGE = 500;

export const baseImagesMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('image_first_layers')
      .addColumn('manifest_digest', 'text', (c) => c.notNull())
      .addColumn('platform', 'text', (c) => c.notNull())
      .addColumn('first_layer', 'text', (c) => c.notNull())
      .addColumn('layer_count', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('image_first_layers_pk', ['manifest_digest', 'platform'])
      .execute();
    await db.schema.createIndex('image_first_layers_layer').on('image_first_layers').columns(['first_layer', 'platform', 'layer_count']).execute();

    // Backfill page by page (keyset on the primary key) so a large installation never loads every analysis at once.
    const typed = db as unknown as Kysely<{ analyses: { id: string; manifest_digest: string; platform: string; status: string; layers: string | null }; image_first_layers: { manifest_digest: string; platform: string; first_layer: string; layer_count: number } }>;
    let after = '';
    for (;;) {
      const rows = await typed.selectFrom('analyses').select(['id', 'manifest_digest', 'platform', 'layers']).where('status', '=', 'done').where('id', '>', after).orderBy('id').limit(PAGE).execute();
      const values = [];
      for (const r of rows) {
        let layers: unknown;
        try {
          layers = JSON.parse(r.layers ?? '[]');
        } catch {
          continue;
        }
        const first: unknown = Array.isArray(layers) ? (layers[0] as { digest?: unknown } | undefined)?.digest : undefined;
        if (typeof first === 'string' && Array.isArray(layers)) values.push({ manifest_digest: r.manifest_digest, platform: r.platform, first_layer: first, layer_count: layers.length });
      }
      if (values.length > 0) await typed.insertInto('image_first_layers').values(values).onConflict((oc) => oc.columns(['manifest_digest', 'platform']).doNothing()).execute();
      const last = rows[rows.length - 1];
      if (!last || rows.length < PAGE) break;
      after = last.id;
    }
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('image_first_layers').ifExists().execute();
  },
};
