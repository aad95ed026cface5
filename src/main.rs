//! The `bujiao` binary: argument parsing and wiring only; all behaviour lives in the library.

use anyhow::Result;
use bujiao::answer::{self, Answerer, ReplyKind};
use bujiao::bot::{Bot, BotConfig, Channel};
use bujiao::channels;
use bujiao::channels::calc_cli as c;
use bujiao::config::Paths;
use bujiao::knowledge;
use clap::{Args, Parser, Subcommand};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Parser)]
#[command(
    name = "bujiao",
    version,
    about = "补缴咨询机器人：知识库检索、补缴计算与对话"
)]
struct Cli {
    #[command(flatten)]
    paths: PathArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args)]
struct PathArgs {
    /// Knowledge directory [env: BUJIAO_KNOWLEDGE_DIR] [default: ./knowledge]
    #[arg(long, global = true)]
    knowledge: Option<PathBuf>,
    /// Index directory [env: BUJIAO_INDEX_DIR] [default: ./index]
    #[arg(long, global = true)]
    index: Option<PathBuf>,
    /// Data directory for sessions and logs [env: BUJIAO_DATA_DIR] [default: ./data]
    #[arg(long, global = true)]
    data: Option<PathBuf>,
    /// Minutes a conversation may stay idle before it starts over
    #[arg(
        long,
        global = true,
        env = "BUJIAO_SESSION_TTL_MINUTES",
        default_value_t = 30
    )]
    session_ttl_minutes: u64,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the HTTP API (builds the index first if needed), and the Telegram bot when
    /// TELOXIDE_TOKEN is set.
    Serve {
        /// Listen address
        #[arg(long, env = "BUJIAO_ADDR", default_value = "127.0.0.1:8080")]
        addr: String,
        /// Session store: sqlite (file in the data dir), memory, sqlite:/path, redis://host:port
        #[arg(long, env = "BUJIAO_SESSIONS", default_value = "sqlite")]
        sessions: String,
        /// Telegram webhook URL (https://host/path); long polling when not given
        #[arg(long, env = "BUJIAO_TELEGRAM_WEBHOOK")]
        telegram_webhook: Option<String>,
        /// Editorial records store: sqlite (records.sqlite3 in the data dir, the default),
        /// sqlite:/path, postgres://user@host/db
        #[arg(long, env = "BUJIAO_DB")]
        db: Option<String>,
        /// Days turns, unanswered questions and feedback are kept (the audit trail is kept)
        #[arg(long, env = "BUJIAO_RECORDS_RETENTION_DAYS", default_value_t = 90,
              value_parser = clap::value_parser!(u32).range(1..))]
        records_retention_days: u32,
    },
    /// Run the Telegram bot alone (token in TELOXIDE_TOKEN); no HTTP API.
    Telegram {
        /// Listen address for the webhook route (webhook mode only)
        #[arg(long, env = "BUJIAO_ADDR", default_value = "127.0.0.1:8080")]
        addr: String,
        /// Session store: sqlite (file in the data dir), memory, sqlite:/path, redis://host:port
        #[arg(long, env = "BUJIAO_SESSIONS", default_value = "sqlite")]
        sessions: String,
        /// Telegram webhook URL (https://host/path); long polling when not given
        #[arg(long, env = "BUJIAO_TELEGRAM_WEBHOOK")]
        telegram_webhook: Option<String>,
    },
    /// Knowledge-base tools.
    Kb {
        #[command(subcommand)]
        command: KbCommand,
    },
    /// Index tools.
    Index {
        #[command(subcommand)]
        command: IndexCommand,
    },
    /// Ranked hits with snippets, for hotline staff.
    Search {
        #[arg(long)]
        json: bool,
        #[arg(long, default_value_t = 10)]
        limit: usize,
        /// Only national entries and this region's
        #[arg(long)]
        region: Option<String>,
        query: Vec<String>,
    },
    /// One reply to a citizen's question.
    Ask {
        #[arg(long)]
        json: bool,
        /// Read {"text": "..."} per line on stdin, write one reply per line
        #[arg(long, conflicts_with = "json")]
        jsonl: bool,
        question: Vec<String>,
    },
    /// Multi-turn chat in the terminal (Ctrl-D to quit), or JSON lines with --jsonl.
    Chat {
        /// Read {"session": "...", "text": "..."} per line on stdin, write one reply per line
        #[arg(long)]
        jsonl: bool,
        /// Session id for the interactive chat
        #[arg(long, default_value = "terminal")]
        session: String,
        /// Session store: sqlite (file in the data dir), memory, sqlite:/path, redis://host:port
        #[arg(long, env = "BUJIAO_SESSIONS", default_value = "sqlite")]
        sessions: String,
    },
    /// Back-payment calculators (amounts to the cent, with formula and basis).
    Calc {
        #[command(subcommand)]
        command: CalcCommand,
        /// Print the result as JSON
        #[arg(long, global = true)]
        json: bool,
    },
    /// Measure answer quality on a labelled question set.
    Eval {
        /// A .jsonl file or a directory of them
        #[arg(long, default_value = "tests/eval")]
        set: PathBuf,
        /// Floors file (TOML); defaults to <set dir>/floors.toml, else the targets
        #[arg(long)]
        floors: Option<PathBuf>,
        /// Print the report as JSON
        #[arg(long)]
        json: bool,
        /// Also rank every FAQ similar question with itself left out of the knowledge base
        /// (leave-one-out): how well the ranking generalises to unseen wording
        #[arg(long)]
        held_out: bool,
    },
}

