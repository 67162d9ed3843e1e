//! The MCP sessions of the streamable HTTP transport, each bound to its owner (the credential
//! that opened it) and counted: at most [`SessionLimits::max_total`] open at once and
//! [`SessionLimits::max_per_owner`] per owner, each closed after [`SessionLimits::idle`] without
//! a request.
//!
//! [`Sessions`] is rmcp's `SessionManager`: it keeps rmcp's in-memory sessions
//! (`LocalSessionManager`, whose worker ends a session idle for `idle`) and the owner of each.
//! The front end that authenticates requests (the server's `/mcp` gate) calls
//! [`Sessions::reserve`] before an `initialize` and [`Reservation::bind`] with the session id of
//! its response, and [`Sessions::check`] before any request that names a session: a session is
//! usable (and can be deleted) only by its owner; to anyone else it does not exist.
//!
//! Invariant: every open session has exactly one owner entry, and the counts equal the entries
//! plus the reservations in flight; rmcp calls `close_session` whenever a session ends (DELETE,
//! idle, shutdown), which drops its entry, so a cap slot is never leaked.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use rmcp::model::{ClientJsonRpcMessage, ServerJsonRpcMessage};
use rmcp::transport::streamable_http_server::SessionManager;
use rmcp::transport::streamable_http_server::session::local::{
    LocalSessionManager, LocalSessionManagerError, SessionConfig,
};
use rmcp::transport::streamable_http_server::session::{ServerSseMessage, SessionId};
use tokio::time::Instant;
use tokio_stream::Stream;

/// Who owns a session: an opaque 32-byte key of the credential that opened it (the server uses
/// its token's SHA-256, so another token, even one given the same name later, owns nothing).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Owner(pub [u8; 32]);

/// The bounds of the session table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionLimits {
    pub max_total: usize,
    pub max_per_owner: usize,
    /// A session without a request for this long is closed.
    pub idle: Duration,
}

/// Why a new session was refused, and when a slot is expected to free up (the least recently
/// used session concerned reaches its idle time).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// The owner holds `max_per_owner` sessions.
    PerOwner { retry_after: Duration },
    /// The server holds `max_total` sessions.
    Total { retry_after: Duration },
}

/// Why a request naming a session cannot use it: the session is unknown, ended, or another
/// owner's (the caller cannot tell which).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotFound;

/// The session table (see the module docs). Shared as `Arc<Sessions>` between the gate and rmcp.
#[derive(Debug)]
pub struct Sessions {
    local: LocalSessionManager,
    limits: SessionLimits,
    table: Mutex<Table>,
}

#[derive(Debug, Default)]
struct Table {
    open: HashMap<SessionId, Entry>,
    per_owner: HashMap<Owner, usize>,
    /// Sessions reserved and not yet bound or released, per owner.
    reserved: HashMap<Owner, usize>,
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    owner: Owner,
    last_used: Instant,
}

impl Table {
    fn total(&self) -> usize {
        self.open.len() + self.reserved.values().sum::<usize>()
    }

    fn held_by(&self, owner: Owner) -> usize {
        self.per_owner.get(&owner).copied().unwrap_or(0)
            + self.reserved.get(&owner).copied().unwrap_or(0)
    }

    fn unreserve(&mut self, owner: Owner) {
        if let Some(n) = self.reserved.get_mut(&owner) {
            *n -= 1;
            if *n == 0 {
                self.reserved.remove(&owner);
            }
        }
    }

    fn forget(&mut self, id: &SessionId) -> Option<Entry> {
        let entry = self.open.remove(id)?;
        if let Some(n) = self.per_owner.get_mut(&entry.owner) {
            *n -= 1;
            if *n == 0 {
                self.per_owner.remove(&entry.owner);
            }
        }
        Some(entry)
    }

