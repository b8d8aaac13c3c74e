import { deliverCallback } from './deliver-callback.ts';
import { exportData } from './export-data.ts';
import { exportExpiry } from './export-expiry.ts';
import { failureAlert } from './failure-alert.ts';

/** Tasks of the job-logs feature (exports, failure alert, completion callbacks). */
export const jobLogTasks = [exportData, exportExpiry, failureAlert, deliverCallback] as const;
