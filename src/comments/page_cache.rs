//! The first page of an editorial's comments, as anonymous readers see it,
//! kept as the finished JSON answer.
//!
//! Readers far outnumber writers, and most of them ask for the same first
//! page. An answer is kept with the store's write version it was built at and
//! is served while that version holds; the first reader after a write builds
//! it again, and readers arriving during that build get the previous page
//! instead of each running the queries. A logged-in reader is served the kept
//! page only when it is current and they have no comment of their own that
//! only they are shown (pending, or hidden by reports); later pages are not kept.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, RwLock};

use actix_web::web::Bytes;
use sha2::{Digest, Sha256};

use crate::comments::Order;
use crate::storage::Store;

/// Pages kept at most; past this the whole table is dropped and refills with
/// whatever is being read.
const MAX_PAGES: usize = 1024;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PageKey {
    pub article_id: String,
    pub order: Order,
    pub limit: usize,
}

/// A finished JSON answer and its entity tag.
#[derive(Debug)]
pub struct Page {
    pub body: Bytes,
    pub etag: String,
    version: u64,
}

impl Page {
    pub fn new(body: Bytes) -> Page {
        Page {
            etag: etag_of(&body),
            body,
            version: 0,
        }
    }
}

/// A strong entity tag from the bytes, so an unrelated write leaves it alone.
pub fn etag_of(body: &[u8]) -> String {
    let digest = Sha256::digest(body);
    format!("\"{}\"", hex::encode(&digest[..12]))
}

pub struct PageCache {
    store: Store,
    pages: RwLock<HashMap<PageKey, Arc<Page>>>,
    /// One build at a time; those who wait find the page built.
    building: tokio::sync::Mutex<()>,
}

impl PageCache {
    pub fn new(store: Store) -> PageCache {
        PageCache {
            store,
            pages: RwLock::new(HashMap::new()),
            building: tokio::sync::Mutex::new(()),
        }
    }

    /// The kept page if no write came since it was built. Otherwise the
    /// reader rebuilds it, unless another reader is rebuilding already: then
    /// the previous page is served meanwhile rather than queueing every reader
    /// behind each write. A reader who finds no rebuild under way always gets
    /// a page built after its arrival, so a write is shown to the next reader.
    pub async fn get_or_build<F, Fut, E>(&self, key: PageKey, build: F) -> Result<Arc<Page>, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Bytes, E>>,
    {
        let kept = self.kept(&key);
        if let Some(page) = kept.as_ref().filter(|p| self.is_current(p)) {
            return Ok(page.clone());
        }
        let _building = match (self.building.try_lock(), kept) {
            (Ok(guard), _) => guard,
            (Err(_), Some(previous)) => return Ok(previous),
            (Err(_), None) => self.building.lock().await,
        };
        // Read before the queries: a write that lands during them makes the
        // page stale at once rather than leaving it stale for good.
        let version = self.store.version();
        if let Some(page) = self.kept(&key).filter(|p| p.version == version) {
            return Ok(page);
        }
        let mut page = Page::new(build().await?);
        page.version = version;
        let page = Arc::new(page);
        let mut pages = self.pages.write().unwrap_or_else(|e| e.into_inner());
        if pages.len() >= MAX_PAGES {
            pages.clear();
        }
        pages.insert(key, page.clone());
        Ok(page)
    }

    /// The kept page only if no write came since it was built; never builds.
    pub fn fresh(&self, key: &PageKey) -> Option<Arc<Page>> {
        self.kept(key).filter(|page| self.is_current(page))
    }

    fn is_current(&self, page: &Page) -> bool {
        page.version == self.store.version()
    }

    fn kept(&self, key: &PageKey) -> Option<Arc<Page>> {
        let pages = self.pages.read().unwrap_or_else(|e| e.into_inner());
        pages.get(key).cloned()
    }
}
