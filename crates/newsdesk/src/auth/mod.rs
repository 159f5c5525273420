//! Accounts and sign-in, independent of HTTP: Argon2id password hashes, random tokens (sessions,
//! CSRF, API) of which only SHA-256 hashes are stored, login throttling, and the first admin.
//! Cookies, headers and redirects live in `web::admin`; SQL lives in the store.
//!
//! Every Argon2 computation (sign-in, the decoy for unknown names, new and reset passwords) runs
//! through [`hash_job`]: at most one per core at once (each takes 19 MiB and a core for tens of
//! milliseconds), and a caller that cannot start within [`HASH_QUEUE_WAIT`] gets
//! [`HashError::Busy`] instead of queueing without bound. The throttle rules are in [`throttle`].

pub mod throttle;

use std::cell::RefCell;
use std::sync::LazyLock;
use std::time::Duration;

use argon2::password_hash::{Output, PasswordHash, PasswordHasher, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use chrono::Utc;
use rand::RngCore;
use sha2::{Digest, Sha256};
use tokio::sync::Semaphore;

use crate::domain::{Role, User};
use crate::store::{Store, StoreError};
pub use throttle::THROTTLE_WINDOW;

/// How long a browser session lasts after sign-in.
pub const SESSION_TTL: Duration = Duration::from_secs(12 * 3600);
/// How long a browser keeps its device cookie (see [`throttle`]) after a sign-in.
pub const DEVICE_TTL: Duration = Duration::from_secs(90 * 24 * 3600);
/// How long a password hash may wait for a free core before the request is refused as busy.
pub const HASH_QUEUE_WAIT: Duration = Duration::from_secs(5);
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

/// Why a password could not be hashed or checked.
#[derive(Debug, thiserror::Error)]
pub enum HashError {
    /// Every core is busy hashing and none came free within [`HASH_QUEUE_WAIT`].
    #[error("服务器繁忙，请稍后再试")]
    Busy,
    /// Argon2 or its task failed.
    #[error(transparent)]
    Failed(#[from] anyhow::Error),
}

impl From<HashError> for crate::error::AppError {
    fn from(e: HashError) -> Self {
        match e {
            HashError::Busy => Self::TooManyRequests(e.to_string()),
            HashError::Failed(e) => Self::Internal(e),
        }
    }
}

/// How many Argon2 computations may run at once in this process: one per core.
fn hash_slots() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
}

/// Permits to hash, one per hash thread; waiting for one is bounded by [`HASH_QUEUE_WAIT`].
static HASH_SLOTS: LazyLock<Semaphore> = LazyLock::new(|| Semaphore::new(hash_slots()));

/// The threads that run Argon2: always the same few, not whichever blocking thread is free. Each
/// thread's malloc arena keeps the 19 MiB of its last hash for the next one, so a fixed set keeps
/// that memory at one block per core; on tokio's blocking pool a burst spread hashes over dozens
/// of threads and arenas and left hundreds of MiB resident.
static HASH_THREADS: LazyLock<Result<rayon::ThreadPool, String>> = LazyLock::new(|| {
    rayon::ThreadPoolBuilder::new()
        .num_threads(hash_slots())
        .thread_name(|i| format!("argon2-{i}"))
        // A panicking job drops its reply channel, which the caller sees as an error; without a
        // handler rayon would abort the process.
        .panic_handler(|_| tracing::error!("a password hash panicked"))
        .build()
        .map_err(|e| e.to_string())
});

/// Runs an Argon2 computation on a hash thread once a slot is free (or fails with `Busy` after
/// [`HASH_QUEUE_WAIT`]). The permit moves into the job, so a request dropped mid-hash (client
/// gone) still holds its slot until the hash is done.
async fn hash_job<T: Send + 'static>(
    job: impl FnOnce() -> T + Send + 'static,
) -> Result<T, HashError> {
    let permit = tokio::time::timeout(HASH_QUEUE_WAIT, HASH_SLOTS.acquire())
        .await
        .map_err(|_| HashError::Busy)?
        .map_err(|_| HashError::Busy)?;
    let threads = HASH_THREADS
        .as_ref()
        .map_err(|e| HashError::Failed(anyhow::anyhow!("starting the hash threads: {e}")))?;
    let (reply, result) = tokio::sync::oneshot::channel();
    threads.spawn(move || {
        let out = job();
        drop(permit);
        let _ = reply.send(out);
    });
    result
        .await
        .map_err(|_| HashError::Failed(anyhow::anyhow!("a password hash failed")))
}

/// Hashes a password with Argon2id (default parameters).
pub async fn hash_password(password: &str) -> Result<String, HashError> {
    let password = password.to_string();
    hash_job(move || {
        let salt = new_salt()?;
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| anyhow::anyhow!("hashing a password: {e}"))
    })
    .await?
    .map_err(HashError::Failed)
}

