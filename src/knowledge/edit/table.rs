//! FAQ entries as spreadsheet rows, for editors who work in Excel or WPS: `kb export --csv/--xlsx`
//! and `kb import`.
//!
//! One row per entry, one column per field; list fields (similar questions, tags, audience,
//! regions, sources…) hold one item per line inside the cell. Every cell is written as text, so a
//! date stays `2026-11-25` instead of becoming a spreadsheet date. Reading accepts the columns in
//! any order; an optional `delete` column marks rows to remove (import never deletes otherwise).
//! An export read back gives the same records, so exporting and importing the shipped corpus
//! changes nothing.

use super::{Change, FaqRecord, FieldProblem};
use std::io::{Read, Write};
use std::path::Path;

/// The columns of an export, in order.
pub const COLUMNS: &[&str] = &[
    "id",
    "file",
    "question",
    "similar",
    "answer",
    "tags",
    "insurance",
    "audience",
    "regions",
    "sources",
    "supersedes",
    "localizes",
    "effective",
    "expires",
    "updated",
    "status",
];

/// A column an import may add: a true value (`1`, `yes`, `true`, `x`, `是`, `删除`) deletes the
/// row's entry.
pub const DELETE_COLUMN: &str = "delete";

/// One row read from a spreadsheet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRow {
    /// The row's number in the sheet (the header is row 1).
    pub row: usize,
    pub record: FaqRecord,
    pub delete: bool,
}

/// Why a spreadsheet could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum TableError {
    #[error("{0}")]
    Csv(#[from] csv::Error),
    #[error("{0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
    #[error("cannot read the workbook: {0}")]
    Workbook(String),
    #[error("{}", .0.iter().map(|p| p.to_string()).collect::<Vec<_>>().join("\n"))]
    Rows(Vec<FieldProblem>),
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
}

fn join(items: &[String]) -> String {
    items.join("\n")
}

/// The cells of one record, in [`COLUMNS`] order.
pub fn row_of(r: &FaqRecord) -> Vec<String> {
    vec![
        r.id.clone(),
        r.file.clone().unwrap_or_default(),
        r.question.clone(),
        join(&r.similar),
        r.answer.clone(),
        join(&r.tags),
        r.insurance.clone(),
        join(&r.audience),
        join(&r.regions),
        join(&r.sources),
        join(&r.supersedes),
        join(&r.localizes),
        r.effective.clone(),
        r.expires.clone().unwrap_or_default(),
        r.updated.clone().unwrap_or_default(),
        r.status.clone(),
    ]
}

/// Writes the records as CSV (UTF-8, header row first).
pub fn write_csv(records: &[FaqRecord], out: impl Write) -> Result<(), TableError> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(COLUMNS)?;
    for r in records {
        w.write_record(row_of(r))?;
    }
    w.flush()?;
    Ok(())
}

/// Writes the records as an XLSX workbook with one sheet.
pub fn write_xlsx(records: &[FaqRecord], path: &Path) -> Result<(), TableError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("faq")?;
    let header = Format::new().set_bold();
    let wrap = Format::new().set_text_wrap();
    for (c, name) in COLUMNS.iter().enumerate() {
        let c = c as u16;
        ws.write_string_with_format(0, c, *name, &header)?;
        let width = match *name {
            "question" | "similar" => 40,
            "answer" => 60,
            "id" | "file" | "sources" => 24,
            _ => 12,
        };
        ws.set_column_width(c, width)?;
    }
    ws.set_freeze_panes(1, 0)?;
    for (i, r) in records.iter().enumerate() {
        let row = u32::try_from(i + 1).map_err(|_| TableError::Workbook("too many rows".into()))?;
        for (c, cell) in row_of(r).into_iter().enumerate() {
            ws.write_string_with_format(row, c as u16, cell, &wrap)?;
        }
    }
    wb.save(path)?;
    Ok(())
}

