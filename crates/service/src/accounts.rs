//! Accounts: sessions, passwords, the users of an area (moved here from web).
