//! The test harness: a real newsdesk server on an ephemeral port over a temporary data folder,
//! spoken to over HTTP.

use std::net::SocketAddr;
use std::time::Duration;

use newsdesk::config::ServeConfig;
use reqwest::StatusCode;
use scraper::{Html, Selector};
use tempfile::TempDir;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A desktop browser's User-Agent, so views count (crawlers' do not).
pub const BROWSER_UA: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36";

/// A change to the server's configuration, made by a test.
type Configure = Box<dyn FnOnce(&mut ServeConfig) + Send>;

/// How a test server is set up.
pub struct TestAppBuilder {
    data: Option<TempDir>,
    demo: bool,
    view_dedupe: Option<Duration>,
    wechat: Option<newsdesk::wechat::WeChatConfig>,
    sitemap_max_urls: Option<u32>,
    configure: Vec<Configure>,
}

impl TestAppBuilder {
    /// Reuse a data folder (e.g. from a stopped server, to test a restart).
    pub fn data(mut self, data: TempDir) -> Self {
        self.data = Some(data);
        self
    }

    /// Count every view (no 30-minute dedupe).
    pub fn count_every_view(mut self) -> Self {
        self.view_dedupe = None;
        self
    }

    /// Sign WeChat JS-SDK configurations for this account.
    pub fn wechat(mut self, config: newsdesk::wechat::WeChatConfig) -> Self {
        self.wechat = Some(config);
        self
    }

    /// Any other setting of the server's configuration.
    pub fn config(mut self, f: impl FnOnce(&mut ServeConfig) + Send + 'static) -> Self {
        self.configure.push(Box::new(f));
        self
    }

    /// Split sitemaps at `limit` URLs.
    pub fn sitemap_max_urls(mut self, limit: u32) -> Self {
        self.sitemap_max_urls = Some(limit);
        self
    }

    /// Binds an ephemeral port and starts the server on it.
    pub async fn start(self) -> TestApp {
        let data = match self.data {
            Some(d) => d,
            None => tempfile::tempdir().expect("temp data folder"),
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("local addr");
        let mut config = ServeConfig::new(data.path());
        config.database_url = database_for(data.path()).await;
        config.demo = self.demo;
        config.view_dedupe = self.view_dedupe;
        config.wechat = self.wechat;
        if let Some(limit) = self.sitemap_max_urls {
            config.sitemap_max_urls = limit;
        }
        for f in self.configure {
            f(&mut config);
        }
        let (tx, rx) = oneshot::channel::<()>();
        let handle = tokio::spawn(newsdesk::serve(listener, config, async {
            let _ = rx.await;
        }));
        let app = TestApp {
            addr,
            data,
            client: reqwest::Client::builder()
                .user_agent(BROWSER_UA)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            shutdown: Some(tx),
            handle,
        };
        // The port is bound, so requests queue until start-up (migrations, demo) is done.
        let health = app.get("/healthz").await;
        assert_eq!(health.status(), StatusCode::OK);
        app
    }
}

/// A running server.
pub struct TestApp {
    pub addr: SocketAddr,
    data: TempDir,
    pub client: reqwest::Client,
    shutdown: Option<oneshot::Sender<()>>,
    handle: JoinHandle<anyhow::Result<()>>,
}

impl TestApp {
    pub fn builder() -> TestAppBuilder {
        TestAppBuilder {
            data: None,
            demo: true,
            view_dedupe: Some(Duration::from_secs(30 * 60)),
            wechat: None,
            sitemap_max_urls: None,
            configure: Vec::new(),
        }
    }

    /// A server with the demo content.
    pub async fn start() -> Self {
        Self::builder().start().await
    }

