//! `balint-accredit sessions import`: a group's attendance sheet kept on
//! paper (CSV), one row per attendee per session, recorded as its leader
//! would record each session: every row checked first and every bad row
//! named by its line, nothing written if any is bad; then every new session
//! recorded through the same use case as the API's (its people's records,
//! self-logged ones linked, a co-leader's waiting for the other leader),
//! all in one transaction. A session the group has recorded already on
//! that day is left as it is, so a sheet imported twice records nothing
//! the second time.

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::{bail, Context};
use chrono::NaiveDate;
use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};

use crate::actions::groups::sessions::{
    check_for_operator, record_for_operator, CheckedSession, SessionInput, SheetSession,
};
use crate::actions::groups::{group_for_operator, GroupDetail};
use crate::actions::Operator;
use crate::config::DatabaseSettings;
use crate::csv_cells;
use crate::db::{self, groups::Delivery};
use crate::error::ApiError;

/// The sheet's columns, in any order: the first three are required.
const COLUMNS: [&str; 7] = [
    "date",
    "attendee",
    "attendance",
    "minutes",
    "delivery",
    "cases",
    "follow_ups",
];

/// `balint-accredit sessions ...`
#[derive(Debug, Subcommand)]
pub enum SessionsCommand {
    /// Record a group's sessions from an attendance sheet kept on paper.
    #[command(after_help = "\
The file is CSV with a header row naming its columns, in any order; one row per
attendee per session (the rows of one date are one session):
  date        the session's day, YYYY-MM-DD (required)
  attendee    a member of the group on that day: their person id or e-mail (required)
  attendance  present, online (joined a hybrid session by video) or apologies (required)
  minutes     the session's length; blank for the group's usual length (or the length
              planned for that day)
  delivery    in_person, online or hybrid; blank for the group's usual delivery
  cases       how many cases this attendee presented (a count, never their content);
              blank for none
  follow_ups  how many follow-up reports of earlier cases the session heard
minutes, delivery and follow_ups belong to the session: given on several of its rows,
they must agree. Leaders are not listed: the session writes their leading records.

Each session is recorded as if --leader recorded it on the site: every attendee's
participation record confirmed by that leader, a record the attendee logged
themself of that meeting linked rather than counted twice, and a co-leader's
record waiting for the other leader's confirmation. Every row is checked first;
any bad row is reported with its line number (the header is line 1) and nothing
is written. A session the group has recorded already on a day is left as it
is (named, and said when the sheet differs from it), so importing the same
sheet twice records nothing the second time.

Example:
  balint-accredit sessions import --society bsanz --group 'Tuesday group' \\
      --leader leader@example.org attendance.csv")]
    Import(SessionsImportArgs),
}

/// Arguments of `balint-accredit sessions import`.
#[derive(Debug, Args)]
pub struct SessionsImportArgs {
    /// The society's slug, e.g. `bsanz`.
    #[arg(long)]
    pub society: String,
    /// The group: its id, or its name.
    #[arg(long)]
    pub group: String,
    /// The leader who signs the sheet and records its sessions: their
    /// person id or e-mail; they must lead the group on each session's day.
    #[arg(long)]
    pub leader: String,
    /// The attendance sheet (CSV).
    pub file: PathBuf,
    /// Check every row and say what would be recorded, writing nothing.
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub database: DatabaseSettings,
}

/// Runs a `sessions` subcommand and returns what to print.
pub fn run(command: &SessionsCommand) -> anyhow::Result<String> {
    match command {
        SessionsCommand::Import(args) => import(args, chrono::Utc::now().date_naive()),
    }
}

/// How an attendee came.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mark {
    Present,
    Online,
    Apologies,
}

/// One row of the sheet, read.
#[derive(Debug)]
struct Row {
    line: u64,
    date: NaiveDate,
    attendee: String,
    mark: Mark,
    minutes: Option<u32>,
    delivery: Option<Delivery>,
    cases: u32,
    follow_ups: Option<u32>,
}

/// The problems found, each with its line.
#[derive(Debug, Default)]
struct Problems(Vec<(u64, String)>);

impl Problems {
    fn add(&mut self, line: u64, message: impl Into<String>) {
        self.0.push((line, message.into()));
    }

    fn into_error(mut self) -> anyhow::Error {
        self.0.sort_by_key(|(line, _)| *line);
        let lines: Vec<String> = self
            .0
            .iter()
            .map(|(line, m)| format!("  line {line}: {m}"))
            .collect();
        let n = self.0.len();
        anyhow::anyhow!(
            "nothing was recorded: {n} problem{} in the sheet\n{}",
            if n == 1 { "" } else { "s" },
            lines.join("\n")
        )
    }
}

