import type { TaskList } from 'graphile-worker';

/** Every task the worker runs, keyed by its graphile-worker identifier. */
export const taskList: TaskList = {};
