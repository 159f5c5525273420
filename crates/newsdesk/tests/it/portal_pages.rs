//! The portal's pages over HTTP (issue 14): channel trees (two levels, breadcrumbs, sidebars,
//! the navigation tree), tag pages and their feeds, 专题 and single pages managed in the admin
//! (audited; refused forms keep what was typed), and the sitemap listing them.

use newsdesk::domain::{PageRequest, Role};
use newsdesk::store::{DeskStore, PagesStore, Store};
use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION};
use scraper::Html;

use crate::newsroom::{PASSWORD, add_user};
use crate::support::{TestApp, article_link, attr, cookie_value, texts};

/// A signed-in admin's browser.
struct Admin<'a> {
    app: &'a TestApp,
    cookie: String,
    csrf: String,
}

async fn sign_in(app: &TestApp) -> Admin<'_> {
    add_user(app, "chief", Role::Admin).await;
    let page = app.get("/admin/login").await;
    let login_csrf = cookie_value(&page, "newsdesk_login_csrf").unwrap();
    let doc = Html::parse_document(&page.text().await.unwrap());
    let csrf = attr(&doc, "input[name=_csrf]", "value").unwrap();
    let r = app
        .client
        .post(app.url("/admin/login"))
        .header(COOKIE, format!("newsdesk_login_csrf={login_csrf}"))
        .form(&[
            ("name", "chief"),
            ("password", PASSWORD),
            ("_csrf", &csrf),
            ("next", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let token = cookie_value(&r, "newsdesk_session").unwrap();
    let mut admin = Admin {
        app,
        cookie: format!("newsdesk_session={token}"),
        csrf: String::new(),
    };
    let (_, doc) = admin.page("/admin/articles").await;
    admin.csrf = attr(&doc, "meta[name=csrf-token]", "content").unwrap();
    admin
}

impl Admin<'_> {
    async fn page(&self, path: &str) -> (StatusCode, Html) {
        let r = self
            .app
            .client
            .get(self.app.url(path))
            .header(COOKIE, &self.cookie)
            .send()
            .await
            .unwrap();
        let status = r.status();
        (status, Html::parse_document(&r.text().await.unwrap()))
    }

    async fn post(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let mut form: Vec<(&str, &str)> = fields.to_vec();
        form.push(("_csrf", &self.csrf));
        self.app
            .client
            .post(self.app.url(path))
            .header(COOKIE, &self.cookie)
            .form(&form)
            .send()
            .await
            .unwrap()
    }

    async fn post_page(&self, path: &str, fields: &[(&str, &str)]) -> (StatusCode, Html) {
        let r = self.post(path, fields).await;
        let status = r.status();
        (status, Html::parse_document(&r.text().await.unwrap()))
    }

    /// The audit log's text.
    async fn audit(&self) -> String {
        let (status, doc) = self.page("/admin/audit").await;
        assert_eq!(status, StatusCode::OK);
        doc.root_element().text().collect()
    }
}

fn body_text(doc: &Html) -> String {
    doc.root_element().text().collect()
}

async fn channel_id(store: &dyn Store, slug: &str) -> i64 {
    store.channel_by_slug(slug).await.unwrap().id
}

async fn public_ids(store: &dyn Store, channel: &str) -> Vec<(i64, String)> {
    let id = channel_id(store, channel).await;
    store
        .list_published(
            Some(id),
            PageRequest {
                page: 1,
                per_page: 50,
            },
        )
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|a| (a.id, a.title))
        .collect()
}

