//! Editors in control of the policy intelligence, over HTTP: targets hidden, corrected and added
//! through the admin's forms; the corrections surviving an edit that moves the clause and a
//! re-extraction of every article (`newsdesk reextract`); the 量化目标 panel following the
//! document type and the panel setting; validation errors shown beside the field with the input
//! kept.

use newsdesk::domain::{Role, TargetFilter};
use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION};
use scraper::{Html, Selector};

use crate::newsroom::{PASSWORD, add_user};
use crate::support::{TestApp, attr, cookie_value, newsdesk_command, texts};

/// A body with three targets the extractor reads, and a sentence with none.
const BODY: &str = "到2025年，力争氢燃料电池汽车产量突破3000辆。\n\n\
                    新增百亿企业5家左右。\n\n\
                    地区生产总值增长6%左右。\n\n\
                    建成一批示范站点。";

/// A signed-in browser.
struct Editor<'a> {
    app: &'a TestApp,
    cookie: String,
    csrf: String,
}

impl<'a> Editor<'a> {
    async fn sign_in(app: &'a TestApp, name: &str) -> Self {
        add_user(app, name, Role::Editor).await;
        let page = app.get("/admin/login").await;
        let login_csrf = cookie_value(&page, "newsdesk_login_csrf").unwrap();
        let doc = Html::parse_document(&page.text().await.unwrap());
        let csrf = attr(&doc, "input[name=_csrf]", "value").unwrap();
        let r = app
            .client
            .post(app.url("/admin/login"))
            .header(COOKIE, format!("newsdesk_login_csrf={login_csrf}"))
            .form(&[
                ("name", name),
                ("password", PASSWORD),
                ("_csrf", &csrf),
                ("next", ""),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let token = cookie_value(&r, "newsdesk_session").unwrap();
        let mut editor = Self {
            app,
            cookie: format!("newsdesk_session={token}"),
            csrf: String::new(),
        };
        let (_, doc) = editor.page("/admin/articles").await;
        editor.csrf = attr(&doc, "meta[name=csrf-token]", "content").unwrap();
        editor
    }

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

    /// Posts `fields` and expects the redirect of a saved change.
    async fn change(&self, path: &str, fields: &[(&str, &str)]) {
        let r = self.post(path, fields).await;
        let status = r.status();
        assert_eq!(status, StatusCode::SEE_OTHER, "{}", r.text().await.unwrap());
    }

    /// Creates and publishes an article; returns its id and public path.
    async fn publish(&self, title: &str, body: &str) -> (i64, String) {
        let r = self
            .post(
                "/admin/articles",
                &[
                    ("title", title),
                    ("channel", "nev"),
                    ("body", body),
                    ("action", "publish"),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let location = r.headers()[LOCATION].to_str().unwrap().to_string();
        let id: i64 = location
            .trim_start_matches("/admin/articles/")
            .split('?')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        let (_, doc) = self.page(&format!("/admin/articles/{id}")).await;
        let slug = attr(&doc, "input[name=slug]", "value").unwrap();
        (id, format!("/articles/{slug}"))
    }

    /// Edits a published article's body and makes the edit live (更新发布).
    async fn edit_body(&self, id: i64, title: &str, body: &str) {
        let (_, doc) = self.page(&format!("/admin/articles/{id}")).await;
        let version = attr(&doc, "input[name=version]", "value").unwrap();
        self.change(
            &format!("/admin/articles/{id}"),
            &[
                ("title", title),
                ("channel", "nev"),
                ("body", body),
                ("version", &version),
                // 更新发布: a saved edit of a published article would wait as a pending revision.
                ("action", "publish"),
            ],
        )
        .await;
    }

    /// The hidden match fields (clause, value, unit) of the target row whose indicator contains
    /// `indicator` on the article's corrections page.
    async fn row_match(&self, id: i64, indicator: &str) -> [String; 3] {
        let (status, doc) = self.page(&format!("/admin/articles/{id}/targets")).await;
        assert_eq!(status, StatusCode::OK);
        let rows = Selector::parse(".target-row").unwrap();
        let row = doc
            .select(&rows)
            .find(|r| {
                texts_in(r, ".target-indicator")
                    .first()
                    .is_some_and(|t| t.contains(indicator))
            })
            .unwrap_or_else(|| panic!("no row for {indicator}: {:?}", texts(&doc, ".target-row")));
        let field = |name: &str| {
            let sel = Selector::parse(&format!("form input[name={name}]")).unwrap();
            row.select(&sel)
                .next()
                .and_then(|e| e.value().attr("value"))
                .unwrap()
                .to_string()
        };
        [field("m_text"), field("m_value"), field("m_unit")]
    }
}

fn texts_in(e: &scraper::ElementRef<'_>, selector: &str) -> Vec<String> {
    let sel = Selector::parse(selector).unwrap();
    e.select(&sel)
        .map(|e| e.text().collect::<String>().trim().to_string())
        .collect()
}

/// The indicators of the article's public 量化目标 panel.
async fn panel(app: &TestApp, path: &str) -> Vec<String> {
    let (status, doc) = app.page(path).await;
    assert_eq!(status, StatusCode::OK);
    // The cell may end in a link to the indicator's comparison page (对比).
    texts(&doc, ".targets-panel tbody td.indicator-cell")
        .into_iter()
        .map(|t| t.trim_end_matches("对比").trim().to_string())
        .collect()
}

/// The article's public target rows as the store lists them: indicator and value.
async fn stored(app: &TestApp, id: i64) -> Vec<(String, f64)> {
    let store = crate::support::open_store_at(app.data_path()).await;
    store
        .list_targets(&TargetFilter {
            article_id: Some(id),
            each_occurrence: true,
            ..TargetFilter::default()
        })
        .await
        .unwrap()
        .into_iter()
        .map(|t| (t.indicator, t.value))
        .collect()
}

#[tokio::test]
async fn hidden_corrected_and_added_targets_survive_edits_and_reextraction() {
    let app = TestApp::start().await;
    let editor = Editor::sign_in(&app, "corrector").await;
    let title = "某市2025年国民经济和社会发展计划";
    let (id, path) = editor.publish(title, BODY).await;
    // Shown whatever type the text is read as: this test is about the targets.
    editor
        .change(
            &format!("/admin/articles/{id}/targets/document"),
            &[("kind", ""), ("panel", "on")],
        )
        .await;
    let before = panel(&app, &path).await;
    assert!(
        before.iter().any(|i| i.contains("氢燃料电池汽车产量")),
        "{before:?}"
    );
    assert!(before.iter().any(|i| i.contains("百亿企业")), "{before:?}");

    // 隐藏 the first, 更正 the second, 添加 one the extractor missed.
    let [m_text, m_value, m_unit] = editor.row_match(id, "氢燃料电池汽车产量").await;
    editor
        .change(
            &format!("/admin/articles/{id}/targets/hide"),
            &[
                ("m_text", &m_text),
                ("m_value", &m_value),
                ("m_unit", &m_unit),
            ],
        )
        .await;
    let [c_text, c_value, c_unit] = editor.row_match(id, "百亿企业").await;
    editor
        .change(
            &format!("/admin/articles/{id}/targets/correct"),
            &[
                ("m_text", &c_text),
                ("m_value", &c_value),
                ("m_unit", &c_unit),
                ("text", &c_text),
                ("indicator", "百亿级龙头企业"),
                ("value", "6"),
                ("value_max", ""),
                ("unit", "家"),
                ("comparator", "approx"),
                ("kind", "increment"),
                ("year", "2025"),
            ],
        )
        .await;
    editor
        .change(
            &format!("/admin/articles/{id}/targets/add"),
            &[
                ("text", "建成一批示范站点"),
                ("indicator", "示范站点"),
                ("value", "30"),
                ("value_max", ""),
                ("unit", "个"),
                ("comparator", "ge"),
                ("kind", "level"),
                ("year", ""),
            ],
        )
        .await;

    let check = |rows: Vec<(String, f64)>, when: &str| {
        let names: Vec<&str> = rows.iter().map(|(i, _)| i.as_str()).collect();
        assert!(
            !names.iter().any(|i| i.contains("氢燃料电池汽车产量")),
            "{when}: hidden shows: {names:?}"
        );
        assert!(
            rows.contains(&("百亿级龙头企业".to_string(), 6.0)),
            "{when}: {rows:?}"
        );
        assert!(!names.contains(&"百亿企业"), "{when}: {names:?}");
        assert!(
            rows.contains(&("示范站点".to_string(), 30.0)),
            "{when}: {rows:?}"
        );
    };
    check(stored(&app, id).await, "after the corrections");
    // The page shows them at once (its cached copy went out with the change).
    let shown = panel(&app, &path).await;
    assert!(
        !shown.iter().any(|i| i.contains("氢燃料电池汽车产量")),
        "{shown:?}"
    );
    assert!(shown.contains(&"百亿级龙头企业".to_string()), "{shown:?}");
    assert!(shown.contains(&"示范站点".to_string()), "{shown:?}");
    let (_, all) = app.page("/targets").await;
    let listed = texts(&all, ".targets-table tbody td:first-child");
    assert!(
        !listed.iter().any(|i| i.contains("氢燃料电池汽车产量")),
        "{listed:?}"
    );
    assert!(
        listed.iter().any(|i| i.starts_with("百亿级龙头企业")),
        "{listed:?}"
    );
    let csv = app.get("/targets.csv").await.text().await.unwrap();
    assert!(csv.contains("百亿级龙头企业"));
    assert!(
        !csv.contains("氢燃料电池汽车产量"),
        "hidden target exported"
    );

    // The body is edited: new text before the clauses moves every offset.
    let moved = format!("前言：本计划由市发展改革委编制。\n\n{BODY}");
    editor.edit_body(id, title, &moved).await;
    check(
        stored(&app, id).await,
        "after an edit that moves the clauses",
    );

    // Every article re-extracted from its text, beside the running server.
    let out = newsdesk_command(app.data_path())
        .args(["reextract", "--data"])
        .arg(app.data_path())
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    check(stored(&app, id).await, "after re-extraction");

    // The admin shows the corrections' marks; the audit log has a line for each.
    let (_, page) = editor.page(&format!("/admin/articles/{id}/targets")).await;
    assert!(texts(&page, ".status-hidden").len() == 1);
    assert!(texts(&page, ".status-corrected").len() == 1);
    assert!(texts(&page, ".status-added").len() == 1);
    let (_, edit) = editor.page(&format!("/admin/articles/{id}")).await;
    let history = texts(&edit, ".history li").join("\n");
    assert!(history.matches("更正量化目标").count() >= 4, "{history}");

    // A clause taken out of the text: its correction stays, listed as 原文已无此句.
    let without = moved.replace("到2025年，力争氢燃料电池汽车产量突破3000辆。", "");
    editor.edit_body(id, title, &without).await;
    let (_, page) = editor.page(&format!("/admin/articles/{id}/targets")).await;
    let gone = texts(&page, ".unmatched-rows li").join("\n");
    assert!(
        gone.contains("原文已无此句") && gone.contains("氢燃料电池汽车产量"),
        "{gone}"
    );
    // Put back, it applies again.
    editor.edit_body(id, title, &moved).await;
    check(stored(&app, id).await, "after the clause came back");

    // 恢复: the hidden target shows again.
    let (_, page) = editor.page(&format!("/admin/articles/{id}/targets")).await;
    let restore = Selector::parse(".target-row.is-hidden form").unwrap();
    let action = page
        .select(&restore)
        .next()
        .and_then(|f| f.value().attr("action"))
        .unwrap()
        .to_string();
    editor.change(&action, &[]).await;
    let rows = stored(&app, id).await;
    assert!(
        rows.iter().any(|(i, _)| i.contains("氢燃料电池汽车产量")),
        "{rows:?}"
    );
}

#[tokio::test]
async fn a_news_article_shows_no_panel_until_turned_on() {
    let app = TestApp::start().await;
    let editor = Editor::sign_in(&app, "panel-editor").await;
    let (id, path) = editor.publish("记者走访新能源汽车工厂", BODY).await;
    // Read as news (the page says what type it is taken for): no panel, with no correction.
    let (_, page) = editor.page(&format!("/admin/articles/{id}/targets")).await;
    assert!(
        texts(&page, "#doc-title + p.meta")
            .join("")
            .contains("现在按“新闻”处理"),
        "a reporter's visit is read as news"
    );
    assert!(
        panel(&app, &path).await.is_empty(),
        "news read as such shows no panel"
    );
    // News that reports on a policy document quotes its targets: the panel shows.
    let (_, covering) = editor
        .publish(
            "某市新能源汽车产业发展行动方案出台",
            &format!("近日，某市人民政府印发《某市新能源汽车产业发展行动方案》。\n\n{BODY}"),
        )
        .await;
    assert!(
        !panel(&app, &covering).await.is_empty(),
        "news on a plan shows the plan's targets"
    );
    let doc_form = format!("/admin/articles/{id}/targets/document");
    editor
        .change(&doc_form, &[("kind", "news"), ("panel", "auto")])
        .await;
    assert!(panel(&app, &path).await.is_empty(), "news shows no panel");
    // The targets are still there, on /targets and in the admin.
    assert!(!stored(&app, id).await.is_empty());

    editor
        .change(&doc_form, &[("kind", "news"), ("panel", "on")])
        .await;
    assert!(!panel(&app, &path).await.is_empty(), "turned on");

    editor
        .change(&doc_form, &[("kind", "plan"), ("panel", "auto")])
        .await;
    assert!(!panel(&app, &path).await.is_empty(), "a plan shows it");
    let (_, page) = editor.page(&format!("/admin/articles/{id}/targets")).await;
    assert_eq!(
        attr(&page, "select[name=kind] option[selected]", "value").as_deref(),
        Some("plan")
    );

    editor
        .change(&doc_form, &[("kind", "plan"), ("panel", "off")])
        .await;
    assert!(panel(&app, &path).await.is_empty(), "turned off");
}

#[tokio::test]
async fn validation_errors_are_shown_beside_the_field_and_keep_the_input() {
    let app = TestApp::start().await;
    let editor = Editor::sign_in(&app, "checker").await;
    let (id, _) = editor.publish("某市2025年政府工作报告", BODY).await;

    let [m_text, m_value, m_unit] = editor.row_match(id, "百亿企业").await;
    let r = editor
        .post(
            &format!("/admin/articles/{id}/targets/correct"),
            &[
                ("m_text", &m_text),
                ("m_value", &m_value),
                ("m_unit", &m_unit),
                ("text", &m_text),
                ("indicator", ""),
                ("value", "五家"),
                ("unit", "家"),
                ("comparator", "approx"),
                ("kind", "increment"),
                ("year", "2025"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let doc = Html::parse_document(&r.text().await.unwrap());
    let errors = texts(&doc, "details[open] .field-error");
    assert!(errors.iter().any(|e| e.starts_with("指标")), "{errors:?}");
    assert!(
        errors
            .iter()
            .any(|e| e.starts_with("数值") && e.contains("五家")),
        "{errors:?}"
    );
    assert_eq!(
        attr(&doc, "details[open] input[name=value]", "value").as_deref(),
        Some("五家")
    );
    assert_eq!(
        attr(&doc, "details[open] input[name=value]", "aria-invalid").as_deref(),
        Some("true")
    );

    let r = editor
        .post(
            &format!("/admin/articles/{id}/targets/add"),
            &[
                ("text", "建成一批示范站点"),
                ("indicator", "示范站点"),
                ("value", "30"),
                ("unit", "个"),
                ("comparator", "range"),
                ("kind", "level"),
                ("year", "3000"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let doc = Html::parse_document(&r.text().await.unwrap());
    let errors = texts(&doc, "#add-form .field-error");
    assert!(
        errors
            .iter()
            .any(|e| e.starts_with("年份") && e.contains("3000")),
        "{errors:?}"
    );
    assert!(errors.iter().any(|e| e.starts_with("上限")), "{errors:?}");
    assert_eq!(
        texts(&doc, "#add-form textarea[name=text]"),
        vec!["建成一批示范站点"]
    );
    assert_eq!(
        attr(&doc, "#add-form input[name=indicator]", "value").as_deref(),
        Some("示范站点")
    );

    let r = editor
        .post(
            &format!("/admin/articles/{id}/targets/document"),
            &[
                ("kind", "plan"),
                ("issuer", "市政府"),
                ("year", "明年"),
                ("panel", "auto"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let doc = Html::parse_document(&r.text().await.unwrap());
    let errors = texts(&doc, "#document-form .field-error");
    assert!(errors.iter().any(|e| e.starts_with("年份")), "{errors:?}");
    assert_eq!(
        attr(&doc, "#document-form input[name=issuer]", "value").as_deref(),
        Some("市政府")
    );

    // Nothing was stored by the refused forms.
    let store = crate::support::open_store_at(app.data_path()).await;
    let corrections = store.article_corrections(id).await.unwrap();
    assert!(corrections.targets.is_empty());
    assert_eq!(corrections.document.issuer, None);

    // Without a session, nothing is reachable.
    let r = app.get(&format!("/admin/articles/{id}/targets")).await;
    assert_ne!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn corrections_made_at_once_are_all_applied() {
    let app = TestApp::start().await;
    let editor = Editor::sign_in(&app, "concurrent").await;
    let (id, _) = editor
        .publish("某市2025年国民经济和社会发展计划", BODY)
        .await;
    let mut matches = Vec::new();
    for indicator in ["氢燃料电池汽车产量", "百亿企业", "地区生产总值"] {
        matches.push(editor.row_match(id, indicator).await);
    }
    // Three editors hide three targets at the same moment: each change derives the rows anew,
    // and the last write must hold all three, whichever order they commit in.
    let path = format!("/admin/articles/{id}/targets/hide");
    let forms: Vec<[(&str, &str); 3]> = matches
        .iter()
        .map(|[text, value, unit]| {
            [
                ("m_text", text.as_str()),
                ("m_value", value.as_str()),
                ("m_unit", unit.as_str()),
            ]
        })
        .collect();
    let posts = forms.iter().map(|form| editor.change(&path, form));
    futures::future::join_all(posts).await;
    let rows = stored(&app, id).await;
    for indicator in ["氢燃料电池汽车产量", "百亿企业", "地区生产总值"] {
        assert!(
            !rows.iter().any(|(i, _)| i.contains(indicator)),
            "{indicator} shows: {rows:?}"
        );
    }
}

/// Turns the 量化目标 panel on for the article titled `title` (it must have targets), as an
/// editor would with 显示: for tests of the panel itself, whatever type the document reader takes
/// the article for. Call it before the article page is first served (cached pages are kept).
pub(crate) async fn panel_on(app: &TestApp, title: &str) {
    use newsdesk::domain::{DocumentCorrection, Panel};
    let store = crate::support::open_store_at(app.data_path()).await;
    let id = store
        .list_targets(&TargetFilter::default())
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.article_title == title)
        .unwrap_or_else(|| panic!("no targets of {title}"))
        .article_id;
    let user = newsdesk::auth::create_user(store.as_ref(), "panel-on", Role::Editor, PASSWORD)
        .await
        .unwrap();
    store
        .save_document_correction(
            id,
            &DocumentCorrection {
                panel: Panel::On,
                ..DocumentCorrection::default()
            },
            &user,
        )
        .await
        .unwrap();
}
