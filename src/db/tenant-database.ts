import type { ColumnType, Generated } from 'kysely';

/** Kysely's view of one tenant's schema (migrations/tenant), used through `withSchema`. */
export interface TenantDatabase {
  clients: ClientsTable;
  appointments: AppointmentsTable;
}

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export interface ClientsTable {
  id: Generated<string>;
  name: string;
  email: string | null;
  phone: string | null;
  company_context: string | null;
  company_context_original: string | null;
  context_processed_at: ColumnType<Date | null, Date | string | null, Date | string | null>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export type AppointmentStatus = 'scheduled' | 'confirmed' | 'cancelled' | 'completed';

export interface AppointmentsTable {
  id: Generated<string>;
  client_id: string;
  starts_at: Timestamp;
  ends_at: ColumnType<Date | null, Date | string | null, Date | string | null>;
  status: ColumnType<AppointmentStatus, AppointmentStatus | undefined, AppointmentStatus>;
  service: string | null;
  notes: string | null;
  /** When its reminder was queued by the appointment-reminders task (tenant migration 0002). */
  reminder_queued_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  created_at: Timestamp;
  updated_at: Timestamp;
}
