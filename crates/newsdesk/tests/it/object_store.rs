//! Uploads in an S3-compatible bucket shared by several nodes (`--uploads-url`), against a real
//! S3 server: an image uploaded through one node is served, byte for byte, by another; a backup
//! downloads the bucket's images; a wrong bucket or endpoint stops the start with a clear error.
//!
//! Needs an S3 endpoint in `NEWSDESK_TEST_S3` (`.ci/seaweedfs` starts SeaweedFS and prints it),
//! with the bucket `newsdesk-test` and the credentials below. Without it the tests say so and
//! pass, unless `NEWSDESK_REQUIRE_S3` is set (as in CI).

use std::process::Output;

use reqwest::StatusCode;
use reqwest::header::{CACHE_CONTROL, CONTENT_TYPE};

use newsdesk::config::ServeConfig;
use newsdesk::domain::Role;

use crate::newsroom::{add_user, login, png, upload};
use crate::support::{TestApp, newsdesk_command, on_postgres};

pub(crate) const BUCKET: &str = "newsdesk-test";
const ACCESS_KEY: &str = "newsdesk-test";
const SECRET_KEY: &str = "newsdesk-test-secret";

/// The test store's endpoint, or `None` (with the reason printed) when the test should skip.
pub(crate) fn endpoint(test: &str) -> Option<String> {
    match std::env::var("NEWSDESK_TEST_S3") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var_os("NEWSDESK_REQUIRE_S3").is_none(),
                "NEWSDESK_REQUIRE_S3 is set but NEWSDESK_TEST_S3 is not (run .ci/seaweedfs)"
            );
            eprintln!("{test} skipped: NEWSDESK_TEST_S3 is not set (run .ci/seaweedfs)");
            None
        }
    }
}

/// A prefix no other test or run uses.
pub(crate) fn unique_prefix(test: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{test}-{}-{nanos}", std::process::id())
}

