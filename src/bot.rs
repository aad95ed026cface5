//! The one core every channel calls: `Bot`.
//!
//! The CLI, the HTTP API, the web pages and the Telegram adapter all talk to a citizen through the
//! same handful of calls — a dialogue turn, a button press, a one-shot question, a staff search, a
//! reload — so that a rule (text length, session locking, duplicate updates, China time, where
//! blocking work runs) is decided once, here, and never re-implemented by a transport.
//!
//! `Bot` owns the live knowledge snapshot (through the dialogue [`Engine`] and its
//! [`Answerer`](crate::answer::Answerer)), the session store and the clock. Ranking and the
//! dialogue turn are CPU work: they run on tokio's blocking pool, never on an async worker, so one
//! slow question cannot stall other connections. A turn holds the session lock from load to save,
//! so two messages of one conversation never interleave.
//!
//! Starting on broken knowledge files: when the files do not validate but an index built from good
//! files exists, the bot starts on that last good index (its generation keeps a copy of the files
//! it was built from), reports the problems as `file:line` in [`Bot::health`], and serves. A
//! [`Bot::reload`] that fails the same way leaves the old snapshot serving and says why.
//!
//! Every turn, press and one-shot question is also counted in the editorial records
//! ([`crate::records`]) with the channel it came from ([`Bot::on`]), off the reply path: a
//! spawned write, at most [`MAX_PENDING_RECORDS`] at a time, so a slow or failing store never
//! delays or fails a reply (it is logged, and a turn past the bound is dropped uncounted).

mod editorial;
mod staff;

pub use editorial::{
    preview_on, EditorStats, EditorialError, FaqDetail, FaqEdit, FaqFilter, FaqSummary, OtherEdit,
    Preview, PreviewHit, Saved,
};
pub use staff::{
    CalcFailure, EntryDetail, EntryLink, FeedbackInput, FilterError, Filters, SourceInfo, StaffHit,
    StaffQuery, StaffResults,
};

use crate::answer::{self, Reply, ReplyKind, SearchResults};
use crate::config::Paths;
use crate::dialogue::{engine, Engine, State, STATE_VERSION};
use crate::records::{RecordStore, TurnRecord};
use crate::search::Snapshot;
use crate::session::{LoadStatus, Sessions};
use crate::{Error, Result};
use serde::Serialize;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

/// Longest message the bot reads, in characters (every channel: HTTP, CLI, Telegram).
pub const MAX_TEXT_CHARS: usize = 2000;

/// Most channel update ids remembered per conversation for duplicate detection.
const SEEN_UPDATES: usize = 64;

/// Most turn records being written at once; past it a turn is not recorded (and logged).
pub const MAX_PENDING_RECORDS: u32 = 256;

/// Where a turn came from, as the editorial records name it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// The HTTP API and the web pages on it.
    Http,
    Telegram,
    /// `bujiao ask` / `bujiao chat`.
    Cli,
    /// A caller that did not say (tests, benches, library users calling `Bot::handle`).
    #[default]
    Other,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Http => "http",
            Channel::Telegram => "telegram",
            Channel::Cli => "cli",
            Channel::Other => "other",
        }
    }
}

/// The bot seen from one channel: the same calls as [`Bot`], recorded under that channel.
#[derive(Clone, Copy)]
pub struct On<'a> {
    bot: &'a Bot,
    channel: Channel,
}

impl On<'_> {
    /// One dialogue turn.
    pub async fn handle(&self, session: &str, text: &str) -> Reply {
        let turn = self.bot.turn(
            self.channel,
            session,
            Untracked,
            Input::Text(text.to_string()),
        );
        turn.await.unwrap_or_else(|never| match never {})
    }

    /// A button press: an option id from an earlier reply.
    pub async fn press(&self, session: &str, option_id: &str) -> Reply {
        let input = Input::Press(option_id.to_string());
        let turn = self.bot.turn(self.channel, session, Untracked, input);
        turn.await.unwrap_or_else(|never| match never {})
    }

    /// A channel update with its id: `None` when this id was already applied to this
    /// conversation (a redelivery), so it is neither answered nor applied twice (nor recorded).
    pub async fn handle_update(
        &self,
        session: &str,
        update_id: i64,
        input: Input,
    ) -> Option<Reply> {
        self.bot
            .turn(self.channel, session, Tracked(update_id), input)
            .await
            .ok()
    }

    /// A one-shot question: no session is read or written.
    pub async fn ask(&self, text: &str) -> Reply {
        let reply = self.bot.ask_unrecorded(text).await;
        self.bot
            .record(self.channel, &Input::Text(text.to_string()), &reply);
        reply
    }
}

