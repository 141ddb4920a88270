/** Kysely table types of shared periodic tasks. */
export interface SchedulesTable {
  name: string;
  /** ISO-8601; a process may run the task once this has passed and it wins the claim. */
  next_run_at: string;
  last_owner: string | null;
  last_run_at: string | null;
}

export interface ScheduleTables {
  schedules: SchedulesTable;
}
