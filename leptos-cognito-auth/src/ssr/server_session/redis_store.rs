//! [`RedisStore`] (feature `redis`): server sessions in Redis, shared by every server
//! instance, through the `redis` crate's auto-reconnecting connection manager.

use std::time::Duration;

use futures::future::BoxFuture;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{AsyncCommands as _, Script};
use tokio::sync::Mutex;

use super::store::{SessionStore, StoreError};

/// Compare-and-delete: the lock is released only by the owner that holds it (a plain `DEL`
/// could release a lease that ran out and was taken by another instance).
const UNLOCK: &str = r#"if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) else return 0 end"#;

/// Server sessions in Redis: what several server instances behind one load balancer share,
/// so that a session made on one is there on every other, and the refresh lock makes one
/// refresh per expiry across all of them.
///
/// Keys are prefixed (default `leptos-cognito-auth:`); values expire with Redis's own TTL.
/// The connection is made on first use and re-made after Redis goes away: while it is away
/// every operation fails quickly with [`StoreError::Unavailable`] (a `503` for the request),
/// and the sessions Redis kept are there again when it returns.
///
/// ```no_run
/// use leptos_cognito_auth::ssr::RedisStore;
/// let store = RedisStore::open("redis://127.0.0.1:6379/")?;
/// # Ok::<(), leptos_cognito_auth::ssr::StoreError>(())
/// ```
pub struct RedisStore {
    client: redis::Client,
    prefix: String,
    connection: Mutex<Option<ConnectionManager>>,
    timeout: Duration,
}

impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may carry a password: only the host is shown.
        f.debug_struct("RedisStore")
            .field(
                "addr",
                &self.client.get_connection_info().addr().to_string(),
            )
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

fn unavailable(e: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(format!("Redis: {e}"))
}

impl RedisStore {
    /// A store at `url` (`redis://host:port/db`, `rediss://` for TLS), with the key prefix
    /// `leptos-cognito-auth:` and a 2-second timeout on each connection attempt and each
    /// command. Nothing is connected yet: the first operation connects.
    pub fn open(url: &str) -> Result<Self, StoreError> {
        let client =
            redis::Client::open(url).map_err(|e| StoreError::Failed(format!("Redis URL: {e}")))?;
        Ok(Self {
            client,
            prefix: "leptos-cognito-auth:".to_owned(),
            connection: Mutex::new(None),
            timeout: Duration::from_secs(2),
        })
    }

    /// Another key prefix (to share one Redis database between apps).
    pub fn with_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// Another timeout for each connection attempt and each command.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    fn key(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }

    /// The connection, made now if there is none yet.
    async fn connection(&self) -> Result<ConnectionManager, StoreError> {
        let mut slot = self.connection.lock().await;
        if let Some(connection) = slot.as_ref() {
            return Ok(connection.clone());
        }
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(self.timeout))
            .set_response_timeout(Some(self.timeout))
            .set_number_of_retries(1);
        let connect = self.client.get_connection_manager_with_config(config);
        let connection = tokio::time::timeout(self.timeout, connect)
            .await
            .map_err(|_| unavailable("connecting timed out"))?
            .map_err(unavailable)?;
        *slot = Some(connection.clone());
        Ok(connection)
    }

    /// Runs one command with the timeout.
    async fn run<T>(
        &self,
        command: impl AsyncFnOnce(&mut ConnectionManager) -> redis::RedisResult<T>,
    ) -> Result<T, StoreError> {
        let mut connection = self.connection().await?;
        match tokio::time::timeout(self.timeout, command(&mut connection)).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(e)) if e.is_io_error() || e.is_timeout() || e.is_connection_dropped() => {
                Err(unavailable(e))
            }
            Ok(Err(e)) => Err(StoreError::Failed(format!("Redis: {e}"))),
            Err(_) => Err(unavailable("the command timed out")),
        }
    }
}

impl SessionStore for RedisStore {
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<String>, StoreError>> {
        let key = self.key(key);
        Box::pin(self.run(async move |c| c.get::<_, Option<String>>(&key).await))
    }

    fn set<'a>(
        &'a self,
        key: &'a str,
        value: &'a str,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        let key = self.key(key);
        let millis = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1);
        Box::pin(self.run(async move |c| {
            redis::cmd("SET")
                .arg(&key)
                .arg(value)
                .arg("PX")
                .arg(millis)
                .query_async::<()>(c)
                .await
        }))
    }

    fn remove<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), StoreError>> {
        let key = self.key(key);
        Box::pin(self.run(async move |c| c.del::<_, ()>(&key).await))
    }

    fn take<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<String>, StoreError>> {
        let key = self.key(key);
        // GETDEL (Redis 6.2+): read and removed in one step, on every instance at once.
        Box::pin(self.run(async move |c| {
            redis::cmd("GETDEL")
                .arg(&key)
                .query_async::<Option<String>>(c)
                .await
        }))
    }

    fn try_lock<'a>(
        &'a self,
        key: &'a str,
        owner: &'a str,
        lease: Duration,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        let key = self.key(key);
        let millis = u64::try_from(lease.as_millis()).unwrap_or(u64::MAX).max(1);
        Box::pin(self.run(async move |c| {
            // SET NX PX: taken only if nobody holds it, and released by Redis after the lease.
            let reply: Option<String> = redis::cmd("SET")
                .arg(&key)
                .arg(owner)
                .arg("NX")
                .arg("PX")
                .arg(millis)
                .query_async(c)
                .await?;
            Ok(reply.is_some())
        }))
    }

    fn unlock<'a>(&'a self, key: &'a str, owner: &'a str) -> BoxFuture<'a, Result<(), StoreError>> {
        let key = self.key(key);
        Box::pin(self.run(async move |c| {
            Script::new(UNLOCK)
                .key(&key)
                .arg(owner)
                .invoke_async::<i64>(c)
                .await
                .map(|_| ())
        }))
    }
}
