//! Groups and open channels: creating, listing, joining, leaving, adding members.