fn count(text: &str, column: &str, max: u32) -> Result<u32, String> {
    text.parse::<u32>()
        .ok()
        .filter(|n| *n <= max)
        .ok_or_else(|| format!("{column}: {text:?} is not a whole number from 0 to {max}"))
}

/// Read every row of `text`, each attendee found in `group`.
fn read_rows(text: &str, group: &GroupDetail, problems: &mut Problems) -> Vec<Row> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers = match reader.headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            problems.add(1, format!("unreadable header: {e}"));
            return Vec::new();
        }
    };
    let mut at: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, name) in headers.iter().enumerate() {
        match COLUMNS.iter().find(|c| c.eq_ignore_ascii_case(name)) {
            Some(c) if at.contains_key(c) => problems.add(1, format!("column {c} is named twice")),
            Some(c) => {
                at.insert(c, i);
            }
            None => problems.add(
                1,
                format!(
                    "unknown column {name:?}: the columns are {}",
                    COLUMNS.join(", ")
                ),
            ),
        }
    }
    for required in &COLUMNS[..3] {
        if !at.contains_key(required) {
            problems.add(1, format!("the column {required} is missing"));
        }
    }
    if !problems.0.is_empty() {
        return Vec::new();
    }
    let mut rows = Vec::new();
    let mut line = 1;
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let at_line = e.position().map_or(line + 1, csv::Position::line);
                problems.add(at_line, format!("unreadable row: {e}"));
                break;
            }
        };
        line = record.position().map_or(line + 1, csv::Position::line);
        if record.iter().all(str::is_empty) {
            continue;
        }
        if record.len() != headers.len() {
            problems.add(
                line,
                format!(
                    "has {} cells where the header has {}",
                    record.len(),
                    headers.len()
                ),
            );
            continue;
        }
        let cell = |column: &str| {
            at.get(column)
                .and_then(|i| record.get(*i))
                .map(csv_cells::restored)
                .filter(|c| !c.is_empty())
        };
        let before = problems.0.len();
        let mut fail = |m: String| problems.add(line, m);
        let date = match cell("date") {
            None => {
                fail("date: is required".to_owned());
                None
            }
            Some(d) => NaiveDate::parse_from_str(d, "%Y-%m-%d")
                .map_err(|_| fail(format!("date: {d:?} is not a date (YYYY-MM-DD)")))
                .ok(),
        };
        let attendee = match cell("attendee") {
            None => {
                fail("attendee: is required".to_owned());
                None
            }
            Some(a) => match group.person_by(a) {
                Some(p) => Some(p.id.clone()),
                None => {
                    fail(format!(
                        "attendee: {a} is not a leader or member of the group (by person id or e-mail)"
                    ));
                    None
                }
            },
        };
        let mark = match cell("attendance") {
            Some(m) if m.eq_ignore_ascii_case("present") => Some(Mark::Present),
            Some(m) if m.eq_ignore_ascii_case("online") => Some(Mark::Online),
            Some(m) if m.eq_ignore_ascii_case("apologies") => Some(Mark::Apologies),
            Some(m) => {
                fail(format!(
                    "attendance: {m:?} must be one of: present, online, apologies"
                ));
                None
            }
            None => {
                fail("attendance: is required".to_owned());
                None
            }
        };
        let minutes = cell("minutes").and_then(|m| {
            count(m, "minutes", crate::actions::groups::MAX_MINUTES)
                .map_err(&mut fail)
                .ok()
        });
        let delivery = cell("delivery").and_then(|d| {
            d.parse::<Delivery>()
                .map_err(|e| fail(format!("delivery: {e}")))
                .ok()
        });
        let max = crate::actions::groups::sessions::MAX_CASES;
        let cases = cell("cases")
            .map(|c| count(c, "cases", max).map_err(&mut fail).unwrap_or(0))
            .unwrap_or(0);
        let follow_ups =
            cell("follow_ups").and_then(|f| count(f, "follow_ups", max).map_err(&mut fail).ok());
        if mark == Some(Mark::Apologies) && cases > 0 {
            fail("cases: someone who sent apologies presented no case".to_owned());
        }
        if problems.0.len() > before {
            continue;
        }
        if let (Some(date), Some(attendee), Some(mark)) = (date, attendee, mark) {
            rows.push(Row {
                line,
                date,
                attendee,
                mark,
                minutes,
                delivery,
                cases,
                follow_ups,
            });
        }
    }
    rows
}

