//! [`RedisSessionStore`] (feature `redis`): server sessions in Redis, shared by every server
//! instance: one node through redis-rs's auto-reconnecting connection manager, or a cluster
//! (Redis Cluster, ElastiCache, Valkey) through its async cluster client; plain or TLS.

use std::time::Duration;

use bytes::Bytes;
use futures::future::BoxFuture;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::cluster::ClusterClient;
use redis::cluster_async::ClusterConnection;
use redis::{Script, SetExpiry, SetOptions};
use tokio::sync::OnceCell;

use super::{IndexFields, SessionStore, StoreError};

/// Compare-and-set: `KEYS[1]` becomes `ARGV[2]` (expiring in `ARGV[3]` ms) only while it
/// holds `ARGV[1]`. One key, declared: one hash slot.
const REPLACE: &str = r#"if redis.call("GET", KEYS[1]) == ARGV[1] then redis.call("SET", KEYS[1], ARGV[2], "PX", ARGV[3]) return 1 else return 0 end"#;

/// An index field set, the index living at least `ARGV[3]` ms more. One key, declared.
const INDEX_PUT: &str = r#"redis.call("HSET", KEYS[1], ARGV[1], ARGV[2]) if redis.call("PTTL", KEYS[1]) < tonumber(ARGV[3]) then redis.call("PEXPIRE", KEYS[1], ARGV[3]) end return 1"#;

/// Take-the-lock, in one step: taken for `ARGV[1]` (the owner) for `ARGV[2]` ms if nobody
/// holds it, and taken already if `ARGV[1]` holds it. The second case is a try sent again
/// after its reply was lost (a timeout): that try took the lock, and a plain `SET NX` would
/// now call it someone else's, leaving the request to wait out its own lease.
const LOCK: &str = r#"local holder = redis.call("GET", KEYS[1]) if not holder then redis.call("SET", KEYS[1], ARGV[1], "PX", ARGV[2]) return 1 elseif holder == ARGV[1] then return 1 else return 0 end"#;

/// Compare-and-delete: the lock is released only by the owner that holds it (a plain `DEL`
/// could release a lease that ran out and was taken by another instance).
const UNLOCK: &str = r#"if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) else return 0 end"#;

/// Server sessions in Redis: what several server instances behind one load balancer share,
/// so that a session made on one is there on every other, and the refresh lock makes one
/// refresh per expiry across all of them.
///
/// [`open`](Self::open) takes every shape a deployment uses:
///
/// | URL | what |
/// |---|---|
/// | `redis://[user:password@]host:port[/db]` | one node |
/// | `rediss://[user:password@]host:port` | one node over TLS |
/// | `redis-cluster://[user:password@]host:port[,host:port...]` | a cluster (Redis Cluster, Valkey), from its seed nodes |
/// | `rediss-cluster://[user:password@]host:port[,host:port...]` | a cluster over TLS (ElastiCache Serverless, which is always a cluster and TLS only) |
///
/// TLS trusts the system's roots, or a private CA named by the standard `SSL_CERT_FILE`.
/// In a cluster, every key the kit writes for one session carries the same `{...}` hash tag
/// (one slot: the record and its refresh lock), scripts declare their one key, and nothing
/// uses `KEYS`, `SELECT` or a cross-slot pipeline; reads and writes go to each slot's primary
/// (the replica a cluster reports, such as ElastiCache Serverless's port 6380, is never
/// written to).
///
/// Keys are prefixed (default `leptos-cognito-auth:`); values expire with Redis's own TTL.
/// Connections are made on first use and made again after a node goes away: while it is away
/// the operations on its keys fail quickly with [`StoreError::Unavailable`] (a `503` for the
/// request) and the other nodes' sessions keep working; the sessions it kept are there again
/// when it returns. Scripts run by `EVALSHA`.
///
/// ```no_run
/// use leptos_cognito_auth::ssr::RedisSessionStore;
/// let one = RedisSessionStore::open("redis://127.0.0.1:6379/")?;
/// let cluster = RedisSessionStore::open("rediss-cluster://my-cache.serverless.use1.cache.amazonaws.com:6379")?;
/// # Ok::<(), leptos_cognito_auth::ssr::StoreError>(())
/// ```
pub struct RedisSessionStore {
    target: Target,
    prefix: String,
    /// Made on first use; the manager (and the cluster client) reconnect by themselves, so
    /// no lock is held around them.
    connection: OnceCell<Connection>,
    timeout: Duration,
    replace: Script,
    lock: Script,
    unlock: Script,
    index_put: Script,
}