pub(crate) fn s3_options(endpoint: &str) -> Vec<(String, String)> {
    [
        ("aws_endpoint", endpoint),
        ("aws_access_key_id", ACCESS_KEY),
        ("aws_secret_access_key", SECRET_KEY),
        ("aws_region", "us-east-1"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

/// The same settings as the environment an operator would give the binary.
fn s3_env(cmd: &mut std::process::Command, endpoint: &str, url: &str) {
    cmd.env("NEWSDESK_UPLOADS_URL", url)
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_ACCESS_KEY_ID", ACCESS_KEY)
        .env("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
        .env("AWS_REGION", "us-east-1")
        .env("RUST_LOG", "warn");
}

async fn node(endpoint: &str, url: &str) -> TestApp {
    let (endpoint, url) = (endpoint.to_string(), url.to_string());
    TestApp::builder()
        .config(move |c: &mut ServeConfig| {
            c.uploads_url = Some(url);
            c.uploads_s3_options = s3_options(&endpoint);
        })
        .start()
        .await
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Uploads a 1700 × 850 PNG through the newsroom of `app`; returns the URLs of the original and
/// of its variants.
pub(crate) async fn upload_photo(app: &TestApp) -> Vec<String> {
    add_user(app, "zhou", Role::Editor).await;
    upload_photo_as(app, "zhou").await
}

/// Uploads a photo through the newsroom of `app` as the existing editor `name`; the URLs of its
/// variants and original.
pub(crate) async fn upload_photo_as(app: &TestApp, name: &str) -> Vec<String> {
    let s = login(app, name).await;
    let r = upload(&s, "photo.png", &png(1700, 850)).await;
    assert_eq!(r.status(), StatusCode::OK);
    let j: serde_json::Value = r.json().await.unwrap();
    let srcset = j["srcset"].as_str().unwrap();
    let urls: Vec<String> = srcset
        .split(", ")
        .map(|part| part.split(' ').next().unwrap().to_string())
        .collect();
    assert_eq!(urls.len(), 4, "480, 960, 1600 and the original: {srcset}");
    assert_eq!(urls.last().unwrap(), j["url"].as_str().unwrap());
    urls
}

#[tokio::test]
async fn an_image_uploaded_through_one_node_is_served_by_another() {
    let Some(endpoint) = endpoint("object_store") else {
        return;
    };
    let url = format!("s3://{BUCKET}/{}", unique_prefix("two-nodes"));
    let a = node(&endpoint, &url).await;
    let b = node(&endpoint, &url).await;
    let urls = upload_photo(&a).await;

    for path in &urls {
        let from_a = a.get(path).await;
        assert_eq!(from_a.status(), StatusCode::OK, "{path} on A");
        let from_b = b.get(path).await;
        assert_eq!(from_b.status(), StatusCode::OK, "{path} on B");
        assert_eq!(from_b.headers()[CONTENT_TYPE], "image/png", "{path}");
        assert_eq!(
            from_b.headers()[CACHE_CONTROL],
            "public, max-age=31536000, immutable"
        );
        assert_eq!(from_b.headers()["x-content-type-options"], "nosniff");
        let (bytes_a, bytes_b) = (from_a.bytes().await.unwrap(), from_b.bytes().await.unwrap());
        assert!(!bytes_b.is_empty());
        assert_eq!(bytes_a, bytes_b, "{path}: B serves A's bytes");
        assert!(
            image::load_from_memory(&bytes_b).is_ok(),
            "{path} is an image"
        );
    }
    // Neither node wrote the images to its own data folder.
    for app in [&a, &b] {
        let local = app.data_path().join("uploads");
        assert!(
            !local.exists() || std::fs::read_dir(&local).unwrap().next().is_none(),
            "{} is empty",
            local.display()
        );
    }
    // A name of the upload scheme that is not in the bucket, and names outside the scheme.
    for missing in [
        "/uploads/0123456789abcdef_10x10.png",
        "/uploads/0123456789abcdef_10x10-480.png",
        "/uploads/..%2Fnewsdesk.db",
        "/uploads/../newsdesk.db",
    ] {
        assert_eq!(
            b.get(missing).await.status(),
            StatusCode::NOT_FOUND,
            "{missing}"
        );
    }
    // Uploading the same image again (through B this time) is harmless: same names, same bytes.
    add_user(&b, "zhou", Role::Editor).await;
    let s = login(&b, "zhou").await;
    let r = upload(&s, "again.png", &png(1700, 850)).await;
    assert_eq!(r.status(), StatusCode::OK);
    let j: serde_json::Value = r.json().await.unwrap();
    assert_eq!(j["url"].as_str().unwrap(), urls.last().unwrap());
    assert_eq!(a.get(&urls[0]).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_backup_of_a_site_with_a_bucket_holds_its_images() {
    let Some(endpoint) = endpoint("object_store backup") else {
        return;
    };
    if on_postgres() {
        eprintln!("object_store backup skipped: `newsdesk backup` archives SQLite sites");
        return;
    }
    let url = format!("s3://{BUCKET}/{}", unique_prefix("backup"));
    let app = node(&endpoint, &url).await;
    let urls = upload_photo(&app).await;
    let original = app.get(urls.last().unwrap()).await.bytes().await.unwrap();

    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("site.tar");
    let mut cmd = newsdesk_command(app.data_path());
    s3_env(&mut cmd, &endpoint, &url);
    let out = cmd
        .arg("backup")
        .arg(&archive)
        .arg("--data")
        .arg(app.data_path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    // The photo's 4 files and the demo's covers with their variants, all in the bucket.
    let uploads: usize = stderr(&out)
        .split(" upload(s)")
        .next()
        .and_then(|head| head.rsplit(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(uploads >= 4, "{}", stderr(&out));

    let restored = tempfile::tempdir().unwrap();
    let out = newsdesk_command(restored.path())
        .env("RUST_LOG", "warn")
        .arg("restore")
        .arg(&archive)
        .arg("--data")
        .arg(restored.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let name = urls.last().unwrap().trim_start_matches("/uploads/");
    assert_eq!(
        std::fs::read(restored.path().join("uploads").join(name)).unwrap(),
        original.to_vec()
    );
}

/// `serve` with this uploads configuration; the error it stops with.
async fn start_error(url: &str, options: Vec<(String, String)>) -> String {
    let data = tempfile::tempdir().unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let mut config = ServeConfig::new(data.path());
    config.uploads_url = Some(url.to_string());
    config.uploads_s3_options = options;
    let started = tokio::time::timeout(
        std::time::Duration::from_secs(120),
        newsdesk::serve(listener, config, std::future::pending()),
    )
    .await
    .expect("start-up gives up instead of hanging");
    format!("{:#}", started.expect_err("the start fails"))
}

#[tokio::test]
async fn a_wrong_uploads_url_or_store_stops_the_start_naming_the_problem() {
    // Needs no store: the URL is refused before any request.
    let e = start_error("ftp://images/site", Vec::new()).await;
    assert!(e.contains("unsupported scheme") && e.contains("ftp"), "{e}");
    let e = start_error("s3://", Vec::new()).await;
    assert!(e.contains("names no bucket"), "{e}");
    // Nothing listens on port 9 of loopback (discard), so the endpoint cannot be reached.
    let e = start_error(
        "s3://images",
        s3_options("http://127.0.0.1:9").into_iter().collect(),
    )
    .await;
    assert!(
        e.contains("s3://images at http://127.0.0.1:9") && e.contains("cannot be listed"),
        "{e}"
    );

    let Some(endpoint) = endpoint("object_store start-up") else {
        return;
    };
    let e = start_error("s3://no-such-bucket-newsdesk", s3_options(&endpoint)).await;
    assert!(
        e.contains("s3://no-such-bucket-newsdesk") && e.contains("cannot be listed"),
        "{e}"
    );
    let mut wrong_key = s3_options(&endpoint);
    wrong_key[2].1 = "not-the-secret".into();
    let e = start_error(&format!("s3://{BUCKET}/x"), wrong_key).await;
    assert!(e.contains("cannot be listed"), "{e}");

    // The binary reads the same settings from its environment.
    let data = tempfile::tempdir().unwrap();
    let mut cmd = newsdesk_command(data.path());
    s3_env(&mut cmd, &endpoint, "s3://no-such-bucket-newsdesk");
    let out = cmd
        .args(["serve", "--addr", "127.0.0.1:0", "--data"])
        .arg(data.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("no-such-bucket-newsdesk"),
        "{}",
        stderr(&out)
    );
}