/// What a channel delivers in one update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// Text the citizen typed.
    Text(String),
    /// A button pressed: a [`ReplyOption`](crate::answer::ReplyOption) id.
    Press(String),
}

/// Everything needed to open a bot.
#[derive(Clone)]
pub struct BotConfig {
    pub paths: Paths,
    /// Session store spec: `sqlite`, `memory`, `sqlite:/path`, `redis://host:port`.
    pub sessions: String,
    pub session_ttl: Duration,
    /// Called with (done, total) while an index is built (the CLI draws a progress bar).
    pub progress: Option<Arc<dyn Fn(usize, usize) + Send + Sync>>,
    /// Editors' tokens for the admin API; none = the admin API is off.
    pub admin: Arc<crate::admin::AdminTokens>,
    /// Records store spec (`--db` / `BUJIAO_DB`): None → SQLite in the data dir; `sqlite:<path>`;
    /// `postgres://…`.
    pub db: Option<String>,
    /// Days turns, unanswered questions and feedback are kept (`BUJIAO_RECORDS_RETENTION_DAYS`).
    pub retention_days: u32,
}

impl BotConfig {
    pub fn new(paths: Paths, sessions: impl Into<String>) -> Self {
        BotConfig {
            paths,
            sessions: sessions.into(),
            session_ttl: crate::session::DEFAULT_TTL,
            progress: None,
            admin: Arc::new(crate::admin::AdminTokens::none()),
            db: None,
            retention_days: crate::records::DEFAULT_RETENTION_DAYS,
        }
    }
}

/// A staff search.
#[derive(Debug, Clone, Default)]
pub struct SearchQuery {
    pub text: String,
    pub limit: usize,
    /// Only national entries and this region's.
    pub region: Option<String>,
}

/// The state of the bot, for `/healthz`, `/readyz` and logs.
#[derive(Debug, Clone, Serialize)]
pub struct Health {
    pub entries: usize,
    /// Index generation in use.
    pub index: String,
    /// Fingerprint of the knowledge files that generation was built from.
    pub fingerprint: String,
    /// True when the knowledge files on disk have problems and the bot serves the last good
    /// index instead.
    pub degraded: bool,
    /// The problems, as `file:line: message`.
    pub problems: Vec<String>,
    /// Successful reloads since start.
    pub reloads: u64,
}

/// What a successful [`Bot::reload`] did.
#[derive(Debug, Clone, Serialize)]
pub struct ReloadReport {
    pub index: String,
    pub fingerprint: String,
    pub entries: usize,
    /// False when the files were unchanged (the same generation serves on).
    pub changed: bool,
    pub millis: u64,
}

impl std::fmt::Debug for Bot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bot")
            .field("snapshot", &self.snapshot().manifest.generation)
            .field("sessions", self.sessions())
            .finish_non_exhaustive()
    }
}

/// The bot core. Share it as `Arc<Bot>`.
pub struct Bot {
    engine: Arc<Engine>,
    /// Where to reload from; None for a bot built over an in-memory snapshot.
    paths: Option<Paths>,
    reload_lock: tokio::sync::Mutex<()>,
    problems: RwLock<Vec<String>>,
    reloads: AtomicU64,
    /// Who may use the admin API (none = off).
    admin: Arc<crate::admin::AdminTokens>,
    /// Tells other instances about a publish (Redis, PostgreSQL or in-process).
    bus: Arc<dyn crate::records::bus::PublishBus>,
    /// One publish at a time in this process (the knowledge directory is also locked).
    publish_lock: tokio::sync::Mutex<()>,
    /// One edited-entry preview build at a time.
    preview_lock: tokio::sync::Mutex<()>,
    /// The editorial records: feedback, turn counters, unanswered questions, audit, drafts
    /// (SQLite in the data dir or PostgreSQL; an in-memory SQLite for bots built in tests).
    records: Arc<dyn RecordStore>,
    /// Bounds the turn records being written ([`MAX_PENDING_RECORDS`]).
    pending_records: Arc<tokio::sync::Semaphore>,
    /// Days turns, unanswered questions and feedback are kept.
    retention_days: u32,
    /// Whether a patched index is rebuilt from scratch in the background ([`Bot::keep_index_exact`]).
    rebuild_patched: bool,
}

