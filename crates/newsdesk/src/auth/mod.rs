//! Accounts and sign-in, independent of HTTP: Argon2id password hashes, random tokens (sessions,
//! CSRF, API) of which only SHA-256 hashes are stored, login throttling, and the first admin.
//! Cookies, headers and redirects live in `web::admin`; SQL lives in the store.

use std::sync::OnceLock;
use std::time::Duration;

use anyhow::Context;
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use chrono::Utc;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::domain::{Role, User};
use crate::store::{Store, StoreError};

/// How long a browser session lasts after sign-in.
pub const SESSION_TTL: Duration = Duration::from_secs(12 * 3600);
/// Failed logins are counted over this window…
pub const THROTTLE_WINDOW: Duration = Duration::from_secs(15 * 60);
/// …and this many, for one account or from one address, block further attempts.
pub const THROTTLE_MAX_FAILURES: i64 = 5;
/// Shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 10;
/// Prefix of API tokens, so a leaked one is recognisable in logs and scanners.
pub const API_TOKEN_PREFIX: &str = "nd_";

/// A new random token: 32 bytes from the OS generator, hex-encoded.
pub fn random_token() -> String {
    let mut bytes = [0_u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex(&bytes)
}

/// What the database keeps of a token: its SHA-256, hex-encoded.
pub fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A random password of 20 characters without look-alikes (0/O, 1/l/I), for printing once.
pub fn generate_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut out = String::with_capacity(20);
    let mut bytes = [0_u8; 1];
    while out.len() < 20 {
        rand::rng().fill_bytes(&mut bytes);
        // Rejection sampling keeps every character equally likely.
        let b = usize::from(bytes[0]);
        if b < 256 - 256 % ALPHABET.len() {
            out.push(char::from(ALPHABET[b % ALPHABET.len()]));
        }
    }
    out
}

/// A random 16-byte salt.
fn new_salt() -> anyhow::Result<SaltString> {
    let mut bytes = [0_u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    SaltString::encode_b64(&bytes).map_err(|e| anyhow::anyhow!("encoding a salt: {e}"))
}

/// Hashes a password with Argon2id (default parameters) on a blocking thread.
pub async fn hash_password(password: &str) -> anyhow::Result<String> {
    let password = password.to_string();
    tokio::task::spawn_blocking(move || {
        let salt = new_salt()?;
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| anyhow::anyhow!("hashing a password: {e}"))
    })
    .await
    .context("password hashing task")?
}

/// Whether `password` matches the PHC-format `hash`, checked on a blocking thread.
pub async fn verify_password(hash: &str, password: &str) -> bool {
    let (hash, password) = (hash.to_string(), password.to_string());
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash).is_ok_and(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
    })
    .await
    .unwrap_or(false)
}

/// A hash no password matches in practice, checked for unknown names so that a wrong name takes
/// as long as a wrong password and names cannot be probed by timing.
fn decoy_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| {
        new_salt()
            .and_then(|salt| {
                Argon2::default()
                    .hash_password(random_token().as_bytes(), &salt)
                    .map(|h| h.to_string())
                    .map_err(|e| anyhow::anyhow!("{e}"))
            })
            .unwrap_or_default()
    })
}

/// Checks a login name: 1–32 letters, digits, `.`, `_` or `-`.
pub fn check_user_name(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.chars().count() <= 32
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "用户名 {name:?} 无效：只能使用 1–32 个英文字母、数字、点、下划线或连字符"
        ))
    }
}

/// Checks a new password's length.
pub fn check_password(password: &str) -> Result<(), String> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        Err(format!("密码太短：至少需要 {MIN_PASSWORD_CHARS} 个字符"))
    } else {
        Ok(())
    }
}

/// Creates an account after checking its name and password.
pub async fn create_user(
    store: &dyn Store,
    name: &str,
    role: Role,
    password: &str,
) -> anyhow::Result<User> {
    check_user_name(name).map_err(anyhow::Error::msg)?;
    check_password(password).map_err(anyhow::Error::msg)?;
    let hash = hash_password(password).await?;
    match store.create_user(name, role, &hash).await {
        Ok(user) => Ok(user),
        Err(StoreError::Conflict { .. }) => anyhow::bail!("a user named {name:?} already exists"),
        Err(e) => Err(e.into()),
    }
}

