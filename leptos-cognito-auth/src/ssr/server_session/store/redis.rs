//! [`RedisSessionStore`] (feature `redis`): server sessions in Redis, shared by every server
//! instance, through redis-rs's auto-reconnecting connection manager.

use std::time::Duration;

use futures::future::BoxFuture;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{ExistenceCheck, Script, SetExpiry, SetOptions};
use tokio::sync::OnceCell;

use super::{SessionStore, StoreError};

/// Compare-and-set: `KEYS[1]` becomes `ARGV[2]` (expiring in `ARGV[3]` ms) only while it
/// holds `ARGV[1]`. One key, declared: one hash slot.
const REPLACE: &str = r#"if redis.call("GET", KEYS[1]) == ARGV[1] then redis.call("SET", KEYS[1], ARGV[2], "PX", ARGV[3]) return 1 else return 0 end"#;

/// Compare-and-delete: the lock is released only by the owner that holds it (a plain `DEL`
/// could release a lease that ran out and was taken by another instance).
const UNLOCK: &str = r#"if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) else return 0 end"#;

/// Server sessions in Redis: what several server instances behind one load balancer share,
/// so that a session made on one is there on every other, and the refresh lock makes one
/// refresh per expiry across all of them.
///
/// Keys are prefixed (default `leptos-cognito-auth:`); values expire with Redis's own TTL.
/// The connection is made on first use, and redis-rs's connection manager makes it again
/// after Redis goes away: while it is away every operation fails quickly with
/// [`StoreError::Unavailable`] (a `503` for the request), and the sessions Redis kept are
/// there again when it returns. Scripts run by `EVALSHA` and declare their one key.
///
/// ```no_run
/// use leptos_cognito_auth::ssr::RedisSessionStore;
/// let store = RedisSessionStore::open("redis://127.0.0.1:6379/")?;
/// # Ok::<(), leptos_cognito_auth::ssr::StoreError>(())
/// ```
pub struct RedisSessionStore {
    client: redis::Client,
    prefix: String,
    /// Made on first use; the manager reconnects by itself, so no lock is held around it.
    connection: OnceCell<ConnectionManager>,
    timeout: Duration,
    replace: Script,
    unlock: Script,
}

impl std::fmt::Debug for RedisSessionStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may carry a password: only the host is shown.
        f.debug_struct("RedisSessionStore")
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

/// A Redis error as a store error: the connection's trouble is `Unavailable`.
fn store_error(e: redis::RedisError) -> StoreError {
    if e.is_io_error() || e.is_timeout() || e.is_connection_dropped() || e.is_connection_refusal() {
        unavailable(e)
    } else {
        StoreError::Failed(format!("Redis: {e}"))
    }
}

impl RedisSessionStore {
    /// A store at `url` (`redis://host:port/db`), with the key prefix
    /// `leptos-cognito-auth:` and a 2-second timeout on each connection attempt and each
    /// command. Nothing is connected yet: the first operation connects.
    pub fn open(url: &str) -> Result<Self, StoreError> {
        let client =
            redis::Client::open(url).map_err(|e| StoreError::Failed(format!("Redis URL: {e}")))?;
        Ok(Self {
            client,
            prefix: "leptos-cognito-auth:".to_owned(),
            connection: OnceCell::new(),
            timeout: Duration::from_secs(2),
            replace: Script::new(REPLACE),
            unlock: Script::new(UNLOCK),
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

    /// The connection manager, made now if there is none yet (a failed attempt leaves
    /// nothing behind, so the next operation tries again).
    async fn connection(&self) -> Result<ConnectionManager, StoreError> {
        let manager = self
            .connection
            .get_or_try_init(|| async {
                let config = ConnectionManagerConfig::new()
                    .set_connection_timeout(Some(self.timeout))
                    .set_response_timeout(Some(self.timeout))
                    .set_number_of_retries(1);
                let connect = self.client.get_connection_manager_with_config(config);
                tokio::time::timeout(self.timeout, connect)
                    .await
                    .map_err(|_| unavailable("connecting timed out"))?
                    .map_err(unavailable)
            })
            .await?;
        Ok(manager.clone())
    }

    /// Runs `op` on the connection with the timeout. An operation that fails because the
    /// connection is gone (Redis restarted) is tried once more: the manager has reconnected
    /// meanwhile, so the first request after Redis returns does not fail.
    async fn run<T, F, Fut>(&self, op: F) -> Result<T, StoreError>
    where
        F: Fn(ConnectionManager) -> Fut,
        Fut: std::future::Future<Output = redis::RedisResult<T>>,
    {
        let mut last = unavailable("no answer");
        for _ in 0..2 {
            let connection = self.connection().await?;
            match tokio::time::timeout(self.timeout, op(connection)).await {
                Ok(Ok(value)) => return Ok(value),
                Ok(Err(e)) => match store_error(e) {
                    e @ StoreError::Unavailable(_) => last = e,
                    e => return Err(e),
                },
                Err(_) => last = unavailable("the command timed out"),
            }
        }
        Err(last)
    }
}

impl SessionStore for RedisSessionStore {
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<Vec<u8>>, StoreError>> {
        let key = self.key(key);
        Box::pin(self.run(move |mut c| {
            let key = key.clone();
            async move { redis::AsyncCommands::get(&mut c, key).await }
        }))
    }

    fn set<'a>(
        &'a self,
        key: &'a str,
        value: &'a [u8],
        ttl: Duration,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        let key = self.key(key);
        let options = SetOptions::default().with_expiration(SetExpiry::PX(millis(ttl)));
        Box::pin(self.run(move |mut c| {
            let key = key.clone();
            let options = options.clone();
            async move {
                redis::AsyncCommands::set_options::<_, _, ()>(&mut c, key, value, options).await
            }
        }))
    }

    fn replace<'a>(
        &'a self,
        key: &'a str,
        current: &'a [u8],
        value: &'a [u8],
        ttl: Duration,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        let key = self.key(key);
        let ttl = millis(ttl);
        Box::pin(self.run(move |mut c| {
            let mut invocation = self.replace.key(key.clone());
            invocation.arg(current).arg(value).arg(ttl);
            async move { invocation.invoke_async::<i64>(&mut c).await.map(|n| n == 1) }
        }))
    }

    fn remove<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), StoreError>> {
        let key = self.key(key);
        Box::pin(self.run(move |mut c| {
            let key = key.clone();
            async move { redis::AsyncCommands::del::<_, ()>(&mut c, key).await }
        }))
    }

    fn try_lock<'a>(
        &'a self,
        key: &'a str,
        owner: &'a str,
        lease: Duration,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        let key = self.key(key);
        // SET NX PX: taken only if nobody holds it, and released by Redis after the lease.
        let options = SetOptions::default()
            .conditional_set(ExistenceCheck::NX)
            .with_expiration(SetExpiry::PX(millis(lease)));
        Box::pin(self.run(move |mut c| {
            let key = key.clone();
            let options = options.clone();
            async move {
                redis::AsyncCommands::set_options::<_, _, Option<String>>(
                    &mut c, key, owner, options,
                )
                .await
                .map(|reply| reply.is_some())
            }
        }))
    }

    fn unlock<'a>(&'a self, key: &'a str, owner: &'a str) -> BoxFuture<'a, Result<(), StoreError>> {
        let key = self.key(key);
        Box::pin(self.run(move |mut c| {
            let mut invocation = self.unlock.key(key.clone());
            invocation.arg(owner);
            async move { invocation.invoke_async::<i64>(&mut c).await.map(|_| ()) }
        }))
    }
}
