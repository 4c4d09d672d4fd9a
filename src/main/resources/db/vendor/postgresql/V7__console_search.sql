-- The console's searches on a large table (issue 14: under 300 ms with 1,000,000 events; bench/console.sh).
-- Names and numbers are searched by any part, in any case: trigram indexes (pg_trgm, shipped with
-- PostgreSQL's contrib modules and a trusted extension since PostgreSQL 13: the database owner may create
-- it). CONCURRENTLY, outside a transaction (V7__console_search.sql.conf): building them on a table that
-- already holds millions of events does not stop other instances from writing meanwhile.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
-- a build cut short (an instance killed meanwhile) leaves an invalid index that IF NOT EXISTS would keep
DO $$
DECLARE
    invalid record;
BEGIN
    FOR invalid IN SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                   WHERE NOT i.indisvalid AND c.relname LIKE 'call\_audit\_%'
    LOOP
        EXECUTE 'DROP INDEX ' || quote_ident(invalid.relname);
    END LOOP;
END $$;
CREATE INDEX CONCURRENTLY IF NOT EXISTS call_audit_call_id ON call_audit (call_id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS call_audit_customer_name_trgm
    ON call_audit USING gin (lower(customer_name) gin_trgm_ops);
CREATE INDEX CONCURRENTLY IF NOT EXISTS call_audit_agent_name_trgm
    ON call_audit USING gin (lower(agent_name) gin_trgm_ops);
CREATE INDEX CONCURRENTLY IF NOT EXISTS call_audit_customer_phone_trgm
    ON call_audit USING gin (customer_phone gin_trgm_ops);
CREATE INDEX CONCURRENTLY IF NOT EXISTS call_audit_from_number_trgm
    ON call_audit USING gin (from_number gin_trgm_ops);