impl Bot {
    /// A bot over an engine that is already set up (tests, benches). It cannot [`reload`](Self::reload).
    pub fn new(engine: Engine) -> Bot {
        Bot {
            engine: Arc::new(engine),
            paths: None,
            reload_lock: tokio::sync::Mutex::new(()),
            problems: RwLock::new(Vec::new()),
            reloads: AtomicU64::new(0),
            admin: Arc::new(crate::admin::AdminTokens::none()),
            bus: Arc::new(crate::records::bus::InProcessBus::new()),
            publish_lock: tokio::sync::Mutex::new(()),
            preview_lock: tokio::sync::Mutex::new(()),
            records: Arc::new(
                crate::records::SqliteRecords::in_memory()
                    .expect("an in-memory SQLite database always opens"),
            ),
            pending_records: Arc::new(tokio::sync::Semaphore::new(MAX_PENDING_RECORDS as usize)),
            retention_days: crate::records::DEFAULT_RETENTION_DAYS,
            rebuild_patched: false,
        }
    }

    /// Keep the editorial records in this store instead of in memory.
    pub fn with_records(mut self, store: Arc<dyn RecordStore>) -> Bot {
        self.records = store;
        self
    }

    /// Turn the admin API on for these editors' tokens.
    pub fn with_admin(mut self, tokens: Arc<crate::admin::AdminTokens>) -> Bot {
        self.admin = tokens;
        self
    }

    /// Announce publishes on this bus (and hear other instances' on it).
    pub fn with_bus(mut self, bus: Arc<dyn crate::records::bus::PublishBus>) -> Bot {
        self.bus = bus;
        self
    }

    pub fn bus(&self) -> &Arc<dyn crate::records::bus::PublishBus> {
        &self.bus
    }

    /// The editors' tokens (empty = the admin API is off).
    pub fn admin(&self) -> &Arc<crate::admin::AdminTokens> {
        &self.admin
    }

    /// The editorial records store.
    pub fn records(&self) -> &Arc<dyn RecordStore> {
        &self.records
    }

    /// Days turns, unanswered questions and feedback are kept (see [`crate::records::spawn_retention`]).
    pub fn retention_days(&self) -> u32 {
        self.retention_days
    }

