//! The frame of every page: language, skip link, header with navigation and
//! sign-out, main, footer; and the pieces pages share (dates, form errors,
//! the CSRF field). maud escapes everything interpolated.

use chrono::NaiveDate;
use maud::{html, Markup, DOCTYPE};

use crate::day::DayError;
use crate::error::FieldProblem;
use crate::web::dates::DateStyle;
use crate::web::Viewer;

/// A whole page titled `title`; `content` starts with the page's one `h1`.
pub fn page(viewer: &Viewer, title: &str, content: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · Balint accreditation" }
                link rel="stylesheet" href="/static/style.css";
                link rel="icon" href="/static/favicon.svg" type="image/svg+xml";
            }
            body {
                a class="skip-link" href="#main" { "Skip to main content" }
                header class="site-header" {
                    div class="wrap header-row" {
                        a class="brand" href="/" { "Balint accreditation" }
                        nav aria-label="Main" {
                            ul {
                                li { a href="/" { "Registers" } }
                                @if viewer.user().is_some() {
                                    li { a href="/me" { "My pages" } }
                                } @else {
                                    li { a href="/login" { "Sign in" } }
                                }
                            }
                        }
                        @if let (Some(user), Some(csrf)) = (viewer.user(), viewer.csrf()) {
                            form class="sign-out" method="post" action="/logout" {
                                (csrf_field(&csrf))
                                span class="signed-in-as" { "Signed in as " (user.email) }
                                button type="submit" class="button-secondary" { "Sign out" }
                            }
                        }
                    }
                }
                main id="main" tabindex="-1" {
                    div class="wrap" { (content) }
                }
                footer class="site-footer" {
                    div class="wrap" {
                        p { "Registers of accredited Balint group leaders, kept by their societies." }
                        p { a href="/api/v1/docs" { "API documentation" } }
                    }
                }
            }
        }
    }
}

/// The hidden CSRF field of a form.
pub fn csrf_field(token: &str) -> Markup {
    html! { input type="hidden" name="csrf" value=(token); }
}

/// A day in the society's style, machine-readable too.
pub fn date(style: DateStyle, day: NaiveDate) -> Markup {
    html! { time datetime=(day.to_string()) lang=(style.lang()) { (style.format(day)) } }
}

/// A day, or a dash when there is none.
pub fn maybe_date(style: DateStyle, day: Option<NaiveDate>) -> Markup {
    match day {
        Some(day) => date(style, day),
        None => html! { "—" },
    }
}

/// A message that something worked.
pub fn notice(text: &str) -> Markup {
    html! { div class="notice" role="status" { p { (text) } } }
}

/// Form problems with labels for their fields: each field's id is its
/// name, so the summary links straight to it.
#[derive(Debug, Default)]
pub struct FormErrors {
    problems: Vec<FieldProblem>,
    /// Field name -> the label people see.
    labels: Vec<(String, String)>,
    /// Field name -> the id of its input, where that is not the name.
    anchors: Vec<(String, String)>,
}

impl FormErrors {
    /// Problems of a form whose fields are labelled `labels`.
    pub fn new(problems: Vec<FieldProblem>, labels: &[(&'static str, &'static str)]) -> Self {
        Self {
            problems,
            labels: labels
                .iter()
                .map(|(field, label)| ((*field).to_owned(), (*label).to_owned()))
                .collect(),
            anchors: Vec::new(),
        }
    }

    /// `field`'s input has the id `id`.
    pub fn with_anchor(mut self, field: &str, id: String) -> Self {
        self.anchors.push((field.to_owned(), id));
        self
    }

    fn anchor<'a>(&'a self, field: &'a str) -> &'a str {
        self.anchors
            .iter()
            .find(|(name, _)| name == field)
            .map_or(field, |(_, id)| id.as_str())
    }

