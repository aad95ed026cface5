//! Two bot instances sharing one session store must not lose a turn.
//!
//! A user who sends two messages at the same moment may have them land on two
//! servers. Each server loads the half-filled form, adds its slot and saves; without a lock
//! held in the store, the second save overwrites the first and a slot is lost — the calculator
//! then asks again or, worse, computes a total from the wrong inputs. Here two `Engine`s, each
//! with its own `Sessions` over its own connection to the same SQLite file (and to the same Redis
//! when one is reachable), get the messages of 100 calculation conversations in concurrent pairs;
//! every conversation must end with the right total.
//!
//! Redis runs against `BUJIAO_TEST_REDIS_URL` (default `redis://127.0.0.1:6379/`); when nothing
//! answers there the Redis case prints `SKIPPED: …` and passes, unless `BUJIAO_REQUIRE_REDIS=1`.

use crate::common;

use std::sync::Arc;
use std::time::Duration;

use bujiao::answer::{Answerer, Reply, ReplyKind};
use bujiao::bot::Bot;
use bujiao::dialogue::{Engine, STATE_VERSION};
use bujiao::session::{SessionError, SessionStore, Sessions, SqliteStore, StoredSession};
use chrono::NaiveDate;

const CONVERSATIONS: u32 = 100;

fn engine(store: Arc<dyn SessionStore>) -> Arc<Bot> {
    let answerer = Arc::new(Answerer::new_shared(common::repo_answerer().snapshot()));
    Arc::new(Bot::new(
        Engine::new(answerer, Sessions::new(store, STATE_VERSION))
            .with_today(|| NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()),
    ))
}

/// Base of conversation `i`, and the total it must end with: base × 8% × 3 months.
fn base_and_total(i: u32) -> (u32, String) {
    let base = 5000 + i;
    let cents = base * 24;
    (base, format!("{}.{:02}", cents / 100, cents % 100))
}

fn result_total(r: &Reply) -> Option<String> {
    (r.kind == ReplyKind::Result).then(|| {
        r.result
            .as_ref()
            .expect("a result carries its calculation")
            .total
            .expect("a total")
            .to_string()
    })
}

/// Send `a` to engine `ea` and `b` to engine `eb` of session `id` at the same moment.
async fn pair(ea: &Arc<Bot>, a: String, eb: &Arc<Bot>, b: String, id: &str) -> (Reply, Reply) {
    let (ea, eb) = (Arc::clone(ea), Arc::clone(eb));
    let (ia, ib) = (id.to_owned(), id.to_owned());
    let ta = tokio::spawn(async move { ea.handle(&ia, &a).await });
    let tb = tokio::spawn(async move { eb.handle(&ib, &b).await });
    (ta.await.unwrap(), tb.await.unwrap())
}

/// One employee-medical contribution calculation whose slots arrive in separate messages, two at
/// a time to the two engines. Returns a description of what went wrong, if anything.
async fn conversation(a: &Arc<Bot>, b: &Arc<Bot>, prefix: &str, i: u32) -> Option<String> {
    let id = format!("{prefix}-{i}");
    let (base, expected) = base_and_total(i);
    let first = a.handle(&id, "帮我算算补缴医保要多少钱").await;
    if first.slot.map(|s| s.as_str()) != Some("category") {
        return Some(format!(
            "{id}: first reply does not ask the category: {first:?}"
        ));
    }
    pair(a, "在职职工".into(), b, format!("基数{base}"), &id).await;
    let (ra, rb) = pair(a, "费率8%".into(), b, "3个月".into(), &id).await;
    let totals: Vec<String> = [&ra, &rb].into_iter().filter_map(result_total).collect();
    if totals == [expected.clone()] {
        None
    } else {
        Some(format!(
            "{id}: expected one result {expected}, got results {totals:?} (replies: {:?} / {:?})",
            ra.slot.map(|s| s.as_str()).unwrap_or(ra.text.as_str()),
            rb.slot.map(|s| s.as_str()).unwrap_or(rb.text.as_str())
        ))
    }
}

