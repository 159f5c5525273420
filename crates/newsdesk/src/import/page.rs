//! From the lines of a page (plain text, or HTML flattened to lines) to an article: drop the site
//! chrome, find the metadata block (作者, 来源, publish time, 浏览量), take the headline above it and
//! the body below it, and keep the body's structure (headings, numbered items, paragraphs).

use std::sync::LazyLock;

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use regex::Regex;

use super::ImportError;
use super::markdown::Block;

/// What kind of block a line came from, when the source says so (HTML does, plain text does not).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineHint {
    /// The page's main headline (`<h1>`).
    Headline,
    /// A section heading (`<h2>`…`<h6>`).
    Heading,
    /// An item of a numbered list, with its number.
    Numbered(u32),
    /// An item of a bulleted list.
    Bullet,
    /// Anything else.
    Plain,
}

/// One line of a page with its hint.
#[derive(Debug, Clone)]
pub struct Line {
    /// The text, trimmed (a table's cells one per line; file links marked as in
    /// [`super::markdown::LINK_START`]).
    pub text: String,
    /// Where it came from.
    pub hint: LineHint,
    /// What the line stands for when it is not text: a picture, a table, a thing left out.
    pub embed: Option<Embed>,
}

/// A line that is not running text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Embed {
    /// A picture, its `src` as the page writes it.
    Image {
        /// The source, whitespace trimmed.
        src: String,
        /// Its alternative text.
        alt: String,
    },
    /// A data table.
    Table {
        /// Rows of cells, merged cells split.
        rows: Vec<Vec<String>>,
        /// Whether it had merged cells (rowspan/colspan), which Markdown cannot keep.
        merged: bool,
    },
    /// Something an article cannot keep (a video, an embedded frame), described for the report.
    Dropped(String),
}

impl Line {
    /// A line with no structural hint, as plain text gives.
    pub fn plain(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            hint: LineHint::Plain,
            embed: None,
        }
    }

    /// A line standing for something that is not text.
    pub fn embed(embed: Embed, text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            hint: LineHint::Plain,
            embed: Some(embed),
        }
    }

    /// The line's text without link targets.
    pub fn plain_text(&self) -> String {
        super::markdown::plain(&self.text).into_owned()
    }
}

/// Metadata an HTML page states in its `<head>`, preferred over what is guessed from the text.
#[derive(Debug, Clone, Default)]
pub struct HeadMeta {
    /// `og:title` or `<title>`.
    pub title: Option<String>,
    /// `<meta name="author">`.
    pub author: Option<String>,
    /// `article:published_time` and similar.
    pub published: Option<String>,
    /// `<meta name="description">`.
    pub description: Option<String>,
    /// The 来源 when the text names none: a WeChat article's account.
    pub source: Option<String>,
    /// `<link rel="canonical">` or `og:url`, absolute http(s) only.
    pub source_url: Option<String>,
}

/// The site's footer facts, as found in a page's chrome.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Footer {
    /// Holder of the copyright line (版权所有 © …).
    pub copyright_holder: Option<String>,
    /// ICP filing number, e.g. 京ICP备17037723号.
    pub icp_number: Option<String>,
    /// Public-security filing number, e.g. 京公网安备 11010802025013号.
    pub public_security_number: Option<String>,
}

