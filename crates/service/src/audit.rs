//! The audit log: reading it (filtered) and exporting it.
