//! The hub of live moderation events: services publish what changed, open
//! desks receive it.
//!
//! Publishing (give a change its id) and delivering (keep it in the window,
//! send it to the streams) are two steps, so that a second process's events
//! can be delivered here too once they arrive from the database (issue 17).
//! Memory is bounded: a window of the last `EVENT_WINDOW` events shared by
//! all, one broadcast buffer, and at most `EVENT_STREAMS` streams, of which one
//! account holds at most `EVENT_STREAMS_PER_ACCOUNT`. A stream
//! that falls behind the broadcast is sent what it missed from the window, or
//! is ended when the window no longer holds it, so its desk reconnects.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};

use tokio::sync::broadcast::error::RecvError;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, broadcast};

use crate::domain::events::{Change, Event, TooManyStreams};
use crate::domain::ids::AccountId;
use crate::telemetry::metrics::OpenStream;

/// Events in the broadcast buffer; a stream further behind catches up from
/// the window.
const LIVE_BUFFER: usize = 256;

pub struct EventHub {
    window: Mutex<Window>,
    slots: Arc<Semaphore>,
    /// Streams open per account; an account with none has no entry, so the
    /// map holds at most one entry per open stream.
    accounts: Mutex<HashMap<AccountId, usize>>,
    per_account: usize,
    /// Set when several processes share the database: changes go out
    /// through it and come back, numbered, to every process's hub.
    relay: OnceLock<Arc<dyn Relay>>,
}

/// Carries a change to every process's hub, which `deliver`s it.
pub trait Relay: Send + Sync {
    fn send(&self, change: Change);
}

/// The most recent events, oldest first, and the live broadcast.
struct Window {
    /// `None` once the hub is closed: the streams end.
    live: Option<broadcast::Sender<Event>>,
    events: VecDeque<Event>,
    capacity: usize,
    /// The id the next published event gets.
    next_id: u64,
    /// The newest id that left the window (0: none yet).
    evicted: u64,
}

impl Window {
    fn keep(&mut self, event: Event) {
        if self.events.len() == self.capacity
            && let Some(oldest) = self.events.pop_front()
        {
            self.evicted = oldest.id;
        }
        self.events.push_back(event);
    }

    /// Keeps the event and sends it live, under the one lock, so that the
    /// window and the streams see events in the same order.
    fn deliver(&mut self, event: Event) {
        self.keep(event.clone());
        if let Some(live) = &self.live {
            // No stream open is no error.
            let _ = live.send(event);
        }
    }

    fn newest(&self) -> u64 {
        self.events.back().map_or(0, |e| e.id)
    }

    /// The kept events after `id`, oldest first.
    fn after(&self, id: u64) -> VecDeque<Event> {
        let start = self.events.partition_point(|e| e.id <= id);
        self.events.range(start..).cloned().collect()
    }
}

/// Microseconds since the epoch: the first id of this process, so that the
/// ids after a restart are above those before it.
fn start_id() -> u64 {
    let micros = chrono::Utc::now().timestamp_micros();
    u64::try_from(micros).unwrap_or(1).max(1)
}

impl EventHub {
    /// `window`: events kept for reconnects; `streams`: streams open at once;
    /// `per_account`: of those, streams one account may hold.
    pub fn new(window: usize, streams: usize, per_account: usize) -> Arc<EventHub> {
        EventHub::starting_at(start_id(), window, streams, per_account)
    }

    pub fn starting_at(
        first_id: u64,
        window: usize,
        streams: usize,
        per_account: usize,
    ) -> Arc<EventHub> {
        let capacity = window.max(1);
        let (live, _) = broadcast::channel(LIVE_BUFFER);
        Arc::new(EventHub {
            window: Mutex::new(Window {
                live: Some(live),
                events: VecDeque::with_capacity(capacity),
                capacity,
                next_id: first_id,
                evicted: 0,
            }),
            slots: Arc::new(Semaphore::new(streams)),
            accounts: Mutex::new(HashMap::new()),
            per_account,
            relay: OnceLock::new(),
        })
    }

    fn window(&self) -> MutexGuard<'_, Window> {
        // The window is valid after any panic: each change is one push.
        self.window.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// From now on, changes go out through `relay` and are delivered as they
    /// come back; the first relay set stays.
    pub fn relay_through(&self, relay: Arc<dyn Relay>) {
        let _ = self.relay.set(relay);
    }

    /// Tells every open desk about a change that has been written.
    pub fn publish(&self, change: Change) {
        match self.relay.get() {
            Some(relay) => relay.send(change),
            None => {
                self.publish_here(change);
            }
        }
    }

    /// Numbers the change here and delivers it.
    fn publish_here(&self, change: Change) -> u64 {
        let mut window = self.window();
        let id = window.next_id;
        window.next_id += 1;
        window.deliver(Event { id, change });
        id
    }

    /// Keeps an event that already has its id and sends it to the streams;
    /// one older than the newest kept is dropped, as ids only increase.
    pub fn deliver(&self, event: Event) {
        let mut window = self.window();
        if event.id > window.newest() {
            window.next_id = window.next_id.max(event.id + 1);
            window.deliver(event);
        }
    }

