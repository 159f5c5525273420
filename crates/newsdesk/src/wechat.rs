//! WeChat (微信): recognising its in-app browser, and the optional JS-SDK share configuration.
//!
//! When an official account's AppID and AppSecret are configured, pages load a small share script
//! that asks `GET /api/v1/wechat/jssdk-config?url=…` for a signed configuration, so WeChat shows
//! the article's headline, summary and image when a reader shares it. The signature needs a
//! `jsapi_ticket`, which needs an `access_token`; both come from WeChat's API, live about two hours,
//! and are rate-limited, so they are cached here and refreshed by one request at a time.
//! Several servers on one database share them through the store: fetching a new access_token
//! invalidates the one before, so servers fetching their own would keep revoking each other's.
//! A lease in the store lets one server fetch while the others wait for what it saves.
//! Without configuration nothing here talks to WeChat.

use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use sha1::{Digest, Sha1};
use tokio::sync::Mutex;
use tokio::time::Instant;

/// WeChat's API, unless configured otherwise (tests point it at a local stand-in).
pub const DEFAULT_API_BASE: &str = "https://api.weixin.qq.com";
/// Credentials are refreshed this long before WeChat says they expire, so none is used stale.
const EXPIRY_MARGIN: Duration = Duration::from_secs(300);
/// A WeChat API call taking longer fails rather than holding the reader's request.
const API_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a server may take to fetch new credentials before another one may try.
const REFRESH_LEASE: Duration = Duration::from_secs(30);
/// How long a server waits for another one's fetch before fetching itself.
const WAIT_FOR_OTHERS: Duration = Duration::from_secs(10);
/// Store keys of the shared credentials (internal markers, not site settings).
const SHARED_TICKET: &str = "wechat.jsapi_ticket";
const SHARED_TOKEN: &str = "wechat.access_token";
const REFRESH_LEASE_KEY: &str = "wechat.refresh";

/// WeChat's error codes for an access_token that is invalid or expired before its time.
const STALE_TOKEN_CODES: [i64; 3] = [40001, 40014, 42001];

/// Whether a User-Agent is WeChat's in-app browser (it names itself MicroMessenger).
pub fn is_wechat_browser(user_agent: &str) -> bool {
    user_agent.contains("MicroMessenger")
}

/// A secret such as the AppSecret: its `Debug` output is redacted, so it never reaches a log.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The value, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl std::str::FromStr for Secret {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self::new(s))
    }
}

/// An official account's credentials and where WeChat's API is.
#[derive(Debug, Clone)]
pub struct WeChatConfig {
    /// AppID of the official account (公众号).
    pub app_id: String,
    /// AppSecret of the official account.
    pub app_secret: Secret,
    /// Base URL of WeChat's API.
    pub api_base: String,
}

/// What went wrong talking to WeChat; messages name the API endpoint and WeChat's own code.
#[derive(Debug, thiserror::Error)]
pub enum WeChatError {
    /// The request did not get an answer (network, timeout, not JSON).
    #[error("WeChat API {endpoint}: {source}")]
    Http {
        /// Path of the endpoint, e.g. `/cgi-bin/token`.
        endpoint: &'static str,
        /// The transport error.
        #[source]
        source: reqwest::Error,
    },
    /// WeChat answered with an error code.
    #[error("WeChat API {endpoint} answered errcode {code}: {message}")]
    Api {
        /// Path of the endpoint.
        endpoint: &'static str,
        /// WeChat's `errcode`.
        code: i64,
        /// WeChat's `errmsg`.
        message: String,
    },
    /// WeChat answered without the field asked for.
    #[error("WeChat API {endpoint} answered without {field}")]
    Malformed {
        /// Path of the endpoint.
        endpoint: &'static str,
        /// The missing field.
        field: &'static str,
    },
}

/// What the share script passes to `wx.config`, as WeChat names the fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JsSdkConfig {
    /// The official account's AppID.
    pub app_id: String,
    /// Seconds since the epoch.
    pub timestamp: i64,
    /// Random string signed with the rest.
    pub nonce_str: String,
    /// See [`signature`].
    pub signature: String,
}

