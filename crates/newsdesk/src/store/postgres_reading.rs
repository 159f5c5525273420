//! PostgreSQL implementation of [`crate::store::ReadingStore`] (the shared body in
//! `store::reading`). A child module of `postgres`.

use super::pages::sql;
use super::{PgStore, other};
use crate::store::db_time;
use crate::store::reading::reading_store_impl;

reading_store_impl!(PgStore, crate::store::reading::Json::Postgres);
