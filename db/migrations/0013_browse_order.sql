-- 0013_browse_order: indexes in the browser's sort orders (issue 3 follow-up).  The browser lists a
-- million events in pages: each page is a seek in one of these indexes after the last row shown
-- (keyset paging), and a record's place in the list is a count over an index range, so neither reads
-- the table.  The expressions here must stay identical to the ones in dossier/storage/browse_queries.py.
-- An unknown start sorts first, as NULL did in `ORDER BY start_lo` (the smallest 64-bit integer).
CREATE INDEX person_browse ON person((CASE WHEN sort_name <> '' THEN sort_name ELSE name END) COLLATE NOCASE);
CREATE INDEX organization_browse ON organization(name COLLATE NOCASE);
CREATE INDEX event_browse ON event(coalesce(start_lo, -9223372036854775808), title);