/// The JS-SDK signature: SHA-1, in lower-case hex, of
/// `jsapi_ticket=…&noncestr=…&timestamp=…&url=…` (keys in ASCII order, values as they are), with
/// the URL's fragment removed, exactly as WeChat's JS-SDK documentation (附录1) specifies.
pub fn signature(jsapi_ticket: &str, noncestr: &str, timestamp: i64, url: &str) -> String {
    let url = url.split_once('#').map_or(url, |(before, _)| before);
    let plain =
        format!("jsapi_ticket={jsapi_ticket}&noncestr={noncestr}&timestamp={timestamp}&url={url}");
    Sha1::digest(plain.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A 16-character alphanumeric nonce. It must differ between signatures, not be secret, so the
/// process's random hash keys and a counter suffice.
fn nonce() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let state = std::collections::hash_map::RandomState::new();
    let mut out = String::with_capacity(16);
    for half in 0..2_u64 {
        let mut h = state.build_hasher();
        h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
        h.write_u64(half);
        let mut x = h.finish();
        for _ in 0..8 {
            let i = usize::try_from(x % 62).unwrap_or(0);
            out.push(char::from(ALPHABET[i]));
            x /= 62;
        }
    }
    out
}

/// A credential and when to fetch a new one.
#[derive(Debug, Clone)]
struct Expiring {
    value: String,
    refresh_at: Instant,
}

impl Expiring {
    /// `refresh_at` as wall-clock milliseconds, then the value: how the store keeps it.
    fn to_shared(&self) -> String {
        let left = self.refresh_at.saturating_duration_since(Instant::now());
        let at = chrono::Utc::now() + chrono::Duration::from_std(left).unwrap_or_default();
        format!("{} {}", at.timestamp_millis(), self.value)
    }

    /// A credential saved by [`Expiring::to_shared`], if it is still fresh.
    fn from_shared(text: &str) -> Option<Self> {
        let (at, value) = text.split_once(' ')?;
        let left = at.parse::<i64>().ok()? - chrono::Utc::now().timestamp_millis();
        let left = Duration::from_millis(u64::try_from(left).ok().filter(|&l| l > 0)?);
        Some(Self {
            value: value.to_string(),
            refresh_at: Instant::now() + left,
        })
    }

    fn new(value: String, expires_in_secs: u64) -> Self {
        let lifetime = Duration::from_secs(expires_in_secs);
        // A short-lived credential is refreshed at half its life rather than never cached.
        let margin = EXPIRY_MARGIN.min(lifetime / 2);
        Self {
            value,
            refresh_at: Instant::now() + lifetime - margin,
        }
    }

    fn fresh(&self) -> Option<&str> {
        (Instant::now() < self.refresh_at).then_some(self.value.as_str())
    }
}

#[derive(Debug, Default)]
struct Credentials {
    access_token: Option<Expiring>,
    jsapi_ticket: Option<Expiring>,
}

/// WeChat's answers: an error code, or the credential and its lifetime.
#[derive(Debug, Deserialize)]
struct ApiAnswer {
    #[serde(default)]
    errcode: i64,
    #[serde(default)]
    errmsg: String,
    access_token: Option<String>,
    ticket: Option<String>,
    expires_in: Option<u64>,
}

/// The JS-SDK signer: fetches and caches WeChat's credentials, signs page URLs.
pub struct JsSdk {
    config: WeChatConfig,
    http: reqwest::Client,
    /// Held across a refresh, so concurrent requests wait for one fetch instead of each fetching
    /// (WeChat limits how often a token may be requested per day).
    credentials: Mutex<Credentials>,
    /// Where servers on one database share the credentials; `None` keeps them in this process.
    shared: Option<std::sync::Arc<dyn crate::store::Store>>,
}

impl fmt::Debug for JsSdk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JsSdk")
            .field("config", &self.config)
            .field("shared", &self.shared.is_some())
            .finish_non_exhaustive()
    }
}

impl JsSdk {
    /// A signer for an official account; nothing is fetched until the first signature.
    pub fn new(config: WeChatConfig) -> Result<Self, reqwest::Error> {
        let http = reqwest::Client::builder()
            .timeout(API_TIMEOUT)
            .user_agent(concat!("newsdesk/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self {
            config,
            http,
            credentials: Mutex::default(),
            shared: None,
        })
    }

