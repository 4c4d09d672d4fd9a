-- The instance that took each event still to dispatch: a restarted instance (same CALLHOOK_INSTANCE_ID, or the
-- same host and webhook port) hands its predecessor's events to dispatch at once; other instances wait for
-- the grace period before they take them.
ALTER TABLE dispatch_outbox ADD COLUMN taken_by VARCHAR(100);
