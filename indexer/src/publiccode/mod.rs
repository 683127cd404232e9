//! publiccode.yml parsing and validation: to be written.