/// A session's rows as the use case's input, with the line of each entry
/// of its lists, to name the line of a problem.
struct Sheet<'a> {
    rows: &'a [&'a Row],
    input: SessionInput,
    attended: Vec<u64>,
    online: Vec<u64>,
    apologies: Vec<u64>,
    presenters: Vec<u64>,
}

/// The first value the rows give of a session's field; a row giving
/// another is a problem.
fn agreed<T: PartialEq + std::fmt::Debug + Copy>(
    rows: &[&Row],
    column: &str,
    pick: impl Fn(&Row) -> Option<T>,
    problems: &mut Problems,
) -> Option<T> {
    let mut first: Option<(T, u64)> = None;
    for row in rows {
        let Some(v) = pick(row) else { continue };
        match first {
            None => first = Some((v, row.line)),
            Some((f, at)) if f != v => problems.add(
                row.line,
                format!(
                    "{column}: {v:?} differs from {f:?} on line {at}, for the same session of {}",
                    row.date
                ),
            ),
            Some(_) => {}
        }
    }
    first.map(|(v, _)| v)
}

fn sheet<'a>(rows: &'a [&'a Row], problems: &mut Problems) -> Sheet<'a> {
    let mut s = Sheet {
        rows,
        input: SessionInput {
            date: rows.first().map(|r| r.date),
            minutes: agreed(rows, "minutes", |r| r.minutes, problems),
            delivery: agreed(rows, "delivery", |r| r.delivery, problems),
            follow_ups: agreed(rows, "follow_ups", |r| r.follow_ups, problems),
            cases_presented: Some(rows.iter().map(|r| r.cases).sum()),
            attended: Some(Vec::new()),
            online: Some(Vec::new()),
            apologies: Some(Vec::new()),
            presenters: Some(Vec::new()),
        },
        attended: Vec::new(),
        online: Vec::new(),
        apologies: Vec::new(),
        presenters: Vec::new(),
    };
    let input = &mut s.input;
    for row in rows {
        let id = row.attendee.clone();
        let (list, lines) = match row.mark {
            Mark::Apologies => (&mut input.apologies, &mut s.apologies),
            Mark::Present | Mark::Online => (&mut input.attended, &mut s.attended),
        };
        list.get_or_insert_with(Vec::new).push(id.clone());
        lines.push(row.line);
        if row.mark == Mark::Online {
            input.online.get_or_insert_with(Vec::new).push(id.clone());
            s.online.push(row.line);
        }
        if row.cases > 0 {
            input.presenters.get_or_insert_with(Vec::new).push(id);
            s.presenters.push(row.line);
        }
    }
    s
}

impl Sheet<'_> {
    /// The line a problem of the use case's `field` is on.
    fn line_of(&self, field: &str) -> u64 {
        let first = self.rows.first().map_or(1, |r| r.line);
        let indexed = |lines: &[u64], name: &str| {
            field
                .strip_prefix(name)
                .and_then(|rest| rest.strip_prefix('['))
                .and_then(|rest| rest.strip_suffix(']'))
                .and_then(|i| i.parse::<usize>().ok())
                .and_then(|i| lines.get(i).copied())
        };
        let giving = |pick: &dyn Fn(&Row) -> bool| {
            self.rows.iter().find(|r| pick(r)).map_or(first, |r| r.line)
        };
        indexed(&self.attended, "attended")
            .or_else(|| indexed(&self.apologies, "apologies"))
            .or_else(|| indexed(&self.online, "online"))
            .or_else(|| indexed(&self.presenters, "presenters"))
            .unwrap_or_else(|| match field {
                "online" => self.online.first().copied().unwrap_or(first),
                "minutes" => giving(&|r| r.minutes.is_some()),
                "follow_ups" => giving(&|r| r.follow_ups.is_some()),
                "cases_presented" => giving(&|r| r.cases > 0),
                _ => first,
            })
    }

    /// The column a problem of the use case's `field` is in.
    fn column_of(field: &str) -> &str {
        match field.split('[').next().unwrap_or(field) {
            "attended" | "apologies" | "presenters" => "attendee",
            "online" => "attendance",
            "cases_presented" => "cases",
            other => other,
        }
    }
}

