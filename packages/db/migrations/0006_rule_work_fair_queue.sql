-- Up Migration
-- The rules' queue (migration 0003) was served oldest pending_since first,
-- and a patient whose readings kept coming while it was judged went back
-- into the queue with its old pending_since: at its head again. Under load
-- (npm run bench:alerts: 200 patients sending 10 readings a second) such
-- patients took every round, and a patient queued with one red reading
-- waited behind them for over 10 seconds. The queue is now served in the
-- order patients joined it, and one put back goes to its end; pending_since
-- keeps its one meaning, where a patient's new readings begin.
ALTER TABLE rule_work ADD COLUMN queued_at timestamptz NOT NULL DEFAULT now();

-- Down Migration
ALTER TABLE rule_work DROP COLUMN queued_at;