/// An article as read from a page.
#[derive(Debug, Clone)]
pub struct ParsedPage {
    /// Headline.
    pub title: String,
    /// 作者, when the page names one.
    pub author: Option<String>,
    /// 来源, when the page names one.
    pub source: Option<String>,
    /// Publish time, UTC.
    pub published_at: DateTime<Utc>,
    /// 浏览量 shown on the page, when it shows a number.
    pub views: Option<i64>,
    /// The body's structure.
    pub blocks: Vec<Block>,
    /// The site footer facts found in the chrome.
    pub footer: Footer,
    /// 责任编辑 / 编辑, when the page names one.
    pub editor: Option<String>,
    /// A government notice's own facts (发布机构, 文号, 成文日期), when the page states them.
    pub notice: GovNotice,
    /// Where the page lived: the crawled URL, or a saved page's canonical link / `og:url`. Its
    /// path answers 301 to the imported article, so old indexed links keep working.
    pub source_url: Option<String>,
    /// Pictures of the body, in order, as the page names them (a path beside the page or a URL);
    /// the body refers to them by the same text, rewritten once they are stored.
    pub images: Vec<String>,
    /// Files the body links to (附件: PDF, DOC(X), XLS(X), PPT(X), ZIP…), in order.
    pub attachments: Vec<LinkedFile>,
    /// How the bytes were decoded, for the import report (e.g. "GBK (declared)").
    pub encoding: String,
    /// What the page had that the article could not keep, one line each, for the import report.
    pub lost: Vec<String>,
}

/// The facts a government notice states about itself (公文).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GovNotice {
    /// 发布机构 / 发文机关.
    pub issuer: Option<String>,
    /// 文号, e.g. 合政办〔2024〕3号.
    pub number: Option<String>,
    /// 成文日期, as a date.
    pub written_on: Option<chrono::NaiveDate>,
}

/// A file a page links to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkedFile {
    /// The link's target as the page writes it (a path beside the page or a URL).
    pub href: String,
    /// The link's text: the file's name as readers see it.
    pub name: String,
}

static SPACES: LazyLock<Regex> = LazyLock::new(|| re(r"[\s\u{3000}\u{a0}]+"));
static CHROME: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?x)
        ^(手机网站|微信网站|手机版|电脑版|网站首页|首页|返回顶部|返回首页|返回列表|打印本页|关闭窗口|
          【?打印】?|【?关闭】?|扫一扫.{0,16}|分享到[:：]?.*|当前位置[:：].*|您的位置[:：].*)$
        | 版权所有 | (?i:copyright) | © | ICP备 | 公网安备
        | ^(网站建设|技术支持|网站设计|Powered\ by)[:：\s]")
});
/// Lines that close the article body on HTML pages (navigation to other articles and the like).
static BODY_END: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(上一篇|下一篇|上一条|下一条|相关文章|相关阅读|相关新闻|推荐阅读|[（(【\[]?\s*(责任编辑|責任編輯|责编|编辑|編輯)\s*[:：])",
    )
});
/// 责任编辑：王敏, also in brackets closing the last paragraph.
static EDITOR: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"[（(【\[]?\s*(?:责任编辑|責任編輯|责编|编辑|編輯)\s*[:：]\s*([^）)】\]]+?)\s*[）)】\]]?\s*$",
    )
});
/// Labels of metadata lines; longer labels first, so 成文日期 is not read as 日期.
static LABEL: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(索引号|主题分类|发布机构|发文机关|发文单位|成文日期|发文字号|文号|标题|名称|作者|来源|來源|浏览量|浏览次数|瀏覽次數|阅读量|阅读数|阅读|閱讀|点击量|点击数|点击|點擊|责任编辑|責任編輯|责编|编辑|編輯|发布时间|發布時間|發佈時間|发布日期|發布日期|时间|時間|日期)\s*[:：]",
    )
});
static DATE_TIME: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[\sT]*(\d{1,2})[:：](\d{2})(?:[:：](\d{2}))?)?",
    )
});
static NUMBERED: LazyLock<Regex> =
    LazyLock::new(|| re(r"^(\d{1,3})\s*[)）]\s*|^(\d{1,3})[.、．]\s*"));
