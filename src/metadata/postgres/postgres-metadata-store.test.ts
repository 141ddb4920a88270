/** Runs the MetadataStore contract on a real PostgreSQL server started for this file. */
import { afterAll, beforeAll, describe } from 'vitest';
import { hasPostgres, startPostgres, type PostgresServer } from '../../../test/helpers/postgres.js';
import { describeMetadataStoreContract } from '../metadata-store.contract.js';
import { openPostgresMetadataStore } from './postgres-database.js';

describe.skipIf(!hasPostgres())('PostgreSQL metadata store', () => {
  let server: PostgresServer;
  beforeAll(async () => {
    server = await startPostgres();
  });
  afterAll(async () => {
    await server.stop();
  });
  describeMetadataStoreContract('PostgreSQL', async () => openPostgresMetadataStore(await server.createDatabase()));
});
