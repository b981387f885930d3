//! Per-user settings kept on the server.

use messenger_protocol::{Settings, UserId};

use crate::store::{Store, StoreError};

impl Store {
    pub fn settings(&self, _user: UserId) -> Result<Settings, StoreError> {
        Ok(Settings::default())
    }
}