    /// The server's data folder (database, search index).
    pub fn data_path(&self) -> &std::path::Path {
        self.data.path()
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// The server's data folder (to reach its store directly).
    pub fn data_dir(&self) -> &std::path::Path {
        self.data.path()
    }

    /// The server's database: SQLite in its data folder, or its PostgreSQL database.
    pub fn database(&self) -> newsdesk::store::Database {
        database_of(self.data.path())
    }

    /// Opens the server's store beside it (another connection pool, as another process would).
    pub async fn open_store(&self) -> std::sync::Arc<dyn newsdesk::store::Store> {
        newsdesk::store::open(&self.database())
            .await
            .expect("open the server's store")
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.expect("GET")
    }

    /// GET a page and parse it.
    pub async fn page(&self, path: &str) -> (StatusCode, Html) {
        let r = self.get(path).await;
        let status = r.status();
        (status, Html::parse_document(&r.text().await.expect("body")))
    }

    /// Stops the server gracefully and hands back its data folder.
    pub async fn stop(mut self) -> TempDir {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        (&mut self.handle)
            .await
            .expect("server task")
            .expect("server ran cleanly");
        self.data
    }
}

/// The backend every test server runs on: SQLite in its data folder unless
/// `NEWSDESK_TEST_BACKEND=postgres`, then a new PostgreSQL database per data folder on the cluster
/// at `NEWSDESK_TEST_POSTGRES` (default: the one `.ci/postgres` starts). The same tests run on
/// both: `.ci/run` runs the suite once per backend.
pub fn postgres_admin_url() -> Option<String> {
    match std::env::var("NEWSDESK_TEST_BACKEND").as_deref() {
        Ok("postgres") => Some(postgres_cluster_url()),
        Ok("sqlite") | Ok("") | Err(_) => None,
        Ok(other) => panic!("NEWSDESK_TEST_BACKEND={other:?}: expected sqlite or postgres"),
    }
}

/// The PostgreSQL cluster tests use (its maintenance database's URL).
pub fn postgres_cluster_url() -> String {
    std::env::var("NEWSDESK_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:54329/postgres".to_string())
}

/// Whether this run's servers use PostgreSQL (tests of SQLite's own files skip themselves then).
pub fn on_postgres() -> bool {
    postgres_admin_url().is_some()
}

/// File in a test data folder naming its PostgreSQL database, so a restarted server (same folder)
/// and commands run beside it find the same database.
const DATABASE_URL_FILE: &str = "test-database-url";

/// Creates an empty PostgreSQL database on the test cluster and returns its URL.
pub async fn create_postgres_database(admin: &str) -> String {
    use sqlx::Connection;
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let name = format!(
        "newsdesk_test_{}_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        rand::random::<u32>()
    );
    let mut conn = sqlx::PgConnection::connect(admin)
        .await
        .expect("connect to the test PostgreSQL cluster (run .ci/postgres)");
    drop_leftover_databases(&mut conn).await;
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .expect("create a test database");
    conn.close().await.ok();
    let (base, _) = admin
        .rsplit_once('/')
        .expect("cluster URL ends in /DATABASE");
    format!("{base}/{name}")
}

/// Drops, once per test process, the databases that earlier test processes left on the cluster
/// (named `newsdesk_test_PID_…` for a process that is gone), so repeated runs do not fill the disk.
/// A database still in use is left alone (plain `DROP DATABASE` refuses it).
async fn drop_leftover_databases(conn: &mut sqlx::PgConnection) {
    static DONE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    if DONE.swap(true, std::sync::atomic::Ordering::SeqCst) {
        return;
    }
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT datname FROM pg_database WHERE datname LIKE 'newsdesk\\_test\\_%'",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap_or_default();
    for name in names {
        let pid = name.split('_').nth(2).and_then(|p| p.parse::<u32>().ok());
        let gone = pid.is_some_and(|pid| {
            pid != std::process::id() && !std::path::Path::new(&format!("/proc/{pid}")).exists()
        });
        if gone {
            let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name}"))
                .execute(&mut *conn)
                .await;
        }
    }
}

/// The database for the data folder at `dir`: `None` (SQLite in the folder) unless the run is on
/// PostgreSQL; then the folder's database, created on first use.
pub async fn database_for(dir: &std::path::Path) -> Option<String> {
    let admin = postgres_admin_url()?;
    let file = dir.join(DATABASE_URL_FILE);
    if let Ok(url) = std::fs::read_to_string(&file) {
        return Some(url);
    }
    let url = create_postgres_database(&admin).await;
    // A folder that does not exist (a command given a mistyped --data) is left so.
    if dir.is_dir() {
        std::fs::write(&file, &url).expect("write the test database URL");
    }
    Some(url)
}

/// The database of the data folder at `dir`, as [`database_for`] made it.
pub fn database_of(dir: &std::path::Path) -> newsdesk::store::Database {
    let url = std::fs::read_to_string(dir.join(DATABASE_URL_FILE)).ok();
    newsdesk::store::Database::new(dir, url.as_deref())
}

/// Opens the store of the data folder at `dir` (on PostgreSQL runs, its database, created on
/// first use), as another process beside a server would.
pub async fn open_store_at(dir: &std::path::Path) -> std::sync::Arc<dyn newsdesk::store::Store> {
    let url = database_for(dir).await;
    newsdesk::store::open(&newsdesk::store::Database::new(dir, url.as_deref()))
        .await
        .expect("open the store")
}

/// The newsdesk binary, with `NEWSDESK_DATABASE_URL` set to the database of the data folder at
/// `dir` when the run is on PostgreSQL.
pub fn newsdesk_command(dir: &std::path::Path) -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_newsdesk"));
    cmd.env_remove("NEWSDESK_DATABASE_URL");
    if on_postgres() {
        // The command may be the folder's first user: create its database first, on a thread of
        // its own so this works inside a test's runtime too.
        let dir = dir.to_path_buf();
        let url = std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime")
                .block_on(database_for(&dir))
        })
        .join()
        .expect("create the test database");
        if let Some(url) = url {
            cmd.env("NEWSDESK_DATABASE_URL", url);
        }
    }
    cmd
}