async fn run_all(a: Arc<Bot>, b: Arc<Bot>, prefix: &str) {
    let mut failures = Vec::new();
    for i in 0..CONVERSATIONS {
        // Alternate which instance gets which message of each pair.
        let (x, y) = if i % 2 == 0 { (&a, &b) } else { (&b, &a) };
        if let Some(f) = conversation(x, y, prefix, i).await {
            failures.push(f);
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {CONVERSATIONS} conversations lost a turn; first: {:#?}",
        failures.len(),
        &failures[..failures.len().min(3)]
    );
}

/// The script gives the expected total on one engine, whichever message of a pair comes first —
/// so a failure of the concurrent tests is a lost turn, not an order effect.
#[tokio::test]
async fn the_script_gives_the_total_in_either_order() {
    let dir = tempfile::tempdir().unwrap();
    let e = engine(Arc::new(
        SqliteStore::open(dir.path().join("s.sqlite3")).unwrap(),
    ));
    let (base, expected) = base_and_total(7);
    for (n, swap) in [false, true].into_iter().enumerate() {
        let id = format!("order-{n}");
        e.handle(&id, "帮我算算补缴医保要多少钱").await;
        let mut round1 = ["在职职工".to_owned(), format!("基数{base}")];
        let mut round2 = ["费率8%".to_owned(), "3个月".to_owned()];
        if swap {
            round1.reverse();
            round2.reverse();
        }
        for m in &round1 {
            e.handle(&id, m).await;
        }
        let first = e.handle(&id, &round2[0]).await;
        assert_eq!(result_total(&first), None, "{first:#?}");
        let last = e.handle(&id, &round2[1]).await;
        assert_eq!(result_total(&last), Some(expected.clone()), "{last:#?}");
    }
}

/// A shared store that is down: every call fails.
struct DownStore;

#[async_trait::async_trait]
impl SessionStore for DownStore {
    async fn load(&self, _: &str) -> Result<Option<StoredSession>, SessionError> {
        Err(SessionError::Task("connection refused".into()))
    }
    async fn save(&self, _: &str, _: &StoredSession, _: Duration) -> Result<(), SessionError> {
        Err(SessionError::Task("connection refused".into()))
    }
    async fn delete(&self, _: &str) -> Result<(), SessionError> {
        Err(SessionError::Task("connection refused".into()))
    }
    async fn purge_expired(&self, _: i64, _: Duration) -> Result<usize, SessionError> {
        Err(SessionError::Task("connection refused".into()))
    }
    fn shared_between_processes(&self) -> bool {
        true
    }
    async fn try_lock(&self, _: &str, _: &str, _: i64, _: Duration) -> Result<bool, SessionError> {
        Err(SessionError::Task("connection refused".into()))
    }
    fn name(&self) -> &'static str {
        "down"
    }
}

/// With the store down, every turn is still answered (statelessly).
#[tokio::test]
async fn a_store_that_is_down_still_gets_answers() {
    let e = engine(Arc::new(DownStore));
    let r = e.handle("s", "帮我算算补缴医保要多少钱").await;
    assert_eq!(r.slot.map(|s| s.as_str()), Some("category"), "{r:#?}");
    let r = e
        .handle("s", "灵活就业,基数3000,按20%补缴养老保险6个月")
        .await;
    assert_eq!(result_total(&r).as_deref(), Some("3600.00"), "{r:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_one_sqlite_file_lose_no_turn() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sessions.sqlite3");
    let a = engine(Arc::new(SqliteStore::open(&path).unwrap()));
    let b = engine(Arc::new(SqliteStore::open(&path).unwrap()));
    run_all(a, b, "sqlite").await;
}

#[cfg(feature = "redis-store")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_one_redis_lose_no_turn() {
    use bujiao::session::RedisStore;
    let url =
        std::env::var("BUJIAO_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379/".into());
    if !redis_reachable(&url) {
        return;
    }
    let prefix = format!(
        "bujiao-test:{}:cross-instance:{}:",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    );
    let _cleanup = RedisCleanup {
        url: url.clone(),
        prefix: prefix.clone(),
    };
    let a = engine(Arc::new(RedisStore::connect(&url, &prefix).await.unwrap()));
    let b = engine(Arc::new(RedisStore::connect(&url, &prefix).await.unwrap()));
    run_all(a, b, "redis").await;
}