#[tokio::test]
async fn channel_tree_has_two_levels_breadcrumbs_and_a_sidebar() {
    let app = TestApp::start().await;
    let admin = sign_in(&app).await;
    let store = app.open_store().await;
    let nev = channel_id(store.as_ref(), "nev").await;
    let solar = channel_id(store.as_ref(), "solar").await;
    let storage = channel_id(store.as_ref(), "storage").await;
    let solar_titles = public_ids(store.as_ref(), "solar").await;
    assert!(!solar_titles.is_empty(), "the demo has solar articles");

    // 光伏 becomes a sub-channel of 新能源汽车, with a description.
    let r = admin
        .post(
            &format!("/admin/channels/{solar}"),
            &[
                ("name", "光伏"),
                ("slug", "solar"),
                ("position", "1"),
                ("parent", &nev.to_string()),
                ("description", "光伏发电与组件"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    // The parent's page lists its child's articles too.
    let (status, doc) = app.page("/channels/nev").await;
    assert_eq!(status, StatusCode::OK);
    let titles = texts(&doc, ".primary .card-title a");
    assert!(
        titles.iter().any(|t| *t == solar_titles[0].1),
        "parent lists the child's articles: {titles:?}"
    );
    assert_eq!(texts(&doc, ".sub-channels a"), vec!["光伏"]);
    assert_eq!(texts(&doc, ".crumbs li"), vec!["首页", "新能源汽车"]);
    // The sidebar: 热门 in the channel.
    assert!(texts(&doc, ".sidebar h2").contains(&"热门".to_string()));

    // The child's page: breadcrumb through its parent, its description, the sub-navigation.
    let (status, doc) = app.page("/channels/solar").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        texts(&doc, ".crumbs li"),
        vec!["首页", "新能源汽车", "光伏"]
    );
    assert_eq!(
        attr(&doc, ".crumbs li:last-child span", "aria-current").as_deref(),
        Some("page")
    );
    assert_eq!(texts(&doc, ".page-intro"), vec!["光伏发电与组件"]);
    // An article of the child: its breadcrumb goes through the parent too.
    let slug = store.article_by_id(solar_titles[0].0).await.unwrap().slug;
    let (status, doc) = app.page(&format!("/articles/{slug}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        texts(&doc, ".crumbs li"),
        vec!["首页", "新能源汽车", "光伏", "正文"]
    );
    assert_eq!(
        attr(&doc, ".crumbs li:nth-child(3) a", "href").as_deref(),
        Some("/channels/solar")
    );
    assert_eq!(texts(&doc, ".nav-sub a"), vec!["光伏"]);
    // The navigation: top row without the child; the tree holds it under its parent.
    let top = texts(&doc, ".nav-top a");
    assert!(top.contains(&"新能源汽车".to_string()) && !top.contains(&"光伏".to_string()));
    assert_eq!(texts(&doc, ".nav-tree > li > ul a"), vec!["光伏"]);

    // Two levels at most: a child cannot be a parent, and a parent cannot become a child. The
    // refused form keeps what was typed.
    let (status, doc) = admin
        .post_page(
            &format!("/admin/channels/{storage}"),
            &[
                ("name", "储能（改）"),
                ("slug", "storage"),
                ("position", "2"),
                ("parent", &solar.to_string()),
                ("description", "新简介"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let text = body_text(&doc);
    assert!(text.contains("最多两级"), "{text}");
    let form = format!("#channel-{storage}");
    assert_eq!(
        attr(&doc, &format!("{form} input[name=name]"), "value").as_deref(),
        Some("储能（改）")
    );
    assert_eq!(
        attr(&doc, &format!("{form} input[name=description]"), "value").as_deref(),
        Some("新简介")
    );
    let (status, doc) = admin
        .post_page(
            &format!("/admin/channels/{nev}"),
            &[
                ("name", "新能源汽车"),
                ("slug", "nev"),
                ("position", "0"),
                ("parent", &storage.to_string()),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body_text(&doc).contains("已有子栏目"));
    // Nothing changed.
    let storage_row = store.channel_by_slug("storage").await.unwrap();
    assert_eq!(storage_row.parent_id, None);
    assert_eq!(storage_row.name, "储能");
    assert_eq!(store.channel_by_slug("nev").await.unwrap().parent_id, None);

    // A parent with children cannot be deleted.
    let (status, doc) = admin
        .post_page(&format!("/admin/channels/{nev}/delete"), &[])
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(body_text(&doc).contains("子栏目"));

    assert!(admin.audit().await.contains("上级栏目"));
}

#[tokio::test]
async fn tag_pages_list_the_tagged_articles_with_feeds_and_sitemap_entries() {
    let app = TestApp::start().await;
    let store = app.open_store().await;
    let articles = public_ids(store.as_ref(), "storage").await;
    let ids: Vec<i64> = articles.iter().take(2).map(|(id, _)| *id).collect();
    store.tag_articles(&ids, "储能 示范").await.unwrap();

    let path = "/tags/%E5%82%A8%E8%83%BD%20%E7%A4%BA%E8%8C%83";
    let (status, doc) = app.page(path).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(texts(&doc, "h1"), vec!["标签：储能 示范"]);
    let titles = texts(&doc, ".primary .card-title a");
    assert_eq!(titles.len(), 2);
    for (_, title) in articles.iter().take(2) {
        assert!(titles.contains(title));
    }
    assert_eq!(
        attr(
            &doc,
            "link[type='application/rss+xml'][href^='/tags/']",
            "href"
        ),
        Some(format!("{path}/feed.xml"))
    );

    let feed = app.get(&format!("{path}/feed.xml")).await;
    assert_eq!(feed.status(), StatusCode::OK);
    let xml = feed.text().await.unwrap();
    assert!(
        xml.contains("<rss") && xml.contains(&articles[0].1),
        "{xml}"
    );
    let atom = app.get(&format!("{path}/atom.xml")).await;
    assert_eq!(atom.status(), StatusCode::OK);

    // Unknown tags have no page; the sitemap names the tag's page.
    assert_eq!(app.get("/tags/nope").await.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        app.get("/tags/nope/feed.xml").await.status(),
        StatusCode::NOT_FOUND
    );
    let sitemap = app.get("/sitemap.xml").await.text().await.unwrap();
    assert!(sitemap.contains(path), "{sitemap}");
}

#[tokio::test]
async fn a_tag_gets_its_own_address_in_the_admin() {
    let app = TestApp::start().await;
    let admin = sign_in(&app).await;
    let store = app.open_store().await;
    let articles = public_ids(store.as_ref(), "storage").await;
    let ids: Vec<i64> = articles.iter().take(2).map(|(id, _)| *id).collect();
    store.tag_articles(&ids, "储能示范").await.unwrap();
    store.tag_articles(&ids[..1], "示范项目").await.unwrap();
    let tags = store.list_tags().await.unwrap();
    let tag = |name: &str| tags.iter().find(|t| t.name == name).unwrap().id;
    let (demo, other) = (tag("储能示范"), tag("示范项目"));

    // The admin's tag list offers the field, empty at first.
    let (_, doc) = admin.page("/admin/channels").await;
    let field = format!("#tag-{demo} input[name=slug]");
    assert_eq!(attr(&doc, &field, "value").as_deref(), Some(""));

    let r = admin
        .post(
            &format!("/admin/tags/{demo}"),
            &[("name", "储能示范"), ("slug", "chuneng-shifan")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // The tag page answers at its own address; the name still reaches it.
    let (status, doc) = app.page("/tags/chuneng-shifan").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(texts(&doc, "h1"), vec!["标签：储能示范"]);
    // The name still reaches it (older links), and names the address canonical;
    // the sitemap lists the address.
    let (status, doc) = app.page("/tags/%E5%82%A8%E8%83%BD%E7%A4%BA%E8%8C%83").await;
    assert_eq!(status, StatusCode::OK);
    let canonical = attr(&doc, "link[rel=canonical]", "href").unwrap();
    assert!(canonical.ends_with("/tags/chuneng-shifan"), "{canonical}");
    let sitemap = app.get("/sitemap.xml").await.text().await.unwrap();
    assert!(sitemap.contains("/tags/chuneng-shifan"), "{sitemap}");
    // Its articles link it by its address; a tag without one by its name.
    let (_, tag_page) = app.page("/tags/chuneng-shifan").await;
    let article = article_link(&tag_page, &articles[0].1).expect("the tagged article is listed");
    let (status, doc) = app.page(&article).await;
    assert_eq!(status, StatusCode::OK);
    let tag_links: Vec<(String, String)> = doc
        .select(&scraper::Selector::parse("a.tag").unwrap())
        .map(|a| {
            let href = a.value().attr("href").unwrap_or_default().to_string();
            (a.text().collect(), href)
        })
        .collect();
    assert!(
        tag_links.contains(&("储能示范".to_string(), "/tags/chuneng-shifan".to_string())),
        "{tag_links:?}"
    );
    assert!(
        tag_links.contains(&(
            "示范项目".to_string(),
            "/tags/%E7%A4%BA%E8%8C%83%E9%A1%B9%E7%9B%AE".to_string()
        )),
        "{tag_links:?}"
    );

    // A bad address, and one another tag has, are refused beside the field with the input kept.
    let (status, doc) = admin
        .post_page(
            &format!("/admin/tags/{other}"),
            &[("name", "示范项目"), ("slug", "示范")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body_text(&doc).contains("只能使用小写英文字母"));
    let field = format!("#tag-{other} input[name=slug]");
    assert_eq!(attr(&doc, &field, "value").as_deref(), Some("示范"));
    // A rename with a taken address changes nothing: name and address are one write.
    let (status, doc) = admin
        .post_page(
            &format!("/admin/tags/{other}"),
            &[("name", "示范项目二期"), ("slug", "chuneng-shifan")],
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(body_text(&doc).contains("已被另一个标签使用"));
    assert_eq!(store.tag_by_segment("示范项目").await.unwrap().slug, None);
    assert!(store.tag_by_segment("示范项目二期").await.is_err());

    // Cleared: the name is the address again.
    let r = admin
        .post(
            &format!("/admin/tags/{demo}"),
            &[("name", "储能示范"), ("slug", "")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.get("/tags/chuneng-shifan").await.status(),
        StatusCode::NOT_FOUND
    );
    assert!(admin.audit().await.contains("别名：chuneng-shifan"));

    // Merged by a rename onto its name, a tag's address lives on in the survivor (which had
    // none): old links to it still lead to its articles.
    let r = admin
        .post(
            &format!("/admin/tags/{other}"),
            &[("name", "示范项目"), ("slug", "shifan-xiangmu")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = admin
        .post(
            &format!("/admin/tags/{other}"),
            &[("name", "储能示范"), ("slug", "shifan-xiangmu")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (status, doc) = app.page("/tags/shifan-xiangmu").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(texts(&doc, "h1"), vec!["标签：储能示范"]);
    assert_eq!(store.tag_by_segment("储能示范").await.unwrap().id, demo);
}

#[tokio::test]
async fn topics_are_curated_in_the_admin_in_order_and_audited() {
    let app = TestApp::start().await;
    let admin = sign_in(&app).await;
    let store = app.open_store().await;
    let solar = public_ids(store.as_ref(), "solar").await;
    let nev = public_ids(store.as_ref(), "nev").await;
    let (first, second) = (&solar[0], &nev[0]);
    let second_slug = store.article_by_id(second.0).await.unwrap().slug;

    // Bad input comes back with what was typed and the field named.
    let lines = format!("{}\n/articles/{second_slug}\nno-such-article", first.0);
    let (status, doc) = admin
        .post_page(
            "/admin/topics",
            &[
                ("title", "氢能专题"),
                ("slug", "Hydrogen!"),
                ("intro", "导语第一段"),
                ("articles", &lines),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body_text(&doc).contains("网址别名"));
    assert_eq!(
        attr(&doc, "input[name=title]", "value").as_deref(),
        Some("氢能专题")
    );
    assert_eq!(texts(&doc, "textarea[name=articles]"), vec![lines.clone()]);
    let (status, doc) = admin
        .post_page(
            "/admin/topics",
            &[
                ("title", "氢能专题"),
                ("slug", "hydrogen"),
                ("articles", &lines),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body_text(&doc).contains("第 3 行"), "{}", body_text(&doc));

    // Created: the page lists the articles in the editor's order.
    let lines = format!("/articles/{second_slug}\n{}", first.0);
    let r = admin
        .post(
            "/admin/topics",
            &[
                ("title", "氢能专题"),
                ("slug", "hydrogen"),
                ("intro", "导语第一段\n\n第二段"),
                ("articles", &lines),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let edit = r.headers()[LOCATION].to_str().unwrap().to_string();
    let id: i64 = edit
        .trim_start_matches("/admin/topics/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let (status, doc) = app.page("/topics/hydrogen").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(texts(&doc, "h1"), vec!["氢能专题"]);
    assert_eq!(texts(&doc, ".page-intro"), vec!["导语第一段", "第二段"]);
    assert_eq!(
        texts(&doc, ".primary .card-title a"),
        vec![second.1.clone(), first.1.clone()]
    );
    assert_eq!(texts(&doc, ".crumbs li"), vec!["首页", "专题", "氢能专题"]);
    let (_, index) = app.page("/topics").await;
    // The demo's own 专题 follows (position 0, older).
    assert_eq!(
        texts(&index, ".topic-card .card-title a"),
        vec!["氢能专题", "新能源汽车产业观察"]
    );
    // Channel pages show the topic in their sidebar.
    let (_, channel) = app.page("/channels/nev").await;
    assert!(texts(&channel, ".sidebar a").contains(&"氢能专题".to_string()));

    // Reordered.
    let lines = format!("{}\n{}", first.0, second.0);
    let r = admin
        .post(
            &format!("/admin/topics/{id}"),
            &[
                ("title", "氢能专题"),
                ("slug", "hydrogen"),
                ("articles", &lines),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, doc) = app.page("/topics/hydrogen").await;
    assert_eq!(
        texts(&doc, ".primary .card-title a"),
        vec![first.1.clone(), second.1.clone()]
    );
    let sitemap = app.get("/sitemap.xml").await.text().await.unwrap();
    assert!(sitemap.contains("/topics/hydrogen"));

    // A second topic may not take the slug.
    let (status, doc) = admin
        .post_page(
            "/admin/topics",
            &[("title", "另一个"), ("slug", "hydrogen")],
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(body_text(&doc).contains("已被另一个专题使用"));

    let r = admin.post(&format!("/admin/topics/{id}/delete"), &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.get("/topics/hydrogen").await.status(),
        StatusCode::NOT_FOUND
    );
    let audit = admin.audit().await;
    for action in ["创建专题", "修改专题", "删除专题"] {
        assert!(audit.contains(action), "{action} in the audit log");
    }
}

#[tokio::test]
async fn single_pages_are_edited_in_the_admin_sanitized_and_placed_in_footer_and_nav() {
    let app = TestApp::start().await;
    let admin = sign_in(&app).await;

    // Bad slug: refused, the typed body kept.
    let body = "<p>我们是一家能源资讯网站。</p><script>alert(1)</script><p onclick=\"x()\">联系：<a href=\"mailto:a@b.cn\">邮箱</a></p>";
    let (status, doc) = admin
        .post_page(
            "/admin/pages",
            &[
                ("title", "关于我们"),
                ("slug", "关于"),
                ("format", "html"),
                ("body", body),
                ("show_in_footer", "1"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body_text(&doc).contains("网址别名"));
    assert_eq!(texts(&doc, "textarea[name=body]"), vec![body.to_string()]);
    assert_eq!(
        attr(&doc, "input[name=show_in_footer]", "checked").as_deref(),
        Some("")
    );

    let r = admin
        .post(
            "/admin/pages",
            &[
                ("title", "关于我们"),
                ("slug", "about-us"),
                ("format", "html"),
                ("body", body),
                ("show_in_footer", "1"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = admin
        .post(
            "/admin/pages",
            &[
                ("title", "联系我们"),
                ("slug", "contact-us"),
                ("format", "markdown"),
                ("body", "电话：**010-1234**"),
                ("show_in_nav", "1"),
                ("show_in_footer", "1"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    let (status, doc) = app.page("/pages/about-us").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(texts(&doc, "h1"), vec!["关于我们"]);
    let html = doc.html();
    assert!(!html.contains("alert(1)") && !html.contains("onclick"));
    assert_eq!(texts(&doc, ".article-body a"), vec!["邮箱"]);
    let (_, doc) = app.page("/pages/contact-us").await;
    assert_eq!(texts(&doc, ".article-body strong"), vec!["010-1234"]);

    // Placement: both in the footer, only 联系我们 in the navigation, on every page.
    let (_, home) = app.page("/").await;
    let footer = texts(&home, ".footer-links a");
    assert!(footer.contains(&"关于我们".to_string()) && footer.contains(&"联系我们".to_string()));
    assert_eq!(
        attr(&home, ".nav-top a[href='/pages/contact-us']", "href").as_deref(),
        Some("/pages/contact-us")
    );
    assert!(attr(&home, ".nav-top a[href='/pages/about-us']", "href").is_none());

    // A taken slug: 409, the typed text kept.
    let (status, doc) = admin
        .post_page(
            "/admin/pages",
            &[
                ("title", "免责声明"),
                ("slug", "about-us"),
                ("format", "markdown"),
                ("body", "本站内容仅供参考。"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(
        texts(&doc, "textarea[name=body]"),
        vec!["本站内容仅供参考。"]
    );

    let sitemap = app.get("/sitemap.xml").await.text().await.unwrap();
    assert!(sitemap.contains("/pages/about-us") && sitemap.contains("/pages/contact-us"));

    // Deleted: gone from the page and the footer.
    let store = app.open_store().await;
    let id = store.page_by_slug("about-us").await.unwrap().id;
    let r = admin.post(&format!("/admin/pages/{id}/delete"), &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.get("/pages/about-us").await.status(),
        StatusCode::NOT_FOUND
    );
    let (_, home) = app.page("/").await;
    assert!(attr(&home, ".footer-links a[href='/pages/about-us']", "href").is_none());
    let audit = admin.audit().await;
    for action in ["创建单页", "删除单页"] {
        assert!(audit.contains(action), "{action} in the audit log");
    }
}

#[tokio::test]
async fn a_single_page_written_by_another_process_reaches_cached_pages() {
    let app = TestApp::start().await;
    let (_, home) = app.page("/channels/nev").await;
    let article =
        crate::support::article_link(&home, "合肥丨携手打造新能源与智能网联汽车世界级产业集群")
            .expect("seed article listed");
    // Cached now.
    let (status, _) = app.page(&article).await;
    assert_eq!(status, StatusCode::OK);

    // Another writer (a second handle on the database, as another node would be): only the
    // content-version trigger tells the server.
    let store = app.open_store().await;
    store
        .save_page(
            None,
            &newsdesk::domain::SitePageInput {
                slug: "terms".into(),
                title: "使用条款".into(),
                body_format: newsdesk::domain::BodyFormat::Markdown,
                body_source: "仅供参考。".into(),
                body_html: "<p>仅供参考。</p>".into(),
                show_in_footer: true,
                show_in_nav: false,
                position: 0,
            },
        )
        .await
        .unwrap();
    // The server polls the version every second; a generous bound only guards against a hang.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let (_, doc) = app.page(&article).await;
        if texts(&doc, ".footer-links a").contains(&"使用条款".to_string()) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the cached article page never showed the new footer link"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let (status, _) = app.page("/pages/terms").await;
    assert_eq!(status, StatusCode::OK);
}

/// migrate-store carries the portal's tables: a channel under a parent with a higher id (the
/// parent is copied after it), a topic with its ordered articles, a single page, a tag slug.
#[tokio::test]
async fn migrate_store_copies_channel_trees_topics_and_pages() {
    use sqlx::Connection;
    let admin = crate::support::postgres_cluster_url();
    if sqlx::PgConnection::connect(&admin).await.is_err() {
        assert_ne!(
            std::env::var("NEWSDESK_REQUIRE_POSTGRES").as_deref(),
            Ok("1"),
            "the PostgreSQL test cluster is unreachable"
        );
        eprintln!("skipped: the PostgreSQL test cluster ({admin}) is unreachable");
        return;
    }
    let app = TestApp::builder()
        .config(|c| c.database_url = None)
        .start()
        .await;
    let store = newsdesk::store::SqliteStore::open(app.data_path())
        .await
        .unwrap();
    let nev = store.channel_by_slug("nev").await.unwrap();
    let policy = store.channel_by_slug("policy").await.unwrap();
    assert!(policy.id > nev.id);
    store
        .set_channel_tree(nev.id, Some(policy.id), "新能源汽车产业")
        .await
        .unwrap();
    let ids: Vec<i64> = public_ids(&store, "solar")
        .await
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    let topic = store
        .save_topic(
            None,
            &newsdesk::domain::TopicInput {
                slug: "solar".into(),
                title: "光伏专题".into(),
                intro: "导语".into(),
                cover_image: Some("/uploads/x.png".into()),
                position: 3,
                articles: ids.iter().rev().copied().collect(),
            },
        )
        .await
        .unwrap();
    store
        .save_page(
            None,
            &newsdesk::domain::SitePageInput {
                slug: "about-us".into(),
                title: "关于我们".into(),
                body_format: newsdesk::domain::BodyFormat::Html,
                body_source: "<p>简介</p>".into(),
                body_html: "<p>简介</p>".into(),
                show_in_footer: true,
                show_in_nav: false,
                position: 1,
            },
        )
        .await
        .unwrap();
    store.tag_articles(&ids[..1], "光伏").await.unwrap();
    sqlx::query("UPDATE tags SET slug = 'pv' WHERE name = '光伏'")
        .execute(store.pool())
        .await
        .unwrap();
    store.close().await;
    let data = app.stop().await;

    let url = crate::support::create_postgres_database(&admin).await;
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_newsdesk"))
        .args(["migrate-store", "--to", &url, "--data"])
        .arg(data.path())
        .env_remove("NEWSDESK_MIGRATE_TO")
        .env_remove("NEWSDESK_DATABASE_URL")
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );

    let pg = newsdesk::store::PgStore::open(&url).await.unwrap();
    let moved = pg.channel_by_slug("nev").await.unwrap();
    assert_eq!(moved.parent_id, Some(policy.id));
    assert_eq!(moved.description, "新能源汽车产业");
    let t = pg.topic_by_slug("solar").await.unwrap();
    assert_eq!(
        (t.id, t.title.as_str(), t.position),
        (topic.id, "光伏专题", 3)
    );
    assert_eq!(t.cover_image.as_deref(), Some("/uploads/x.png"));
    let order: Vec<i64> = pg
        .topic_articles(t.id, false)
        .await
        .unwrap()
        .iter()
        .map(|a| a.id)
        .collect();
    assert_eq!(order, ids.iter().rev().copied().collect::<Vec<_>>());
    let page = pg.page_by_slug("about-us").await.unwrap();
    assert!(page.show_in_footer && !page.show_in_nav);
    assert_eq!(page.body_html, "<p>简介</p>");
    assert_eq!(pg.tag_by_segment("pv").await.unwrap().name, "光伏");
    // New rows get fresh ids past the copied ones.
    let second = pg
        .save_topic(
            None,
            &newsdesk::domain::TopicInput {
                slug: "next".into(),
                title: "下一个".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(second.id > t.id);
    pg.close().await;
    let mut conn = sqlx::PgConnection::connect(&admin).await.unwrap();
    let (_, name) = url.rsplit_once('/').unwrap();
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&mut conn)
        .await
        .unwrap();
}