#[derive(Subcommand)]
enum CalcCommand {
    /// base × rate × months
    Contribution(c::ContributionArgs),
    /// amount × 0.05% × days (Social Insurance Law art. 86)
    LateFee(c::LateFeeArgs),
    /// Retiree medical top-up: years short × 12 × base × rate
    RetireeTopup(c::RetireeArgs),
    /// Waiting period before benefits resume (resident 2025 rules or employee gap rules)
    WaitingPeriod(c::WaitingArgs),
}

#[derive(Subcommand)]
enum KbCommand {
    /// Check every knowledge file; prints `file:line: problem`, exits non-zero on any.
    Validate,
    /// Print the knowledge base as JSON lines (the default), or write the FAQ entries to a
    /// spreadsheet for editors (one row per entry).
    Export {
        /// One JSON object per entry, on standard output
        #[arg(long, conflicts_with_all = ["csv", "xlsx"])]
        jsonl: bool,
        /// Write the FAQ entries as CSV to FILE (`-`: standard output)
        #[arg(long, value_name = "FILE", conflicts_with = "xlsx")]
        csv: Option<PathBuf>,
        /// Write the FAQ entries as an XLSX workbook to FILE
        #[arg(long, value_name = "FILE")]
        xlsx: Option<PathBuf>,
    },
    /// Add FAQ entries from a .toml or .json file (validated first; nothing is written on errors).
    Add {
        #[arg(long, value_name = "FILE")]
        file: PathBuf,
        /// Add as a draft (validated, not served until `kb publish`)
        #[arg(long)]
        draft: bool,
    },
    /// Change a FAQ entry: replace it from a file and/or set fields.
    Edit {
        id: String,
        /// The whole entry, .toml or .json
        #[arg(long, value_name = "FILE")]
        file: Option<PathBuf>,
        /// field=value (lists: a|b|c), list+=item, list-=item; repeatable
        #[arg(long, value_name = "EXPR")]
        set: Vec<String>,
    },
    /// Remove a FAQ entry.
    Rm { id: String },
    /// Publish a draft FAQ entry.
    Publish { id: String },
    /// Apply a .csv or .xlsx sheet of FAQ entries: all rows or none.
    Import {
        file: PathBuf,
        /// List what would be added, changed or deleted; write nothing
        #[arg(long)]
        dry_run: bool,
    },
    /// Write a synthetic knowledge directory with the FAQ recombined N times (each copy a local
    /// variant for another prefecture city), for benchmarks; factor 1 copies the real corpus.
    Synth {
        /// How many times the FAQ entries (1 = the real corpus unchanged)
        #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..))]
        factor: u32,
        /// New knowledge directory to write (must not exist or be empty)
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
enum IndexCommand {
    /// Rebuild the index from the knowledge files (atomically replaces the current one).
    Build,
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "bujiao=info,tower_http=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode> {
    let paths = Paths::resolve(cli.paths.knowledge, cli.paths.index, cli.paths.data);
    let ttl = std::time::Duration::from_secs(cli.paths.session_ttl_minutes.max(1) * 60);
    match cli.command {
        Command::Kb { command } => kb(&paths, command),
        Command::Index {
            command: IndexCommand::Build,
        } => index_build(&paths),
        Command::Search {
            json,
            limit,
            region,
            query,
        } => {
            let answerer = open(&paths)?;
            let q = query.join(" ");
            let res = answerer.search(&q, limit, region.as_deref())?;
            let mut out = std::io::stdout().lock();
            if json {
                serde_json::to_writer(&mut out, &res)?;
                writeln!(out)?;
            } else if res.hits.is_empty() {
                writeln!(out, "没有找到相关条目。")?;
            } else {
                for (i, h) in res.hits.iter().enumerate() {
                    let snippet = h
                        .snippet
                        .replace("<mark>", "【")
                        .replace("</mark>", "】")
                        .replace("&lt;", "<")
                        .replace("&gt;", ">")
                        .replace("&quot;", "\"")
                        .replace("&#x27;", "'")
                        .replace("&amp;", "&");
                    writeln!(
                        out,
                        "{}. [{}] {} ({}, {:.3})\n   {}",
                        i + 1,
                        h.id,
                        h.title,
                        h.kind,
                        h.score,
                        snippet
                    )?;
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Ask {
            json,
            jsonl,
            question,
        } => {
            // One-shot questions: the dialogue logic on a fresh state, no session stored, so a
            // complete calculation question gets its result.
            let rt = tokio::runtime::Runtime::new()?;
            let bot = rt.block_on(open_bot(&paths, "memory", ttl))?;
            if jsonl {
                let stdin = std::io::stdin().lock();
                let stdout = std::io::stdout().lock();
                channels::cli::ask_jsonl(stdin, stdout, |text| {
                    rt.block_on(bot.on(Channel::Cli).ask(text))
                })?;
                rt.block_on(bot.records_flushed());
                return Ok(ExitCode::SUCCESS);
            }
            let q = question.join(" ");
            let reply = rt.block_on(bot.on(Channel::Cli).ask(&q));
            rt.block_on(bot.records_flushed());
            let mut out = std::io::stdout().lock();
            if json {
                serde_json::to_writer(&mut out, &reply)?;
                writeln!(out)?;
            } else {
                writeln!(out, "{}", reply.text)?;
                if reply.kind == ReplyKind::Answer {
                    for s in &reply.sources {
                        writeln!(out, "（条目：{} {}）", s.id, s.title)?;
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Chat {
            jsonl,
            session,
            sessions,
        } => chat(&paths, jsonl, &session, &sessions, ttl),
        Command::Serve {
            addr,
            sessions,
            telegram_webhook,
            db,
            records_retention_days,
        } => serve(
            &paths,
            &addr,
            &sessions,
            ttl,
            telegram_webhook,
            (db, records_retention_days),
        ),
        Command::Telegram {
            addr,
            sessions,
            telegram_webhook,
        } => telegram(&paths, &addr, &sessions, ttl, telegram_webhook),
        Command::Eval {
            set,
            floors,
            json,
            held_out,
        } => eval(&paths, &set, floors, json, held_out),
        Command::Calc { command, json } => calc(&paths, command, json),
    }
}

fn kb(paths: &Paths, command: KbCommand) -> Result<ExitCode> {
    use channels::kb_cli::EditCommand as E;
    let cmd = match command {
        KbCommand::Validate => return kb_validate(paths),
        KbCommand::Synth { factor, out } => return kb_synth(paths, factor as usize, &out),
        KbCommand::Export {
            csv: None,
            xlsx: None,
            ..
        } => return kb_export_jsonl(paths),
        KbCommand::Export {
            csv: Some(file), ..
        } => E::ExportCsv { file },
        KbCommand::Export {
            xlsx: Some(file), ..
        } => E::ExportXlsx { file },
        KbCommand::Add { file, draft } => E::Add { file, draft },
        KbCommand::Edit { id, file, set } => E::Edit { id, file, set },
        KbCommand::Rm { id } => E::Rm { id },
        KbCommand::Publish { id } => E::Publish { id },
        KbCommand::Import { file, dry_run } => E::Import { file, dry_run },
    };
    let editor = knowledge::edit::Editor::new(&paths.knowledge);
    let ok = channels::kb_cli::run(
        &editor,
        cmd,
        &mut std::io::stdout().lock(),
        &mut std::io::stderr().lock(),
    )?;
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn kb_validate(paths: &Paths) -> Result<ExitCode> {
    let (kb, mut problems) = knowledge::load(&paths.knowledge)?;
    problems.extend(knowledge::validate(&kb));
    for p in &problems {
        println!("{p}");
    }
    // Warnings (an entry past its `expires` date) are listed but do not fail the check.
    for w in knowledge::warnings(&kb, bujiao::china_time::today()) {
        println!("{w}");
    }
    if problems.is_empty() {
        eprintln!(
            "ok: {} FAQ entries, {} articles, {} law articles, {} documents, {} policy files",
            kb.faqs.len(),
            kb.articles.len(),
            kb.laws.len(),
            kb.docs.len(),
            kb.policies.len()
        );
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!("{} problem(s)", problems.len());
        Ok(ExitCode::FAILURE)
    }
}

fn kb_synth(paths: &Paths, factor: usize, out: &std::path::Path) -> Result<ExitCode> {
    let s = knowledge::synth::synth(&paths.knowledge, out, factor)?;
    eprintln!(
        "wrote {}: {} FAQ entries, {} phrasings, {} documents and {} cities added; {} copies skipped, {} phrasings dropped (collisions)",
        out.display(),
        s.entries,
        s.phrasings,
        s.docs,
        s.new_regions,
        s.skipped_copies,
        s.dropped_phrasings
    );
    Ok(ExitCode::SUCCESS)
}

fn kb_export_jsonl(paths: &Paths) -> Result<ExitCode> {
    let (kb, _) = knowledge::load(&paths.knowledge)?;
    let mut out = std::io::stdout().lock();
    for r in kb.export_records() {
        serde_json::to_writer(&mut out, &r)?;
        writeln!(out)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn calc(paths: &Paths, command: CalcCommand, json: bool) -> Result<ExitCode> {
    let (kb, mut problems) = knowledge::load(&paths.knowledge)?;
    problems.retain(|p| p.area == knowledge::Area::Policy);
    let Some(policies) = kb.policy_set.clone() else {
        for p in &problems {
            eprintln!("{p}");
        }
        anyhow::bail!(
            "the policy tables in {} have problems",
            paths.knowledge.display()
        );
    };
    let result = match command {
        CalcCommand::Contribution(a) => c::contribution(&a, &policies),
        CalcCommand::LateFee(a) => c::late_fee(&a, &policies),
        CalcCommand::RetireeTopup(a) => c::retiree(&a, &policies),
        CalcCommand::WaitingPeriod(a) => c::waiting(&a, &policies),
    };
    let mut out = std::io::stdout().lock();
    match result {
        Ok(r) => {
            if json {
                serde_json::to_writer_pretty(&mut out, &r)?;
                writeln!(out)?;
            } else {
                writeln!(out, "{}", r.to_text())?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            if json {
                let v = serde_json::json!({"error": {"slot": e.slot(), "message": e.to_string()}});
                serde_json::to_writer(&mut out, &v)?;
                writeln!(out)?;
            } else {
                eprintln!("{e}");
            }
            Ok(ExitCode::from(2))
        }
    }
}

fn eval(
    paths: &Paths,
    set: &std::path::Path,
    floors: Option<PathBuf>,
    json: bool,
    held_out: bool,
) -> Result<ExitCode> {
    use bujiao::eval::{evaluate, held_out_phrasings, load_set, Floors};
    let cases = load_set(set)?;
    let answerer = open(paths)?;
    let report = evaluate(&answerer.snapshot(), &cases, &Default::default())?;
    let floors_path = floors.or_else(|| {
        let dir = if set.is_dir() { set } else { set.parent()? };
        Some(dir.join("floors.toml")).filter(|p| p.is_file())
    });
    let floors = match floors_path {
        Some(p) => Floors::load(&p)?,
        None => Floors::TARGETS,
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", report.render());
    }
    if held_out {
        let snap = answerer.snapshot();
        let h = held_out_phrasings(&snap, &snap.params, 1)?;
        if json {
            println!("{}", serde_json::to_string(&h)?);
        } else {
            println!(
                "leave-one-out over {} FAQ similar questions: hit@1 {:.3}  hit@3 {:.3}",
                h.phrasings, h.hit_at_1, h.hit_at_3
            );
        }
    }
    let failures = report.failures(&floors);
    for f in &failures {
        eprintln!("below floor: {f}");
    }
    Ok(if failures.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn progress_bar() -> (indicatif::ProgressBar, impl Fn(usize, usize)) {
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len}")
            .expect("static template")
            .progress_chars("=> "),
    );
    bar.set_message("indexing");
    let b = bar.clone();
    (bar, move |done: usize, total: usize| {
        b.set_length(total as u64);
        b.set_position(done as u64);
    })
}

fn index_build(paths: &Paths) -> Result<ExitCode> {
    let (kb, mut problems) = knowledge::load(&paths.knowledge)?;
    problems.extend(knowledge::validate(&kb));
    if !problems.is_empty() {
        for p in &problems {
            eprintln!("{p}");
        }
        anyhow::bail!(
            "knowledge base has {} problem(s); the index was not rebuilt",
            problems.len()
        );
    }
    let analyzer = Arc::new(bujiao::text::Analyzer::new(&kb.dict));
    let (bar, progress) = progress_bar();
    let (_, manifest) =
        bujiao::search::build_index(&kb, &analyzer, &paths.index, &Default::default(), &progress)?;
    bar.finish_and_clear();
    eprintln!(
        "built {} ({} documents) in {}",
        manifest.generation,
        manifest.docs,
        paths.index.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// The snapshot for a one-shot command. An index patched by an earlier publish (approximate
/// classifier, see `Manifest::patched_entries`) is rebuilt first: `ask`, `search` and `eval` must
/// give the answers of the knowledge as it is, not of a patch.
fn open(paths: &Paths) -> Result<Answerer> {
    let (bar, progress) = progress_bar();
    let snap = answer::load_snapshot(paths, &progress).map_err(knowledge_error)?;
    let snap = match snap.rebuilt_if_patched(&paths.index)? {
        Some(exact) => exact,
        None => snap,
    };
    bar.finish_and_clear();
    Ok(Answerer::new(snap))
}

/// The bot core over the knowledge base and the chosen session store.
async fn open_bot(paths: &Paths, sessions: &str, ttl: std::time::Duration) -> Result<Bot> {
    let (bar, progress) = progress_bar();
    let mut config = BotConfig::new(paths.clone(), sessions);
    config.session_ttl = ttl;
    config.progress = Some(Arc::new(progress));
    let bot = Bot::open(&config).await.map_err(knowledge_error)?;
    // As in `open`: a one-shot command answers from an exact index.
    let serving = bot.snapshot();
    let paths_copy = paths.clone();
    if let Some(exact) =
        tokio::task::spawn_blocking(move || serving.rebuilt_if_patched(&paths_copy.index))
            .await
            .map_err(|e| anyhow::anyhow!("index rebuild panicked: {e}"))??
    {
        bot.engine().answerer().swap(exact);
    }
    bar.finish_and_clear();
    Ok(bot)
}

/// Problems of the knowledge files as `file:line: problem` lines on stderr, then one error.
fn knowledge_error(e: bujiao::Error) -> anyhow::Error {
    match e {
        bujiao::Error::Knowledge(problems) => {
            for p in &problems {
                eprintln!("{p}");
            }
            anyhow::anyhow!(
                "knowledge base has {} problem(s); run `bujiao kb validate`",
                problems.len()
            )
        }
        other => other.into(),
    }
}

fn chat(
    paths: &Paths,
    jsonl: bool,
    session: &str,
    sessions: &str,
    ttl: std::time::Duration,
) -> Result<ExitCode> {
    let rt = tokio::runtime::Runtime::new()?;
    let bot = rt.block_on(open_bot(paths, sessions, ttl))?;
    if jsonl {
        let stdin = std::io::stdin().lock();
        let stdout = std::io::stdout().lock();
        channels::cli::chat_jsonl(stdin, stdout, |id, text| {
            rt.block_on(bot.on(Channel::Cli).handle(id, text))
        })?;
        rt.block_on(bot.records_flushed());
        return Ok(ExitCode::SUCCESS);
    }
    let mut editor = rustyline::DefaultEditor::new()?;
    println!("补缴咨询助手（输入“帮助”查看示例，Ctrl-D 退出）");
    loop {
        match editor.readline("您> ") {
            Ok(line) => {
                if line.trim().is_empty() {
                    continue;
                }
                let _ = editor.add_history_entry(line.as_str());
                let reply = rt.block_on(bot.on(Channel::Cli).handle(session, &line));
                println!("助手> {}", reply.text);
                if !reply.options.is_empty() && reply.kind != ReplyKind::Clarify {
                    println!("      可选：{}", reply.option_titles().join(" / "));
                }
            }
            Err(rustyline::error::ReadlineError::Interrupted) => continue,
            Err(rustyline::error::ReadlineError::Eof) => break,
            Err(e) => return Err(e.into()),
        }
    }
    rt.block_on(bot.records_flushed());
    Ok(ExitCode::SUCCESS)
}

/// The Telegram configuration from the environment (`TELOXIDE_TOKEN`, …), with the webhook URL
/// from the command line; `None` when no token is set.
fn telegram_config(
    webhook: Option<String>,
) -> Result<Option<bujiao::channels::telegram::TelegramConfig>> {
    let mut cfg = bujiao::channels::telegram::TelegramConfig::from_env()?;
    match (&mut cfg, webhook) {
        (Some(c), Some(url)) => {
            c.webhook = Some(
                url.parse::<bujiao::channels::telegram::Url>()
                    .map_err(|e| anyhow::anyhow!("--telegram-webhook {url:?} is not a URL: {e}"))?,
            )
        }
        (None, Some(_)) => {
            tracing::warn!(
                "--telegram-webhook given but TELOXIDE_TOKEN is not set: Telegram bot off"
            )
        }
        _ => {}
    }
    Ok(cfg)
}

fn telegram(
    paths: &Paths,
    addr: &str,
    sessions: &str,
    ttl: std::time::Duration,
    webhook: Option<String>,
) -> Result<ExitCode> {
    let Some(cfg) = telegram_config(webhook)? else {
        anyhow::bail!(
            "TELOXIDE_TOKEN is not set: get a token from @BotFather (see README, Telegram)"
        );
    };
    let rt = tokio::runtime::Runtime::new()?;
    let (bar, progress) = progress_bar();
    let mut config = BotConfig::new(paths.clone(), sessions);
    config.session_ttl = ttl;
    config.progress = Some(Arc::new(progress));
    rt.block_on(async {
        let mut bot = bujiao::bot::Bot::open(&config)
            .await
            .map_err(knowledge_error)?;
        bot.keep_index_exact();
        let bot = Arc::new(bot);
        bar.finish_and_clear();
        let purger = bot
            .sessions()
            .spawn_purger(std::time::Duration::from_secs(300));
        let done =
            bujiao::channels::telegram::run(bot, cfg, addr, bujiao::server::shutdown_signal())
                .await;
        purger.abort();
        done
    })?;
    Ok(ExitCode::SUCCESS)
}

fn serve(
    paths: &Paths,
    addr: &str,
    sessions: &str,
    ttl: std::time::Duration,
    webhook: Option<String>,
    (db, retention_days): (Option<String>, u32),
) -> Result<ExitCode> {
    let telegram = telegram_config(webhook)?;
    let rt = tokio::runtime::Runtime::new()?;
    let (bar, progress) = progress_bar();
    let mut bot = BotConfig::new(paths.clone(), sessions);
    bot.session_ttl = ttl;
    bot.progress = Some(Arc::new(progress));
    bot.admin = Arc::new(
        bujiao::admin::AdminTokens::from_env()
            .map_err(|e| anyhow::anyhow!("BUJIAO_ADMIN_TOKENS: {e}"))?,
    );
    bot.db = db;
    bot.retention_days = retention_days;
    let config = bujiao::server::ServerConfig {
        bot,
        addr: addr.to_string(),
        telegram,
    };
    let served = rt.block_on(bujiao::server::run(
        config,
        bujiao::server::shutdown_signal(),
    ));
    bar.finish_and_clear();
    served.map_err(knowledge_error)?;
    Ok(ExitCode::SUCCESS)
}