    /// `field` is labelled `label` (for fields a form names as it goes,
    /// e.g. one per record).
    pub fn with_label(mut self, field: &str, label: String) -> Self {
        self.labels.push((field.to_owned(), label));
        self
    }

    fn label(&self, field: &str) -> Option<&str> {
        self.labels
            .iter()
            .find(|(name, _)| name == field)
            .map(|(_, label)| label.as_str())
    }

    /// The messages for `field`.
    pub fn of(&self, field: &str) -> Vec<&str> {
        self.problems
            .iter()
            .filter(|p| p.field == field)
            .map(|p| p.message.as_str())
            .collect()
    }

    /// The summary at the top of the form: every problem, linked to its
    /// field where the form has it.
    pub fn summary(&self) -> Markup {
        if self.problems.is_empty() {
            return html! {};
        }
        html! {
            // `autofocus`: the browser moves the focus here when the page
            // loads, without script, so the person starts at the problems.
            div class="error-summary" role="alert" aria-labelledby="error-summary-title" tabindex="-1" autofocus {
                h2 id="error-summary-title" { "There is a problem" }
                ul {
                    @for p in &self.problems {
                        li {
                            @match self.label(&p.field) {
                                Some(label) => a href={ "#" (self.anchor(&p.field)) } { (label) ": " (p.message) },
                                None => { (p.message) },
                            }
                        }
                    }
                }
            }
        }
    }

    /// Every problem as a plain list, linked to its field where the form
    /// has it: for a page that frames the problems itself.
    pub fn summary_list(&self) -> Markup {
        html! {
            @if !self.problems.is_empty() {
                ul {
                    @for p in &self.problems {
                        li {
                            @match self.label(&p.field) {
                                Some(label) => a href={ "#" (self.anchor(&p.field)) } { (label) ": " (p.message) },
                                None => { (p.message) },
                            }
                        }
                    }
                }
            }
        }
    }

    /// The messages shown next to `field`, with the id its input names in
    /// `aria-describedby`.
    pub fn next_to(&self, field: &str) -> Markup {
        let messages = self.of(field);
        html! {
            @if !messages.is_empty() {
                p class="field-error" id={ (field) "-error" } {
                    span class="visually-hidden" { "Error: " }
                    (messages.join("; "))
                }
            }
        }
    }

    /// `aria-describedby` for `field`'s input, when it has a problem.
    pub fn described_by(&self, field: &str) -> Option<String> {
        (!self.of(field).is_empty()).then(|| format!("{field}-error"))
    }

    /// `aria-invalid` for `field`'s input, when it has a problem.
    pub fn invalid(&self, field: &str) -> Option<&'static str> {
        (!self.of(field).is_empty()).then_some("true")
    }
}

/// What a page says next to a date field that holds no [`Day`].
pub fn day_words(error: DayError) -> &'static str {
    match error {
        DayError::NotADate => "Enter a real date, for example 2026-03-03",
        DayError::OutOfRange => "Enter a date from 1900-01-01 to 2199-12-31",
    }
}

/// The "Previous page / Page n of m / Next page" links under a paginated
/// list of `total` items, `per_page` to a page; `link_to(n)` is page n's
/// address. Nothing when everything fits on one page.
pub fn pager(
    label: &str,
    page: u32,
    per_page: u32,
    total: i64,
    link_to: impl Fn(u32) -> String,
) -> Markup {
    let per_page = i64::from(per_page.max(1));
    let pages = u32::try_from((total + per_page - 1) / per_page)
        .unwrap_or(u32::MAX)
        .max(1);
    html! {
        @if pages > 1 {
            nav class="pagination" aria-label=(label) {
                ul {
                    @if page > 1 { li { a href=(link_to(page - 1)) rel="prev" { "Previous page" } } }
                    li { "Page " (page) " of " (pages) }
                    @if page < pages { li { a href=(link_to(page + 1)) rel="next" { "Next page" } } }
                }
            }
        }
    }
}