    /// Time until the least recently used of the matching sessions reaches `idle`.
    fn soonest_free(&self, idle: Duration, matches: impl Fn(&Entry) -> bool) -> Duration {
        let now = Instant::now();
        self.open
            .values()
            .filter(|e| matches(e))
            .map(|e| idle.saturating_sub(now.saturating_duration_since(e.last_used)))
            .min()
            .unwrap_or(Duration::from_secs(1))
    }
}

impl Sessions {
    pub fn new(limits: SessionLimits) -> Sessions {
        let mut local = LocalSessionManager::default();
        let mut config = SessionConfig::default();
        config.keep_alive = Some(limits.idle);
        local.session_config = config;
        Sessions {
            local,
            limits,
            table: Mutex::new(Table::default()),
        }
    }

    fn table(&self) -> MutexGuard<'_, Table> {
        self.table.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Reserves a slot for a new session of `owner`, or says why not. Bind the reservation to
    /// the session id the `initialize` response carries; dropped unbound, it frees the slot.
    pub fn reserve(self: &Arc<Self>, owner: Owner) -> Result<Reservation, Refused> {
        let mut table = self.table();
        let idle = self.limits.idle;
        if table.held_by(owner) >= self.limits.max_per_owner {
            let retry_after = table.soonest_free(idle, |e| e.owner == owner);
            return Err(Refused::PerOwner { retry_after });
        }
        if table.total() >= self.limits.max_total {
            let retry_after = table.soonest_free(idle, |_| true);
            return Err(Refused::Total { retry_after });
        }
        *table.reserved.entry(owner).or_default() += 1;
        Ok(Reservation {
            sessions: Arc::clone(self),
            owner,
            bound: false,
        })
    }

    /// Lets `owner` use the session `id` (and marks it used now), or says it does not exist.
    pub fn check(&self, id: &str, owner: Owner) -> Result<(), NotFound> {
        let mut table = self.table();
        match table.open.get_mut(id) {
            Some(entry) if entry.owner == owner => {
                entry.last_used = Instant::now();
                Ok(())
            }
            _ => Err(NotFound),
        }
    }

    /// Sessions open now (for tests and metrics).
    pub fn open(&self) -> usize {
        self.table().open.len()
    }

    /// Closes every session whose owner `keep` rejects (e.g. its token was revoked).
    pub async fn close_unless(&self, keep: impl Fn(&Owner) -> bool) {
        let ids: Vec<SessionId> = self
            .table()
            .open
            .iter()
            .filter(|(_, e)| !keep(&e.owner))
            .map(|(id, _)| Arc::clone(id))
            .collect();
        for id in ids {
            if let Err(e) = SessionManager::close_session(self, &id).await {
                tracing::warn!(error = %e, "cannot close an MCP session");
            }
        }
    }
}

/// A slot held for a session being created (see [`Sessions::reserve`]).
#[derive(Debug)]
pub struct Reservation {
    sessions: Arc<Sessions>,
    owner: Owner,
    bound: bool,
}

impl Reservation {
    /// The session `id` now exists: it belongs to the reservation's owner. If it already ended
    /// (it can, between the response and this call), the slot is freed instead.
    pub async fn bind(mut self, id: &str) {
        let id: SessionId = Arc::from(id);
        {
            let mut table = self.sessions.table();
            table.unreserve(self.owner);
            self.bound = true;
            table.open.insert(
                Arc::clone(&id),
                Entry {
                    owner: self.owner,
                    last_used: Instant::now(),
                },
            );
            *table.per_owner.entry(self.owner).or_default() += 1;
        }
        // `close_session` forgets the entry: if rmcp closed the session before it was bound,
        // it is forgotten here.
        if !self.sessions.local.has_session(&id).await.unwrap_or(false) {
            self.sessions.table().forget(&id);
        }
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        if !self.bound {
            self.sessions.table().unreserve(self.owner);
        }
    }
}

/// rmcp's side: every call goes to the local session manager; closing a session also drops its
/// owner entry.
impl SessionManager for Sessions {
    type Error = LocalSessionManagerError;
    type Transport = <LocalSessionManager as SessionManager>::Transport;