/// Why a sign-in failed, as the login page says it.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    /// Unknown name, wrong password or disabled account: one message for all, so names cannot
    /// be probed.
    #[error("用户名或密码错误")]
    BadCredentials,
    /// Too many failures for this account or from this address.
    #[error("登录失败次数过多：15 分钟内最多尝试 {THROTTLE_MAX_FAILURES} 次，请稍后再试")]
    Throttled,
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A new session: the cookie's token (only its hash is stored) and the CSRF token.
#[derive(Debug, Clone)]
pub struct NewSession {
    /// The account.
    pub user: User,
    /// Secret for the session cookie.
    pub token: String,
    /// Token for forms and `X-CSRF-Token`.
    pub csrf_token: String,
}

/// Checks a name and password, with throttling per account and per client address, and opens a
/// session on success.
pub async fn sign_in(
    store: &dyn Store,
    name: &str,
    password: &str,
    ip: &str,
) -> Result<NewSession, SignInError> {
    let now = Utc::now();
    let window = chrono::Duration::from_std(THROTTLE_WINDOW).unwrap_or(chrono::Duration::MAX);
    let (by_account, by_ip) = store.login_failures(name, ip, now - window).await?;
    if by_account >= THROTTLE_MAX_FAILURES || by_ip >= THROTTLE_MAX_FAILURES {
        return Err(SignInError::Throttled);
    }
    let user = match store.user_credentials(name).await {
        Ok(creds) if verify_password(&creds.password_hash, password).await => {
            (!creds.user.disabled).then_some(creds.user)
        }
        Ok(_) => None,
        Err(StoreError::NotFound) => {
            verify_password(decoy_hash(), password).await;
            None
        }
        Err(e) => return Err(e.into()),
    };
    let Some(user) = user else {
        store
            .record_login_failure(name, ip, now, now - window)
            .await?;
        return Err(SignInError::BadCredentials);
    };
    store.clear_login_failures(name).await?;
    let session = NewSession {
        user,
        token: random_token(),
        csrf_token: random_token(),
    };
    let ttl = chrono::Duration::from_std(SESSION_TTL).unwrap_or(chrono::Duration::MAX);
    store
        .create_session(
            &token_hash(&session.token),
            session.user.id,
            &session.csrf_token,
            now + ttl,
        )
        .await?;
    Ok(session)
}

/// A new API token for `user`; returns the secret, shown once (only its hash is stored).
pub async fn create_api_token(
    store: &dyn Store,
    user: &User,
    name: &str,
) -> Result<(i64, String), StoreError> {
    let token = format!("{API_TOKEN_PREFIX}{}", random_token());
    let id = store
        .create_api_token(user.id, name, &token_hash(&token))
        .await?;
    Ok((id, token))
}

/// Name of the admin created on the first start.
pub const FIRST_ADMIN: &str = "admin";

/// On the first start with no accounts, creates the admin `admin` with a random password and
/// returns the password, to be shown once on the terminal (never logged).
pub async fn ensure_first_admin(store: &dyn Store) -> anyhow::Result<Option<String>> {
    if store.count_users().await? > 0 {
        return Ok(None);
    }
    let password = generate_password();
    create_user(store, FIRST_ADMIN, Role::Admin, &password).await?;
    Ok(Some(password))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn passwords_hash_with_argon2id_and_verify() {
        let hash = hash_password("correct horse battery").await.unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password(&hash, "correct horse battery").await);
        assert!(!verify_password(&hash, "wrong").await);
        assert!(!verify_password("not a hash", "x").await);
    }

    #[test]
    fn tokens_are_random_and_hashed() {
        let (a, b) = (random_token(), random_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 64);
        assert_eq!(token_hash(&a).len(), 64);
        assert_ne!(token_hash(&a), a);
        let p = generate_password();
        assert_eq!(p.chars().count(), 20);
        assert!(check_password(&p).is_ok());
    }

    #[test]
    fn user_names_are_checked() {
        assert!(check_user_name("zhang.san-2").is_ok());
        assert!(check_user_name("").is_err());
        assert!(check_user_name("张三").is_err());
        assert!(check_user_name("a b").is_err());
    }
}