/// Whether Redis answers TCP at `url`; prints SKIPPED (or panics under
/// `BUJIAO_REQUIRE_REDIS=1`) when it does not.
#[cfg(feature = "redis-store")]
fn redis_reachable(url: &str) -> bool {
    use std::io::Write;
    let client = ::redis::Client::open(url).expect("BUJIAO_TEST_REDIS_URL is not a Redis URL");
    let ::redis::ConnectionAddr::Tcp(host, port) = client.get_connection_info().addr.clone() else {
        return true; // not plain TCP: let the real connect decide
    };
    let up = std::net::ToSocketAddrs::to_socket_addrs(&(host.as_str(), port))
        .map(|addrs| {
            addrs.into_iter().any(|a| {
                std::net::TcpStream::connect_timeout(&a, std::time::Duration::from_secs(1)).is_ok()
            })
        })
        .unwrap_or(false);
    if !up {
        assert!(
            std::env::var("BUJIAO_REQUIRE_REDIS").as_deref() != Ok("1"),
            "redis not reachable at {host}:{port} and BUJIAO_REQUIRE_REDIS=1"
        );
        // Straight to the stderr handle: libtest captures `eprintln!`.
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED: redis not reachable at {host}:{port}"
        );
    }
    up
}

/// Deletes every key under the test's prefix when dropped, also after a failure.
#[cfg(feature = "redis-store")]
struct RedisCleanup {
    url: String,
    prefix: String,
}

#[cfg(feature = "redis-store")]
impl Drop for RedisCleanup {
    fn drop(&mut self) {
        let cleaned = (|| -> ::redis::RedisResult<()> {
            let mut con = ::redis::Client::open(self.url.as_str())?
                .get_connection_with_timeout(std::time::Duration::from_secs(2))?;
            let keys: Vec<String> = ::redis::cmd("KEYS")
                .arg(format!("{}*", self.prefix))
                .query(&mut con)?;
            if !keys.is_empty() {
                ::redis::cmd("DEL").arg(&keys).query::<()>(&mut con)?;
            }
            Ok(())
        })();
        if let Err(e) = cleaned {
            eprintln!(
                "warning: could not clean up Redis keys {}*: {e}",
                self.prefix
            );
        }
    }
}

// ------------------------------------------------------------------ a publish reaches the others

mod publish {
    use super::common::fixture_kb;
    use bujiao::admin::{Principal, Role};
    use bujiao::bot::{Bot, BotConfig, FaqEdit};
    use bujiao::config::Paths;
    use bujiao::knowledge::edit::FaqRecord;
    use bujiao::records::bus::PublishBus;
    use std::path::Path;
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    const QUESTION: &str = "灵活就业人员的医保卡丢了怎么补办";

    fn card_lost() -> FaqRecord {
        FaqRecord {
            id: "card-lost".into(),
            question: "医保卡丢了怎么补办？".into(),
            similar: vec![
                "医保卡掉了去哪补".into(),
                "社保卡丢了怎么办理补卡".into(),
                "医保卡遗失补办要带什么".into(),
                "卡丢了咋补".into(),
            ],
            answer:
                "先挂失再补办：医保卡（社保卡）丢失后先挂失，再带身份证到经办网点或合作银行补办。"
                    .into(),
            tags: vec!["补卡".into()],
            insurance: "medical".into(),
            audience: vec!["any".into()],
            sources: vec!["doc:procedure".into()],
            effective: "2011-07-01".into(),
            ..FaqRecord::default()
        }
    }