    /// Ends every stream once it has sent what it holds, and refuses new
    /// ones: the server is stopping, and open streams would hold it up.
    pub fn close(&self) {
        self.window().live = None;
        self.slots.close();
    }

    /// Opens a stream for `account`: first the kept events after `last_id`
    /// (the desk's `Last-Event-ID`), then live ones. An id newer than any
    /// kept one is from elsewhere and counts as none.
    pub fn subscribe(
        self: &Arc<Self>,
        account: AccountId,
        last_id: Option<u64>,
    ) -> Result<Subscription, TooManyStreams> {
        let account_slot = self.take_account_slot(account)?;
        let slot = self
            .slots
            .clone()
            .try_acquire_owned()
            .map_err(|_| TooManyStreams::Server)?;
        let window = self.window();
        let live = window
            .live
            .as_ref()
            .ok_or(TooManyStreams::Server)?
            .subscribe();
        let newest = window.newest();
        let last_id = match last_id {
            Some(id) if id <= newest => id,
            _ => newest,
        };
        Ok(Subscription {
            backlog: window.after(last_id),
            live,
            last_id,
            hub: self.clone(),
            _slot: slot,
            _account_slot: account_slot,
            _counted: OpenStream::opened(),
        })
    }

    fn accounts(&self) -> MutexGuard<'_, HashMap<AccountId, usize>> {
        // Valid after any panic: each change is one counter.
        self.accounts.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn take_account_slot(
        self: &Arc<Self>,
        account: AccountId,
    ) -> Result<AccountSlot, TooManyStreams> {
        let mut accounts = self.accounts();
        let open = accounts.entry(account).or_insert(0);
        if *open >= self.per_account {
            return Err(TooManyStreams::Account);
        }
        *open += 1;
        Ok(AccountSlot {
            hub: self.clone(),
            account,
        })
    }

    /// How many events the window holds.
    pub fn kept(&self) -> usize {
        self.window().events.len()
    }
}

/// One of an account's streams, given back when the stream is dropped.
struct AccountSlot {
    hub: Arc<EventHub>,
    account: AccountId,
}

impl Drop for AccountSlot {
    fn drop(&mut self) {
        let mut accounts = self.hub.accounts();
        if let Some(open) = accounts.get_mut(&self.account) {
            *open = open.saturating_sub(1);
            if *open == 0 {
                accounts.remove(&self.account);
            }
        }
    }
}

/// One open stream. It holds a slot until it is dropped, and its backlog
/// only shrinks: at most a window's worth, taken when it opened or fell behind.
pub struct Subscription {
    backlog: VecDeque<Event>,
    live: broadcast::Receiver<Event>,
    /// The last event sent on this stream.
    last_id: u64,
    hub: Arc<EventHub>,
    _slot: OwnedSemaphorePermit,
    _account_slot: AccountSlot,
    _counted: OpenStream,
}

impl Subscription {
    /// The next event, in id order; `None` when the stream must end (it fell
    /// out of the window). Safe to cancel between events.
    pub async fn next(&mut self) -> Option<Event> {
        loop {
            if let Some(event) = self.backlog.pop_front() {
                self.last_id = event.id;
                return Some(event);
            }
            match self.live.recv().await {
                Ok(event) if event.id <= self.last_id => continue,
                Ok(event) => {
                    self.last_id = event.id;
                    return Some(event);
                }
                Err(RecvError::Lagged(_)) => self.catch_up()?,
                Err(RecvError::Closed) => return None,
            }
        }
    }

    /// Refills the backlog from the window after falling behind the live
    /// buffer; `None` when the window no longer holds what was missed.
    fn catch_up(&mut self) -> Option<()> {
        let window = self.hub.window();
        if window.evicted > self.last_id {
            return None;
        }
        self.backlog = window.after(self.last_id);
        Some(())
    }