/// What the store connects to (both clients boxed: they are large, and made once).
enum Target {
    Node(Box<redis::Client>),
    Cluster {
        client: Box<ClusterClient>,
        /// The seed nodes' host:port, for messages.
        seeds: Vec<String>,
    },
}

/// A connection of either kind; both are cheap clones of a shared one.
#[derive(Clone)]
enum Connection {
    Node(ConnectionManager),
    Cluster(ClusterConnection),
}

impl redis::aio::ConnectionLike for Connection {
    fn req_packed_command<'a>(
        &'a mut self,
        cmd: &'a redis::Cmd,
    ) -> redis::RedisFuture<'a, redis::Value> {
        match self {
            Self::Node(c) => c.req_packed_command(cmd),
            Self::Cluster(c) => c.req_packed_command(cmd),
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        cmd: &'a redis::Pipeline,
        offset: usize,
        count: usize,
    ) -> redis::RedisFuture<'a, Vec<redis::Value>> {
        match self {
            Self::Node(c) => c.req_packed_commands(cmd, offset, count),
            Self::Cluster(c) => c.req_packed_commands(cmd, offset, count),
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            Self::Node(c) => c.get_db(),
            Self::Cluster(c) => c.get_db(),
        }
    }
}

/// A cluster URL's seed nodes as node URLs: `redis-cluster://user:pw@a:1,b:2` gives
/// `redis://user:pw@a:1` and `redis://user:pw@b:2` (`rediss` for `rediss-cluster`).
fn cluster_nodes(url: &str) -> Option<Vec<String>> {
    let (scheme, rest) = if let Some(rest) = url.strip_prefix("redis-cluster://") {
        ("redis", rest)
    } else {
        ("rediss", url.strip_prefix("rediss-cluster://")?)
    };
    let rest = rest.trim_end_matches('/');
    let (credentials, hosts) = match rest.rsplit_once('@') {
        Some((credentials, hosts)) => (format!("{credentials}@"), hosts),
        None => (String::new(), rest),
    };
    let nodes: Vec<String> = hosts
        .split(',')
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .map(|host| format!("{scheme}://{credentials}{host}"))
        .collect();
    (!nodes.is_empty()).then_some(nodes)
}

impl std::fmt::Debug for RedisSessionStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may carry a password: only the host is shown.
        f.debug_struct("RedisSessionStore")
            .field("nodes", &self.describe())
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

/// A URL fit for a message: any password replaced.
fn redact(url: &str) -> String {
    match (url.split_once("://"), url.rfind('@')) {
        (Some((scheme, _)), Some(at)) => format!("{scheme}://[redacted]{}", &url[at..]),
        _ => url.to_owned(),
    }
}

/// A Redis error as a store error: the connection's trouble, and a cluster that cannot
/// reach a slot's primary (`MOVED`/`ASK` to a node that is down, `TRYAGAIN`, `CLUSTERDOWN`,
/// `MASTERDOWN`, no connection to any node left), are `Unavailable`: a passing state,
/// never a reason to sign anyone out.
fn store_error(e: redis::RedisError) -> StoreError {
    let unreachable_node = matches!(
        e.kind(),
        redis::ErrorKind::Server(redis::ServerErrorKind::MasterDown)
            | redis::ErrorKind::ClusterConnectionNotFound
    );
    if e.is_io_error()
        || e.is_timeout()
        || e.is_connection_dropped()
        || e.is_connection_refusal()
        || e.is_cluster_error()
        || unreachable_node
    {
        unavailable(e)
    } else {
        StoreError::Failed(format!("Redis: {e}"))
    }
}