/// List cell → items: one per line, blank lines and surrounding spaces dropped.
fn split(cell: &str) -> Vec<String> {
    cell.lines()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

fn truthy(cell: &str) -> bool {
    matches!(
        cell.trim().to_lowercase().as_str(),
        "1" | "y" | "yes" | "true" | "x" | "是" | "删除" | "delete"
    )
}

/// Rows of cells (the first is the header) → records. Unknown or missing required columns are
/// refused by name; a row with every cell empty is skipped.
pub fn rows_to_records(rows: Vec<Vec<String>>) -> Result<Vec<ImportRow>, TableError> {
    let mut it = rows.into_iter();
    let header: Vec<String> = it
        .next()
        .unwrap_or_default()
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_lowercase())
        .collect();
    let mut problems = Vec::new();
    for h in &header {
        if !h.is_empty() && !COLUMNS.contains(&h.as_str()) && h != DELETE_COLUMN {
            problems.push(FieldProblem::field(
                "",
                h.clone(),
                format!(
                    "row 1: unknown column {h:?} (expected {} and optionally {DELETE_COLUMN})",
                    COLUMNS.join(", ")
                ),
            ));
        }
    }
    if !header.iter().any(|h| h == "id") && !header.iter().any(|h| h == "question") {
        problems.push(FieldProblem::field(
            "",
            "id",
            "row 1: the header needs an id or a question column",
        ));
    }
    if !problems.is_empty() {
        return Err(TableError::Rows(problems));
    }
    let col = |name: &str| header.iter().position(|h| h == name);
    let idx: Vec<Option<usize>> = COLUMNS.iter().map(|c| col(c)).collect();
    let del = col(DELETE_COLUMN);
    let mut out = Vec::new();
    for (n, cells) in it.enumerate() {
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let get = |i: usize| -> String {
            idx[i]
                .and_then(|c| cells.get(c))
                .cloned()
                .unwrap_or_default()
        };
        let opt = |i: usize| Some(get(i).trim().to_string()).filter(|s| !s.is_empty());
        let record = FaqRecord {
            id: get(0).trim().to_string(),
            file: opt(1),
            question: get(2).trim().to_string(),
            similar: split(&get(3)),
            answer: get(4),
            tags: split(&get(5)),
            insurance: get(6).trim().to_string(),
            audience: split(&get(7)),
            regions: split(&get(8)),
            sources: split(&get(9)),
            supersedes: split(&get(10)),
            localizes: split(&get(11)),
            effective: get(12).trim().to_string(),
            expires: opt(13),
            updated: opt(14),
            status: get(15).trim().to_string(),
        };
        let delete = del.and_then(|c| cells.get(c)).is_some_and(|c| truthy(c));
        out.push(ImportRow {
            row: n + 2,
            record,
            delete,
        });
    }
    Ok(out)
}

/// Reads a CSV export (or a sheet saved as CSV).
pub fn read_csv(input: impl Read) -> Result<Vec<ImportRow>, TableError> {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(input);
    let mut rows = Vec::new();
    for rec in r.records() {
        rows.push(rec?.iter().map(str::to_string).collect());
    }
    rows_to_records(rows)
}

/// Reads the first sheet of an XLSX workbook. Cells Excel turned into dates come back as
/// `YYYY-MM-DD`, whole numbers without `.0`.
pub fn read_xlsx(path: &Path) -> Result<Vec<ImportRow>, TableError> {
    use calamine::{open_workbook, Data, DataType, Reader, Xlsx};
    let mut wb: Xlsx<_> = open_workbook(path).map_err(|e: calamine::XlsxError| {
        TableError::Workbook(format!("{}: {e}", path.display()))
    })?;
    let range = wb
        .worksheet_range_at(0)
        .ok_or_else(|| TableError::Workbook(format!("{}: no sheet", path.display())))?
        .map_err(|e| TableError::Workbook(format!("{}: {e}", path.display())))?;
    let rows = range
        .rows()
        .map(|cells| {
            cells
                .iter()
                .map(|c| match c {
                    Data::Empty => String::new(),
                    Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
                    Data::Int(i) => i.to_string(),
                    Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => {
                        format!("{}", *f as i64)
                    }
                    Data::Float(f) => f.to_string(),
                    Data::Bool(b) => b.to_string(),
                    Data::DateTime(_) => c
                        .as_date()
                        .map(|d| d.format("%Y-%m-%d").to_string())
                        .unwrap_or_else(|| c.to_string()),
                    Data::Error(e) => format!("#{e:?}"),
                })
                .collect()
        })
        .collect();
    rows_to_records(rows)
}

/// Reads a `.csv` or `.xlsx` file by its extension.
pub fn read_table(path: &Path) -> Result<Vec<ImportRow>, TableError> {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_lowercase)
        .as_deref()
    {
        Some("csv") => read_csv(std::fs::File::open(path)?),
        Some("xlsx") => read_xlsx(path),
        _ => Err(TableError::Workbook(format!(
            "{}: expected a .csv or .xlsx file",
            path.display()
        ))),
    }
}

/// The changes an import asks for: an upsert per row, a delete where the delete column says so.
/// Two rows with the same id are refused (which one wins would be a guess).
pub fn import_changes(rows: &[ImportRow]) -> Result<Vec<Change>, TableError> {
    let mut problems = Vec::new();
    let mut seen: Vec<(&str, usize)> = Vec::new();
    for r in rows {
        let id = r.record.id.as_str();
        if id.is_empty() {
            if r.delete {
                problems.push(FieldProblem::field(
                    "",
                    "id",
                    format!("row {}: a row to delete needs an id", r.row),
                ));
            }
            continue;
        }
        if let Some((_, first)) = seen.iter().find(|(s, _)| *s == id) {
            problems.push(FieldProblem::field(
                id,
                "id",
                format!("row {}: id {id:?} is also in row {first}", r.row),
            ));
        } else {
            seen.push((id, r.row));
        }
    }
    if !problems.is_empty() {
        return Err(TableError::Rows(problems));
    }
    Ok(rows
        .iter()
        .map(|r| {
            if r.delete {
                Change::DeleteFaq(r.record.id.clone())
            } else {
                Change::UpsertFaq(r.record.clone())
            }
        })
        .collect())
}
