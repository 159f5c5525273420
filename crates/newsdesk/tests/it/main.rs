//! Integration tests: the real server over HTTP, the real binary, real SQLite files.
#![expect(
    clippy::unwrap_used,
    reason = "test helpers fail loudly on unexpected errors"
)]

mod abuse_bodies;
mod api_errors;
mod audit;
mod backup;
mod batch_writes;
mod cli;
mod connections;
mod deploy;
mod desk;
mod editor;
mod headers;
mod home;
mod import_abuse;
mod import_crawl;
mod import_dedecms;
mod import_reading;
mod import_sites;
mod import_store;
mod import_wordpress;
mod index_sync;
mod login_abuse;
mod media;
mod migrate_store;
mod multi;
mod newsroom;
mod nodes;
mod object_store;
mod page_cache;
mod page_stamps;
mod pages;
mod portal_pages;
mod proxies;
mod reach;
mod reading;
mod redirects;
mod review;
mod search;
mod site_push;
mod store_changes;
mod support;
mod targets;
mod targets_compare;
mod targets_corrections;
mod targets_exports;
mod targets_reading;
mod views;
mod wechat;
