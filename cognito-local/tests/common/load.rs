//! A bounded `wrk` run against one URL with one header, for the load tests (ignored by
//! default; `scripts/load-api.sh` runs them in release mode). Throughput and latency are
//! reported, never asserted; the run must complete with no error response.

use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const LUA: &str = r#"
local limit = tonumber(os.getenv("LOAD_PER_THREAD"))
wrk.headers[os.getenv("LOAD_HEADER")] = os.getenv("LOAD_VALUE")
local count = 0
response = function(status, headers, body)
  count = count + 1
  if count >= limit then wrk.thread:stop() end
end
"#;

pub fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The value after `label` on the first line that contains it.
fn field<'a>(output: &'a str, label: &str) -> Option<&'a str> {
    output
        .lines()
        .find_map(|line| line.trim().strip_prefix(label))
        .map(str::trim)
}

/// What a run measured.
pub struct Run {
    pub total: u64,
    pub requests_per_sec: String,
    pub p99: String,
    pub non_2xx: String,
    pub socket_errors: String,
    pub connections: u64,
    /// The CPU time this process (the server under test, all its threads) spent per
    /// response, where `/proc` tells it. Beside requests/s it tells a slow round that cost
    /// more CPU per request (the machine itself slower) from one that waited for a core.
    pub cpu_per_request: Option<Duration>,
}

impl Run {
    /// Requests per second, as a number.
    pub fn rate(&self) -> f64 {
        self.requests_per_sec
            .parse()
            .expect("requests/s is a number")
    }
}

/// The CPU time (user and system, all threads) this process has used so far, from
/// `/proc/self/stat`; `None` where there is no `/proc`.
fn cpu_time() -> Option<Duration> {
    static TICKS_PER_SEC: std::sync::OnceLock<f64> = std::sync::OnceLock::new();
    let per_sec = *TICKS_PER_SEC.get_or_init(|| {
        Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
            .unwrap_or(100.0)
    });
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // After the command name (in parentheses): the state is field 3, utime 14, stime 15.
    let fields: Vec<&str> = stat[stat.rfind(')')? + 1..].split_whitespace().collect();
    let ticks = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_secs_f64(ticks as f64 / per_sec))
}

/// The median of `values` (the mean of the middle two for an even count).
pub fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let middle = sorted.len() / 2;
    if sorted.len().is_multiple_of(2) {
        (sorted[middle - 1] + sorted[middle]) / 2.0
    } else {
        sorted[middle]
    }
}

/// The mean of `values` and its standard error (`None` for fewer than two values).
pub fn mean_and_error(values: &[f64]) -> (f64, Option<f64>) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let error = (values.len() >= 2).then(|| {
        let variance = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
        (variance / n).sqrt()
    });
    (mean, error)
}

/// The geometric mean of `ratios` (positive) and its standard error, from the mean of their
/// logarithms (`None` for fewer than two): a ratio and its inverse move it alike.
pub fn geometric_mean_and_error(ratios: &[f64]) -> (f64, Option<f64>) {
    let logs: Vec<f64> = ratios.iter().map(|r| r.ln()).collect();
    let (mean, error) = mean_and_error(&logs);
    let mean = mean.exp();
    // The error of the logarithm's mean, carried to the ratio (to first order).
    (mean, error.map(|e| e * mean))
}

/// The CPUs wrk runs on while the server is [`pin`]ned (`taskset`'s list), and how many.
static WRK_CPUS: Mutex<Option<(String, u64)>> = Mutex::new(None);

/// While it lives, this process (the server under test, every thread) runs on CPU 0 and
/// wrk on the other CPUs; dropped, the process may run anywhere again.
pub struct Pinned {
    all: String,
}

/// With `LOAD_PIN=1`: [`Pinned`] (`None` otherwise). A round then measures the server, not
/// where the scheduler put it next to wrk (measured on 2 CPUs: about 62 k requests/s pinned
/// against 52 k not). Panics with the reason when asked to pin and it cannot (`taskset`
/// missing, a single CPU).
pub fn pin() -> Option<Pinned> {
    if std::env::var("LOAD_PIN").as_deref() != Ok("1") {
        return None;
    }
    let cpus = std::thread::available_parallelism().map_or(1, usize::from);
    assert!(
        cpus >= 2,
        "LOAD_PIN=1 needs at least 2 CPUs, this machine has {cpus}"
    );
    let all = format!("0-{}", cpus - 1);
    taskset("0");
    *WRK_CPUS.lock().unwrap() = Some((format!("1-{}", cpus - 1), cpus as u64 - 1));
    Some(Pinned { all })
}

impl Drop for Pinned {
    fn drop(&mut self) {
        *WRK_CPUS.lock().unwrap() = None;
        taskset(&self.all);
    }
}

