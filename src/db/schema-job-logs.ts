/** Tables of the job-logs feature (exports and their stored files), merged into TenantryDatabase. */
// biome-ignore lint/complexity/noBannedTypes: filled in as the feature's tables are added
export type JobLogFeatureTables = {};
