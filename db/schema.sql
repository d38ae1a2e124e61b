-- Generated from the migrations (schema version 13); do not edit: run
--   python -m dossier.storage.schema_dump > db/schema.sql

CREATE INDEX change_log_batch ON change_log(batch_id, table_name);

CREATE INDEX change_log_record ON change_log(table_name, record_key);

CREATE INDEX citation_source ON citation(source);

CREATE INDEX era_time ON era(start_lo, end_hi);

CREATE INDEX event_browse ON event(coalesce(start_lo, -9223372036854775808), title);

CREATE INDEX event_country ON event(country);

CREATE INDEX event_parent ON event(parent);

CREATE INDEX event_time ON event(start_lo, end_hi);

CREATE INDEX figure_pair ON figure(a, b, year);

CREATE INDEX fx_rate_pair ON fx_rate(base, quote, date_lo);

CREATE INDEX identifier_entity ON identifier(entity);

CREATE INDEX merged_id_new ON merged_id(new_id);

CREATE INDEX organization_browse ON organization(name COLLATE NOCASE);

CREATE INDEX organization_country ON organization(country);

CREATE INDEX organization_parent ON organization(parent);

CREATE INDEX participant_entity ON participant(entity);

CREATE INDEX person_browse ON person((CASE WHEN sort_name <> '' THEN sort_name ELSE name END) COLLATE NOCASE);

CREATE INDEX posting_person ON posting(person);

CREATE INDEX posting_person_time ON posting(person, start_lo, end_hi);

CREATE INDEX posting_position ON posting(position);

CREATE INDEX posting_time ON posting(start_lo, end_hi);

CREATE INDEX relation_a ON relation(a);

CREATE INDEX relation_b ON relation(b);

CREATE INDEX statement_event ON statement(event);

CREATE INDEX statement_speaker ON statement(speaker);

CREATE INDEX timeline_span_reach_lo ON timeline_span(reach, lo, hi);

CREATE INDEX trade_pair ON trade(reporter, partner, year);

CREATE INDEX trade_partner ON trade(partner, reporter, year);

CREATE TABLE alias (
    rid INTEGER PRIMARY KEY,
    entity TEXT NOT NULL REFERENCES entity(id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    name TEXT NOT NULL CHECK (name <> ''),
    lang TEXT NOT NULL DEFAULT '',
    kind TEXT NOT NULL DEFAULT 'variant' CHECK (kind IN ('variant', 'native', 'former', 'alias')),
    seq INTEGER NOT NULL DEFAULT 0,
    UNIQUE (entity, name)
) STRICT;

CREATE TABLE change_log (
    rid INTEGER PRIMARY KEY,
    batch_id INTEGER NOT NULL REFERENCES import_batch(id),
    at TEXT NOT NULL,
    table_name TEXT NOT NULL,
    record_key TEXT NOT NULL,
    op TEXT NOT NULL CHECK (op IN ('insert', 'update', 'delete')),
    old_json TEXT,
    new_json TEXT
) STRICT;

CREATE TABLE citation (
    rid INTEGER PRIMARY KEY,
    fact_table TEXT NOT NULL CHECK (fact_table IN ('person', 'organization', 'alias', 'identifier',
        'posting', 'event', 'participant', 'relation', 'statement', 'trade', 'figure', 'fx_rate')),
    fact_rid INTEGER NOT NULL,
    source TEXT NOT NULL REFERENCES source(id) DEFERRABLE INITIALLY DEFERRED,
    quote TEXT NOT NULL DEFAULT '',
    locator TEXT NOT NULL DEFAULT '',
    seq INTEGER NOT NULL DEFAULT 0,
    UNIQUE (fact_table, fact_rid, source)
) STRICT;

CREATE TABLE country (
    code TEXT PRIMARY KEY CHECK (length(code) = 3),   -- ISO 3166-1 alpha-3; 'WLD' = World
    alpha2 TEXT UNIQUE,
    m49 INTEGER NOT NULL,
    name TEXT NOT NULL,
    official_name TEXT NOT NULL DEFAULT ''
) STRICT;

CREATE TABLE entity (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('person', 'organization', 'country'))
) STRICT;

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

