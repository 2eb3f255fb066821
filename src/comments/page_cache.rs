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
//!
//! Only the default request shape (the first page of `DEFAULT_LIMIT` threads,
//! in each order, and the best comments) is kept, and all kept pages together hold at most
//! `MAX_BYTES`: a stranger cycling `limit=1..100` would otherwise make the
//! server keep a page of up to 100 threads with their replies per shape.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, RwLock};

use bytes::Bytes;
use sha2::{Digest, Sha256};

use crate::domain::comments::Order;
use crate::domain::paging::DEFAULT_LIMIT;
use crate::storage::Store;
use crate::telemetry::metrics::{self, PageServed};

/// The bytes all kept pages may hold; past this the pages built longest ago go.
const MAX_BYTES: usize = 32 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PageKey {
    pub article_id: String,
    pub kind: PageKind,
    pub order: Order,
    pub limit: usize,
}

/// Which answer of an editorial a kept page is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PageKind {
    /// The listing's first page.
    Listing,
    /// The best comments.
    Best,
}

impl PageKey {
    /// Whether pages of this shape are kept: the widget's first page only.
    pub fn is_kept(&self) -> bool {
        self.limit == DEFAULT_LIMIT
    }
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
    store: Arc<dyn Store>,
    pages: RwLock<Pages>,
    /// One build at a time; those who wait find the page built.
    building: tokio::sync::Mutex<()>,
}

impl PageCache {
    pub fn new(store: Arc<dyn Store>) -> PageCache {
        PageCache {
            store,
            pages: RwLock::new(Pages::default()),
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
        if !key.is_kept() {
            return Ok(Arc::new(Page::new(build().await?)));
        }
        let kept = self.kept(&key);
        if let Some(page) = kept.as_ref().filter(|p| self.is_current(p)) {
            metrics::page_served(PageServed::Hit);
            return Ok(page.clone());
        }
        let _building = match (self.building.try_lock(), kept) {
            (Ok(guard), _) => guard,
            (Err(_), Some(previous)) => {
                metrics::page_served(PageServed::Previous);
                return Ok(previous);
            }
            (Err(_), None) => self.building.lock().await,
        };
        // Read before the queries: a write that lands during them makes the
        // page stale at once rather than leaving it stale for good.
        let version = self.store.version();
        if let Some(page) = self.kept(&key).filter(|p| p.version == version) {
            metrics::page_served(PageServed::Hit);
            return Ok(page);
        }
        metrics::page_served(PageServed::Built);
        let mut page = Page::new(build().await?);
        page.version = version;
        let page = Arc::new(page);
        let mut pages = self.pages.write().unwrap_or_else(|e| e.into_inner());
        pages.insert(key, page.clone(), MAX_BYTES);
        Ok(page)
    }

    /// The kept page only if no write came since it was built; never builds.
    pub fn fresh(&self, key: &PageKey) -> Option<Arc<Page>> {
        let fresh = self.kept(key).filter(|page| self.is_current(page));
        if fresh.is_some() {
            metrics::page_served(PageServed::Hit);
        }
        fresh
    }

    fn is_current(&self, page: &Page) -> bool {
        page.version == self.store.version()
    }

    fn kept(&self, key: &PageKey) -> Option<Arc<Page>> {
        let pages = self.pages.read().unwrap_or_else(|e| e.into_inner());
        pages.by_key.get(key).map(|(page, _)| page.clone())
    }
}

/// The kept pages, each with the number of its build, and their bytes.
#[derive(Default)]
struct Pages {
    by_key: HashMap<PageKey, (Arc<Page>, u64)>,
    bytes: usize,
    builds: u64,
}

impl Pages {
    /// Keeps `page`, then drops the pages built longest ago until all fit in
    /// `budget` (a page larger than the budget is served but not kept).
    fn insert(&mut self, key: PageKey, page: Arc<Page>, budget: usize) {
        self.builds += 1;
        self.bytes += page.body.len();
        if let Some((old, _)) = self.by_key.insert(key, (page, self.builds)) {
            self.bytes -= old.body.len();
        }
        while self.bytes > budget {
            let Some(oldest) = self
                .by_key
                .iter()
                .min_by_key(|(_, (_, build))| *build)
                .map(|(key, _)| key.clone())
            else {
                break;
            };
            if let Some((page, _)) = self.by_key.remove(&oldest) {
                self.bytes -= page.body.len();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(article: &str) -> PageKey {
        PageKey {
            article_id: article.into(),
            kind: PageKind::Listing,
            order: Order::Newest,
            limit: DEFAULT_LIMIT,
        }
    }

    fn page(bytes: usize) -> Arc<Page> {
        Arc::new(Page::new(Bytes::from(vec![b' '; bytes])))
    }

    #[test]
    fn kept_pages_stay_within_the_budget_and_the_oldest_go_first() {
        let mut pages = Pages::default();
        for article in ["a", "b", "c"] {
            pages.insert(key(article), page(40), 100);
        }
        assert_eq!(pages.bytes, 80);
        assert!(!pages.by_key.contains_key(&key("a")), "the oldest went");
        pages.insert(key("b"), page(10), 100);
        assert_eq!(pages.bytes, 50, "a page built again replaces its bytes");
        pages.insert(key("huge"), page(500), 100);
        assert_eq!(pages.bytes, 0, "a page over the budget is not kept");
    }

    #[test]
    fn only_the_default_shape_is_kept() {
        assert!(key("a").is_kept());
        let other = PageKey {
            limit: 21,
            ..key("a")
        };
        assert!(!other.is_kept());
    }
}
