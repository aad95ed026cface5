//! The editors' knowledge commands behind `bujiao kb add/edit/rm/publish/import/export`, kept
//! out of `main.rs` (argument parsing only) so tests can drive them with in-memory writers.
//!
//! Every command plans its change, validates the corpus as it would be, and writes nothing when
//! that brings in an error: problems are printed as `file:line: id.field: message` and the
//! command fails. A write prints the files it changed; a running server reads them on its next
//! reload (SIGHUP).

use crate::knowledge::edit::table::{self, TableError};
use crate::knowledge::edit::{
    Action, Change, EditError, Editor, FaqRecord, FieldProblem, ItemKind, Plan,
};
use std::io::Write;
use std::path::{Path, PathBuf};

/// One editors' command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EditCommand {
    /// Add the entries in a `.toml` (`[[faq]]` tables or one table's keys) or `.json` (an object
    /// or an array of objects) file.
    Add {
        file: PathBuf,
        draft: bool,
    },
    /// Replace an entry from a file and/or set fields: `field=value`, `list+=item`,
    /// `list-=item`; a list set with `=` takes items separated by `|`; `expires=` removes it.
    Edit {
        id: String,
        file: Option<PathBuf>,
        set: Vec<String>,
    },
    Rm {
        id: String,
    },
    /// `status = "draft"` → `"published"`.
    Publish {
        id: String,
    },
    Import {
        file: PathBuf,
        dry_run: bool,
    },
    /// Every FAQ entry as CSV (`-`: standard output).
    ExportCsv {
        file: PathBuf,
    },
    ExportXlsx {
        file: PathBuf,
    },
}

const RELOAD_NOTE: &str =
    "A running server picks the change up on its next reload: send it SIGHUP (kill -HUP <pid>).";

/// Runs one command; `Ok(false)` when it was refused (the reasons are on `err`).
pub fn run(
    editor: &Editor,
    cmd: EditCommand,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> std::io::Result<bool> {
    let result = match cmd {
        EditCommand::Add { file, draft } => add(editor, &file, draft, out, err),
        EditCommand::Edit { id, file, set } => edit(editor, &id, file.as_deref(), &set, out, err),
        EditCommand::Rm { id } => apply(editor, &[Change::DeleteFaq(id)], out, err),
        EditCommand::Publish { id } => publish(editor, &id, out, err),
        EditCommand::Import { file, dry_run } => import(editor, &file, dry_run, out, err),
        EditCommand::ExportCsv { file } => export_csv(editor, &file, out),
        EditCommand::ExportXlsx { file } => export_xlsx(editor, &file, out),
    };
    match result {
        Ok(ok) => Ok(ok),
        Err(CliError::Io(e)) => Err(e),
        Err(CliError::Edit(EditError::Invalid(problems))) => {
            for p in problems {
                writeln!(err, "{p}")?;
            }
            writeln!(err, "nothing was written")?;
            Ok(false)
        }
        Err(CliError::Edit(e)) => {
            writeln!(err, "error: {e}")?;
            Ok(false)
        }
        Err(CliError::Table(TableError::Rows(problems))) => {
            for p in problems {
                writeln!(err, "{}", p.message)?;
            }
            writeln!(err, "nothing was written")?;
            Ok(false)
        }
        Err(CliError::Table(e)) => {
            writeln!(err, "error: {e}")?;
            Ok(false)
        }
        Err(CliError::Input(m)) => {
            writeln!(err, "error: {m}")?;
            Ok(false)
        }
    }
}

#[derive(Debug)]
enum CliError {
    Io(std::io::Error),
    Edit(EditError),
    Table(TableError),
    Input(String),
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        CliError::Io(e)
    }
}
impl From<EditError> for CliError {
    fn from(e: EditError) -> Self {
        CliError::Edit(e)
    }
}
impl From<TableError> for CliError {
    fn from(e: TableError) -> Self {
        CliError::Table(e)
    }
}

type CliResult = Result<bool, CliError>;