CREATE TABLE event (
    rid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('meeting', 'visit', 'summit', 'signing', 'statement',
        'announcement', 'sanction', 'other')),
    title TEXT NOT NULL CHECK (title <> ''),
    start TEXT NOT NULL DEFAULT '',
    start_lo INTEGER,
    start_hi INTEGER,
    "end" TEXT NOT NULL DEFAULT '',
    end_lo INTEGER,
    end_hi INTEGER,
    place TEXT NOT NULL DEFAULT '',
    country TEXT REFERENCES country(code),
    parent TEXT REFERENCES event(id) DEFERRABLE INITIALLY DEFERRED,
    summary TEXT NOT NULL DEFAULT '',
    batch_id INTEGER REFERENCES import_batch(id)
) STRICT;

CREATE TABLE figure (
    rid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('trade_total', 'trade_export', 'trade_import', 'trade_growth', 'other')),
    a TEXT REFERENCES country(code),
    b TEXT REFERENCES country(code),
    year INTEGER,
    value TEXT NOT NULL,
    value_num REAL NOT NULL,
    unit TEXT NOT NULL CHECK (unit <> ''),        -- ISO 4217 currency, or 'percent'
    base_year INTEGER,
    text TEXT NOT NULL DEFAULT '',               -- the figure as quoted ('about US$756 million')
    batch_id INTEGER REFERENCES import_batch(id)
) STRICT;

CREATE TABLE fx_rate (
    rid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    base TEXT NOT NULL CHECK (length(base) = 3),
    quote TEXT NOT NULL CHECK (length(quote) = 3),
    date TEXT NOT NULL,
    date_lo INTEGER NOT NULL,
    date_hi INTEGER NOT NULL,
    rate TEXT NOT NULL,
    rate_num REAL NOT NULL CHECK (rate_num > 0),
    batch_id INTEGER REFERENCES import_batch(id)
) STRICT;

CREATE TABLE identifier (
    rid INTEGER PRIMARY KEY,
    entity TEXT NOT NULL REFERENCES entity(id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    scheme TEXT NOT NULL CHECK (scheme <> ''),
    value TEXT NOT NULL CHECK (value <> ''),
    batch_id INTEGER REFERENCES import_batch(id),
    UNIQUE (scheme, value)
) STRICT;

CREATE TABLE import_batch (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('sample', 'import', 'edit', 'migration')),
    started_at TEXT NOT NULL,
    finished_at TEXT,
    files TEXT NOT NULL DEFAULT '[]',      -- JSON: [{"name", "sha256", "rows"}]
    counts TEXT NOT NULL DEFAULT '{}',     -- JSON: {"added": n, "changed": n, ...}
    note TEXT NOT NULL DEFAULT '',
    undone_at TEXT
) STRICT;

CREATE TABLE merged_id (
    rid INTEGER PRIMARY KEY,
    old_id TEXT NOT NULL UNIQUE,
    new_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('person', 'organization')),
    merged_at TEXT NOT NULL,
    batch_id INTEGER REFERENCES import_batch(id),
    CHECK (old_id <> new_id)
) STRICT;

CREATE TABLE organization (
    rid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE REFERENCES entity(id) DEFERRABLE INITIALLY DEFERRED,
    name TEXT NOT NULL CHECK (name <> ''),
    kind TEXT NOT NULL DEFAULT 'other' CHECK (kind IN ('government', 'ministry', 'embassy', 'academy',
        'media', 'international', 'party', 'legislature', 'company', 'other')),
    country TEXT REFERENCES country(code),
    parent TEXT REFERENCES organization(id) DEFERRABLE INITIALLY DEFERRED,
    summary TEXT NOT NULL DEFAULT '',
    batch_id INTEGER REFERENCES import_batch(id)
) STRICT;