    /// The bot as seen from `channel`: its turns are recorded under that channel's name.
    pub fn on(&self, channel: Channel) -> On<'_> {
        On { bot: self, channel }
    }

    /// Wait until every turn record started so far is written (tests, shutdown).
    pub async fn records_flushed(&self) {
        if let Ok(all) = self.pending_records.acquire_many(MAX_PENDING_RECORDS).await {
            drop(all);
        }
    }

    /// As [`new`](Self::new), remembering where the knowledge came from so it can reload.
    pub fn with_paths(mut self, paths: Paths) -> Bot {
        self.paths = Some(paths);
        self
    }

    /// Load the knowledge (building the index on first start), open the session store.
    pub async fn open(config: &BotConfig) -> Result<Bot> {
        let paths = config.paths.clone();
        let progress = config.progress.clone();
        let (snapshot, problems) = tokio::task::spawn_blocking(move || {
            let progress = move |done: usize, total: usize| {
                if let Some(p) = &progress {
                    p(done, total)
                }
            };
            load_or_last_good(&paths, &progress)
        })
        .await
        .map_err(|e| Error::Other(format!("loading the knowledge base panicked: {e}")))??;
        let store = crate::session::open_store(&config.sessions, &config.paths.data)
            .await
            .map_err(|e| {
                Error::Other(format!(
                    "cannot open session store {:?}: {e}",
                    config.sessions
                ))
            })?;
        let sessions = Sessions::new(store, STATE_VERSION).with_ttl(config.session_ttl);
        let answerer = Arc::new(answer::Answerer::new(snapshot));
        let records = crate::records::open(config.db.as_deref(), &config.paths.data).await?;
        let mut bot = Bot::new(Engine::new(answerer, sessions))
            .with_paths(config.paths.clone())
            .with_records(records)
            .with_admin(config.admin.clone())
            .with_bus(crate::records::bus::open(&config.sessions, config.db.as_deref()).await?);
        bot.retention_days = config.retention_days;
        *bot.problems.write().unwrap_or_else(|p| p.into_inner()) = problems;
        Ok(bot)
    }

    pub fn engine(&self) -> &Arc<Engine> {
        &self.engine
    }

    pub fn sessions(&self) -> &Sessions {
        self.engine.sessions()
    }

    /// The snapshot serving right now.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.engine.answerer().snapshot()
    }

    /// One dialogue turn (recorded under [`Channel::Other`]; channels use [`Bot::on`]).
    pub async fn handle(&self, session: &str, text: &str) -> Reply {
        self.on(Channel::Other).handle(session, text).await
    }

    /// A button press: an option id from an earlier reply.
    pub async fn press(&self, session: &str, option_id: &str) -> Reply {
        self.on(Channel::Other).press(session, option_id).await
    }

    /// A channel update with its id: `None` when this id was already applied to this
    /// conversation (a redelivery), so it is neither answered nor applied twice.
    pub async fn handle_update(
        &self,
        session: &str,
        update_id: i64,
        input: Input,
    ) -> Option<Reply> {
        self.on(Channel::Other)
            .handle_update(session, update_id, input)
            .await
    }

    /// Forget the conversation.
    pub async fn reset(&self, session: &str) -> Reply {
        let _guard = self.sessions().lock(session).await;
        if let Err(e) = self.sessions().reset(session).await {
            tracing::error!(session = %crate::bot::log_id(session), error = %e, "could not reset session");
        }
        Reply::new(
            ReplyKind::Info,
            format!("好的，已重新开始，之前的信息都已清空。\n{}", engine::HELP),
        )
    }

    /// A one-shot question: no session is read or written.
    pub async fn ask(&self, text: &str) -> Reply {
        self.on(Channel::Other).ask(text).await
    }

    async fn ask_unrecorded(&self, text: &str) -> Reply {
        if let Some(r) = too_long(text) {
            return r;
        }
        let engine = self.engine.clone();
        let text = text.to_string();
        tokio::task::spawn_blocking(move || engine.turn(&mut State::default(), &text))
            .await
            .unwrap_or_else(|e| {
                tracing::error!(error = %e, "ask panicked");
                internal_error_reply()
            })
    }

    /// Ranked hits with highlighted snippets, for hotline staff.
    pub async fn search(&self, query: SearchQuery) -> Result<SearchResults> {
        let engine = self.engine.clone();
        tokio::task::spawn_blocking(move || {
            engine.answerer().search(
                &query.text,
                query.limit,
                query.region.as_deref().filter(|r| !r.is_empty()),
            )
        })
        .await
        .map_err(|e| Error::Other(format!("search panicked: {e}")))?
    }

    /// The welcome a new conversation starts with: what the bot does and three example questions.
    pub fn welcome(&self) -> Reply {
        let mut r = Reply::new(ReplyKind::Info, WELCOME);
        r.options = EXAMPLES
            .iter()
            .map(|q| answer::ReplyOption::say(*q))
            .collect();
        r
    }

    /// What the bot can do, with examples.
    pub fn help(&self) -> Reply {
        Reply::new(ReplyKind::Info, engine::HELP)
    }

    /// The four calculators as options.
    pub fn calculators(&self) -> Reply {
        let mut r = Reply::new(ReplyKind::Info, engine::WHICH_CALCULATION);
        r.options = engine::calculation_options();
        r
    }

    /// Load and validate the knowledge files, build the new index generation, and swap the
    /// snapshot atomically. Questions keep being answered on the old snapshot meanwhile; a reload
    /// that fails (a file with a problem, a failed build) leaves the old snapshot serving and
    /// returns why.
    pub async fn reload(&self) -> Result<ReloadReport> {
        let Some(paths) = self.paths.clone() else {
            return Err(Error::Other(
                "this bot was not opened from a knowledge directory".into(),
            ));
        };
        let _one_at_a_time = self.reload_lock.lock().await;
        let paths_for_rebuild = paths.clone();
        let started = Instant::now();
        let before = self.snapshot().manifest.clone();
        let previous = self.snapshot();
        let loaded =
            tokio::task::spawn_blocking(move || answer::reload_snapshot(&paths, &previous))
                .await
                .map_err(|e| Error::Other(format!("reload panicked: {e}")))?;
        match loaded {
            Ok(snap) => {
                let report = ReloadReport {
                    index: snap.manifest.generation.clone(),
                    fingerprint: snap.manifest.fingerprint.clone(),
                    entries: snap.entries.len(),
                    changed: snap.manifest.fingerprint != before.fingerprint,
                    millis: started.elapsed().as_millis() as u64,
                };
                let patched = snap.manifest.patched_entries > 0;
                self.engine.answerer().swap(snap);
                if patched {
                    self.finish_patched_in_background(paths_for_rebuild);
                }
                self.problems
                    .write()
                    .unwrap_or_else(|p| p.into_inner())
                    .clear();
                self.reloads.fetch_add(1, Ordering::Relaxed);
                tracing::info!(index = %report.index, changed = report.changed, millis = report.millis, "knowledge reloaded");
                Ok(report)
            }
            Err(e) => {
                if let Error::Knowledge(problems) = &e {
                    *self.problems.write().unwrap_or_else(|p| p.into_inner()) =
                        problems.iter().map(|p| p.to_string()).collect();
                }
                tracing::warn!(error = %e, "reload failed; the previous knowledge keeps serving");
                Err(e)
            }
        }
    }

    /// A reload that patched the index (an editor's change of a few entries) serves at once with
    /// an approximate classifier; this builds the same knowledge from scratch on the blocking
    /// pool and swaps it in, unless a newer publish came first.
    fn finish_patched_in_background(&self, paths: Paths) {
        if !self.rebuild_patched {
            return;
        }
        let engine = self.engine.clone();
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        runtime.spawn_blocking(move || {
            let serving = engine.answerer().snapshot();
            match serving.rebuilt_if_patched(&paths.index) {
                Ok(Some(full)) => {
                    let generation = full.manifest.generation.clone();
                    if engine.answerer().swap_if_same_knowledge(full) {
                        tracing::info!(%generation, "patched index replaced by a full build");
                    }
                }
                Ok(None) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "full rebuild after a patched publish failed; the patched index keeps serving")
                }
            }
        });
    }

    /// For a long-running server: from now on, an index patched by a publish (or found patched at
    /// start) is rebuilt from scratch in the background and swapped in, so the approximate
    /// classifier of a patch does not stay. One-shot commands leave this off and exit at once.
    pub fn keep_index_exact(&mut self) {
        self.rebuild_patched = true;
        if self.snapshot().manifest.patched_entries > 0 {
            if let Some(paths) = self.paths.clone() {
                self.finish_patched_in_background(paths);
            }
        }
    }

    /// What is serving and whether the files on disk have problems.
    pub fn health(&self) -> Health {
        let snap = self.snapshot();
        let problems = self
            .problems
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        Health {
            entries: snap.entries.len(),
            index: snap.manifest.generation.clone(),
            fingerprint: snap.manifest.fingerprint.clone(),
            degraded: !problems.is_empty(),
            problems,
            reloads: self.reloads.load(Ordering::Relaxed),
        }
    }

    /// Whether the session store answers (for `/readyz`).
    pub async fn sessions_reachable(&self) -> bool {
        self.sessions()
            .store()
            .load("bujiao:readiness-probe")
            .await
            .is_ok()
    }

    /// Count a turn in the editorial records, off the reply path: a spawned write, bounded by
    /// [`MAX_PENDING_RECORDS`]; a failure is logged, never returned.
    fn record(&self, channel: Channel, input: &Input, reply: &Reply) {
        let turn = turn_record(channel, input, reply);
        let Ok(permit) = self.pending_records.clone().try_acquire_owned() else {
            tracing::warn!(
                "records: {MAX_PENDING_RECORDS} writes pending; this turn is not recorded"
            );
            return;
        };
        let store = self.records.clone();
        tokio::spawn(async move {
            if let Err(e) = store.record_turn(turn).await {
                tracing::error!(store = store.name(), error = %e, "records: could not record a turn");
            }
            drop(permit);
        });
    }

    /// Lock, load, run the turn on the blocking pool, remember the update id, save; then record
    /// it (a redelivered update is neither answered nor recorded).
    async fn turn<D: Delivery>(
        &self,
        channel: Channel,
        session: &str,
        delivery: D,
        input: Input,
    ) -> std::result::Result<Reply, D::Duplicate> {
        let recorded = input.clone();
        let reply = self.turn_unrecorded(session, delivery, input).await?;
        self.record(channel, &recorded, &reply);
        Ok(reply)
    }

    async fn turn_unrecorded<D: Delivery>(
        &self,
        session: &str,
        delivery: D,
        input: Input,
    ) -> std::result::Result<Reply, D::Duplicate> {
        if let Input::Text(text) = &input {
            if let Some(r) = too_long(text) {
                return Ok(r);
            }
        }
        let sessions = self.sessions();
        let guard = sessions.lock(session).await;
        let (state, status) = match sessions.load::<State>(session).await {
            Ok(l) => (l.state, l.status),
            Err(e) => {
                tracing::error!(session = %log_id(session), error = %e, "could not load session; answering without it");
                (State::default(), LoadStatus::Fresh)
            }
        };
        delivery.check(session, &state.seen_updates)?;
        let seen = state.seen_updates.clone();
        let engine = self.engine.clone();
        let joined = tokio::task::spawn_blocking(move || {
            let mut state = state;
            let reply = match &input {
                Input::Text(text) => engine.turn(&mut state, text),
                Input::Press(option) => engine.press(&mut state, option),
            };
            (reply, state)
        })
        .await;
        let (mut reply, mut state) = match joined {
            Ok(done) => done,
            Err(e) => {
                tracing::error!(session = %log_id(session), error = %e, "dialogue turn panicked");
                return Ok(internal_error_reply());
            }
        };
        // A reset inside the turn forgets the conversation, not which updates were applied.
        if state.seen_updates.is_empty() {
            state.seen_updates = seen;
        }
        if let Some(id) = delivery.id() {
            state.seen_updates.push(id);
            let excess = state.seen_updates.len().saturating_sub(SEEN_UPDATES);
            state.seen_updates.drain(..excess);
        }
        if status == LoadStatus::Expired && reply.kind == ReplyKind::Ask {
            reply.text = format!("（上次的对话已超时，我们重新开始。）\n{}", reply.text);
        }
        if let Err(e) = sessions.save(session, &state).await {
            tracing::error!(session = %log_id(session), error = %e, "could not save session");
        }
        // Released before the reply goes out, so a process killed after replying leaves no turn
        // lock to hold up the conversation after a restart.
        guard.release().await;
        Ok(reply)
    }
}