/// FAQ records from a `.toml` or `.json` file.
pub fn read_records(path: &Path) -> Result<Vec<FaqRecord>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_lowercase);
    let shown = path.display();
    match ext.as_deref() {
        Some("json") => {
            let v: serde_json::Value =
                serde_json::from_str(&text).map_err(|e| format!("{shown}: {e}"))?;
            let items = match v {
                serde_json::Value::Array(a) => a,
                other => vec![other],
            };
            items
                .into_iter()
                .map(|i| serde_json::from_value(i).map_err(|e| format!("{shown}: {e}")))
                .collect()
        }
        Some("toml") => {
            let t: toml::Table = toml::from_str(&text).map_err(|e| format!("{shown}: {e}"))?;
            let items: Vec<toml::Value> = match t.get("faq") {
                Some(toml::Value::Array(a)) if t.len() == 1 => a.clone(),
                _ => vec![toml::Value::Table(t)],
            };
            items
                .into_iter()
                .map(|i| i.try_into().map_err(|e| format!("{shown}: {e}")))
                .collect()
        }
        _ => Err(format!("{shown}: expected a .toml or .json file")),
    }
}

fn add(
    editor: &Editor,
    file: &Path,
    draft: bool,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> CliResult {
    let mut records = read_records(file).map_err(CliError::Input)?;
    if records.is_empty() {
        return Err(CliError::Input(format!("{}: no entry", file.display())));
    }
    for r in &mut records {
        if draft {
            r.status = "draft".into();
        }
        if !r.id.is_empty() && editor.get_faq(&r.id)?.is_some() {
            return Err(CliError::Input(format!(
                "FAQ entry {:?} already exists: use `bujiao kb edit {}`",
                r.id, r.id
            )));
        }
    }
    let changes: Vec<Change> = records.into_iter().map(Change::UpsertFaq).collect();
    apply(editor, &changes, out, err)
}

const LIST_FIELDS: &[&str] = &[
    "similar",
    "tags",
    "audience",
    "regions",
    "sources",
    "supersedes",
    "localizes",
];

/// Applies one `--set` expression to a record.
pub fn set_field(r: &mut FaqRecord, expr: &str) -> Result<(), String> {
    let (name, op, value) = if let Some((n, v)) = expr.split_once("+=") {
        (n, '+', v)
    } else if let Some((n, v)) = expr.split_once("-=") {
        (n, '-', v)
    } else if let Some((n, v)) = expr.split_once('=') {
        (n, '=', v)
    } else {
        return Err(format!(
            "--set {expr:?}: expected field=value, list+=item or list-=item"
        ));
    };
    let name = name.trim();
    if LIST_FIELDS.contains(&name) {
        let list = match name {
            "similar" => &mut r.similar,
            "tags" => &mut r.tags,
            "audience" => &mut r.audience,
            "regions" => &mut r.regions,
            "sources" => &mut r.sources,
            "supersedes" => &mut r.supersedes,
            _ => &mut r.localizes,
        };
        match op {
            '+' => list.push(value.to_string()),
            '-' => {
                let before = list.len();
                list.retain(|x| x != value);
                if list.len() == before {
                    return Err(format!("--set {expr:?}: {name} has no item {value:?}"));
                }
            }
            _ => {
                *list = value
                    .split('|')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect()
            }
        }
        return Ok(());
    }
    if op != '=' {
        return Err(format!(
            "--set {expr:?}: {name} is not a list; use {name}=value"
        ));
    }
    let v = value.to_string();
    match name {
        "question" => r.question = v,
        "answer" => r.answer = v.replace("\\n", "\n"),
        "insurance" => r.insurance = v,
        "effective" => r.effective = v,
        "expires" => r.expires = Some(v).filter(|s| !s.is_empty()),
        "updated" => r.updated = Some(v),
        "status" => r.status = v,
        "file" => r.file = Some(v),
        "id" => {
            return Err(
                "--set id=…: an entry's id cannot be changed; add a new entry and remove this one"
                    .into(),
            )
        }
        other => return Err(format!("--set {expr:?}: unknown field {other:?}")),
    }
    Ok(())
}

fn edit(
    editor: &Editor,
    id: &str,
    file: Option<&Path>,
    set: &[String],
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> CliResult {
    let current = editor
        .get_faq(id)?
        .ok_or_else(|| EditError::NotFound(format!("FAQ entry {id:?}")))?;
    let mut r = match file {
        Some(f) => {
            let mut records = read_records(f).map_err(CliError::Input)?;
            if records.len() != 1 {
                return Err(CliError::Input(format!(
                    "{}: expected one entry, found {}",
                    f.display(),
                    records.len()
                )));
            }
            let mut r = records.remove(0);
            if r.id.is_empty() {
                r.id = id.to_string();
            }
            if r.id != id {
                return Err(CliError::Input(format!(
                    "{}: the entry's id {:?} is not {id:?}",
                    f.display(),
                    r.id
                )));
            }
            r
        }
        None => {
            if set.is_empty() {
                return Err(CliError::Input("kb edit needs --file or --set".into()));
            }
            let mut r = current.record.clone();
            // The entry is being checked now unless the editor says otherwise.
            r.updated = None;
            r
        }
    };
    for expr in set {
        set_field(&mut r, expr).map_err(CliError::Input)?;
    }
    // Planned against the version just read: a concurrent writer makes this a conflict.
    check_and_write(
        editor,
        &[Change::UpsertFaq(r)],
        Some(&current.version),
        out,
        err,
    )
}

fn publish(editor: &Editor, id: &str, out: &mut dyn Write, err: &mut dyn Write) -> CliResult {
    let current = editor
        .get_faq(id)?
        .ok_or_else(|| EditError::NotFound(format!("FAQ entry {id:?}")))?;
    if current.record.status == "published" {
        writeln!(out, "{id} is already published; nothing to do")?;
        return Ok(true);
    }
    let mut r = current.record.clone();
    r.status = "published".into();
    r.updated = None;
    check_and_write(
        editor,
        &[Change::UpsertFaq(r)],
        Some(&current.version),
        out,
        err,
    )
}

fn apply(
    editor: &Editor,
    changes: &[Change],
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> CliResult {
    check_and_write(editor, changes, None, out, err)
}

/// Prints the problems of a validation; returns whether it allows the write.
fn report(
    v: &crate::knowledge::edit::Validation,
    err: &mut dyn Write,
    label: &dyn Fn(&FieldProblem) -> String,
) -> std::io::Result<bool> {
    let blocking = v.blocking();
    for p in &blocking {
        writeln!(err, "{}{p}", label(p))?;
    }
    for p in &v.warnings {
        if !p.preexisting {
            writeln!(err, "{}{p}", label(p))?;
        }
    }
    let old = v.errors.iter().filter(|p| p.preexisting).count();
    if old > 0 {
        writeln!(
            err,
            "note: the corpus already had {old} error(s) this change does not touch (see `bujiao kb validate`)"
        )?;
    }
    Ok(blocking.is_empty())
}

fn check_and_write(
    editor: &Editor,
    changes: &[Change],
    if_match: Option<&str>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> CliResult {
    let plan = editor.plan(changes, if_match)?;
    if plan.is_empty() {
        writeln!(out, "no change")?;
        return Ok(true);
    }
    let v = editor.validate(&plan)?;
    if !report(&v, err, &|_| String::new())? {
        writeln!(err, "nothing was written")?;
        return Ok(false);
    }
    editor.commit(&plan)?;
    print_written(&plan, out)?;
    Ok(true)
}

fn print_written(plan: &Plan, out: &mut dyn Write) -> std::io::Result<()> {
    for o in &plan.outcomes {
        if o.action != Action::Unchanged {
            writeln!(
                out,
                "{} {} {} in {}",
                verb(o.action),
                kind(o.kind),
                o.id,
                o.file
            )?;
        }
    }
    for f in &plan.files {
        let what = match (&f.old, &f.new) {
            (None, _) => "created",
            (_, None) => "deleted",
            _ => "changed",
        };
        writeln!(out, "{what} {}", f.path)?;
    }
    writeln!(out, "{RELOAD_NOTE}")
}

fn verb(a: Action) -> &'static str {
    match a {
        Action::Added => "added",
        Action::Changed => "changed",
        Action::Unchanged => "unchanged",
        Action::Deleted => "deleted",
    }
}

fn kind(k: ItemKind) -> &'static str {
    match k {
        ItemKind::Faq => "faq",
        ItemKind::Article => "article",
        ItemKind::Dict => "dictionary",
    }
}

fn import(
    editor: &Editor,
    file: &Path,
    dry_run: bool,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> CliResult {
    let rows = table::read_table(file)?;
    let changes = table::import_changes(&rows)?;
    let plan = match editor.plan(&changes, None) {
        Ok(p) => p,
        Err(EditError::Invalid(problems)) => {
            for p in problems {
                let row = p.change.and_then(|i| rows.get(i)).map(|r| r.row);
                let field = p
                    .field
                    .as_deref()
                    .map(|f| format!("{f}: "))
                    .unwrap_or_default();
                match row {
                    Some(n) => writeln!(err, "row {n}: {field}{}", p.message)?,
                    None => writeln!(err, "{p}")?,
                }
            }
            writeln!(err, "nothing was written")?;
            return Ok(false);
        }
        Err(e) => return Err(e.into()),
    };
    // Rows by the id their change ended up with (generated ids included).
    let row_of = |id: &str| {
        plan.outcomes
            .iter()
            .position(|o| o.id == id)
            .and_then(|i| rows.get(i))
            .map(|r| r.row)
    };
    let label = |p: &FieldProblem| {
        p.id.as_deref()
            .and_then(row_of)
            .map(|n| format!("row {n}: "))
            .unwrap_or_default()
    };
    let ok = if plan.is_empty() {
        true
    } else {
        report(&editor.validate(&plan)?, err, &label)?
    };
    let mut counts = [0usize; 4];
    for o in &plan.outcomes {
        let i = match o.action {
            Action::Added => 0,
            Action::Changed => 1,
            Action::Unchanged => 2,
            Action::Deleted => 3,
        };
        counts[i] += 1;
        if dry_run && o.action != Action::Unchanged {
            writeln!(out, "{} {} ({})", verb(o.action), o.id, o.file)?;
        }
    }
    let summary = format!(
        "{} added, {} changed, {} unchanged, {} deleted",
        counts[0], counts[1], counts[2], counts[3]
    );
    if !ok {
        writeln!(err, "{summary} — not imported: nothing was written")?;
        return Ok(false);
    }
    if dry_run {
        writeln!(out, "{summary} (dry run: nothing was written)")?;
        return Ok(true);
    }
    if plan.is_empty() {
        writeln!(out, "{summary}: no file changes")?;
        return Ok(true);
    }
    editor.commit(&plan)?;
    writeln!(out, "{summary}")?;
    print_written(&plan, out)?;
    Ok(true)
}

fn all_records(editor: &Editor) -> Result<Vec<FaqRecord>, EditError> {
    Ok(editor.list_faq()?.into_iter().map(|v| v.record).collect())
}

fn export_csv(editor: &Editor, file: &Path, out: &mut dyn Write) -> CliResult {
    let records = all_records(editor)?;
    if file == Path::new("-") {
        table::write_csv(&records, &mut *out)?;
    } else {
        let f = std::fs::File::create(file)?;
        table::write_csv(&records, std::io::BufWriter::new(f))?;
        writeln!(
            out,
            "wrote {} FAQ entries to {}",
            records.len(),
            file.display()
        )?;
    }
    Ok(true)
}

fn export_xlsx(editor: &Editor, file: &Path, out: &mut dyn Write) -> CliResult {
    let records = all_records(editor)?;
    table::write_xlsx(&records, file)?;
    writeln!(
        out,
        "wrote {} FAQ entries to {}",
        records.len(),
        file.display()
    )?;
    Ok(true)
}
