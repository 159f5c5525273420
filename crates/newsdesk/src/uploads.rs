//! Where uploaded files live: a local folder (`<data>/uploads/`, the default) or an S3-compatible
//! bucket shared by several nodes (`--uploads-url s3://BUCKET[/PREFIX]`), both through the
//! `object_store` crate, so the rest of the code sees one flat namespace of file names.
//!
//! What a name means and which names are valid is [`crate::images`]'s business; this module only
//! puts, gets, lists and deletes bytes by name. The S3 endpoint, credentials and region come from
//! the standard `AWS_*` environment variables (`AWS_ENDPOINT_URL`, `AWS_ACCESS_KEY_ID`,
//! `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`); an `http://` endpoint is allowed because the operator
//! named it (a store on the same machine or network).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use futures::StreamExt;
use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjectPath;
use object_store::prefix::PrefixStore;
use object_store::{ClientOptions, GetResult, ObjectStore, PutPayload, RetryConfig};

/// Uploaded files, by name.
#[derive(Debug, Clone)]
pub struct UploadStore {
    store: Arc<dyn ObjectStore>,
    /// The local folder, when the files are local (kept for fsync and backups).
    local_dir: Option<PathBuf>,
    /// `s3://bucket/prefix` or the folder, for messages.
    location: String,
}

/// Why a file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum GetError {
    /// No file by that name.
    #[error("no such upload")]
    NotFound,
    /// The store failed.
    #[error("reading an upload from {location}")]
    Store {
        /// Where.
        location: String,
        /// What happened.
        #[source]
        source: object_store::Error,
    },
}

impl UploadStore {
    /// The store `url` names (`s3://BUCKET[/PREFIX]`), or the folder `data_dir/uploads` when
    /// `url` is `None`. `s3_options` are object_store S3 settings (such as `aws_endpoint`)
    /// applied over the `AWS_*` environment; tests use them, operators use the environment.
    /// Nothing is contacted yet: call [`UploadStore::check`] once at start.
    pub fn open(
        data_dir: &Path,
        url: Option<&str>,
        s3_options: &[(String, String)],
    ) -> anyhow::Result<Self> {
        match url.map(str::trim).filter(|u| !u.is_empty()) {
            None => Self::local(&data_dir.join(crate::images::DIR)),
            Some(url) => Self::s3(url, s3_options),
        }
    }

