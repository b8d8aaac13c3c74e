-- Plan limits count an owner's tenants case-insensitively (lower(owner)); this index serves that count.
CREATE INDEX tenants_owner_lower_plan_idx ON tenants (lower(owner), plan) WHERE owner IS NOT NULL;
