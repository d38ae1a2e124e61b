-- 0008_merged_id: records merged into another (issue 8).  When two records of the same person or
-- organisation are merged, every fact, name, identifier and citation moves to the survivor and the
-- other id keeps pointing to it here, so that a later CSV row (or a reference in one) that still uses
-- the old id lands on the survivor.  Written inside the merge's edit batch and journalled with it
-- (change_log), so undoing the merge removes the redirect too.  Chains are kept flat: merging X into
-- B after B was merged into A would make X point to A directly (new_id never names a merged id).
CREATE TABLE merged_id (
    rid INTEGER PRIMARY KEY,
    old_id TEXT NOT NULL UNIQUE,
    new_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('person', 'organization')),
    merged_at TEXT NOT NULL,
    batch_id INTEGER REFERENCES import_batch(id),
    CHECK (old_id <> new_id)
) STRICT;
CREATE INDEX merged_id_new ON merged_id(new_id);