static CN_HEADING: LazyLock<Regex> = LazyLock::new(|| {
    re(r"^[一二三四五六七八九十]{1,3}[、．.]|^第[一二三四五六七八九十百]+[章节部分]")
});
static ICP: LazyLock<Regex> = LazyLock::new(|| re(r"[\p{Han}]{1,2}ICP[备證证]\s*\d+号(?:-\d+)?"));
static PUBLIC_SECURITY: LazyLock<Regex> = LazyLock::new(|| re(r"[\p{Han}]{1,2}公网安备\s*\d+号?"));
static COPYRIGHT_HOLDER: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?:版权所有|(?i:copyright))\s*(?:[:：])?\s*(?:©|\(c\)|(?i:copyright))?\s*(?:\d{4}(?:\s*-\s*\d{4})?)?\s*(.+?)\s*$",
    )
});

fn re(pattern: &str) -> Regex {
    // The patterns are literals of this module; the unit tests compile every one of them.
    #[expect(
        clippy::unwrap_used,
        reason = "constant patterns, compiled in unit tests"
    )]
    Regex::new(pattern).unwrap()
}

/// Collapses runs of whitespace (including full-width and non-breaking spaces) and trims.
pub fn normalize_space(s: &str) -> String {
    SPACES.replace_all(s.trim(), " ").trim().to_string()
}

#[derive(Default)]
struct MetaLine {
    author: Option<String>,
    source: Option<String>,
    views: Option<i64>,
    time: Option<String>,
    editor: Option<String>,
    issuer: Option<String>,
    number: Option<String>,
    written_on: Option<String>,
    /// A government notice's label (索引号, 发布机构, 文号…): its headline comes below the block.
    notice: bool,
}

impl MetaLine {
    /// Fields of `other` where this one has none: the first line naming a field wins.
    fn merge(&mut self, other: Self) {
        self.author = self.author.take().or(other.author);
        self.source = self.source.take().or(other.source);
        self.views = self.views.or(other.views);
        self.time = self.time.take().or(other.time);
        self.editor = self.editor.take().or(other.editor);
        self.issuer = self.issuer.take().or(other.issuer);
        self.number = self.number.take().or(other.number);
        self.written_on = self.written_on.take().or(other.written_on);
        self.notice |= other.notice;
    }
}

/// Reads a metadata line such as `作者:张三 来源:新华社 2024/02/08 10:21 浏览量:35`. Returns `None`
/// when the line carries anything but labels, their values and a date.
fn parse_meta_line(line: &str) -> Option<MetaLine> {
    let labels: Vec<_> = LABEL.captures_iter(line).collect();
    let date = DATE_TIME.find(line);
    if labels.is_empty() {
        // A bare date line ("2024/02/08 10:21") is metadata; a date inside a sentence is not.
        let d = date?;
        let rest = format!("{}{}", &line[..d.start()], &line[d.end()..]);
        return rest
            .chars()
            .all(|c| c.is_whitespace() || "|·/-()（）【】[]".contains(c))
            .then(|| MetaLine {
                time: Some(d.as_str().to_string()),
                ..MetaLine::default()
            });
    }
    // Text before the first label must be empty: "据来源:…" in a sentence is not metadata.
    let first = labels.first()?.get(0)?;
    if !line[..first.start()].trim().is_empty() {
        return None;
    }
    let mut meta = MetaLine::default();
    for (i, cap) in labels.iter().enumerate() {
        let whole = cap.get(0)?;
        let end = labels
            .get(i + 1)
            .and_then(|n| n.get(0))
            .map_or(line.len(), |m| m.start());
        let value = normalize_space(&line[whole.end()..end]);
        let value = value
            .trim_matches(|c: char| "|·".contains(c))
            .trim()
            .to_string();
        match &cap[1] {
            "作者" => meta.author = non_empty(value),
            "责任编辑" | "責任編輯" | "责编" | "编辑" | "編輯" => {
                meta.editor = non_empty(value.trim_end_matches(['）', ')', '】', ']']).to_string());
            }
            "发布机构" | "发文机关" | "发文单位" => {
                meta.issuer = non_empty(value);
                meta.notice = true;
            }
            "文号" | "发文字号" => {
                meta.number = non_empty(value);
                meta.notice = true;
            }
            "成文日期" => {
                meta.written_on = DATE_TIME.find(&value).map(|m| m.as_str().to_string());
                meta.notice = true;
            }
            "索引号" | "主题分类" => meta.notice = true,
            "标题" | "名称" => {}
            "来源" | "來源" => {
                // A date may follow the source on the same line without a label.
                let (source, time) = split_trailing_date(&value);
                meta.source = non_empty(source);
                if time.is_some() {
                    meta.time = time;
                }
            }
            "浏览量" | "浏览次数" | "阅读量" | "阅读数" | "阅读" | "点击量" | "点击数" | "点击" =>
            {
                let value = value.replace([',', '，'], "");
                let digits: String = value.chars().take_while(char::is_ascii_digit).collect();
                meta.views = digits.parse().ok();
                if digits.len() != value.len() && !value.is_empty() {
                    let (_, time) = split_trailing_date(&value[digits.len()..]);
                    if time.is_some() {
                        meta.time = time;
                    }
                }
            }
            _ => meta.time = DATE_TIME.find(&value).map(|m| m.as_str().to_string()),
        }
        if meta
            .author
            .as_deref()
            .is_some_and(|a| DATE_TIME.is_match(a))
        {
            let (author, time) = split_trailing_date(meta.author.as_deref().unwrap_or_default());
            meta.author = non_empty(author);
            meta.time = time;
        }
    }
    // A date without a label is the publish time, unless the line is a notice's (成文日期 is not it).
    if meta.time.is_none() && !meta.notice {
        meta.time = DATE_TIME.find(line).map(|m| m.as_str().to_string());
    }
    Some(meta)
}