/// Whether `password` matches the PHC-format `hash`.
pub async fn verify_password(hash: &str, password: &str) -> Result<bool, HashError> {
    let (hash, password) = (hash.to_string(), password.to_string());
    hash_job(move || verify_phc(&hash, password.as_bytes())).await
}

thread_local! {
    /// A hash thread's Argon2 working memory (19 MiB with the default parameters), kept from one
    /// check to the next so a burst of sign-ins allocates nothing and memory stays at one block
    /// per hash thread.
    static ARGON2_MEMORY: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

/// What `PasswordVerifier::verify_password` does, with the thread's kept memory instead of a
/// fresh allocation: recompute the hash with the stored parameters and salt, compare in
/// constant time (`Output`'s equality).
fn verify_phc(phc: &str, password: &[u8]) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    let (Ok(algorithm), Ok(params), Some(salt), Some(expected)) = (
        Algorithm::try_from(parsed.algorithm),
        Params::try_from(&parsed),
        parsed.salt,
        parsed.hash,
    ) else {
        return false;
    };
    let Ok(version) = parsed
        .version
        .map_or(Ok(Version::default()), Version::try_from)
    else {
        return false;
    };
    let mut salt_bytes = [0_u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    let blocks = params.block_count();
    let argon2 = Argon2::new(algorithm, version, params);
    let mut out = vec![0_u8; expected.len()];
    // Unusually large parameters (not ours) get a one-off allocation rather than being kept.
    let computed = if blocks > 4 * Params::DEFAULT_M_COST as usize {
        argon2.hash_password_into(password, salt, &mut out)
    } else {
        ARGON2_MEMORY.with_borrow_mut(|memory| {
            if memory.len() < blocks {
                memory.resize(blocks, Block::default());
            }
            argon2.hash_password_into_with_memory(password, salt, &mut out, &mut memory[..blocks])
        })
    };
    computed.is_ok() && Output::new(&out).is_ok_and(|out| out == expected)
}

/// A hash no password matches in practice, checked for unknown names so that a wrong name takes
/// as long as a wrong password and names cannot be probed by timing. Written out with the default
/// parameters rather than computed, so making it costs no hash.
fn decoy_hash() -> &'static str {
    static DECOY: LazyLock<String> = LazyLock::new(|| {
        format!(
            "$argon2id$v=19$m={},t={},p={}$bmV3c2Rlc2sgZGVjb3kgc2FsdA$\
             bmV3c2Rlc2sgZGVjb3k7IG5vIHBhc3N3b3JkIGZpdHM",
            Params::DEFAULT_M_COST,
            Params::DEFAULT_T_COST,
            Params::DEFAULT_P_COST
        )
    });
    &DECOY
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
    /// Too many failures for this account, from this client, or both ([`throttle`]); the
    /// password was not checked.
    #[error(
        "登录失败次数过多（15 分钟内的失败都会计数），请 {}后再试",
        throttle::wait_text(*.wait)
    )]
    Throttled {
        /// How long until the next attempt may be checked.
        wait: Duration,
    },
    /// No core came free to check the password; the attempt was not counted.
    #[error("服务器繁忙，请稍后再试")]
    Busy,
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
    /// A new device cookie to set, unless the browser already holds a valid one for the account.
    pub device_token: Option<String>,
}

