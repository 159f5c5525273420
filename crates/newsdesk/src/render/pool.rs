//! CPU-heavy work on user-sized input (rendering a body, extracting its targets) runs here: on
//! tokio's blocking threads, so the async workers keep serving pages, and behind one process-wide
//! semaphore with a permit per core, so a burst of saves or previews queues instead of taking
//! every core. A caller waits a bounded time for a permit and then gets [`PoolError::Busy`].
//!
//! The permit moves into the blocking task, so work whose request was cancelled still counts
//! until it ends; with the structural limits of [`super::limits`] every job is short, which is also
//! why shutdown never waits long for one.

use std::sync::{Arc, LazyLock};
use std::time::Duration;

use tokio::sync::Semaphore;

/// How long a preview waits for a free core before answering "busy".
pub const PREVIEW_WAIT: Duration = Duration::from_secs(5);
/// How long a save waits (it carries the editor's work, so longer than a preview).
pub const SAVE_WAIT: Duration = Duration::from_secs(20);

/// One permit per core.
static PERMITS: LazyLock<Arc<Semaphore>> = LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
    Arc::new(Semaphore::new(cores))
});

/// Why a job did not run to completion.
#[derive(Debug, thiserror::Error)]
pub enum PoolError {
    /// Every core stayed busy for the whole wait.
    #[error("服务器正忙（正文处理任务过多），请稍后再试")]
    Busy,
    /// The job panicked (a bug); the panic is in the log.
    #[error("the CPU job failed: {0}")]
    Failed(#[from] tokio::task::JoinError),
}

/// Runs `work` on a blocking thread once a core is free, waiting at most `wait` for one.
pub async fn run<T, F>(wait: Duration, work: F) -> Result<T, PoolError>
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    let permit = tokio::time::timeout(wait, PERMITS.clone().acquire_owned())
        .await
        .map_err(|_| PoolError::Busy)?
        // The semaphore is never closed.
        .map_err(|_| PoolError::Busy)?;
    let out = tokio::task::spawn_blocking(move || {
        let out = work();
        drop(permit);
        out
    })
    .await?;
    Ok(out)
}

/// How many jobs can run at once.
pub fn capacity() -> usize {
    std::thread::available_parallelism().map_or(2, std::num::NonZero::get)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn jobs_run_and_a_full_pool_says_busy() {
        assert_eq!(run(SAVE_WAIT, || 2 + 2).await.unwrap(), 4);
        // Hold every permit: the next job waits, then gives up.
        let held = PERMITS
            .clone()
            .acquire_many_owned(u32::try_from(capacity()).unwrap())
            .await
            .unwrap();
        let r = run(Duration::from_millis(50), || ()).await;
        assert!(matches!(r, Err(PoolError::Busy)), "{r:?}");
        drop(held);
        run(SAVE_WAIT, || ()).await.unwrap();
    }
}
