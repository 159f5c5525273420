//! DEPLOY.md's nginx settings, run in front of the real server with Debian's nginx: forwarded
//! client addresses reach view counting, uploads larger than nginx's default 1 MB limit get through,
//! and static files go out compressed.
//!
//! Needs `nginx` (Debian's `nginx-light`, which `.ci/run` installs). Without it the test says so and
//! passes, unless `NEWSDESK_REQUIRE_NGINX` is set (as in CI).

use std::net::{IpAddr, Ipv4Addr, TcpListener};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use reqwest::StatusCode;

use newsdesk::domain::Role;

use crate::support::{BROWSER_UA, TestApp, article_link, cookie_value, texts};

const NGINX: &str = "/usr/sbin/nginx";

/// The block of DEPLOY.md marked `<!-- tested: nginx-proxy -->`.
fn deploy_md_snippet() -> String {
    let deploy =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../DEPLOY.md"))
            .unwrap();
    let after = deploy
        .split_once("<!-- tested: nginx-proxy -->")
        .expect("DEPLOY.md marks the tested nginx snippet")
        .1;
    let body = after.split_once("```nginx\n").unwrap().1;
    body.split_once("```").unwrap().0.to_string()
}

struct Nginx {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start_nginx(upstream: u16) -> Nginx {
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path();
    std::fs::write(prefix.join("newsdesk-proxy.conf"), deploy_md_snippet()).unwrap();
    let port = free_port();
    // Workers run as root only when the test does (CI), so they can use the temporary folders.
    let as_root = std::fs::metadata("/proc/self")
        .map(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0)
        .unwrap_or(false);
    let p = prefix.display();
    let conf = format!(
        "{user}daemon off;\nworker_processes 1;\npid {p}/nginx.pid;\nerror_log {p}/error.log;\n\
         events {{ worker_connections 256; }}\n\
         http {{\n  include /etc/nginx/mime.types;\n  access_log off;\n\
         client_body_temp_path {p}/body;\n  proxy_temp_path {p}/proxy;\n\
         fastcgi_temp_path {p}/fastcgi;\n  uwsgi_temp_path {p}/uwsgi;\n  scgi_temp_path {p}/scgi;\n\
         upstream newsdesk {{ server 127.0.0.1:{upstream}; keepalive 8; }}\n\
         server {{\n    listen 127.0.0.1:{port};\n    include {p}/newsdesk-proxy.conf;\n  }}\n}}\n",
        user = if as_root { "user root;\n" } else { "" },
    );
    std::fs::write(prefix.join("nginx.conf"), conf).unwrap();
    let child = Command::new(NGINX)
        .arg("-p")
        .arg(prefix)
        .arg("-c")
        .arg(prefix.join("nginx.conf"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start nginx");
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Nginx {
        child,
        port,
        _dir: dir,
    }
}

fn client_from(ip: Ipv4Addr) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(IpAddr::V4(ip))
        .user_agent(BROWSER_UA)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

#[tokio::test]
async fn deploy_md_nginx_settings_work_in_front_of_the_server() {
    if !Path::new(NGINX).exists() {
        assert!(
            std::env::var_os("NEWSDESK_REQUIRE_NGINX").is_none(),
            "nginx is required here but {NGINX} is missing (apt-get install nginx-light)"
        );
        eprintln!("deploy test skipped: {NGINX} not installed (apt-get install nginx-light)");
        return;
    }
    let app = TestApp::builder()
        .config(|c| c.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()])
        .start()
        .await;
    let nginx = start_nginx(app.addr.port());
    let base = format!("http://127.0.0.1:{}", nginx.port);

    // Two readers on different addresses, same browser: two views, each counted once.
    let (_, home) = app.page("/channels/storage").await;
    let path = article_link(&home, "储能").unwrap();
    let shown = |doc: &scraper::Html| -> u64 { texts(doc, ".views-count")[0].parse().unwrap() };
    let crawler = reqwest::Client::builder()
        .user_agent("Baiduspider")
        .build()
        .unwrap();
    let views = || async {
        let html = crawler
            .get(format!("{base}{path}"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        shown(&scraper::Html::parse_document(&html))
    };
    let before = views().await;
    for ip in [Ipv4Addr::new(127, 0, 0, 2), Ipv4Addr::new(127, 0, 0, 3)] {
        for _ in 0..2 {
            let r = client_from(ip)
                .get(format!("{base}{path}"))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::OK);
        }
    }
    assert_eq!(views().await, before + 2, "one view per forwarded reader");

    // An image larger than nginx's default 1 MB body limit is uploaded through it.
    let store = crate::support::open_store_at(app.data_path()).await;
    newsdesk::auth::create_user(store.as_ref(), "editor", Role::Editor, "editor password 1")
        .await
        .unwrap();
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let login = browser
        .get(format!("{base}/admin/login"))
        .send()
        .await
        .unwrap();
    let csrf = cookie_value(&login, "newsdesk_login_csrf").unwrap();
    let r = browser
        .post(format!("{base}/admin/login"))
        .header("cookie", format!("newsdesk_login_csrf={csrf}"))
        .form(&[
            ("name", "editor"),
            ("password", "editor password 1"),
            ("_csrf", &csrf),
            ("next", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let session = format!(
        "newsdesk_session={}",
        cookie_value(&r, "newsdesk_session").unwrap()
    );
    let page = browser
        .get(format!("{base}/admin/articles"))
        .header("cookie", &session)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let doc = scraper::Html::parse_document(&page);
    let token = crate::support::attr(&doc, "meta[name=csrf-token]", "content").unwrap();
    let png = noise_png(1200, 1200);
    assert!(png.len() > 4 * 1024 * 1024, "{} bytes", png.len());
    let boundary = "newsdeskdeploytest";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.png\"\r\n\
         Content-Type: image/png\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(&png);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let r = browser
        .post(format!("{base}/admin/images"))
        .header("cookie", &session)
        .header("x-csrf-token", token)
        .header("accept", "application/json")
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());

    // Static text files go out gzip-compressed.
    let r = reqwest::Client::builder()
        .no_gzip()
        .build()
        .unwrap()
        .get(format!("{base}/static/style.css"))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-encoding"], "gzip");
    drop(nginx);
    app.stop().await;
}

/// A PNG of random pixels: it does not compress, so it is about `w × h × 3` bytes.
fn noise_png(w: u32, h: u32) -> Vec<u8> {
    use rand::RngCore;
    let mut pixels = vec![0_u8; (w * h * 3) as usize];
    rand::rng().fill_bytes(&mut pixels);
    let img = image::RgbImage::from_raw(w, h, pixels).unwrap();
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}
