//! Tags to versions: to be written.
