"""SQL behind the editing forms and merges: choices for pickers, merge of two entities, the redirect
table of merged ids (migration 0008).  Table and column names are fixed here, values are bound."""

from __future__ import annotations

from typing import Any

import sqlite_utils

from dossier.storage.records import reindex

ENTITY_TABLES = ("person", "organization")


def _rows(db: sqlite_utils.Database, sql: str, params: tuple = ()) -> list[dict[str, Any]]:
    cur = db.conn.execute(sql, params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


# --- choices for the forms' pickers ---------------------------------------------------------------

def choices(db: sqlite_utils.Database, target: str) -> list[tuple[str, str]]:
    """(id, label) of existing records a reference may point at.  `target`: people, organizations,
    events, sources, entity (people, organisations and countries), country."""
    if target == "people":
        sql = ("SELECT id, name || CASE WHEN native_name <> '' THEN '  ' || native_name ELSE '' END "
               "FROM person ORDER BY sort_name COLLATE NOCASE, name")
    elif target == "organizations":
        sql = "SELECT id, name FROM organization ORDER BY name COLLATE NOCASE"
    elif target == "events":
        sql = "SELECT id, CASE WHEN start <> '' THEN start || '  ' ELSE '' END || title FROM event ORDER BY start_lo, title"
    elif target == "sources":
        sql = ("SELECT id, trim(publisher || CASE WHEN title <> '' THEN ', ' || title ELSE '' END || "
               "CASE WHEN published <> '' THEN ', ' || published ELSE '' END) FROM source ORDER BY publisher, title, id")
    elif target == "country":
        sql = "SELECT code, name FROM country WHERE code <> 'WLD' ORDER BY name"
    elif target == "entity":
        out = choices(db, "people") + choices(db, "organizations")
        return out + [(c, f"{n} (state)") for c, n in choices(db, "country")]
    else:
        raise KeyError(target)
    return [(r[0], r[1] or r[0]) for r in db.conn.execute(sql)]


def source_rows(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    return _rows(db, "SELECT id, publisher, title, published, reliability, credibility, url FROM source "
                     "ORDER BY publisher, title, id")


def existing_ids(db: sqlite_utils.Database, table: str, prefix: str) -> set[str]:
    if table not in ("person", "organization", "event", "posting", "relation", "statement", "figure", "source",
                     "fx_rate"):
        raise KeyError(table)
    like = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return {r[0] for r in db.conn.execute(f"SELECT id FROM {table} WHERE id LIKE ? ESCAPE '\\'", (like,))}


def posting_of(db: sqlite_utils.Database, rid: int) -> str | None:
    r = db.conn.execute("SELECT id FROM posting WHERE rid = ?", (rid,)).fetchone()
    return r[0] if r else None


# --- merged ids ------------------------------------------------------------------------------------

def has_merges(db: sqlite_utils.Database) -> bool:
    """Was anything ever merged (is there a redirect to follow)?"""
    return db.conn.execute("SELECT 1 FROM merged_id LIMIT 1").fetchone() is not None


def merged_targets(db: sqlite_utils.Database, ids: list[str]) -> dict[str, str]:
    """old id -> surviving id, for those of `ids` that were merged away."""
    out: dict[str, str] = {}
    ids = [i for i in dict.fromkeys(ids) if i]
    for i in range(0, len(ids), 500):
        part = ids[i: i + 500]
        for old, new in db.conn.execute(
                f"SELECT old_id, new_id FROM merged_id WHERE old_id IN ({','.join('?' * len(part))})", part):
            out[old] = new
    return out


def merges(db: sqlite_utils.Database, entity: str) -> list[dict[str, Any]]:
    """Merges involving an id (as survivor or as the merged one)."""
    return _rows(db, "SELECT old_id, new_id, kind, merged_at, batch_id FROM merged_id WHERE old_id = ? OR new_id = ? "
                     "ORDER BY rid", (entity, entity))


def merge_entities(db: sqlite_utils.Database, table: str, survivor: str, other: str, merged_at: str,
                   batch_id: int | None) -> dict[str, int]:
    """Move everything of `other` to `survivor` and delete `other` (call inside the edit batch's
    transaction, with the journal running).  Returns counts of moved rows per kind of fact."""
    if table not in ENTITY_TABLES:
        raise ValueError(f"only people and organisations can be merged, not {table}")
    if survivor == other:
        raise ValueError("a record cannot be merged into itself")
    c = db.conn
    a = c.execute(f"SELECT * FROM {table} WHERE id = ?", (survivor,)).fetchone()
    b = c.execute(f"SELECT * FROM {table} WHERE id = ?", (other,)).fetchone()
    if a is None or b is None:
        raise ValueError(f"no {table} {survivor if a is None else other!r}")
    cols = [d[1] for d in c.execute(f"PRAGMA table_info({table})")]
    ra, rb = dict(zip(cols, a, strict=True)), dict(zip(cols, b, strict=True))
    n: dict[str, int] = {}

    def count(key: str, cur) -> None:
        if cur.rowcount:
            n[key] = n.get(key, 0) + cur.rowcount

    # 1. empty fields of the survivor take the other's values (never overwrite)
    fill = [k for k in cols if k not in ("rid", "id", "name", "batch_id") and ra[k] in (None, "") and rb[k] not in (None, "")]
    if fill:
        c.execute(f"UPDATE {table} SET {', '.join(f'{_q(k)} = ?' for k in fill)} WHERE rid = ?",
                  [rb[k] for k in fill] + [ra["rid"]])
        n["fields"] = len(fill)
    # 2. names: the other's display name and names become aliases of the survivor
    taken = {r[0] for r in c.execute("SELECT name FROM alias WHERE entity = ?", (survivor,))} | {ra["name"]}
    if table == "person" and ra.get("native_name"):
        taken.add(ra["native_name"])
    seq = c.execute("SELECT coalesce(max(seq), 0) FROM alias WHERE entity = ?", (survivor,)).fetchone()[0]
    if rb["name"] not in taken:
        seq += 1
        c.execute("INSERT INTO alias(entity, name, lang, kind, seq) VALUES (?, ?, '', 'alias', ?)",
                  (survivor, rb["name"], seq))
        taken.add(rb["name"])
        n["names"] = 1
    for rid, name, kind in c.execute("SELECT rid, name, kind FROM alias WHERE entity = ? ORDER BY seq, rid",
                                     (other,)).fetchall():
        if name in taken:
            continue
        seq += 1
        native_kept = kind == "native" and table == "person" and ra.get("native_name") in (None, "") \
            and "native_name" in fill
        c.execute("UPDATE alias SET entity = ?, seq = ?, kind = ? WHERE rid = ?",
                  (survivor, seq, kind if native_kept or kind != "native" else "variant", rid))
        taken.add(name)
        n["names"] = n.get("names", 0) + 1
    # 3. identifiers, careers, events, relations, statements
    count("identifiers", c.execute("UPDATE identifier SET entity = ? WHERE entity = ?", (survivor, other)))
    if table == "person":
        count("postings", c.execute("UPDATE posting SET person = ? WHERE person = ?", (survivor, other)))
    else:
        count("postings", c.execute("UPDATE posting SET organization = ? WHERE organization = ?", (survivor, other)))
        count("positions", c.execute("UPDATE position SET organization = ? WHERE organization = ?", (survivor, other)))
        count("organisations", c.execute("UPDATE organization SET parent = ? WHERE parent = ? AND id <> ?",
                                         (survivor, other, survivor)))
    for prid, event, role in c.execute("SELECT rid, event, role FROM participant WHERE entity = ?", (other,)).fetchall():
        dup = c.execute("SELECT rid FROM participant WHERE event = ? AND entity = ? AND role = ?",
                        (event, survivor, role)).fetchone()
        if dup is None:
            c.execute("UPDATE participant SET entity = ? WHERE rid = ?", (survivor, prid))
        else:  # both took part in the same role: one row, with the citations of both
            _move_citations(db, "participant", prid, dup[0])
            c.execute("DELETE FROM participant WHERE rid = ?", (prid,))
        n["events"] = n.get("events", 0) + 1
    count("relations", c.execute("UPDATE relation SET a = ? WHERE a = ?", (survivor, other)))
    count("relations", c.execute("UPDATE relation SET b = ? WHERE b = ?", (survivor, other)))
    count("statements", c.execute("UPDATE statement SET speaker = ? WHERE speaker = ?", (survivor, other)))
    # 4. the other record's own citations, then the record itself
    n["citations"] = _move_citations(db, table, rb["rid"], ra["rid"])
    c.execute(f"DELETE FROM {table} WHERE rid = ?", (rb["rid"],))
    c.execute("DELETE FROM search_fts WHERE rowid = ?", (rb["rid"] * 8 + (1 if table == "person" else 2),))
    # 5. the redirect (flat: whatever pointed to the other now points to the survivor)
    c.execute("UPDATE merged_id SET new_id = ? WHERE new_id = ?", (survivor, other))
    c.execute("INSERT INTO merged_id(old_id, new_id, kind, merged_at, batch_id) VALUES (?, ?, ?, ?, ?)",
              (other, survivor, table, merged_at, batch_id))
    c.execute(f"UPDATE {table} SET batch_id = ? WHERE rid = ?", (batch_id, ra["rid"]))
    reindex(db, table, ra["rid"])
    return n


def _move_citations(db: sqlite_utils.Database, table: str, from_rid: int, to_rid: int) -> int:
    c = db.conn
    seq = c.execute("SELECT coalesce(max(seq), -1) FROM citation WHERE fact_table = ? AND fact_rid = ?",
                    (table, to_rid)).fetchone()[0]
    cur = c.execute(
        "INSERT OR IGNORE INTO citation(fact_table, fact_rid, source, quote, locator, seq) "
        "SELECT fact_table, ?, source, quote, locator, seq + ? FROM citation WHERE fact_table = ? AND fact_rid = ? "
        "ORDER BY seq, rid", (to_rid, seq + 1, table, from_rid))
    return cur.rowcount


def _q(col: str) -> str:
    return f'"{col}"'


# --- dumps (tests and the as-of copy) --------------------------------------------------------------

def data_tables(db: sqlite_utils.Database) -> list[str]:
    return [r[0] for r in db.conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "AND name NOT LIKE 'search_fts%' ORDER BY name")]


def dump(db: sqlite_utils.Database, *, skip: tuple[str, ...] = ()) -> dict[str, list[tuple]]:
    """Every row of every table (search index included, as text), for exact comparisons."""
    out = {}
    for t in data_tables(db):
        if t in skip:
            continue
        out[t] = sorted(db.conn.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr)
    out["search_fts"] = sorted(db.conn.execute("SELECT rowid, text, entity_table, entity_rid FROM search_fts")
                               .fetchall(), key=repr)
    return out


def memory_copy(db: sqlite_utils.Database) -> sqlite_utils.Database:
    """A private in-memory copy of the whole database (SQLite's backup API), configured like the
    app's connections.  Changes to it never reach the file."""
    import sqlite3

    from dossier.storage.connection import database_file, is_encrypted

    if is_encrypted(db):  # SQLCipher backs up only into a keyed SQLCipher database (in memory here)
        from dossier.storage import crypto

        f = database_file(db)
        mem = crypto.raw_connect(":memory:", (crypto.cached_key(f) if f else None) or "in-memory copy")
    else:
        mem = sqlite3.connect(":memory:", isolation_level=None)
    db.conn.backup(mem)
    mem.execute("PRAGMA foreign_keys = ON")
    mem.execute("PRAGMA trusted_schema = OFF")
    return sqlite_utils.Database(mem)


def batch_rows(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Every batch, oldest first, with whether it has a change journal."""
    return _rows(db, "SELECT b.id, b.kind, b.started_at, b.finished_at, b.files, b.counts, b.note, b.undone_at, "
                     "EXISTS (SELECT 1 FROM change_log c WHERE c.batch_id = b.id) AS journalled "
                     "FROM import_batch b ORDER BY b.id")


def rid_of(db: sqlite_utils.Database, table: str, record_id: str) -> int | None:
    if table not in ("person", "organization", "event", "posting", "relation", "statement", "figure", "source",
                     "fx_rate"):
        raise KeyError(table)
    r = db.conn.execute(f"SELECT rid FROM {table} WHERE id = ?", (record_id,)).fetchone()
    return r[0] if r else None


def id_of(db: sqlite_utils.Database, table: str, rid: int) -> str | None:
    if table not in ("person", "organization", "event", "posting", "relation", "statement", "figure", "source",
                     "fx_rate"):
        raise KeyError(table)
    r = db.conn.execute(f"SELECT id FROM {table} WHERE rid = ?", (rid,)).fetchone()
    return r[0] if r else None


def entity_names(db: sqlite_utils.Database, table: str) -> dict[str, list[str]]:
    """id -> display name and other names of every person or organisation."""
    if table not in ENTITY_TABLES:
        raise KeyError(table)
    out: dict[str, list[str]] = {}
    for i, name in db.conn.execute(f"SELECT id, name FROM {table}"):
        out[i] = [name]
    for ent, name in db.conn.execute(f"SELECT a.entity, a.name FROM alias a JOIN {table} t ON t.id = a.entity"):
        out.setdefault(ent, []).append(name)
    return out