fn split_trailing_date(value: &str) -> (String, Option<String>) {
    match DATE_TIME.find(value) {
        Some(m) => (
            normalize_space(&value[..m.start()]),
            Some(m.as_str().to_string()),
        ),
        None => (value.to_string(), None),
    }
}

fn non_empty(s: String) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_string())
}

/// Parses a publish time as pages write it, in the site's zone, into UTC. Accepts RFC 3339 too.
pub fn parse_time(s: &str, tz: chrono_tz::Tz) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s.trim()) {
        return Some(t.with_timezone(&Utc));
    }
    let c = DATE_TIME.captures(s)?;
    let num = |i: usize| c.get(i).and_then(|m| m.as_str().parse::<u32>().ok());
    let date = NaiveDate::from_ymd_opt(i32::try_from(num(1)?).ok()?, num(2)?, num(3)?)?;
    let time = match num(4) {
        Some(h) => NaiveTime::from_hms_opt(h, num(5)?, num(6).unwrap_or(0))?,
        None => NaiveTime::MIN,
    };
    let local = tz
        .from_local_datetime(&NaiveDateTime::new(date, time))
        .earliest()?;
    Some(local.with_timezone(&Utc))
}

/// Footer facts found in the chrome lines of a page.
fn read_footer(lines: &[Line]) -> Footer {
    let mut footer = Footer::default();
    for line in lines {
        let text = &line.text;
        if footer.icp_number.is_none() {
            footer.icp_number = ICP.find(text).map(|m| normalize_space(m.as_str()));
        }
        if footer.public_security_number.is_none() {
            footer.public_security_number = PUBLIC_SECURITY
                .find(text)
                .map(|m| normalize_space(m.as_str()));
        }
        if footer.copyright_holder.is_none() && !ICP.is_match(text) {
            footer.copyright_holder = COPYRIGHT_HOLDER
                .captures(text)
                .and_then(|c| non_empty(normalize_space(&c[1])));
        }
    }
    footer
}

fn is_chrome(text: &str) -> bool {
    CHROME.is_match(text)
}

