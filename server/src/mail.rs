//! E-mail notifications: immediate, or one digest per window.

use std::sync::Arc;

use crate::app::App;

/// TODO(issue 3, notifications helper): the mail job.
pub async fn run(_app: Arc<App>) {}