/// Import the attendance sheet `args.file` into its group's sessions.
pub fn import(args: &SessionsImportArgs, today: NaiveDate) -> anyhow::Result<String> {
    let text = std::fs::read_to_string(&args.file)
        .with_context(|| format!("reading {}", args.file.display()))?;
    let mut conn = db::open_existing(&args.database)?;
    let society = Operator
        .society(&mut conn, &args.society)
        .map_err(explain)?;
    let group = group_for_operator(&mut conn, Operator, &society, &args.group).map_err(explain)?;
    let leader = group
        .person_by(&args.leader)
        .map(|p| p.id.clone())
        .with_context(|| {
            format!(
                "--leader {}: not a leader of the group {} (by person id or e-mail)",
                args.leader, group.group.name
            )
        })?;
    let mut problems = Problems::default();
    let rows = read_rows(&text, &group, &mut problems);
    if rows.is_empty() && problems.0.is_empty() {
        bail!("{} has no rows", args.file.display());
    }
    let mut by_day: BTreeMap<NaiveDate, Vec<&Row>> = BTreeMap::new();
    for row in &rows {
        by_day.entry(row.date).or_default().push(row);
    }
    let bar = progress_bar(by_day.len(), "checking");
    let mut new: Vec<CheckedSession> = Vec::new();
    let mut recorded: Vec<(NaiveDate, bool)> = Vec::new();
    for day_rows in by_day.values() {
        let sheet = sheet(day_rows, &mut problems);
        match check_for_operator(
            &mut conn,
            Operator,
            &group,
            &leader,
            sheet.input.clone(),
            today,
        ) {
            Ok(SheetSession::New(checked)) => new.push(*checked),
            Ok(SheetSession::Recorded { same, .. }) => {
                recorded.push((sheet.input.date.unwrap_or_default(), same));
            }
            Err(ApiError::Unprocessable { errors, .. }) => {
                for p in errors {
                    problems.add(
                        sheet.line_of(&p.field),
                        format!("{}: {}", Sheet::column_of(&p.field), p.message),
                    );
                }
            }
            Err(other) => {
                bar.finish_and_clear();
                return Err(explain(other));
            }
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    if !problems.0.is_empty() {
        return Err(problems.into_error());
    }
    let attendances = |sessions: &[CheckedSession]| {
        sessions
            .iter()
            .flat_map(CheckedSession::people)
            .filter(|p| p.attendance != db::groups::Attendance::Apologies)
            .count()
    };
    let mut out = String::new();
    let n = new.len();
    let what = format!(
        "{n} session{} of {} in {} ({} attendances)",
        if n == 1 { "" } else { "s" },
        group.group.name,
        society.slug,
        attendances(&new)
    );
    if args.dry_run {
        out.push_str(&format!(
            "Checked {} rows: would record {what}.\n",
            rows.len()
        ));
    } else {
        let bar = progress_bar(n, "recording");
        let stored = record_for_operator(&mut conn, Operator, &group, &new, &mut |k| {
            bar.set_position(k as u64);
        });
        bar.finish_and_clear();
        stored.map_err(explain)?;
        out.push_str(&format!("Recorded {what}.\n"));
    }
    if !recorded.is_empty() {
        let days: Vec<String> = recorded.iter().map(|(d, _)| d.to_string()).collect();
        out.push_str(&format!(
            "Recorded already, left as they are: {}.\n",
            days.join(", ")
        ));
        for (day, _) in recorded.iter().filter(|(_, same)| !same) {
            out.push_str(&format!(
                "The sheet differs from the recorded session of {day}: correct that session on its page.\n"
            ));
        }
    }
    if args.dry_run {
        out.push_str("Nothing was written (--dry-run).\n");
    }
    Ok(out)
}

fn progress_bar(len: usize, message: &'static str) -> ProgressBar {
    let bar = ProgressBar::new(len as u64);
    bar.set_style(
        ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} ({eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_message(message);
    bar
}

fn explain(e: ApiError) -> anyhow::Error {
    match e {
        ApiError::Unprocessable { detail, errors } | ApiError::BadRequest { detail, errors } => {
            let lines: Vec<String> = errors
                .iter()
                .map(|p| format!("  {}: {}", p.field, p.message))
                .collect();
            anyhow::anyhow!("{detail}\n{}", lines.join("\n"))
        }
        ApiError::NotFound(what) => anyhow::anyhow!("not found: {what}"),
        ApiError::Conflict(what) => anyhow::anyhow!("{what}"),
        other => anyhow::anyhow!("{other:?}"),
    }
}