    /// Shares the credentials with every server on `store`'s database.
    #[must_use]
    pub fn shared_through(mut self, store: std::sync::Arc<dyn crate::store::Store>) -> Self {
        self.shared = Some(store);
        self
    }

    /// A fresh credential another server saved under `key`.
    async fn shared_credential(&self, key: &str) -> Option<Expiring> {
        let store = self.shared.as_ref()?;
        match store.marker(key).await {
            Ok(text) => text.as_deref().and_then(Expiring::from_shared),
            Err(e) => {
                tracing::warn!(error = %e, "reading shared WeChat credentials failed");
                None
            }
        }
    }

    async fn share(&self, key: &str, credential: &Expiring) {
        if let Some(store) = &self.shared
            && let Err(e) = store.set_marker(key, &credential.to_shared()).await
        {
            tracing::warn!(error = %e, "saving shared WeChat credentials failed");
        }
    }

    /// Marks a shared credential revoked, so no server takes it again.
    async fn forget_shared(&self, key: &str) {
        if let Some(store) = &self.shared
            && let Err(e) = store.set_marker(key, "0 revoked").await
        {
            tracing::warn!(error = %e, "clearing shared WeChat credentials failed");
        }
    }

    /// Whether this server may fetch now: it took the refresh lease, or another server held it
    /// and saved nothing within [`WAIT_FOR_OTHERS`] (then this one fetches all the same, so a
    /// server that died mid-fetch holds nobody up for long). Returns the shared ticket if one
    /// appeared meanwhile.
    async fn wait_for_refresh_turn(&self) -> Option<Expiring> {
        let store = self.shared.as_ref()?;
        let until = chrono::Utc::now() + chrono::Duration::from_std(REFRESH_LEASE).ok()?;
        match store.claim_lease(REFRESH_LEASE_KEY, until).await {
            Ok(true) => return None,
            Ok(false) => {}
            Err(e) => {
                tracing::warn!(error = %e, "taking the WeChat refresh lease failed");
                return None;
            }
        }
        let deadline = Instant::now() + WAIT_FOR_OTHERS;
        while Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(200)).await;
            if let Some(ticket) = self.shared_credential(SHARED_TICKET).await {
                return Some(ticket);
            }
        }
        None
    }

    /// The signed configuration for the page at `url`.
    pub async fn config_for(&self, url: &str) -> Result<JsSdkConfig, WeChatError> {
        let ticket = self.jsapi_ticket().await?;
        let timestamp = chrono::Utc::now().timestamp();
        let nonce_str = nonce();
        Ok(JsSdkConfig {
            app_id: self.config.app_id.clone(),
            timestamp,
            signature: signature(&ticket, &nonce_str, timestamp, url),
            nonce_str,
        })
    }

    /// The cached `jsapi_ticket`, fetched (with a new access_token if needed) when stale.
    pub async fn jsapi_ticket(&self) -> Result<String, WeChatError> {
        let mut creds = self.credentials.lock().await;
        if let Some(ticket) = creds.jsapi_ticket.as_ref().and_then(Expiring::fresh) {
            return Ok(ticket.to_string());
        }
        if let Some(ticket) = self.shared_credential(SHARED_TICKET).await {
            let value = ticket.value.clone();
            creds.jsapi_ticket = Some(ticket);
            return Ok(value);
        }
        if let Some(ticket) = self.wait_for_refresh_turn().await {
            let value = ticket.value.clone();
            creds.jsapi_ticket = Some(ticket);
            return Ok(value);
        }
        let token = self.access_token(&mut creds).await?;
        let ticket = match self.fetch_ticket(&token).await {
            // WeChat can revoke a token early (e.g. when another server fetched a new one): fetch
            // a new one once and try again.
            Err(WeChatError::Api { code, .. }) if STALE_TOKEN_CODES.contains(&code) => {
                creds.access_token = None;
                self.forget_shared(SHARED_TOKEN).await;
                let token = self.access_token(&mut creds).await?;
                self.fetch_ticket(&token).await?
            }
            other => other?,
        };
        self.share(SHARED_TICKET, &ticket).await;
        if let Some(store) = &self.shared
            && let Err(e) = store.release_lease(REFRESH_LEASE_KEY).await
        {
            tracing::warn!(error = %e, "giving back the WeChat refresh lease failed");
        }
        let value = ticket.value.clone();
        creds.jsapi_ticket = Some(ticket);
        Ok(value)
    }

    async fn access_token(&self, creds: &mut Credentials) -> Result<String, WeChatError> {
        if let Some(token) = creds.access_token.as_ref().and_then(Expiring::fresh) {
            return Ok(token.to_string());
        }
        if let Some(token) = self.shared_credential(SHARED_TOKEN).await {
            let value = token.value.clone();
            creds.access_token = Some(token);
            return Ok(value);
        }
        const ENDPOINT: &str = "/cgi-bin/token";
        let answer = self
            .call(
                ENDPOINT,
                &[
                    ("grant_type", "client_credential"),
                    ("appid", &self.config.app_id),
                    ("secret", self.config.app_secret.expose()),
                ],
            )
            .await?;
        let token = Expiring::new(
            answer.access_token.ok_or(WeChatError::Malformed {
                endpoint: ENDPOINT,
                field: "access_token",
            })?,
            answer.expires_in.unwrap_or(7200),
        );
        self.share(SHARED_TOKEN, &token).await;
        let value = token.value.clone();
        creds.access_token = Some(token);
        tracing::info!("fetched a WeChat access_token");
        Ok(value)
    }

    async fn fetch_ticket(&self, access_token: &str) -> Result<Expiring, WeChatError> {
        const ENDPOINT: &str = "/cgi-bin/ticket/getticket";
        let answer = self
            .call(
                ENDPOINT,
                &[("access_token", access_token), ("type", "jsapi")],
            )
            .await?;
        let ticket = answer.ticket.ok_or(WeChatError::Malformed {
            endpoint: ENDPOINT,
            field: "ticket",
        })?;
        tracing::info!("fetched a WeChat jsapi_ticket");
        Ok(Expiring::new(ticket, answer.expires_in.unwrap_or(7200)))
    }

    async fn call(
        &self,
        endpoint: &'static str,
        query: &[(&str, &str)],
    ) -> Result<ApiAnswer, WeChatError> {
        // The token request's URL carries the AppSecret: keep it out of errors and logs.
        let http = |source: reqwest::Error| WeChatError::Http {
            endpoint,
            source: source.without_url(),
        };
        let answer: ApiAnswer = self
            .http
            .get(format!(
                "{}{endpoint}",
                self.config.api_base.trim_end_matches('/')
            ))
            .query(query)
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(http)?
            .json()
            .await
            .map_err(http)?;
        if answer.errcode != 0 {
            return Err(WeChatError::Api {
                endpoint,
                code: answer.errcode,
                message: answer.errmsg,
            });
        }
        Ok(answer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_matches_wechats_documented_example() {
        let ticket = "sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg";
        assert_eq!(
            signature(
                ticket,
                "Wm3WZYTPz0wzccnW",
                1414587457,
                "http://mp.weixin.qq.com?params=value"
            ),
            "0f9de62fce790f9a083d5c99e95740ceb90c27ed"
        );
        // The fragment is not signed.
        assert_eq!(
            signature(
                ticket,
                "Wm3WZYTPz0wzccnW",
                1414587457,
                "http://mp.weixin.qq.com?params=value#top"
            ),
            "0f9de62fce790f9a083d5c99e95740ceb90c27ed"
        );
    }

    #[test]
    fn nonces_are_alphanumeric_and_differ() {
        let (a, b) = (nonce(), nonce());
        assert_eq!(a.len(), 16);
        assert!(a.chars().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(a, b);
    }

    #[test]
    fn the_secret_stays_out_of_debug_output() {
        let c = WeChatConfig {
            app_id: "wx123".into(),
            app_secret: Secret::new("s3cr3t"),
            api_base: DEFAULT_API_BASE.into(),
        };
        let shown = format!("{c:?}");
        assert!(
            shown.contains("wx123") && !shown.contains("s3cr3t"),
            "{shown}"
        );
    }

    #[test]
    fn wechat_browser_is_recognised() {
        assert!(is_wechat_browser(
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) MicroMessenger/8.0.47"
        ));
        assert!(!is_wechat_browser(
            "Mozilla/5.0 (X11; Linux x86_64) Chrome/126.0"
        ));
    }
}
