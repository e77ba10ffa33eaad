//! The SQLite database: the only module that names rusqlite.
