//! Integration tests: the real server over HTTP, the real binary, real SQLite files.
#![expect(
    clippy::unwrap_used,
    reason = "test helpers fail loudly on unexpected errors"
)]

mod cli;
mod connections;
mod headers;
mod newsroom;
mod pages;
mod reach;
mod search;
mod support;
mod targets;
mod views;
mod wechat;