    /// Files in `dir` (created if missing).
    pub fn local(dir: &Path) -> anyhow::Result<Self> {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("creating the uploads folder {}", dir.display()))?;
        let store = LocalFileSystem::new_with_prefix(dir)
            .with_context(|| format!("opening the uploads folder {}", dir.display()))?;
        Ok(Self {
            store: Arc::new(store),
            local_dir: Some(dir.to_path_buf()),
            location: dir.display().to_string(),
        })
    }

    /// Files held in memory only: what an [`crate::web::AppState`] has until `serve` gives it
    /// the configured store.
    pub fn in_memory() -> Self {
        Self {
            store: Arc::new(object_store::memory::InMemory::new()),
            local_dir: None,
            location: "memory".into(),
        }
    }

    /// Objects in the bucket and under the prefix `url` names.
    fn s3(url: &str, s3_options: &[(String, String)]) -> anyhow::Result<Self> {
        let (bucket, prefix) = parse_s3_url(url)?;
        let mut builder = AmazonS3Builder::from_env().with_bucket_name(&bucket);
        for (key, value) in s3_options {
            let key: AmazonS3ConfigKey = key
                .parse()
                .with_context(|| format!("unknown S3 setting {key:?}"))?;
            builder = builder.with_config(key, value);
        }
        let endpoint = builder
            .get_config_value(&AmazonS3ConfigKey::Endpoint)
            .unwrap_or_default();
        // A plain-http endpoint is one the operator named on purpose (a store on loopback or a
        // private network); AWS itself is always https.
        let http = endpoint.starts_with("http://");
        builder = builder
            .with_allow_http(http)
            .with_client_options(
                ClientOptions::new()
                    .with_allow_http(http)
                    .with_connect_timeout(Duration::from_secs(5))
                    .with_timeout(Duration::from_secs(60)),
            )
            // The default retries for three minutes: a page's image or a start-up check should
            // fail within seconds instead.
            .with_retry(RetryConfig {
                max_retries: 3,
                retry_timeout: Duration::from_secs(20),
                ..RetryConfig::default()
            });
        let s3 = builder
            .build()
            .with_context(|| format!("uploads URL {url}: configuring the S3 client"))?;
        let location = if prefix.is_empty() {
            format!("s3://{bucket}")
        } else {
            format!("s3://{bucket}/{prefix}")
        };
        let location = if endpoint.is_empty() {
            location
        } else {
            format!("{location} at {endpoint}")
        };
        let store: Arc<dyn ObjectStore> = if prefix.is_empty() {
            Arc::new(s3)
        } else {
            Arc::new(PrefixStore::new(s3, prefix.as_str()))
        };
        Ok(Self {
            store,
            local_dir: None,
            location,
        })
    }

    /// The folder, when files are local.
    pub fn local_dir(&self) -> Option<&Path> {
        self.local_dir.as_deref()
    }

    /// Where the files are, for messages and logs (never credentials).
    pub fn location(&self) -> &str {
        &self.location
    }

    /// Proves the store answers and these credentials may list it (one request, the first page
    /// of one key), so a wrong bucket, endpoint or key stops the start instead of the first upload.
    pub async fn check(&self) -> anyhow::Result<()> {
        if let Some(Err(e)) = self.store.list(None).next().await {
            return Err(anyhow::Error::new(e).context(format!(
                "the uploads store {} cannot be listed: check the bucket name, \
                 AWS_ENDPOINT_URL, AWS_REGION and the credentials (AWS_ACCESS_KEY_ID, \
                 AWS_SECRET_ACCESS_KEY)",
                self.location
            )));
        }
        Ok(())
    }

    /// Writes `name` whole (an object store's put is atomic: readers see the old file, none, or
    /// all of the new one; a local put writes a temporary file and renames it).
    pub async fn put(&self, name: &str, bytes: Vec<u8>) -> anyhow::Result<()> {
        self.store
            .put(&ObjectPath::from(name), PutPayload::from(bytes))
            .await
            .with_context(|| format!("writing {name} to {}", self.location))?;
        if let Some(dir) = &self.local_dir {
            // object_store renames without syncing; the database row written next must not
            // outlive the file after a power cut.
            let path = dir.join(name);
            tokio::task::spawn_blocking(move || std::fs::File::open(&path)?.sync_all())
                .await
                .context("sync task")?
                .with_context(|| format!("syncing {name}"))?;
        }
        Ok(())
    }

    /// Opens `name` for reading; the body is streamed from the result.
    pub async fn get(&self, name: &str) -> Result<GetResult, GetError> {
        match self.store.get(&ObjectPath::from(name)).await {
            Ok(r) => Ok(r),
            Err(object_store::Error::NotFound { .. }) => Err(GetError::NotFound),
            Err(source) => Err(GetError::Store {
                location: self.location.clone(),
                source,
            }),
        }
    }

    /// Reads all of `name`.
    pub async fn read(&self, name: &str) -> Result<Vec<u8>, GetError> {
        let result = self.get(name).await?;
        match result.bytes().await {
            Ok(b) => Ok(b.to_vec()),
            Err(object_store::Error::NotFound { .. }) => Err(GetError::NotFound),
            Err(source) => Err(GetError::Store {
                location: self.location.clone(),
                source,
            }),
        }
    }

    /// Deletes `name`; a name already gone is no error.
    pub async fn delete(&self, name: &str) -> anyhow::Result<()> {
        match self.store.delete(&ObjectPath::from(name)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(anyhow::Error::new(e).context(format!("deleting {name}"))),
        }
    }

    /// Names of the files directly in the store (not under deeper prefixes), sorted.
    pub async fn list(&self) -> anyhow::Result<Vec<String>> {
        let mut names = Vec::new();
        let mut stream = self.store.list(None);
        while let Some(meta) = stream.next().await {
            let meta = meta.with_context(|| format!("listing {}", self.location))?;
            let mut parts = meta.location.parts();
            if let (Some(name), None) = (parts.next(), parts.next()) {
                names.push(name.as_ref().to_string());
            }
        }
        names.sort();
        Ok(names)
    }
}

