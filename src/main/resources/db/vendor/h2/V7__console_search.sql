-- The console's search by call id. H2 has no index for "any part of a name": the embedded default is for
-- a laptop or one small instance, where scanning the names is fast enough; PostgreSQL gets trigram
-- indexes (db/vendor/postgresql).
CREATE INDEX call_audit_call_id ON call_audit (call_id);
