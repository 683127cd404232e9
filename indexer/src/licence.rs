//! Licence detection from LICENSE/COPYING files: to be written.
