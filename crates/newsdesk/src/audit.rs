//! Who is asking, for the audit log: the client address of the request being handled, kept in a
//! task-local for the request's duration (set by `web::middleware::audit_scope`), so every audit
//! line written while handling it — through [`crate::store::NewsroomStore::add_audit`] from any
//! handler or from `newsroom` — carries the address without each call passing it along.
//! Outside a request (the scheduler, the CLI) there is none.

use std::future::Future;

tokio::task_local! {
    static CLIENT: String;
}

/// Runs `f` with `client` as the current request's address.
pub async fn scope<F: Future>(client: String, f: F) -> F::Output {
    CLIENT.scope(client, f).await
}

/// The current request's client address, if inside a request.
pub fn client() -> Option<String> {
    CLIENT.try_with(Clone::clone).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_address_is_seen_inside_the_scope_only() {
        assert_eq!(client(), None);
        let seen = scope("203.0.113.9".into(), async { client() }).await;
        assert_eq!(seen.as_deref(), Some("203.0.113.9"));
        assert_eq!(client(), None);
    }
}