/// Checks a name and password and opens a session on success. `ip` is the client's address;
/// `device` the device cookie the browser sent, if any; `user_agent` the browser's, kept with the
/// session so its owner can tell their sessions apart.
///
/// The attempt is reserved (counted as a failure) in the store *before* the password is checked,
/// so concurrent guesses each see the others and a burst gets no more checks than the rules allow.
/// A refused attempt's reservation is released, so a flood neither grows the table nor pushes its
/// own wait further out; a failed one stays as the failure; a success forgets its pair's failures.
pub async fn sign_in(
    store: &dyn Store,
    name: &str,
    password: &str,
    ip: &str,
    device: Option<&str>,
    user_agent: &str,
) -> Result<NewSession, SignInError> {
    // No account has such a name (names are checked when made): no hash, no row.
    if check_user_name(name).is_err() {
        return Err(SignInError::BadCredentials);
    }
    let now = Utc::now();
    let device_id = match device {
        Some(token) => store.login_device(&token_hash(token), name, now).await?,
        None => None,
    };
    // A browser with this account's device cookie is its own client (see `throttle`).
    let client = device_id.map_or_else(|| ip.to_string(), |id| format!("device:{id}"));
    let window = chrono::Duration::from_std(THROTTLE_WINDOW).unwrap_or(chrono::Duration::MAX);
    let seen = store
        .reserve_login_attempt(name, &client, now, now - window)
        .await?;
    let wait = throttle::wait(&seen, device_id.is_some(), Utc::now());
    if !wait.is_zero() {
        store.release_login_attempt(seen.id).await?;
        return Err(SignInError::Throttled { wait });
    }
    let user = match check_credentials(store, name, password).await {
        Ok(user) => user,
        Err(HashError::Busy) => {
            store.release_login_attempt(seen.id).await?;
            return Err(SignInError::Busy);
        }
        Err(HashError::Failed(e)) => return Err(StoreError::Other(e).into()),
    };
    // A failure keeps its reservation as the record of the failure.
    let user = user.ok_or(SignInError::BadCredentials)?;
    store.clear_login_attempts(name, &client).await?;
    let device_token = if device_id.is_some() {
        None
    } else {
        let token = random_token();
        let ttl = chrono::Duration::from_std(DEVICE_TTL).unwrap_or(chrono::Duration::MAX);
        store
            .create_login_device(user.id, &token_hash(&token), now + ttl)
            .await?;
        Some(token)
    };
    let session = NewSession {
        user,
        token: random_token(),
        csrf_token: random_token(),
        device_token,
    };
    let ttl = chrono::Duration::from_std(SESSION_TTL).unwrap_or(chrono::Duration::MAX);
    store
        .create_session(
            &token_hash(&session.token),
            session.user.id,
            &session.csrf_token,
            now + ttl,
            ip,
            user_agent,
        )
        .await?;
    Ok(session)
}

/// Whether `password` is the current password of the active account `name` (for changing it).
pub async fn check_own_password(
    store: &dyn Store,
    name: &str,
    password: &str,
) -> Result<bool, HashError> {
    Ok(check_credentials(store, name, password).await?.is_some())
}

/// The active account if `password` is its password; `None` for a wrong password, an unknown
/// name (checked against the decoy, so it takes as long) or a disabled account.
async fn check_credentials(
    store: &dyn Store,
    name: &str,
    password: &str,
) -> Result<Option<User>, HashError> {
    let creds = match store.user_credentials(name).await {
        Ok(creds) => Some(creds),
        Err(StoreError::NotFound) => None,
        Err(e) => return Err(HashError::Failed(e.into())),
    };
    let hash = creds.as_ref().map_or(decoy_hash(), |c| &c.password_hash);
    let matches = verify_password(hash, password).await?;
    Ok(creds
        .filter(|c| matches && !c.user.disabled)
        .map(|c| c.user))
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
    let hash = hash_password(&password).await?;
    match store.create_user(FIRST_ADMIN, Role::Admin, &hash).await {
        Ok(_) => Ok(Some(password)),
        // Another node starting at the same moment on the same database made it first: counting
        // and creating are two steps, the name's uniqueness is the one that decides.
        Err(StoreError::Conflict { .. }) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_first_admin_is_made_once_even_when_two_starts_race() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::store::SqliteStore::open(dir.path()).await.unwrap();
        let (a, b) = tokio::join!(ensure_first_admin(&store), ensure_first_admin(&store));
        let made = [a.unwrap(), b.unwrap()];
        assert_eq!(made.iter().filter(|p| p.is_some()).count(), 1, "{made:?}");
        assert_eq!(
            crate::store::NewsroomStore::count_users(&store)
                .await
                .unwrap(),
            1
        );
    }

    #[tokio::test]
    async fn passwords_hash_with_argon2id_and_verify() {
        let hash = hash_password("correct horse battery").await.unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(
            verify_password(&hash, "correct horse battery")
                .await
                .unwrap()
        );
        assert!(!verify_password(&hash, "wrong").await.unwrap());
        assert!(!verify_password("not a hash", "x").await.unwrap());
        // Hashes made with other parameters (or by older versions) still verify.
        let other = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(8192, 1, 1, Some(24)).unwrap(),
        )
        .hash_password(b"older", &new_salt().unwrap())
        .unwrap()
        .to_string();
        assert!(verify_password(&other, "older").await.unwrap());
        assert!(!verify_password(&other, "older!").await.unwrap());
    }

    #[test]
    fn the_decoy_costs_what_a_real_hash_costs() {
        let decoy = PasswordHash::new(decoy_hash()).expect("the decoy parses, so it is computed");
        let real = Argon2::default()
            .hash_password(b"x", &new_salt().unwrap())
            .unwrap()
            .to_string();
        let real = PasswordHash::new(&real).unwrap();
        assert_eq!(decoy.params, real.params);
        assert_eq!(decoy.algorithm, real.algorithm);
        assert_eq!(
            decoy.hash.map(|h| h.len()),
            real.hash.map(|h| h.len()),
            "same output length"
        );
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