/// Load and validate the knowledge and open (or build) its index; when the files have problems,
/// fall back to the last good index and return the problems beside it.
fn load_or_last_good(
    paths: &Paths,
    progress: &dyn Fn(usize, usize),
) -> Result<(Snapshot, Vec<String>)> {
    match answer::load_snapshot(paths, progress) {
        Ok(snap) => Ok((snap, Vec::new())),
        Err(Error::Knowledge(problems)) => {
            let listed: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
            match Snapshot::open_last_good(&paths.index) {
                Ok(snap) => {
                    for p in &listed {
                        tracing::error!(problem = %p, "knowledge file problem");
                    }
                    tracing::warn!(
                        index = %snap.manifest.generation,
                        problems = listed.len(),
                        "the knowledge files have problems; serving the last good index"
                    );
                    Ok((snap, listed))
                }
                Err(e) => {
                    tracing::error!(error = %e, "no last good index to fall back to");
                    Err(Error::Knowledge(problems))
                }
            }
        }
        Err(e) => Err(e),
    }
}

/// What the records keep of a turn: kind, the entry answered, the ranker's candidates, and the
/// text (the store keeps it only for a fallback or clarification). No session id.
fn turn_record(channel: Channel, input: &Input, reply: &Reply) -> TurnRecord {
    let kind = match reply.kind {
        ReplyKind::Answer => "answer",
        ReplyKind::Clarify => "clarify",
        ReplyKind::Fallback => "fallback",
        ReplyKind::Error => "error",
        ReplyKind::Ask => "ask",
        ReplyKind::Result => "result",
        ReplyKind::Info => "info",
    };
    let text = match input {
        Input::Text(t) => Some(t.clone()),
        Input::Press(id) => id.strip_prefix(answer::SAY_PREFIX).map(str::to_string),
    };
    let entry = (reply.kind == ReplyKind::Answer)
        .then(|| reply.sources.first().map(|s| s.id.clone()))
        .flatten();
    let candidates = if reply.candidates.is_empty() {
        reply
            .sources
            .iter()
            .map(|s| (s.id.clone(), s.score))
            .collect()
    } else {
        reply.candidates.clone()
    };
    TurnRecord {
        at: crate::china_time::now(),
        channel: channel.as_str().to_string(),
        kind: kind.to_string(),
        entry,
        text,
        candidates,
    }
}

