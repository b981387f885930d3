//! Removes unread messages older than the configured lifetime ("Smart" mail service).

use std::sync::Arc;

use crate::app::App;

/// TODO(issue 3, core helper): the expiry job.
pub async fn run(_app: Arc<App>) {}