/// `s3://BUCKET[/PREFIX]` → (bucket, prefix without surrounding slashes).
fn parse_s3_url(url: &str) -> anyhow::Result<(String, String)> {
    let parsed = url::Url::parse(url).with_context(|| {
        format!("uploads URL {url:?} is not a URL; expected s3://BUCKET or s3://BUCKET/PREFIX")
    })?;
    if parsed.scheme() != "s3" {
        bail!(
            "uploads URL {url:?}: unsupported scheme {:?}; expected s3://BUCKET or \
             s3://BUCKET/PREFIX (the endpoint goes in AWS_ENDPOINT_URL)",
            parsed.scheme()
        );
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        bail!(
            "uploads URL must not carry credentials; set AWS_ACCESS_KEY_ID and \
             AWS_SECRET_ACCESS_KEY instead"
        );
    }
    if parsed.query().is_some() || parsed.fragment().is_some() || parsed.port().is_some() {
        bail!(
            "uploads URL {url:?}: only s3://BUCKET or s3://BUCKET/PREFIX is understood (no port, \
             query or fragment; the endpoint goes in AWS_ENDPOINT_URL)"
        );
    }
    let bucket = parsed.host_str().unwrap_or_default().to_string();
    if bucket.is_empty() {
        bail!("uploads URL {url:?} names no bucket; expected s3://BUCKET or s3://BUCKET/PREFIX");
    }
    let prefix = parsed.path().trim_matches('/');
    let prefix = percent_encoding::percent_decode_str(prefix)
        .decode_utf8()
        .with_context(|| format!("uploads URL {url:?}: the prefix is not UTF-8"))?;
    if prefix
        .split('/')
        .any(|p| p.is_empty() || p == "." || p == "..")
        && !prefix.is_empty()
    {
        bail!("uploads URL {url:?}: the prefix has an empty, `.` or `..` part");
    }
    Ok((bucket, prefix.into_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s3_urls_are_parsed_and_bad_ones_named() {
        assert_eq!(
            parse_s3_url("s3://news-images").unwrap(),
            ("news-images".into(), String::new())
        );
        assert_eq!(
            parse_s3_url("s3://news-images/site-a/uploads/").unwrap(),
            ("news-images".into(), "site-a/uploads".into())
        );
        for (bad, says) in [
            ("news-images", "not a URL"),
            ("https://s3.example.com/bucket", "unsupported scheme"),
            ("s3://key:secret@bucket", "credentials"),
            ("s3://bucket/a//b", "an empty"),
            ("s3://bucket?x=1", "only s3://BUCKET"),
        ] {
            let e = format!("{:#}", parse_s3_url(bad).unwrap_err());
            assert!(e.contains(says), "{bad}: {e}");
        }
    }

    #[tokio::test]
    async fn local_files_keep_the_folder_layout() {
        let dir = tempfile::tempdir().unwrap();
        let store = UploadStore::open(dir.path(), None, &[]).unwrap();
        store.check().await.unwrap();
        store.put("a_1x1.png", b"png".to_vec()).await.unwrap();
        assert_eq!(
            std::fs::read(dir.path().join("uploads/a_1x1.png")).unwrap(),
            b"png"
        );
        assert_eq!(store.list().await.unwrap(), vec!["a_1x1.png".to_string()]);
        assert_eq!(&store.read("a_1x1.png").await.unwrap()[..], b"png");
        assert!(matches!(
            store.get("b_1x1.png").await,
            Err(GetError::NotFound)
        ));
    }
}