fn too_long(text: &str) -> Option<Reply> {
    (text.chars().count() > MAX_TEXT_CHARS).then(|| {
        Reply::error(&format!(
            "您的消息太长了（超过 {MAX_TEXT_CHARS} 字），请把问题精简一下再发给我。"
        ))
    })
}

fn internal_error_reply() -> Reply {
    Reply::error("抱歉，系统暂时出了点问题，请稍后再试，或拨打 12333 咨询。")
}

/// How a turn treats redelivery. `handle`/`press` carry no update id and cannot be duplicates
/// (their `Duplicate` is uninhabited, so no reply for the impossible case is needed); a channel
/// update's id is checked against the ids the conversation already applied.
trait Delivery: Send {
    type Duplicate;
    fn id(&self) -> Option<i64>;
    /// `Err` when this delivery was applied to the conversation already.
    fn check(&self, session: &str, seen: &[i64]) -> std::result::Result<(), Self::Duplicate>;
}

/// A message with no update id (`handle`, `press`).
struct Untracked;

impl Delivery for Untracked {
    type Duplicate = std::convert::Infallible;
    fn id(&self) -> Option<i64> {
        None
    }
    fn check(&self, _: &str, _: &[i64]) -> std::result::Result<(), Self::Duplicate> {
        Ok(())
    }
}

