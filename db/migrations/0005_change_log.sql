-- 0005_change_log: a durable journal of every change a batch (import, undo-able edit) makes, so that a
-- batch can be undone exactly and the history of a record can be shown (issue 5; reused by editing).
--
-- Rows are written inside the same transaction as the batch's data:
-- * op 'update' / 'delete': `old_json` holds the complete previous table row (every column, rid
--   included) of the data table `table_name`; cascaded deletions and rewritten aliases and citations
--   are journalled as rows of their own tables, so nothing a batch touched is lost.
-- * op 'insert': rows the batch added are the rows of `table_name` with rid greater than `record_key`
--   (the table's largest rid before the batch; one journal row per table and batch, which keeps a
--   million-row import's journal small). `new_json` holds {"after_rid": n}.
-- `record_key` is otherwise the row's rid (as text); `at` is the batch's start time (UTC, ISO 8601).
CREATE TABLE IF NOT EXISTS change_log (
    rid INTEGER PRIMARY KEY,
    batch_id INTEGER NOT NULL REFERENCES import_batch(id),
    at TEXT NOT NULL,
    table_name TEXT NOT NULL,
    record_key TEXT NOT NULL,
    op TEXT NOT NULL CHECK (op IN ('insert', 'update', 'delete')),
    old_json TEXT,
    new_json TEXT
) STRICT;
CREATE INDEX IF NOT EXISTS change_log_batch ON change_log(batch_id, table_name);
CREATE INDEX IF NOT EXISTS change_log_record ON change_log(table_name, record_key);
