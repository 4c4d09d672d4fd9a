-- Renewing leases asks for PENDING rows of one owner, which the (status, lease_until) index already
-- narrows to a handful; a separate lease_owner index only cost every delivery row (three per event) one
-- more B-tree insert, and the database engine is most of the CPU an event takes.
DROP INDEX call_delivery_lease_owner;