/// Texts of all elements matching `selector`, whitespace-trimmed.
pub fn texts(doc: &Html, selector: &str) -> Vec<String> {
    let sel = Selector::parse(selector).expect("selector");
    doc.select(&sel)
        .map(|e| e.text().collect::<String>().trim().to_string())
        .collect()
}

/// The first element's attribute.
pub fn attr(doc: &Html, selector: &str, name: &str) -> Option<String> {
    let sel = Selector::parse(selector).expect("selector");
    doc.select(&sel)
        .next()
        .and_then(|e| e.value().attr(name).map(str::to_string))
}

/// URL path of the first article linked from a page whose link text contains `title`.
pub fn article_link(doc: &Html, title: &str) -> Option<String> {
    let sel = Selector::parse("a[href^='/articles/']").expect("selector");
    doc.select(&sel)
        .find(|a| a.text().collect::<String>().contains(title))
        .and_then(|a| a.value().attr("href").map(str::to_string))
}

/// Runs `newsdesk import --data DATA --channel CHANNEL PATH` as another process beside the running
/// `app`, as an editor would, and asserts it succeeded.
pub fn import_beside(app: &TestApp, channel: &str, path: &std::path::Path) {
    let out = newsdesk_command(app.data_path())
        .args(["import", "--channel", channel, "--data"])
        .arg(app.data_path())
        .arg(path)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run newsdesk import");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

impl TestAppBuilder {
    /// Serve the data folder at `path` without owning it: a second server on the folder of a
    /// running one (its own temporary folder stays unused).
    pub fn data_path(self, path: std::path::PathBuf) -> Self {
        self.config(move |c| {
            if let newsdesk::store::Database::Postgres(url) = database_of(&path) {
                c.database_url = Some(url);
            }
            c.data_dir = path;
        })
    }

    /// At most `n` connections open at once.
    pub fn max_connections(self, n: usize) -> Self {
        self.config(move |c| c.connections.max_connections = Some(n))
    }

    /// The same short limit for idle connections, paused request bodies and stalled writes.
    pub fn connection_timeouts(self, t: Duration) -> Self {
        self.config(move |c| {
            c.connections.idle_timeout = t;
            c.connections.body_timeout = t;
            c.connections.write_stall_timeout = t;
        })
    }
}

/// A browser-less client's User-Agent that newsdesk takes for a crawler, so its reads count no view.
pub const CRAWLER_UA: &str =
    "Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)";

/// The 浏览量 a page shows, read as a crawler so the reading itself does not count.
pub async fn shown_views(app: &TestApp, path: &str) -> u64 {
    let r = app
        .client
        .get(app.url(path))
        .header("user-agent", CRAWLER_UA)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let doc = scraper::Html::parse_document(&r.text().await.unwrap());
    texts(&doc, ".views-count")[0].parse().unwrap()
}

/// The value of cookie `name` set by a response.
pub fn cookie_value(r: &reqwest::Response, name: &str) -> Option<String> {
    r.headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| c.strip_prefix(&format!("{name}=")))
        .map(|c| c.split(';').next().unwrap_or_default().to_string())
}
