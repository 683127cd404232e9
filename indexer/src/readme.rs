//! README rendering: to be written.