    pub fn last_id(&self) -> u64 {
        self.last_id
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::events::{EventKind, EventState};
    use crate::domain::ids::AccountId;

    const MODERATOR: AccountId = AccountId::new(1);

    fn change(n: i64) -> Change {
        Change {
            kind: EventKind::Sanctioned,
            comment_id: None,
            user_id: Some(AccountId::new(n)),
            state: EventState::Lifted,
            article_id: None,
            at: chrono::Utc::now(),
        }
    }

    async fn take(sub: &mut Subscription, count: usize) -> Vec<u64> {
        let mut ids = Vec::new();
        for _ in 0..count {
            let next = tokio::time::timeout(std::time::Duration::from_secs(1), sub.next());
            ids.push(next.await.expect("an event in time").expect("open").id);
        }
        ids
    }

    #[test]
    fn the_window_stays_bounded_after_ten_thousand_events() {
        let hub = EventHub::starting_at(1, 1000, 10, 10);
        for n in 0..10_000 {
            hub.publish(change(n));
        }
        let window = hub.window();
        assert_eq!(window.events.len(), 1000);
        assert!(
            window.events.capacity() < 2000,
            "no growth beyond the window"
        );
        assert_eq!(window.events.front().map(|e| e.id), Some(9001));
        assert_eq!(window.newest(), 10_000);
        assert_eq!(window.evicted, 9000);
    }

    #[test]
    fn ids_start_at_the_start_time_and_increase() {
        let before = chrono::Utc::now().timestamp_micros() as u64;
        let hub = EventHub::new(10, 10, 10);
        let first = hub.publish_here(change(1));
        let second = hub.publish_here(change(2));
        assert!(first >= before, "{first} from the start time {before}");
        assert_eq!(second, first + 1);
        let restarted = EventHub::new(10, 10, 10);
        assert!(
            restarted.publish_here(change(3)) > second,
            "a restart counts on"
        );
    }

    #[tokio::test]
    async fn a_reconnect_gets_the_kept_events_after_its_last_id_then_live_ones() {
        let hub = EventHub::starting_at(1, 5, 10, 10);
        for n in 0..8 {
            hub.publish(change(n));
        }
        let mut sub = hub.subscribe(MODERATOR, Some(5)).unwrap();
        assert_eq!(take(&mut sub, 3).await, [6, 7, 8]);
        hub.publish(change(9));
        assert_eq!(take(&mut sub, 1).await, [9]);

        let mut too_old = hub.subscribe(MODERATOR, Some(1)).unwrap();
        assert_eq!(take(&mut too_old, 5).await, [5, 6, 7, 8, 9], "what is kept");
        let mut unknown = hub.subscribe(MODERATOR, Some(1_000)).unwrap();
        let mut fresh = hub.subscribe(MODERATOR, None).unwrap();
        hub.publish(change(10));
        assert_eq!(take(&mut unknown, 1).await, [10], "an unknown id is none");
        assert_eq!(take(&mut fresh, 1).await, [10], "live events only");
    }

    #[tokio::test]
    async fn a_stream_behind_the_live_buffer_catches_up_from_the_window() {
        let hub = EventHub::starting_at(1, 2 * LIVE_BUFFER, 10, 10);
        let mut sub = hub.subscribe(MODERATOR, None).unwrap();
        let count = LIVE_BUFFER + 50;
        for n in 0..count {
            hub.publish(change(n as i64));
        }
        let ids = take(&mut sub, count).await;
        let expected: Vec<u64> = (1..=count as u64).collect();
        assert_eq!(ids, expected, "every event once, in order");
    }

    #[tokio::test]
    async fn a_stream_behind_the_window_ends() {
        let hub = EventHub::starting_at(1, 10, 10, 10);
        let mut sub = hub.subscribe(MODERATOR, None).unwrap();
        for n in 0..(LIVE_BUFFER + 20) {
            hub.publish(change(n as i64));
        }
        assert_eq!(sub.next().await, None, "ended, so the desk reconnects");
    }

    #[test]
    fn streams_are_limited_and_a_dropped_one_frees_its_slot() {
        let hub = EventHub::starting_at(1, 10, 2, 10);
        let first = hub.subscribe(MODERATOR, None).unwrap();
        let _second = hub.subscribe(MODERATOR, None).unwrap();
        assert!(matches!(
            hub.subscribe(MODERATOR, None),
            Err(TooManyStreams::Server)
        ));
        drop(first);
        assert!(hub.subscribe(MODERATOR, None).is_ok());
    }

    #[test]
    fn one_account_holds_at_most_its_share_and_a_dropped_stream_gives_it_back() {
        let hub = EventHub::starting_at(1, 10, 4, 2);
        let other = AccountId::new(2);
        let first = hub.subscribe(MODERATOR, None).unwrap();
        let _second = hub.subscribe(MODERATOR, None).unwrap();
        assert!(matches!(
            hub.subscribe(MODERATOR, None),
            Err(TooManyStreams::Account)
        ));
        let _others = [hub.subscribe(other, None), hub.subscribe(other, None)];
        assert!(matches!(
            hub.subscribe(AccountId::new(3), None),
            Err(TooManyStreams::Server)
        ));
        drop(first);
        assert!(hub.subscribe(MODERATOR, None).is_ok());
        assert_eq!(hub.accounts().len(), 2, "no entry outlives its streams");
    }

    #[tokio::test]
    async fn closing_the_hub_ends_the_streams_and_refuses_new_ones() {
        let hub = EventHub::starting_at(1, 10, 2, 2);
        let mut sub = hub.subscribe(MODERATOR, None).unwrap();
        hub.publish_here(change(1));
        hub.close();
        assert_eq!(take(&mut sub, 1).await, [1], "what it held first");
        assert_eq!(sub.next().await, None);
        assert!(hub.subscribe(MODERATOR, None).is_err());
    }

    #[test]
    fn a_delivered_event_keeps_its_id_and_an_older_one_is_dropped() {
        let hub = EventHub::starting_at(1, 10, 2, 2);
        hub.publish_here(change(1));
        let arrived = Event {
            id: 50,
            change: change(2),
        };
        hub.deliver(arrived.clone());
        hub.deliver(Event {
            id: 10,
            change: change(3),
        });
        assert_eq!(hub.kept(), 2);
        assert_eq!(hub.publish_here(change(4)), 51);
    }
}
