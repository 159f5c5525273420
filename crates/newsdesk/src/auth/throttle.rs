//! The login-throttle rules, apart from storage: the store counts earlier attempts per scope
//! ([`crate::store::LoginReservation`]), and [`wait`] turns the counts into how long the client
//! must wait. Following OWASP's authentication and credential-stuffing cheat sheets, failures slow
//! a guesser down without letting anyone lock the owner out:
//!
//! - **per (account, client)**: [`PAIR_FREE_FAILURES`] failures within the window are free; after
//!   that each attempt waits a delay that doubles with every further failure (32 s, 64 s, …),
//!   capped at the window, counted from the pair's latest failure;
//! - **per client across accounts** (password spraying): the same, from [`CLIENT_FREE_FAILURES`];
//! - **per account across clients** (guesses from many addresses): the same, from
//!   [`ACCOUNT_FREE_FAILURES`], but *not* for a browser presenting a valid device cookie for the
//!   account (set on its last successful sign-in). Such a browser is its own client
//!   (`device:<id>`) rather than its address, so only its own failures ever slow it down: an
//!   attacker hammering `admin` from anywhere, even from the owner's address (shared NAT), cannot
//!   keep the owner's browser out. A new browser of the owner's, without the cookie, is slowed
//!   like everyone else while the attack goes on — the price of slowing a botnet at all.
//!
//! A success forgets only its own pair's failures, never the account's: the owner signing in
//! must not reset the count an attacker has built up elsewhere.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::store::{AttemptCount, LoginReservation};

/// Failed logins are counted over this window; older ones are forgotten.
pub const THROTTLE_WINDOW: Duration = Duration::from_secs(15 * 60);
/// Failures of one client against one account before delays start.
pub const PAIR_FREE_FAILURES: i64 = 5;
/// Failures of one client against any accounts before delays start.
pub const CLIENT_FREE_FAILURES: i64 = 20;
/// Failures against one account from clients without its device cookie before delays start.
pub const ACCOUNT_FREE_FAILURES: i64 = 10;
/// The first delay is 2^this seconds (32 s).
const FIRST_DELAY_EXPONENT: i64 = 5;
/// The longest delay: the window itself.
pub const MAX_DELAY: Duration = THROTTLE_WINDOW;

/// How long after its latest failure a scope with `failures` failures in the window must wait
/// before its next attempt, for a scope allowing `free` failures: nothing below `free`, then
/// 2^(5 + failures − free) seconds, at most [`MAX_DELAY`].
pub fn delay_after(failures: i64, free: i64) -> Duration {
    if failures < free {
        return Duration::ZERO;
    }
    let exponent = FIRST_DELAY_EXPONENT.saturating_add(failures.saturating_sub(free));
    match u32::try_from(exponent) {
        Ok(e) if e < 63 => Duration::from_secs(1_u64 << e).min(MAX_DELAY),
        _ => MAX_DELAY,
    }
}

/// How long one scope must still wait at `now`.
fn scope_wait(seen: AttemptCount, free: i64, now: DateTime<Utc>) -> Duration {
    let delay = delay_after(seen.count, free);
    let Some(last) = seen.last_at else {
        return Duration::ZERO;
    };
    if delay.is_zero() {
        return Duration::ZERO;
    }
    let until = last + chrono::Duration::from_std(delay).unwrap_or(chrono::Duration::MAX);
    (until - now).to_std().unwrap_or(Duration::ZERO)
}

/// How long the client must wait before this attempt may be checked (zero: go ahead).
/// `trusted_device`: the client presented a valid device cookie for the account, so the
/// per-account scope does not apply.
pub fn wait(seen: &LoginReservation, trusted_device: bool, now: DateTime<Utc>) -> Duration {
    let pair = scope_wait(seen.pair, PAIR_FREE_FAILURES, now);
    let client = scope_wait(seen.client, CLIENT_FREE_FAILURES, now);
    let account = if trusted_device {
        Duration::ZERO
    } else {
        scope_wait(seen.account, ACCOUNT_FREE_FAILURES, now)
    };
    pair.max(client).max(account)
}

/// A wait as the login page says it: seconds under a minute, else minutes rounded up.
pub fn wait_text(wait: Duration) -> String {
    let secs = wait.as_secs().max(1);
    if secs < 60 {
        format!("{secs} 秒")
    } else {
        format!("{} 分钟", secs.div_ceil(60))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen(count: i64, secs_ago: i64, now: DateTime<Utc>) -> AttemptCount {
        AttemptCount {
            count,
            last_at: (count > 0).then(|| now - chrono::Duration::seconds(secs_ago)),
        }
    }

    #[test]
    fn delays_start_after_the_free_failures_double_and_stop_at_the_window() {
        let free = PAIR_FREE_FAILURES;
        assert_eq!(delay_after(0, free), Duration::ZERO);
        assert_eq!(delay_after(free - 1, free), Duration::ZERO);
        assert_eq!(delay_after(free, free), Duration::from_secs(32));
        assert_eq!(delay_after(free + 1, free), Duration::from_secs(64));
        assert_eq!(delay_after(free + 4, free), Duration::from_secs(512));
        assert_eq!(delay_after(free + 5, free), MAX_DELAY);
        assert_eq!(delay_after(i64::MAX, free), MAX_DELAY);
        assert_eq!(delay_after(i64::MAX, i64::MIN), MAX_DELAY);
    }

    #[test]
    fn the_wait_counts_from_the_latest_failure_and_device_cookies_skip_the_account_scope() {
        let now = Utc::now();
        let quiet = seen(0, 0, now);
        let mut r = LoginReservation {
            id: 1,
            pair: seen(PAIR_FREE_FAILURES, 2, now),
            client: quiet,
            account: quiet,
        };
        assert_eq!(wait(&r, false, now), Duration::from_secs(30));
        r.pair = seen(PAIR_FREE_FAILURES, 40, now);
        assert_eq!(wait(&r, false, now), Duration::ZERO, "the delay has passed");

        // Many failures against the account from elsewhere: only a trusted device gets through.
        r.pair = quiet;
        r.account = seen(ACCOUNT_FREE_FAILURES + 3, 1, now);
        assert_eq!(wait(&r, false, now), Duration::from_secs(255));
        assert_eq!(wait(&r, true, now), Duration::ZERO);

        // Spraying from one client is slowed whatever the account.
        r.client = seen(CLIENT_FREE_FAILURES, 0, now);
        assert_eq!(wait(&r, true, now), Duration::from_secs(32));
    }

    #[test]
    fn waits_read_in_seconds_or_minutes() {
        assert_eq!(wait_text(Duration::from_secs(32)), "32 秒");
        assert_eq!(wait_text(Duration::from_millis(300)), "1 秒");
        assert_eq!(wait_text(Duration::from_secs(61)), "2 分钟");
        assert_eq!(wait_text(Duration::from_secs(900)), "15 分钟");
    }
}
