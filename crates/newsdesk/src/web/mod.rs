//! The HTTP layer: application state, routes ([`routes`]), handlers by audience ([`public`]),
//! extractors ([`extract`]) and middleware. Handlers extract, call the store, build a view model and
//! render it; they never write SQL.

pub mod extract;
pub mod middleware;
pub mod public;
pub mod routes;

use std::sync::{Arc, PoisonError, RwLock};

use crate::counter::ViewCounter;
use crate::domain::{Channel, SiteSettings};
use crate::render::Renderer;
use crate::store::{Store, StoreResult};

/// What every page's header and footer need, cached in memory and reloaded when it changes.
#[derive(Debug, Clone, Default)]
pub struct Chrome {
    /// Site settings.
    pub site: SiteSettings,
    /// Channels in navigation order.
    pub channels: Vec<Channel>,
}

/// Shared state of the web layer; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub store: Arc<dyn Store>,
    /// Templates and static assets.
    pub renderer: Arc<Renderer>,
    /// 浏览量 counter.
    pub counter: Arc<ViewCounter>,
    chrome: Arc<RwLock<Arc<Chrome>>>,
}

impl AppState {
    /// State over a store, with the site chrome loaded from it.
    pub async fn new(
        store: Arc<dyn Store>,
        renderer: Arc<Renderer>,
        counter: Arc<ViewCounter>,
    ) -> StoreResult<Self> {
        let state = Self {
            store,
            renderer,
            counter,
            chrome: Arc::default(),
        };
        state.reload_chrome().await?;
        Ok(state)
    }

    /// The cached site settings and channels.
    pub fn chrome(&self) -> Arc<Chrome> {
        self.chrome
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Re-reads site settings and channels from the store.
    pub async fn reload_chrome(&self) -> StoreResult<()> {
        let chrome = Chrome {
            site: self.store.site_settings().await?,
            channels: self.store.list_channels().await?,
        };
        *self.chrome.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(chrome);
        Ok(())
    }
}
