/** Tasks of the job-logs feature (exports, failure alert, completion callbacks). */
export const jobLogTasks = [] as const;