CREATE TABLE participant (
    rid INTEGER PRIMARY KEY,
    event TEXT NOT NULL REFERENCES event(id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    entity TEXT NOT NULL REFERENCES entity(id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    role TEXT NOT NULL DEFAULT 'participant' CHECK (role IN ('participant', 'host', 'guest',
        'signatory', 'organizer', 'speaker', 'witness', 'subject')),
    batch_id INTEGER REFERENCES import_batch(id),
    UNIQUE (event, entity, role)
) STRICT;

CREATE TABLE person (
    rid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE REFERENCES entity(id) DEFERRABLE INITIALLY DEFERRED,
    name TEXT NOT NULL CHECK (name <> ''),
    sort_name TEXT NOT NULL DEFAULT '',
    native_name TEXT NOT NULL DEFAULT '',
    nationality TEXT REFERENCES country(code),
    gender TEXT NOT NULL DEFAULT '' CHECK (gender IN ('', 'female', 'male', 'other')),
    birth_date TEXT NOT NULL DEFAULT '',
    birth_lo INTEGER,
    birth_hi INTEGER,
    summary TEXT NOT NULL DEFAULT '',
    batch_id INTEGER REFERENCES import_batch(id)
) STRICT;

CREATE TABLE position (
    rid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL CHECK (title <> ''),
    organization TEXT REFERENCES organization(id) DEFERRABLE INITIALLY DEFERRED,
    country TEXT REFERENCES country(code)
) STRICT;

CREATE TABLE posting (
    rid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    person TEXT NOT NULL REFERENCES person(id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    position TEXT NOT NULL REFERENCES position(id) DEFERRABLE INITIALLY DEFERRED,
    organization TEXT REFERENCES organization(id) DEFERRABLE INITIALLY DEFERRED,
    country TEXT REFERENCES country(code),
    place TEXT NOT NULL DEFAULT '',
    start TEXT NOT NULL DEFAULT '',
    start_lo INTEGER,
    start_hi INTEGER,
    "end" TEXT NOT NULL DEFAULT '',
    end_lo INTEGER,
    end_hi INTEGER,
    note TEXT NOT NULL DEFAULT '',
    batch_id INTEGER REFERENCES import_batch(id)
) STRICT;

CREATE TABLE relation (
    rid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('diplomatic', 'agreement', 'alliance', 'membership',
        'sanctions', 'family', 'colleague', 'other')),
    a TEXT NOT NULL REFERENCES entity(id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    b TEXT NOT NULL REFERENCES entity(id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    start TEXT NOT NULL DEFAULT '',
    start_lo INTEGER,
    start_hi INTEGER,
    "end" TEXT NOT NULL DEFAULT '',
    end_lo INTEGER,
    end_hi INTEGER,
    summary TEXT NOT NULL DEFAULT '',
    batch_id INTEGER REFERENCES import_batch(id)
) STRICT;

CREATE VIRTUAL TABLE search_fts USING fts5(
    text, entity_table UNINDEXED, entity_rid UNINDEXED, tokenize = 'trigram'
);

CREATE TABLE source (
    rid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    publisher TEXT NOT NULL DEFAULT '',
    title TEXT NOT NULL DEFAULT '',
    published TEXT NOT NULL DEFAULT '',
    published_lo INTEGER,
    published_hi INTEGER,
    url TEXT NOT NULL DEFAULT '',
    reference TEXT NOT NULL DEFAULT '',
    reliability TEXT CHECK (reliability IS NULL OR reliability IN ('A', 'B', 'C', 'D', 'E', 'F')),
    credibility INTEGER CHECK (credibility IS NULL OR credibility BETWEEN 1 AND 6),
    language TEXT NOT NULL DEFAULT '',
    notes TEXT NOT NULL DEFAULT '',
    batch_id INTEGER REFERENCES import_batch(id)
) STRICT;

CREATE TABLE statement (
    rid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    speaker TEXT REFERENCES entity(id) ON DELETE SET NULL DEFERRABLE INITIALLY DEFERRED,
    date TEXT NOT NULL DEFAULT '',
    date_lo INTEGER,
    date_hi INTEGER,
    text TEXT NOT NULL CHECK (text <> ''),
    event TEXT REFERENCES event(id) ON DELETE SET NULL DEFERRABLE INITIALLY DEFERRED,
    batch_id INTEGER REFERENCES import_batch(id)
) STRICT;

CREATE TABLE timeline_span (
    id INTEGER PRIMARY KEY,
    lo INTEGER NOT NULL,
    hi INTEGER NOT NULL,
    reach INTEGER NOT NULL GENERATED ALWAYS AS (CASE WHEN hi - lo < 1 THEN 0 WHEN hi - lo < 32 THEN 1
        WHEN hi - lo < 366 THEN 2 WHEN hi - lo < 3660 THEN 3 ELSE 4 END) VIRTUAL
) STRICT;

CREATE TABLE trade (
    rid INTEGER PRIMARY KEY,
    reporter TEXT NOT NULL REFERENCES country(code),
    partner TEXT NOT NULL REFERENCES country(code),
    year INTEGER NOT NULL CHECK (year BETWEEN 1800 AND 9999),
    flow TEXT NOT NULL CHECK (flow IN ('export', 'import', 'total')),
    commodity TEXT NOT NULL DEFAULT '',
    value TEXT,
    value_num REAL,
    currency TEXT NOT NULL DEFAULT 'USD' CHECK (length(currency) = 3),
    basis TEXT NOT NULL DEFAULT 'unknown' CHECK (basis IN ('fob', 'cif', 'unknown')),
    source_key TEXT NOT NULL DEFAULT '',
    batch_id INTEGER REFERENCES import_batch(id),
    UNIQUE (reporter, partner, year, flow, commodity, basis, source_key)
) STRICT;

CREATE TRIGGER alias_cite_del AFTER DELETE ON alias BEGIN
    DELETE FROM citation WHERE fact_table = 'alias' AND fact_rid = old.rid;
END;

CREATE TRIGGER country_entity_ins AFTER INSERT ON country BEGIN
    INSERT INTO entity(id, kind) VALUES (new.code, 'country');
END;

CREATE TRIGGER era_span_del AFTER DELETE ON era BEGIN
    DELETE FROM timeline_span WHERE id = old.rid * 4 + 3;
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

CREATE TRIGGER event_cite_del AFTER DELETE ON event BEGIN
    DELETE FROM citation WHERE fact_table = 'event' AND fact_rid = old.rid;
END;

CREATE TRIGGER event_span_del AFTER DELETE ON event BEGIN
    DELETE FROM timeline_span WHERE id = old.rid * 4 + 1;
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

CREATE TRIGGER figure_cite_del AFTER DELETE ON figure BEGIN
    DELETE FROM citation WHERE fact_table = 'figure' AND fact_rid = old.rid;
END;

CREATE TRIGGER fx_rate_cite_del AFTER DELETE ON fx_rate BEGIN
    DELETE FROM citation WHERE fact_table = 'fx_rate' AND fact_rid = old.rid;
END;

CREATE TRIGGER identifier_cite_del AFTER DELETE ON identifier BEGIN
    DELETE FROM citation WHERE fact_table = 'identifier' AND fact_rid = old.rid;
END;

CREATE TRIGGER organization_cite_del AFTER DELETE ON organization BEGIN
    DELETE FROM citation WHERE fact_table = 'organization' AND fact_rid = old.rid;
END;

CREATE TRIGGER organization_entity_del AFTER DELETE ON organization BEGIN
    DELETE FROM entity WHERE id = old.id AND kind = 'organization';
END;

CREATE TRIGGER organization_entity_ins BEFORE INSERT ON organization BEGIN
    INSERT INTO entity(id, kind) VALUES (new.id, 'organization');
END;

CREATE TRIGGER participant_cite_del AFTER DELETE ON participant BEGIN
    DELETE FROM citation WHERE fact_table = 'participant' AND fact_rid = old.rid;
END;

CREATE TRIGGER person_cite_del AFTER DELETE ON person BEGIN
    DELETE FROM citation WHERE fact_table = 'person' AND fact_rid = old.rid;
END;

CREATE TRIGGER person_entity_del AFTER DELETE ON person BEGIN
    DELETE FROM entity WHERE id = old.id AND kind = 'person';
END;

CREATE TRIGGER person_entity_ins BEFORE INSERT ON person BEGIN
    INSERT INTO entity(id, kind) VALUES (new.id, 'person');
END;

CREATE TRIGGER posting_cite_del AFTER DELETE ON posting BEGIN
    DELETE FROM citation WHERE fact_table = 'posting' AND fact_rid = old.rid;
END;

CREATE TRIGGER posting_span_del AFTER DELETE ON posting BEGIN
    DELETE FROM timeline_span WHERE id = old.rid * 4;
END;

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

CREATE TRIGGER relation_cite_del AFTER DELETE ON relation BEGIN
    DELETE FROM citation WHERE fact_table = 'relation' AND fact_rid = old.rid;
END;

CREATE TRIGGER relation_span_del AFTER DELETE ON relation BEGIN
    DELETE FROM timeline_span WHERE id = old.rid * 4 + 2;
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

CREATE TRIGGER statement_cite_del AFTER DELETE ON statement BEGIN
    DELETE FROM citation WHERE fact_table = 'statement' AND fact_rid = old.rid;
END;

CREATE TRIGGER trade_cite_del AFTER DELETE ON trade BEGIN
    DELETE FROM citation WHERE fact_table = 'trade' AND fact_rid = old.rid;
END;
