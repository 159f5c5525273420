//! Issue 15, old addresses leading to an article or a channel (an old list page): the store's
//! `add_redirect` / `add_channel_redirect` / `redirect_for`, and the 404 fallback's 301 to the
//! path `redirect_for` gives. A path is held by one kind: the other cannot take it. A deleted
//! channel takes its old addresses with it. Runs on SQLite and PostgreSQL.

use newsdesk::domain::PageRequest;
use reqwest::StatusCode;
use reqwest::header::LOCATION;

use crate::support::TestApp;

#[tokio::test]
async fn old_addresses_lead_to_an_article_or_a_channel() {
    let app = TestApp::start().await;
    let store = app.open_store().await;
    let list = store
        .list_published(
            None,
            PageRequest {
                page: 1,
                per_page: 1,
            },
        )
        .await
        .unwrap();
    let article = &list.items[0];
    let to_article = format!("/articles/{}", article.slug);
    // A channel of its own, with no articles, so it can be deleted.
    let channel = store
        .upsert_channel("旧栏目", "old-list", 99)
        .await
        .unwrap();

    // Both kinds, answered over HTTP with a 301 to our path; the channel's page is there.
    assert!(
        store
            .add_redirect("http://old.gov.cn/a/news/20240208/123.html", article.id)
            .await
            .unwrap()
    );
    for address in ["http://old.gov.cn/a/old/", "/plus/list.php?tid=7"] {
        assert!(
            store
                .add_channel_redirect(address, channel.id)
                .await
                .unwrap(),
            "{address}"
        );
    }
    assert_eq!(
        store
            .redirect_for("/a/news/20240208/123.html")
            .await
            .unwrap(),
        Some(to_article.clone())
    );
    assert_eq!(
        store.redirect_for("/a/old/").await.unwrap().as_deref(),
        Some("/channels/old-list")
    );
    let r = app.get("/a/news/20240208/123.html").await;
    assert_eq!(r.status(), StatusCode::MOVED_PERMANENTLY);
    assert_eq!(r.headers()[LOCATION], to_article.as_str());
    let r = app.get("/plus/list.php?tid=7").await;
    assert_eq!(r.status(), StatusCode::MOVED_PERMANENTLY);
    assert_eq!(r.headers()[LOCATION], "/channels/old-list");
    // A channel the server already lists: the 301 leads to its page.
    let shown = &store.list_channels().await.unwrap()[0];
    assert!(
        store
            .add_channel_redirect("/a/shown/index.html", shown.id)
            .await
            .unwrap()
    );
    let r = app.get("/a/shown/index.html").await;
    assert_eq!(r.status(), StatusCode::MOVED_PERMANENTLY);
    let to = r.headers()[LOCATION].to_str().unwrap().to_string();
    assert_eq!(to, format!("/channels/{}", shown.slug));
    assert_eq!(app.get(&to).await.status(), StatusCode::OK);

    // A path held by one kind stays with it: the other kind's write is refused (false) and
    // changes nothing. The same kind takes it over (a later import wins).
    assert!(
        !store
            .add_channel_redirect("/a/news/20240208/123.html", channel.id)
            .await
            .unwrap()
    );
    assert!(!store.add_redirect("/a/old/", article.id).await.unwrap());
    assert_eq!(
        store
            .redirect_for("/a/news/20240208/123.html")
            .await
            .unwrap(),
        Some(to_article.clone())
    );
    assert_eq!(
        store.redirect_for("/a/old/").await.unwrap().as_deref(),
        Some("/channels/old-list")
    );
    assert!(
        store
            .add_redirect("/a/news/20240208/123.html", article.id)
            .await
            .unwrap()
    );
    // Not an old page's address, and no such channel.
    assert!(!store.add_channel_redirect("/", channel.id).await.unwrap());
    assert!(matches!(
        store
            .add_channel_redirect("/a/none/", channel.id + 1000)
            .await,
        Err(newsdesk::store::StoreError::NotFound)
    ));

    // The channel deleted, its old addresses answer 404 and are gone from the table, so the
    // path is free for an article.
    store.delete_channel(channel.id).await.unwrap();
    assert_eq!(store.redirect_for("/a/old/").await.unwrap(), None);
    let r = app.get("/plus/list.php?tid=7").await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert!(store.add_redirect("/a/old/", article.id).await.unwrap());
    assert_eq!(
        store.redirect_for("/a/old/").await.unwrap(),
        Some(to_article)
    );
    app.stop().await;
}
