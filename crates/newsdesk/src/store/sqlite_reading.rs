//! SQLite implementation of [`crate::store::ReadingStore`] (the shared body in `store::reading`).
//! A child module of `sqlite`.

use super::pages::sql;
use super::{SqliteStore, db_time, other};
use crate::store::reading::reading_store_impl;

reading_store_impl!(SqliteStore, crate::store::reading::Json::Sqlite);
