//! The `bujiao` binary: argument parsing and wiring only; all behaviour lives in the library.

use anyhow::{Context, Result};
use bujiao::answer::{self, Answerer, ReplyKind};
use bujiao::channels;
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
}

#[derive(Subcommand)]
enum Command {
    /// Serve the HTTP API (builds the index first if needed).
    Serve {
        /// Listen address
        #[arg(long, env = "BUJIAO_ADDR", default_value = "127.0.0.1:8080")]
        addr: String,
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
    },
}

#[derive(Subcommand)]
enum KbCommand {
    /// Check every knowledge file; prints `file:line: problem`, exits non-zero on any.
    Validate,
    /// Print the knowledge base.
    Export {
        /// One JSON object per entry
        #[arg(long)]
        jsonl: bool,
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
                    let snippet = h.snippet.replace("<b>", "【").replace("</b>", "】");
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
            let answerer = open(&paths)?;
            if jsonl {
                let stdin = std::io::stdin().lock();
                let stdout = std::io::stdout().lock();
                channels::cli::ask_jsonl(stdin, stdout, |t| answerer.ask(t))?;
                return Ok(ExitCode::SUCCESS);
            }
            let q = question.join(" ");
            let reply = answerer.ask(&q);
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
        Command::Serve { addr } => serve(&paths, &addr),
        Command::Eval { set, floors, json } => eval(&paths, &set, floors, json),
    }
}

fn kb(paths: &Paths, command: KbCommand) -> Result<ExitCode> {
    let (kb, mut problems) = knowledge::load(&paths.knowledge)?;
    match command {
        KbCommand::Validate => {
            problems.extend(knowledge::validate(&kb));
            for p in &problems {
                println!("{p}");
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
        KbCommand::Export { jsonl: _ } => {
            let mut out = std::io::stdout().lock();
            for r in kb.export_records() {
                serde_json::to_writer(&mut out, &r)?;
                writeln!(out)?;
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn eval(
    paths: &Paths,
    set: &std::path::Path,
    floors: Option<PathBuf>,
    json: bool,
) -> Result<ExitCode> {
    use bujiao::eval::{evaluate, load_set, Floors};
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

fn open(paths: &Paths) -> Result<Answerer> {
    let (bar, progress) = progress_bar();
    let snap = answer::load_snapshot(paths, &progress).map_err(|e| match e {
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
    })?;
    bar.finish_and_clear();
    Ok(Answerer::new(snap))
}

fn serve(paths: &Paths, addr: &str) -> Result<ExitCode> {
    let answerer = Arc::new(open(paths)?);
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(async move {
        let state = channels::http::AppState { answerer };
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("cannot listen on {addr}"))?;
        tracing::info!("serving on http://{}", listener.local_addr()?);
        axum::serve(listener, channels::http::app(state))
            .with_graceful_shutdown(shutdown_signal())
            .await?;
        Ok::<_, anyhow::Error>(())
    })?;
    Ok(ExitCode::SUCCESS)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down");
}
