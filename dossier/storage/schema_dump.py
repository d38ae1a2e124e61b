"""Print the schema the migrations produce:  python -m dossier.storage.schema_dump > db/schema.sql"""

import sqlite3

import sqlite_utils

from dossier.storage.migrations import dump_schema, migrate

if __name__ == "__main__":
    db = sqlite_utils.Database(sqlite3.connect(":memory:", isolation_level=None))
    migrate(db)
    print(dump_schema(db), end="")
