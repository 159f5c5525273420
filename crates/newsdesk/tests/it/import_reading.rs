//! Reading pages of moved sites (issue 15): encodings, tables, pictures, file links, CMS labels,
//! government notices, saved WeChat articles and source URLs, from fixtures written for it in
//! `tests/fixtures/import/` (GBK, Big5 and BOM bytes as such sites serve them).

use std::path::{Path, PathBuf};

use newsdesk::import::{LinkedFile, ParsedPage, markdown, parse_page};
use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

const TZ: chrono_tz::Tz = chrono_tz::Asia::Shanghai;

fn folder() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/import")
}

fn read(name: &str) -> ParsedPage {
    let bytes = std::fs::read(folder().join(name)).unwrap();
    parse_page(&bytes, TZ).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The tables of a Markdown body as rows of cell texts, as pulldown-cmark (GFM) reads them.
fn tables(body: &str) -> Vec<Vec<Vec<String>>> {
    let mut tables = Vec::new();
    let mut cell: Option<String> = None;
    for event in Parser::new_ext(body, Options::ENABLE_TABLES) {
        match event {
            Event::Start(Tag::Table(_)) => tables.push(Vec::new()),
            Event::Start(Tag::TableHead | Tag::TableRow) => {
                if let Some(t) = tables.last_mut() {
                    t.push(Vec::new());
                }
            }
            Event::Start(Tag::TableCell) => cell = Some(String::new()),
            Event::Text(text) => {
                if let Some(c) = cell.as_mut() {
                    c.push_str(&text);
                }
            }
            Event::End(TagEnd::TableCell) => {
                let text = cell.take().unwrap_or_default();
                if let Some(row) = tables.last_mut().and_then(|t| t.last_mut()) {
                    row.push(text);
                }
            }
            _ => {}
        }
    }
    tables
}

#[test]
fn dedecms_gbk_page_keeps_table_pictures_views_and_editor() {
    let page = read("dedecms-gbk.html");
    assert_eq!(page.encoding, "GBK (declared)");
    assert_eq!(page.title, "合肥新能源汽车产量突破七十万辆");
    assert_eq!(page.published_at.to_rfc3339(), "2024-02-08T02:21:00+00:00");
    assert_eq!(page.source.as_deref(), Some("合肥日报"));
    assert_eq!(page.author.as_deref(), Some("李明"));
    assert_eq!(page.views, Some(1287));
    assert_eq!(page.editor.as_deref(), Some("王敏"));
    assert_eq!(
        page.source_url.as_deref(),
        Some("http://old.example.cn/a/2024/0208/123.html")
    );
    // Pictures exactly as the page names them (whitespace trimmed), the tracking pixel left out.
    assert_eq!(
        page.images,
        vec![
            "uploads/allimg/240208/1-24020810.jpg",
            "http://old.example.cn/uploads/allimg/240208/2.jpg"
        ]
    );
    let body = markdown::to_markdown(&page.blocks);
    assert!(
        body.contains("![生产线](uploads/allimg/240208/1-24020810.jpg)"),
        "{body}"
    );
    assert!(body.contains("](http://old.example.cn/uploads/allimg/240208/2.jpg)"));
    // One table of 3 rows × 4 cells, not 12 paragraphs; `|` in a cell stays in the cell.
    let tables = tables(&body);
    assert_eq!(tables.len(), 1, "{body}");
    assert_eq!(
        tables[0],
        vec![
            vec!["指标", "2022年", "2023年", "增长"],
            vec!["产量（万辆）", "25.4", "74.6", "193%"],
            vec!["企业 | 个数", "12", "20", "67%"],
        ]
    );
    assert!(body.contains("下一步，合肥将继续推进"));
    for chrome in ["责任编辑", "上一篇", "当前位置", "版权所有", "1287"] {
        assert!(!body.contains(chrome), "{chrome} in the body: {body}");
    }
    assert!(page.lost.is_empty(), "{:?}", page.lost);
}

#[test]
fn phpcms_page_with_a_bom_and_no_charset_is_utf8_and_names_its_video() {
    let page = read("phpcms-utf8.html");
    assert_eq!(page.encoding, "UTF-8 (BOM)");
    assert_eq!(page.title, "安徽光伏装机容量再创新高");
    assert_eq!(page.views, Some(356));
    assert_eq!(page.source.as_deref(), Some("能源报"));
    assert_eq!(page.editor.as_deref(), Some("赵敏"));
    assert_eq!(
        page.source_url.as_deref(),
        Some("https://www.example.com/html/2024/news_0301/456.html")
    );
    assert_eq!(page.blocks.len(), 2, "{:?}", page.blocks);
    assert_eq!(
        page.lost,
        vec!["a video (/uploadfile/2024/0301/solar.mp4) was not kept"]
    );
}

#[test]
fn saved_wechat_article_is_read_from_its_markup_and_scripts() {
    let page = read("wechat-article.html");
    assert_eq!(page.encoding, "UTF-8 (declared)");
    assert_eq!(page.title, "合肥：携手打造新能源汽车产业集群");
    assert_eq!(page.source.as_deref(), Some("合肥发布"));
    // `var ct = "1707358860"`: the exact second.
    assert_eq!(page.published_at.to_rfc3339(), "2024-02-08T02:21:00+00:00");
    assert!(
        page.source_url
            .as_deref()
            .is_some_and(|u| u.starts_with("http://mp.weixin.qq.com/s?__biz="))
    );
    // WeChat's lazy pictures: data-src, not the data: placeholder.
    assert_eq!(
        page.images,
        vec!["https://mmbiz.qpic.cn/mmbiz_jpg/abc/640?wx_fmt=jpeg"]
    );
    let body = markdown::to_markdown(&page.blocks);
    assert!(body.starts_with("2月8日，合肥市召开"), "{body}");
    for chrome in ["阅读原文", "扫一扫", "关注该公众号", "合肥发布"] {
        assert!(!body.contains(chrome), "{chrome} in the body: {body}");
    }
    assert_eq!(page.lost.len(), 1, "{:?}", page.lost);
    assert!(page.lost[0].starts_with("an embedded frame (https://v.qq.com/"));
}

#[test]
fn government_notice_keeps_its_facts_and_attachments() {
    let page = read("gov-notice.html");
    assert_eq!(page.encoding, "GBK (declared)");
    // The metadata table above the title is neither the headline nor the body.
    assert_eq!(
        page.title,
        "合肥市人民政府办公室关于印发合肥市新能源汽车产业发展行动方案的通知"
    );
    assert_eq!(page.notice.issuer.as_deref(), Some("合肥市人民政府办公室"));
    assert_eq!(page.notice.number.as_deref(), Some("合政办〔2024〕3号"));
    assert_eq!(
        page.notice.written_on,
        chrono::NaiveDate::from_ymd_opt(2024, 2, 6)
    );
    // 发布日期 is the publish time (midnight in the site's zone).
    assert_eq!(page.published_at.to_rfc3339(), "2024-02-07T16:00:00+00:00");
    assert_eq!(
        page.source_url.as_deref(),
        Some("https://www.hefei.example.gov.cn/xxgk/2024/0208/789.html")
    );
    assert_eq!(
        page.attachments,
        vec![
            LinkedFile {
                href: "files/notice-attachment.pdf".into(),
                name: "合肥市新能源汽车产业发展行动方案.pdf".into(),
            },
            LinkedFile {
                href: "/xxgk/files/2024/申报表.DOCX?v=2".into(),
                name: "项目申报表".into(),
            },
        ]
    );
    let body = markdown::to_markdown(&page.blocks);
    assert!(body.starts_with("各县（市）、区人民政府"), "{body}");
    for link in &page.attachments {
        assert!(
            body.contains(&format!("[{}]({})", link.name, link.href)),
            "{body}"
        );
    }
    for meta in ["索引号", "发布机构", "文号", "扫一扫"] {
        assert!(!body.contains(meta), "{meta} in the body: {body}");
    }
}

#[test]
fn undeclared_big5_page_is_detected() {
    let page = read("big5.html");
    assert_eq!(page.encoding, "Big5 (detected)");
    assert_eq!(page.title, "臺灣離岸風電裝置容量創新高");
    assert_eq!(page.source.as_deref(), Some("經濟日報"));
    assert!(markdown::to_markdown(&page.blocks).contains("離岸風電累計裝置容量"));
}

/// The whole folder imports with the real command: every page, none refused (pictures and
/// attachments beside them are not pages and are not counted).
#[tokio::test]
async fn the_fixture_folder_imports_with_the_command() {
    let data = tempfile::tempdir().unwrap();
    let out = crate::support::newsdesk_command(data.path())
        .arg("import")
        .arg("--data")
        .arg(data.path())
        .arg(folder())
        .env("RUST_LOG", "warn")
        .output()
        .expect("run newsdesk");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("5 new, 0 updated, 0 failed"), "{stderr}");
    let store = crate::support::open_store_at(data.path()).await;
    assert_eq!(store.count_articles().await.unwrap(), 5);
}