/// A channel update with its id (`handle_update`).
struct Tracked(i64);

/// The update was applied to the conversation already: not answered again.
struct AlreadyApplied;

impl Delivery for Tracked {
    type Duplicate = AlreadyApplied;
    fn id(&self) -> Option<i64> {
        Some(self.0)
    }
    fn check(&self, session: &str, seen: &[i64]) -> std::result::Result<(), AlreadyApplied> {
        if seen.contains(&self.0) {
            tracing::info!(session = %log_id(session), update = self.0, "update already applied; not answering again");
            return Err(AlreadyApplied);
        }
        Ok(())
    }
}

/// A session id as it may appear in logs: channel prefix kept, the rest replaced by a stable
/// hash, so a chat can be followed through the logs without its id being stored.
pub fn log_id(session: &str) -> String {
    use sha2::{Digest, Sha256};
    let (prefix, rest) = session.split_once(':').unwrap_or(("", session));
    let digest = Sha256::digest(rest.as_bytes());
    let short = hex::encode(&digest[..6]);
    if prefix.is_empty() {
        short
    } else {
        format!("{prefix}:{short}")
    }
}

const WELCOME: &str = "您好！我是补缴咨询助手，可以帮您：\n· 解答社保、医保、养老保险补缴的政策问题（去哪补、带什么、断缴后还能不能报销）；\n· 计算补缴金额和滞纳金；\n· 计算退休时医保年限不足要补多少；\n· 计算医保断缴后要等多久才能报销。\n直接把您的情况一句话告诉我，或者点下面的例子试试。";

const EXAMPLES: [&str; 3] = [
    "医保断缴三个月还能补吗",
    "灵活就业补缴养老保险要带什么材料",
    "欠了1万社保，晚了30天，滞纳金多少",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_ids_hide_the_id_but_keep_the_channel() {
        let a = log_id("telegram:123456789");
        assert!(a.starts_with("telegram:"));
        assert!(!a.contains("123456789"));
        assert_eq!(a, log_id("telegram:123456789"));
        assert_ne!(a, log_id("telegram:123456788"));
    }

    #[test]
    fn long_texts_are_refused_politely() {
        assert!(too_long(&"保".repeat(MAX_TEXT_CHARS)).is_none());
        let r = too_long(&"保".repeat(MAX_TEXT_CHARS + 1)).unwrap();
        assert_eq!(r.kind, ReplyKind::Error);
    }
}