/// Sets the CPUs of every thread of this process.
fn taskset(cpus: &str) {
    let status = Command::new("taskset")
        .args(["-a", "-p", "-c", cpus, &std::process::id().to_string()])
        .stdout(Stdio::null())
        .status()
        .expect("taskset runs (util-linux) for LOAD_PIN=1");
    assert!(status.success(), "taskset -a -p -c {cpus}: {status}");
}

/// Sends `LOAD_REQUESTS` (default 50,000) requests to `url` with `header: value` over
/// `LOAD_CONNECTIONS` (default 32) connections and `LOAD_THREADS` threads (default 2, or
/// one per CPU of wrk's while [`pin`]ned); `served` counts the responses the server made.
pub async fn wrk(url: &str, header: &str, value: &str, served: Arc<AtomicU64>) -> Run {
    let requests = env_or("LOAD_REQUESTS", 50_000);
    wrk_n(url, header, value, served, requests).await
}

/// [`wrk`] with `requests` requests.
pub async fn wrk_n(
    url: &str,
    header: &str,
    value: &str,
    served: Arc<AtomicU64>,
    requests: u64,
) -> Run {
    let wrk_cpus = WRK_CPUS.lock().unwrap().clone();
    let threads = env_or("LOAD_THREADS", wrk_cpus.as_ref().map_or(2, |(_, n)| *n));
    let connections = env_or("LOAD_CONNECTIONS", 32);
    let script = std::env::temp_dir().join(format!(
        "load-{}-{}.lua",
        std::process::id(),
        served.load(Ordering::SeqCst)
    ));
    std::fs::write(&script, LUA).unwrap();
    // Each wrk thread stops after its share of requests, but wrk itself would wait out `-d`
    // and divide by it: interrupt it (SIGINT makes wrk print its report) once the server
    // has answered them all, so the elapsed time and requests/s are the real ones.
    let per_thread = requests / threads;
    let requests = per_thread * threads;
    let start_count = served.load(Ordering::SeqCst);
    let cpu_before = cpu_time();
    let mut wrk = match &wrk_cpus {
        Some((cpus, _)) => {
            let mut taskset = Command::new("taskset");
            taskset.args(["-c", cpus, "wrk"]);
            taskset
        }
        None => Command::new("wrk"),
    };
    let wrk = wrk
        .args(["-t", &threads.to_string(), "-c", &connections.to_string()])
        .args(["-d", "120s", "--latency", "-s"])
        .arg(&script)
        .arg(url)
        .env("LOAD_PER_THREAD", per_thread.to_string())
        .env("LOAD_HEADER", header)
        .env("LOAD_VALUE", value)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("wrk runs (apt-get install -y wrk)");
    let started = Instant::now();
    while served.load(Ordering::SeqCst) - start_count < requests
        && started.elapsed() < Duration::from_secs(120)
    {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let elapsed = started.elapsed();
    let cpu = cpu_before.zip(cpu_time()).map(|(before, after)| {
        let answered = served.load(Ordering::SeqCst) - start_count;
        (after - before).div_f64(answered.max(1) as f64)
    });
    Command::new("kill")
        .args(["-INT", &wrk.id().to_string()])
        .status()
        .expect("kill -INT");
    let output = tokio::task::spawn_blocking(move || wrk.wait_with_output())
        .await
        .unwrap()
        .expect("wrk output");
    let _ = std::fs::remove_file(&script);
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    println!("{stdout}{}", String::from_utf8_lossy(&output.stderr));
    let answered = served.load(Ordering::SeqCst) - start_count;
    println!(
        "server side: {answered} responses in {:.2} s = {:.0} requests/s",
        elapsed.as_secs_f64(),
        answered as f64 / elapsed.as_secs_f64()
    );
    let total = stdout
        .lines()
        .find(|l| l.contains("requests in"))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|n| n.parse::<u64>().ok())
        .expect("request count");
    let run = Run {
        total,
        requests_per_sec: field(&stdout, "Requests/sec:")
            .expect("Requests/sec")
            .to_owned(),
        p99: field(&stdout, "99%").expect("p99").to_owned(),
        non_2xx: field(&stdout, "Non-2xx or 3xx responses:")
            .unwrap_or("0")
            .to_owned(),
        socket_errors: field(&stdout, "Socket errors:")
            .unwrap_or("none")
            .to_owned(),
        connections,
        cpu_per_request: cpu,
    };
    assert!(
        run.total >= requests,
        "bounded run completed: {} < {requests}",
        run.total
    );
    assert_eq!(run.non_2xx, "0", "every response is 200");
    assert_eq!(run.socket_errors, "none", "no socket errors");
    run
}
