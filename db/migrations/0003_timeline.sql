-- 0003_timeline: what the timeline needs beyond the facts themselves.
--
-- * `era`: background bands drawn behind the lanes (a sanctions period, a war, a term of office of
--   a government), with dates at their precision like every other fact, and a source through
--   `citation` ('era' facts are cited through the generic citation table by fact_table = 'era' once
--   the citation check allows it; until then an era's summary names its source).
-- * `timeline_span`: an interval index over every dated item the timeline draws, so that the items
--   of a date window come from an index, not a table scan.  id = rid * 4 + table code (0 posting,
--   1 event, 2 relation, 3 era); lo = earliest possible start (or end when only the end is known);
--   hi = latest possible end (an ongoing end, '..', is 9999-12-31; an unknown end is the latest
--   possible start).  `reach` buckets the length (0: <= 1 day, 1: < 32 days, 2: < 366 days,
--   3: < 3660 days, 4: longer), so "overlaps [a, b]" is, per bucket, a range seek on (reach, lo)
--   between a - max length and b.  (An R*-tree would be the textbook index, but with
--   trusted_schema OFF SQLite refuses virtual tables inside triggers: "unsafe use of virtual table".)
--   Triggers keep it in step; undated items are not in it (they cannot be placed on a time axis).

CREATE TABLE era (
    rid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL CHECK (title <> ''),
    kind TEXT NOT NULL DEFAULT 'other' CHECK (kind IN ('sanctions', 'conflict', 'government', 'crisis',
        'other')),
    country TEXT REFERENCES country(code),
    start TEXT NOT NULL DEFAULT '',
    start_lo INTEGER,
    start_hi INTEGER,
    "end" TEXT NOT NULL DEFAULT '',
    end_lo INTEGER,
    end_hi INTEGER,
    summary TEXT NOT NULL DEFAULT '',
    batch_id INTEGER REFERENCES import_batch(id)
) STRICT;
CREATE INDEX era_time ON era(start_lo, end_hi);

CREATE TABLE timeline_span (
    id INTEGER PRIMARY KEY,
    lo INTEGER NOT NULL,
    hi INTEGER NOT NULL,
    reach INTEGER NOT NULL GENERATED ALWAYS AS (CASE WHEN hi - lo < 1 THEN 0 WHEN hi - lo < 32 THEN 1
        WHEN hi - lo < 366 THEN 2 WHEN hi - lo < 3660 THEN 3 ELSE 4 END) VIRTUAL
) STRICT;
CREATE INDEX timeline_span_reach_lo ON timeline_span(reach, lo, hi);

-- Lane lookups for the visible window: a participant's events in time order come from
-- participant(entity) + event(rid); postings per person in time order from this index.
CREATE INDEX posting_person_time ON posting(person, start_lo, end_hi);

CREATE TRIGGER posting_span_ins AFTER INSERT ON posting
WHEN coalesce(new.start_lo, new.end_lo) IS NOT NULL BEGIN
    INSERT OR REPLACE INTO timeline_span(id, lo, hi) VALUES (new.rid * 4, coalesce(new.start_lo, new.end_lo),
        CASE WHEN new."end" = '..' THEN 3652059 ELSE coalesce(new.end_hi, new.start_hi) END);
END;
CREATE TRIGGER posting_span_upd AFTER UPDATE ON posting BEGIN
    DELETE FROM timeline_span WHERE id = old.rid * 4;
    INSERT OR REPLACE INTO timeline_span(id, lo, hi) SELECT new.rid * 4, coalesce(new.start_lo, new.end_lo),
        CASE WHEN new."end" = '..' THEN 3652059 ELSE coalesce(new.end_hi, new.start_hi) END
        WHERE coalesce(new.start_lo, new.end_lo) IS NOT NULL;
END;
CREATE TRIGGER posting_span_del AFTER DELETE ON posting BEGIN
    DELETE FROM timeline_span WHERE id = old.rid * 4;
END;

CREATE TRIGGER event_span_ins AFTER INSERT ON event
WHEN coalesce(new.start_lo, new.end_lo) IS NOT NULL BEGIN
    INSERT OR REPLACE INTO timeline_span(id, lo, hi) VALUES (new.rid * 4 + 1, coalesce(new.start_lo, new.end_lo),
        CASE WHEN new."end" = '..' THEN 3652059 ELSE coalesce(new.end_hi, new.start_hi) END);
END;
CREATE TRIGGER event_span_upd AFTER UPDATE ON event BEGIN
    DELETE FROM timeline_span WHERE id = old.rid * 4 + 1;
    INSERT OR REPLACE INTO timeline_span(id, lo, hi) SELECT new.rid * 4 + 1, coalesce(new.start_lo, new.end_lo),
        CASE WHEN new."end" = '..' THEN 3652059 ELSE coalesce(new.end_hi, new.start_hi) END
        WHERE coalesce(new.start_lo, new.end_lo) IS NOT NULL;
END;
CREATE TRIGGER event_span_del AFTER DELETE ON event BEGIN
    DELETE FROM timeline_span WHERE id = old.rid * 4 + 1;
END;

CREATE TRIGGER relation_span_ins AFTER INSERT ON relation
WHEN coalesce(new.start_lo, new.end_lo) IS NOT NULL BEGIN
    INSERT OR REPLACE INTO timeline_span(id, lo, hi) VALUES (new.rid * 4 + 2, coalesce(new.start_lo, new.end_lo),
        CASE WHEN new."end" = '..' THEN 3652059 ELSE coalesce(new.end_hi, new.start_hi) END);
END;
CREATE TRIGGER relation_span_upd AFTER UPDATE ON relation BEGIN
    DELETE FROM timeline_span WHERE id = old.rid * 4 + 2;
    INSERT OR REPLACE INTO timeline_span(id, lo, hi) SELECT new.rid * 4 + 2, coalesce(new.start_lo, new.end_lo),
        CASE WHEN new."end" = '..' THEN 3652059 ELSE coalesce(new.end_hi, new.start_hi) END
        WHERE coalesce(new.start_lo, new.end_lo) IS NOT NULL;
END;
CREATE TRIGGER relation_span_del AFTER DELETE ON relation BEGIN
    DELETE FROM timeline_span WHERE id = old.rid * 4 + 2;
END;

CREATE TRIGGER era_span_ins AFTER INSERT ON era
WHEN coalesce(new.start_lo, new.end_lo) IS NOT NULL BEGIN
    INSERT OR REPLACE INTO timeline_span(id, lo, hi) VALUES (new.rid * 4 + 3, coalesce(new.start_lo, new.end_lo),
        CASE WHEN new."end" = '..' THEN 3652059 ELSE coalesce(new.end_hi, new.start_hi) END);
END;
CREATE TRIGGER era_span_upd AFTER UPDATE ON era BEGIN
    DELETE FROM timeline_span WHERE id = old.rid * 4 + 3;
    INSERT OR REPLACE INTO timeline_span(id, lo, hi) SELECT new.rid * 4 + 3, coalesce(new.start_lo, new.end_lo),
        CASE WHEN new."end" = '..' THEN 3652059 ELSE coalesce(new.end_hi, new.start_hi) END
        WHERE coalesce(new.start_lo, new.end_lo) IS NOT NULL;
END;
CREATE TRIGGER era_span_del AFTER DELETE ON era BEGIN
    DELETE FROM timeline_span WHERE id = old.rid * 4 + 3;
END;

-- Items that existed before this migration.
INSERT INTO timeline_span(id, lo, hi)
    SELECT rid * 4, coalesce(start_lo, end_lo),
        CASE WHEN "end" = '..' THEN 3652059 ELSE coalesce(end_hi, start_hi) END
    FROM posting WHERE coalesce(start_lo, end_lo) IS NOT NULL;
INSERT INTO timeline_span(id, lo, hi)
    SELECT rid * 4 + 1, coalesce(start_lo, end_lo),
        CASE WHEN "end" = '..' THEN 3652059 ELSE coalesce(end_hi, start_hi) END
    FROM event WHERE coalesce(start_lo, end_lo) IS NOT NULL;
INSERT INTO timeline_span(id, lo, hi)
    SELECT rid * 4 + 2, coalesce(start_lo, end_lo),
        CASE WHEN "end" = '..' THEN 3652059 ELSE coalesce(end_hi, start_hi) END
    FROM relation WHERE coalesce(start_lo, end_lo) IS NOT NULL;
