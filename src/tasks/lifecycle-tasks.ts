/** Tasks of the tenant lifecycle (welcome mail, backups, restore, maintenance). */
export const lifecycleTasks = [] as const;
