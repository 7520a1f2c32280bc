//! [`RedisStore`] (feature `redis`): server sessions in Redis, shared by every server
//! instance, through the `redis` crate's auto-reconnecting connection manager.

use std::time::Duration;

use futures::future::BoxFuture;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
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

/// A duration as the whole milliseconds of `PX` (at least 1: Redis refuses 0).
fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis())
        .unwrap_or(u64::MAX)
        .max(1)
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

    /// Runs one command with the timeout. A command that fails because the connection is
    /// gone (Redis restarted, a dropped connection) is sent once more on a new connection,
    /// so the first request after Redis returns does not fail.
    async fn run<T: redis::FromRedisValue>(&self, command: redis::Cmd) -> Result<T, StoreError> {
        let mut last = None;
        for _ in 0..2 {
            let mut connection = self.connection().await?;
            match tokio::time::timeout(self.timeout, command.query_async::<T>(&mut connection))
                .await
            {
                Ok(Ok(value)) => return Ok(value),
                Ok(Err(e))
                    if e.is_io_error()
                        || e.is_timeout()
                        || e.is_connection_dropped()
                        || e.is_connection_refusal() =>
                {
                    self.connection.lock().await.take();
                    last = Some(unavailable(e));
                }
                Ok(Err(e)) => return Err(StoreError::Failed(format!("Redis: {e}"))),
                Err(_) => {
                    self.connection.lock().await.take();
                    last = Some(unavailable("the command timed out"));
                }
            }
        }
        Err(last.unwrap_or_else(|| unavailable("no answer")))
    }
}

impl SessionStore for RedisStore {
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<String>, StoreError>> {
        let mut command = redis::cmd("GET");
        command.arg(self.key(key));
        Box::pin(self.run(command))
    }

    fn set<'a>(
        &'a self,
        key: &'a str,
        value: &'a str,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        let millis = millis(ttl);
        let mut command = redis::cmd("SET");
        command.arg(self.key(key)).arg(value).arg("PX").arg(millis);
        Box::pin(self.run(command))
    }

    fn remove<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), StoreError>> {
        let mut command = redis::cmd("DEL");
        command.arg(self.key(key));
        Box::pin(async move { self.run::<i64>(command).await.map(|_| ()) })
    }

    fn take<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<String>, StoreError>> {
        // GETDEL (Redis 6.2+): read and removed in one step, on every instance at once.
        let mut command = redis::cmd("GETDEL");
        command.arg(self.key(key));
        Box::pin(self.run(command))
    }

    fn try_lock<'a>(
        &'a self,
        key: &'a str,
        owner: &'a str,
        lease: Duration,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        let millis = millis(lease);
        // SET NX PX: taken only if nobody holds it, and released by Redis after the lease.
        let mut command = redis::cmd("SET");
        command
            .arg(self.key(key))
            .arg(owner)
            .arg("NX")
            .arg("PX")
            .arg(millis);
        Box::pin(async move {
            let reply: Option<String> = self.run(command).await?;
            Ok(reply.is_some())
        })
    }

    fn unlock<'a>(&'a self, key: &'a str, owner: &'a str) -> BoxFuture<'a, Result<(), StoreError>> {
        let mut command = redis::cmd("EVAL");
        command.arg(UNLOCK).arg(1).arg(self.key(key)).arg(owner);
        Box::pin(async move { self.run::<i64>(command).await.map(|_| ()) })
    }
}