    /// One instance: its own index and data dirs, the shared knowledge dir, the given bus.
    async fn instance(shared: &Path, own: &Path, bus: Arc<dyn PublishBus>) -> Arc<Bot> {
        let paths = Paths {
            knowledge: shared.to_path_buf(),
            index: own.join("index"),
            data: own.join("data"),
        };
        let bot = Bot::open(&BotConfig::new(paths, "memory"))
            .await
            .expect("opens")
            .with_bus(bus);
        Arc::new(bot)
    }

    /// A publishes; B (listening on its own connection) answers the new entry within seconds.
    async fn publish_reaches_the_other(bus_a: Arc<dyn PublishBus>, bus_b: Arc<dyn PublishBus>) {
        let tmp = tempfile::tempdir().unwrap();
        let shared = tmp.path().join("knowledge");
        fixture_kb(&shared);
        let a = instance(&shared, &tmp.path().join("a"), bus_a).await;
        let b = instance(&shared, &tmp.path().join("b"), bus_b).await;
        let _listening = b.spawn_publish_listener();
        let before = b.ask(QUESTION).await;
        assert_ne!(
            before.sources.first().map(|s| s.id.as_str()),
            Some("card-lost")
        );
        let who = Principal {
            label: "mei".into(),
            role: Role::Editor,
        };
        let saved = a
            .admin_save_faq(
                &who,
                FaqEdit {
                    record: card_lost(),
                    ..FaqEdit::default()
                },
            )
            .await
            .expect("publishes");
        let fingerprint = saved.reload.expect("reloaded").fingerprint;
        let started = Instant::now();
        loop {
            let r = b.ask(QUESTION).await;
            if r.sources.first().map(|s| s.id.as_str()) == Some("card-lost") {
                assert_eq!(b.health().fingerprint, fingerprint);
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "instance B never picked up A's publish: {r:#?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    #[tokio::test]
    async fn in_process() {
        let hub = bujiao::records::bus::InProcessBus::new();
        let other = hub.join();
        publish_reaches_the_other(Arc::new(hub), Arc::new(other)).await;
    }

    #[tokio::test]
    async fn over_redis_pubsub() {
        let url = std::env::var("BUJIAO_TEST_REDIS_URL")
            .unwrap_or_else(|_| "redis://127.0.0.1:6379/".into());
        if !super::redis_reachable(&url) {
            return;
        }
        let channel = format!("bujiao:test-publish:{}", std::process::id());
        let a = bujiao::records::bus::RedisBus::connect(&url, &channel)
            .await
            .unwrap();
        let b = bujiao::records::bus::RedisBus::connect(&url, &channel)
            .await
            .unwrap();
        publish_reaches_the_other(Arc::new(a), Arc::new(b)).await;
    }

    #[tokio::test]
    async fn over_postgres_listen_notify() {
        let url = std::env::var("BUJIAO_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
        let up = std::net::TcpStream::connect_timeout(
            &"127.0.0.1:5432".parse().unwrap(),
            Duration::from_secs(1),
        )
        .is_ok();
        if !up {
            assert!(
                std::env::var("BUJIAO_REQUIRE_POSTGRES").as_deref() != Ok("1"),
                "postgres not reachable at 127.0.0.1:5432 and BUJIAO_REQUIRE_POSTGRES=1"
            );
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED: postgres not reachable at 127.0.0.1:5432"
            );
            return;
        }
        let channel = format!("bujiao_test_publish_{}", std::process::id());
        let a = bujiao::records::bus::PostgresBus::connect(&url, &channel)
            .await
            .unwrap();
        let b = bujiao::records::bus::PostgresBus::connect(&url, &channel)
            .await
            .unwrap();
        publish_reaches_the_other(Arc::new(a), Arc::new(b)).await;
    }
}