impl RedisSessionStore {
    /// A store at `url` (see the table above: one node or a cluster, plain or TLS), with
    /// the key prefix `leptos-cognito-auth:` and a 2-second timeout on each connection
    /// attempt and each command. Nothing is connected yet: the first operation connects.
    ///
    /// # Errors
    /// [`StoreError::Failed`] naming the problem when the URL is not one of those forms
    /// (the message never repeats a password).
    pub fn open(url: &str) -> Result<Self, StoreError> {
        let bad = |e: &dyn std::fmt::Display| {
            StoreError::Failed(format!("Redis URL ({}): {e}", redact(url)))
        };
        let target = if url.starts_with("redis-cluster://") || url.starts_with("rediss-cluster://")
        {
            let nodes = cluster_nodes(url).ok_or_else(|| bad(&"no host:port after the scheme"))?;
            let seeds = nodes.iter().map(|n| redact(n)).collect();
            let client = ClusterClient::builder(nodes)
                .connection_timeout(Duration::from_secs(2))
                .response_timeout(Duration::from_secs(2))
                .retries(1)
                .build()
                .map_err(|e| bad(&e))?;
            Target::Cluster {
                client: Box::new(client),
                seeds,
            }
        } else if url.starts_with("redis://") || url.starts_with("rediss://") {
            Target::Node(Box::new(redis::Client::open(url).map_err(|e| bad(&e))?))
        } else {
            return Err(bad(
                &"expected redis://, rediss://, redis-cluster:// or rediss-cluster://",
            ));
        };
        Ok(Self {
            target,
            prefix: "leptos-cognito-auth:".to_owned(),
            connection: OnceCell::new(),
            timeout: Duration::from_secs(2),
            replace: Script::new(REPLACE),
            lock: Script::new(LOCK),
            unlock: Script::new(UNLOCK),
            index_put: Script::new(INDEX_PUT),
        })
    }

    /// Where it connects, for messages (no password).
    fn describe(&self) -> String {
        match &self.target {
            Target::Node(client) => client.get_connection_info().addr().to_string(),
            Target::Cluster { seeds, .. } => format!("cluster {}", seeds.join(",")),
        }
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

    /// The connection, made now if there is none yet (a failed attempt leaves nothing
    /// behind, so the next operation tries again).
    async fn connection(&self) -> Result<Connection, StoreError> {
        let connection = self
            .connection
            .get_or_try_init(|| async {
                let connect = async {
                    match &self.target {
                        Target::Node(client) => {
                            let config = ConnectionManagerConfig::new()
                                .set_connection_timeout(Some(self.timeout))
                                .set_response_timeout(Some(self.timeout))
                                .set_number_of_retries(1);
                            client
                                .get_connection_manager_with_config(config)
                                .await
                                .map(Connection::Node)
                        }
                        Target::Cluster { client, .. } => {
                            client.get_async_connection().await.map(Connection::Cluster)
                        }
                    }
                };
                tokio::time::timeout(self.timeout, connect)
                    .await
                    .map_err(|_| unavailable("connecting timed out"))?
                    .map_err(unavailable)
            })
            .await?;
        Ok(connection.clone())
    }

    /// Runs `op` on the connection with the timeout. An operation that fails because the
    /// connection is gone (Redis restarted) is tried once more: the manager has reconnected
    /// meanwhile, so the first request after Redis returns does not fail.
    async fn run<T, F, Fut>(&self, op: F) -> Result<T, StoreError>
    where
        F: Fn(Connection) -> Fut,
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
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<Bytes>, StoreError>> {
        let key = self.key(key);
        Box::pin(async move {
            let value: Option<Vec<u8>> = self
                .run(move |mut c| {
                    let key = key.clone();
                    async move { redis::AsyncCommands::get(&mut c, key).await }
                })
                .await?;
            Ok(value.map(Bytes::from))
        })
    }

    fn set<'a>(
        &'a self,
        key: &'a str,
        value: Bytes,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        let key = self.key(key);
        let options = SetOptions::default().with_expiration(SetExpiry::PX(millis(ttl)));
        Box::pin(self.run(move |mut c| {
            let key = key.clone();
            let options = options.clone();
            let value = value.clone();
            async move {
                redis::AsyncCommands::set_options::<_, _, ()>(&mut c, key, &value[..], options)
                    .await
            }
        }))
    }