/// Turns body lines into blocks: numbered items, headings, paragraphs, pictures, tables. What a
/// block cannot hold is described in `lost`.
fn to_blocks(lines: &[Line], lost: &mut Vec<String>) -> Vec<Block> {
    let mut tables = 0;
    let mut blocks = Vec::with_capacity(lines.len());
    for line in lines {
        let text = line.text.as_str();
        let block = match (&line.embed, line.hint) {
            (Some(Embed::Image { src, alt }), _) => Block::Image {
                src: src.clone(),
                alt: alt.clone(),
            },
            (Some(Embed::Table { rows, merged }), _) => {
                tables += 1;
                if *merged {
                    lost.push(format!(
                        "table {tables}: merged cells were split (Markdown tables cannot merge cells)"
                    ));
                }
                Block::Table(rows.clone())
            }
            (Some(Embed::Dropped(what)), _) => {
                lost.push(format!("{what} was not kept"));
                continue;
            }
            (None, LineHint::Numbered(n)) => {
                Block::Numbered(n, strip_number(text).map_or(text, |(_, t)| t).to_string())
            }
            (None, LineHint::Bullet) => Block::Bullet(text.to_string()),
            (None, LineHint::Heading | LineHint::Headline) => Block::Heading(text.to_string()),
            (None, LineHint::Plain) => {
                if let Some((n, rest)) = strip_number(text) {
                    Block::Numbered(n, rest.to_string())
                } else if CN_HEADING.is_match(text) && text.chars().count() <= 30 {
                    Block::Heading(text.to_string())
                } else {
                    Block::Paragraph(text.to_string())
                }
            }
        };
        blocks.push(block);
    }
    blocks
}

/// The pictures (deduplicated) and file links of a body, in order.
fn media_of(blocks: &[Block]) -> (Vec<String>, Vec<LinkedFile>) {
    let mut images: Vec<String> = Vec::new();
    let mut attachments: Vec<LinkedFile> = Vec::new();
    let mut add_links = |text: &str| {
        for (name, href) in super::markdown::links(text) {
            if !attachments.iter().any(|a| a.href == href) {
                attachments.push(LinkedFile {
                    href: href.to_string(),
                    name: name.to_string(),
                });
            }
        }
    };
    for block in blocks {
        match block {
            Block::Image { src, .. } => {
                if !images.contains(src) {
                    images.push(src.clone());
                }
            }
            Block::Table(rows) => rows.iter().flatten().for_each(|c| add_links(c)),
            Block::Heading(t) | Block::Paragraph(t) | Block::Numbered(_, t) | Block::Bullet(t) => {
                add_links(t);
            }
        }
    }
    (images, attachments)
}

/// "1)实施…" → (1, "实施…"). A number followed by a digit ("1.5万") is not a list marker.
fn strip_number(text: &str) -> Option<(u32, &str)> {
    let c = NUMBERED.captures(text)?;
    let whole = c.get(0)?;
    let rest = &text[whole.end()..];
    if rest.is_empty() || rest.starts_with(|ch: char| ch.is_ascii_digit()) {
        return None;
    }
    let n = c.get(1).or_else(|| c.get(2))?.as_str().parse().ok()?;
    Some((n, rest))
}

/// The body of an article whose headline, date and byline are known from elsewhere (a WordPress
/// export's fields): its lines, as the HTML flattener gives them, read into blocks exactly as a
/// page's body is (pictures, tables, file links), with no chrome or metadata search.
pub fn read_body(lines: Vec<Line>) -> (Vec<Block>, Vec<String>, Vec<LinkedFile>, Vec<String>) {
    let lines: Vec<Line> = lines
        .into_iter()
        .filter_map(|l| {
            if l.embed.is_some() {
                return Some(l);
            }
            let text = normalize_space(&l.text);
            (!text.is_empty()).then_some(Line { text, ..l })
        })
        .collect();
    let mut lost = Vec::new();
    let blocks = to_blocks(&lines, &mut lost);
    let (images, attachments) = media_of(&blocks);
    (blocks, images, attachments, lost)
}

