//! The list conventions: `?page=&per_page=`, a total, a stable order.
//! `page` from 1 to [`MAX_PAGE`] (default 1), `per_page` from 1 to
//! [`MAX_PER_PAGE`] (default [`DEFAULT_PER_PAGE`]); outside them, or not a
//! number, 400 naming the parameter. The OpenAPI document gives the bounds
//! and defaults of every list's parameters.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::{ApiError, FieldProblem};

/// Largest page a client may ask for.
pub const MAX_PER_PAGE: u32 = 100;
/// Page size when none is asked for.
pub const DEFAULT_PER_PAGE: u32 = 25;
/// Largest page number a client may ask for (a hundred million rows in
/// pages of 100).
pub const MAX_PAGE: u32 = 1_000_000;

/// The query parameters of every list.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Page number, from 1 to 1000000 (default 1); past the last page,
    /// no items.
    #[param(minimum = 1, maximum = 1_000_000, default = 1)]
    pub page: Option<u32>,
    /// Items per page, 1 to 100 (default 25).
    #[param(minimum = 1, maximum = 100, default = 25)]
    pub per_page: Option<u32>,
}

/// A checked page request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    /// From 1.
    pub page: u32,
    /// From 1 to [`MAX_PER_PAGE`].
    pub per_page: u32,
}

impl PageRequest {
    /// Rows to skip.
    pub fn offset(&self) -> i64 {
        i64::from(self.page.saturating_sub(1)) * i64::from(self.per_page)
    }

    /// Rows to return.
    pub fn limit(&self) -> i64 {
        i64::from(self.per_page)
    }
}

impl TryFrom<&PageQuery> for PageRequest {
    type Error = ApiError;

    fn try_from(q: &PageQuery) -> Result<Self, ApiError> {
        let page = q.page.unwrap_or(1);
        let per_page = q.per_page.unwrap_or(DEFAULT_PER_PAGE);
        let mut errors = Vec::new();
        if page == 0 || page > MAX_PAGE {
            errors.push(FieldProblem::new(
                "page",
                format!("must be between 1 and {MAX_PAGE}"),
            ));
        }
        if per_page == 0 || per_page > MAX_PER_PAGE {
            errors.push(FieldProblem::new(
                "per_page",
                format!("must be between 1 and {MAX_PER_PAGE}"),
            ));
        }
        if errors.is_empty() {
            Ok(Self { page, per_page })
        } else {
            Err(ApiError::BadRequest {
                detail: "invalid query parameters".to_owned(),
                errors,
            })
        }
    }
}

impl PageQuery {
    /// The checked page and a list's own filter, refused together with
    /// every problem of both (400).
    pub fn with_filter<F>(
        &self,
        filter: Result<F, Vec<FieldProblem>>,
    ) -> Result<(PageRequest, F), ApiError> {
        match (PageRequest::try_from(self), filter) {
            (Ok(page), Ok(filter)) => Ok((page, filter)),
            (Err(ApiError::BadRequest { detail, mut errors }), filter) => {
                errors.extend(filter.err().unwrap_or_default());
                Err(ApiError::BadRequest { detail, errors })
            }
            (Err(other), _) => Err(other),
            (Ok(_), Err(errors)) => Err(ApiError::BadRequest {
                detail: "invalid query parameters".to_owned(),
                errors,
            }),
        }
    }
}

/// One page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    /// The items on this page, in the list's stable order.
    pub items: Vec<T>,
    /// This page's number.
    pub page: u32,
    /// Items per page.
    pub per_page: u32,
    /// Items in the whole list.
    pub total: i64,
}

impl<T> Page<T> {
    /// A page of `items` out of `total`.
    pub fn new(items: Vec<T>, request: PageRequest, total: i64) -> Self {
        Self {
            items,
            page: request.page,
            per_page: request.per_page,
            total,
        }
    }

    /// The same page with each item converted.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            page: self.page,
            per_page: self.per_page,
            total: self.total,
        }
    }
}