    fn replace<'a>(
        &'a self,
        key: &'a str,
        current: &'a [u8],
        value: Bytes,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        let key = self.key(key);
        let ttl = millis(ttl);
        Box::pin(self.run(move |mut c| {
            let mut invocation = self.replace.key(key.clone());
            invocation.arg(current).arg(&value[..]).arg(ttl);
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
        // Taken only if nobody else holds it, and released by Redis after the lease.
        Box::pin(self.run(move |mut c| {
            let mut invocation = self.lock.key(key.clone());
            invocation.arg(owner).arg(millis(lease));
            async move { invocation.invoke_async::<i64>(&mut c).await.map(|n| n == 1) }
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

    fn index_put<'a>(
        &'a self,
        key: &'a str,
        field: &'a str,
        value: &'a [u8],
        ttl: Duration,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        let key = self.key(key);
        let ttl = millis(ttl);
        Box::pin(self.run(move |mut c| {
            let mut invocation = self.index_put.key(key.clone());
            invocation.arg(field).arg(value).arg(ttl);
            async move { invocation.invoke_async::<i64>(&mut c).await.map(|_| ()) }
        }))
    }

    fn index_all<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<IndexFields, StoreError>> {
        let key = self.key(key);
        Box::pin(self.run(move |mut c| {
            let key = key.clone();
            async move { redis::AsyncCommands::hgetall(&mut c, key).await }
        }))
    }

    fn index_remove<'a>(
        &'a self,
        key: &'a str,
        field: &'a str,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        let key = self.key(key);
        Box::pin(self.run(move |mut c| {
            let key = key.clone();
            async move { redis::AsyncCommands::hdel::<_, _, ()>(&mut c, key, field).await }
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cluster_urls_name_their_seed_nodes_with_their_credentials() {
        assert_eq!(
            cluster_nodes("redis-cluster://a:1,b:2").unwrap(),
            ["redis://a:1", "redis://b:2"]
        );
        assert_eq!(
            cluster_nodes("rediss-cluster://user:p%40ss@cache.example:6379/").unwrap(),
            ["rediss://user:p%40ss@cache.example:6379"]
        );
        assert_eq!(cluster_nodes("redis-cluster://"), None);
        assert_eq!(cluster_nodes("redis://a:1"), None);
    }

    #[test]
    fn every_form_opens_and_a_bad_one_is_named_without_its_password() {
        for url in [
            "redis://127.0.0.1:6379/",
            "rediss://user:secret@127.0.0.1:6380",
            "redis-cluster://127.0.0.1:7000,127.0.0.1:7001",
            "rediss-cluster://user:secret@127.0.0.1:7000",
        ] {
            let store = RedisSessionStore::open(url).unwrap();
            assert!(!format!("{store:?}").contains("secret"), "{store:?}");
        }
        for bad in [
            "memcached://x:1",
            "redis-cluster://",
            "http://user:secret@x",
        ] {
            let err = RedisSessionStore::open(bad).unwrap_err().to_string();
            assert!(!err.contains("secret"), "{err}");
            assert!(err.contains("Redis URL"), "{err}");
        }
    }

    #[test]
    fn a_cluster_that_cannot_reach_a_node_is_unavailable_not_failed() {
        use redis::ErrorKind;
        for error in [
            redis::RedisError::from((ErrorKind::ClusterConnectionNotFound, "no node")),
            redis::RedisError::from((
                ErrorKind::Server(redis::ServerErrorKind::MasterDown),
                "master down",
            )),
        ] {
            let e = store_error(error);
            assert_eq!(e.code(), "session_store_unavailable", "{e}");
        }
        let other = store_error(redis::RedisError::from((
            ErrorKind::UnexpectedReturnType,
            "odd",
        )));
        assert_eq!(other.code(), "session_store_failed");
    }
}