/// Reads an article out of a page's lines.
pub fn parse_lines(
    lines: Vec<Line>,
    head: &HeadMeta,
    tz: chrono_tz::Tz,
) -> Result<ParsedPage, ImportError> {
    let lines: Vec<Line> = lines
        .into_iter()
        .filter_map(|l| {
            if l.embed.is_some() {
                return Some(l);
            }
            let text = normalize_space(&l.text);
            (!text.is_empty()).then_some(Line { text, ..l })
        })
        .collect();
    let texts: Vec<Line> = lines
        .iter()
        .filter(|l| l.embed.is_none())
        .cloned()
        .collect();
    let footer = read_footer(&texts);
    let content: Vec<Line> = lines
        .into_iter()
        .filter(|l| l.embed.is_some() || !is_chrome(&l.text))
        .collect();
    let is_text = |i: usize| content.get(i).is_some_and(|l| l.embed.is_none());
    let meta_at = |i: usize| {
        content
            .get(i)
            .filter(|l| l.embed.is_none())
            .and_then(|l| parse_meta_line(&l.text))
    };

    // The metadata block: consecutive metadata lines, the first such run on the page.
    let meta_start = (0..content.len()).find(|&i| meta_at(i).is_some());
    let mut meta = MetaLine::default();
    let mut meta_end = 0;
    if let Some(start) = meta_start {
        meta_end = start;
        while let Some(m) = meta_at(meta_end) {
            meta.merge(m);
            meta_end += 1;
        }
    }

    // The headline: an <h1> if the page has one; else the text line above the metadata, or below
    // it for a government notice's block (索引号, 发布机构, 文号… stand above the title). Without
    // metadata lines, the first line is the headline (and the date is then missing).
    let headline = content
        .iter()
        .position(|l| l.hint == LineHint::Headline && l.embed.is_none())
        .or_else(|| match meta_start {
            Some(_) if meta.notice => (meta_end..content.len()).find(|&i| is_text(i)),
            Some(s) => (0..s).rev().find(|&i| is_text(i)),
            None => (0..content.len()).find(|&i| is_text(i)),
        })
        .and_then(|i| content.get(i).map(|l| (i, l.text.clone())))
        .or_else(|| head.title.clone().map(|t| (usize::MAX, t)));
    let Some((headline_index, title)) = headline else {
        return Err(ImportError::NoHeadline);
    };
    let mut body_start = meta_end;
    if headline_index != usize::MAX && (meta_start.is_none() || headline_index >= meta_end) {
        // The body starts below a headline that stands below the metadata (or without any), after
        // the metadata lines that may follow the headline too (发布时间, 浏览次数 under the title).
        body_start = headline_index + 1;
        while let Some(m) = meta_at(body_start) {
            meta.merge(m);
            body_start += 1;
        }
    }

    let time = head
        .published
        .clone()
        .or(meta.time.take())
        .ok_or(ImportError::NoDate)?;
    let published_at = parse_time(&time, tz).ok_or(ImportError::BadDate(time))?;

    let mut body: Vec<Line> = Vec::new();
    for line in content.into_iter().skip(body_start) {
        if line.embed.is_none() && BODY_END.is_match(&line.text) {
            // The body ends at 责任编辑 and the links to other articles; the editor is kept.
            if let Some(c) = EDITOR.captures(&line.text) {
                meta.editor = meta.editor.or_else(|| non_empty(normalize_space(&c[1])));
            }
            break;
        }
        body.push(line);
    }
    let mut lost = Vec::new();
    let blocks = to_blocks(&body, &mut lost);
    if blocks.is_empty() {
        return Err(ImportError::NoBody);
    }
    let (images, attachments) = media_of(&blocks);
    let written_on = meta
        .written_on
        .as_deref()
        .and_then(|d| parse_time(d, tz))
        .map(|t| t.with_timezone(&tz).date_naive());
    Ok(ParsedPage {
        title,
        author: head.author.clone().or(meta.author),
        source: meta.source.or_else(|| head.source.clone()),
        published_at,
        views: meta.views,
        blocks,
        footer,
        editor: meta.editor,
        notice: GovNotice {
            issuer: meta.issuer,
            number: meta.number,
            written_on,
        },
        source_url: head.source_url.clone(),
        images,
        attachments,
        encoding: "UTF-8".into(),
        lost,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<Line> {
        text.lines().map(Line::plain).collect()
    }

    #[test]
    fn every_pattern_compiles() {
        for r in [
            &SPACES,
            &CHROME,
            &BODY_END,
            &EDITOR,
            &LABEL,
            &DATE_TIME,
            &NUMBERED,
            &CN_HEADING,
            &ICP,
            &PUBLIC_SECURITY,
            &COPYRIGHT_HOLDER,
        ] {
            LazyLock::force(r);
        }
    }

    #[test]
    fn meta_lines_are_recognized() {
        let m = parse_meta_line("作者:张三 来源:新华社 2024/02/08 10:21 浏览量:35").unwrap();
        assert_eq!(m.author.as_deref(), Some("张三"));
        assert_eq!(m.source.as_deref(), Some("新华社"));
        assert_eq!(m.views, Some(35));
        assert_eq!(m.time.as_deref(), Some("2024/02/08 10:21"));
        assert!(parse_meta_line("作者:").unwrap().author.is_none());
        assert!(parse_meta_line("2024/02/08 10:21").is_some());
        assert!(parse_meta_line("2024年2月6日,合肥市人民政府办公室发布《工作报告》").is_none());
        assert!(parse_meta_line("据来源:新华社报道称").is_none());
    }

    #[test]
    fn times_are_read_in_the_site_zone() {
        let t = parse_time("2024/02/08 10:21", chrono_tz::Asia::Shanghai).unwrap();
        assert_eq!(t.to_rfc3339(), "2024-02-08T02:21:00+00:00");
        let t = parse_time("2024年2月8日", chrono_tz::Asia::Shanghai).unwrap();
        assert_eq!(t.to_rfc3339(), "2024-02-07T16:00:00+00:00");
        assert!(parse_time("2024/13/40 10:21", chrono_tz::Asia::Shanghai).is_none());
    }

    #[test]
    fn footer_facts_are_found() {
        let f = read_footer(&lines(
            "版权所有  ©  北京国能赢创能源信息技术有限公司\n京ICP备17037723号        京公网安备 11010802025013号",
        ));
        assert_eq!(
            f.copyright_holder.as_deref(),
            Some("北京国能赢创能源信息技术有限公司")
        );
        assert_eq!(f.icp_number.as_deref(), Some("京ICP备17037723号"));
        assert_eq!(
            f.public_security_number.as_deref(),
            Some("京公网安备 11010802025013号")
        );
    }

    #[test]
    fn numbered_items_need_a_marker_not_a_decimal() {
        assert_eq!(strip_number("1)实施"), Some((1, "实施")));
        assert_eq!(strip_number("12、推进"), Some((12, "推进")));
        assert_eq!(strip_number("1.5万人"), None);
        assert_eq!(strip_number("2024年"), None);
    }

    #[test]
    fn a_page_without_headline_or_date_is_refused() {
        let tz = chrono_tz::Asia::Shanghai;
        let err = parse_lines(
            lines("作者:\n2024/02/08 10:21\n正文"),
            &HeadMeta::default(),
            tz,
        );
        assert!(matches!(err, Err(ImportError::NoHeadline)));
        let err = parse_lines(lines("标题\n正文一段"), &HeadMeta::default(), tz);
        assert!(matches!(err, Err(ImportError::NoDate)));
    }
}