    fn create_session(
        &self,
    ) -> impl Future<Output = Result<(SessionId, Self::Transport), Self::Error>> + Send {
        self.local.create_session()
    }

    fn initialize_session(
        &self,
        id: &SessionId,
        message: ClientJsonRpcMessage,
    ) -> impl Future<Output = Result<ServerJsonRpcMessage, Self::Error>> + Send {
        self.local.initialize_session(id, message)
    }

    fn has_session(
        &self,
        id: &SessionId,
    ) -> impl Future<Output = Result<bool, Self::Error>> + Send {
        self.local.has_session(id)
    }

    async fn close_session(&self, id: &SessionId) -> Result<(), Self::Error> {
        self.table().forget(id);
        self.local.close_session(id).await
    }

    fn create_stream(
        &self,
        id: &SessionId,
        message: ClientJsonRpcMessage,
    ) -> impl Future<
        Output = Result<impl Stream<Item = ServerSseMessage> + Send + Sync + 'static, Self::Error>,
    > + Send {
        self.local.create_stream(id, message)
    }

    fn accept_message(
        &self,
        id: &SessionId,
        message: ClientJsonRpcMessage,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send {
        self.local.accept_message(id, message)
    }

    fn create_standalone_stream(
        &self,
        id: &SessionId,
    ) -> impl Future<
        Output = Result<impl Stream<Item = ServerSseMessage> + Send + Sync + 'static, Self::Error>,
    > + Send {
        self.local.create_standalone_stream(id)
    }

    fn resume(
        &self,
        id: &SessionId,
        last_event_id: String,
    ) -> impl Future<
        Output = Result<impl Stream<Item = ServerSseMessage> + Send + Sync + 'static, Self::Error>,
    > + Send {
        self.local.resume(id, last_event_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sessions(total: usize, per_owner: usize) -> Arc<Sessions> {
        Arc::new(Sessions::new(SessionLimits {
            max_total: total,
            max_per_owner: per_owner,
            idle: Duration::from_secs(60),
        }))
    }

    const A: Owner = Owner([1; 32]);
    const B: Owner = Owner([2; 32]);

    /// Opens a real rmcp session and binds it to `owner`.
    async fn open(sessions: &Arc<Sessions>, owner: Owner) -> Result<SessionId, Refused> {
        let reservation = sessions.reserve(owner)?;
        let (id, _transport) = SessionManager::create_session(&**sessions).await.unwrap();
        reservation.bind(&id).await;
        Ok(id)
    }

    #[tokio::test]
    async fn caps_hold_per_owner_and_in_total_and_closing_frees_a_slot() {
        let s = sessions(3, 2);
        let a1 = open(&s, A).await.unwrap();
        let _a2 = open(&s, A).await.unwrap();
        assert!(matches!(open(&s, A).await, Err(Refused::PerOwner { .. })));
        let _b1 = open(&s, B).await.unwrap();
        assert!(matches!(open(&s, B).await, Err(Refused::Total { .. })));
        assert_eq!(s.open(), 3);
        SessionManager::close_session(&*s, &a1).await.unwrap();
        assert_eq!(s.open(), 2);
        assert!(open(&s, B).await.is_ok());
    }

    #[tokio::test]
    async fn a_session_is_usable_by_its_owner_only() {
        let s = sessions(10, 10);
        let id = open(&s, A).await.unwrap();
        assert_eq!(s.check(&id, A), Ok(()));
        assert_eq!(s.check(&id, B), Err(NotFound));
        assert_eq!(s.check("no-such-session", A), Err(NotFound));
        s.close_unless(|owner| *owner != A).await;
        assert_eq!(s.check(&id, A), Err(NotFound));
        assert_eq!(s.open(), 0);
    }

    #[tokio::test]
    async fn an_unbound_reservation_frees_its_slot() {
        let s = sessions(1, 1);
        let reservation = s.reserve(A).unwrap();
        assert!(matches!(s.reserve(B), Err(Refused::Total { .. })));
        drop(reservation);
        assert!(s.reserve(B).is_ok());
    }
}
