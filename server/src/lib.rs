//! civiforge: the catalogue and forge of free software shared by public bodies.
//! The binary's parts are modules here so that tests can drive them directly.

pub mod app;
pub mod auth;
pub mod backup;
pub mod categories;
pub mod cli;
pub mod config;
pub mod document_files;
pub mod domain;
pub mod dump;
pub mod forge;
pub mod git_http;
pub mod http;
pub mod index_command;
pub mod indexing;
pub mod logging;
pub mod mail;
pub mod model;
pub mod multipart_form;
pub mod pages;
pub mod private_files;
pub mod reference;
pub mod search;
pub mod secrets;
pub mod state;
pub mod store;
pub mod telemetry;
pub mod text;
pub mod validation;
pub mod views;
pub mod worker;
