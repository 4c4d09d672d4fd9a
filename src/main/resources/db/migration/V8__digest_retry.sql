-- A digest window is sent, or still owed: a run that failed gives its claim back (claimed_by NULL), and the
-- next fire of any instance sends the window late rather than never.
ALTER TABLE digest_run ADD COLUMN sent_at TIMESTAMP WITH TIME ZONE;
ALTER TABLE digest_run ALTER COLUMN claimed_by DROP NOT NULL;
-- the windows claimed before this column existed were sent, or given up for good then
UPDATE digest_run SET sent_at = claimed_at;
